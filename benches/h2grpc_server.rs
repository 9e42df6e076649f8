//! h2grpc serving `grpc.testing.TestService` next to `hello.Greeter`, in the runtime shape of
//! `h2grpc serve`, for the out-of-process streaming comparison (`benches/load.py --scenario
//! stream1k`): `h2grpc serve` does not register the interop service, and
//! `h2grpc interop-server` runs on a multi-thread runtime without workers.
//!
//! ```text
//! cargo bench --bench h2grpc_server -- --addr 127.0.0.1:50063 [--threads N]
//! ```
//!
//! The accept loop runs on a current-thread runtime and hands each connection to one of
//! `--threads` workers (default: one per CPU the process may use, as `h2grpc serve`), each a
//! current-thread runtime. The services are h2grpc's own: `services::hello::register` and
//! `services::interop::register`, the full interop `TestService` (its per-call extras, echoed
//! metadata looked up and the compression choice, are a few lookups per call).

#![forbid(unsafe_code)]

use h2grpc::server::Server;
use h2grpc::services::{hello, interop};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let Some(addr) = flag("--addr") else {
        // `cargo bench` and `cargo test --benches` run every bench target: nothing to measure.
        eprintln!("h2grpc_server: pass --addr HOST:PORT [--threads N] to serve");
        return;
    };
    let threads = flag("--threads")
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .expect("bind the address");
        println!("listening on {}", listener.local_addr().expect("bound"));
        let server = interop::register(hello::register(Server::new())).worker_threads(threads);
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        server
            .serve_with_shutdown(listener, stop)
            .await
            .expect("h2grpc serves");
    });
}
