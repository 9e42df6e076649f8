//! `h2grpc serve`: every service on one port, until SIGINT or SIGTERM.
//!
//! Once the port is bound, one line goes to stdout, `listening on <address>` with the port
//! actually bound (so `--addr 127.0.0.1:0` tells which port the system chose); logs go to stderr.
//!
//! With `--tls-cert FILE --tls-key FILE` the server speaks TLS (clients use `https://`
//! targets), and with `--client-ca FILE` as well it requires every client to present a
//! certificate signed by that CA (mutual TLS). The files are read, and the key checked against
//! the certificate, before the port is bound: a bad file is one line and exit code 2.
//!
//! On SIGINT or SIGTERM every health status turns NOT_SERVING (the health watchers are told, and
//! their calls end), then the server stops accepting connections, sends GOAWAY on each, lets the
//! calls in flight finish for at most `--grace-period` seconds, then exits 0. A second signal
//! during the grace period stops at once (still exit 0: stopping was asked for, twice).
//!
//! `users.UserService` keeps its users in memory, at most `--max-users` of them
//! ([`users::DEFAULT_MAX_USERS`] by default).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use h2grpc::framing::DEFAULT_MAX_MESSAGE_SIZE;
use h2grpc::schema::Schema;
use h2grpc::server::DEFAULT_MAX_CONNECTIONS;
use h2grpc::server::{Limits, Server};
use h2grpc::services::users::{self, MemoryUserStore, UserService};
use h2grpc::services::{self, Options, auth::BearerAuth, finance, health::HealthReporter};
use h2grpc::tls::{CaCertificates, Identity, ServerTlsConfig};
use h2grpc::transport::settings::{
    DEFAULT_MAX_CONCURRENT_STREAMS, DEFAULT_MAX_HEADER_LIST_SIZE, DEFAULT_MAX_PEER_RESETS,
    Http2Settings, LifetimeLimits,
};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::{Failure, parse_seconds, say};

/// The flags of `h2grpc serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on; port 0 lets the system choose one.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50051")]
    addr: String,

    /// Seconds the calls in flight may run after SIGINT/SIGTERM, before the server exits.
    #[arg(long, value_name = "SECS", allow_negative_numbers = true, value_parser = parse_seconds, default_value = "10")]
    grace_period: Duration,

    /// Largest request message accepted (RESOURCE_EXHAUSTED above it).
    #[arg(long, value_name = "BYTES", allow_negative_numbers = true, default_value_t = max_message_default(),
          value_parser = clap::value_parser!(u32).range(1..))]
    max_recv_message_size: u32,

    /// Largest response message sent (RESOURCE_EXHAUSTED above it).
    #[arg(long, value_name = "BYTES", allow_negative_numbers = true, default_value_t = max_message_default(),
          value_parser = clap::value_parser!(u32).range(1..))]
    max_send_message_size: u32,

    /// HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS: calls a connection may have open at once.
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = DEFAULT_MAX_CONCURRENT_STREAMS,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_concurrent_streams: u32,

    /// HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE: largest request header block accepted.
    #[arg(long, value_name = "BYTES", allow_negative_numbers = true, default_value_t = DEFAULT_MAX_HEADER_LIST_SIZE,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_header_list_size: u32,

    /// Seconds after which the server PINGs a connection (and every as many after); 0: never.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds,
          default_value = "7200")]
    keepalive_time: Duration,

    /// Seconds a keepalive PING may go unanswered before the connection is closed.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds,
          default_value = "20")]
    keepalive_timeout: Duration,

    /// Seconds without a call in progress after which a connection gets GOAWAY; 0: never.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds,
          default_value = "1800")]
    max_connection_idle: Duration,

    /// Seconds (±10%) after which a connection gets GOAWAY however busy; 0: never.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, default_value = "0")]
    max_connection_age: Duration,

    /// Seconds the calls in flight may still run after the age GOAWAY.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds,
          default_value = "30")]
    max_connection_age_grace: Duration,

    /// Calls a client may reset while their handler runs, per connection and 10 s; past it the
    /// connection gets GOAWAY ENHANCE_YOUR_CALM.
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = DEFAULT_MAX_PEER_RESETS,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_peer_resets: u32,

    /// Connections served at once; a connection accepted above it is closed at once.
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = DEFAULT_MAX_CONNECTIONS,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,

    /// Let web pages from this origin call over gRPC-Web and Connect (CORS), e.g.
    /// https://app.example (repeatable; none by default).
    #[arg(long, value_name = "ORIGIN")]
    cors_allow_origin: Vec<String>,

    /// Refuse every call without `authorization: Bearer <TOKEN>` (UNAUTHENTICATED).
    #[arg(long, value_name = "TOKEN", value_parser = parse_token)]
    auth_token: Option<BearerAuth>,

    /// Worker threads, each a current-thread runtime owning its connections; default: one per
    /// CPU this process may run on (so `taskset -c 0` gives one).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..1025))]
    threads: Option<u32>,

    /// Most users users.UserService keeps; CreateUser and BulkCreateUsers past it answer
    /// RESOURCE_EXHAUSTED.
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = max_users_default(),
          value_parser = clap::value_parser!(u64).range(1..))]
    max_users: u64,

    /// Milliseconds between two rounds of finance.CurrencyConverter/WatchRates.
    #[arg(long, value_name = "MS", allow_negative_numbers = true, default_value_t = millis(finance::DEFAULT_WATCH_INTERVAL),
          value_parser = clap::value_parser!(u64).range(1..))]
    watch_interval_ms: u64,

    /// Serve over TLS with this certificate chain (PEM, the server's certificate first).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,

    /// The private key of --tls-cert (PEM: PKCS #8, RSA or EC).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

    /// Require every client to present a certificate signed by a CA in this PEM file (mutual
    /// TLS).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    client_ca: Option<PathBuf>,
}

/// Message sizes are 32-bit on the wire (the Length-Prefixed-Message's length), so are the flags.
fn max_message_default() -> u32 {
    u32::try_from(DEFAULT_MAX_MESSAGE_SIZE).unwrap_or(u32::MAX)
}

fn max_users_default() -> u64 {
    u64::try_from(users::DEFAULT_MAX_USERS).unwrap_or(u64::MAX)
}

/// A duration flag, 0 meaning off.
fn limit(duration: Duration) -> Option<Duration> {
    (!duration.is_zero()).then_some(duration)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn parse_token(token: &str) -> Result<BearerAuth, String> {
    BearerAuth::new(token).map_err(|error| error.to_string())
}

impl ServeArgs {
    /// The TLS configuration of `--tls-cert`, `--tls-key` and `--client-ca`, if TLS is asked for.
    fn tls(&self) -> Result<Option<ServerTlsConfig>, Failure> {
        let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) else {
            return Ok(None);
        };
        let usage = |error| Failure::usage(format!("TLS: {error}"));
        let identity = Identity::from_pem_files(cert, key).map_err(usage)?;
        let client_cas = self
            .client_ca
            .as_ref()
            .map(CaCertificates::from_pem_file)
            .transpose()
            .map_err(usage)?;
        ServerTlsConfig::new(identity, client_cas)
            .map(Some)
            .map_err(usage)
    }

    /// The server these flags describe, reporting health through `health`.
    fn server(&self, health: &HealthReporter) -> Server {
        // u32 always fits in usize on the targets tokio supports (32 and 64 bits).
        let size = |bytes: u32| usize::try_from(bytes).unwrap_or(usize::MAX);
        let server = Server::new()
            .web(Schema::embedded())
            .cors_allow_origins(self.cors_allow_origin.clone())
            .limits(Limits {
                max_recv_message_size: size(self.max_recv_message_size),
                max_send_message_size: size(self.max_send_message_size),
            })
            .http2_settings(Http2Settings {
                max_concurrent_streams: self.max_concurrent_streams,
                max_header_list_size: self.max_header_list_size,
                lifetime: LifetimeLimits {
                    keepalive_time: limit(self.keepalive_time),
                    keepalive_timeout: self.keepalive_timeout,
                    max_connection_idle: limit(self.max_connection_idle),
                    max_connection_age: limit(self.max_connection_age),
                    max_connection_age_grace: self.max_connection_age_grace,
                },
                max_peer_resets: self.max_peer_resets,
                ..Http2Settings::default()
            })
            .max_connections(usize::try_from(self.max_connections).unwrap_or(usize::MAX))
            .grace_period(self.grace_period)
            .worker_threads(self.threads.map_or_else(
                || std::thread::available_parallelism().map_or(1, usize::from),
                |threads| usize::try_from(threads).unwrap_or(1),
            ));
        let options = Options {
            watch_interval: Duration::from_millis(self.watch_interval_ms),
            // More than usize::MAX users never fit in memory anyway.
            users: Some(UserService::new(Arc::new(MemoryUserStore::with_max_users(
                usize::try_from(self.max_users).unwrap_or(usize::MAX),
            )))),
            auth: self.auth_token.clone(),
            health: health.clone(),
        };
        services::register_all(server, &options)
    }
}

/// Runs `h2grpc serve`.
pub(crate) async fn run(args: ServeArgs) -> Result<(), Failure> {
    // Before the "listening" line: a signal sent as soon as it is read must find the handlers.
    let mut signals = Signals::install()?;
    let tls = args.tls()?;
    let listener = TcpListener::bind(&args.addr)
        .await
        .map_err(|error| Failure::runtime(format!("cannot listen on {}: {error}", args.addr)))?;
    let addr = listener
        .local_addr()
        .map_err(|error| Failure::runtime(format!("cannot read the bound address: {error}")))?;
    let health = HealthReporter::new();
    let mut server = args.server(&health);
    tracing::info!(
        %addr,
        methods = server.methods().len(),
        auth = args.auth_token.is_some(),
        tls = tls.is_some(),
        client_certificates = tls
            .as_ref()
            .is_some_and(ServerTlsConfig::requires_client_certificate),
        "serving"
    );
    if let Some(tls) = tls {
        server = server.tls(tls);
    }
    say(format_args!("listening on {addr}"))?;

    let (stop, stopped) = oneshot::channel::<()>();
    let serve = server.serve_with_shutdown(listener, async {
        let _ = stopped.await;
    });
    let mut serve = std::pin::pin!(serve);
    let mut stop = Some(stop);
    loop {
        tokio::select! {
            served = &mut serve => {
                served.map_err(|error| Failure::runtime(format!("server failed: {error}")))?;
                tracing::info!("stopped");
                return Ok(());
            }
            signal = signals.next() => match stop.take() {
                Some(stop) => {
                    health.set_all_not_serving();
                    tracing::info!(
                        signal,
                        grace_period = ?args.grace_period,
                        "shutting down: health NOT_SERVING, GOAWAY; signal again to stop at once"
                    );
                    let _ = stop.send(());
                }
                None => {
                    tracing::warn!(signal, "stopping at once; calls in flight are dropped");
                    return Ok(());
                }
            },
        }
    }
}

/// SIGINT and SIGTERM, installed once and received as often as they come.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> Result<Self, Failure> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let install = |kind| {
                signal(kind).map_err(|error| {
                    Failure::runtime(format!("cannot install a signal handler: {error}"))
                })
            };
            Ok(Self {
                interrupt: install(SignalKind::interrupt())?,
                terminate: install(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// The name of the next signal received.
    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => "SIGINT",
                _ = self.terminate.recv() => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grace_period_default_is_the_servers() {
        assert_eq!(
            parse_seconds("10"),
            Ok(h2grpc::server::DEFAULT_GRACE_PERIOD)
        );
    }

    #[test]
    fn the_lifetime_defaults_are_the_libraries() {
        use clap::Parser;
        use h2grpc::transport::settings::DEFAULT_LIFETIME;
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            serve: ServeArgs,
        }
        let args = Wrapper::parse_from(["serve"]).serve;
        assert_eq!(limit(args.keepalive_time), DEFAULT_LIFETIME.keepalive_time);
        assert_eq!(args.keepalive_timeout, DEFAULT_LIFETIME.keepalive_timeout);
        assert_eq!(
            limit(args.max_connection_idle),
            DEFAULT_LIFETIME.max_connection_idle
        );
        assert_eq!(
            limit(args.max_connection_age),
            DEFAULT_LIFETIME.max_connection_age
        );
        assert_eq!(
            args.max_connection_age_grace,
            DEFAULT_LIFETIME.max_connection_age_grace
        );
    }
}
