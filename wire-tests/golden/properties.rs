//! Property tests: for arbitrary field values, h2grpc's bytes equal prost's and decode back, and
//! `encoded_len` is the length written; for arbitrary bytes, decoding returns (an error or a
//! message) and never panics; for arbitrary records, h2grpc and prost accept the same inputs and
//! read the same values from them.

use bytes::Bytes;
use h2grpc::protobuf::Text;
use h2grpc::services::{finance, hello, users};
use proptest::prelude::*;

use super::mirrors::{Mirror, hex};

fn string() -> impl Strategy<Value = Text> {
    any::<String>().prop_map(Text::from)
}

fn strings() -> impl Strategy<Value = Vec<Text>> {
    proptest::collection::vec(string(), 0..8)
}

/// Every bit pattern of a double (NaNs with payloads, subnormals, infinities) except `-0.0`,
/// which prost drops and h2grpc writes (see `vs_prost.rs`).
fn double() -> impl Strategy<Value = f64> {
    any::<u64>()
        .prop_map(f64::from_bits)
        .prop_filter("prost drops -0.0", |x| x.to_bits() != (-0.0f64).to_bits())
}

/// The properties of one value: same bytes as prost, `encoded_len` exact, round trip.
fn check<T: Mirror>(value: &T) -> Result<(), TestCaseError> {
    let ours = value.encode_to_bytes();
    let theirs = prost::Message::encode_to_vec(&value.to_prost());
    prop_assert!(
        ours[..] == theirs[..],
        "{:?}\n  h2grpc: {}\n  prost:  {}",
        value,
        hex(&ours),
        hex(&theirs)
    );
    prop_assert_eq!(value.encoded_len(), ours.len());
    let back = T::decode(ours);
    prop_assert!(
        matches!(&back, Ok(back) if back.same(value)),
        "{:?} came back as {:?}",
        value,
        back
    );
    Ok(())
}

/// Decoding arbitrary bytes as `T` returns, and when it succeeds, re-encoding and decoding again
/// gives the same message (the decoded value is a real value of `T`).
fn never_panics<T: Mirror>(bytes: Vec<u8>) -> Result<(), TestCaseError> {
    if let Ok(message) = T::decode(Bytes::from(bytes)) {
        let again = T::decode(message.encode_to_bytes());
        prop_assert!(
            matches!(&again, Ok(again) if again.same(&message)),
            "{:?} re-decoded as {:?}",
            message,
            again
        );
    }
    Ok(())
}

proptest! {
    #[test]
    fn hello_messages_match_prost(name in string(), message in string()) {
        check(&hello::HelloRequest { name })?;
        check(&hello::HelloReply { message })?;
    }

    #[test]
    fn convert_request_matches_prost(from in string(), to in string(), amount in double()) {
        check(&finance::ConvertRequest { from_currency: from, to_currency: to, amount })?;
    }

    #[test]
    fn convert_reply_matches_prost(converted in double(), rate in double(), ts in string()) {
        check(&finance::ConvertReply { converted_amount: converted, rate, timestamp: ts })?;
    }

    #[test]
    fn watch_request_matches_prost(base in string(), targets in strings()) {
        check(&finance::WatchRequest { base_currency: base, target_currencies: targets })?;
    }

    #[test]
    fn rate_update_and_batch_reply_match_prost(
        currency in string(),
        rate in double(),
        total in double(),
        count in any::<i32>(),
    ) {
        check(&finance::RateUpdate { currency, rate })?;
        check(&finance::BatchReply { total_converted: total, count })?;
    }

    #[test]
    fn user_requests_match_prost(
        user_id in string(),
        name in string(),
        email in string(),
        age in any::<i32>(),
        page_size in any::<i32>(),
        page_token in string(),
    ) {
        check(&users::GetUserRequest { user_id })?;
        check(&users::CreateUserRequest { name, email, age })?;
        check(&users::ListUsersRequest { page_size, page_token })?;
    }

    #[test]
    fn user_matches_prost(
        id in string(),
        name in string(),
        email in string(),
        age in any::<i32>(),
        created_at in any::<i64>(),
    ) {
        check(&users::User { id, name, email, age, created_at })?;
    }

    #[test]
    fn bulk_create_response_matches_prost(count in any::<i32>(), ids in strings()) {
        check(&users::BulkCreateResponse { created_count: count, user_ids: ids })?;
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        never_panics::<hello::HelloRequest>(bytes.clone())?;
        never_panics::<finance::ConvertRequest>(bytes.clone())?;
        never_panics::<finance::ConvertReply>(bytes.clone())?;
        never_panics::<finance::WatchRequest>(bytes.clone())?;
        never_panics::<finance::RateUpdate>(bytes.clone())?;
        never_panics::<finance::BatchReply>(bytes.clone())?;
        never_panics::<users::GetUserRequest>(bytes.clone())?;
        never_panics::<users::CreateUserRequest>(bytes.clone())?;
        never_panics::<users::User>(bytes.clone())?;
        never_panics::<users::ListUsersRequest>(bytes.clone())?;
        never_panics::<users::BulkCreateResponse>(bytes)?;
    }
}

// ===== Decoding: h2grpc and prost agree on arbitrary records =====

/// A varint, as every encoder writes it (at most ten bytes, the tenth 0 or 1).
fn put_varint(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push(u8::try_from(value & 0x7f).expect("seven bits") | 0x80);
        value >>= 7;
    }
    out.push(u8::try_from(value).expect("below 0x80"));
}

/// One record: a key with a field number the messages know (1 to 5), do not know (6, 1000,
/// 2^29 − 1) or that is invalid (0), any wire type but the groups (3, 4; h2grpc refuses them
/// where prost skips them, by design), and a value of that wire type: a well-formed varint, eight
/// or four bytes, or a length and a payload (random bytes or UTF-8).
fn record() -> impl Strategy<Value = Vec<u8>> {
    let number = prop_oneof![
        (1u64..=5),
        Just(0u64),
        Just(6),
        Just(1000),
        Just(536_870_911)
    ];
    let wire_type = prop_oneof![Just(0u64), Just(1), Just(2), Just(5), Just(6), Just(7)];
    let payload = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..12),
        any::<String>().prop_map(String::into_bytes),
    ];
    (number, wire_type, any::<u64>(), payload).prop_map(|(number, wire_type, value, payload)| {
        let mut out = Vec::new();
        put_varint((number << 3) | wire_type, &mut out);
        match wire_type {
            0 => put_varint(value, &mut out),
            1 => out.extend_from_slice(&value.to_le_bytes()),
            5 => out.extend_from_slice(&value.to_le_bytes()[..4]),
            _ => {
                put_varint(payload.len() as u64, &mut out);
                out.extend_from_slice(&payload);
            }
        }
        out
    })
}

/// Records, the last one possibly cut short (only the last: a cut varint followed by another
/// record would read on into that record's key).
fn records() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(record(), 0..5),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(records, cut, truncate)| {
            let mut bytes = records.concat();
            if truncate && let Some(last) = records.last() {
                let keep = bytes.len() - last.len() + cut.index(last.len());
                bytes.truncate(keep);
            }
            bytes
        })
}

/// h2grpc and prost both refuse `bytes` as a `T`, or both accept it with the same values.
fn agrees_with_prost<T: Mirror>(bytes: &[u8]) -> Result<(), TestCaseError> {
    let ours = T::decode(Bytes::copy_from_slice(bytes));
    let theirs = <T::Prost as prost::Message>::decode(bytes);
    match (&ours, &theirs) {
        (Ok(ours), Ok(theirs)) => {
            let theirs = T::from_prost(theirs);
            prop_assert!(
                ours.same(&theirs),
                "{}: h2grpc {:?}, prost {:?}",
                hex(bytes),
                ours,
                theirs
            );
        }
        (Err(_), Err(_)) => {}
        _ => prop_assert!(
            false,
            "{}: h2grpc {:?}, prost {}",
            hex(bytes),
            ours,
            match &theirs {
                Ok(_) => "accepts".to_owned(),
                Err(e) => e.to_string(),
            }
        ),
    }
    Ok(())
}

proptest! {
    #[test]
    fn decoding_agrees_with_prost(bytes in records()) {
        agrees_with_prost::<hello::HelloRequest>(&bytes)?;
        agrees_with_prost::<finance::ConvertRequest>(&bytes)?;
        agrees_with_prost::<finance::ConvertReply>(&bytes)?;
        agrees_with_prost::<finance::WatchRequest>(&bytes)?;
        agrees_with_prost::<finance::RateUpdate>(&bytes)?;
        agrees_with_prost::<finance::BatchReply>(&bytes)?;
        agrees_with_prost::<users::GetUserRequest>(&bytes)?;
        agrees_with_prost::<users::CreateUserRequest>(&bytes)?;
        agrees_with_prost::<users::User>(&bytes)?;
        agrees_with_prost::<users::ListUsersRequest>(&bytes)?;
        agrees_with_prost::<users::BulkCreateResponse>(&bytes)?;
    }
}
