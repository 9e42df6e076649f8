//! h2grpc's bytes against prost's, byte for byte, for every case of every message; and each
//! side decoding the other's bytes back to the same values.

use bytes::Bytes;
use h2grpc::protobuf::Message;
use h2grpc::services::{finance, hello, users};

use super::cases::{self, bs};
use super::mirrors::{Mirror, decode, hex};

/// For each case: h2grpc's encoding equals prost's, `encoded_len` is the length written, and
/// each side decodes the other's bytes back to the case.
fn assert_matches_prost<T: Mirror>(cases: &[T]) {
    assert!(!cases.is_empty(), "a table with no case proves nothing");
    for case in cases {
        let ours = case.encode_to_bytes();
        let theirs = prost::Message::encode_to_vec(&case.to_prost());
        assert!(
            ours[..] == theirs[..],
            "{case:?}\n  h2grpc: {}\n  prost:  {}",
            hex(&ours),
            hex(&theirs)
        );
        assert_eq!(case.encoded_len(), ours.len(), "encoded_len of {case:?}");

        let back = decode::<T>(&theirs, case);
        assert!(
            back.same(case),
            "h2grpc decoded prost's bytes of {case:?} as {back:?}"
        );

        let prost_back = <T::Prost as prost::Message>::decode(Bytes::copy_from_slice(&ours))
            .unwrap_or_else(|e| panic!("prost failed to decode h2grpc's {case:?}: {e}"));
        let prost_back = T::from_prost(&prost_back);
        assert!(
            prost_back.same(case),
            "prost decoded h2grpc's {case:?} as {prost_back:?}"
        );
    }
}

#[test]
fn hello_request_matches_prost() {
    assert_matches_prost(&cases::hello_requests());
}

#[test]
fn hello_reply_matches_prost() {
    assert_matches_prost(&cases::hello_replies());
}

#[test]
fn convert_request_matches_prost() {
    assert_matches_prost(&cases::convert_requests());
}

#[test]
fn convert_reply_matches_prost() {
    assert_matches_prost(&cases::convert_replies());
}

#[test]
fn watch_request_matches_prost() {
    assert_matches_prost(&cases::watch_requests());
}

#[test]
fn rate_update_matches_prost() {
    assert_matches_prost(&cases::rate_updates());
}

#[test]
fn batch_reply_matches_prost() {
    assert_matches_prost(&cases::batch_replies());
}

#[test]
fn get_user_request_matches_prost() {
    assert_matches_prost(&cases::get_user_requests());
}

#[test]
fn create_user_request_matches_prost() {
    assert_matches_prost(&cases::create_user_requests());
}

#[test]
fn user_matches_prost() {
    assert_matches_prost(&cases::users());
}

#[test]
fn list_users_request_matches_prost() {
    assert_matches_prost(&cases::list_users_requests());
}

#[test]
fn bulk_create_response_matches_prost() {
    assert_matches_prost(&cases::bulk_create_responses());
}

// ===== A few vectors written out, so a reader sees the bytes the tables compare =====

#[test]
fn hello_request_world_is_the_spec_vector() {
    let request = hello::HelloRequest { name: bs("world") };
    // field 1, LEN (0x0a), 5 bytes, "world"
    assert_eq!(&request.encode_to_bytes()[..], b"\x0a\x05world");
}

#[test]
fn negative_age_takes_ten_bytes() {
    let request = users::CreateUserRequest {
        age: -1,
        ..Default::default()
    };
    // field 3, VARINT (0x18); -1 sign-extended to 64 bits: nine 0xff and a final 0x01.
    assert_eq!(
        &request.encode_to_bytes()[..],
        [
            0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01
        ]
    );
}

#[test]
fn string_of_128_bytes_has_a_two_byte_length() {
    let reply = hello::HelloReply {
        message: bs(&"y".repeat(128)),
    };
    let bytes = reply.encode_to_bytes();
    assert_eq!(&bytes[..3], [0x0a, 0x80, 0x01]);
    assert_eq!(bytes.len(), 3 + 128);
}

#[test]
fn empty_strings_inside_a_repeated_field_are_records() {
    let request = finance::WatchRequest {
        base_currency: bs(""),
        target_currencies: vec![bs(""), bs("x"), bs("")],
    };
    // field 2, LEN (0x12): three records, the empty ones `12 00`.
    assert_eq!(
        &request.encode_to_bytes()[..],
        [0x12, 0x00, 0x12, 0x01, b'x', 0x12, 0x00]
    );
}

#[test]
fn amount_is_eight_little_endian_bytes() {
    let request = finance::ConvertRequest {
        amount: 0.5,
        ..Default::default()
    };
    // field 3, I64 (0x19); 0.5 = 0x3fe0000000000000, little-endian.
    assert_eq!(
        &request.encode_to_bytes()[..],
        [0x19, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f]
    );
}

// ===== -0.0: the one deliberate difference from prost =====

/// h2grpc writes a `double` unless its bits are all zero, as the C++ runtime and `protoc` do
/// (see `protoc_writes_negative_zero` in `vs_protoc.rs`); prost compares `!= 0.0` and drops
/// `-0.0`. This test pins the difference, so that a change on either side is noticed.
#[test]
fn negative_zero_is_written_where_prost_drops_it() {
    let request = finance::ConvertRequest {
        amount: -0.0,
        ..Default::default()
    };
    let ours = request.encode_to_bytes();
    assert_eq!(&ours[..], [0x19, 0, 0, 0, 0, 0, 0, 0, 0x80]);
    assert_eq!(request.encoded_len(), 9);
    let theirs = prost::Message::encode_to_vec(&request.to_prost());
    assert!(theirs.is_empty(), "prost now writes -0.0: {}", hex(&theirs));

    // Both decode it back to negative zero.
    let back = decode(&ours, &request);
    assert!(back.same(&request), "{back:?}");
    let prost_back = <super::mirrors::ConvertRequest as prost::Message>::decode(&ours[..])
        .expect("prost decodes -0.0");
    assert!(prost_back.amount.is_sign_negative() && prost_back.amount == 0.0);
}

#[test]
fn negative_zero_in_every_double_field_round_trips() {
    let reply = finance::ConvertReply {
        converted_amount: -0.0,
        rate: -0.0,
        timestamp: bs(""),
    };
    let update = finance::RateUpdate {
        currency: bs(""),
        rate: -0.0,
    };
    let batch = finance::BatchReply {
        total_converted: -0.0,
        count: 0,
    };
    assert_eq!(reply.encode_to_bytes().len(), 18);
    assert!(decode(&reply.encode_to_bytes(), &reply).same(&reply));
    assert_eq!(update.encode_to_bytes().len(), 9);
    assert!(decode(&update.encode_to_bytes(), &update).same(&update));
    assert_eq!(batch.encode_to_bytes().len(), 9);
    assert!(decode(&batch.encode_to_bytes(), &batch).same(&batch));
}
