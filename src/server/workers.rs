//! The runtime shape: connections spread over worker threads, each a current-thread runtime.
//!
//! `h2` keeps one lock per connection, and a call's task, its handler and the connection's I/O
//! all take it. On a multi-thread runtime those tasks land on different threads and the lock and
//! the wake-ups cross cores on every call; on one current-thread runtime per core they never do.
//! So the accepting task hands each new connection to a worker (round robin), and from then on
//! the connection and every call on it live on that worker's thread: one cross-thread hand-off
//! per connection, none per call.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use std::net::SocketAddr;

use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::tls::ServerTlsConfig;
use crate::transport::server::{Dispatch, serve_connection};
use crate::transport::settings::Http2Settings;
use crate::web::{Web, sniff};

/// What every worker shares.
#[derive(Clone)]
pub(crate) struct Shared {
    pub(crate) dispatch: Arc<dyn Dispatch>,
    pub(crate) settings: Http2Settings,
    pub(crate) grace_period: Duration,
    pub(crate) shutdown: watch::Receiver<bool>,
    /// Set: every connection starts with a TLS handshake.
    pub(crate) tls: Option<ServerTlsConfig>,
    /// The connections being served, on every worker (counted from accept to close).
    pub(crate) connections: Arc<AtomicUsize>,
    /// Set: HTTP/1.x connections are answered by the web front.
    pub(crate) web: Option<Arc<Web>>,
}

/// Counts a connection from its accept to its end.
struct Counted(Arc<AtomicUsize>);

impl Counted {
    fn new(connections: &Arc<AtomicUsize>) -> Self {
        connections.fetch_add(1, Ordering::Relaxed);
        Self(Arc::clone(connections))
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Starts serving an accepted connection in a task of `connections`: HTTP/2 directly, or after
/// a TLS handshake run in that task (not in the accept loop, so that a slow or silent client
/// delays no one else).
pub(crate) fn spawn_connection(
    connections: &mut JoinSet<()>,
    tcp: TcpStream,
    peer: SocketAddr,
    shared: &Shared,
) {
    let dispatch = shared.dispatch.clone();
    let shutdown = shared.shutdown.clone();
    let counted = Counted::new(&shared.connections);
    match &shared.tls {
        Some(tls) => {
            let connection =
                serve_tls_connection(tls.clone(), tcp, shared.settings, dispatch, shutdown);
            connections.spawn(
                async move {
                    connection.await;
                    drop(counted);
                }
                .instrument(tracing::debug_span!("tls", %peer)),
            );
        }
        None => match &shared.web {
            None => {
                let connection = serve_connection(tcp, shared.settings, dispatch, shutdown);
                connections.spawn(async move {
                    connection.await;
                    drop(counted);
                });
            }
            Some(web) => {
                let (web, settings) = (Arc::clone(web), shared.settings);
                connections.spawn(async move {
                    // HTTP/2 (gRPC) or HTTP/1.x (the web), from the first octets.
                    if sniff(&tcp).await {
                        serve_connection(tcp, settings, dispatch, shutdown).await;
                    } else {
                        web.serve_http1(tcp).await;
                    }
                    drop(counted);
                });
            }
        },
    }
}

async fn serve_tls_connection(
    tls: ServerTlsConfig,
    tcp: TcpStream,
    settings: Http2Settings,
    dispatch: Arc<dyn Dispatch>,
    mut shutdown: watch::Receiver<bool>,
) {
    // A client still in its handshake has no call to finish: a shutdown drops it at once.
    let stream = tokio::select! {
        stream = tls.accept(tcp) => stream,
        _ = shutdown.wait_for(|shutting_down| *shutting_down) => return,
    };
    if let Some(stream) = stream {
        serve_connection(stream, settings, dispatch, shutdown).await;
    }
}

/// One worker thread: where to send it connections, and how to learn it has finished.
pub(crate) struct Worker {
    connections: mpsc::UnboundedSender<std::net::TcpStream>,
    done: oneshot::Receiver<()>,
}

/// Starts `count` worker threads.
pub(crate) fn start(count: usize, shared: &Shared) -> std::io::Result<Vec<Worker>> {
    (0..count)
        .map(|index| start_one(index, shared.clone()))
        .collect()
}

fn start_one(index: usize, shared: Shared) -> std::io::Result<Worker> {
    let (connections, mut incoming) = mpsc::unbounded_channel::<std::net::TcpStream>();
    let (done_tx, done) = oneshot::channel();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name(format!("h2grpc-worker-{index}"))
        .spawn(move || {
            runtime.block_on(async move {
                let mut calls = JoinSet::new();
                loop {
                    tokio::select! {
                        received = incoming.recv() => match received {
                            Some(tcp) => match TcpStream::from_std(tcp) {
                                Ok(tcp) => {
                                    let peer = tcp
                                        .peer_addr()
                                        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
                                    spawn_connection(&mut calls, tcp, peer, &shared);
                                }
                                Err(error) => tracing::warn!(%error, "cannot adopt a connection"),
                            },
                            // The acceptor stopped: shutting down.
                            None => break,
                        },
                        Some(_) = calls.join_next(), if !calls.is_empty() => {}
                    }
                }
                drain(calls, shared.grace_period).await;
            });
            let _ = done_tx.send(());
        })?;
    Ok(Worker { connections, done })
}

/// Waits for the connections to finish their calls, at most `grace_period`; then closes them.
pub(crate) async fn drain(mut connections: JoinSet<()>, grace_period: Duration) {
    let drained = tokio::time::timeout(grace_period, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            ?grace_period,
            connections = connections.len(),
            "calls still in flight after the grace period; closing their connections"
        );
        // Dropping an h2 connection fails its open streams: each call's task sees that as a
        // reset and drops its handler, and the clients see the connection go (UNAVAILABLE).
        connections.shutdown().await;
    }
}

impl Worker {
    /// Hands a connection to this worker.
    pub(crate) fn adopt(&self, tcp: TcpStream) {
        match tcp.into_std() {
            Ok(tcp) => {
                if self.connections.send(tcp).is_err() {
                    tracing::warn!("a worker thread is gone; connection dropped");
                }
            }
            Err(error) => tracing::warn!(%error, "cannot hand a connection over"),
        }
    }

    /// Stops handing it connections and waits until its connections are drained.
    pub(crate) async fn finish(self) {
        drop(self.connections);
        let _ = self.done.await;
    }
}
