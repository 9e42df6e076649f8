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
//! Around them: [`auth`], the bearer-token interceptor of the users-service tutorial, and
//! [`python`], the few Python formatting rules the tutorials' messages depend on.
//!
//! # The tutorials
//!
//! `hello`, `helloworld`, `finance` and `users` are the services of four Python gRPC
//! tutorials, served so that the tutorials' own clients (and `h2grpc demo`, their clients
//! rewritten on h2grpc) get the answers the tutorials print. The rest of the project calls them
//! by these names:
//!
//! | name | what it is | what h2grpc takes from it |
//! |---|---|---|
//! | **the grpcio tutorial** | a walk through Python's `grpcio` package: a hello service in thirty lines, then a currency converter with one RPC of each kind, its rates table, and a section on error handling and status codes | [`hello`], [`finance`]; `h2grpc demo hello`, `h2grpc demo finance` |
//! | **the users-service tutorial** | a `users.UserService` over an in-memory dictionary, an `AuthInterceptor` that asks for a bearer token, and a `grpc.aio` (asyncio) client | [`users`], [`auth`]; `h2grpc demo users` |
//! | **the users demo** | a users service called from a command-line program and from a web application; its client sends request metadata and waits for the channel with a timeout | the metadata `CreateUser` logs; `demo --connect-timeout` |
//! | **the Python quickstart** | gRPC's `examples/python/helloworld`, extended with `SayHelloAgain`; its client is `greeter_client.py` | [`helloworld`]; `h2grpc demo helloworld` |
//!
//! Their `.proto` files are in `proto/` (each says which tutorial it comes from), and
//! `wire-tests/python/` holds their Python servers and clients, changed only where a test needs
//! it.
//!
//! # The behaviour contract
//!
//! The tutorials leave some answers open (a validation, the exact text of an error, what a
//! stream does at its deadline). Each service's module docs fix them, so that a client written
//! from a tutorial gets what it expects: [`hello`] (the greetings), [`finance`] (the rates,
//! `Convert`'s checks and messages, `WatchRates`' rounds and end), [`users`] (validation, ids,
//! paging, the store's cap), [`auth`] (the token), [`health`] and [`reflection`].
//! `wire-tests/services.rs` calls every method and checks each rule. For every service:
//!
//! - an unknown service or method is UNIMPLEMENTED, sent Trailers-Only, with a `grpc-message`
//!   naming what was not found;
//! - messages up to the limit (4 MiB by default both ways; `h2grpc serve
//!   --max-recv-message-size` and `--max-send-message-size` set others) are accepted;
//! - custom ASCII and `-bin` metadata are accepted on every call, and deadlines are honoured on
//!   every kind of call;
//! - the state of `users.UserService` lives as long as the server process, shared by every
//!   connection; concurrent calls lose no write.
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
