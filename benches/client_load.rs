//! A load generator made of a gRPC *client*: h2grpc's or tonic's, driving unary
//! `hello.Greeter/SayHello` against any server, to compare the clients' throughput and CPU.
//!
//! ```text
//! cargo bench --bench client_load --no-run
//! target/release/deps/client_load-* --client h2grpc --addr 127.0.0.1:50051 \
//!     --connections 8 --streams 16 --duration 10 [--warm-up 1]
//! python3 benches/load.py --clients     # both clients against a pinned server, interleaved
//! ```
//!
//! `--connections N` opens N connections (N h2grpc `Channel`s, or N tonic `Channel`s), and on
//! each `--streams M` tasks call `SayHello { name: "world" }` in a loop, so N × M calls are in
//! flight. Everything runs on one current-thread runtime: one core's worth of client. After
//! `--warm-up` seconds it counts the calls that complete in the next `--duration` seconds, and
//! prints one line:
//!
//! ```text
//! client h2grpc: 8 connections x 16 streams, 10.0 s: 123456 calls/s, 7.9 us CPU per call, 0 failed
//! ```
//!
//! The CPU time is this process's utime + stime over the measured window, from
//! `/proc/self/stat`, in clock ticks of 1/100 s (Linux's USER_HZ on every common architecture).
//! A call that fails is counted as failed and not as done.

#![forbid(unsafe_code)]

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tokio::task::{JoinSet, LocalSet};

/// Clock ticks per second of `/proc/<pid>/stat`'s utime and stime (USER_HZ).
const TICKS_PER_SECOND: f64 = 100.0;

/// The command line.
struct Args {
    client: String,
    addr: String,
    connections: usize,
    streams: usize,
    duration: Duration,
    warm_up: Duration,
}

impl Args {
    /// The flags, or `None` without `--addr` (`cargo bench` and `cargo test` run every bench
    /// target without arguments: nothing to do then).
    fn parse() -> Result<Option<Self>, String> {
        let args: Vec<String> = std::env::args().collect();
        let flag = |name: &str| {
            args.iter()
                .position(|a| a == name)
                .and_then(|i| args.get(i + 1))
                .cloned()
        };
        let number = |name: &str, default: f64| -> Result<f64, String> {
            flag(name).map_or(Ok(default), |value| {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .ok_or(format!("{name}: not a number: {value}"))
            })
        };
        let Some(addr) = flag("--addr") else {
            return Ok(None);
        };
        let client = flag("--client").unwrap_or_else(|| "h2grpc".to_owned());
        if client != "h2grpc" && client != "tonic" {
            return Err(format!("--client h2grpc|tonic, not {client}"));
        }
        let count = |name: &str, default: usize| -> Result<usize, String> {
            flag(name).map_or(Ok(default), |value| {
                value
                    .parse::<usize>()
                    .ok()
                    .filter(|v| *v >= 1)
                    .ok_or(format!("{name}: a whole number >= 1, not {value}"))
            })
        };
        Ok(Some(Self {
            client,
            addr,
            connections: count("--connections", 8)?,
            streams: count("--streams", 16)?,
            duration: Duration::from_secs_f64(number("--duration", 10.0)?),
            warm_up: Duration::from_secs_f64(number("--warm-up", 1.0)?),
        }))
    }
}

/// utime + stime of this process so far, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    let after_name = stat.rfind(')').map_or("", |i| &stat[i + 1..]);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the line: 12th and 13th after the name.
    let total = ticks(11) + ticks(12);
    f64::from(u32::try_from(total).unwrap_or(u32::MAX)) / TICKS_PER_SECOND
}

/// What the tasks count: calls done and failed inside the measured window.
#[derive(Default)]
struct Counts {
    done: Cell<u64>,
    failed: Cell<u64>,
}

/// The measured window: calls that complete between `start` and `end` count.
#[derive(Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

impl Window {
    fn record(self, counts: &Counts, ok: bool) {
        let now = Instant::now();
        if now >= self.start && now < self.end {
            let cell = if ok { &counts.done } else { &counts.failed };
            cell.set(cell.get() + 1);
        }
    }
}

async fn h2grpc_load(args: &Args, window: Window, counts: &Rc<Counts>, tasks: &mut JoinSet<()>) {
    use h2grpc::client::Channel;
    use h2grpc::rpc::Request;
    use h2grpc::services::hello::{GreeterClient, HelloRequest};
    for _ in 0..args.connections {
        let channel = Channel::connect(&format!("http://{}", args.addr))
            .await
            .unwrap_or_else(|status| panic!("h2grpc cannot connect to {}: {status}", args.addr));
        let client = GreeterClient::new(channel);
        for _ in 0..args.streams {
            let client = client.clone();
            let counts = Rc::clone(counts);
            tasks.spawn_local(async move {
                while Instant::now() < window.end {
                    let request = Request::new(HelloRequest {
                        name: "world".into(),
                    });
                    let ok = client.say_hello(request).await.is_ok();
                    window.record(&counts, ok);
                }
            });
        }
    }
}

async fn tonic_load(args: &Args, window: Window, counts: &Rc<Counts>, tasks: &mut JoinSet<()>) {
    use tonic_peer::clients::HelloClient;
    use tonic_peer::pb::hello::HelloRequest;
    use tonic_peer::tonic::transport::Endpoint;
    for _ in 0..args.connections {
        let channel = Endpoint::from_shared(format!("http://{}", args.addr))
            .expect("a valid URL")
            .tcp_nodelay(true)
            .connect()
            .await
            .unwrap_or_else(|error| panic!("tonic cannot connect to {}: {error}", args.addr));
        let client = HelloClient::new(channel);
        for _ in 0..args.streams {
            let mut client = client.clone();
            let counts = Rc::clone(counts);
            tasks.spawn_local(async move {
                while Instant::now() < window.end {
                    let request = HelloRequest {
                        name: "world".into(),
                    };
                    let ok = client.say_hello(request).await.is_ok();
                    window.record(&counts, ok);
                }
            });
        }
    }
}

fn main() {
    let args = match Args::parse() {
        Ok(Some(args)) => args,
        Ok(None) => {
            eprintln!(
                "client_load: pass --client h2grpc|tonic --addr HOST:PORT [--connections N] \
                 [--streams M] [--duration SECS] [--warm-up SECS] to drive a server"
            );
            return;
        }
        Err(error) => {
            eprintln!("client_load: {error}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let counts = Rc::new(Counts::default());
    let (cpu, elapsed) = LocalSet::new().block_on(&runtime, async {
        let start = Instant::now() + args.warm_up;
        let window = Window {
            start,
            end: start + args.duration,
        };
        let mut tasks = JoinSet::new();
        if args.client == "h2grpc" {
            h2grpc_load(&args, window, &counts, &mut tasks).await;
        } else {
            tonic_load(&args, window, &counts, &mut tasks).await;
        }
        tokio::time::sleep_until(window.start.into()).await;
        let (cpu_before, measured_from) = (cpu_seconds(), Instant::now());
        tokio::time::sleep_until(window.end.into()).await;
        let (cpu_after, measured_to) = (cpu_seconds(), Instant::now());
        while tasks.join_next().await.is_some() {}
        (cpu_after - cpu_before, measured_to - measured_from)
    });
    let done = counts.done.get();
    let seconds = elapsed.as_secs_f64();
    let rate = f64::from(u32::try_from(done).unwrap_or(u32::MAX)) / seconds;
    let cpu_per_call = cpu * 1e6 / f64::from(u32::try_from(done.max(1)).unwrap_or(u32::MAX));
    println!(
        "client {}: {} connections x {} streams, {seconds:.1} s: {rate:.0} calls/s, \
         {cpu_per_call:.1} us CPU per call, {} failed",
        args.client,
        args.connections,
        args.streams,
        counts.failed.get()
    );
}
