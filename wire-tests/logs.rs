//! What the services log: a test binary of its own, because `tracing`'s dispatch state is global
//! to the process (each callsite caches whether anyone listens, and the tests of the `wire`
//! binary run concurrently, most with nobody listening). Here one subscriber is the global
//! default for the whole process.

use std::io::Write;
use std::sync::{Arc, Mutex};

use h2grpc::client::Channel;
use h2grpc::rpc::Request;
use h2grpc::server::Server;
use h2grpc::services::users::{CreateUserRequest, UserServiceClient};
use h2grpc::services::{self, Options};

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Self;
    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

/// CreateUser sees the request metadata, as the users demo's servicer prints
/// `dict(context.invocation_metadata())`; it logs it at debug, and nothing of it goes back on the
/// wire.
#[tokio::test]
async fn create_user_logs_the_request_metadata() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = services::register_all(Server::new(), &Options::default());
    tokio::spawn(server.serve_with_shutdown(listener, std::future::pending()));
    let channel = Channel::connect(&format!("http://{addr}")).await.unwrap();
    let users = UserServiceClient::new(channel);
    let mut request = Request::new(CreateUserRequest {
        name: "Alice".into(),
        email: "alice@example.com".into(),
        age: 30,
    });
    request.metadata_mut().insert("ip", "127.0.0.1").unwrap();
    request
        .metadata_mut()
        .insert("x-custom", "it's here")
        .unwrap();
    let response = users.create_user(request).await.unwrap();
    assert!(response.metadata().get("ip").is_none());

    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    let line = logs
        .lines()
        .find(|line| line.contains("CreateUser invocation metadata"))
        .unwrap_or_else(|| panic!("no metadata line in:\n{logs}"));
    let expected = concat!(
        "{'user-agent': 'h2grpc/",
        env!("CARGO_PKG_VERSION"),
        r#"', 'ip': '127.0.0.1', 'x-custom': "it's here"}"#
    );
    assert!(line.contains(expected), "{line}");
}
