//! A raw `h2` client against an h2grpc server: requests that break the rules.

use std::future::poll_fn;

use bytes::{Bytes, BytesMut};
use h2grpc::protobuf::Message;
use h2grpc::rpc::{Request, Response, Streaming};
use h2grpc::server::Server;
use h2grpc::services::hello::{HelloReply, HelloRequest};
use h2grpc::status::Code;
use http::HeaderValue;

use crate::support::net::{TestServer, within};
use crate::support::raw_h2::{Answer, RawClient, framed, framed_message, messages_in, read_answer};

const UNARY: &str = "/test.Peer/Unary";
const COUNT: &str = "/test.Peer/Count";

fn server() -> Server {
    Server::new()
        .unary(UNARY, |req: Request<HelloRequest>| async move {
            Ok(Response::new(HelloReply {
                message: format!("hi {}", req.get_ref().name).into(),
            }))
        })
        .client_streaming(COUNT, |req: Request<Streaming<HelloRequest>>| async move {
            let mut stream = req.into_inner();
            let mut count = 0;
            while stream.message().await?.is_some() {
                count += 1;
            }
            Ok(Response::new(HelloReply {
                message: format!("{count}").into(),
            }))
        })
}

async fn start() -> (TestServer, RawClient) {
    let server = TestServer::start(server()).await;
    let raw = RawClient::connect(server.addr).await;
    (server, raw)
}

fn hello(name: &str) -> HelloRequest {
    HelloRequest { name: name.into() }
}

/// The reply of a successful unary call, checked for shape: headers, one message, trailers OK.
fn unary_reply(answer: &Answer) -> String {
    assert_eq!(answer.status, Some(http::StatusCode::OK), "{answer:#?}");
    assert!(!answer.headers_only, "{answer:#?}");
    assert_eq!(answer.grpc_status(), Some(Code::Ok), "{answer:#?}");
    let messages = messages_in(&answer.data);
    assert_eq!(messages.len(), 1, "{answer:#?}");
    HelloReply::decode(messages[0].clone())
        .unwrap()
        .message
        .to_string()
}

async fn with_header(raw: &RawClient, path: &str, name: &'static str, value: &str) -> Answer {
    let mut request = raw.request(path);
    request
        .headers_mut()
        .insert(name, HeaderValue::from_str(value).unwrap());
    raw.call(request, framed_message(&hello("x"))).await
}

/// The control: a well-formed request works.
#[tokio::test]
async fn a_well_formed_request() {
    let (_server, raw) = start().await;
    let answer = raw
        .call(raw.request(UNARY), framed_message(&hello("raw")))
        .await;
    assert_eq!(unary_reply(&answer), "hi raw");
}

/// `content-type: application/json`: HTTP 415 (PROTOCOL-HTTP2.md "SHOULD respond with HTTP
/// status of 415"), with `content-type: application/grpc` and a `grpc-status` so that a gRPC
/// client learns a precise code.
#[tokio::test]
async fn wrong_content_type() {
    let (_server, raw) = start().await;
    let answer = with_header(&raw, UNARY, "content-type", "application/json").await;
    let message = answer.assert_trailers_only(415, Code::Internal);
    assert!(message.contains("application/json"), "{message}");
    // `application/grpcx` is not gRPC either; `application/grpc+proto` is.
    let answer = with_header(&raw, UNARY, "content-type", "application/grpcx").await;
    answer.assert_trailers_only(415, Code::Internal);
    let answer = with_header(&raw, UNARY, "content-type", "application/grpc+proto").await;
    assert_eq!(unary_reply(&answer), "hi x");
}

#[tokio::test]
async fn no_content_type() {
    let (_server, raw) = start().await;
    let mut request = raw.request(UNARY);
    request.headers_mut().remove("content-type");
    let answer = raw.call(request, framed_message(&hello("x"))).await;
    let message = answer.assert_trailers_only(415, Code::Internal);
    assert!(message.contains("none"), "{message}");
}

/// `:method GET`: HTTP 405 with `grpc-status: 13`, as grpc-go answers.
#[tokio::test]
async fn method_get() {
    let (_server, raw) = start().await;
    let mut request = raw.request(UNARY);
    *request.method_mut() = http::Method::GET;
    let (response, _send) = raw.start(request, true).await;
    let answer = read_answer(response).await;
    let message = answer.assert_trailers_only(405, Code::Internal);
    assert!(message.contains("GET"), "{message}");
}

/// An unknown service: HTTP 200, Trailers-Only, `grpc-status: 12`, naming the service.
#[tokio::test]
async fn unknown_service() {
    let (_server, raw) = start().await;
    let answer = raw
        .call(raw.request("/test.Nope/Unary"), framed_message(&hello("x")))
        .await;
    let message = answer.assert_trailers_only(200, Code::Unimplemented);
    assert_eq!(message, "unknown service test.Nope");
}

/// An unknown method of a known service, and a path that is not `/service/method` at all.
#[tokio::test]
async fn unknown_method() {
    let (_server, raw) = start().await;
    let answer = raw
        .call(raw.request("/test.Peer/Nope"), framed_message(&hello("x")))
        .await;
    let message = answer.assert_trailers_only(200, Code::Unimplemented);
    assert_eq!(message, "unknown method Nope for service test.Peer");
    let answer = raw
        .call(raw.request("/no-method"), framed_message(&hello("x")))
        .await;
    let message = answer.assert_trailers_only(200, Code::Unimplemented);
    assert!(message.contains("malformed method name"), "{message}");
}

/// A `grpc-timeout` that breaks the grammar (more than 8 digits, an unknown unit) is refused
/// with HTTP 400 and INTERNAL, as grpc-go does (tonic silently ignores it).
#[tokio::test]
async fn malformed_grpc_timeout() {
    let (_server, raw) = start().await;
    for bad in ["123456789S", "1x", "S", "-1S", "1.5S"] {
        let answer = with_header(&raw, UNARY, "grpc-timeout", bad).await;
        let message = answer.assert_trailers_only(400, Code::Internal);
        assert!(message.contains("grpc-timeout"), "{bad}: {message}");
    }
    let answer = with_header(&raw, UNARY, "grpc-timeout", "99999999H").await;
    assert_eq!(unary_reply(&answer), "hi x");
}

/// A Compressed-Flag other than 0 or 1: INTERNAL.
#[tokio::test]
async fn compressed_flag_2() {
    let (_server, raw) = start().await;
    let body = framed(2, &hello("x").encode_to_bytes());
    let answer = raw.call(raw.request(UNARY), body).await;
    let message = answer.assert_trailers_only(200, Code::Internal);
    assert!(message.contains("Compressed-Flag 2"), "{message}");
}

/// Compressed-Flag 1 without a `grpc-encoding`: INTERNAL (compression.md, test case 6).
#[tokio::test]
async fn compressed_flag_1_without_grpc_encoding() {
    let (_server, raw) = start().await;
    let body = framed(1, &hello("x").encode_to_bytes());
    let answer = raw.call(raw.request(UNARY), body).await;
    answer.assert_trailers_only(200, Code::Internal);
    // `grpc-encoding: identity` does not make the flag valid either.
    let mut request = raw.request(UNARY);
    request
        .headers_mut()
        .insert("grpc-encoding", HeaderValue::from_static("identity"));
    let body = framed(1, &hello("x").encode_to_bytes());
    let answer = raw.call(request, body).await;
    answer.assert_trailers_only(200, Code::Internal);
}

/// A prefix declaring 5 MiB (over the 4 MiB default) is refused as soon as the prefix is in:
/// RESOURCE_EXHAUSTED, while the client has sent nothing more and not ended its stream. Then
/// RST_STREAM(NO_ERROR) tells the client to stop sending.
#[tokio::test]
async fn oversized_prefix_is_refused_before_the_body() {
    let (_server, raw) = start().await;
    for path in [UNARY, COUNT] {
        let (response, mut send) = raw.start(raw.request(path), false).await;
        let mut prefix = BytesMut::new();
        prefix.extend_from_slice(&[0, 0, 0x50, 0, 0]); // 0x00500000 = 5 MiB
        send.send_data(prefix.freeze(), false).unwrap();
        let answer = read_answer(response).await;
        let message = answer.assert_trailers_only(200, Code::ResourceExhausted);
        assert!(message.contains("5242880"), "{message}");
        let reset = within("the reset", poll_fn(|cx| send.poll_reset(cx)))
            .await
            .unwrap();
        assert_eq!(reset, h2::Reason::NO_ERROR);
    }
}

/// END_STREAM in the middle of a message (inside the prefix, or inside the body): INTERNAL.
#[tokio::test]
async fn body_cut_mid_message() {
    let (_server, raw) = start().await;
    let whole = framed_message(&hello("a longer name"));
    for cut in [3, 9] {
        let answer = raw.call(raw.request(UNARY), whole.slice(..cut)).await;
        let message = answer.assert_trailers_only(200, Code::Internal);
        assert!(message.contains("ended inside"), "{cut}: {message}");
        let answer = raw.call(raw.request(COUNT), whole.slice(..cut)).await;
        answer.assert_trailers_only(200, Code::Internal);
    }
}

/// A message that is not valid protobuf: INTERNAL ("Error parsing request proto").
#[tokio::test]
async fn undecodable_message() {
    let (_server, raw) = start().await;
    // Field 1, length-delimited, claiming 100 bytes that are not there.
    let answer = raw
        .call(raw.request(UNARY), framed(0, &[0x0a, 100, b'x']))
        .await;
    let message = answer.assert_trailers_only(200, Code::Internal);
    assert!(message.contains("decode"), "{message}");
}

/// A unary method given zero or two messages: UNIMPLEMENTED (statuscodes.md, request
/// cardinality; tonic says INTERNAL).
#[tokio::test]
async fn unary_cardinality() {
    let (_server, raw) = start().await;
    let answer = raw.call(raw.request(UNARY), Bytes::new()).await;
    let message = answer.assert_trailers_only(200, Code::Unimplemented);
    assert!(message.contains("received 0"), "{message}");

    let mut two = BytesMut::new();
    two.extend_from_slice(&framed_message(&hello("a")));
    two.extend_from_slice(&framed_message(&hello("b")));
    let answer = raw.call(raw.request(UNARY), two.freeze()).await;
    let message = answer.assert_trailers_only(200, Code::Unimplemented);
    assert!(message.contains("received 2"), "{message}");
}

/// A request ended by END_STREAM on its HEADERS, no DATA at all: legal HTTP/2. For a unary
/// method that is zero messages (UNIMPLEMENTED); for a client-streaming one, an empty stream.
#[tokio::test]
async fn end_stream_on_the_request_headers() {
    let (_server, raw) = start().await;
    let (response, _send) = raw.start(raw.request(UNARY), true).await;
    let answer = read_answer(response).await;
    answer.assert_trailers_only(200, Code::Unimplemented);

    let (response, _send) = raw.start(raw.request(COUNT), true).await;
    let answer = read_answer(response).await;
    assert_eq!(unary_reply(&answer), "0");
}

/// `grpc-encoding: snappy` (which h2grpc does not support): UNIMPLEMENTED with the
/// `grpc-accept-encoding` the server does support, without snappy (compression.md).
#[tokio::test]
async fn unsupported_grpc_encoding() {
    let (_server, raw) = start().await;
    let answer = with_header(&raw, UNARY, "grpc-encoding", "snappy").await;
    let message = answer.assert_trailers_only(200, Code::Unimplemented);
    assert!(message.contains("snappy"), "{message}");
    // What the server accepts instead, without the refused one (compression.md).
    let accepted = answer.headers.get("grpc-accept-encoding").unwrap();
    assert_eq!(accepted, "gzip,deflate,identity");
    // identity is always accepted.
    let answer = with_header(&raw, UNARY, "grpc-encoding", "identity").await;
    assert_eq!(unary_reply(&answer), "hi x");
}

/// Request headers over the server's SETTINGS_MAX_HEADER_LIST_SIZE (16 KiB): h2 refuses the
/// stream before h2grpc sees it, answering HTTP 431 (which a gRPC client maps to INTERNAL);
/// the connection stays usable.
#[tokio::test]
async fn header_flood() {
    let (_server, raw) = start().await;
    let mut request = raw.request(UNARY);
    let value = "v".repeat(1024);
    for i in 0..20 {
        request.headers_mut().insert(
            format!("x-flood-{i}").parse::<http::HeaderName>().unwrap(),
            value.parse().unwrap(),
        );
    }
    let answer = raw.call(request, framed_message(&hello("x"))).await;
    assert_eq!(answer.status.map(|s| s.as_u16()), Some(431), "{answer:#?}");
    assert_eq!(answer.grpc_status(), None, "{answer:#?}");

    let answer = raw
        .call(raw.request(UNARY), framed_message(&hello("after")))
        .await;
    assert_eq!(unary_reply(&answer), "hi after");
}

/// Trailers on the request (HEADERS with END_STREAM after the DATA) are legal HTTP/2, unused
/// by gRPC, and tolerated.
#[tokio::test]
async fn request_trailers_are_tolerated() {
    let (_server, raw) = start().await;
    for path in [UNARY, COUNT] {
        let (response, mut send) = raw.start(raw.request(path), false).await;
        send.send_data(framed_message(&hello("t")), false).unwrap();
        let mut trailers = http::HeaderMap::new();
        trailers.insert("x-request-trailer", HeaderValue::from_static("1"));
        send.send_trailers(trailers).unwrap();
        let answer = read_answer(response).await;
        let reply = unary_reply(&answer);
        assert!(reply == "hi t" || reply == "1", "{reply}");
    }
}

/// Without `te: trailers` (every client sends it; servers tolerate its absence).
#[tokio::test]
async fn no_te_header() {
    let (_server, raw) = start().await;
    let mut request = raw.request(UNARY);
    request.headers_mut().remove("te");
    let answer = raw.call(request, framed_message(&hello("no te"))).await;
    assert_eq!(unary_reply(&answer), "hi no te");
}

/// One message spread over one-byte DATA frames, and many messages in one DATA frame: DATA
/// frame boundaries have no relation to message boundaries.
#[tokio::test]
async fn frame_boundaries_are_not_message_boundaries() {
    let (_server, raw) = start().await;
    let whole = framed_message(&hello("byte by byte"));
    let (response, mut send) = raw.start(raw.request(UNARY), false).await;
    for i in 0..whole.len() {
        send.send_data(whole.slice(i..=i), i + 1 == whole.len())
            .unwrap();
    }
    assert_eq!(unary_reply(&read_answer(response).await), "hi byte by byte");

    let mut many = BytesMut::new();
    for _ in 0..50 {
        many.extend_from_slice(&framed_message(&hello("m")));
    }
    let answer = raw.call(raw.request(COUNT), many.freeze()).await;
    assert_eq!(unary_reply(&answer), "50");
}

/// A client that speaks HTTP/1.1 instead of HTTP/2 prior knowledge gets its connection closed,
/// and the server carries on.
#[tokio::test]
async fn http1_request() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (server, raw) = start().await;
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    tcp.write_all(b"POST /test.Peer/Unary HTTP/1.1\r\nHost: x\r\ncontent-length: 0\r\n\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    // The server's SETTINGS may arrive before it closes; what matters is that it closes.
    let _ = within("the server to close", tcp.read_to_end(&mut rest)).await;
    let answer = raw
        .call(raw.request(UNARY), framed_message(&hello("still")))
        .await;
    assert_eq!(unary_reply(&answer), "hi still");
}

/// A connection that never sends the HTTP/2 preface does not hold up a graceful shutdown
/// until the grace period ends.
#[tokio::test]
async fn silent_connection_and_shutdown() {
    let server =
        TestServer::start(server().grace_period(std::time::Duration::from_secs(3600))).await;
    let _silent = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    // Let the server accept it.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    server.stop().await;
}

/// A client that connects and never sends the HTTP/2 preface is disconnected once the
/// handshake timeout passes, having received only the server's SETTINGS; one that sends it in
/// time is served.
#[tokio::test]
async fn silent_connection_is_closed_after_the_handshake_timeout() {
    use tokio::io::AsyncReadExt;

    let timeout = std::time::Duration::from_millis(300);
    let settings = h2grpc::transport::settings::Http2Settings {
        handshake_timeout: timeout,
        ..Default::default()
    };
    let server = TestServer::start(server().http2_settings(settings)).await;
    let started = tokio::time::Instant::now();
    let mut silent = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let mut received = Vec::new();
    within("the server closing a silent connection", async {
        silent.read_to_end(&mut received).await
    })
    .await
    .unwrap();
    assert!(
        started.elapsed() >= timeout,
        "closed after {:?}",
        started.elapsed()
    );
    // What the server did send: one SETTINGS frame (type 4) on stream 0, nothing else.
    assert!(received.len() >= 9, "{received:?}");
    let length =
        usize::from(received[0]) << 16 | usize::from(received[1]) << 8 | usize::from(received[2]);
    assert_eq!(
        (received[3], received.len()),
        (4, 9 + length),
        "{received:?}"
    );

    // The timeout is for the preface only: a client that sent it stays connected past it.
    let raw = RawClient::connect(server.addr).await;
    tokio::time::sleep(timeout * 2).await;
    let answer = raw
        .call(raw.request(UNARY), framed_message(&hello("late")))
        .await;
    assert_eq!(unary_reply(&answer), "hi late");
}

// ===== Request input echoed in a status =====

/// The size of a header list as `SETTINGS_MAX_HEADER_LIST_SIZE` counts it (RFC 9113 §6.5.2):
/// each field's name and value, plus 32.
fn header_list_size(headers: &http::HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 32)
        .sum()
}

/// GetUser with a 1 MB `user_id` is NOT_FOUND, and the message that quotes the id is cut to
/// `MAX_STATUS_MESSAGE_LEN`: the trailers fit in a 16 KiB header list, the default peers accept.
/// A non-ASCII id, three times larger once percent-encoded, is cut the same way.
#[tokio::test]
async fn a_huge_user_id_is_not_echoed_whole() {
    use h2grpc::services::users::{GET_USER, GetUserRequest, UserService};
    use h2grpc::status::{MAX_STATUS_MESSAGE_LEN, TRUNCATION_MARKER};

    let server = TestServer::start(UserService::in_memory().register(Server::new())).await;
    let raw = RawClient::connect(server.addr).await;
    for (character, name) in [("u", "ASCII"), ("é", "non-ASCII")] {
        let user_id = character.repeat((1 << 20) / character.len());
        let request = GetUserRequest {
            user_id: user_id.into(),
        };
        let answer = raw
            .call(raw.request(GET_USER), framed_message(&request))
            .await;
        assert_eq!(answer.grpc_status(), Some(Code::NotFound), "{name}");
        let headers = answer.status_headers().unwrap();
        let wire = headers["grpc-message"].len();
        assert!(wire <= MAX_STATUS_MESSAGE_LEN, "{name}: {wire} bytes");
        let message = answer.grpc_message();
        assert!(
            message.starts_with(&format!("User '{character}{character}")),
            "{name}: {message}"
        );
        assert!(message.ends_with(TRUNCATION_MARKER), "{name}: {message}");
        let size = header_list_size(headers);
        assert!(size <= 16 * 1024, "{name}: a header list of {size} bytes");
    }
}

// ===== A deadline already passed on arrival =====

/// `grpc-timeout: 1n` has passed before any handler could start: SayHello answers
/// DEADLINE_EXCEEDED, Trailers-Only, and `0n` too (what grpc-go sends for a spent deadline).
#[tokio::test]
async fn a_deadline_spent_on_arrival_is_deadline_exceeded() {
    let server = TestServer::start(h2grpc::services::hello::register(Server::new())).await;
    let raw = RawClient::connect(server.addr).await;
    for timeout in ["1n", "0n"] {
        let mut request = raw.request("/hello.Greeter/SayHello");
        request
            .headers_mut()
            .insert("grpc-timeout", HeaderValue::from_static(timeout));
        let answer = raw.call(request, framed_message(&hello("late"))).await;
        let message = answer.assert_trailers_only(200, Code::DeadlineExceeded);
        assert!(message.contains("before the handler started"), "{message}");
    }
    // The control: a deadline with time left runs the handler.
    let mut request = raw.request("/hello.Greeter/SayHello");
    request
        .headers_mut()
        .insert("grpc-timeout", HeaderValue::from_static("10S"));
    let answer = raw.call(request, framed_message(&hello("early"))).await;
    assert_eq!(answer.grpc_status(), Some(Code::Ok), "{answer:#?}");
}

/// The handler does not run: CreateUser with `grpc-timeout: 1n` creates no user. The same
/// request with time left does.
#[tokio::test]
async fn a_handler_never_runs_past_its_deadline() {
    use h2grpc::services::users::{CREATE_USER, CreateUserRequest, UserService};

    let service = UserService::in_memory();
    let store = service.store().clone();
    let server = TestServer::start(service.register(Server::new())).await;
    let raw = RawClient::connect(server.addr).await;
    let create = CreateUserRequest {
        name: "Ada".into(),
        email: "ada@example.com".into(),
        age: 36,
    };

    let mut request = raw.request(CREATE_USER);
    request
        .headers_mut()
        .insert("grpc-timeout", HeaderValue::from_static("1n"));
    let answer = raw.call(request, framed_message(&create)).await;
    answer.assert_trailers_only(200, Code::DeadlineExceeded);
    assert!(store.list(None, 10).unwrap().is_empty());

    let mut request = raw.request(CREATE_USER);
    request
        .headers_mut()
        .insert("grpc-timeout", HeaderValue::from_static("10S"));
    let answer = raw.call(request, framed_message(&create)).await;
    assert_eq!(answer.grpc_status(), Some(Code::Ok), "{answer:#?}");
    assert_eq!(store.list(None, 10).unwrap().len(), 1);
}
