//! The hand-written messages (`protobuf::Message::decode`) on arbitrary bytes: every message of
//! `services` and the descriptor messages reflection clients decode.
//!
//! Each input is decoded as every type. Asserts: no panic; when it decodes, `encoded_len` is
//! the length written, the encoding decodes again to an equal message (compared with `==`
//! unless the message holds a NaN, which equals nothing) and encodes to the same bytes.
#![no_main]

use std::fmt::Debug;

use bytes::Bytes;
use h2grpc::protobuf::Message;
use h2grpc::schema::descriptor::FileDescriptorSet;
use h2grpc::services::{finance, health, hello, interop, reflection, users};
use libfuzzer_sys::fuzz_target;

/// Whether `message` equals itself: false only when one of its float fields is NaN.
#[allow(clippy::eq_op)]
fn nan_free<M: PartialEq>(message: &M) -> bool {
    message == message
}

fn round_trip<M: Message + PartialEq + Debug>(input: &Bytes) {
    let Ok(message) = M::decode(input) else {
        return;
    };
    let encoded = message.encode_to_vec();
    assert_eq!(
        encoded.len(),
        message.encoded_len(),
        "encoded_len of {message:?}"
    );
    let again = match M::decode(Bytes::from(encoded.clone())) {
        Ok(again) => again,
        Err(error) => panic!("{message:?} encodes to bytes that do not decode: {error}"),
    };
    if nan_free(&message) {
        assert_eq!(message, again);
    }
    assert_eq!(
        encoded,
        again.encode_to_vec(),
        "{message:?} encodes differently once read back"
    );
}

fuzz_target!(|data: &[u8]| {
    let input = Bytes::copy_from_slice(data);
    round_trip::<hello::HelloRequest>(&input);
    round_trip::<hello::HelloReply>(&input);

    round_trip::<finance::ConvertRequest>(&input);
    round_trip::<finance::ConvertReply>(&input);
    round_trip::<finance::WatchRequest>(&input);
    round_trip::<finance::RateUpdate>(&input);
    round_trip::<finance::BatchReply>(&input);

    round_trip::<users::GetUserRequest>(&input);
    round_trip::<users::CreateUserRequest>(&input);
    round_trip::<users::User>(&input);
    round_trip::<users::ListUsersRequest>(&input);
    round_trip::<users::BulkCreateResponse>(&input);

    round_trip::<interop::Empty>(&input);
    round_trip::<interop::BoolValue>(&input);
    round_trip::<interop::Payload>(&input);
    round_trip::<interop::EchoStatus>(&input);
    round_trip::<interop::SimpleRequest>(&input);
    round_trip::<interop::SimpleResponse>(&input);
    round_trip::<interop::StreamingInputCallRequest>(&input);
    round_trip::<interop::StreamingInputCallResponse>(&input);
    round_trip::<interop::ResponseParameters>(&input);
    round_trip::<interop::StreamingOutputCallRequest>(&input);
    round_trip::<interop::StreamingOutputCallResponse>(&input);
    round_trip::<interop::ReconnectParams>(&input);
    round_trip::<interop::ReconnectInfo>(&input);
    round_trip::<interop::TestOrcaReport>(&input);

    round_trip::<health::HealthCheckRequest>(&input);
    round_trip::<health::HealthCheckResponse>(&input);
    round_trip::<health::HealthListRequest>(&input);
    round_trip::<health::HealthListResponse>(&input);

    round_trip::<reflection::ServerReflectionRequest>(&input);
    round_trip::<reflection::ServerReflectionResponse>(&input);

    round_trip::<FileDescriptorSet>(&input);
});
