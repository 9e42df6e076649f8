//! Connections that outstay their welcome, spoken to in raw frames: one that never answers a
//! keepalive PING, one that sits idle, one that lives too long with a call in flight, more
//! connections than the server takes, one that resets every call it starts, and a PING flood
//! ([`h2grpc::transport::lifetime`], `Server::max_connections`).

use std::time::Duration;

use h2grpc::rpc::{Request, Response};
use h2grpc::server::Server;
use h2grpc::services::hello::{HelloReply, HelloRequest};
use h2grpc::transport::settings::{Http2Settings, LifetimeLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::support::net::{TestServer, within};

const PING: u8 = 6;
const GOAWAY: u8 = 7;

fn server(lifetime: LifetimeLimits) -> Server {
    Server::new()
        .unary("/test.Peer/Slow", |_: Request<HelloRequest>| async move {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(Response::new(HelloReply::default()))
        })
        .http2_settings(Http2Settings {
            lifetime,
            ..Http2Settings::default()
        })
}

fn off() -> LifetimeLimits {
    LifetimeLimits {
        keepalive_time: None,
        keepalive_timeout: Duration::from_secs(20),
        max_connection_idle: None,
        max_connection_age: None,
        max_connection_age_grace: Duration::from_secs(30),
    }
}

/// A client that speaks HTTP/2 frame by frame.
struct Raw(TcpStream);

impl Raw {
    /// Connects and sends the preface and an empty SETTINGS.
    async fn connect(server: &TestServer) -> Self {
        let mut tcp = TcpStream::connect(server.addr).await.unwrap();
        tcp.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
            .await
            .unwrap();
        Self(tcp)
    }

    async fn write(&mut self, kind: u8, flags: u8, stream_id: u32, payload: &[u8]) {
        assert!(
            self.try_write(kind, flags, stream_id, payload).await,
            "the server closed"
        );
    }

    /// Writes a frame; `false` if the server has closed the connection.
    async fn try_write(&mut self, kind: u8, flags: u8, stream_id: u32, payload: &[u8]) -> bool {
        let len = u32::try_from(payload.len()).unwrap().to_be_bytes();
        let mut frame = vec![len[1], len[2], len[3], kind, flags];
        frame.extend_from_slice(&stream_id.to_be_bytes());
        frame.extend_from_slice(payload);
        self.0.write_all(&frame).await.is_ok()
    }

    /// The next frame (type, flags, payload), or `None` once the server closed the connection.
    async fn frame(&mut self) -> Option<(u8, u8, Vec<u8>)> {
        let mut head = [0u8; 9];
        self.0.read_exact(&mut head).await.ok()?;
        let len = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
        let mut payload = vec![0; len];
        self.0.read_exact(&mut payload).await.ok()?;
        Some((head[3], head[4], payload))
    }

    /// Reads frames until one of type `kind` comes (others are passed over); its flags, payload and
    /// arrival time.
    async fn until(&mut self, kind: u8) -> Option<(u8, Vec<u8>, Instant)> {
        loop {
            let (k, flags, payload) = self.frame().await?;
            if k == kind {
                return Some((flags, payload, Instant::now()));
            }
        }
    }

    /// Reads until the server closes the connection; the time it did.
    async fn until_closed(&mut self) -> Instant {
        while self.frame().await.is_some() {}
        Instant::now()
    }
}

#[tokio::test]
async fn an_unanswered_keepalive_ping_closes_the_connection() {
    let lifetime = LifetimeLimits {
        keepalive_time: Some(Duration::from_millis(200)),
        keepalive_timeout: Duration::from_millis(300),
        ..off()
    };
    let server = TestServer::start(server(lifetime)).await;
    let started = Instant::now();
    let mut silent = Raw::connect(&server).await;
    let (flags, _, pinged) = within("a keepalive PING", silent.until(PING))
        .await
        .unwrap();
    assert_eq!(flags & 1, 0, "a PING, not an ACK");
    assert!(pinged - started >= Duration::from_millis(200));
    let closed = within("the close", silent.until_closed()).await;
    assert!(
        closed - pinged >= Duration::from_millis(300),
        "{:?}",
        closed - pinged
    );

    // A client that answers stays connected, PINGed again and again.
    let mut polite = Raw::connect(&server).await;
    for _ in 0..3 {
        let (_, opaque, _) = within("a keepalive PING", polite.until(PING))
            .await
            .unwrap();
        polite.write(PING, 1, 0, &opaque).await;
    }
}

#[tokio::test]
async fn an_idle_connection_gets_goaway() {
    let lifetime = LifetimeLimits {
        max_connection_idle: Some(Duration::from_millis(300)),
        max_connection_age_grace: Duration::from_millis(300),
        ..off()
    };
    let server = TestServer::start(server(lifetime)).await;
    let started = Instant::now();
    let mut idle = Raw::connect(&server).await;
    let (_, payload, at) = within("GOAWAY", idle.until(GOAWAY)).await.unwrap();
    assert!(at - started >= Duration::from_millis(300));
    // NO_ERROR: going away politely, not a protocol error.
    assert_eq!(payload[4..8], [0, 0, 0, 0], "{payload:?}");
    // This client never answers the PING that ends h2's GOAWAY exchange: the grace closes it.
    let closed = within("the close", idle.until_closed()).await;
    assert!(
        closed - at >= Duration::from_millis(250),
        "{:?}",
        closed - at
    );
}

#[tokio::test]
async fn an_old_connection_gets_goaway_then_is_closed_after_the_grace() {
    let lifetime = LifetimeLimits {
        max_connection_age: Some(Duration::from_millis(300)),
        max_connection_age_grace: Duration::from_millis(400),
        ..off()
    };
    let server = TestServer::start(server(lifetime)).await;
    let channel = h2grpc::client::Channel::connect(&server.target)
        .await
        .unwrap();
    let started = Instant::now();
    // A call that would take 30 s: it holds the connection past its age.
    let slow = channel.unary::<HelloRequest, HelloReply>(
        "/test.Peer/Slow",
        Request::new(HelloRequest::default()),
    );
    let status = within("the call cut by the grace period", slow)
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    // Age 300 ms ± 10%, then 400 ms of grace.
    assert!(
        elapsed >= Duration::from_millis(670),
        "{elapsed:?}: {status:?}"
    );
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[tokio::test]
async fn connections_above_the_cap_are_closed_at_once() {
    let server = TestServer::start(server(off()).max_connections(2)).await;
    let mut first = Raw::connect(&server).await;
    let mut second = Raw::connect(&server).await;
    // Both served: each gets the server's SETTINGS.
    for raw in [&mut first, &mut second] {
        assert_eq!(within("SETTINGS", raw.frame()).await.map(|f| f.0), Some(4));
    }
    let mut third = Raw::connect(&server).await;
    assert_eq!(
        within("the refusal", third.frame()).await,
        None,
        "closed with nothing sent"
    );
    drop(first);
    // Once one is gone, a new one is served (the count drops when the server sees the close).
    let fourth = within("a connection served again", async {
        loop {
            let mut raw = Raw::connect(&server).await;
            if raw.frame().await.is_some_and(|f| f.0 == 4) {
                return raw;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    drop((second, fourth));
}

/// Paced rapid reset: HEADERS, a pause long enough for the handler to start, RST_STREAM, over
/// and over. Past `max_peer_resets` the connection gets GOAWAY ENHANCE_YOUR_CALM, while a
/// well-behaved client on another connection is served throughout.
#[tokio::test]
async fn paced_resets_get_enhance_your_calm() {
    use crate::support::raw_h2::{RawClient, framed_message};

    let server = Server::new()
        .unary("/test.Peer/Slow", |_: Request<HelloRequest>| async move {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(Response::new(HelloReply::default()))
        })
        .unary("/test.Peer/Fast", |_: Request<HelloRequest>| async move {
            Ok(Response::new(HelloReply {
                message: "fast".into(),
            }))
        })
        .http2_settings(Http2Settings {
            max_peer_resets: 10,
            ..Http2Settings::default()
        });
    let server = TestServer::start(server).await;
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let (attacker, connection) = h2::client::handshake(tcp).await.unwrap();
    let connection = tokio::spawn(connection);
    let polite = RawClient::connect(server.addr).await;
    let mut stopped = None;
    for round in 0..40 {
        let request = polite.request("/test.Peer/Slow");
        let started = match attacker.clone().ready().await {
            Ok(mut send) => send.send_request(request, false),
            Err(error) => Err(error),
        };
        let Ok((response, mut stream)) = started else {
            stopped = Some(round);
            break;
        };
        let _ = stream.send_data(framed_message(&HelloRequest::default()), true);
        tokio::time::sleep(Duration::from_millis(3)).await;
        stream.send_reset(h2::Reason::CANCEL);
        drop(response);
        let answer = polite
            .call(
                polite.request("/test.Peer/Fast"),
                framed_message(&HelloRequest::default()),
            )
            .await;
        assert_eq!(
            answer.grpc_status(),
            Some(h2grpc::status::Code::Ok),
            "round {round}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
        if connection.is_finished() {
            stopped = Some(round);
            break;
        }
    }
    let round = stopped.expect("the attacker was never stopped");
    assert!((10..=13).contains(&round), "stopped at round {round}");
    let error = within("the attacker's connection to end", connection)
        .await
        .unwrap()
        .expect_err("ended by GOAWAY");
    assert_eq!(
        error.reason(),
        Some(h2::Reason::ENHANCE_YOUR_CALM),
        "{error}"
    );
}

/// A PING flood: the first PINGs are answered, then, past the strikes gRPC servers allow, the
/// connection gets GOAWAY ENHANCE_YOUR_CALM and is closed; a PING every so often with calls
/// between them is no strike.
#[tokio::test]
async fn a_ping_flood_gets_enhance_your_calm() {
    let server = TestServer::start(server(off())).await;
    let mut flood = Raw::connect(&server).await;
    let mut sent = 0u64;
    while sent < 1000 && flood.try_write(PING, 0, 0, &sent.to_be_bytes()).await {
        sent += 1;
    }
    let mut acks = 0;
    let goaway = within("GOAWAY", async {
        loop {
            match flood.frame().await {
                Some((PING, 1, _)) => acks += 1,
                Some((GOAWAY, _, payload)) => return payload,
                Some(_) => {}
                None => panic!("closed without GOAWAY after {acks} PING ACKs"),
            }
        }
    })
    .await;
    assert_eq!(
        goaway[4..8],
        11u32.to_be_bytes(),
        "ENHANCE_YOUR_CALM: {goaway:?}"
    );
    assert!(acks < 1000, "{acks} PINGs answered");
    within("the close", flood.until_closed()).await;

    // PINGs with a call between each pair: never a strike.
    let channel = h2grpc::client::Channel::connect(&server.target)
        .await
        .unwrap();
    let mut polite = Raw::connect(&server).await;
    for i in 0..5u64 {
        polite.write(PING, 0, 0, &i.to_be_bytes()).await;
        let (_, opaque, _) = within("the PING ACK", polite.until(PING)).await.unwrap();
        assert_eq!(opaque, i.to_be_bytes());
        // HEADERS on stream 2i+1 (an HPACK-indexed `:method: POST` is enough to count as a
        // call's start for the PING policy; the server answers it with an error or a reset).
        polite
            .write(1, 0x5, u32::try_from(2 * i + 1).unwrap(), &[0x83])
            .await;
    }
    drop(channel);
}

/// A client with keepalive on, against a server that never answers a PING (raw frames): after
/// `time` the client PINGs, and when no ACK comes within `timeout` it drops the connection.
#[tokio::test]
async fn client_keepalive_drops_a_silent_server() {
    use h2grpc::client::{Channel, ChannelConfig};
    use h2grpc::transport::settings::ClientKeepalive;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (accepted, mut accepts) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let (mut tcp, _) = listener.accept().await.unwrap();
            let accepted = accepted.clone();
            tokio::spawn(async move {
                let mut preface = [0u8; 24];
                tcp.read_exact(&mut preface).await.unwrap();
                tcp.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await.unwrap(); // SETTINGS
                let mut pings = 0;
                loop {
                    let mut head = [0u8; 9];
                    if tcp.read_exact(&mut head).await.is_err() {
                        let _ = accepted.send(pings);
                        return;
                    }
                    let len = usize::from(head[1]) << 8 | usize::from(head[2]);
                    let mut payload = vec![0; len];
                    tcp.read_exact(&mut payload).await.unwrap();
                    match (head[3], head[4]) {
                        (4, 0) => tcp.write_all(&[0, 0, 0, 4, 1, 0, 0, 0, 0]).await.unwrap(),
                        (PING, 0) => pings += 1,
                        _ => {}
                    }
                }
            });
        }
    });
    let config = ChannelConfig {
        http2: Http2Settings {
            client_keepalive: Some(ClientKeepalive {
                time: Duration::from_millis(200),
                timeout: Duration::from_millis(300),
            }),
            ..Http2Settings::default()
        },
        ..ChannelConfig::default()
    };
    let channel = Channel::connect_with(&format!("http://{addr}"), config)
        .await
        .unwrap();
    let started = Instant::now();
    // The client closes the connection: the server's read ends, after one unanswered PING.
    let pings = within("the client dropping the connection", accepts.recv())
        .await
        .unwrap();
    assert_eq!(pings, 1);
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    drop(channel);
}

/// A slow HTTP/1.1 client (the web front's side of the port) that never finishes its request
/// headers is closed once the header timeout (the server's preface timeout) passes.
#[tokio::test]
async fn a_slow_http1_request_is_closed() {
    let server = Server::new()
        .unary("/test.Peer/Slow", |_: Request<HelloRequest>| async move {
            Ok(Response::new(HelloReply::default()))
        })
        .http2_settings(Http2Settings {
            handshake_timeout: Duration::from_millis(300),
            ..Http2Settings::default()
        })
        .web(h2grpc::schema::Schema::embedded());
    let server = TestServer::start(server).await;
    let started = Instant::now();
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"POST /hello.Greeter/SayHello HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    within(
        "the server closing a slow request",
        slow.read_to_end(&mut rest),
    )
    .await
    .unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}
