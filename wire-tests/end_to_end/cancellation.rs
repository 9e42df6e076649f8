//! Cancellation both ways: the client going away stops the handler; the server ending a call
//! stops the client.

use std::time::Duration;

use h2grpc::rpc::{Request, Response, Sender, Streaming};
use h2grpc::server::Server;
use h2grpc::services::hello::{HelloReply, HelloRequest};
use h2grpc::status::{Code, Status};
use tokio::sync::{mpsc, oneshot};

use super::{connect, hello, reply};
use crate::support::net::{Flag, TestServer, within};

/// `started` is raised when a handler begins, `dropped` when its future is dropped.
#[derive(Clone, Default)]
struct Watch {
    started: Flag,
    dropped: Flag,
}

fn server(watch: &Watch, report: mpsc::UnboundedSender<(Status, bool)>) -> Server {
    let (w1, w2, w3, w4) = (watch.clone(), watch.clone(), watch.clone(), watch.clone());
    Server::new()
        .client_streaming(
            "/test.Cancel/StreamingInput",
            move |req: Request<Streaming<HelloRequest>>| {
                let guard = w1.dropped.guard();
                w1.started.set();
                async move {
                    let _guard = guard;
                    let mut stream = req.into_inner();
                    while stream.message().await?.is_some() {}
                    Ok(Response::new(HelloReply::default()))
                }
            },
        )
        .bidi_streaming(
            "/test.Cancel/FullDuplex",
            move |req: Request<Streaming<HelloRequest>>, mut tx| {
                let guard = w2.dropped.guard();
                w2.started.set();
                async move {
                    let _guard = guard;
                    let mut stream = req.into_inner();
                    while let Some(m) = stream.message().await? {
                        tx.send(&reply(&m.name)).await?;
                    }
                    Ok(())
                }
            },
        )
        .server_streaming(
            "/test.Cancel/Endless",
            move |_: Request<HelloRequest>, mut tx| {
                let guard = w3.dropped.guard();
                w3.started.set();
                async move {
                    let _guard = guard;
                    for i in 0.. {
                        tx.send(&reply(&format!("{i}"))).await?;
                    }
                    Ok(())
                }
            },
        )
        .server_streaming(
            "/test.Cancel/Detached",
            move |_: Request<HelloRequest>, mut tx: Sender<HelloReply>| {
                // The sending happens in a task of its own, which outlives the handler.
                let report = report.clone();
                let guard = w4.dropped.guard();
                async move {
                    let _guard = guard;
                    tokio::spawn(async move {
                        let mut i = 0u64;
                        let error = loop {
                            if let Err(status) = tx.send(&reply(&format!("{i}"))).await {
                                break status;
                            }
                            i += 1;
                            tokio::time::sleep(Duration::from_millis(1)).await;
                        };
                        let _ = report.send((error, tx.is_closed()));
                    });
                    std::future::pending::<()>().await;
                    Ok(())
                }
            },
        )
        .bidi_streaming(
            "/test.Cancel/EndsEarly",
            |req: Request<Streaming<HelloRequest>>, mut tx| async move {
                let mut stream = req.into_inner();
                let first = stream.message().await?.unwrap_or_default();
                tx.send(&reply(&first.name)).await?;
                if first.name == "fail" {
                    return Err(Status::new(Code::FailedPrecondition, "enough"));
                }
                Ok(())
            },
        )
        .bidi_streaming(
            "/test.Cancel/DropsSender",
            |req: Request<Streaming<HelloRequest>>, tx: Sender<HelloReply>| async move {
                // No responses at all: the Sender goes at once, the handler carries on.
                drop(tx);
                let mut stream = req.into_inner();
                let mut count = 0;
                while stream.message().await?.is_some() {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    count += 1;
                }
                Err(Status::new(Code::Aborted, format!("counted {count}")))
            },
        )
}

async fn start(watch: &Watch) -> (TestServer, mpsc::UnboundedReceiver<(Status, bool)>) {
    let (report, reports) = mpsc::unbounded_channel();
    (TestServer::start(server(watch, report)).await, reports)
}

/// Interop `cancel_after_begin`: a client-streaming call cancelled before any message. The
/// client's RST_STREAM(CANCEL) drops the handler.
#[tokio::test]
async fn cancel_after_begin() {
    let watch = Watch::default();
    let (server, _) = start(&watch).await;
    let channel = connect(&server.target).await;
    let call = channel
        .client_streaming::<HelloRequest, HelloReply>(
            "/test.Cancel/StreamingInput",
            Request::new(()),
        )
        .await
        .unwrap();
    assert!(watch.started.wait().await, "the handler never started");
    assert!(!watch.dropped.is_set());
    drop(call);
    assert!(watch.dropped.wait().await, "the handler was not dropped");
}

/// Interop `cancel_after_first_response`: a bidi call cancelled after its first response.
#[tokio::test]
async fn cancel_after_first_response() {
    let watch = Watch::default();
    let (server, _) = start(&watch).await;
    let channel = connect(&server.target).await;
    let (mut tx, mut rx) = channel
        .bidi_streaming::<HelloRequest, HelloReply>("/test.Cancel/FullDuplex", Request::new(()))
        .await
        .unwrap();
    tx.send(&hello(&"x".repeat(27_182))).await.unwrap();
    assert_eq!(rx.message().await.unwrap().unwrap().message.len(), 27_182);
    assert!(!watch.dropped.is_set());
    drop((tx, rx));
    assert!(watch.dropped.wait().await, "the handler was not dropped");
}

/// A server stream dropped by the client mid-stream: the handler (blocked on flow control or
/// not) is dropped.
#[tokio::test]
async fn client_drops_a_server_stream() {
    let watch = Watch::default();
    let (server, _) = start(&watch).await;
    let channel = connect(&server.target).await;
    let mut stream = channel
        .server_streaming::<_, HelloReply>("/test.Cancel/Endless", Request::new(hello("x")))
        .await
        .unwrap();
    for i in 0..3 {
        assert_eq!(
            stream.message().await.unwrap().unwrap().message,
            format!("{i}")
        );
    }
    drop(stream);
    assert!(watch.dropped.wait().await, "the handler was not dropped");
    // The connection carries on.
    let (mut tx, mut rx) = channel
        .bidi_streaming::<HelloRequest, HelloReply>("/test.Cancel/FullDuplex", Request::new(()))
        .await
        .unwrap();
    tx.send(&hello("still here")).await.unwrap();
    assert_eq!(rx.message().await.unwrap().unwrap().message, "still here");
}

/// A `Sender` used after the client went away: `send` fails with CANCELLED and `is_closed`
/// says so, instead of queueing forever.
#[tokio::test]
async fn sending_after_the_client_left() {
    let watch = Watch::default();
    let (server, mut reports) = start(&watch).await;
    let channel = connect(&server.target).await;
    let mut stream = channel
        .server_streaming::<_, HelloReply>("/test.Cancel/Detached", Request::new(hello("x")))
        .await
        .unwrap();
    assert_eq!(stream.message().await.unwrap().unwrap().message, "0");
    drop(stream);
    assert!(watch.dropped.wait().await, "the handler was not dropped");
    let (status, closed) = within("the detached sender to fail", reports.recv())
        .await
        .unwrap();
    assert_eq!(status.code(), Code::Cancelled, "{status:?}");
    assert!(closed, "is_closed() after a failed send");
}

/// The server ends a bidi call (with an error) while the client is still sending: the client
/// gets the server's status, whatever its sends returned.
#[tokio::test]
async fn server_ends_a_bidi_call_early_with_an_error() {
    let watch = Watch::default();
    let (server, _) = start(&watch).await;
    let channel = connect(&server.target).await;
    let (mut tx, mut rx) = channel
        .bidi_streaming::<HelloRequest, HelloReply>("/test.Cancel/EndsEarly", Request::new(()))
        .await
        .unwrap();
    tx.send(&hello("fail")).await.unwrap();
    assert_eq!(rx.message().await.unwrap().unwrap().message, "fail");
    let (done, mut done_rx) = oneshot::channel();
    let sender = tokio::spawn(async move {
        // Keep sending until the stream refuses (or give up: h2 may keep accepting into its
        // buffers for a while after the server's RST_STREAM(NO_ERROR) arrives).
        let big = hello(&"y".repeat(64 * 1024));
        for _ in 0..200 {
            if tx.send(&big).await.is_err() {
                break;
            }
        }
        let _ = done.send(());
    });
    let status = within("the server's status", rx.message())
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::FailedPrecondition, "enough")
    );
    within("the sender to stop", sender).await.unwrap();
    assert!(done_rx.try_recv().is_ok());
}

/// The same ending with OK: the response, then the end of the stream.
#[tokio::test]
async fn server_ends_a_bidi_call_early_with_ok() {
    let watch = Watch::default();
    let (server, _) = start(&watch).await;
    let channel = connect(&server.target).await;
    let (mut tx, mut rx) = channel
        .bidi_streaming::<HelloRequest, HelloReply>("/test.Cancel/EndsEarly", Request::new(()))
        .await
        .unwrap();
    tx.send(&hello("one")).await.unwrap();
    let sender = tokio::spawn(async move {
        let big = hello(&"y".repeat(64 * 1024));
        for _ in 0..200 {
            if tx.send(&big).await.is_err() {
                break;
            }
        }
    });
    assert_eq!(rx.message().await.unwrap().unwrap().message, "one");
    assert_eq!(
        within("the end of the stream", rx.message()).await.unwrap(),
        None
    );
    within("the sender to stop", sender).await.unwrap();
}

/// A handler may drop its `Sender` and carry on reading: the call must still run to the
/// handler's status (the response stream is not "over" just because nothing more will be
/// sent on it).
#[tokio::test]
async fn handler_drops_its_sender_early() {
    let watch = Watch::default();
    let (server, _) = start(&watch).await;
    let channel = connect(&server.target).await;
    let (mut tx, mut rx) = channel
        .bidi_streaming::<HelloRequest, HelloReply>("/test.Cancel/DropsSender", Request::new(()))
        .await
        .unwrap();
    for name in ["a", "b", "c"] {
        tx.send(&hello(name)).await.unwrap();
    }
    tx.finish().await.unwrap();
    let status = within("the handler's status", rx.message())
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::Aborted, "counted 3")
    );
}
