//! ⑥ The client: a [`Channel`] to one server, and the four kinds of call on it.
//!
//! ```no_run
//! use h2grpc::client::Channel;
//! use h2grpc::rpc::Request;
//! use h2grpc::services::hello::{HelloReply, HelloRequest};
//!
//! # async fn run() -> Result<(), h2grpc::status::Status> {
//! let channel = Channel::connect("http://127.0.0.1:50051").await?;
//! let request = Request::new(HelloRequest { name: "World".into() });
//! let reply: HelloReply = channel.unary("/hello.Greeter/SayHello", request).await?.into_inner();
//! println!("{}", reply.message);
//! # Ok(()) }
//! ```

pub mod backoff;

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

pub use backoff::Backoff;

use crate::call::Framed;
use crate::call::client::{RequestCompression, request_headers, response_cardinality};
use crate::compression::{Encoding, EncodingSet};
use crate::framing::DEFAULT_MAX_MESSAGE_SIZE;
use crate::metadata::Metadata;
use crate::protobuf::Message;
use crate::rpc::{Request, Response, Sender, Streaming, under_deadline};
use crate::status::{Code, Status};
use crate::tls::{ClientTlsConfig, TlsConnect};
use crate::transport::client::{ClientConnection, RequestBody, ResponseBody};
use crate::transport::settings::Http2Settings;

/// How long a connection attempt may take by default: 20 s, gRPC's MIN_CONNECT_TIMEOUT.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// How many times a call refused with REFUSED_STREAM (never processed) is sent again.
pub const MAX_TRANSPARENT_RETRIES: u32 = 5;

/// Settings of a [`Channel`].
#[derive(Debug, Clone)]
pub struct ChannelConfig {
    /// How long one connection attempt may take.
    pub connect_timeout: Duration,
    /// Largest response message accepted, in bytes (default 4 MiB).
    pub max_recv_message_size: usize,
    /// Largest request message sent, in bytes (default 4 MiB).
    pub max_send_message_size: usize,
    /// Compress the request messages with this encoding (sent as `grpc-encoding`); `None`, the
    /// default, sends them uncompressed. A call may choose otherwise
    /// ([`Request::set_compression`]).
    pub send_compressed: Option<Encoding>,
    /// The encodings the server may compress responses with, sent as `grpc-accept-encoding`.
    /// By default every one h2grpc supports (`gzip,deflate,identity`); responses in any of them
    /// are decompressed whatever this says.
    pub accept_compressed: EncodingSet,
    /// HTTP/2 settings.
    pub http2: Http2Settings,
    /// TLS for an `https://` target: the CAs to trust, a client certificate for mutual TLS, a
    /// server name override. `None` with `https://` trusts the system's CAs
    /// ([`ClientTlsConfig::with_system_cas`]); it must be `None` with `http://`.
    pub tls: Option<ClientTlsConfig>,
}

impl Default for ChannelConfig {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_recv_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_send_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            send_compressed: None,
            accept_compressed: EncodingSet::ALL,
            http2: Http2Settings::default(),
            tls: None,
        }
    }
}

/// A client's view of one server: one HTTP/2 connection, multiplexed.
///
/// Cheap to clone; clones share the connection and can be used from many tasks at once. If the
/// connection drops or the server sends GOAWAY, the next call connects again, waiting between
/// failed attempts as gRPC's connection backoff says ([`Backoff`]); while waiting, calls fail
/// at once with UNAVAILABLE, and [`Channel::ready`] waits.
#[derive(Debug, Clone)]
pub struct Channel {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    origin: http::Uri,
    address: String,
    /// How to open TLS connections, for an `https://` target.
    tls: Option<TlsConnect>,
    config: ChannelConfig,
    state: Mutex<State>,
    connecting: tokio::sync::Mutex<()>,
}

#[derive(Debug)]
struct State {
    connection: Option<ClientConnection>,
    backoff: Backoff,
    /// After a failed attempt: no new attempt before this instant, and why it failed.
    retry_at: Option<(Instant, Status)>,
}

impl Channel {
    /// A channel to `target` (`http://host:port`, `host:port`, or `https://host:port` for TLS:
    /// [`crate::tls`]), not yet connected: the connection is made by the first call, or by
    /// [`Channel::ready`].
    ///
    /// # Errors
    /// INVALID_ARGUMENT-like failures of the target or of its TLS configuration are reported as
    /// UNAVAILABLE with the reason.
    pub fn new(target: &str, config: ChannelConfig) -> Result<Self, Status> {
        let with_scheme = if target.contains("://") {
            target.to_owned()
        } else {
            format!("http://{target}")
        };
        let origin: http::Uri = with_scheme.parse().map_err(|e| {
            Status::new(Code::Unavailable, format!("invalid target {target:?}: {e}"))
        })?;
        let secure = match origin.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => {
                return Err(Status::new(
                    Code::Unavailable,
                    format!(
                        "unsupported scheme in {target:?}: http:// (cleartext HTTP/2) or \
                         https:// (HTTP/2 over TLS)"
                    ),
                ));
            }
        };
        let Some(authority) = origin.authority() else {
            return Err(Status::new(
                Code::Unavailable,
                format!("no host in target {target:?}"),
            ));
        };
        let default_port = if secure { 443 } else { 80 };
        let address = match authority.port_u16() {
            Some(_) => authority.as_str().to_owned(),
            None => format!("{}:{default_port}", authority.host()),
        };
        let tls = match (&config.tls, secure) {
            (None, false) => None,
            (Some(_), false) => {
                return Err(Status::new(
                    Code::Unavailable,
                    format!(
                        "a TLS configuration was given for the cleartext target {target:?}; \
                         use https://"
                    ),
                ));
            }
            (Some(tls), true) => Some(tls.connector(authority.host())?),
            (None, true) => {
                let tls = ClientTlsConfig::with_system_cas().map_err(|error| {
                    Status::new(Code::Unavailable, format!("TLS for {target:?}: {error}"))
                })?;
                Some(tls.connector(authority.host())?)
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                origin,
                address,
                tls,
                config,
                state: Mutex::new(State {
                    connection: None,
                    backoff: Backoff::default(),
                    retry_at: None,
                }),
                connecting: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// A connected channel with the default configuration.
    ///
    /// # Errors
    /// UNAVAILABLE when the server cannot be reached within the connect timeout.
    pub async fn connect(target: &str) -> Result<Self, Status> {
        Self::connect_with(target, ChannelConfig::default()).await
    }

    /// A connected channel with `config`: [`Channel::new`], then one connection attempt (no
    /// retry), so that a server that is not there, or a TLS handshake that fails, is an error
    /// at once.
    ///
    /// # Errors
    /// As [`Channel::new`], and UNAVAILABLE when that attempt fails (its reason in the
    /// message: refused, timed out, certificate not trusted, ...).
    pub async fn connect_with(target: &str, config: ChannelConfig) -> Result<Self, Status> {
        let channel = Self::new(target, config)?;
        channel.connection().await?;
        Ok(channel)
    }

    /// Waits until the channel is connected, retrying with backoff, for at most `timeout`
    /// (the tutorials' `grpc.channel_ready_future(channel).result(timeout=…)`).
    ///
    /// # Errors
    /// DEADLINE_EXCEEDED if no connection succeeded in time, with the reason the last attempt
    /// failed.
    pub async fn ready(&self, timeout: Duration) -> Result<(), Status> {
        let deadline = Instant::now() + timeout;
        // Why the last attempt failed: what the caller needs to hear (a refused port, a
        // certificate the client does not trust), not only that time ran out.
        let not_ready = |last: Option<&Status>| {
            let why = last
                .map(|status| format!("; last attempt: {}", status.message()))
                .unwrap_or_default();
            Status::new(
                Code::DeadlineExceeded,
                format!("channel not ready within {timeout:?}{why}"),
            )
        };
        let mut last = None;
        loop {
            let wait = {
                let state = self.inner.state.lock().expect("channel state lock");
                state.retry_at.clone()
            };
            if let Some((at, status)) = wait {
                if at > deadline {
                    return Err(not_ready(Some(&status)));
                }
                tokio::time::sleep_until(at).await;
                self.inner
                    .state
                    .lock()
                    .expect("channel state lock")
                    .retry_at = None;
            }
            match tokio::time::timeout_at(deadline, self.connection()).await {
                Ok(Ok(_)) => return Ok(()),
                Ok(Err(status)) => last = Some(status),
                Err(_) => return Err(not_ready(last.as_ref())),
            }
        }
    }

    /// The current connection, or a new one.
    async fn connection(&self) -> Result<ClientConnection, Status> {
        if let Some(connection) = self.current()? {
            return Ok(connection);
        }
        // Connecting (TCP, TLS, the HTTP/2 handshake) is a large future, and rare: boxed, it
        // is not part of the state of every call, which is moved around with each call.
        Box::pin(self.reconnect()).await
    }

    /// Makes a new connection (one task at a time), unless another task just did.
    async fn reconnect(&self) -> Result<ClientConnection, Status> {
        let _connecting = self.inner.connecting.lock().await;
        // Another task may have connected while this one waited.
        if let Some(connection) = self.current()? {
            return Ok(connection);
        }
        let result = ClientConnection::connect(
            &self.inner.address,
            self.inner.tls.as_ref(),
            &self.inner.config.http2,
            self.inner.config.connect_timeout,
        )
        .await;
        let mut state = self.inner.state.lock().expect("channel state lock");
        match result {
            Ok(connection) => {
                state.backoff.reset();
                state.retry_at = None;
                state.connection = Some(connection.clone());
                Ok(connection)
            }
            Err(status) => {
                let delay = state.backoff.next_delay();
                tracing::debug!(%status, ?delay, "connection attempt failed");
                state.retry_at = Some((Instant::now() + delay, status.clone()));
                Err(status)
            }
        }
    }

    /// The live connection if there is one; UNAVAILABLE while backing off.
    fn current(&self) -> Result<Option<ClientConnection>, Status> {
        let mut state = self.inner.state.lock().expect("channel state lock");
        if let Some(connection) = &state.connection {
            if !connection.is_closed() {
                return Ok(Some(connection.clone()));
            }
            state.connection = None;
        }
        if let Some((at, status)) = &state.retry_at
            && Instant::now() < *at
        {
            return Err(Status::new(
                Code::Unavailable,
                format!(
                    "waiting to reconnect; last attempt failed: {}",
                    status.message()
                ),
            ));
        }
        Ok(None)
    }

    /// The compression of a call: `chosen` by its [`Request`], else the channel's.
    fn compression(&self, chosen: Option<Encoding>) -> RequestCompression {
        RequestCompression {
            encoding: chosen
                .or(self.inner.config.send_compressed)
                .and_then(Encoding::compressed),
            accept: self.inner.config.accept_compressed,
        }
    }

    async fn start(
        &self,
        path: &str,
        metadata: Metadata,
        timeout: Option<Duration>,
        compression: RequestCompression,
    ) -> Result<(RequestBody, ResponseBody), Status> {
        let max_recv = self.inner.config.max_recv_message_size;
        // Read the clock only for a call that has a timeout: the others never need it.
        let began = timeout.map(|_| Instant::now());
        let connection = self.connection().await?;
        let head = request_headers(
            &self.inner.origin,
            path,
            timeout,
            compression,
            metadata.clone(),
        )?;
        match connection.start_call(head, max_recv).await {
            // The connection was going away (the server's GOAWAY arrived, or the socket closed)
            // and h2 refused the new stream before its HEADERS left: nothing reached the
            // server, so the call goes out once more on a new connection. RFC 9113 §6.8:
            // "Receivers of a GOAWAY frame MUST NOT open additional streams on the connection,
            // although a new connection can be established for new streams."
            Err(status) if connection.is_closed() => {
                tracing::debug!(%status, "connection going away; starting the call on a new one");
                let connection = self.connection().await?;
                let left = remaining(timeout, began);
                let head = request_headers(&self.inner.origin, path, left, compression, metadata)?;
                connection.start_call(head, max_recv).await
            }
            result => result,
        }
    }

    /// Starts a unary or server-streaming call and sends its one request message, with
    /// END_STREAM; waits for the Response-Headers.
    ///
    /// A stream the server refused with RST_STREAM(REFUSED_STREAM) was never processed
    /// (PROTOCOL-HTTP2.md: "REFUSED_STREAM … no processing has happened; retry is safe"), so
    /// the call is sent again, up to [`MAX_TRANSPARENT_RETRIES`] times. This happens when a
    /// client opens streams before the server's SETTINGS (MAX_CONCURRENT_STREAMS) arrived.
    async fn send_one(
        &self,
        path: &str,
        metadata: &Metadata,
        timeout: Option<Duration>,
        compression: RequestCompression,
        data: Framed,
    ) -> Result<ResponseBody, Status> {
        let mut attempt = 0;
        let began = timeout.map(|_| Instant::now());
        loop {
            // A retry says how much of the timeout is left, not the whole of it again.
            let timeout = if attempt == 0 {
                timeout
            } else {
                remaining(timeout, began)
            };
            let (mut body, mut response) = self
                .start(path, metadata.clone(), timeout, compression)
                .await?;
            // The one message, with END_STREAM on its last DATA frame.
            send_request(&mut body, &data);
            let refused = match response.headers().await {
                Err(status) => {
                    tracing::debug!(%status, attempt, "no response headers");
                    true
                }
                Ok(_) => false,
            };
            if !(refused && response.was_refused() && attempt < MAX_TRANSPARENT_RETRIES) {
                return Ok(response);
            }
            attempt += 1;
        }
    }

    fn encode<M: Message>(
        &self,
        message: &M,
        encoding: Option<Encoding>,
    ) -> Result<Framed, Status> {
        let limit = self.inner.config.max_send_message_size;
        crate::call::encode_framed(message, encoding, limit)
    }

    /// A unary call: one request, one response.
    ///
    /// # Errors
    /// The call's status when it is not OK, DEADLINE_EXCEEDED when the request's timeout
    /// passes, UNAVAILABLE when the server cannot be reached.
    pub async fn unary<Req: Message, Resp: Message>(
        &self,
        path: &str,
        request: Request<Req>,
    ) -> Result<Response<Resp>, Status> {
        let timeout = request.timeout();
        let compression = self.compression(request.compression());
        let call = async {
            let (metadata, message) = request.into_parts();
            let data = self.encode(&message, compression.encoding)?;
            let mut response = self
                .send_one(path, &metadata, timeout, compression, data)
                .await?;
            let headers = response.headers().await?.clone();
            let Some(message) = response.message::<Resp>().await? else {
                return Err(response_cardinality(0));
            };
            let compressed = response.last_compressed();
            if response.message::<Resp>().await?.is_some() {
                return Err(response_cardinality(2));
            }
            let trailers = response.trailers().cloned().unwrap_or_default();
            Ok(Response::from_parts(headers, message, trailers).with_received(compressed))
        };
        with_deadline(timeout.map(|t| Instant::now() + t), pin!(call)).await
    }

    /// A server-streaming call: one request, a stream of responses. Returns once the
    /// Response-Headers arrived (or the call failed before any response).
    ///
    /// # Errors
    /// As [`Channel::unary`], for the start of the call; later failures come from
    /// [`Streaming::message`].
    pub async fn server_streaming<Req: Message, Resp: Message>(
        &self,
        path: &str,
        request: Request<Req>,
    ) -> Result<Streaming<Resp>, Status> {
        let timeout = request.timeout();
        let deadline = timeout.map(|t| Instant::now() + t);
        let compression = self.compression(request.compression());
        let call = async {
            let (metadata, message) = request.into_parts();
            let data = self.encode(&message, compression.encoding)?;
            let mut response = self
                .send_one(path, &metadata, timeout, compression, data)
                .await?;
            response.headers().await?;
            Ok(Streaming::responses(response, deadline))
        };
        with_deadline(deadline, pin!(call)).await
    }

    /// A client-streaming call: send requests with [`ClientStreamingCall::send`], then
    /// [`ClientStreamingCall::finish`] for the one response. `request` carries the metadata
    /// and the deadline.
    ///
    /// # Errors
    /// As [`Channel::unary`].
    pub async fn client_streaming<Req: Message, Resp: Message>(
        &self,
        path: &str,
        request: Request<()>,
    ) -> Result<ClientStreamingCall<Req, Resp>, Status> {
        let (sender, responses) = self.bidi_streaming(path, request).await?;
        Ok(ClientStreamingCall { sender, responses })
    }

    /// A bidirectional-streaming call: a [`Sender`] for the requests and a [`Streaming`] of
    /// responses, usable from different tasks. `request` carries the metadata and the deadline.
    ///
    /// # Errors
    /// As [`Channel::unary`].
    pub async fn bidi_streaming<Req: Message, Resp: Message>(
        &self,
        path: &str,
        request: Request<()>,
    ) -> Result<(Sender<Req>, Streaming<Resp>), Status> {
        let timeout = request.timeout();
        let deadline = timeout.map(|t| Instant::now() + t);
        let compression = self.compression(request.compression());
        let (metadata, ()) = request.into_parts();
        let start = pin!(self.start(path, metadata, timeout, compression));
        let (body, response) = with_deadline(deadline, start).await?;
        let max_send = self.inner.config.max_send_message_size;
        Ok((
            Sender::client(body, max_send, deadline, compression.encoding),
            Streaming::responses(response, deadline),
        ))
    }
}

/// Sends the one request message of a unary or server-streaming call, with END_STREAM.
///
/// A failure to send is not the call's outcome: the response is. A server may answer in full
/// before it has read the request (an interceptor refusing the call on its headers alone, in
/// Trailers-Only) and then reset the stream with NO_ERROR, and RFC 9113 §8.1 says "Clients MUST
/// NOT discard responses as a result of receiving such a RST_STREAM". If the stream or the
/// connection really failed, reading the response fails too, with the status that says why.
fn send_request(body: &mut RequestBody, data: &Framed) {
    if let Err(status) = body.send_final(data) {
        tracing::debug!(%status, "the request was not sent in full; the response tells why");
    }
}

/// `call` under the deadline. It is taken pinned, by reference: an `async fn` keeps its
/// arguments for its whole life, so a call's future passed by value would be stored twice in
/// the caller's future (which every poll of the caller may move).
async fn with_deadline<T, F>(deadline: Option<Instant>, call: Pin<&mut F>) -> Result<T, Status>
where
    F: Future<Output = Result<T, Status>>,
{
    // Dropping the call's streams at the deadline resets them with CANCEL.
    under_deadline(deadline, call).await
}

/// A client-streaming call in progress.
#[derive(Debug)]
pub struct ClientStreamingCall<Req, Resp> {
    sender: Sender<Req>,
    responses: Streaming<Resp>,
}

impl<Req: Message, Resp: Message> ClientStreamingCall<Req, Resp> {
    /// Sends one request message.
    ///
    /// # Errors
    /// The transport failure, or DEADLINE_EXCEEDED.
    pub async fn send(&mut self, message: &Req) -> Result<(), Status> {
        self.sender.send(message).await
    }

    /// Sends one request message uncompressed, even if the call compresses the others
    /// ([`Sender::send_uncompressed`]).
    ///
    /// # Errors
    /// As [`ClientStreamingCall::send`].
    pub async fn send_uncompressed(&mut self, message: &Req) -> Result<(), Status> {
        self.sender.send_uncompressed(message).await
    }

    /// Half-closes the request stream and waits for the one response.
    ///
    /// # Errors
    /// The call's status when it is not OK; UNIMPLEMENTED if the server sent other than one
    /// response message.
    pub async fn finish(mut self) -> Result<Response<Resp>, Status> {
        // If sending fails, the server has ended the call: its status is the better answer.
        let finished = self.sender.finish().await;
        let headers = self.responses.headers().await?.clone();
        let message = match self.responses.message().await {
            Ok(Some(message)) => message,
            Ok(None) => return Err(finished.err().unwrap_or_else(|| response_cardinality(0))),
            Err(status) => return Err(status),
        };
        let compressed = self.responses.last_compressed();
        if self.responses.message().await?.is_some() {
            return Err(response_cardinality(2));
        }
        let trailers = self.responses.trailers().cloned().unwrap_or_default();
        Ok(Response::from_parts(headers, message, trailers).with_received(compressed))
    }
}

/// What is left of `timeout` (if the call has one) after the time since `began` (read when
/// there is a timeout): the `grpc-timeout` of an attempt made after an earlier one was refused,
/// so that the server's deadline is never later than the client's.
fn remaining(timeout: Option<Duration>, began: Option<Instant>) -> Option<Duration> {
    match (timeout, began) {
        (Some(timeout), Some(began)) => Some(timeout.saturating_sub(began.elapsed())),
        _ => timeout,
    }
}
