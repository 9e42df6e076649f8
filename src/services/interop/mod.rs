//! `grpc.testing.TestService` (`proto/grpc/testing/test.proto`, package `grpc.testing`): the
//! service of gRPC's official interop tests
//! ([interop-test-descriptions.md](https://github.com/grpc/grpc/blob/master/doc/interop-test-descriptions.md)),
//! so that other implementations' interop clients and servers can be pointed at h2grpc.
//!
//! | RPC | kind | request → response |
//! |---|---|---|
//! | `EmptyCall` | unary | [`Empty`] → [`Empty`] |
//! | `UnaryCall` | unary | [`SimpleRequest`] → [`SimpleResponse`] |
//! | `CacheableUnaryCall` | unary | [`SimpleRequest`] → [`SimpleResponse`] |
//! | `StreamingOutputCall` | server streaming | [`StreamingOutputCallRequest`] → stream [`StreamingOutputCallResponse`] |
//! | `StreamingInputCall` | client streaming | stream [`StreamingInputCallRequest`] → [`StreamingInputCallResponse`] |
//! | `FullDuplexCall` | bidirectional | stream [`StreamingOutputCallRequest`] → stream [`StreamingOutputCallResponse`] |
//! | `HalfDuplexCall` | bidirectional | the same, answered after the half-close |
//! | `UnimplementedCall` | unary | not served: UNIMPLEMENTED, on purpose |
//!
//! - the messages, encoded by hand: `messages.rs`, re-exported here;
//! - the server, with every feature the cases need (payload sizes, echoed status and metadata,
//!   compressed requests and responses, pacing): [`register`] (`server.rs`);
//! - the typed client: [`TestServiceClient`] (`client.rs`);
//! - the client's test cases: [`cases`], what `h2grpc interop-client --test_case` runs.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let server = h2grpc::services::interop::register(h2grpc::server::Server::new());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:10000").await?;
//! server.serve_with_shutdown(listener, std::future::pending()).await
//! # }
//! ```

pub mod cases;
mod client;
mod messages;
mod server;

pub use client::TestServiceClient;
pub use messages::*;
pub use server::{
    ECHO_INITIAL, ECHO_TRAILING_BIN, MAX_HALF_DUPLEX_BYTES, MAX_HALF_DUPLEX_REQUESTS, MAX_INTERVAL,
    MAX_PAYLOAD, cacheable_unary_call, empty_call, full_duplex_call, half_duplex_call, register,
    streaming_input_call, streaming_output_call, unary_call,
};
