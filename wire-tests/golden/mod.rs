//! Golden vectors: the messages of `src/services/` against an independent encoder.
//!
//! - [`vs_prost`]: prost mirrors (`#[derive(prost::Message)]`, [`mirrors`]) of every message,
//!   run through the case tables of [`cases`]: the bytes must be identical, and each side must
//!   decode the other's.
//! - [`unknown_fields`]: prost-made bytes with fields h2grpc does not know, of every wire type:
//!   skipped, with the known fields intact.
//! - [`properties`]: proptest, arbitrary values and arbitrary bytes.

mod cases;
mod mirrors;
mod properties;
mod unknown_fields;
mod vs_prost;
