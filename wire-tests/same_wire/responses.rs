//! The recording client: one raw request sent to a tonic server and to an h2grpc server that
//! serve the same behaviour (`tonic-peer` and `support::services`), the two responses compared.
//!
//! What legitimately differs, and why (everything else must be equal):
//!
//! | what | tonic 0.14 server | h2grpc server | why it is fine |
//! |---|---|---|---|
//! | `date` | in every response (hyper's `date_header`) | never | HTTP's, not gRPC's; nothing reads it |
//! | Response-Headers order | Custom-Metadata, then `content-type` | `content-type`, then Custom-Metadata | PROTOCOL-HTTP2.md: `Response-Headers → HTTP-Status [Message-Encoding] [Message-Accept-Encoding] Content-Type *Custom-Metadata`: h2grpc follows the grammar |
//! | DATA frame boundaries of a stream | ready messages coalesced into one frame | queued messages coalesced, up to 64 KiB per write | no meaning on the wire; the concatenated bytes are compared |
//! | `grpc-message` encoding | also encodes space and ``"#<>`?{}`` (`%20`, ...) | only what the spec requires: bytes outside `%x20-%x7E`, and `%` | PROTOCOL-HTTP2.md's `Percent-Byte-Unencoded`; both decode to the same text |
//! | UNIMPLEMENTED | no `grpc-message`; `grpc-status` before `content-type` for an unknown method of a known service (tonic-build's generated arm), `content-length: 0` for an unknown service (the router's fallback) | `grpc-message` naming what is unknown; `content-type` first | h2grpc names the method as grpc-go does; Trailers-Only's grammar is `HTTP-Status Content-Type Trailers` |
//! | deadline | CANCELLED `Timeout expired`, Trailers-Only | DEADLINE_EXCEEDED, Trailers-Only | statuscodes.md: a deadline is DEADLINE_EXCEEDED |
//! | `content-type` not gRPC's | not checked: the call is served | HTTP 415 with `grpc-status` INTERNAL, Trailers-Only | PROTOCOL-HTTP2.md: servers "SHOULD respond with HTTP status of 415" |

use bytes::{Bytes, BytesMut};
use h2grpc::protobuf::Message;
use h2grpc::services::finance::{self, ConvertRequest};
use h2grpc::services::hello::{self, HelloReply, HelloRequest};
use h2grpc::status::percent_decode;
use tonic_peer::TonicServer;

use super::recorder::{RecordedResponse, get, names, record_response, sorted_without};
use crate::support::services::{Running, spawn_all};

fn framed<M: Message>(messages: &[M]) -> Bytes {
    let mut buf = BytesMut::new();
    for message in messages {
        h2grpc::framing::encode_message(message, &mut buf, usize::MAX).unwrap();
    }
    buf.freeze()
}

/// The Request-Headers of every case, in h2grpc's order, with the metadata both servers echo.
const HEADERS: [(&str, &str); 5] = [
    ("te", "trailers"),
    ("content-type", "application/grpc"),
    ("user-agent", "same-wire-recorder"),
    ("x-custom", "v"),
    ("x-bin-bin", "AQID"),
];

struct Servers {
    tonic: TonicServer,
    h2grpc: Running,
}

impl Servers {
    async fn start() -> Self {
        Self {
            tonic: TonicServer::start().await,
            h2grpc: spawn_all().await,
        }
    }

    /// The same request to both: (tonic's response, h2grpc's response).
    async fn record(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: &Bytes,
    ) -> (RecordedResponse, RecordedResponse) {
        let tonic = record_response(self.tonic.addr(), path, headers, body.clone()).await;
        let h2grpc = record_response(self.h2grpc.addr, path, headers, body.clone()).await;
        (tonic, h2grpc)
    }
}

/// tonic's `date` header: present, and an HTTP date (`Sat, 21 Nov 2026 13:37:49 GMT`).
fn assert_date(response: &RecordedResponse) {
    let date = get(&response.headers, "date").expect("hyper's date header");
    assert!(date.ends_with(" GMT") && date.len() == 29, "{date}");
}

#[tokio::test]
async fn success_unary() {
    let servers = Servers::start().await;
    let request = framed(&[HelloRequest {
        name: "wire".into(),
    }]);
    let (tonic, h2grpc) = servers.record(hello::SAY_HELLO, &HEADERS, &request).await;

    for response in [&tonic, &h2grpc] {
        assert_eq!(response.status, 200);
        assert!(!response.trailers_only);
        assert_eq!(response.body.error, None);
        // END_STREAM is on the trailers, not on a DATA frame.
        assert!(!response.body.ended_on_data());
    }
    assert_date(&tonic);
    assert_eq!(get(&h2grpc.headers, "date"), None);
    assert_eq!(
        sorted_without(&tonic.headers, &["date"]),
        sorted_without(&h2grpc.headers, &[])
    );
    assert_eq!(
        get(&h2grpc.headers, "content-type"),
        Some("application/grpc")
    );
    assert_eq!(get(&h2grpc.headers, "x-custom-echo"), Some("v"));
    assert_eq!(get(&h2grpc.headers, "x-bin-echo-bin"), Some("AQID"));
    assert_eq!(
        names(&tonic.headers),
        ["x-custom-echo", "x-bin-echo-bin", "content-type", "date"]
    );
    assert_eq!(
        names(&h2grpc.headers),
        ["content-type", "x-custom-echo", "x-bin-echo-bin"]
    );

    let reply = framed(&[HelloReply {
        message: "Hello, wire!".into(),
    }]);
    assert_eq!(tonic.body.data(), reply);
    assert_eq!(h2grpc.body.data(), reply);
    // One message, one DATA frame, on both.
    assert_eq!(tonic.body.frame_lengths(), h2grpc.body.frame_lengths());

    // Trailers: grpc-status 0 and no grpc-message (tonic leaves an empty one out; so does h2grpc).
    assert_eq!(tonic.body.trailers, h2grpc.body.trailers);
    assert_eq!(
        h2grpc.body.trailers,
        Some(vec![("grpc-status".into(), "0".into())])
    );
}

#[tokio::test]
async fn error_unary_with_spaces_and_unicode() {
    let servers = Servers::start().await;
    let request = framed(&[ConvertRequest {
        from_currency: "€UR ☺".into(),
        to_currency: "USD".into(),
        amount: 1.0,
    }]);
    let (tonic, h2grpc) = servers.record(finance::CONVERT, &HEADERS, &request).await;

    for response in [&tonic, &h2grpc] {
        assert_eq!(response.status, 200);
        // An immediate error: Trailers-Only, one HEADERS frame with END_STREAM.
        assert!(response.trailers_only, "{response:?}");
        assert_eq!(response.body, Default::default());
        assert_eq!(
            get(&response.headers, "content-type"),
            Some("application/grpc")
        );
        assert_eq!(get(&response.headers, "grpc-status"), Some("3"));
    }
    assert_date(&tonic);
    assert_eq!(
        names(&tonic.headers),
        ["content-type", "grpc-status", "grpc-message", "date"]
    );
    assert_eq!(
        names(&h2grpc.headers),
        ["content-type", "grpc-status", "grpc-message"]
    );

    // The legit difference: tonic also encodes the spaces.
    let tonic_message = get(&tonic.headers, "grpc-message").unwrap();
    let h2grpc_message = get(&h2grpc.headers, "grpc-message").unwrap();
    assert_eq!(
        tonic_message,
        "Unsupported%20currency:%20%E2%82%ACUR%20%E2%98%BA"
    );
    assert_eq!(
        h2grpc_message,
        "Unsupported currency: %E2%82%ACUR %E2%98%BA"
    );
    for message in [tonic_message, h2grpc_message] {
        assert_eq!(
            percent_decode(message.as_bytes()),
            "Unsupported currency: €UR ☺"
        );
    }
}

#[tokio::test]
async fn server_streaming_three_messages() {
    let servers = Servers::start().await;
    let request = framed(&[HelloRequest {
        name: "wire".into(),
    }]);
    let (tonic, h2grpc) = servers
        .record(hello::SAY_HELLO_STREAM_REPLY, &HEADERS, &request)
        .await;

    for response in [&tonic, &h2grpc] {
        assert_eq!(response.status, 200);
        assert!(!response.trailers_only);
        assert!(!response.body.ended_on_data());
        assert_eq!(response.body.error, None);
    }
    assert_eq!(
        sorted_without(&tonic.headers, &["date"]),
        sorted_without(&h2grpc.headers, &[])
    );
    let replies = framed(&[1, 2, 3].map(|i| HelloReply {
        message: format!("Hello, wire! #{i}").into(),
    }));
    assert_eq!(tonic.body.data(), replies);
    assert_eq!(h2grpc.body.data(), replies);
    // Frame boundaries may differ (legit): the handler queues its three replies before the
    // stream's task runs, and h2grpc coalesces queued messages into one DATA frame.
    assert_eq!(h2grpc.body.frame_lengths(), [66]);
    // The trailers, with the trailing metadata first, are the same.
    assert_eq!(tonic.body.trailers, h2grpc.body.trailers);
    assert_eq!(
        h2grpc.body.trailers,
        Some(vec![
            ("x-trailer".into(), "done".into()),
            ("grpc-status".into(), "0".into())
        ])
    );
}

#[tokio::test]
async fn unknown_method_and_service_are_trailers_only_unimplemented() {
    let servers = Servers::start().await;
    let request = framed(&[HelloRequest::default()]);
    for (path, tonic_names, h2grpc_message) in [
        (
            "/hello.Greeter/Nope",
            &["grpc-status", "content-type", "date"][..],
            "unknown method Nope for service hello.Greeter",
        ),
        (
            "/nope.Nope/Nope",
            &["content-type", "grpc-status", "content-length", "date"][..],
            "unknown service nope.Nope",
        ),
    ] {
        let (tonic, h2grpc) = servers.record(path, &HEADERS, &request).await;
        for response in [&tonic, &h2grpc] {
            assert_eq!(response.status, 200, "{path}");
            assert!(response.trailers_only, "{path}: {response:?}");
            assert_eq!(
                get(&response.headers, "content-type"),
                Some("application/grpc")
            );
            assert_eq!(get(&response.headers, "grpc-status"), Some("12"));
        }
        // The deliberate difference (as grpc-go): h2grpc says what is unknown.
        assert_eq!(get(&tonic.headers, "grpc-message"), None);
        assert_eq!(get(&h2grpc.headers, "grpc-message"), Some(h2grpc_message));
        assert_eq!(names(&tonic.headers), tonic_names, "{path}");
        assert_eq!(
            names(&h2grpc.headers),
            ["content-type", "grpc-status", "grpc-message"]
        );
    }
}

/// A slow call with `grpc-timeout: 100m`: both servers answer Trailers-Only at the deadline,
/// with different codes.
#[tokio::test]
async fn deadline_is_deadline_exceeded_not_cancelled() {
    let servers = Servers::start().await;
    let request = framed(&[HelloRequest::default()]);
    let headers = [
        ("te", "trailers"),
        ("content-type", "application/grpc"),
        ("grpc-timeout", "100m"),
        ("x-sleep-ms", "10000"),
    ];
    let (tonic, h2grpc) = servers.record(hello::SAY_HELLO, &headers, &request).await;
    for response in [&tonic, &h2grpc] {
        assert_eq!(response.status, 200);
        // The status itself, not just RST_STREAM.
        assert!(response.trailers_only, "{response:?}");
        assert_eq!(response.body.error, None);
    }
    assert_eq!(get(&tonic.headers, "grpc-status"), Some("1"));
    assert_eq!(
        get(&tonic.headers, "grpc-message"),
        Some("Timeout%20expired")
    );
    assert_eq!(get(&h2grpc.headers, "grpc-status"), Some("4"));
}

#[tokio::test]
async fn a_content_type_that_is_not_grpc() {
    let servers = Servers::start().await;
    let request = framed(&[HelloRequest {
        name: "wire".into(),
    }]);
    let headers = [("te", "trailers"), ("content-type", "application/json")];
    let (tonic, h2grpc) = servers.record(hello::SAY_HELLO, &headers, &request).await;
    // tonic serves it (it routes on :path alone).
    assert_eq!(tonic.status, 200);
    assert!(!tonic.trailers_only);
    assert_eq!(
        tonic.body.trailers,
        Some(vec![("grpc-status".into(), "0".into())])
    );
    // h2grpc refuses it, with a status a gRPC client can still read.
    assert_eq!(h2grpc.status, 415);
    assert!(h2grpc.trailers_only);
    assert_eq!(
        get(&h2grpc.headers, "content-type"),
        Some("application/grpc")
    );
    assert_eq!(get(&h2grpc.headers, "grpc-status"), Some("13"));
}

/// A handler that streams faster than the network takes its messages gets them coalesced: 200
/// responses of 1,000 bytes go out in far fewer DATA frames than messages (one per message
/// before h2grpc coalesced), each within the peer's frame size, and the bytes are exactly the
/// 200 messages in order.
#[tokio::test]
async fn queued_stream_messages_are_coalesced_into_few_data_frames() {
    use h2grpc::services::interop::{
        self, Payload, ResponseParameters, StreamingOutputCallRequest, StreamingOutputCallResponse,
    };
    const COUNT: usize = 200;
    const SIZE: i32 = 1000;
    let server =
        crate::support::services::spawn(interop::register(h2grpc::server::Server::new())).await;
    let request = framed(&[StreamingOutputCallRequest {
        response_parameters: vec![
            ResponseParameters {
                size: SIZE,
                ..ResponseParameters::default()
            };
            COUNT
        ],
        ..StreamingOutputCallRequest::default()
    }]);
    let response = record_response(
        server.addr,
        interop::STREAMING_OUTPUT_CALL,
        &HEADERS[..3],
        request,
    )
    .await;
    assert_eq!(response.body.error, None);
    let one = StreamingOutputCallResponse {
        payload: Some(Payload {
            body: vec![0; SIZE as usize].into(),
            ..Payload::default()
        }),
    };
    assert_eq!(response.body.data(), framed(&vec![one; COUNT]));
    let frames = response.body.frame_lengths();
    assert!(frames.len() <= COUNT / 4, "{} DATA frames", frames.len());
    // The recorder's client keeps h2's default SETTINGS_MAX_FRAME_SIZE.
    assert!(frames.iter().all(|&len| len <= 16_384), "{frames:?}");
}
