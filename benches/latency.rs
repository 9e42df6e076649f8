//! Latency at one call in flight, measured fairly on a machine whose speed drifts: one client
//! calls several servers **in turn, one call each**, so that every server sees the same moments.
//!
//! ```text
//! cargo bench --bench latency --no-run
//! target/release/deps/latency-* --target h2grpc=127.0.0.1:50051 --target tonic=127.0.0.1:50052 \
//!     [--duration 10] [--warm-up 1]
//! python3 benches/load.py --compare --scenario latency   # starts the servers, runs this
//! ```
//!
//! # Why not h2load, one server after another
//!
//! On a virtual machine a sleeping core can take a millisecond to wake, or a tenth of that,
//! and the machine switches between the two for seconds or minutes at a time. One call in flight
//! means every call waits for two wake-ups (the server's, then the client's), so that phase, not
//! the server, decides a latency measured over a few seconds: on this project's 2-core VM, the
//! same server measured 120 µs at the median in one run and 1,360 µs in the next. Runs of
//! different servers one after the other compare phases. Alternating call by call, every server
//! gets its share of each phase, and what differs between them is theirs.
//!
//! # What it does
//!
//! One connection per target, made with the `h2` crate directly (the same client code for every
//! server, so the client's cost is the same for all), on one current-thread runtime. Each round
//! calls every target once, `hello.Greeter/SayHello { name: "world" }`, the order rotating from
//! round to round; a call's time runs from sending the request headers to the response's
//! trailers, which must hold `grpc-status: 0` (anything else is a failed call, counted and not
//! timed). After `--warm-up` seconds of the same, it records `--duration` seconds and prints,
//! for each target, one line:
//!
//! ```text
//! latency h2grpc: 9876 calls, mean 131.2 us, p50 118 us, p90 160 us, p99 1402 us, max 10934 us, 0 failed
//! ```

#![forbid(unsafe_code)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Request};

/// `HelloRequest { name: "world" }` as a Length-Prefixed-Message.
const HELLO: &[u8] = b"\x00\x00\x00\x00\x07\x0a\x05world";

/// The command line.
struct Args {
    targets: Vec<(String, String)>,
    duration: Duration,
    warm_up: Duration,
}

impl Args {
    /// The flags, or `None` without `--target` (`cargo bench` and `cargo test` run every bench
    /// target without arguments: nothing to do then).
    fn parse() -> Result<Option<Self>, String> {
        let args: Vec<String> = std::env::args().collect();
        let mut targets = Vec::new();
        let (mut duration, mut warm_up) = (10.0, 1.0);
        let mut i = 1;
        while i < args.len() {
            let value = args.get(i + 1);
            match (args[i].as_str(), value) {
                ("--target", Some(value)) => {
                    let (name, addr) = value
                        .split_once('=')
                        .ok_or(format!("--target NAME=HOST:PORT, not {value}"))?;
                    targets.push((name.to_owned(), addr.to_owned()));
                }
                ("--duration", Some(value)) => duration = seconds("--duration", value)?,
                ("--warm-up", Some(value)) => warm_up = seconds("--warm-up", value)?,
                // criterion's and libtest's own flags (`--bench`), when cargo runs every target.
                _ => {
                    i += 1;
                    continue;
                }
            }
            i += 2;
        }
        if targets.is_empty() {
            return Ok(None);
        }
        Ok(Some(Self {
            targets,
            duration: Duration::from_secs_f64(duration),
            warm_up: Duration::from_secs_f64(warm_up),
        }))
    }
}

fn seconds(name: &str, value: &str) -> Result<f64, String> {
    value
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .ok_or(format!("{name}: a number of seconds, not {value}"))
}

/// One connection to one server.
struct Target {
    name: String,
    send: h2::client::SendRequest<Bytes>,
    /// Microseconds of each call in the measured window.
    times: Vec<u64>,
    failed: u64,
}

async fn connect(name: String, addr: &str) -> Result<Target, String> {
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("{name}: cannot connect to {addr}: {e}"))?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    let (send, connection) = h2::client::handshake(tcp)
        .await
        .map_err(|e| format!("{name}: HTTP/2 handshake with {addr}: {e}"))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(Target {
        name,
        send,
        times: Vec::new(),
        failed: 0,
    })
}

/// One `SayHello`; `Ok` only if it ends with `grpc-status: 0`.
async fn call(send: &mut h2::client::SendRequest<Bytes>) -> Result<(), String> {
    let request = Request::post("http://localhost/hello.Greeter/SayHello")
        .header("content-type", HeaderValue::from_static("application/grpc"))
        .header("te", HeaderValue::from_static("trailers"))
        .body(())
        .map_err(|e| e.to_string())?;
    let ready = send.clone().ready().await.map_err(|e| e.to_string())?;
    *send = ready;
    let (response, mut body) = send
        .send_request(request, false)
        .map_err(|e| e.to_string())?;
    body.send_data(Bytes::from_static(HELLO), true)
        .map_err(|e| e.to_string())?;
    let response = response.await.map_err(|e| e.to_string())?;
    let mut body = response.into_body();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.map_err(|e| e.to_string())?;
        let _ = body.flow_control().release_capacity(chunk.len());
    }
    let trailers = body.trailers().await.map_err(|e| e.to_string())?;
    match trailers.as_ref().and_then(|t| t.get("grpc-status")) {
        Some(status) if status == "0" => Ok(()),
        other => Err(format!("grpc-status {other:?}")),
    }
}

/// The value at `percent` of sorted `times` (nearest rank).
fn percentile(times: &[u64], percent: usize) -> u64 {
    let last = times.len().saturating_sub(1);
    times.get((last * percent + 50) / 100).copied().unwrap_or(0)
}

fn main() {
    let args = match Args::parse() {
        Ok(Some(args)) => args,
        Ok(None) => {
            eprintln!(
                "latency: pass --target NAME=HOST:PORT (several) [--duration SECS] \
                 [--warm-up SECS] to measure"
            );
            return;
        }
        Err(error) => {
            eprintln!("latency: {error}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let targets = runtime.block_on(async {
        let mut targets = Vec::new();
        for (name, addr) in &args.targets {
            match connect(name.clone(), addr).await {
                Ok(target) => targets.push(target),
                Err(error) => {
                    eprintln!("latency: {error}");
                    std::process::exit(1);
                }
            }
        }
        let start = Instant::now() + args.warm_up;
        let end = start + args.duration;
        let mut round = 0;
        while Instant::now() < end {
            let n = targets.len();
            for k in 0..n {
                let target = &mut targets[(round + k) % n];
                let before = Instant::now();
                let result = call(&mut target.send).await;
                let after = Instant::now();
                if before < start {
                    continue;
                }
                match result {
                    Ok(()) => target
                        .times
                        .push(u64::try_from((after - before).as_micros()).unwrap_or(u64::MAX)),
                    Err(_) => target.failed += 1,
                }
            }
            round += 1;
        }
        targets
    });
    for mut target in targets {
        target.times.sort_unstable();
        let times = &target.times;
        let count = times.len().max(1);
        let mean = times.iter().sum::<u64>() as f64 / count as f64;
        println!(
            "latency {}: {} calls, mean {mean:.1} us, p50 {} us, p90 {} us, p99 {} us, max {} us, {} failed",
            target.name,
            times.len(),
            percentile(times, 50),
            percentile(times, 90),
            percentile(times, 99),
            times.last().copied().unwrap_or(0),
            target.failed
        );
    }
}
