//! The descriptor-driven messages (`h2grpc::dynamic`) on any input: they never panic, and what
//! they decode they write back unchanged.
//!
//! The types are every message of `proto/` (proto3) and of the proto2 corpus of
//! `wire-tests/reflection/corpus/proto2/` (groups, extensions, closed enums, defaults, message
//! sets, maps), read with h2grpc's own parser. The inputs are arbitrary bytes, and valid
//! encodings of random records with bytes flipped and cut.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use h2grpc::dynamic::{DynamicMessage, MessageType, Types};
use h2grpc::schema::Schema;
use proptest::prelude::*;

/// Every message type of `proto/` and of the proto2 corpus.
fn all_types() -> &'static (Arc<Types>, Vec<MessageType>) {
    static TYPES: OnceLock<(Arc<Types>, Vec<MessageType>)> = OnceLock::new();
    TYPES.get_or_init(|| {
        let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("wire-tests/reflection/corpus");
        let proto2 =
            Schema::load(&[corpus], &["proto2/shop.proto", "proto2/legacy.proto"]).unwrap();
        let mut files = Schema::embedded().files().to_vec();
        for file in proto2.files() {
            if !files.iter().any(|f| f.name == file.name) {
                files.push(file.clone());
            }
        }
        let types = Types::new(&files).unwrap();
        let all = types
            .messages()
            .map(|(id, _)| MessageType::from_id(&types, id))
            .collect();
        (types, all)
    })
}

/// One record: a key of a small field number and any wire type, then a value of that type
/// (including start- and end-group keys, which proto2 messages read).
fn record() -> impl Strategy<Value = Vec<u8>> {
    (
        1_u8..24,
        0_u8..6,
        proptest::collection::vec(any::<u8>(), 0..12),
    )
        .prop_map(|(number, wire_type, payload)| {
            let mut out = vec![(number << 3) | wire_type];
            match wire_type {
                0 => out.push(payload.first().copied().unwrap_or(0) & 0x7f),
                1 => out.extend(payload.iter().chain([0; 8].iter()).take(8)),
                2 => {
                    out.push(u8::try_from(payload.len()).unwrap());
                    out.extend(&payload);
                }
                5 => out.extend(payload.iter().chain([0; 4].iter()).take(4)),
                _ => {}
            }
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary bytes, for every type: an error or a message, never a panic; and a message
    /// that decoded re-encodes to bytes that decode to the same message.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..96)) {
        let bytes = Bytes::from(bytes);
        for ty in &all_types().1 {
            if let Ok(message) = DynamicMessage::decode(ty, &bytes) {
                let again = DynamicMessage::decode(ty, Bytes::from(message.encode_to_vec())).unwrap();
                // Bytes, not values: a NaN is not equal to itself.
                prop_assert_eq!(again.encode_to_vec(), message.encode_to_vec(), "{}", ty.full_name());
                prop_assert_eq!(message.encoded_len(), message.encode_to_vec().len());
            }
        }
    }

    /// Well-formed records (the shapes a decoder meets), cut and with a byte flipped.
    #[test]
    fn records_cut_and_flipped_never_panic(
        records in proptest::collection::vec(record(), 0..10),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        bit in 0_u8..8,
    ) {
        let mut bytes: Vec<u8> = records.concat();
        let whole = Bytes::from(bytes.clone());
        for ty in &all_types().1 {
            if let Ok(message) = DynamicMessage::decode(ty, &whole) {
                let again = DynamicMessage::decode(ty, Bytes::from(message.encode_to_vec())).unwrap();
                // Bytes, not values: a NaN is not equal to itself.
                prop_assert_eq!(again.encode_to_vec(), message.encode_to_vec(), "{}", ty.full_name());
            }
        }
        if !bytes.is_empty() {
            let at = flip.index(bytes.len());
            bytes[at] ^= 1 << bit;
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        let damaged = Bytes::from(bytes);
        for ty in &all_types().1 {
            let _ = DynamicMessage::decode(ty, &damaged);
        }
    }
}

/// Unknown fields, in every type: kept in order and written back after the known fields, so
/// a message of unknown records alone round-trips byte for byte.
#[test]
fn unknown_records_round_trip_in_every_type() {
    // Field 536870911 (the largest), as a varint, a LEN, a fixed64 and a group.
    let unknown: &[u8] = &[
        0xf8, 0xff, 0xff, 0xff, 0x0f, 0x2a, // varint 42
        0xfa, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x78, // LEN "x"
        0xf9, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3, 4, 5, 6, 7, 8, // fixed64
        0xfb, 0xff, 0xff, 0xff, 0x0f, 0x08, 0x01, 0xfc, 0xff, 0xff, 0xff, 0x0f, // group
    ];
    for ty in &all_types().1 {
        let message = DynamicMessage::decode(ty, Bytes::from_static(unknown))
            .unwrap_or_else(|e| panic!("{}: {e}", ty.full_name()));
        assert_eq!(message.encode_to_vec(), unknown, "{}", ty.full_name());
    }
}
