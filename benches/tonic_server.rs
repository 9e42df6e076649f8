//! tonic serving the same services, for out-of-process comparisons.
//!
//! ```text
//! cargo bench --bench tonic_server -- --addr 127.0.0.1:50062 --runtime current
//! ```
//!
//! `--runtime current` runs it on a current-thread runtime (tonic's best configuration on one
//! core); `--runtime multi` on tokio's default multi-thread runtime.
//!
//! It serves `hello.Greeter` with `tonic_peer::LeanGreeter` (exactly the work of h2grpc's
//! `services::hello`, none of the test knobs of `tonic_peer::HelloGreeter`),
//! `helloworld.Greeter`, and `grpc.testing.TestService` with `tonic_peer::LeanTestService`
//! (`UnaryCall`, `StreamingOutputCall`, `StreamingInputCall`: payloads of zeros), with
//! `TCP_NODELAY` on accepted connections as tonic's own `serve(addr)` sets it.

use tonic_peer::pb::grpc::testing::test_service_server::TestServiceServer;
use tonic_peer::pb::hello::greeter_server::GreeterServer as HelloServer;
use tonic_peer::pb::helloworld::greeter_server::GreeterServer as HelloWorldServer;
use tonic_peer::{HelloWorldGreeter, LeanGreeter, LeanTestService};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let Some(addr) = flag("--addr") else {
        eprintln!("tonic_server: pass --addr HOST:PORT [--runtime current|multi] to serve");
        return;
    };
    let runtime = match flag("--runtime").map(String::as_str) {
        Some("multi") => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build(),
        _ => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
    }
    .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        println!("listening on {}", listener.local_addr().unwrap());
        tonic_peer::tonic::transport::Server::builder()
            .add_service(HelloServer::new(LeanGreeter))
            .add_service(HelloWorldServer::new(HelloWorldGreeter))
            .add_service(TestServiceServer::new(LeanTestService))
            .serve_with_incoming(
                tonic_peer::tonic::transport::server::TcpIncoming::from(listener)
                    .with_nodelay(Some(true)),
            )
            .await
            .unwrap();
    });
}
