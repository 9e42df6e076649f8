//! Interop with tonic 0.14, both directions, over loopback TCP.
//!
//! - [`tonic_client`], [`tonic_client_protocol`]: tonic's generated clients against an h2grpc
//!   [`Server`] that serves the tonic peer's behaviour (`support::services`).
//! - [`h2grpc_client`], [`h2grpc_client_protocol`]: h2grpc's [`Channel`] against the tonic
//!   peer's servers (`wire-tests/tonic-peer`).
//!
//! Each direction covers the same matrix: every RPC kind of every service, the services' own
//! errors, UNIMPLEMENTED, Custom-Metadata (ASCII and `-bin`) both ways, trailing metadata,
//! `grpc-timeout` and deadlines, and 1 MiB messages both ways.
//!
//! [`Server`]: h2grpc::server::Server
//! [`Channel`]: h2grpc::client::Channel

mod h2grpc_client;
mod h2grpc_client_protocol;
mod tonic_client;
mod tonic_client_protocol;

/// The binary metadata value sent both ways: its base64 needs padding (`AAECA/8=`), so it also
/// checks that each side reads the other's unpadded form.
const BIN_VALUE: &[u8] = &[0, 1, 2, 3, 255];

/// 1 MiB: the large-message size; under the 4 MiB default receive limit of both
/// implementations, and over every HTTP/2 window default (64 KiB) and h2grpc's (1 MiB stream
/// window with the reply's framing on top), so flow control must be released on both sides.
const ONE_MIB: usize = 1024 * 1024;

/// A name of `len` bytes of printable ASCII, a to z over and over.
fn big_name(len: usize) -> String {
    (b'a'..=b'z').cycle().take(len).map(char::from).collect()
}
