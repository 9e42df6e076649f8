//! ⑥ The server: register handlers by method, accept connections, shut down gracefully.
//!
//! ```no_run
//! use h2grpc::rpc::Response;
//! use h2grpc::server::Server;
//! use h2grpc::services::hello::{HelloReply, HelloRequest};
//!
//! # async fn run() -> std::io::Result<()> {
//! let server = Server::new().unary("/hello.Greeter/SayHello", |request| async move {
//!     let request: HelloRequest = request.into_inner();
//!     Ok(Response::new(HelloReply { message: format!("Hello, {}!", request.name).into() }))
//! });
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:50051").await?;
//! server.serve_with_shutdown(listener, async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```
//!
//! Each connection is served by a task of its own, and each call (HTTP/2 stream) by another;
//! `h2` keeps one lock per connection, so the tasks of a connection share it, not a thread.
//!
//! With [`Server::tls`] every connection starts with a TLS handshake ([`crate::tls`]), run in
//! the connection's task rather than in the accept loop, so that a slow or silent client delays
//! no one else; it has [`ServerTlsConfig::handshake_timeout`] to complete it.

mod handler;
mod router;
mod workers;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::client::{Channel, ChannelConfig};
use crate::compression::{Encoding, EncodingSet};
use crate::framing::DEFAULT_MAX_MESSAGE_SIZE;
use crate::metadata::Metadata;
use crate::protobuf::Message;
use crate::rpc::{Request, Response, Sender, Streaming};
use crate::schema::Schema;
use crate::status::Status;
use crate::tls::ServerTlsConfig;
use crate::transport::server::{Dispatch, serve_connection};
use crate::transport::settings::Http2Settings;
use crate::web::Web;

pub use router::Interceptor;

/// The most connections a server serves at once by default: 10,000. Each idle connection costs
/// about 6 KiB and a file descriptor; past the cap a new connection is closed as soon as it is
/// accepted (and the refusal logged once per burst), so that a flood of connections cannot
/// exhaust descriptors or memory while the connections already served carry on.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10_000;

/// How long in-flight calls may run after a shutdown starts, by default: 10 s.
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(10);

/// Message-size limits of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request message accepted, in bytes (RESOURCE_EXHAUSTED above it). Default 4 MiB.
    pub max_recv_message_size: usize,
    /// Largest response message sent, in bytes (RESOURCE_EXHAUSTED above it). Default 4 MiB:
    /// gRPC has no send limit by default, but h2grpc bounds everything.
    pub max_send_message_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_recv_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_send_message_size: DEFAULT_MAX_MESSAGE_SIZE,
        }
    }
}

/// A gRPC server: a table of methods, limits and HTTP/2 settings.
#[derive(Debug, Default)]
pub struct Server {
    router: router::Router,
    http2: Http2Settings,
    grace_period: Option<Duration>,
    worker_threads: usize,
    tls: Option<ServerTlsConfig>,
    max_connections: Option<usize>,
    web: Option<&'static Schema>,
    cors_origins: Vec<String>,
}

impl Server {
    /// A server with no methods, default limits and settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a unary method: `rpc M(Req) returns (Resp)`.
    #[must_use]
    pub fn unary<Req, Resp, F, Fut>(mut self, path: &str, handler: F) -> Self
    where
        F: Fn(Request<Req>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Response<Resp>, Status>> + Send + 'static,
        Req: Message + Send + 'static,
        Resp: Message + Send + 'static,
    {
        self.router
            .add(path, Arc::new(handler::Unary::new(handler)));
        self
    }

    /// Registers a server-streaming method: `rpc M(Req) returns (stream Resp)`. The handler
    /// sends through the [`Sender`] and returns the status (`Ok(())` for OK).
    #[must_use]
    pub fn server_streaming<Req, Resp, F, Fut>(mut self, path: &str, handler: F) -> Self
    where
        F: Fn(Request<Req>, Sender<Resp>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Status>> + Send + 'static,
        Req: Message + Send + 'static,
        Resp: Message + Send + 'static,
    {
        self.router
            .add(path, Arc::new(handler::ServerStreaming::new(handler)));
        self
    }

    /// Registers a client-streaming method: `rpc M(stream Req) returns (Resp)`.
    #[must_use]
    pub fn client_streaming<Req, Resp, F, Fut>(mut self, path: &str, handler: F) -> Self
    where
        F: Fn(Request<Streaming<Req>>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Response<Resp>, Status>> + Send + 'static,
        Req: Message + Send + 'static,
        Resp: Message + Send + 'static,
    {
        self.router
            .add(path, Arc::new(handler::ClientStreaming::new(handler)));
        self
    }

    /// Registers a bidirectional-streaming method: `rpc M(stream Req) returns (stream Resp)`.
    #[must_use]
    pub fn bidi_streaming<Req, Resp, F, Fut>(mut self, path: &str, handler: F) -> Self
    where
        F: Fn(Request<Streaming<Req>>, Sender<Resp>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Status>> + Send + 'static,
        Req: Message + Send + 'static,
        Resp: Message + Send + 'static,
    {
        self.router
            .add(path, Arc::new(handler::BidiStreaming::new(handler)));
        self
    }

    /// Adds a request interceptor: it sees every call's metadata before the handler runs and
    /// may refuse the call with a status (sent Trailers-Only).
    #[must_use]
    pub fn interceptor(
        mut self,
        interceptor: impl Fn(&str, &Metadata) -> Result<(), Status> + Send + Sync + 'static,
    ) -> Self {
        self.router.interceptors.push(Arc::new(interceptor));
        self
    }

    /// Sets the message-size limits.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.router.limits = limits;
        self
    }

    /// Compresses responses with `encoding` for every client that accepts it (in its
    /// `grpc-accept-encoding`); others get them uncompressed. Handlers may still decide per
    /// call ([`Response::set_compressed`], [`Sender::set_compressed`]) and per message
    /// ([`Sender::send_uncompressed`]). By default responses are not compressed.
    #[must_use]
    pub fn send_compressed(mut self, encoding: Encoding) -> Self {
        self.router.send_encoding = encoding.compressed();
        self
    }

    /// The request encodings accepted: a request in another gets UNIMPLEMENTED, with this list
    /// in `grpc-accept-encoding`. `identity` is always accepted. By default, every encoding
    /// h2grpc supports (gzip, deflate, identity).
    #[must_use]
    pub fn accept_compressed(mut self, encodings: EncodingSet) -> Self {
        self.router.accept_encodings = encodings;
        self
    }

    /// Sets the HTTP/2 settings (windows, header list size, concurrent streams).
    #[must_use]
    pub fn http2_settings(mut self, settings: Http2Settings) -> Self {
        self.http2 = settings;
        self
    }

    /// Serves connections on `threads` worker threads, each a current-thread runtime that owns
    /// its connections and their calls (see `server/workers.rs` for why). 0, the default,
    /// serves on the runtime that calls [`Server::serve_with_shutdown`].
    #[must_use]
    pub fn worker_threads(mut self, threads: usize) -> Self {
        self.worker_threads = threads;
        self
    }

    /// Sets how long in-flight calls may run after shutdown starts.
    #[must_use]
    pub fn grace_period(mut self, grace_period: Duration) -> Self {
        self.grace_period = Some(grace_period);
        self
    }

    /// The most connections served at once ([`DEFAULT_MAX_CONNECTIONS`] by default); one
    /// accepted above it is closed at once.
    #[must_use]
    pub fn max_connections(mut self, max_connections: usize) -> Self {
        self.max_connections = Some(max_connections);
        self
    }

    /// Also answers HTTP/1.1 on the same port ([`crate::web`]): Connect unary calls, JSON or
    /// protobuf, for the methods of `schema` this server serves. Cleartext servers only: with
    /// [`Server::tls`] the web front is not started.
    #[must_use]
    pub fn web(mut self, schema: &'static Schema) -> Self {
        self.web = Some(schema);
        self
    }

    /// With [`Server::web`]: the origins whose web pages may call (CORS); none by default.
    #[must_use]
    pub fn cors_allow_origins(mut self, origins: Vec<String>) -> Self {
        self.cors_origins = origins;
        self
    }

    /// Serves over TLS: every connection must complete a TLS handshake, agreeing on HTTP/2
    /// with ALPN `h2`, before its first HTTP/2 byte.
    #[must_use]
    pub fn tls(mut self, config: ServerTlsConfig) -> Self {
        self.tls = Some(config);
        self
    }

    /// The method paths registered, sorted.
    pub fn methods(&self) -> Vec<&str> {
        self.router.methods()
    }

    /// Serves connections from `listener` until `signal` resolves; then stops accepting, sends
    /// GOAWAY on every connection, lets the calls in flight finish within the grace period,
    /// closes the connections of the calls that did not, and returns.
    ///
    /// # Errors
    /// A worker thread could not be started. Accept errors (e.g. too many open files) are
    /// logged and retried.
    pub async fn serve_with_shutdown(
        self,
        listener: TcpListener,
        signal: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
        let grace_period = self.grace_period.unwrap_or(DEFAULT_GRACE_PERIOD);
        let web = match (self.web, &self.tls) {
            (Some(schema), None) => Some(Arc::new(self.web_front(schema, &listener)?)),
            _ => None,
        };
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let shared = workers::Shared {
            dispatch: Arc::new(self.router),
            settings: self.http2,
            grace_period,
            shutdown: shutdown_rx,
            tls: self.tls,
            connections: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
            web,
        };
        let max_connections = self
            .max_connections
            .unwrap_or(usize::try_from(DEFAULT_MAX_CONNECTIONS).unwrap_or(usize::MAX));
        let mut refusing = false;
        let workers = workers::start(self.worker_threads, &shared)?;
        // The connection tasks of this runtime (when there are no workers), reaped as they end.
        let mut connections = JoinSet::new();
        let mut next_worker = 0;
        let mut signal = std::pin::pin!(signal);
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((tcp, peer)) => {
                        if shared.connections.load(std::sync::atomic::Ordering::Relaxed) >= max_connections {
                            if !refusing {
                                tracing::warn!(max_connections, "connection limit reached: closing new connections");
                                refusing = true;
                            }
                            drop(tcp);
                            continue;
                        }
                        refusing = false;
                        let _ = tcp.set_nodelay(true);
                        if workers.is_empty() {
                            workers::spawn_connection(&mut connections, tcp, peer, &shared);
                        } else {
                            workers[next_worker].adopt(tcp);
                            next_worker = (next_worker + 1) % workers.len();
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "accept failed");
                        // EMFILE and friends: give the system a moment instead of spinning.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                () = &mut signal => break,
            }
        }
        drop(listener);
        tracing::info!("shutting down: GOAWAY sent, waiting for calls in flight");
        let _ = shutdown_tx.send(true);
        for worker in workers {
            worker.finish().await;
        }
        workers::drain(connections, grace_period).await;
        Ok(())
    }

    /// The web front: its calls go to this server's own port, over loopback.
    fn web_front(&self, schema: &'static Schema, listener: &TcpListener) -> std::io::Result<Web> {
        let mut addr = listener.local_addr()?;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr {
                std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        let channel = Channel::new(&format!("http://{addr}"), ChannelConfig::default())
            .map_err(|status| std::io::Error::other(status.to_string()))?;
        Web::new(
            schema,
            &self.router.methods(),
            channel,
            self.router.limits.max_recv_message_size,
        )
        .map(|web| {
            web.with_cors_origins(&self.cors_origins)
                .with_header_timeout(self.http2.handshake_timeout)
        })
        .map_err(std::io::Error::other)
    }

    /// Serves one already-connected transport (e.g. `tokio::io::duplex` in tests) until the
    /// client closes it.
    pub async fn serve_connection<T>(self: Arc<Self>, io: T)
    where
        T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let (_keep, shutdown) = watch::channel(false);
        let settings = self.http2;
        let dispatch: Arc<dyn Dispatch> = Arc::new(self.router.clone());
        serve_connection(io, settings, dispatch, shutdown).await;
    }
}
