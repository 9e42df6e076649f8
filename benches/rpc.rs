//! RPC benchmarks over loopback TCP: h2grpc's server and client against tonic's server and
//! client, the same service on both, in the same criterion group per scenario.
//!
//! ```text
//! cargo bench --bench rpc && python3 benches/report.py rpc
//! cargo bench --bench rpc -- rpc_unary_latency      # one group
//! ```
//!
//! | group | what one iteration is | throughput |
//! |---|---|---|
//! | `rpc_unary_latency` | one `hello.Greeter/SayHello` round trip, 1 in flight | calls |
//! | `rpc_unary_64_in_flight` | one `SayHello`, with 64 calls kept in flight on one connection | calls |
//! | `rpc_server_streaming_10k` | one `grpc.testing.TestService/StreamingOutputCall` of 10,000 responses of 16-byte payloads | messages |
//! | `rpc_client_streaming_10k` | one `StreamingInputCall` of 10,000 requests of 16-byte payloads | messages |
//! | `rpc_unary_1mib` | one `UnaryCall` with a 1 MiB request payload and `response_size` 1 MiB | payload bytes, both ways (2 MiB) |
//!
//! # Fairness
//!
//! - Same work on both sides. h2grpc serves `hello.Greeter` with its own
//!   `services::hello::register`; tonic with `tonic_peer::LeanGreeter`, which does exactly the
//!   same (one `format!`). `TestService` is served on both sides by lean handlers (below, and
//!   `tonic_peer::LeanTestService`): zero-filled payloads in a fresh buffer per message, a sum
//!   of sizes; no echoed metadata, status or compression. tonic's `grpc.testing` messages use
//!   `bytes::Bytes` for `bytes` fields (tonic-peer's build.rs), as h2grpc's do, so cloning the
//!   1 MiB request costs a reference count on both sides. tonic's response streams are iterator
//!   streams (no channel, no task): its cheapest shape.
//! - The same HTTP/2 receive windows on both sides, `TCP_NODELAY` on both: the servers 1 MiB per
//!   stream, the clients 2 MiB (hyper's defaults, which tonic uses), and 5 MiB per connection
//!   everywhere (hyper's client default; h2grpc's default is 2 MiB, hyper's server's 1 MiB).
//!   Why one setting for both: `h2` (0.4.20) charges every small non-final DATA frame a
//!   receiver has not yet read 256 bytes minus its length against a budget of half the
//!   connection window, and answers an exhausted budget with GOAWAY `ENHANCE_YOUR_CALM`
//!   ("too_many_data_frames"). When this bench was written h2grpc sent each message in a DATA
//!   frame of its own and its 10,000-message streams failed at 2 MiB windows; it now coalesces
//!   queued messages (`rpc/outbox.rs`, tested at default settings in
//!   `wire-tests/end_to_end/flow_control.rs`), but the windows stay equal so that neither side
//!   gets more buffering than the other.
//! - Threads: each server runs on a current-thread tokio runtime on a thread of its own; the
//!   clients run on a third, the bench's main thread, also a current-thread runtime. Only one
//!   server is busy at a time, so on two cores client and server each have one. Each client
//!   holds one connection (h2grpc `Channel`, tonic `Channel`), shared by all its calls.
//! - Requests are built once and cloned per call where the API takes ownership (tonic's
//!   stream of 10,000 requests clones each item; h2grpc's `send` borrows it).
//!
//! # Latency, call by call
//!
//! `H2GRPC_ALTERNATE=1 target/release/deps/rpc-<hash>` (after `cargo bench --bench rpc
//! --no-run`) skips criterion and measures `SayHello` at one call in flight the way
//! `benches/codec.rs` measures the codecs on a VM whose speed drifts: an h2grpc call, then a
//! tonic call (the order swapped every round), for `H2GRPC_SECONDS` seconds (default 10) after
//! one second of the same. Both servers' threads are pinned to CPU 0 and the clients' to CPU 1
//! (as `benches/load.py` pins its processes), so that every call crosses between the two. Each
//! call is timed on its own, so it prints the mean, p50, p90, p99 and max per stack and the
//! ratios of the means and of the p99s: criterion's mean of a batch gives no percentiles, and
//! two batches run one after the other meet different moments of the machine.
//!
//! `cargo test --all-targets` (criterion's test mode) runs each benchmark once: it starts the
//! two servers and checks each call's answer, with no timing; then the call-by-call mode for
//! 0.2 s, unpinned.

#![forbid(unsafe_code)]

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput, measurement::WallTime};
use h2grpc::client::{Channel, ChannelConfig};
use h2grpc::rpc::{Request, Response, Sender, Streaming};
use h2grpc::server::Server;
use h2grpc::services::hello::{self, GreeterClient, HelloRequest};
use h2grpc::services::interop::{
    Payload, ResponseParameters, STREAMING_INPUT_CALL, STREAMING_OUTPUT_CALL, SimpleRequest,
    SimpleResponse, StreamingInputCallRequest, StreamingInputCallResponse,
    StreamingOutputCallRequest, StreamingOutputCallResponse, TestServiceClient, UNARY_CALL,
};
use h2grpc::transport::settings::Http2Settings;
use tokio::runtime::Runtime;
use tokio::task::{JoinSet, LocalSet};
use tonic_peer::clients::{
    HelloClient as TonicGreeterClient, TestServiceClient as TonicTestClient,
};
use tonic_peer::pb::grpc::testing as tt;
use tonic_peer::pb::hello as th;

/// Calls kept in flight on one connection in `rpc_unary_64_in_flight`.
const IN_FLIGHT: u64 = 64;
/// Messages per streaming call.
const STREAM_MESSAGES: usize = 10_000;
/// Payload size of each streamed message, in bytes.
const SMALL: i32 = 16;
/// Payload size of the large unary request and of its response: 1 MiB.
const LARGE: i32 = 1024 * 1024;
/// Both servers' receive window per stream: 1 MiB (h2grpc's and hyper's server default).
const SERVER_STREAM_WINDOW: u32 = 1024 * 1024;
/// Both clients' receive window per stream: 2 MiB (hyper's client default).
const CLIENT_STREAM_WINDOW: u32 = 2 * 1024 * 1024;
/// Every receive window per connection: 5 MiB (hyper's client default; see the module docs).
const CONNECTION_WINDOW: u32 = 5 * 1024 * 1024;

/// h2grpc's HTTP/2 settings with these receive windows.
fn h2grpc_windows(stream_window: u32) -> Http2Settings {
    Http2Settings {
        stream_window,
        connection_window: CONNECTION_WINDOW,
        ..Http2Settings::default()
    }
}

// ===== Servers =====

/// Whether this run measures latency call by call (`H2GRPC_ALTERNATE`), where threads are
/// pinned: both servers to CPU 0, the clients to CPU 1, as `benches/load.py` pins processes.
fn alternating() -> bool {
    std::env::var_os("H2GRPC_ALTERNATE").is_some()
}

/// Pins the calling thread to the `index`th CPU, if the machine has more than one (with one,
/// everything shares it anyway).
fn pin(index: usize) {
    let cores = core_affinity::get_core_ids().unwrap_or_default();
    if let (true, Some(core)) = (cores.len() > 1, cores.get(index)) {
        assert!(
            core_affinity::set_for_current(*core),
            "pin a thread to CPU {index}"
        );
    }
}

/// Runs `serve` on a current-thread runtime on a thread of its own, with a listener bound to a
/// loopback port; returns the port's address. The thread lives as long as the process.
fn spawn_server<F, Fut>(name: &str, serve: F) -> SocketAddr
where
    F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.set_nonblocking(true).expect("non-blocking");
    let addr = listener.local_addr().expect("bound");
    std::thread::Builder::new()
        .name(format!("{name} server"))
        .spawn(move || {
            if alternating() {
                pin(0);
            }
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("a listener");
                serve(listener).await;
            });
        })
        .expect("a server thread");
    addr
}

/// The lean `grpc.testing.TestService` of the benchmarks, on h2grpc: payloads of zeros, a sum
/// of sizes (what `tonic_peer::LeanTestService` does).
fn h2grpc_test_service(server: Server) -> Server {
    server
        .unary(UNARY_CALL, |request: Request<SimpleRequest>| async move {
            let payload = Payload::zeros(request.get_ref().response_size);
            Ok(Response::new(SimpleResponse {
                payload: Some(payload),
                ..SimpleResponse::default()
            }))
        })
        .server_streaming(
            STREAMING_OUTPUT_CALL,
            |request: Request<StreamingOutputCallRequest>,
             mut responses: Sender<StreamingOutputCallResponse>| async move {
                for parameters in &request.get_ref().response_parameters {
                    let response = StreamingOutputCallResponse {
                        payload: Some(Payload::zeros(parameters.size)),
                    };
                    responses.send(&response).await?;
                }
                Ok(())
            },
        )
        .client_streaming(
            STREAMING_INPUT_CALL,
            |request: Request<Streaming<StreamingInputCallRequest>>| async move {
                let mut requests = request.into_inner();
                let mut total: i32 = 0;
                while let Some(message) = requests.message().await? {
                    let size = message.payload.map_or(0, |payload| payload.body.len());
                    total = i32::try_from(size)
                        .ok()
                        .and_then(|size| total.checked_add(size))
                        .ok_or_else(|| {
                            h2grpc::status::Status::invalid_argument(
                                "aggregated size overflows int32",
                            )
                        })?;
                }
                Ok(Response::new(StreamingInputCallResponse {
                    aggregated_payload_size: total,
                }))
            },
        )
}

fn start_h2grpc_server() -> SocketAddr {
    spawn_server("h2grpc", |listener| async move {
        let server = h2grpc_test_service(hello::register(Server::new()))
            .http2_settings(h2grpc_windows(SERVER_STREAM_WINDOW));
        server
            .serve_with_shutdown(listener, std::future::pending())
            .await
            .expect("h2grpc serves");
    })
}

fn start_tonic_server() -> SocketAddr {
    use tonic_peer::pb::grpc::testing::test_service_server::TestServiceServer;
    use tonic_peer::pb::hello::greeter_server::GreeterServer;
    use tonic_peer::tonic::transport::server::TcpIncoming;
    spawn_server("tonic", |listener| async move {
        tonic_peer::tonic::transport::Server::builder()
            .initial_stream_window_size(SERVER_STREAM_WINDOW)
            .initial_connection_window_size(CONNECTION_WINDOW)
            .add_service(GreeterServer::new(tonic_peer::LeanGreeter))
            .add_service(TestServiceServer::new(tonic_peer::LeanTestService))
            // What tonic's own `serve(addr)` sets; a bare `TcpIncoming::from` would not.
            .serve_with_incoming(TcpIncoming::from(listener).with_nodelay(Some(true)))
            .await
            .expect("tonic serves");
    })
}

// ===== Clients =====

/// Both stacks' clients, connected to their own servers.
struct Clients {
    h2grpc_greeter: GreeterClient,
    h2grpc_test: TestServiceClient,
    tonic_greeter: TonicGreeterClient<tonic_peer::tonic::transport::Channel>,
    tonic_test: TonicTestClient<tonic_peer::tonic::transport::Channel>,
}

impl Clients {
    fn connect(runtime: &Runtime) -> Self {
        let h2grpc_addr = start_h2grpc_server();
        let tonic_addr = start_tonic_server();
        runtime.block_on(async {
            let config = ChannelConfig {
                http2: h2grpc_windows(CLIENT_STREAM_WINDOW),
                ..ChannelConfig::default()
            };
            let channel = Channel::connect_with(&format!("http://{h2grpc_addr}"), config)
                .await
                .expect("h2grpc connects");
            let tonic_channel =
                tonic_peer::tonic::transport::Endpoint::from_shared(format!("http://{tonic_addr}"))
                    .expect("a valid URL")
                    .tcp_nodelay(true)
                    .initial_stream_window_size(CLIENT_STREAM_WINDOW)
                    .initial_connection_window_size(CONNECTION_WINDOW)
                    .connect()
                    .await
                    .expect("tonic connects");
            Self {
                h2grpc_greeter: GreeterClient::new(channel.clone()),
                h2grpc_test: TestServiceClient::new(channel),
                tonic_greeter: TonicGreeterClient::new(tonic_channel.clone()),
                tonic_test: TonicTestClient::new(tonic_channel),
            }
        })
    }
}

/// Makes `iters` calls of `call` on the client runtime, `tasks` of them in flight at a time
/// (each task calls in a loop with its own clone of `client`); returns the time they took.
fn run<C, F>(runtime: &Runtime, client: &C, iters: u64, tasks: u64, call: F) -> Duration
where
    C: Clone + 'static,
    F: AsyncFn(&mut C) + Clone + 'static,
{
    let tasks = tasks.clamp(1, iters.max(1));
    LocalSet::new().block_on(runtime, async {
        let start = Instant::now();
        let mut set = JoinSet::new();
        for task in 0..tasks {
            let calls = iters / tasks + u64::from(task < iters % tasks);
            let mut client = client.clone();
            let call = call.clone();
            set.spawn_local(async move {
                for _ in 0..calls {
                    call(&mut client).await;
                }
            });
        }
        while let Some(joined) = set.join_next().await {
            joined.expect("a call task panicked");
        }
        start.elapsed()
    })
}

// ===== Scenarios =====

type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// One `SayHello { name: "world" }` on h2grpc's client, its reply checked.
async fn h2grpc_say_hello(client: &mut GreeterClient) -> Response<hello::HelloReply> {
    let request = Request::new(HelloRequest {
        name: "world".into(),
    });
    let reply = client.say_hello(request).await.expect("SayHello");
    assert_eq!(&*reply.get_ref().message, "Hello, world!");
    reply
}

/// The same call on tonic's client.
async fn tonic_say_hello(
    client: &mut TonicGreeterClient<tonic_peer::tonic::transport::Channel>,
) -> tonic_peer::tonic::Response<th::HelloReply> {
    let request = th::HelloRequest {
        name: "world".into(),
    };
    let reply = client.say_hello(request).await.expect("SayHello");
    assert_eq!(reply.get_ref().message, "Hello, world!");
    reply
}

/// (a) and (b): `SayHello` with `tasks` calls in flight.
fn unary_hello(group: &mut Group<'_>, runtime: &Runtime, clients: &Clients, tasks: u64) {
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("say_hello", "h2grpc"), |b| {
        b.iter_custom(|iters| {
            run(
                runtime,
                &clients.h2grpc_greeter,
                iters,
                tasks,
                async |client: &mut GreeterClient| {
                    black_box(h2grpc_say_hello(client).await);
                },
            )
        });
    });
    group.bench_function(BenchmarkId::new("say_hello", "tonic"), |b| {
        b.iter_custom(|iters| {
            run(
                runtime,
                &clients.tonic_greeter,
                iters,
                tasks,
                async |client: &mut TonicGreeterClient<_>| {
                    black_box(tonic_say_hello(client).await);
                },
            )
        });
    });
}

/// (c): one `StreamingOutputCall` of [`STREAM_MESSAGES`] small responses.
fn server_streaming(group: &mut Group<'_>, runtime: &Runtime, clients: &Clients) {
    let count = u64::try_from(STREAM_MESSAGES).expect("fits");
    group.throughput(Throughput::Elements(count));
    let request = StreamingOutputCallRequest {
        response_parameters: vec![ResponseParameters::size(SMALL); STREAM_MESSAGES],
        ..StreamingOutputCallRequest::default()
    };
    group.bench_function(BenchmarkId::new("streaming_output_call", "h2grpc"), |b| {
        b.iter_custom(|iters| {
            let request = request.clone();
            run(
                runtime,
                &clients.h2grpc_test,
                iters,
                1,
                async move |client: &mut TestServiceClient| {
                    let mut responses = client
                        .streaming_output_call(Request::new(request.clone()))
                        .await
                        .expect("StreamingOutputCall");
                    let mut received = 0;
                    while let Some(response) = responses.message().await.expect("a response") {
                        received += 1;
                        black_box(response);
                    }
                    assert_eq!(received, STREAM_MESSAGES);
                },
            )
        });
    });
    let tonic_request = tt::StreamingOutputCallRequest {
        response_parameters: vec![
            tt::ResponseParameters {
                size: SMALL,
                ..tt::ResponseParameters::default()
            };
            STREAM_MESSAGES
        ],
        ..tt::StreamingOutputCallRequest::default()
    };
    group.bench_function(BenchmarkId::new("streaming_output_call", "tonic"), |b| {
        b.iter_custom(|iters| {
            let request = tonic_request.clone();
            run(
                runtime,
                &clients.tonic_test,
                iters,
                1,
                async move |client: &mut TonicTestClient<_>| {
                    let mut responses = client
                        .streaming_output_call(request.clone())
                        .await
                        .expect("StreamingOutputCall")
                        .into_inner();
                    let mut received = 0;
                    while let Some(response) = responses.message().await.expect("a response") {
                        received += 1;
                        black_box(response);
                    }
                    assert_eq!(received, STREAM_MESSAGES);
                },
            )
        });
    });
}

/// (d): one `StreamingInputCall` of [`STREAM_MESSAGES`] small requests.
fn client_streaming(group: &mut Group<'_>, runtime: &Runtime, clients: &Clients) {
    let count = u64::try_from(STREAM_MESSAGES).expect("fits");
    group.throughput(Throughput::Elements(count));
    let expected = SMALL * i32::try_from(STREAM_MESSAGES).expect("fits");
    let message = StreamingInputCallRequest {
        payload: Some(Payload::zeros(SMALL)),
        ..StreamingInputCallRequest::default()
    };
    group.bench_function(BenchmarkId::new("streaming_input_call", "h2grpc"), |b| {
        b.iter_custom(|iters| {
            let message = message.clone();
            run(
                runtime,
                &clients.h2grpc_test,
                iters,
                1,
                async move |client: &mut TestServiceClient| {
                    let mut call = client
                        .streaming_input_call(Request::new(()))
                        .await
                        .expect("StreamingInputCall");
                    for _ in 0..STREAM_MESSAGES {
                        call.send(&message).await.expect("a request sent");
                    }
                    let response = call.finish().await.expect("the response");
                    assert_eq!(response.get_ref().aggregated_payload_size, expected);
                },
            )
        });
    });
    let tonic_message = tt::StreamingInputCallRequest {
        payload: Some(tt::Payload {
            r#type: 0,
            body: vec![0; 16].into(),
        }),
        ..tt::StreamingInputCallRequest::default()
    };
    group.bench_function(BenchmarkId::new("streaming_input_call", "tonic"), |b| {
        b.iter_custom(|iters| {
            let message = tonic_message.clone();
            run(
                runtime,
                &clients.tonic_test,
                iters,
                1,
                async move |client: &mut TonicTestClient<_>| {
                    let requests = tonic_peer::tokio_stream::iter(std::iter::repeat_n(
                        message.clone(),
                        STREAM_MESSAGES,
                    ));
                    let response = client
                        .streaming_input_call(requests)
                        .await
                        .expect("StreamingInputCall");
                    assert_eq!(response.get_ref().aggregated_payload_size, expected);
                },
            )
        });
    });
}

/// (e): one `UnaryCall` carrying 1 MiB each way.
fn unary_large(group: &mut Group<'_>, runtime: &Runtime, clients: &Clients) {
    let large = usize::try_from(LARGE).expect("fits");
    group.throughput(Throughput::Bytes(2 * u64::try_from(LARGE).expect("fits")));
    let request = SimpleRequest {
        response_size: LARGE,
        payload: Some(Payload::zeros(LARGE)),
        ..SimpleRequest::default()
    };
    group.bench_function(BenchmarkId::new("unary_call", "h2grpc"), |b| {
        b.iter_custom(|iters| {
            let request = request.clone();
            run(
                runtime,
                &clients.h2grpc_test,
                iters,
                1,
                async move |client: &mut TestServiceClient| {
                    let response = client
                        .unary_call(Request::new(request.clone()))
                        .await
                        .expect("UnaryCall");
                    let size = response.get_ref().payload.as_ref().map(|p| p.body.len());
                    assert_eq!(size, Some(large));
                    black_box(response);
                },
            )
        });
    });
    let tonic_request = tt::SimpleRequest {
        response_size: LARGE,
        payload: Some(tt::Payload {
            r#type: 0,
            body: vec![0; large].into(),
        }),
        ..tt::SimpleRequest::default()
    };
    group.bench_function(BenchmarkId::new("unary_call", "tonic"), |b| {
        b.iter_custom(|iters| {
            let request = tonic_request.clone();
            run(
                runtime,
                &clients.tonic_test,
                iters,
                1,
                async move |client: &mut TonicTestClient<_>| {
                    let response = client.unary_call(request.clone()).await.expect("UnaryCall");
                    let size = response.get_ref().payload.as_ref().map(|p| p.body.len());
                    assert_eq!(size, Some(large));
                    black_box(response);
                },
            )
        });
    });
}

/// The latencies of `SayHello` calls, one in flight, h2grpc's and tonic's alternating (the
/// module docs' "Latency, call by call").
fn alternate(runtime: &Runtime, clients: &Clients, seconds: f64) {
    let h2grpc_call = async |client: &mut GreeterClient| {
        let start = Instant::now();
        black_box(h2grpc_say_hello(client).await);
        start.elapsed()
    };
    let tonic_call = async |client: &mut TonicGreeterClient<_>| {
        let start = Instant::now();
        black_box(tonic_say_hello(client).await);
        start.elapsed()
    };
    let (mut ours, mut theirs) = (
        clients.h2grpc_greeter.clone(),
        clients.tonic_greeter.clone(),
    );
    let (mut ours_times, mut theirs_times) = (Vec::new(), Vec::new());
    runtime.block_on(async {
        for (phase, length) in [(0, seconds.min(1.0)), (1, seconds)] {
            let end = Instant::now() + Duration::from_secs_f64(length);
            let mut h2grpc_first = true;
            while Instant::now() < end {
                let (a, b) = if h2grpc_first {
                    let a = h2grpc_call(&mut ours).await;
                    (a, tonic_call(&mut theirs).await)
                } else {
                    let b = tonic_call(&mut theirs).await;
                    (h2grpc_call(&mut ours).await, b)
                };
                if phase == 1 {
                    ours_times.push(a);
                    theirs_times.push(b);
                }
                h2grpc_first = !h2grpc_first;
            }
        }
    });
    let ours = Latencies::of(ours_times);
    let theirs = Latencies::of(theirs_times);
    println!("rpc, SayHello at one call in flight, h2grpc and tonic alternating for {seconds} s");
    println!("{}", ours.line("h2grpc"));
    println!("{}", theirs.line("tonic"));
    println!(
        "h2grpc / tonic: mean {:.2}x, p50 {:.2}x, p99 {:.2}x (below 1: h2grpc is faster)",
        ours.mean / theirs.mean,
        ours.p50 / theirs.p50,
        ours.p99 / theirs.p99
    );
}

/// A sample of call latencies, in microseconds.
struct Latencies {
    calls: usize,
    mean: f64,
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
}

impl Latencies {
    fn of(times: Vec<Duration>) -> Self {
        assert!(!times.is_empty(), "no call was timed");
        let mut us: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1e6).collect();
        us.sort_by(f64::total_cmp);
        // Nearest rank, the fraction in thousandths.
        let at =
            |per_mille: usize| us[(us.len() * per_mille).div_ceil(1000).clamp(1, us.len()) - 1];
        Self {
            calls: us.len(),
            mean: us.iter().sum::<f64>() / us.len() as f64,
            p50: at(500),
            p90: at(900),
            p99: at(990),
            max: at(1000),
        }
    }

    fn line(&self, name: &str) -> String {
        format!(
            "{name:>7}: {} calls, mean {:.1} us, p50 {:.1} us, p90 {:.1} us, p99 {:.1} us, max {:.1} us",
            self.calls, self.mean, self.p50, self.p90, self.p99, self.max
        )
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the client runtime");
    if alternating() {
        pin(1);
    }
    let clients = Clients::connect(&runtime);
    if alternating() {
        let seconds = std::env::var("H2GRPC_SECONDS").map_or(10.0, |value| {
            value
                .parse::<f64>()
                .ok()
                .filter(|s| *s > 0.0 && *s <= 3600.0)
                .unwrap_or_else(|| panic!("H2GRPC_SECONDS={value}: seconds, above 0, at most 3600"))
        });
        alternate(&runtime, &clients, seconds);
        return;
    }
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();

    let mut group = criterion.benchmark_group("rpc_unary_latency");
    group.sample_size(50);
    unary_hello(&mut group, &runtime, &clients, 1);
    group.finish();

    let mut group = criterion.benchmark_group("rpc_unary_64_in_flight");
    group.sample_size(50);
    unary_hello(&mut group, &runtime, &clients, IN_FLIGHT);
    group.finish();

    let mut group = criterion.benchmark_group("rpc_server_streaming_10k");
    group.sample_size(20);
    server_streaming(&mut group, &runtime, &clients);
    group.finish();

    let mut group = criterion.benchmark_group("rpc_client_streaming_10k");
    group.sample_size(20);
    client_streaming(&mut group, &runtime, &clients);
    group.finish();

    let mut group = criterion.benchmark_group("rpc_unary_1mib");
    group.sample_size(20);
    unary_large(&mut group, &runtime, &clients);
    group.finish();

    criterion.final_summary();

    // Under `cargo test` (criterion's test mode: no `--bench`), the call-by-call mode runs
    // briefly too, so that it keeps working (every reply is checked).
    if !std::env::args().any(|arg| arg == "--bench") {
        alternate(&runtime, &clients, 0.2);
    }
}
