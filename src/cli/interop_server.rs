//! `h2grpc interop-server`: `grpc.testing.TestService` for the official interop clients, with
//! their server's flags (`--port`, `--use_tls`), as `interop/server` of grpc-go and
//! `interop_server` of grpc-core take them.
//!
//! Once the port is bound, one line goes to stdout, `listening on <address>` with the port
//! actually bound (`--port 0` lets the system choose). It serves until SIGINT or SIGTERM, then
//! lets the calls in flight finish for a second and exits 0.

use std::time::Duration;

use clap::Args;
use h2grpc::server::Server;
use h2grpc::services::interop;
use tokio::net::TcpListener;

use super::{Failure, say};

/// How long calls in flight may run after SIGINT/SIGTERM.
const GRACE_PERIOD: Duration = Duration::from_secs(1);

/// The flags of `h2grpc interop-server`: the official interop server's, underscores included
/// (`--port=N` and `--port N` both work).
#[derive(Debug, Args)]
pub(crate) struct InteropServerArgs {
    /// Port to listen on (0: the system chooses one).
    #[arg(long, value_name = "N", default_value_t = 10000)]
    port: u16,

    /// Serve over TLS, with ALPN h2 (not available yet: h2grpc serves cleartext HTTP/2).
    #[arg(long = "use_tls", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true",
          default_value_t = false, action = clap::ArgAction::Set)]
    use_tls: bool,

    /// The address to bind (not an official flag; the official servers bind every interface,
    /// as the default here does).
    #[arg(long, value_name = "IP", default_value = "0.0.0.0")]
    host: String,
}

/// Runs `h2grpc interop-server`.
pub(crate) async fn run(args: InteropServerArgs) -> Result<(), Failure> {
    if args.use_tls {
        return Err(Failure::usage(
            "--use_tls: TLS is not available in h2grpc yet; run without it (cleartext HTTP/2)",
        ));
    }
    let address = format!("{}:{}", args.host, args.port);
    let listener = TcpListener::bind(&address)
        .await
        .map_err(|error| Failure::runtime(format!("cannot listen on {address}: {error}")))?;
    let addr = listener
        .local_addr()
        .map_err(|error| Failure::runtime(format!("cannot read the bound address: {error}")))?;
    let server = interop::register(Server::new()).grace_period(GRACE_PERIOD);
    tracing::info!(%addr, "serving grpc.testing.TestService");
    say(format_args!("listening on {addr}"))?;
    server
        .serve_with_shutdown(listener, stop_signal())
        .await
        .map_err(|error| Failure::runtime(format!("server failed: {error}")))
}

/// Resolves at the first SIGINT or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
