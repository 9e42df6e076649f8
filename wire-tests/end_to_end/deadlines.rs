//! Deadlines: the client's own timer, and the server enforcing `grpc-timeout` by itself.

use std::time::Duration;

use h2grpc::rpc::{Request, Response, Sender, Streaming};
use h2grpc::server::Server;
use h2grpc::services::hello::{HelloReply, HelloRequest};
use h2grpc::status::Code;

use super::{connect, hello, reply};
use crate::support::net::{Flag, TestServer, within};

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
    let request = Request::new(hello("x")).with_timeout(Duration::from_millis(300));
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
