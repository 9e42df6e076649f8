//! Running an h2grpc server on loopback TCP, and watching what happens to handlers.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use h2grpc::server::Server;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long any single step of a test may take before it counts as hung. Generous: the
/// assertions are about what happens, never about how fast.
pub(crate) const HANG: Duration = Duration::from_secs(10);

/// Awaits `future`, failing the test if it takes longer than [`HANG`].
pub(crate) async fn within<F: Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(HANG, future).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: still waiting after {HANG:?}"),
    }
}

/// An h2grpc server on `127.0.0.1`, serving until [`TestServer::stop`] (or until dropped).
#[derive(Debug)]
pub(crate) struct TestServer {
    pub(crate) addr: SocketAddr,
    /// `http://127.0.0.1:port`, for `Channel::connect`.
    pub(crate) target: String,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Serves `server` on a fresh port.
    pub(crate) async fn start(server: Server) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(server, listener)
    }

    /// Serves `server` on `addr` (e.g. the port of a server that was stopped).
    pub(crate) async fn start_on(server: Server, addr: SocketAddr) -> Self {
        let listener = TcpListener::bind(addr).await.unwrap();
        Self::serve(server, listener)
    }

    fn serve(server: Server, listener: TcpListener) -> Self {
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(server.serve_with_shutdown(listener, async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            target: format!("http://{addr}"),
            stop: Some(stop),
            handle: Some(handle),
        }
    }

    /// Triggers the shutdown signal, without waiting.
    pub(crate) fn signal_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Waits for `serve_with_shutdown` to return (after [`TestServer::signal_shutdown`]).
    pub(crate) async fn join(&mut self) -> std::io::Result<()> {
        let handle = self.handle.take().expect("joined once");
        within("serve_with_shutdown to return", handle)
            .await
            .expect("the server task panicked")
    }

    /// Signals shutdown and waits for the server to return.
    pub(crate) async fn stop(mut self) {
        self.signal_shutdown();
        self.join().await.unwrap();
    }
}

/// A flag that a [`DropGuard`] raises when it is dropped: a handler holds the guard, the test
/// holds the flag and learns when the handler's future was dropped (cancelled or finished).
#[derive(Debug, Clone, Default)]
pub(crate) struct Flag(Arc<AtomicBool>);

impl Flag {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    pub(crate) fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// A guard that raises this flag when dropped.
    pub(crate) fn guard(&self) -> DropGuard {
        DropGuard(self.clone())
    }

    /// Waits (up to [`HANG`]) for the flag to be raised; whether it was.
    pub(crate) async fn wait(&self) -> bool {
        let deadline = tokio::time::Instant::now() + HANG;
        while tokio::time::Instant::now() < deadline {
            if self.is_set() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        self.is_set()
    }
}

/// Raises its [`Flag`] when dropped.
#[derive(Debug)]
pub(crate) struct DropGuard(Flag);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.set();
    }
}

/// Serves `server` on a free loopback port (a shorthand for [`TestServer::start`]).
pub(crate) async fn serve(server: Server) -> TestServer {
    TestServer::start(server).await
}

impl TestServer {
    /// A new, connected channel to the server.
    pub(crate) async fn channel(&self) -> h2grpc::client::Channel {
        h2grpc::client::Channel::connect(&self.target)
            .await
            .unwrap()
    }
}
