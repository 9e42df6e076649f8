//! An in-process server on a loopback port, for end-to-end tests.

use h2grpc::client::Channel;
use h2grpc::server::Server;
use tokio::sync::oneshot;

/// A server running on `127.0.0.1:<free port>` in this runtime; it shuts down when dropped.
pub(crate) struct TestServer {
    /// `http://127.0.0.1:<port>`.
    pub(crate) target: String,
    /// Dropping the sender resolves the server's shutdown signal.
    _stop: oneshot::Sender<()>,
}

/// Serves `server` on a free loopback port.
pub(crate) async fn serve(server: Server) -> TestServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server.serve_with_shutdown(listener, async {
        let _ = stopped.await;
    }));
    TestServer {
        target,
        _stop: stop,
    }
}

impl TestServer {
    /// A new, connected channel to the server.
    pub(crate) async fn channel(&self) -> Channel {
        Channel::connect(&self.target).await.unwrap()
    }
}
