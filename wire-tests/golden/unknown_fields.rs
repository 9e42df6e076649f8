//! Fields h2grpc does not know, as a newer peer would send them: skipped, whatever their wire
//! type and field number, with the known fields decoded intact.
//!
//! The bytes come from prost. [`UserV2`] and [`ConvertRequestV2`] are "version 2" of two
//! messages, the known fields plus new ones; [`Extras`] holds only new fields and is put before,
//! after and on both sides of every message of the case tables (concatenated messages merge, so
//! this is what a peer that wrote its fields in another order would send).

use bytes::Bytes;
use h2grpc::protobuf::{DecodeError, Message};
use h2grpc::services::{finance, users};

use super::cases::{self, bs};
use super::mirrors::{Mirror, decode, hex};

/// A nested message, unknown to the receiver, with its own nesting.
#[derive(Clone, PartialEq, prost::Message)]
struct Nested {
    #[prost(string, tag = "1")]
    label: String,
    #[prost(sint64, tag = "2")]
    delta: i64,
    #[prost(message, optional, boxed, tag = "3")]
    inner: Option<Box<Self>>,
}

/// Unknown fields of every wire type, at one-byte (6, 15), two-byte (16, 2047), three-byte
/// (2048, 262143) and five-byte keys up to the largest field number, 2^29 − 1.
#[derive(Clone, PartialEq, prost::Message)]
struct Extras {
    /// VARINT, ten bytes.
    #[prost(int64, tag = "6")]
    varint_long: i64,
    /// VARINT, one byte.
    #[prost(bool, tag = "15")]
    varint_short: bool,
    /// I64.
    #[prost(fixed64, tag = "16")]
    fixed64: u64,
    /// I64, as a double.
    #[prost(double, tag = "2047")]
    double: f64,
    /// I32.
    #[prost(fixed32, tag = "1000")]
    fixed32: u32,
    /// I32, as a float.
    #[prost(float, tag = "2048")]
    float: f32,
    /// LEN: a string longer than 127 bytes (two-byte length).
    #[prost(string, tag = "262143")]
    string: String,
    /// LEN: bytes that are not UTF-8 (an unknown field is never checked).
    #[prost(bytes = "vec", tag = "262144")]
    bytes: Vec<u8>,
    /// LEN: a nested message, three deep.
    #[prost(message, optional, tag = "1001")]
    nested: Option<Nested>,
    /// LEN: packed repeated varints.
    #[prost(int32, repeated, tag = "1002")]
    packed: Vec<i32>,
    /// LEN, several records of one unknown field.
    #[prost(string, repeated, tag = "1003")]
    repeated: Vec<String>,
    /// VARINT at the largest field number.
    #[prost(uint64, tag = "536870911")]
    max_number: u64,
    /// LEN at the largest field number but one.
    #[prost(string, tag = "536870910")]
    max_number_string: String,
}

fn extras() -> Extras {
    Extras {
        varint_long: -1,
        varint_short: true,
        fixed64: u64::MAX,
        double: -1.25,
        fixed32: 0xdead_beef,
        float: 0.5,
        string: "é".repeat(100),
        bytes: vec![0xff, 0xfe, 0x00, 0x80],
        nested: Some(Nested {
            label: "outer".to_owned(),
            delta: -5,
            inner: Some(Box::new(Nested {
                label: "inner".to_owned(),
                delta: i64::MIN,
                inner: Some(Box::default()),
            })),
        }),
        packed: vec![1, -1, 300, i32::MIN],
        repeated: vec![String::new(), "r".to_owned()],
        max_number: u64::MAX,
        max_number_string: "last".to_owned(),
    }
}

/// Every case of a table, with the unknown fields before, after, and on both sides.
fn assert_unknown_fields_skipped<T: Mirror>(table: &[T]) {
    let extras = prost::Message::encode_to_vec(&extras());
    assert!(extras.len() > 300, "the extras are all written");
    for case in table {
        let known = prost::Message::encode_to_vec(&case.to_prost());
        for bytes in [
            [&extras[..], &known[..]].concat(),
            [&known[..], &extras[..]].concat(),
            [&extras[..], &known[..], &extras[..]].concat(),
        ] {
            let back = decode::<T>(&bytes, case);
            assert!(
                back.same(case),
                "{case:?} from {} came back as {back:?}",
                hex(&bytes)
            );
        }
    }
}

#[test]
fn hello_messages_skip_unknown_fields() {
    assert_unknown_fields_skipped(&cases::hello_requests());
    assert_unknown_fields_skipped(&cases::hello_replies());
}

#[test]
fn finance_messages_skip_unknown_fields() {
    assert_unknown_fields_skipped(&cases::convert_requests());
    assert_unknown_fields_skipped(&cases::convert_replies());
    assert_unknown_fields_skipped(&cases::watch_requests());
    assert_unknown_fields_skipped(&cases::rate_updates());
    assert_unknown_fields_skipped(&cases::batch_replies());
}

#[test]
fn users_messages_skip_unknown_fields() {
    assert_unknown_fields_skipped(&cases::get_user_requests());
    assert_unknown_fields_skipped(&cases::create_user_requests());
    assert_unknown_fields_skipped(&cases::users());
    assert_unknown_fields_skipped(&cases::list_users_requests());
    assert_unknown_fields_skipped(&cases::bulk_create_responses());
}

// ===== "Version 2" of a message, as one prost struct =====

/// `users.User` as a later version of `user_service.proto` might declare it.
#[derive(Clone, PartialEq, prost::Message)]
struct UserV2 {
    #[prost(string, tag = "1")]
    id: String,
    #[prost(string, tag = "2")]
    name: String,
    #[prost(string, tag = "3")]
    email: String,
    #[prost(int32, tag = "4")]
    age: i32,
    #[prost(int64, tag = "5")]
    created_at: i64,
    #[prost(sint32, tag = "6")]
    score: i32,
    #[prost(sfixed64, tag = "7")]
    updated_at: i64,
    #[prost(sfixed32, tag = "8")]
    region: i32,
    #[prost(message, optional, tag = "1000")]
    profile: Option<Nested>,
    #[prost(string, repeated, tag = "9")]
    roles: Vec<String>,
    #[prost(bytes = "vec", tag = "536870911")]
    avatar: Vec<u8>,
}

#[test]
fn user_v2_decodes_as_user() {
    let v2 = UserV2 {
        id: "u-1".to_owned(),
        name: "Alice".to_owned(),
        email: "alice@example.com".to_owned(),
        age: -1,
        created_at: 1_700_000_000,
        score: -3,
        updated_at: -1,
        region: 7,
        profile: Some(Nested {
            label: "p".to_owned(),
            delta: 1,
            inner: None,
        }),
        roles: vec!["admin".to_owned(), String::new()],
        avatar: vec![0x89, b'P', b'N', b'G'],
    };
    let bytes = prost::Message::encode_to_vec(&v2);
    let expected = users::User {
        id: bs("u-1"),
        name: bs("Alice"),
        email: bs("alice@example.com"),
        age: -1,
        created_at: 1_700_000_000,
    };
    assert_eq!(decode(&bytes, &expected), expected, "{}", hex(&bytes));
}

/// `finance.ConvertRequest` as a later version might declare it.
#[derive(Clone, PartialEq, prost::Message)]
struct ConvertRequestV2 {
    #[prost(string, tag = "1")]
    from_currency: String,
    #[prost(string, tag = "2")]
    to_currency: String,
    #[prost(double, tag = "3")]
    amount: f64,
    #[prost(fixed32, tag = "4")]
    request_id: u32,
    #[prost(float, tag = "5")]
    fee: f32,
    #[prost(uint64, tag = "1000")]
    idempotency_key: u64,
    #[prost(message, optional, tag = "536870911")]
    context: Option<Nested>,
}

#[test]
fn convert_request_v2_decodes_as_convert_request() {
    let v2 = ConvertRequestV2 {
        from_currency: "USD".to_owned(),
        to_currency: "JPY".to_owned(),
        amount: 1e308,
        request_id: 42,
        fee: 0.25,
        idempotency_key: u64::MAX,
        context: Some(Nested::default()),
    };
    let bytes = prost::Message::encode_to_vec(&v2);
    let expected = finance::ConvertRequest {
        from_currency: bs("USD"),
        to_currency: bs("JPY"),
        amount: 1e308,
    };
    assert!(decode(&bytes, &expected).same(&expected), "{}", hex(&bytes));
}

// ===== What is not skipped =====

/// An unknown field is skipped, but it must still be well formed: a length that runs past the
/// end of the message is an error, not a silent stop.
#[test]
fn a_truncated_unknown_field_is_an_error() {
    let mut bytes = prost::Message::encode_to_vec(&extras());
    bytes.truncate(bytes.len() - 1);
    assert_eq!(
        users::User::decode(Bytes::from(bytes)),
        Err(DecodeError::Truncated)
    );
}

/// A *known* field with the wrong wire type is refused (prost refuses it too), not skipped.
#[test]
fn a_known_field_with_another_wire_type_is_refused() {
    // field 3 of ConvertRequest (double, I64) sent as a VARINT: key 0x18, value 1.
    let bytes = [0x18, 0x01];
    assert!(finance::ConvertRequest::decode(Bytes::copy_from_slice(&bytes[..])).is_err());
    assert!(
        <super::mirrors::ConvertRequest as prost::Message>::decode(&bytes[..]).is_err(),
        "prost agrees"
    );
}

// ===== Overlong varints =====

/// An `int32` varint of ten bytes whose tenth byte is above 1 carries bits beyond 64: prost and
/// protobuf-go refuse it, and h2grpc refuses it for 32-bit and 64-bit fields alike (the 32-bit
/// kinds read 64 bits and truncate). protoc 3.21, the C++ runtime, accepts both.
#[test]
fn an_overlong_tenth_varint_byte_is_treated_alike_for_int32_and_int64() {
    let age = [
        0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    ];
    let created_at = [
        0x28, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    ];
    let age = users::User::decode(Bytes::copy_from_slice(&age[..]));
    let created_at = users::User::decode(Bytes::copy_from_slice(&created_at[..]));
    assert!(
        age.is_err() && created_at.is_err(),
        "age: {age:?}, created_at: {created_at:?}"
    );
}
