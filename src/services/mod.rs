//! ⑦ The services: their messages, encoded and decoded by hand with [`crate::protobuf`], their
//! servers and their typed clients.
//!
//! Each module mirrors one `.proto` file of `proto/`, with the same package, message names and
//! field numbers, and names its service and the `:path` of each method as constants (what the
//! router matches on). The wire tests (`wire-tests/golden/`) prove every message byte for byte
//! equal to prost and to `protoc --encode`; `wire-tests/services.rs` calls every method.
//!
//! | module | `.proto` | service | server | client |
//! |---|---|---|---|---|
//! | [`hello`] | `proto/hello.proto` | `hello.Greeter` | [`hello::register`] | [`hello::GreeterClient`] |
//! | [`helloworld`] | `proto/helloworld.proto` | `helloworld.Greeter` | [`helloworld::register`] | [`helloworld::GreeterClient`] |
//! | [`finance`] | `proto/finance.proto` | `finance.CurrencyConverter` | [`finance::CurrencyConverter`] | [`finance::CurrencyConverterClient`] |
//! | [`users`] | `proto/user_service.proto` | `users.UserService` | [`users::UserService`] | [`users::UserServiceClient`] |
//! | [`health`] | `proto/grpc/health/v1/health.proto` | `grpc.health.v1.Health` | [`health::register`] | [`health::HealthClient`] |
//! | [`reflection`] | `proto/grpc/reflection/{v1,v1alpha}/reflection.proto` | `grpc.reflection.v1.ServerReflection`, `grpc.reflection.v1alpha.ServerReflection` | [`reflection::register`] | [`reflection::ReflectionClient`] |
//! | [`interop`] | `proto/grpc/testing/test.proto` | `grpc.testing.TestService` | [`interop::register`] | [`interop::TestServiceClient`] |
//!
//! Around them: [`auth`], the bearer-token interceptor of seed 001, and [`python`], the few
//! Python formatting rules the seeds' messages depend on.
//!
//! [`register_all`] builds the server `h2grpc serve` runs:
//!
//! ```no_run
//! use h2grpc::server::Server;
//! use h2grpc::services::{self, Options};
//!
//! # async fn run() -> std::io::Result<()> {
//! let server = services::register_all(Server::new(), &Options::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:50051").await?;
//! server.serve_with_shutdown(listener, std::future::pending()).await
//! # }
//! ```

use std::time::Duration;

use crate::call::MethodPath;
use crate::server::Server;

pub mod auth;
pub mod finance;
pub mod health;
pub mod hello;
pub mod helloworld;
pub mod interop;
pub mod python;
pub mod reflection;
pub mod users;

/// How the services of [`register_all`] are set up.
#[derive(Debug, Clone)]
pub struct Options {
    /// The interval between two rounds of `finance.CurrencyConverter/WatchRates`.
    pub watch_interval: Duration,
    /// The user store; `None`: a new, empty in-memory one.
    pub users: Option<users::UserService>,
    /// When set, every call must carry `authorization: Bearer <token>` ([`auth`]).
    pub auth: Option<auth::BearerAuth>,
    /// The health statuses `grpc.health.v1.Health` serves: keep a clone to report changes
    /// (`h2grpc serve` turns everything NOT_SERVING on shutdown with it).
    pub health: health::HealthReporter,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            watch_interval: finance::DEFAULT_WATCH_INTERVAL,
            users: None,
            auth: None,
            health: health::HealthReporter::new(),
        }
    }
}

/// Adds every service to `server`: `hello.Greeter`, `helloworld.Greeter`,
/// `finance.CurrencyConverter` and `users.UserService`; then `grpc.health.v1.Health`, with
/// every service of `server` (these, any registered before, and health and reflection
/// themselves) SERVING in `options.health`, and server reflection listing them all; and the
/// auth interceptor if `options.auth` is set.
#[must_use]
pub fn register_all(server: Server, options: &Options) -> Server {
    let server = hello::register(server);
    let server = helloworld::register(server);
    let server = finance::CurrencyConverter::new()
        .with_watch_interval(options.watch_interval)
        .register(server);
    let server = options.users.clone().unwrap_or_default().register(server);
    let mut served = services_of(&server);
    served.extend(
        [
            health::SERVICE,
            reflection::V1_SERVICE,
            reflection::V1ALPHA_SERVICE,
        ]
        .map(String::from),
    );
    for service in &served {
        options.health.set_serving(service);
    }
    let server = health::register(server, &options.health);
    let server = reflection::register(server, served);
    match &options.auth {
        Some(auth) => auth.clone().install(server),
        None => server,
    }
}

/// The full names of the services `server` has methods of.
fn services_of(server: &Server) -> Vec<String> {
    let mut services: Vec<String> = server
        .methods()
        .into_iter()
        .filter_map(|path| Some(MethodPath::parse(path)?.service().to_owned()))
        .collect();
    services.dedup();
    services
}
