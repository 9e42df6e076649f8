//! The protobuf codec against prost, on a test message that uses every field shape h2grpc
//! supports: all scalar types, an open enum, strings and bytes, a recursive nested message,
//! packed repeated scalars, repeated strings/bytes/messages, maps, a wrapper ("nullable")
//! message, a oneof, a proto3 `optional`, and the largest field number.
//!
//! The message, `Everything` in `support/everything.rs`, is:
//!
//! ```proto
//! syntax = "proto3";
//! enum Color { RED = 0; GREEN = 1; BLUE = 2; }
//! message BoolValue { bool value = 1; }
//! message Everything {
//!   int32 i32 = 1;   int64 i64 = 2;   uint32 u32 = 3;   uint64 u64 = 4;
//!   sint32 s32 = 5;  sint64 s64 = 6;  bool b = 7;       Color color = 8;
//!   fixed32 f32 = 9; fixed64 f64 = 10; sfixed32 sf32 = 11; sfixed64 sf64 = 12;
//!   float fl = 13;   double db = 14;  string s = 15;    bytes by = 16;
//!   Everything child = 17;
//!   repeated int32 r_i32 = 18;   repeated sint64 r_s64 = 19; repeated double r_db = 20;
//!   repeated fixed32 r_f32 = 21; repeated bool r_b = 22;     repeated Color r_color = 23;
//!   repeated string r_s = 24;    repeated bytes r_by = 25;   repeated Everything r_child = 26;
//!   map<string, int32> m_i32 = 27; map<string, string> m_s = 28; map<string, Everything> m_child = 29;
//!   BoolValue wrapped = 30;
//!   oneof choice { string c_s = 31; int64 c_i = 32; Everything c_m = 33; }
//!   optional int32 opt = 34;
//!   uint64 last = 536870911;
//! }
//! ```

use std::collections::BTreeMap;

use bytes::Bytes;
use h2grpc::protobuf::{DecodeError, Message, RECURSION_LIMIT, Text, WireType};
use proptest::prelude::*;
use prost::Message as _;

use crate::support::everything::{BoolValue, Choice, Everything};

// ===== The prost mirror =====

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
enum PColor {
    Red = 0,
    Green = 1,
    Blue = 2,
}

#[derive(Clone, PartialEq, prost::Message)]
struct PBoolValue {
    #[prost(bool, tag = "1")]
    value: bool,
}

#[derive(Clone, PartialEq, prost::Oneof)]
enum PChoice {
    #[prost(string, tag = "31")]
    CS(String),
    #[prost(int64, tag = "32")]
    CI(i64),
    #[prost(message, tag = "33")]
    CM(Box<PEverything>),
}

#[derive(Clone, PartialEq, prost::Message)]
struct PEverything {
    #[prost(int32, tag = "1")]
    i32: i32,
    #[prost(int64, tag = "2")]
    i64: i64,
    #[prost(uint32, tag = "3")]
    u32: u32,
    #[prost(uint64, tag = "4")]
    u64: u64,
    #[prost(sint32, tag = "5")]
    s32: i32,
    #[prost(sint64, tag = "6")]
    s64: i64,
    #[prost(bool, tag = "7")]
    b: bool,
    #[prost(enumeration = "PColor", tag = "8")]
    color: i32,
    #[prost(fixed32, tag = "9")]
    f32: u32,
    #[prost(fixed64, tag = "10")]
    f64: u64,
    #[prost(sfixed32, tag = "11")]
    sf32: i32,
    #[prost(sfixed64, tag = "12")]
    sf64: i64,
    #[prost(float, tag = "13")]
    fl: f32,
    #[prost(double, tag = "14")]
    db: f64,
    #[prost(string, tag = "15")]
    s: String,
    #[prost(bytes = "vec", tag = "16")]
    by: Vec<u8>,
    #[prost(message, optional, boxed, tag = "17")]
    child: Option<Box<Self>>,
    #[prost(int32, repeated, tag = "18")]
    r_i32: Vec<i32>,
    #[prost(sint64, repeated, tag = "19")]
    r_s64: Vec<i64>,
    #[prost(double, repeated, tag = "20")]
    r_db: Vec<f64>,
    #[prost(fixed32, repeated, tag = "21")]
    r_f32: Vec<u32>,
    #[prost(bool, repeated, tag = "22")]
    r_b: Vec<bool>,
    #[prost(enumeration = "PColor", repeated, tag = "23")]
    r_color: Vec<i32>,
    #[prost(string, repeated, tag = "24")]
    r_s: Vec<String>,
    #[prost(bytes = "vec", repeated, tag = "25")]
    r_by: Vec<Vec<u8>>,
    #[prost(message, repeated, tag = "26")]
    r_child: Vec<Self>,
    #[prost(btree_map = "string, int32", tag = "27")]
    m_i32: BTreeMap<String, i32>,
    #[prost(btree_map = "string, string", tag = "28")]
    m_s: BTreeMap<String, String>,
    #[prost(btree_map = "string, message", tag = "29")]
    m_child: BTreeMap<String, Self>,
    #[prost(message, optional, tag = "30")]
    wrapped: Option<PBoolValue>,
    #[prost(oneof = "PChoice", tags = "31, 32, 33")]
    choice: Option<PChoice>,
    #[prost(int32, optional, tag = "34")]
    opt: Option<i32>,
    #[prost(uint64, tag = "536870911")]
    last: u64,
}

fn bs(s: &str) -> Text {
    Text::from(s)
}

impl From<&PEverything> for Everything {
    fn from(p: &PEverything) -> Self {
        Self {
            i32: p.i32,
            i64: p.i64,
            u32: p.u32,
            u64: p.u64,
            s32: p.s32,
            s64: p.s64,
            b: p.b,
            color: p.color,
            f32: p.f32,
            f64: p.f64,
            sf32: p.sf32,
            sf64: p.sf64,
            fl: p.fl,
            db: p.db,
            s: bs(&p.s),
            by: Bytes::from(p.by.clone()),
            child: p.child.as_deref().map(|c| Box::new(c.into())),
            r_i32: p.r_i32.clone(),
            r_s64: p.r_s64.clone(),
            r_db: p.r_db.clone(),
            r_f32: p.r_f32.clone(),
            r_b: p.r_b.clone(),
            r_color: p.r_color.clone(),
            r_s: p.r_s.iter().map(|s| bs(s)).collect(),
            r_by: p.r_by.iter().map(|b| Bytes::from(b.clone())).collect(),
            r_child: p.r_child.iter().map(Into::into).collect(),
            m_i32: p.m_i32.iter().map(|(k, v)| (bs(k), *v)).collect(),
            m_s: p.m_s.iter().map(|(k, v)| (bs(k), bs(v))).collect(),
            m_child: p.m_child.iter().map(|(k, v)| (bs(k), v.into())).collect(),
            wrapped: p.wrapped.as_ref().map(|w| BoolValue { value: w.value }),
            choice: p.choice.as_ref().map(|c| match c {
                PChoice::CS(s) => Choice::CS(bs(s)),
                PChoice::CI(i) => Choice::CI(*i),
                PChoice::CM(m) => Choice::CM(Box::new(m.as_ref().into())),
            }),
            opt: p.opt,
            last: p.last,
        }
    }
}

// ===== Strategies =====

/// prost drops a `-0.0` double (it compares with `!= 0.0`), h2grpc writes it (the C++ runtime
/// compares bits); the comparison with prost keeps away from that one value.
fn no_negative_zero(x: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x }
}

fn scalars() -> impl Strategy<Value = PEverything> {
    (
        (
            any::<i32>(),
            any::<i64>(),
            any::<u32>(),
            any::<u64>(),
            any::<i32>(),
            any::<i64>(),
        ),
        (
            any::<bool>(),
            -1i32..4,
            any::<u32>(),
            any::<u64>(),
            any::<i32>(),
            any::<i64>(),
        ),
        (
            any::<f32>(),
            any::<f64>(),
            ".{0,20}",
            proptest::collection::vec(any::<u8>(), 0..40),
        ),
        (
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<i32>()),
            any::<u64>(),
        ),
    )
        .prop_map(
            |((a, b, c, d, e, f), (g, h, i, j, k, l), (m, n, o, p), (q, r, s))| PEverything {
                i32: a,
                i64: b,
                u32: c,
                u64: d,
                s32: e,
                s64: f,
                b: g,
                color: h,
                f32: i,
                f64: j,
                sf32: k,
                sf64: l,
                fl: if m == 0.0 { 0.0 } else { m },
                db: no_negative_zero(n),
                s: o,
                by: p,
                wrapped: q.map(|value| PBoolValue { value }),
                opt: r,
                last: s,
                ..Default::default()
            },
        )
}

fn everything() -> impl Strategy<Value = PEverything> {
    let leaf = scalars();
    leaf.prop_recursive(3, 24, 4, |inner| {
        (
            scalars(),
            proptest::option::of(inner.clone()),
            (
                proptest::collection::vec(any::<i32>(), 0..5),
                proptest::collection::vec(any::<i64>(), 0..5),
                proptest::collection::vec(any::<f64>().prop_map(no_negative_zero), 0..5),
                proptest::collection::vec(any::<u32>(), 0..5),
                proptest::collection::vec(any::<bool>(), 0..5),
                proptest::collection::vec(-2i32..5, 0..5),
            ),
            (
                proptest::collection::vec(".{0,8}", 0..4),
                proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..8), 0..4),
                proptest::collection::vec(inner.clone(), 0..3),
            ),
            (
                proptest::collection::btree_map(".{0,6}", any::<i32>(), 0..4),
                proptest::collection::btree_map(".{0,6}", ".{0,6}", 0..4),
                proptest::collection::btree_map(".{0,6}", inner.clone(), 0..3),
            ),
            proptest::option::of(prop_oneof![
                ".{0,8}".prop_map(PChoice::CS),
                any::<i64>().prop_map(PChoice::CI),
                inner.prop_map(|m| PChoice::CM(Box::new(m))),
            ]),
        )
            .prop_map(
                |(mut base, child, (a, b, c, d, e, f), (g, h, i), (j, k, l), choice)| {
                    base.child = child.map(Box::new);
                    base.r_i32 = a;
                    base.r_s64 = b;
                    base.r_db = c;
                    base.r_f32 = d;
                    base.r_b = e;
                    base.r_color = f;
                    base.r_s = g;
                    base.r_by = h;
                    base.r_child = i;
                    base.m_i32 = j;
                    base.m_s = k;
                    base.m_child = l;
                    base.choice = choice;
                    base
                },
            )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Byte-identical to prost, `encoded_len` equal to what is written, and prost's bytes decode
    /// back to the same message (compared by re-encoding, so that NaN compares too).
    #[test]
    fn everything_matches_prost(p in everything()) {
        let ours = Everything::from(&p);
        let expected = p.encode_to_vec();
        let encoded = ours.encode_to_bytes();
        prop_assert_eq!(&encoded[..], &expected[..]);
        prop_assert_eq!(ours.encoded_len(), encoded.len());
        let decoded = Everything::decode(Bytes::from(expected.clone())).unwrap();
        prop_assert_eq!(&decoded.encode_to_bytes()[..], &expected[..]);
        // And prost reads ours.
        let back = PEverything::decode(encoded).unwrap();
        prop_assert_eq!(back.encode_to_vec(), expected);
    }

    /// Arbitrary input never panics; whatever decodes, re-encodes to something that decodes to
    /// the same message.
    #[test]
    fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(m) = Everything::decode(Bytes::from(input)) {
            let again = Everything::decode(m.encode_to_bytes()).unwrap();
            prop_assert_eq!(again.encode_to_bytes(), m.encode_to_bytes());
        }
    }

    /// Mutations of a valid encoding (a byte changed, the tail cut) never panic either.
    #[test]
    fn mutated_encodings_never_panic(p in everything(), at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>()) {
        let mut bytes = p.encode_to_vec();
        if !bytes.is_empty() {
            let i = at.index(bytes.len());
            if cut { bytes.truncate(i) } else { bytes[i] = byte }
        }
        let _ = Everything::decode(Bytes::from(bytes));
    }
}

// ===== Fixed vectors =====

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn spec_example_150() {
    let m = Everything {
        i32: 150,
        ..Default::default()
    };
    assert_eq!(hex(&m.encode_to_bytes()), "08 96 01");
}

#[test]
fn negative_int32_takes_ten_bytes() {
    let m = Everything {
        i32: -1,
        ..Default::default()
    };
    assert_eq!(
        hex(&m.encode_to_bytes()),
        "08 ff ff ff ff ff ff ff ff ff 01"
    );
    assert_eq!(Everything::decode(m.encode_to_bytes()).unwrap().i32, -1);
}

#[test]
fn sint32_zigzag_is_at_most_five_bytes() {
    // quick-protobuf's own write_sint32 sign-extends the ZigZag value: i32::MAX would take ten.
    let m = Everything {
        s32: i32::MAX,
        ..Default::default()
    };
    assert_eq!(hex(&m.encode_to_bytes()), "28 fe ff ff ff 0f");
    let m = Everything {
        s32: i32::MIN,
        ..Default::default()
    };
    assert_eq!(hex(&m.encode_to_bytes()), "28 ff ff ff ff 0f");
}

#[test]
fn zigzag() {
    for (value, wire) in [
        (0, "00"),
        (-1, "01"),
        (1, "02"),
        (-2, "03"),
        (i64::MIN, "ff ff ff ff ff ff ff ff ff 01"),
    ] {
        let m = Everything {
            s64: value,
            ..Default::default()
        };
        let bytes = m.encode_to_bytes();
        if value == 0 {
            assert!(bytes.is_empty());
            continue;
        }
        assert_eq!(hex(&bytes[1..]), wire, "sint64 {value}");
    }
}

#[test]
fn defaults_are_not_written_but_presence_is() {
    assert!(Everything::default().encode_to_bytes().is_empty());
    // A present wrapper holding false: absent ≠ present-with-defaults.
    let m = Everything {
        wrapped: Some(BoolValue { value: false }),
        ..Default::default()
    };
    let bytes = m.encode_to_bytes();
    assert_eq!(hex(&bytes), "f2 01 00");
    assert_eq!(
        Everything::decode(bytes).unwrap().wrapped,
        Some(BoolValue { value: false })
    );
    // proto3 optional: Some(0) is written.
    let m = Everything {
        opt: Some(0),
        ..Default::default()
    };
    assert_eq!(hex(&m.encode_to_bytes()), "90 02 00");
    // -0.0 is not the default: its sign survives.
    let m = Everything {
        db: -0.0,
        ..Default::default()
    };
    let decoded = Everything::decode(m.encode_to_bytes()).unwrap();
    assert!(decoded.db.is_sign_negative());
}

#[test]
fn packed_and_unpacked_both_decode() {
    // Field 18 (repeated int32): packed `92 01 03 01 02 03` and unpacked `90 01 01 90 01 02 90 01 03`.
    let packed = Bytes::from_static(&[0x92, 0x01, 0x03, 0x01, 0x02, 0x03]);
    let unpacked = Bytes::from_static(&[0x90, 0x01, 0x01, 0x90, 0x01, 0x02, 0x90, 0x01, 0x03]);
    assert_eq!(Everything::decode(packed.clone()).unwrap().r_i32, [1, 2, 3]);
    assert_eq!(Everything::decode(unpacked).unwrap().r_i32, [1, 2, 3]);
    // The encoder packs.
    let m = Everything {
        r_i32: vec![1, 2, 3],
        ..Default::default()
    };
    assert_eq!(m.encode_to_bytes(), packed);
    // Mixed: both forms in one message concatenate.
    let mixed = Bytes::from_static(&[0x90, 0x01, 0x07, 0x92, 0x01, 0x02, 0x08, 0x09]);
    assert_eq!(Everything::decode(mixed).unwrap().r_i32, [7, 8, 9]);
    // A packed fixed32 whose length is not a multiple of 4 is refused.
    let bad = Bytes::from_static(&[0xaa, 0x01, 0x03, 0x01, 0x02, 0x03]);
    assert_eq!(
        Everything::decode(bad),
        Err(DecodeError::PackedLength { number: 21 })
    );
}

#[test]
fn unknown_fields_of_every_wire_type_are_skipped() {
    let mut bytes = vec![0x08, 0x2a]; // i32 = 42
    bytes.extend([0xc0, 0x3e, 0x96, 0x01]); // field 1000 VARINT
    bytes.extend([0xc1, 0x3e, 1, 2, 3, 4, 5, 6, 7, 8]); // field 1000 I64
    bytes.extend([0xc2, 0x3e, 0x03, b'a', b'b', b'c']); // field 1000 LEN
    bytes.extend([0xc5, 0x3e, 1, 2, 3, 4]); // field 1000 I32
    bytes.extend([0x7a, 0x02, b'o', b'k']); // s = "ok"
    let m = Everything::decode(Bytes::from(bytes)).unwrap();
    assert_eq!((m.i32, &*m.s), (42, "ok"));
}

#[test]
fn malformed_input_gives_precise_errors() {
    let cases: &[(&[u8], DecodeError)] = &[
        (&[0x08], DecodeError::Truncated),
        (&[0x08, 0x80], DecodeError::Truncated),
        (&[0x7a, 0x05, b'a'], DecodeError::Truncated),
        (&[0x00, 0x01], DecodeError::InvalidKey(0)),
        (&[0x0b], DecodeError::Group { number: 1 }),
        (&[0x0c], DecodeError::Group { number: 1 }),
        (&[0x0e, 0x00], DecodeError::InvalidWireType(6)),
        (&[0x0f, 0x00], DecodeError::InvalidWireType(7)),
        // Field 2^29: a key of 33 bits.
        (
            &[0x80, 0x80, 0x80, 0x80, 0x10, 0x00],
            DecodeError::InvalidKey(1 << 32),
        ),
        // An eleven-byte varint, and a ten-byte one with bits past 64.
        (
            &[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ],
            DecodeError::VarintOverflow,
        ),
        (
            &[
                0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
            ],
            DecodeError::VarintOverflow,
        ),
        (
            &[0x7a, 0x02, 0xc3, 0x28],
            DecodeError::InvalidUtf8 { number: 15 },
        ),
        (
            &[0x0a, 0x00],
            DecodeError::WireTypeMismatch {
                number: 1,
                expected: WireType::Varint,
                found: WireType::Len,
            },
        ),
        (
            &[0x7a, 0x00, 0x78, 0x00],
            DecodeError::WireTypeMismatch {
                number: 15,
                expected: WireType::Len,
                found: WireType::Varint,
            },
        ),
    ];
    for (bytes, expected) in cases {
        assert_eq!(
            Everything::decode(Bytes::copy_from_slice(bytes)).as_ref(),
            Err(expected),
            "{}",
            hex(bytes)
        );
    }
}

#[test]
fn a_length_past_the_end_allocates_nothing_and_fails() {
    // A LEN field claiming 2^62 bytes: refused before any slicing or allocation.
    let bytes = Bytes::from_static(&[
        0x82, 0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40,
    ]);
    assert_eq!(Everything::decode(bytes), Err(DecodeError::Truncated));
}

#[test]
fn a_nested_message_cannot_reach_outside_its_length() {
    // child (17) of length 2 holding `7a 05` (s of length 5): the 5 bytes after it belong to the
    // parent and must not be read as the child's string.
    let bytes = Bytes::from_static(&[0x8a, 0x01, 0x02, 0x7a, 0x05, b'h', b'e', b'l', b'l', b'o']);
    assert_eq!(Everything::decode(bytes), Err(DecodeError::Truncated));
}

fn nested(depth: usize) -> Bytes {
    // Innermost first: an empty message, wrapped `depth` times in field 17.
    let mut bytes = Vec::new();
    for _ in 0..depth {
        let mut outer = vec![0x8a, 0x01];
        prost::encoding::encode_varint(bytes.len() as u64, &mut outer);
        outer.extend(&bytes);
        bytes = outer;
    }
    Bytes::from(bytes)
}

#[test]
fn recursion_is_limited() {
    let limit = RECURSION_LIMIT as usize;
    assert!(Everything::decode(nested(limit)).is_ok());
    assert_eq!(
        Everything::decode(nested(limit + 1)),
        Err(DecodeError::RecursionLimit)
    );
    // Far deeper input is refused just the same, without exhausting the stack.
    assert_eq!(
        Everything::decode(nested(100_000)),
        Err(DecodeError::RecursionLimit)
    );
}

#[test]
fn long_strings_and_bytes_are_zero_copy_short_strings_inline() {
    let long = "a string of more than thirty-eight bytes, shared";
    let m = Everything {
        s: bs(long),
        by: Bytes::from_static(b"bytes too"),
        r_s: vec![bs("short")],
        ..Default::default()
    };
    let wire = m.encode_to_bytes();
    let decoded = Everything::decode(wire.clone()).unwrap();
    let range = wire.as_ptr() as usize..wire.as_ptr() as usize + wire.len();
    assert!(range.contains(&(decoded.s.as_ptr() as usize)));
    assert!(range.contains(&(decoded.by.as_ptr() as usize)));
    // A short string is copied into its Text: it does not point into the message.
    assert!(decoded.r_s[0].is_inline());
    assert!(!range.contains(&(decoded.r_s[0].as_ptr() as usize)));
    assert_eq!(decoded, m);
}

#[test]
fn map_entries_merge_and_default_parts_are_left_out() {
    let m = Everything {
        m_i32: [(bs(""), 0), (bs("a"), 1)].into_iter().collect(),
        ..Default::default()
    };
    // Entry 1: empty key and zero value, both omitted → `da 01 00`; entry 2: `da 01 05 0a 01 61 10 01`.
    assert_eq!(
        hex(&m.encode_to_bytes()),
        "da 01 00 da 01 05 0a 01 61 10 01"
    );
    assert_eq!(Everything::decode(m.encode_to_bytes()).unwrap(), m);
    // Same key twice: the last value wins.
    let twice = Bytes::from_static(&[0xda, 0x01, 0x02, 0x10, 0x01, 0xda, 0x01, 0x02, 0x10, 0x02]);
    assert_eq!(Everything::decode(twice).unwrap().m_i32[""], 2);
}

#[test]
fn a_message_field_seen_twice_merges() {
    // child { i32: 1 } then child { s: "x" } → child { i32: 1, s: "x" }.
    let bytes = Bytes::from_static(&[
        0x8a, 0x01, 0x02, 0x08, 0x01, 0x8a, 0x01, 0x03, 0x7a, 0x01, b'x',
    ]);
    let child = Everything::decode(bytes).unwrap().child.unwrap();
    assert_eq!((child.i32, &*child.s), (1, "x"));
}

#[test]
fn open_enums_keep_unknown_numbers() {
    let m = Everything {
        color: 42,
        r_color: vec![7, -3],
        ..Default::default()
    };
    let decoded = Everything::decode(m.encode_to_bytes()).unwrap();
    assert_eq!((decoded.color, decoded.r_color), (42, vec![7, -3]));
}
