//! The HTTP/2 settings both sides use, with the reasons for each value.

use std::time::Duration;

pub use super::lifetime::LifetimeLimits;

/// Initial stream receive window: 1 MiB, as hyper's server (tonic's transport) uses; the
/// protocol default of 65,535 bytes would cap each stream at one window per round trip.
pub const DEFAULT_STREAM_WINDOW: u32 = 1024 * 1024;

/// Initial connection receive window: 2 MiB, enough for two streams' full windows.
pub const DEFAULT_CONNECTION_WINDOW: u32 = 2 * 1024 * 1024;

/// `SETTINGS_MAX_HEADER_LIST_SIZE`: 16 KiB. The spec suggests servers cap Request-Headers near
/// 8 KiB of metadata; 16 KiB (hyper's client default) leaves room for the protocol's own
/// headers. h2's own default is 16 MiB: far too much to buffer per stream.
pub const DEFAULT_MAX_HEADER_LIST_SIZE: u32 = 16 * 1024;

/// `SETTINGS_MAX_CONCURRENT_STREAMS` a server grants each connection: 200, hyper's default
/// (tonic removes the bound; h2grpc keeps one so a single client cannot start unbounded work).
pub const DEFAULT_MAX_CONCURRENT_STREAMS: u32 = 200;

/// How much data `h2` may hold per stream before a sender waits: 32 KiB, one full batch of the
/// outbox (`rpc::outbox::LIMIT`), where h2's own default is 400 KiB. The kernel's socket buffer
/// already keeps the connection busy; what h2 holds beyond that only ages in memory. With 400 KiB
/// a stream of 1,000 × 1 KiB responses keeps a dozen batches queued per stream, which outruns the
/// batch-buffer pool: buffers go back to the allocator, the heap shrinks and regrows, and each
/// regrowth costs page faults (5–9 per call in the stream1k benchmark; none at 32 KiB, and
/// ~5% less CPU per call).
pub const DEFAULT_MAX_SEND_BUFFER: usize = 32 * 1024;

/// How long a server waits for a new connection's HTTP/2 preface (after TLS, if any) before it
/// closes the connection: 10 s, as for the TLS handshake (`tls::DEFAULT_HANDSHAKE_TIMEOUT`).
/// Without it, a client that connects and sends nothing holds a connection (a socket, a task)
/// for ever. grpc-go bounds the same step with its `ConnectionTimeout` (120 s).
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Server keepalive: a PING every 2 hours, gRFC A8's default, so that a connection whose peer
/// vanished without a FIN (a NAT that forgot it, a powered-off host) is found and freed.
pub const DEFAULT_KEEPALIVE_TIME: Duration = Duration::from_secs(2 * 60 * 60);

/// How long a keepalive PING may go unanswered before the connection is closed: 20 s, gRFC
/// A8's default.
pub const DEFAULT_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(20);

/// A connection with no call in progress for 30 minutes gets GOAWAY: an idle client costs a
/// socket, a task and h2's state (about 6 KiB) for nothing, and reconnects when it needs to.
/// grpc-core leaves it unbounded; a server exposed to the internet should not.
pub const DEFAULT_MAX_CONNECTION_IDLE: Duration = Duration::from_secs(30 * 60);

/// After the age GOAWAY, calls in flight have 30 s to finish before the connection closes (and
/// after the idle GOAWAY, the client has as long to close it).
pub const DEFAULT_MAX_CONNECTION_AGE_GRACE: Duration = Duration::from_secs(30);

/// The lifetime limits a server applies by default (no age limit: that one exists to rebalance
/// load behind a proxy, a deployment's choice).
pub const DEFAULT_LIFETIME: LifetimeLimits = LifetimeLimits {
    keepalive_time: Some(DEFAULT_KEEPALIVE_TIME),
    keepalive_timeout: DEFAULT_KEEPALIVE_TIMEOUT,
    max_connection_idle: Some(DEFAULT_MAX_CONNECTION_IDLE),
    max_connection_age: None,
    max_connection_age_grace: DEFAULT_MAX_CONNECTION_AGE_GRACE,
};

/// Calls a client may reset while their handler runs, per connection and
/// [`PEER_RESET_WINDOW`](super::lifetime::PEER_RESET_WINDOW) (10 s): 1,000, a hundred a second.
/// A client that cancels calls as part of its work (deadlines, hedging) stays far below; one
/// that opens and resets streams to make the server start handlers for nothing is stopped with
/// GOAWAY `ENHANCE_YOUR_CALM` after 1,000 of them.
pub const DEFAULT_MAX_PEER_RESETS: u32 = 1_000;

/// `h2`'s own cap on streams the peer resets before the server accepted them (the burst form of
/// rapid reset): 20, `h2`'s default, set here so that it is written down.
pub const MAX_PENDING_ACCEPT_RESET_STREAMS: usize = 20;

/// `h2`'s cap on streams it resets itself because the peer broke a rule on them, before it
/// closes the connection: 1,024, `h2`'s default, set explicitly.
pub const MAX_LOCAL_ERROR_RESET_STREAMS: usize = 1024;

/// The HTTP/2 settings of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Http2Settings {
    /// Initial receive window of each stream, in bytes.
    pub stream_window: u32,
    /// Initial receive window of the connection, in bytes.
    pub connection_window: u32,
    /// Largest header list accepted, in bytes (name + value + 32 per field).
    pub max_header_list_size: u32,
    /// Streams the peer may have open at once (servers only).
    pub max_concurrent_streams: u32,
    /// Data buffered per outgoing stream before senders wait for the window.
    pub max_send_buffer: usize,
    /// How long a new connection has to send the HTTP/2 preface (servers only).
    pub handshake_timeout: Duration,
    /// Keepalive, idleness and age of each connection (servers only).
    pub lifetime: LifetimeLimits,
    /// Calls the peer may reset while their handler runs, per 10 s (servers only).
    pub max_peer_resets: u32,
    /// Clients only: PING the server after this long and every as long after, and drop the
    /// connection (the next call makes a new one) when a PING goes unanswered for the timeout,
    /// as gRFC A8 describes for long-lived channels. Off by default, as in gRPC: a server
    /// counts a client's PINGs against it (`transport::pings`), so it is for channels that sit
    /// idle behind NATs and proxies that forget quiet connections.
    pub client_keepalive: Option<ClientKeepalive>,
}

/// A client's keepalive ([`Http2Settings::client_keepalive`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientKeepalive {
    /// Time between PINGs.
    pub time: Duration,
    /// How long a PING may go unanswered.
    pub timeout: Duration,
}

impl Default for Http2Settings {
    fn default() -> Self {
        Self {
            stream_window: DEFAULT_STREAM_WINDOW,
            connection_window: DEFAULT_CONNECTION_WINDOW,
            max_header_list_size: DEFAULT_MAX_HEADER_LIST_SIZE,
            max_concurrent_streams: DEFAULT_MAX_CONCURRENT_STREAMS,
            max_send_buffer: DEFAULT_MAX_SEND_BUFFER,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            lifetime: DEFAULT_LIFETIME,
            max_peer_resets: DEFAULT_MAX_PEER_RESETS,
            client_keepalive: None,
        }
    }
}
