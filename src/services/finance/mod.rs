//! `finance.CurrencyConverter` (`proto/finance.proto`, package `finance`): the grpcio
//! tutorial's service (see [`crate::services`]), one RPC of each of the four kinds.
//!
//! | RPC | kind | request → response |
//! |---|---|---|
//! | `Convert` | unary | [`ConvertRequest`] → [`ConvertReply`] |
//! | `WatchRates` | server streaming | [`WatchRequest`] → stream [`RateUpdate`] |
//! | `BatchConvert` | client streaming | stream [`ConvertRequest`] → [`BatchReply`] |
//! | `LiveConvert` | bidirectional streaming | stream [`ConvertRequest`] → stream [`ConvertReply`] |
//!
//! - the messages, encoded by hand: `messages.rs`, re-exported here;
//! - the server: [`CurrencyConverter`], with its rates table and jitter (`server.rs`);
//! - the typed client: [`CurrencyConverterClient`] (`client.rs`).
//!
//! ```no_run
//! use std::time::Duration;
//! use h2grpc::server::Server;
//! use h2grpc::services::finance::CurrencyConverter;
//!
//! // Rates every 100 ms instead of every second.
//! let server = CurrencyConverter::new()
//!     .with_watch_interval(Duration::from_millis(100))
//!     .register(Server::new());
//! ```

mod client;
mod messages;
mod server;

pub use client::CurrencyConverterClient;
pub use messages::*;
pub use server::{
    CurrencyConverter, DEFAULT_WATCH_INTERVAL, JITTER, SUPPORTED_CURRENCIES, base_rate, register,
    validate,
};
