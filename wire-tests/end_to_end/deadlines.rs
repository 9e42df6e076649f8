//! Deadlines: the client's own timer, and the server enforcing `grpc-timeout` by itself.

use std::time::Duration;

use h2grpc::rpc::{Request, Response, Sender, Streaming};
use h2grpc::server::Server;
use h2grpc::services::hello::{HelloReply, HelloRequest};
use h2grpc::status::Code;
use http::HeaderValue;

use super::{connect, hello, reply};
use crate::support::net::{Flag, TestServer, within};
use crate::support::raw_h2::{RawClient, framed_message};

const FOREVER: Duration = Duration::from_secs(3600);

/// Handlers that never finish on their own; each holds a guard that raises `dropped`.
fn sleeping_server(dropped: &Flag) -> Server {
    let (d1, d2, d3) = (dropped.clone(), dropped.clone(), dropped.clone());
    Server::new()
        .unary("/test.Sleep/Unary", move |_: Request<HelloRequest>| {
            let guard = d1.guard();
            async move {
                let _guard = guard;
                tokio::time::sleep(FOREVER).await;
                Ok(Response::new(HelloReply::default()))
            }
        })
        .server_streaming(
            "/test.Sleep/AfterTwo",
            move |_: Request<HelloRequest>, mut tx| {
                let guard = d2.guard();
                async move {
                    let _guard = guard;
                    tx.send(&reply("one")).await?;
                    tx.send(&reply("two")).await?;
                    tokio::time::sleep(FOREVER).await;
                    Ok(())
                }
            },
        )
        .bidi_streaming(
            "/test.Sleep/FullDuplex",
            move |_: Request<Streaming<HelloRequest>>, _tx: Sender<HelloReply>| {
                let guard = d3.guard();
                async move {
                    let _guard = guard;
                    tokio::time::sleep(FOREVER).await;
                    Ok(())
                }
            },
        )
}

/// A unary call to a handler that sleeps: DEADLINE_EXCEEDED (not CANCELLED, as tonic says),
/// and the handler is dropped.
#[tokio::test]
async fn unary_timeout_on_sleeping_server() {
    let dropped = Flag::new();
    let server = TestServer::start(sleeping_server(&dropped)).await;
    let channel = connect(&server.target).await;
    let request = Request::new(hello("x")).with_timeout(Duration::from_millis(200));
    let status = within(
        "the deadline",
        channel.unary::<_, HelloReply>("/test.Sleep/Unary", request),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(dropped.wait().await, "the handler was not dropped");
}

/// Interop `timeout_on_sleeping_server`: a bidi call with a 1 ms deadline that sends one
/// message and waits. DEADLINE_EXCEEDED, whether on send or on receive (as grpc-go accepts).
#[tokio::test]
async fn timeout_on_sleeping_server() {
    let dropped = Flag::new();
    let server = TestServer::start(sleeping_server(&dropped)).await;
    let channel = connect(&server.target).await;
    let request = Request::new(()).with_timeout(Duration::from_millis(1));
    let status = match channel
        .bidi_streaming::<HelloRequest, HelloReply>("/test.Sleep/FullDuplex", request)
        .await
    {
        Err(status) => status,
        Ok((mut tx, mut rx)) => {
            let sent = tx.send(&hello(&"x".repeat(27_182))).await;
            let received = within("the deadline", rx.message()).await;
            match (sent, received) {
                (_, Err(status)) => status,
                (Err(status), Ok(_)) => status,
                (Ok(()), Ok(m)) => panic!("the call outlived its deadline: {m:?}"),
            }
        }
    };
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
}

/// A server-streaming call whose deadline passes mid-stream: the messages before it, then
/// DEADLINE_EXCEEDED.
#[tokio::test]
async fn deadline_mid_stream() {
    let dropped = Flag::new();
    let server = TestServer::start(sleeping_server(&dropped)).await;
    let channel = connect(&server.target).await;
    let request = Request::new(hello("x")).with_timeout(Duration::from_secs(1));
    let mut stream = channel
        .server_streaming::<_, HelloReply>("/test.Sleep/AfterTwo", request)
        .await
        .unwrap();
    assert_eq!(stream.message().await.unwrap().unwrap().message, "one");
    assert_eq!(stream.message().await.unwrap().unwrap().message, "two");
    let status = within("the deadline", stream.message()).await.unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    drop(stream);
    assert!(dropped.wait().await, "the handler was not dropped");
}

/// The server enforces `grpc-timeout` by itself: a raw client sends `grpc-timeout: 200m` and
/// never gives up; the server answers DEADLINE_EXCEEDED, resets the stream with CANCEL
/// (PROTOCOL-HTTP2.md) and drops the handler.
#[tokio::test]
async fn server_enforces_grpc_timeout_unary() {
    let dropped = Flag::new();
    let server = TestServer::start(sleeping_server(&dropped)).await;
    let raw = RawClient::connect(server.addr).await;
    let mut request = raw.request("/test.Sleep/Unary");
    request
        .headers_mut()
        .insert("grpc-timeout", HeaderValue::from_static("200m"));
    let answer = raw.call(request, framed_message(&hello("x"))).await;
    assert_eq!(
        answer.grpc_status(),
        Some(Code::DeadlineExceeded),
        "{answer:#?}"
    );
    assert!(
        dropped.is_set(),
        "the answer came before the handler was dropped"
    );
}

/// The same for a streaming handler that already sent messages: the status comes in the
/// Trailers, after them.
#[tokio::test]
async fn server_enforces_grpc_timeout_streaming() {
    let dropped = Flag::new();
    let server = TestServer::start(sleeping_server(&dropped)).await;
    let raw = RawClient::connect(server.addr).await;
    let mut request = raw.request("/test.Sleep/AfterTwo");
    request
        .headers_mut()
        .insert("grpc-timeout", HeaderValue::from_static("1000000u"));
    let answer = raw.call(request, framed_message(&hello("x"))).await;
    assert_eq!(answer.status, Some(http::StatusCode::OK), "{answer:#?}");
    let messages = crate::support::raw_h2::messages_in(&answer.data);
    assert_eq!(messages.len(), 2, "{answer:#?}");
    assert_eq!(
        answer.grpc_status(),
        Some(Code::DeadlineExceeded),
        "{answer:#?}"
    );
    assert!(dropped.wait().await, "the handler was not dropped");
}

/// `grpc-timeout: 0n` (grpc-go's "already expired"): DEADLINE_EXCEEDED at once.
#[tokio::test]
async fn already_expired_deadline() {
    let dropped = Flag::new();
    let server = TestServer::start(sleeping_server(&dropped)).await;
    let raw = RawClient::connect(server.addr).await;
    let mut request = raw.request("/test.Sleep/Unary");
    request
        .headers_mut()
        .insert("grpc-timeout", HeaderValue::from_static("0n"));
    let answer = raw.call(request, framed_message(&hello("x"))).await;
    assert_eq!(
        answer.grpc_status(),
        Some(Code::DeadlineExceeded),
        "{answer:#?}"
    );
}

/// The deadline passes while the client is still sending (no END_STREAM yet): the status goes
/// out Trailers-Only, then RST_STREAM(NO_ERROR) tells the client to stop sending
/// (PROTOCOL-HTTP2.md: a server that sends Trailers before the client's END_STREAM).
#[tokio::test]
async fn server_deadline_while_the_client_still_sends() {
    let dropped = Flag::new();
    let server = TestServer::start(sleeping_server(&dropped)).await;
    let raw = RawClient::connect(server.addr).await;
    let mut request = raw.request("/test.Sleep/FullDuplex");
    request
        .headers_mut()
        .insert("grpc-timeout", HeaderValue::from_static("200m"));
    let (response, mut send) = raw.start(request, false).await;
    send.send_data(framed_message(&hello("x")), false).unwrap();
    let answer = crate::support::raw_h2::read_answer(response).await;
    assert_eq!(
        answer.assert_trailers_only(200, Code::DeadlineExceeded),
        "deadline exceeded (grpc-timeout) on the server"
    );
    let reset = within("the reset", std::future::poll_fn(|cx| send.poll_reset(cx)))
        .await
        .unwrap();
    assert_eq!(reset, h2::Reason::NO_ERROR);
    assert!(dropped.wait().await, "the handler was not dropped");
}
