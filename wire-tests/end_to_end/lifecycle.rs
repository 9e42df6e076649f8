//! The server and channel over time: panics, graceful shutdown, concurrency, reconnection.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use h2grpc::client::Channel;
use h2grpc::rpc::{Request, Response, Streaming};
use h2grpc::server::Server;
use h2grpc::services::hello::{HelloReply, HelloRequest};
use h2grpc::status::Code;
use h2grpc::transport::settings::Http2Settings;

use super::{connect, hello, reply};
use crate::support::net::{Flag, HANG, TestServer, within};

async fn say_hello(channel: &Channel, name: &str) -> Result<String, h2grpc::status::Status> {
    let response: Response<HelloReply> = channel
        .unary("/test.Life/Hello", Request::new(hello(name)))
        .await?;
    Ok(response.into_inner().message.to_string())
}

fn hello_server() -> Server {
    Server::new().unary(
        "/test.Life/Hello",
        |req: Request<HelloRequest>| async move {
            Ok(Response::new(reply(&format!(
                "hello {}",
                req.get_ref().name
            ))))
        },
    )
}

/// A panicking handler ends its call UNKNOWN (statuscodes.md: the application "throws"); the
/// connection and the server carry on.
#[tokio::test]
async fn handler_panic() {
    let server = hello_server()
        .unary("/test.Life/Panic", |_: Request<HelloRequest>| async move {
            if true {
                panic!("boom");
            }
            Ok(Response::new(HelloReply::default()))
        })
        .server_streaming(
            "/test.Life/PanicMidStream",
            |_: Request<HelloRequest>, mut tx| async move {
                tx.send(&reply("before")).await?;
                if true {
                    panic!("boom again");
                }
                Ok(())
            },
        );
    let server = TestServer::start(server).await;
    let channel = connect(&server.target).await;
    let status = channel
        .unary::<_, HelloReply>("/test.Life/Panic", Request::new(hello("x")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unknown, "{status:?}");
    assert!(status.message().contains("boom"), "{status:?}");

    let mut stream = channel
        .server_streaming::<_, HelloReply>("/test.Life/PanicMidStream", Request::new(hello("x")))
        .await
        .unwrap();
    assert_eq!(stream.message().await.unwrap().unwrap().message, "before");
    assert_eq!(stream.message().await.unwrap_err().code(), Code::Unknown);

    // Same connection, then a new one.
    assert_eq!(say_hello(&channel, "again").await.unwrap(), "hello again");
    let fresh = connect(&server.target).await;
    assert_eq!(say_hello(&fresh, "anew").await.unwrap(), "hello anew");
}

fn slow_server(started: &Flag, dropped: &Flag, sleep: Duration) -> Server {
    let (started, dropped) = (started.clone(), dropped.clone());
    hello_server().unary("/test.Life/Slow", move |_: Request<HelloRequest>| {
        started.set();
        let guard = dropped.guard();
        async move {
            let _guard = guard;
            tokio::time::sleep(sleep).await;
            Ok(Response::new(reply("slow but done")))
        }
    })
}

async fn wait_until_refused(addr: std::net::SocketAddr) {
    within("the listener to close", async {
        while tokio::net::TcpStream::connect(addr).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

/// Graceful shutdown with a call in flight: the call completes OK, new connections are
/// refused, `serve_with_shutdown` returns, and the channel then fails UNAVAILABLE.
#[tokio::test]
async fn graceful_shutdown_lets_calls_finish() {
    let (started, dropped) = (Flag::new(), Flag::new());
    let mut server =
        TestServer::start(slow_server(&started, &dropped, Duration::from_millis(500))).await;
    let channel = connect(&server.target).await;
    let in_flight = {
        let channel = channel.clone();
        tokio::spawn(async move {
            channel
                .unary::<_, HelloReply>("/test.Life/Slow", Request::new(hello("x")))
                .await
        })
    };
    assert!(started.wait().await, "the slow call never started");
    server.signal_shutdown();
    wait_until_refused(server.addr).await;
    let reply = within("the call in flight", in_flight)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reply.into_inner().message, "slow but done");
    server.join().await.unwrap();
    let status = say_hello(&channel, "late").await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
}

/// A call still running when the grace period ends is cut off: `serve_with_shutdown` returns,
/// the handler is dropped and the client learns the call is over (UNAVAILABLE: the connection
/// went away).
#[tokio::test]
async fn graceful_shutdown_cuts_off_calls_after_the_grace_period() {
    let (started, dropped) = (Flag::new(), Flag::new());
    let server = slow_server(&started, &dropped, Duration::from_secs(3600))
        .grace_period(Duration::from_millis(300));
    let mut server = TestServer::start(server).await;
    let channel = connect(&server.target).await;
    let in_flight = {
        let channel = channel.clone();
        tokio::spawn(async move {
            channel
                .unary::<_, HelloReply>("/test.Life/Slow", Request::new(hello("x")))
                .await
        })
    };
    assert!(started.wait().await, "the slow call never started");
    server.signal_shutdown();
    server.join().await.unwrap();
    assert!(
        dropped.wait().await,
        "the handler outlived the grace period"
    );
    let status = within("the call in flight", in_flight)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
}

// ===== Graceful shutdown under load =====

/// The calls of [`graceful_shutdown_under_load`], one handler per RPC kind. Each handler counts
/// itself in `started` once running, then its call stays open until the test opens `gate`: the
/// unary and server-streaming handlers wait for it, the client-streaming and bidi calls are held
/// open by their clients, which send more requests only once the gate is open.
fn gated_server(started: &Arc<AtomicUsize>, gate: &tokio::sync::watch::Receiver<bool>) -> Server {
    let wait = |gate: &tokio::sync::watch::Receiver<bool>| {
        let mut gate = gate.clone();
        async move {
            let _ = gate.wait_for(|open| *open).await;
        }
    };
    let (s1, g1) = (started.clone(), gate.clone());
    let (s2, g2) = (started.clone(), gate.clone());
    let (s3, s4) = (started.clone(), started.clone());
    hello_server()
        .unary(
            "/test.Life/GatedUnary",
            move |req: Request<HelloRequest>| {
                s1.fetch_add(1, Ordering::SeqCst);
                let opened = wait(&g1);
                async move {
                    opened.await;
                    Ok(Response::new(reply(&format!(
                        "unary {}",
                        req.get_ref().name
                    ))))
                }
            },
        )
        .server_streaming(
            "/test.Life/GatedReplies",
            move |req: Request<HelloRequest>, mut tx| {
                s2.fetch_add(1, Ordering::SeqCst);
                let opened = wait(&g2);
                async move {
                    tx.send(&reply("before")).await?;
                    opened.await;
                    tx.send(&reply(&format!("after {}", req.get_ref().name)))
                        .await?;
                    tx.send(&reply("last")).await?;
                    Ok(())
                }
            },
        )
        .client_streaming(
            "/test.Life/Count",
            move |req: Request<Streaming<HelloRequest>>| {
                s3.fetch_add(1, Ordering::SeqCst);
                async move {
                    let mut stream = req.into_inner();
                    let mut count = 0;
                    while stream.message().await?.is_some() {
                        count += 1;
                    }
                    Ok(Response::new(reply(&format!("count {count}"))))
                }
            },
        )
        .bidi_streaming(
            "/test.Life/Echo",
            move |req: Request<Streaming<HelloRequest>>, mut tx| {
                s4.fetch_add(1, Ordering::SeqCst);
                async move {
                    let mut stream = req.into_inner();
                    while let Some(request) = stream.message().await? {
                        tx.send(&reply(&format!("echo {}", request.name))).await?;
                    }
                    Ok(())
                }
            },
        )
}

/// One call of [`graceful_shutdown_under_load`] of kind `i % 4`, held open until `gate` opens;
/// returns what the client received, in one string.
async fn gated_call(
    channel: Channel,
    i: usize,
    mut gate: tokio::sync::watch::Receiver<bool>,
) -> Result<String, h2grpc::status::Status> {
    let name = format!("#{i}");
    match i % 4 {
        0 => {
            let response: Response<HelloReply> = channel
                .unary("/test.Life/GatedUnary", Request::new(hello(&name)))
                .await?;
            Ok(response.into_inner().message.to_string())
        }
        1 => {
            let mut replies = channel
                .server_streaming::<_, HelloReply>(
                    "/test.Life/GatedReplies",
                    Request::new(hello(&name)),
                )
                .await?;
            let mut received = Vec::new();
            while let Some(reply) = replies.message().await? {
                received.push(reply.message.to_string());
            }
            Ok(received.join(", "))
        }
        2 => {
            let mut call = channel
                .client_streaming::<HelloRequest, HelloReply>("/test.Life/Count", Request::new(()))
                .await?;
            call.send(&hello(&name)).await?;
            let _ = gate.wait_for(|open| *open).await;
            call.send(&hello(&name)).await?;
            call.send(&hello(&name)).await?;
            Ok(call.finish().await?.into_inner().message.to_string())
        }
        _ => {
            let (mut tx, mut rx) = channel
                .bidi_streaming::<HelloRequest, HelloReply>("/test.Life/Echo", Request::new(()))
                .await?;
            let mut received = Vec::new();
            tx.send(&hello("first")).await?;
            received.extend(rx.message().await?.map(|r| r.message.to_string()));
            let _ = gate.wait_for(|open| *open).await;
            tx.send(&hello(&name)).await?;
            received.extend(rx.message().await?.map(|r| r.message.to_string()));
            tx.finish().await?;
            if let Some(extra) = rx.message().await? {
                received.push(extra.message.to_string());
            }
            Ok(received.join(", "))
        }
    }
}

/// What [`gated_call`] `i` receives when its call completes.
fn gated_answer(i: usize) -> String {
    match i % 4 {
        0 => format!("unary #{i}"),
        1 => format!("before, after #{i}, last"),
        2 => "count 3".to_owned(),
        _ => format!("echo first, echo #{i}"),
    }
}

/// Graceful shutdown under load: 48 calls of the four kinds on two connections are in flight
/// (their handlers running) when shutdown is signalled. Every connection gets GOAWAY: new calls
/// of every kind fail UNAVAILABLE at once, on the old connections and on a new channel, while
/// the calls in flight go on exchanging messages both ways; once released, all 48 complete OK
/// with every message, and the server returns within its grace period.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_under_load() {
    const IN_FLIGHT: usize = 48;
    let started = Arc::new(AtomicUsize::new(0));
    let (open_gate, gate) = tokio::sync::watch::channel(false);
    let server = gated_server(&started, &gate).grace_period(Duration::from_secs(8));
    let mut server = TestServer::start(server).await;
    let channels = [connect(&server.target).await, connect(&server.target).await];
    let calls: Vec<_> = (0..IN_FLIGHT)
        .map(|i| tokio::spawn(gated_call(channels[i % 2].clone(), i, gate.clone())))
        .collect();
    within("every call to reach its handler", async {
        while started.load(Ordering::SeqCst) < IN_FLIGHT {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;

    server.signal_shutdown();
    // A quick call on each connection until one is refused: the client has the GOAWAY. Calls
    // sent before it arrived may still be served.
    for channel in &channels {
        within("the GOAWAY to reach the client", async {
            loop {
                match say_hello(channel, "probe").await {
                    Ok(_) => tokio::task::yield_now().await,
                    Err(status) => {
                        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
                        break;
                    }
                }
            }
        })
        .await;
    }
    wait_until_refused(server.addr).await;
    // After the GOAWAY every new call is refused, whatever its kind and connection; a fresh
    // channel cannot connect.
    let late_channel =
        Channel::new(&server.target, h2grpc::client::ChannelConfig::default()).unwrap();
    let (_, closed_gate) = tokio::sync::watch::channel(true);
    let mut refused = 0;
    for i in 0..12 {
        let channel = [&channels[0], &channels[1], &late_channel][i % 3].clone();
        let status = within(
            "a call after the GOAWAY",
            gated_call(channel, i, closed_gate.clone()),
        )
        .await
        .expect_err("a call started after the GOAWAY was served");
        assert_eq!(status.code(), Code::Unavailable, "call {i}: {status:?}");
        refused += 1;
    }
    assert_eq!(refused, 12);
    assert_eq!(
        started.load(Ordering::SeqCst),
        IN_FLIGHT,
        "a refused call reached a handler"
    );

    // The calls in flight go on: their messages flow both ways after the GOAWAY.
    open_gate.send(true).unwrap();
    let mut completed = 0;
    for (i, call) in calls.into_iter().enumerate() {
        let received = within("a call in flight at shutdown", call)
            .await
            .unwrap()
            .unwrap_or_else(|status| panic!("call {i} in flight at shutdown failed: {status:?}"));
        assert_eq!(received, gated_answer(i), "call {i}");
        completed += 1;
    }
    assert_eq!(completed, IN_FLIGHT);
    within("the server to return", server.join()).await.unwrap();
}

/// 100 concurrent unary calls on one channel, cloned across tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_unary_calls() {
    let server = TestServer::start(hello_server()).await;
    let channel = connect(&server.target).await;
    let calls: Vec<_> = (0..100)
        .map(|i| {
            let channel = channel.clone();
            tokio::spawn(async move { (i, say_hello(&channel, &format!("#{i}")).await) })
        })
        .collect();
    for call in calls {
        let (i, result) = within("a concurrent call", call).await.unwrap();
        assert_eq!(result.unwrap(), format!("hello #{i}"));
    }
}

/// grpc's negative test `max_streams`: the server allows one stream at a time
/// (SETTINGS_MAX_CONCURRENT_STREAMS = 1); 10 concurrent calls all succeed and the server never
/// runs two at once. With `warm_up`, a first call lets the client learn the server's SETTINGS,
/// and the client queues the rest; without it, the calls race the SETTINGS frame, the server
/// refuses the extra streams with REFUSED_STREAM, and the client sends them again
/// (transparently: nothing was processed).
async fn max_streams(warm_up: bool) {
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (r, m) = (running.clone(), most.clone());
    let server = Server::new()
        .unary("/test.Life/Hello", move |req: Request<HelloRequest>| {
            let (running, most) = (r.clone(), m.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(Response::new(reply(&format!(
                    "hello {}",
                    req.get_ref().name
                ))))
            }
        })
        .http2_settings(Http2Settings {
            max_concurrent_streams: 1,
            ..Http2Settings::default()
        });
    let server = TestServer::start(server).await;
    let channel = connect(&server.target).await;
    if warm_up {
        assert_eq!(say_hello(&channel, "first").await.unwrap(), "hello first");
    }
    let calls: Vec<_> = (0..10)
        .map(|i| {
            let channel = channel.clone();
            tokio::spawn(async move { (i, say_hello(&channel, &format!("#{i}")).await) })
        })
        .collect();
    for call in calls {
        let (i, result) = within("a queued call", call).await.unwrap();
        assert_eq!(result.unwrap(), format!("hello #{i}"));
    }
    assert_eq!(most.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn max_streams_after_a_first_call() {
    max_streams(true).await;
}

#[tokio::test]
async fn max_streams_from_the_start() {
    max_streams(false).await;
}

/// The server goes away and comes back on the same port: a call during the outage fails
/// UNAVAILABLE; once the channel is ready again (after the reconnect backoff), calls succeed.
#[tokio::test]
async fn reconnect_after_the_server_restarts() {
    let server = TestServer::start(hello_server()).await;
    let addr = server.addr;
    let channel = connect(&server.target).await;
    assert_eq!(say_hello(&channel, "before").await.unwrap(), "hello before");

    server.stop().await;
    let status = say_hello(&channel, "during").await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    let status = say_hello(&channel, "during again").await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");

    let _server = TestServer::start_on(hello_server(), addr).await;
    within("the channel to be ready", channel.ready(HANG))
        .await
        .unwrap();
    assert_eq!(say_hello(&channel, "after").await.unwrap(), "hello after");
}
