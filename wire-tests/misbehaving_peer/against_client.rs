//! A raw `h2` server (and, for what `h2` will not send, a raw frame writer) against an h2grpc
//! client: answers that break the rules, resets, GOAWAY, dropped connections.

use std::time::Duration;

use bytes::Bytes;
use h2grpc::client::Channel;
use h2grpc::protobuf::Message;
use h2grpc::rpc::{Request, Response};
use h2grpc::services::hello::{HelloReply, HelloRequest};
use h2grpc::status::{Code, Status};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::support::net::within;
use crate::support::raw_frames::{self, FramePeer};
use crate::support::raw_h2::{RawCall, RawServer, framed, framed_message, messages_in, trailers};

const PATH: &str = "/test.Peer/Unary";

fn hello(name: &str) -> HelloRequest {
    HelloRequest { name: name.into() }
}

fn reply(message: &str) -> HelloReply {
    HelloReply {
        message: message.into(),
    }
}

async fn setup() -> (RawServer, Channel) {
    let server = RawServer::start().await;
    let channel = within("connecting", Channel::connect(&server.target))
        .await
        .unwrap();
    (server, channel)
}

/// Starts a unary call in a task of its own, and returns it with the request as the raw server
/// received it.
async fn unary(
    server: &mut RawServer,
    channel: &Channel,
) -> (JoinHandle<Result<Response<HelloReply>, Status>>, RawCall) {
    let channel = channel.clone();
    let mut call = tokio::spawn(async move { channel.unary(PATH, Request::new(hello("x"))).await });
    tokio::select! {
        raw = server.next_call() => (call, raw),
        outcome = &mut call => panic!("the call ended before reaching the server: {outcome:?}"),
    }
}

async fn outcome(
    call: JoinHandle<Result<Response<HelloReply>, Status>>,
) -> Result<Response<HelloReply>, Status> {
    within("the client's outcome", call).await.unwrap()
}

async fn failed(call: JoinHandle<Result<Response<HelloReply>, Status>>) -> Status {
    outcome(call).await.expect_err("the call succeeded")
}

fn http_response(status: u16, content_type: Option<&'static str>) -> http::Response<()> {
    let mut builder = http::Response::builder().status(status);
    if let Some(content_type) = content_type {
        builder = builder.header("content-type", content_type);
    }
    builder.body(()).unwrap()
}

/// The control: a well-formed answer works, and the request looked as h2grpc means it to:
/// POST, the path, `te: trailers`, `content-type: application/grpc`, `user-agent: h2grpc/…`,
/// `grpc-timeout` when the call has a deadline, then the message.
#[tokio::test]
async fn a_well_formed_answer_and_the_request_headers() {
    let (mut server, channel) = setup().await;
    let call = {
        let channel = channel.clone();
        tokio::spawn(async move {
            let mut request = Request::new(hello("x")).with_timeout(Duration::from_secs(30));
            request.metadata_mut().insert("x-custom", "1").unwrap();
            channel.unary::<_, HelloReply>(PATH, request).await
        })
    };
    let mut raw = server.next_call().await;
    let head = raw.request.headers().clone();
    assert_eq!(raw.request.method(), http::Method::POST);
    assert_eq!(raw.request.uri().path(), PATH);
    assert_eq!(head.get("te").unwrap(), "trailers");
    assert_eq!(head.get("content-type").unwrap(), "application/grpc");
    let user_agent = head.get("user-agent").unwrap().to_str().unwrap();
    assert!(user_agent.starts_with("h2grpc/"), "{user_agent}");
    let timeout = head.get("grpc-timeout").unwrap().to_str().unwrap();
    assert_eq!(timeout, "30000000u");
    assert_eq!(head.get("x-custom").unwrap(), "1");
    let body = raw.body().await;
    assert_eq!(messages_in(&body), [hello("x").encode_to_bytes()]);

    let mut stream = raw.send_grpc_headers();
    stream
        .send_data(framed_message(&reply("fine")), false)
        .unwrap();
    stream
        .send_trailers(trailers(&[("grpc-status", "0")]))
        .unwrap();
    let response = outcome(call).await.unwrap();
    assert_eq!(response.into_inner().message, "fine");
}

/// The request's only message goes in DATA frames of which the last carries END_STREAM: no
/// empty DATA frame, no END_STREAM on HEADERS. A client stream with no message left ends with
/// an empty DATA frame carrying END_STREAM ("implementations MUST send an empty DATA frame").
/// Seen at the frame level.
#[tokio::test]
async fn end_stream_rides_on_the_last_data_frame() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://{}", listener.local_addr().unwrap());
    let client = tokio::spawn(async move {
        let channel = Channel::new(&target, Default::default()).unwrap();
        // 40 kB: more than one DATA frame (16 KiB each), less than the default window.
        let _ = channel
            .unary::<_, HelloReply>(PATH, Request::new(hello(&"n".repeat(40_000))))
            .await;
        let call = channel
            .client_streaming::<HelloRequest, HelloReply>(PATH, Request::new(()))
            .await;
        // Finished with no message: nothing is left to carry END_STREAM.
        if let Ok(call) = call {
            let _ = call.finish().await;
        }
    });
    let mut peer = within("a connection", FramePeer::accept(&listener)).await;
    // stream id -> (HEADERS flags, [(DATA length, flags)])
    let mut streams: std::collections::BTreeMap<u32, (u8, Vec<(usize, u8)>)> = Default::default();
    let mut ended = 0;
    while ended < 2 {
        let frame = within("a frame", peer.next_frame())
            .await
            .expect("the client hung up");
        match frame.kind {
            raw_frames::HEADERS => {
                streams.insert(frame.stream_id, (frame.flags, Vec::new()));
            }
            raw_frames::DATA => {
                streams
                    .get_mut(&frame.stream_id)
                    .unwrap()
                    .1
                    .push((frame.payload.len(), frame.flags));
                if frame.flags & raw_frames::END_STREAM != 0 {
                    ended += 1;
                    // Answer Trailers-Only OK so that the client moves on.
                    answer_trailers_only_ok(&mut peer, frame.stream_id).await;
                }
            }
            _ => {}
        }
    }
    client.abort();
    let (unary_headers, unary_data) = &streams[&1];
    assert_eq!(
        unary_headers & raw_frames::END_STREAM,
        0,
        "END_STREAM on HEADERS"
    );
    let (last, others) = unary_data.split_last().unwrap();
    assert!(
        last.0 > 0 && last.1 & raw_frames::END_STREAM != 0,
        "{unary_data:?}"
    );
    assert!(
        others
            .iter()
            .all(|(len, flags)| *len > 0 && flags & raw_frames::END_STREAM == 0),
        "{unary_data:?}"
    );
    assert_eq!(
        unary_data.iter().map(|(len, _)| len).sum::<usize>(),
        5 + hello(&"n".repeat(40_000)).encoded_len()
    );

    let (stream_headers, stream_data) = &streams[&3];
    assert_eq!(stream_headers & raw_frames::END_STREAM, 0);
    assert_eq!(
        stream_data,
        &[(0, raw_frames::END_STREAM)],
        "{stream_data:?}"
    );
}

/// A client stream's requests, sent faster than the network takes them, are coalesced: 1,000
/// small messages sent in a loop and finished leave in a couple of DATA frames (at most the
/// peer's 16 KiB frame size each), the last with END_STREAM, not one frame per message (which
/// `h2` at the server counts against its budget for small frames). Seen at the frame level.
#[tokio::test]
async fn streamed_requests_are_coalesced_into_few_data_frames() {
    const COUNT: usize = 1_000;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://{}", listener.local_addr().unwrap());
    let client = tokio::spawn(async move {
        let channel = Channel::new(&target, Default::default()).unwrap();
        let call = channel
            .client_streaming::<HelloRequest, HelloReply>(PATH, Request::new(()))
            .await;
        if let Ok(mut call) = call {
            for i in 0..COUNT {
                let _ = call.send(&hello(&format!("n{i}"))).await;
            }
            let _ = call.finish().await;
        }
    });
    let mut peer = within("a connection", FramePeer::accept(&listener)).await;
    let mut data = Vec::new();
    loop {
        let frame = within("a frame", peer.next_frame())
            .await
            .expect("the client hung up");
        if frame.kind == raw_frames::DATA && frame.stream_id == 1 {
            data.push((frame.payload.clone(), frame.flags));
            if frame.flags & raw_frames::END_STREAM != 0 {
                answer_trailers_only_ok(&mut peer, frame.stream_id).await;
                break;
            }
        }
    }
    client.abort();
    let bytes: Vec<u8> = data
        .iter()
        .flat_map(|(payload, _)| payload.to_vec())
        .collect();
    let received: Vec<HelloRequest> = messages_in(&bytes)
        .into_iter()
        .map(|message| HelloRequest::decode(message).unwrap())
        .collect();
    let sent: Vec<HelloRequest> = (0..COUNT).map(|i| hello(&format!("n{i}"))).collect();
    assert_eq!(received, sent);
    assert!(data.len() <= 4, "{} DATA frames", data.len());
    assert!(data.iter().all(|(payload, _)| payload.len() <= 16_384));
}

/// HEADERS `:status 200`, `content-type: application/grpc`, `grpc-status: 0`, END_STREAM,
/// HPACK-encoded without compression (literal without indexing, RFC 7541 §6.2.2).
async fn answer_trailers_only_ok(peer: &mut FramePeer, stream_id: u32) {
    let mut block = vec![0x88]; // indexed :status 200
    for (name, value) in [("content-type", "application/grpc"), ("grpc-status", "0")] {
        block.push(0x00);
        block.push(u8::try_from(name.len()).unwrap());
        block.extend_from_slice(name.as_bytes());
        block.push(u8::try_from(value.len()).unwrap());
        block.extend_from_slice(value.as_bytes());
    }
    // END_STREAM | END_HEADERS
    peer.write(raw_frames::HEADERS, 0x1 | 0x4, stream_id, &block)
        .await;
}

/// Trailers without `grpc-status`: UNKNOWN (the client "must synthesize" a status).
#[tokio::test]
async fn missing_grpc_status() {
    let (mut server, channel) = setup().await;
    let (call, mut raw) = unary(&mut server, &channel).await;
    let mut stream = raw.send_grpc_headers();
    stream
        .send_data(framed_message(&reply("x")), false)
        .unwrap();
    stream.send_trailers(trailers(&[("x-other", "1")])).unwrap();
    let status = failed(call).await;
    assert_eq!(status.code(), Code::Unknown, "{status:?}");
}

/// The response ends with END_STREAM on a DATA frame, no trailers at all: UNKNOWN.
#[tokio::test]
async fn no_trailers() {
    let (mut server, channel) = setup().await;
    let (call, mut raw) = unary(&mut server, &channel).await;
    let mut stream = raw.send_grpc_headers();
    stream.send_data(framed_message(&reply("x")), true).unwrap();
    let status = failed(call).await;
    assert_eq!(status.code(), Code::Unknown, "{status:?}");
}

/// HTTP statuses without `grpc-status`: http-grpc-status-mapping.md. 200 with no grpc-status
/// in a lone HEADERS frame is UNKNOWN too.
#[tokio::test]
async fn http_status_without_grpc_status() {
    let (mut server, channel) = setup().await;
    let table = [
        (400, Code::Internal),
        (401, Code::Unauthenticated),
        (403, Code::PermissionDenied),
        (404, Code::Unimplemented),
        (429, Code::Unavailable),
        (431, Code::Internal),
        (500, Code::Unknown),
        (502, Code::Unavailable),
        (503, Code::Unavailable),
        (504, Code::Unavailable),
        (200, Code::Unknown),
    ];
    for (http_status, code) in table {
        let (call, mut raw) = unary(&mut server, &channel).await;
        // A proxy's error page is not gRPC; the 200 is, but lacks its status.
        let content_type = if http_status == 200 {
            "application/grpc"
        } else {
            "text/plain"
        };
        raw.send_headers_only(http_response(http_status, Some(content_type)));
        let status = failed(call).await;
        assert_eq!(status.code(), code, "HTTP {http_status}: {status:?}");
    }
}

/// A non-200 answer that does carry `grpc-status`: the gRPC status wins.
#[tokio::test]
async fn grpc_status_wins_over_http_status() {
    let (mut server, channel) = setup().await;
    let (call, mut raw) = unary(&mut server, &channel).await;
    let mut response = http_response(503, Some("application/grpc"));
    response
        .headers_mut()
        .insert("grpc-status", "9".parse().unwrap());
    raw.send_headers_only(response);
    assert_eq!(failed(call).await.code(), Code::FailedPrecondition);
}

/// A 1xx informational response before the real one is skipped, not mapped to a code
/// (http-grpc-status-mapping.md); h2 does this below h2grpc.
#[tokio::test]
async fn informational_response_is_skipped() {
    let (mut server, channel) = setup().await;
    let (call, mut raw) = unary(&mut server, &channel).await;
    raw.respond
        .send_informational(http_response(103, None))
        .unwrap();
    let mut stream = raw.send_grpc_headers();
    stream
        .send_data(framed_message(&reply("after 103")), false)
        .unwrap();
    stream
        .send_trailers(trailers(&[("grpc-status", "0")]))
        .unwrap();
    assert_eq!(
        outcome(call).await.unwrap().into_inner().message,
        "after 103"
    );
}

/// `content-type: text/html` on a 200 answer: not gRPC, INTERNAL.
#[tokio::test]
async fn wrong_content_type() {
    let (mut server, channel) = setup().await;
    let (call, mut raw) = unary(&mut server, &channel).await;
    let mut stream = raw
        .respond
        .send_response(http_response(200, Some("text/html")), false)
        .unwrap();
    stream
        .send_data(Bytes::from_static(b"<html></html>"), true)
        .unwrap();
    let status = failed(call).await;
    assert_eq!(status.code(), Code::Internal, "{status:?}");
    assert!(status.message().contains("text/html"), "{status:?}");
}

/// RST_STREAM before any response, with each HTTP/2 error code: the table of PROTOCOL-HTTP2.md.
#[tokio::test]
async fn rst_stream_codes() {
    let (mut server, channel) = setup().await;
    let table = [
        (0, Code::Internal),           // NO_ERROR
        (1, Code::Internal),           // PROTOCOL_ERROR
        (2, Code::Internal),           // INTERNAL_ERROR
        (3, Code::Internal),           // FLOW_CONTROL_ERROR
        (4, Code::Internal),           // SETTINGS_TIMEOUT
        (5, Code::Internal),           // STREAM_CLOSED
        (6, Code::Internal),           // FRAME_SIZE_ERROR
        (7, Code::Unavailable),        // REFUSED_STREAM
        (8, Code::Cancelled),          // CANCEL
        (9, Code::Internal),           // COMPRESSION_ERROR
        (10, Code::Internal),          // CONNECT_ERROR
        (11, Code::ResourceExhausted), // ENHANCE_YOUR_CALM
        (12, Code::PermissionDenied),  // INADEQUATE_SECURITY
        (13, Code::Internal),          // HTTP_1_1_REQUIRED
    ];
    for (reason, code) in table {
        let (call, mut raw) = unary(&mut server, &channel).await;
        raw.respond.send_reset(h2::Reason::from(reason));
        if reason == 7 {
            // REFUSED_STREAM means "not processed": the client sends the call again, a bounded
            // number of times, and reports UNAVAILABLE when every attempt is refused.
            for _ in 0..h2grpc::client::MAX_TRANSPARENT_RETRIES {
                let mut again = within("the call sent again", server.next_call()).await;
                again.respond.send_reset(h2::Reason::REFUSED_STREAM);
            }
        }
        let status = failed(call).await;
        assert_eq!(status.code(), code, "RST_STREAM({reason}): {status:?}");
    }
}

/// A call refused with REFUSED_STREAM goes out again with what is left of its timeout, not the
/// whole timeout: the server's deadline must not be later than the client's.
#[tokio::test]
async fn a_retried_call_sends_the_timeout_that_is_left() {
    let (mut server, channel) = setup().await;
    let client = channel.clone();
    let call = tokio::spawn(async move {
        let request = Request::new(hello("x")).with_timeout(Duration::from_secs(10));
        client.unary::<_, HelloReply>(PATH, request).await
    });
    let mut first = within("the first attempt", server.next_call()).await;
    let timeout_of = |raw: &RawCall| {
        let value = raw.request.headers()["grpc-timeout"].as_bytes().to_vec();
        h2grpc::timeout::parse(&value).unwrap()
    };
    assert_eq!(
        timeout_of(&first),
        Duration::from_secs(10),
        "the first: as set"
    );
    let waited = Duration::from_millis(300);
    tokio::time::sleep(waited).await;
    first.respond.send_reset(h2::Reason::REFUSED_STREAM);
    let mut again = within("the call sent again", server.next_call()).await;
    let left = timeout_of(&again);
    assert!(
        left <= Duration::from_secs(10) - waited,
        "the retry asked for {left:?} after {waited:?} of 10 s had passed"
    );
    assert!(left > Duration::from_secs(5), "{left:?}");
    let mut stream = again.send_grpc_headers();
    stream
        .send_data(framed_message(&reply("second time")), false)
        .unwrap();
    stream
        .send_trailers(trailers(&[("grpc-status", "0")]))
        .unwrap();
    let response = outcome(call).await.unwrap();
    assert_eq!(response.get_ref().message, "second time");
}

/// grpc's negative tests `rst_after_header`, `rst_during_data`, `rst_after_data`: the server
/// resets with NO_ERROR after the headers, in the middle of a message, after a whole message
/// but before the trailers. The call must fail (INTERNAL), never succeed.
#[tokio::test]
async fn rst_after_header_during_data_after_data() {
    let (mut server, channel) = setup().await;
    let whole = framed_message(&reply("a reply that is cut"));
    for sent in [0, 7, whole.len()] {
        let (call, mut raw) = unary(&mut server, &channel).await;
        let mut stream = raw.send_grpc_headers();
        if sent > 0 {
            stream.send_data(whole.slice(..sent), false).unwrap();
        }
        // Let the data go out before the reset (a reset discards what is still queued).
        tokio::time::sleep(Duration::from_millis(20)).await;
        stream.send_reset(h2::Reason::NO_ERROR);
        let status = failed(call).await;
        assert_eq!(
            status.code(),
            Code::Internal,
            "after {sent} bytes: {status:?}"
        );
    }
}

/// Trailers-Only with OK to a unary call: zero response messages, UNIMPLEMENTED (statuscodes.md,
/// response cardinality). For a server-streaming call it is a valid empty stream.
#[tokio::test]
async fn trailers_only_ok_to_a_unary_call() {
    let (mut server, channel) = setup().await;
    let (call, mut raw) = unary(&mut server, &channel).await;
    let mut response = http_response(200, Some("application/grpc"));
    response
        .headers_mut()
        .insert("grpc-status", "0".parse().unwrap());
    raw.send_headers_only(response);
    let status = failed(call).await;
    assert_eq!(status.code(), Code::Unimplemented, "{status:?}");

    let streaming = {
        let channel = channel.clone();
        tokio::spawn(async move {
            let mut stream = channel
                .server_streaming::<_, HelloReply>(PATH, Request::new(hello("x")))
                .await?;
            stream.message().await
        })
    };
    let mut raw = server.next_call().await;
    let mut response = http_response(200, Some("application/grpc"));
    response
        .headers_mut()
        .insert("grpc-status", "0".parse().unwrap());
    raw.send_headers_only(response);
    assert_eq!(within("the stream", streaming).await.unwrap(), Ok(None));
}

/// Zero messages (headers, then OK trailers) or two messages for a unary call: UNIMPLEMENTED.
#[tokio::test]
async fn unary_response_cardinality() {
    let (mut server, channel) = setup().await;
    for count in [0, 2] {
        let (call, mut raw) = unary(&mut server, &channel).await;
        let mut stream = raw.send_grpc_headers();
        for i in 0..count {
            stream
                .send_data(framed_message(&reply(&format!("{i}"))), false)
                .unwrap();
        }
        stream
            .send_trailers(trailers(&[("grpc-status", "0")]))
            .unwrap();
        let status = failed(call).await;
        assert_eq!(
            status.code(),
            Code::Unimplemented,
            "{count} messages: {status:?}"
        );
    }
}

/// A response prefix declaring more than the client's 4 MiB limit: RESOURCE_EXHAUSTED at once,
/// without waiting for the body, and the client resets the stream.
#[tokio::test]
async fn response_over_the_client_limit() {
    let (mut server, channel) = setup().await;
    let (call, mut raw) = unary(&mut server, &channel).await;
    let mut stream = raw.send_grpc_headers();
    stream
        .send_data(Bytes::from_static(&[0, 0, 0x50, 0, 0]), false)
        .unwrap();
    let status = failed(call).await;
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    let reset = within(
        "the client's reset",
        std::future::poll_fn(|cx| stream.poll_reset(cx)),
    )
    .await
    .unwrap();
    assert_eq!(reset, h2::Reason::CANCEL);
}

/// Compressed-Flag 2 in a response: INTERNAL.
#[tokio::test]
async fn compressed_flag_2() {
    let (mut server, channel) = setup().await;
    let (call, mut raw) = unary(&mut server, &channel).await;
    let mut stream = raw.send_grpc_headers();
    stream
        .send_data(framed(2, &reply("x").encode_to_bytes()), false)
        .unwrap();
    stream
        .send_trailers(trailers(&[("grpc-status", "0")]))
        .unwrap();
    let status = failed(call).await;
    assert_eq!(status.code(), Code::Internal, "{status:?}");
}

/// A response message that is not valid protobuf: INTERNAL.
#[tokio::test]
async fn undecodable_response() {
    let (mut server, channel) = setup().await;
    let (call, mut raw) = unary(&mut server, &channel).await;
    let mut stream = raw.send_grpc_headers();
    stream
        .send_data(framed(0, &[0x0a, 100, b'x']), false)
        .unwrap();
    stream
        .send_trailers(trailers(&[("grpc-status", "0")]))
        .unwrap();
    let status = failed(call).await;
    assert_eq!(status.code(), Code::Internal, "{status:?}");
}

/// A `grpc-message` with broken percent-encoding is kept, not refused ("MUST NOT error or throw
/// away the message"); a `grpc-status` that is not a number is UNKNOWN.
#[tokio::test]
async fn lenient_status_parsing() {
    let (mut server, channel) = setup().await;
    let (call, mut raw) = unary(&mut server, &channel).await;
    let mut response = http_response(200, Some("application/grpc"));
    response
        .headers_mut()
        .insert("grpc-status", "3".parse().unwrap());
    response.headers_mut().insert(
        "grpc-message",
        "bad %zz and %4 and %E2%98 end".parse().unwrap(),
    );
    raw.send_headers_only(response);
    let status = failed(call).await;
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(status.message(), "bad %zz and %4 and \u{FFFD} end");

    let (call, mut raw) = unary(&mut server, &channel).await;
    let mut response = http_response(200, Some("application/grpc"));
    response
        .headers_mut()
        .insert("grpc-status", "abc".parse().unwrap());
    raw.send_headers_only(response);
    assert_eq!(failed(call).await.code(), Code::Unknown);
}

/// `grpc-status-details-bin` that is not base64: the status still arrives, without details, and
/// nothing panics (tonic's decoder `expect`s here).
#[tokio::test]
async fn bad_base64_details() {
    let (mut server, channel) = setup().await;
    let (call, mut raw) = unary(&mut server, &channel).await;
    let mut response = http_response(200, Some("application/grpc"));
    response
        .headers_mut()
        .insert("grpc-status", "5".parse().unwrap());
    response
        .headers_mut()
        .insert("grpc-message", "missing".parse().unwrap());
    response.headers_mut().insert(
        "grpc-status-details-bin",
        "!!!not base64***".parse().unwrap(),
    );
    raw.send_headers_only(response);
    let status = failed(call).await;
    assert_eq!(
        (status.code(), status.message()),
        (Code::NotFound, "missing")
    );
    assert!(status.details().is_empty());
}

/// GOAWAY whose last stream id is below the call's stream: the server never processed it, so
/// the call fails UNAVAILABLE (and could be retried). Written as raw frames: h2 only sends a
/// GOAWAY covering every stream it has seen.
#[tokio::test]
async fn goaway_below_the_call() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://{}", listener.local_addr().unwrap());
    let client = tokio::spawn(async move {
        let channel = Channel::new(&target, Default::default()).unwrap();
        channel
            .unary::<_, HelloReply>(PATH, Request::new(hello("x")))
            .await
    });
    let mut peer = within("a connection", FramePeer::accept(&listener)).await;
    loop {
        let frame = within("the request", peer.next_frame()).await.unwrap();
        if frame.kind == raw_frames::HEADERS {
            assert_eq!(frame.stream_id, 1);
            break;
        }
    }
    peer.goaway(0, 0).await; // last stream 0, NO_ERROR
    let status = within("the client's outcome", client)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
}

/// GOAWAY that covers the call's stream (h2's graceful shutdown): the call finishes normally;
/// the next call goes out on a new connection (grpc's negative test `goaway`).
#[tokio::test]
async fn goaway_covering_the_call() {
    let (mut server, channel) = setup().await;
    let (call, mut raw) = unary(&mut server, &channel).await;
    assert_eq!(raw.connection, 0);
    raw.control.graceful_shutdown().await;
    let mut stream = raw.send_grpc_headers();
    stream
        .send_data(framed_message(&reply("finished")), false)
        .unwrap();
    stream
        .send_trailers(trailers(&[("grpc-status", "0")]))
        .unwrap();
    let response = outcome(call).await.unwrap();
    assert_eq!(response.into_inner().message, "finished");
    drop((raw, stream));
    assert_eq!(server.next_closed().await, 0);

    let (call, mut raw) = unary(&mut server, &channel).await;
    assert_eq!(
        raw.connection, 1,
        "the second call reused the closed connection"
    );
    let mut stream = raw.send_grpc_headers();
    stream
        .send_data(framed_message(&reply("second")), false)
        .unwrap();
    stream
        .send_trailers(trailers(&[("grpc-status", "0")]))
        .unwrap();
    assert_eq!(outcome(call).await.unwrap().into_inner().message, "second");
}

/// The connection drops in the middle of a call (after the headers and part of a message):
/// UNAVAILABLE (statuscodes.md: "data transmitted before the connection breaks").
#[tokio::test]
async fn connection_dropped_mid_call() {
    let (mut server, channel) = setup().await;
    let (call, mut raw) = unary(&mut server, &channel).await;
    let mut stream = raw.send_grpc_headers();
    stream
        .send_data(framed_message(&reply("cut")).slice(..4), false)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    raw.control.drop_connection();
    let status = failed(call).await;
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    drop(stream);
}

/// A call made after the server's GOAWAY arrived, while the old connection is still open for a
/// call in flight, goes out on a new connection (RFC 9113 §6.8: "Receivers of a GOAWAY frame
/// MUST NOT open additional streams on the connection, although a new connection can be
/// established for new streams"), and succeeds: it must not fail UNAVAILABLE.
#[tokio::test]
async fn call_after_goaway_while_the_old_connection_drains() {
    let (mut server, channel) = setup().await;
    let (first_arrived, first_seen) = tokio::sync::oneshot::channel();
    let long = {
        let channel = channel.clone();
        tokio::spawn(async move {
            let mut stream = channel
                .server_streaming::<_, HelloReply>(PATH, Request::new(hello("long")))
                .await?;
            let _ = first_arrived.send(stream.message().await);
            stream.message().await
        })
    };
    let mut first = server.next_call().await;
    let mut first_stream = first.send_grpc_headers();
    first.control.graceful_shutdown().await;
    // A message queued after the GOAWAY goes out after it: once the client has the message, it
    // has processed the GOAWAY.
    first_stream
        .send_data(framed_message(&reply("before")), false)
        .unwrap();
    let before = within("the first message", first_seen).await.unwrap();
    assert_eq!(before.unwrap().unwrap().message, "before");

    let (call, mut raw) = unary(&mut server, &channel).await;
    assert_eq!(raw.connection, 1);
    let mut stream = raw.send_grpc_headers();
    stream
        .send_data(framed_message(&reply("new connection")), false)
        .unwrap();
    stream
        .send_trailers(trailers(&[("grpc-status", "0")]))
        .unwrap();
    assert_eq!(
        outcome(call).await.unwrap().into_inner().message,
        "new connection"
    );

    // The call in flight on the old connection still finishes.
    first_stream
        .send_data(framed_message(&reply("after")), false)
        .unwrap();
    first_stream
        .send_trailers(trailers(&[("grpc-status", "0")]))
        .unwrap();
    let message = within("the old call", long)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(message.message, "after");
}
