//! `grpc.health.v1.Health` (`proto/grpc/health/v1/health.proto`): whether a server, or one of
//! its services, can take calls. Semantics: the proto's comments and gRPC's
//! [health-checking.md](https://github.com/grpc/grpc/blob/master/doc/health-checking.md).
//!
//! | RPC | kind | request → response |
//! |---|---|---|
//! | `Check` | unary | [`HealthCheckRequest`] → [`HealthCheckResponse`] |
//! | `List` | unary | [`HealthListRequest`] → [`HealthListResponse`] |
//! | `Watch` | server streaming | [`HealthCheckRequest`] → stream [`HealthCheckResponse`] |
//!
//! The server keeps one [`ServingStatus`] per service name in a [`HealthReporter`]; the name
//! `""` stands for the whole server.
//!
//! - **Check** answers the status of a known name, and NOT_FOUND for any other.
//! - **List** answers every known name (at most [`MAX_LIST`], RESOURCE_EXHAUSTED beyond).
//! - **Watch** sends the status at once, then again each time it changes. For a name the server
//!   does not know it sends SERVICE_UNKNOWN and keeps the call open: the status follows if the
//!   service appears. (tonic-health answers NOT_FOUND there; the proto says not to.)
//! - At graceful shutdown ([`HealthReporter::set_all_not_serving`]) every status turns
//!   NOT_SERVING, so load balancers stop sending calls before the server stops taking them.
//!
//! [`services::register_all`](super::register_all) marks SERVING every service it registers,
//! and `h2grpc serve` turns everything NOT_SERVING on SIGINT/SIGTERM.
//!
//! ```no_run
//! use h2grpc::server::Server;
//! use h2grpc::services::{health, hello};
//!
//! let reporter = health::HealthReporter::new();
//! reporter.set_serving(hello::SERVICE);
//! let server = health::register(hello::register(Server::new()), &reporter);
//! // ... later, when shutting down:
//! reporter.set_all_not_serving();
//! ```

mod client;
mod messages;
mod reporter;
mod server;

pub use client::HealthClient;
pub use messages::*;
pub use reporter::HealthReporter;
pub use server::{MAX_LIST, check, list, register, watch};
