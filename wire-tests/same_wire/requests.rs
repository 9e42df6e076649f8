//! The recording server: one call from tonic's generated client and the same call from
//! h2grpc's `Channel`, recorded by the same raw `h2` server and compared.
//!
//! What legitimately differs, and why (everything else must be equal):
//!
//! | what | tonic 0.14 | h2grpc | why it is fine |
//! |---|---|---|---|
//! | `user-agent` | `tonic/0.14.x` | `h2grpc/0.1.0` | each names itself, as the spec recommends |
//! | header order | Custom-Metadata first (including `grpc-timeout`, which `Request::set_timeout` puts *into* the metadata, wherever that call falls), then `te`, `content-type`, `user-agent` | `te`, `content-type`, `user-agent`, `grpc-timeout`, then Custom-Metadata | PROTOCOL-HTTP2.md: "Call-Definition headers before Custom-Metadata", and Timeout "immediately after the reserved headers": h2grpc follows the spec's order; no receiver may depend on it. Compared as multimaps; each side's order is pinned as a list |
//! | END_STREAM of a unary request | DATA(message), then an empty DATA(END_STREAM) (hyper's `send_eos_frame`) | END_STREAM on the message's DATA frame | both are "END_STREAM on the last DATA frame"; h2grpc saves a frame |
//! | DATA frame boundaries of a stream | ready messages coalesced into one frame (tonic's `EncodedBytes`) | one frame per message | frame boundaries carry no meaning (PROTOCOL-HTTP2.md); the concatenated bytes are compared |
//! | `grpc-accept-encoding` | absent (sent only with `accept_compressed`) | `gzip,deflate,identity`, after the reserved headers | what the client can decompress, as grpc-core's clients advertise it; checked by [`own_headers`], then left out of the comparison |
//!
//! `grpc-timeout` is *not* among the differences: both format a `Duration` in the finest unit
//! that fits in 8 digits, truncating, and the values are compared below.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use h2grpc::client::Channel;
use h2grpc::protobuf::Message;
use h2grpc::rpc::{Request, Response};
use h2grpc::services::finance::{BatchReply, ConvertRequest};
use h2grpc::services::hello::{HelloReply, HelloRequest};
use h2grpc::services::{finance, hello, helloworld};
use tonic_peer::pb;
use tonic_peer::tonic;
use tonic_peer::tonic::metadata::MetadataValue;

use super::recorder::{RecordedRequest, RecordingServer, get, names, sorted_without};

fn framed(messages: &[&dyn ErasedMessage]) -> Bytes {
    let mut buf = BytesMut::new();
    for message in messages {
        message.frame_into(&mut buf);
    }
    buf.freeze()
}

/// Lets `framed` take messages of different types.
trait ErasedMessage {
    fn frame_into(&self, buf: &mut BytesMut);
}

impl<M: Message> ErasedMessage for M {
    fn frame_into(&self, buf: &mut BytesMut) {
        h2grpc::framing::encode_message(self, buf, usize::MAX).unwrap();
    }
}

/// The recording server's answers: a valid response of the right type for each method.
fn answer(path: &str) -> Bytes {
    let hello = HelloReply {
        message: "recorded".into(),
    };
    match path {
        finance::BATCH_CONVERT => framed(&[&BatchReply {
            total_converted: 3.0,
            count: 3,
        }]),
        helloworld::SAY_HELLO_BIDI_STREAM => framed(&[&hello, &hello]),
        _ => framed(&[&hello]),
    }
}

/// An h2grpc recording, checked for the one header tonic does not send (the module docs) and
/// without it: `grpc-accept-encoding`, right before the Custom-Metadata.
fn own_headers(mut h2grpc: RecordedRequest) -> RecordedRequest {
    let at = h2grpc
        .headers
        .iter()
        .position(|(name, _)| name == "grpc-accept-encoding")
        .expect("h2grpc advertises grpc-accept-encoding");
    let (_, value) = h2grpc.headers.remove(at);
    assert_eq!(value, "gzip,deflate,identity");
    let before: Vec<&str> = h2grpc.headers[..at]
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| *name != "grpc-timeout")
        .collect();
    assert_eq!(before, ["te", "content-type", "user-agent"]);
    h2grpc
}

/// The `user-agent` tonic sends: `tonic/<its version>`.
fn is_tonic_user_agent(value: &str) -> bool {
    value
        .strip_prefix("tonic/0.14.")
        .is_some_and(|patch| patch.parse::<u32>().is_ok())
}

/// Asserts that two recordings of the same call are the same wire, but for the differences of
/// the module docs; returns nothing, panics naming the first difference.
fn assert_same_wire(tonic: &RecordedRequest, h2grpc: &RecordedRequest, path: &str) {
    for request in [tonic, h2grpc] {
        assert_eq!(request.method, "POST");
        assert_eq!(request.scheme.as_deref(), Some("http"));
        assert_eq!(request.path, path);
        assert!(!request.headers_end_stream, "END_STREAM on HEADERS");
        assert!(
            request.body.ended_on_data(),
            "END_STREAM not on DATA: {request:?}"
        );
        assert_eq!(request.body.trailers, None, "request trailers");
        assert_eq!(request.body.error, None);
    }
    assert_eq!(tonic.authority, h2grpc.authority);

    let tonic_agent = get(&tonic.headers, "user-agent").unwrap();
    assert!(is_tonic_user_agent(tonic_agent), "{tonic_agent}");
    assert_eq!(
        get(&h2grpc.headers, "user-agent"),
        Some(h2grpc::call::client::USER_AGENT_VALUE)
    );
    assert_eq!(h2grpc::call::client::USER_AGENT_VALUE, "h2grpc/0.1.0");
    // As multimaps, without user-agent: the same fields with the same values.
    assert_eq!(
        sorted_without(&tonic.headers, &["user-agent"]),
        sorted_without(&h2grpc.headers, &["user-agent"])
    );
    // DATA: the same bytes, whatever the frames.
    assert_eq!(tonic.body.data(), h2grpc.body.data());
}

fn hello_pairs(name: &str) -> (pb::hello::HelloRequest, HelloRequest) {
    (
        pb::hello::HelloRequest { name: name.into() },
        HelloRequest { name: name.into() },
    )
}

/// One unary SayHello from each client, with `x-custom: v`, `x-bin-bin: [1, 2, 3]` and the
/// optional timeout set after the metadata (tonic's header order depends on that).
async fn record_unary(timeout: Option<Duration>) -> (RecordedRequest, RecordedRequest) {
    let mut server = RecordingServer::start(answer).await;
    let (tonic_message, h2grpc_message) = hello_pairs("world");

    let mut client = tonic_peer::clients::HelloClient::connect(server.url())
        .await
        .unwrap();
    let mut request = tonic::Request::new(tonic_message);
    request
        .metadata_mut()
        .insert("x-custom", "v".parse().unwrap());
    request
        .metadata_mut()
        .insert_bin("x-bin-bin", MetadataValue::from_bytes(&[1, 2, 3]));
    if let Some(timeout) = timeout {
        request.set_timeout(timeout);
    }
    let reply = client.say_hello(request).await.unwrap();
    assert_eq!(reply.get_ref().message, "recorded");
    let tonic = server.next().await;

    let channel = Channel::connect(&server.url()).await.unwrap();
    let mut request = Request::new(h2grpc_message);
    request.metadata_mut().insert("x-custom", "v").unwrap();
    request
        .metadata_mut()
        .insert_bin("x-bin-bin", &[1, 2, 3])
        .unwrap();
    if let Some(timeout) = timeout {
        request.set_timeout(timeout);
    }
    let reply: Response<HelloReply> = channel.unary(hello::SAY_HELLO, request).await.unwrap();
    assert_eq!(reply.get_ref().message, "recorded");
    let h2grpc = own_headers(server.next().await);
    (tonic, h2grpc)
}

/// `HelloRequest { name: "world" }`, framed: the request of the README's
/// "A call on the wire".
const WORLD: &[u8] = b"\x00\x00\x00\x00\x07\x0a\x05world";

#[tokio::test]
async fn unary_with_metadata() {
    let (tonic, h2grpc) = record_unary(None).await;
    assert_same_wire(&tonic, &h2grpc, hello::SAY_HELLO);
    assert_eq!(tonic.body.data(), WORLD);
    assert_eq!(get(&tonic.headers, "x-custom"), Some("v"));
    // [1, 2, 3] in base64 is AQID: no padding either way.
    assert_eq!(get(&tonic.headers, "x-bin-bin"), Some("AQID"));
    assert_eq!(get(&tonic.headers, "te"), Some("trailers"));
    assert_eq!(
        get(&tonic.headers, "content-type"),
        Some("application/grpc")
    );
    assert_eq!(get(&tonic.headers, "grpc-timeout"), None);

    // The orders (legit difference: the module docs).
    assert_eq!(
        names(&tonic.headers),
        ["x-custom", "x-bin-bin", "te", "content-type", "user-agent"]
    );
    assert_eq!(
        names(&h2grpc.headers),
        ["te", "content-type", "user-agent", "x-custom", "x-bin-bin"]
    );
    // The frames (legit difference): tonic ends with an empty DATA frame.
    assert_eq!(tonic.body.frame_lengths(), [WORLD.len(), 0]);
    assert_eq!(h2grpc.body.frame_lengths(), [WORLD.len()]);
}

#[tokio::test]
async fn unary_with_metadata_and_timeouts() {
    // Long timeouts only, so that no call can time out; the finest unit that fits in 8 digits,
    // truncated (grpc-go would round 99.999999999 s *up*, to `100000m`).
    for (timeout, wire) in [
        (Duration::from_secs(30), "30000000u"),
        (Duration::new(30, 123), "30000000u"),
        (Duration::new(99, 999_999_999), "99999999u"),
        (Duration::from_secs(100), "100000m"),
        (Duration::from_secs(7200), "7200000m"),
        (Duration::from_secs(100_000), "100000S"),
    ] {
        let (tonic, h2grpc) = record_unary(Some(timeout)).await;
        assert_same_wire(&tonic, &h2grpc, hello::SAY_HELLO);
        assert_eq!(
            get(&tonic.headers, "grpc-timeout"),
            Some(wire),
            "{timeout:?}"
        );
        assert_eq!(
            get(&h2grpc.headers, "grpc-timeout"),
            Some(wire),
            "{timeout:?}"
        );
        assert_eq!(
            names(&tonic.headers),
            [
                "x-custom",
                "x-bin-bin",
                "grpc-timeout",
                "te",
                "content-type",
                "user-agent"
            ]
        );
        assert_eq!(
            names(&h2grpc.headers),
            [
                "te",
                "content-type",
                "user-agent",
                "grpc-timeout",
                "x-custom",
                "x-bin-bin"
            ]
        );
    }
}

fn convert_requests() -> [(pb::finance::ConvertRequest, ConvertRequest); 3] {
    [("USD", "EUR", 1.0), ("GBP", "JPY", -2.5), ("", "", 0.0)].map(|(from, to, amount)| {
        (
            pb::finance::ConvertRequest {
                from_currency: from.into(),
                to_currency: to.into(),
                amount,
            },
            ConvertRequest {
                from_currency: from.into(),
                to_currency: to.into(),
                amount,
            },
        )
    })
}

#[tokio::test]
async fn client_streaming_three_messages() {
    let mut server = RecordingServer::start(answer).await;
    let requests = convert_requests();

    let mut client = tonic_peer::clients::CurrencyConverterClient::connect(server.url())
        .await
        .unwrap();
    let stream = tonic_peer::tokio_stream::iter(requests.clone().map(|(tonic, _)| tonic));
    let reply = client.batch_convert(stream).await.unwrap().into_inner();
    assert_eq!(reply.count, 3);
    let tonic = server.next().await;

    let channel = Channel::connect(&server.url()).await.unwrap();
    let mut call = channel
        .client_streaming::<ConvertRequest, BatchReply>(finance::BATCH_CONVERT, Request::new(()))
        .await
        .unwrap();
    for (_, request) in &requests {
        call.send(request).await.unwrap();
    }
    assert_eq!(call.finish().await.unwrap().get_ref().count, 3);
    let h2grpc = own_headers(server.next().await);

    assert_same_wire(&tonic, &h2grpc, finance::BATCH_CONVERT);
    let [a, b, c] = requests.map(|(_, h2grpc)| h2grpc);
    assert_eq!(tonic.body.data(), framed(&[&a, &b, &c]));
    // The third message is all defaults: a zero-length message, `00 00 00 00 00`.
    assert!(tonic.body.data().ends_with(&[0, 0, 0, 0, 0]));
    assert_eq!(names(&tonic.headers), ["te", "content-type", "user-agent"]);
    assert_eq!(names(&h2grpc.headers), names(&tonic.headers));
}

#[tokio::test]
async fn bidi_two_messages() {
    let mut server = RecordingServer::start(answer).await;

    let mut client = tonic_peer::clients::HelloWorldClient::connect(server.url())
        .await
        .unwrap();
    let stream = tonic_peer::tokio_stream::iter(
        ["a", "bc"].map(|name| pb::helloworld::HelloRequest { name: name.into() }),
    );
    let mut replies = client
        .say_hello_bidi_stream(stream)
        .await
        .unwrap()
        .into_inner();
    let mut count = 0;
    while replies.message().await.unwrap().is_some() {
        count += 1;
    }
    assert_eq!(count, 2);
    let tonic = server.next().await;

    let channel = Channel::connect(&server.url()).await.unwrap();
    let (mut tx, mut rx) = channel
        .bidi_streaming::<HelloRequest, HelloReply>(
            helloworld::SAY_HELLO_BIDI_STREAM,
            Request::new(()),
        )
        .await
        .unwrap();
    for name in ["a", "bc"] {
        tx.send(&HelloRequest { name: name.into() }).await.unwrap();
    }
    tx.finish().await.unwrap();
    let mut count = 0;
    while rx.message().await.unwrap().is_some() {
        count += 1;
    }
    assert_eq!(count, 2);
    let h2grpc = own_headers(server.next().await);

    assert_same_wire(&tonic, &h2grpc, helloworld::SAY_HELLO_BIDI_STREAM);
    assert_eq!(
        tonic.body.data(),
        b"\0\0\0\0\x03\x0a\x01a\0\0\0\0\x04\x0a\x02bc"
    );
    assert_eq!(names(&h2grpc.headers), names(&tonic.headers));
}

/// The comparison itself can fail: a recording that differs in one header value, or in one
/// DATA byte, is caught.
#[tokio::test]
async fn a_difference_is_caught() {
    let (tonic, h2grpc) = record_unary(None).await;
    let fails = |h2grpc: &RecordedRequest| {
        let compare = || assert_same_wire(&tonic, h2grpc, hello::SAY_HELLO);
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(compare)).is_err()
    };
    assert!(!fails(&h2grpc));

    let mut other_value = h2grpc.clone();
    let custom = other_value
        .headers
        .iter_mut()
        .find(|(name, _)| name == "x-custom");
    custom.unwrap().1 = "w".into();
    assert!(fails(&other_value));

    let mut other_byte = h2grpc.clone();
    let mut payload = other_byte.body.frames[0].payload.to_vec();
    *payload.last_mut().unwrap() ^= 1;
    other_byte.body.frames[0].payload = payload.into();
    assert!(fails(&other_byte));

    let mut extra_header = h2grpc;
    extra_header
        .headers
        .push(("grpc-encoding".into(), "identity".into()));
    assert!(fails(&extra_header));
}
