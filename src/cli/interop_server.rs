//! `h2grpc interop-server`: `grpc.testing.TestService` for the official interop clients, with
//! their server's flags (`--port`, `--use_tls`), as `interop/server` of grpc-go and
//! `interop_server` of grpc-core take them.
//!
//! ## TLS: the certificate comes from h2grpc-specific flags
//!
//! With `--use_tls` the official servers present grpc's built-in test certificate
//! (`src/core/tsi/test_creds/server1.pem` and `server1.key`, for `*.test.google.fr`, signed by
//! `ca.pem`). h2grpc bundles no test credentials (it ships only code of its own), so
//! `--use_tls` needs two flags the official servers do not have:
//!
//! - `--tls_cert_file FILE`: the certificate chain to present (PEM, the server's first);
//! - `--tls_key_file FILE`: its private key (PEM: PKCS #8, RSA or EC).
//!
//! Both are required with `--use_tls` (one line and exit 2 without them), and ignored with
//! `--use_tls=false`, so that a runner can toggle TLS with the official flag alone. To stand in
//! for an official server, pass grpc's `server1.pem`/`server1.key` (or any certificate for
//! `foo.test.google.fr`, the name the official clients' `--server_host_override` expects).
//! ALPN is `h2` only; no client certificate is asked for.
//!
//! Once the port is bound, one line goes to stdout, `listening on <address>` with the port
//! actually bound (`--port 0` lets the system choose). It serves until SIGINT or SIGTERM, then
//! lets the calls in flight finish for a second and exits 0.

use std::time::Duration;

use std::path::PathBuf;

use clap::Args;
use h2grpc::server::Server;
use h2grpc::services::interop;
use h2grpc::tls::{Identity, ServerTlsConfig};
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

    /// Serve over TLS, with ALPN h2, presenting --tls_cert_file (required with it: h2grpc has
    /// no built-in test certificate).
    #[arg(long = "use_tls", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true",
          default_value_t = false, action = clap::ArgAction::Set)]
    use_tls: bool,

    /// With --use_tls: the certificate chain to present, PEM, the server's certificate first
    /// (not an official flag: the official servers use grpc's bundled test certificate).
    #[arg(long = "tls_cert_file", value_name = "FILE")]
    tls_cert_file: Option<PathBuf>,

    /// With --use_tls: the private key of --tls_cert_file, PEM (not an official flag).
    #[arg(long = "tls_key_file", value_name = "FILE")]
    tls_key_file: Option<PathBuf>,

    /// The address to bind (not an official flag; the official servers bind every interface,
    /// as the default here does).
    #[arg(long, value_name = "IP", default_value = "0.0.0.0")]
    host: String,
}

/// Runs `h2grpc interop-server`.
pub(crate) async fn run(args: InteropServerArgs) -> Result<(), Failure> {
    let tls = args.tls()?;
    let address = format!("{}:{}", args.host, args.port);
    let listener = TcpListener::bind(&address)
        .await
        .map_err(|error| Failure::runtime(format!("cannot listen on {address}: {error}")))?;
    let addr = listener
        .local_addr()
        .map_err(|error| Failure::runtime(format!("cannot read the bound address: {error}")))?;
    let mut server = interop::register(Server::new()).grace_period(GRACE_PERIOD);
    tracing::info!(%addr, tls = tls.is_some(), "serving grpc.testing.TestService");
    if let Some(tls) = tls {
        server = server.tls(tls);
    }
    say(format_args!("listening on {addr}"))?;
    server
        .serve_with_shutdown(listener, stop_signal())
        .await
        .map_err(|error| Failure::runtime(format!("server failed: {error}")))
}

impl InteropServerArgs {
    /// The TLS configuration of `--use_tls`, `--tls_cert_file` and `--tls_key_file`; `None`
    /// without `--use_tls`.
    fn tls(&self) -> Result<Option<ServerTlsConfig>, Failure> {
        if !self.use_tls {
            return Ok(None);
        }
        let (Some(cert), Some(key)) = (&self.tls_cert_file, &self.tls_key_file) else {
            return Err(Failure::usage(
                "--use_tls needs --tls_cert_file FILE and --tls_key_file FILE (h2grpc has no \
                 built-in test certificate)",
            ));
        };
        let usage = |error| Failure::usage(format!("TLS: {error}"));
        let identity = Identity::from_pem_files(cert, key).map_err(usage)?;
        ServerTlsConfig::new(identity, None)
            .map(Some)
            .map_err(usage)
    }
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
