//! The client side of a connection: connect (over TCP, or TLS: [`crate::tls`]), start calls,
//! read responses.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

use super::coalesce::Coalescing;
use super::recv::RecvBody;
use super::send::{send_data, send_whole};
use super::settings::{ClientKeepalive, Http2Settings};
use super::status_from_h2;
use crate::call::Framed;
use crate::call::client::{self as call, ResponseStart};
use crate::metadata::Metadata;
use crate::protobuf::Message;
use crate::status::{Code, Status};
use crate::tls::TlsConnect;

/// One HTTP/2 connection to a server, cheap to clone: every clone multiplexes its calls onto the
/// same connection. A background task drives the connection; when it ends (the server closed
/// it, sent GOAWAY, or the socket failed) [`ClientConnection::is_closed`] turns true.
#[derive(Debug, Clone)]
pub(crate) struct ClientConnection {
    send_request: h2::client::SendRequest<Bytes>,
    closed: Arc<AtomicBool>,
}

impl ClientConnection {
    /// Connects over TCP, then TLS when `tls` is given, then starts HTTP/2, all within
    /// `connect_timeout`. Without TLS, HTTP/2 starts with prior knowledge (no Upgrade, as gRPC
    /// requires for cleartext); with TLS, only after the server selected `h2` with ALPN.
    pub(crate) async fn connect(
        address: &str,
        tls: Option<&TlsConnect>,
        settings: &Http2Settings,
        connect_timeout: Duration,
    ) -> Result<Self, Status> {
        let connect = async {
            let tcp = TcpStream::connect(address).await.map_err(|e| {
                Status::new(
                    Code::Unavailable,
                    format!("cannot connect to {address}: {e}"),
                )
            })?;
            // Small messages must not wait for Nagle's algorithm.
            let _ = tcp.set_nodelay(true);
            match tls {
                None => Self::handshake(tcp, address, settings, false).await,
                Some(tls) => {
                    let stream = tls.connect(tcp, address).await?;
                    Self::handshake(stream, address, settings, true).await
                }
            }
        };
        tokio::time::timeout(connect_timeout, connect)
            .await
            .map_err(|_| {
                Status::new(
                    Code::Unavailable,
                    format!("connecting to {address} took longer than {connect_timeout:?}"),
                )
            })?
    }

    /// Starts HTTP/2 over `io` and spawns the task that drives the connection.
    ///
    /// With `wait_for_server`, returns only once the server has answered a PING. Over TLS 1.3
    /// that is what tells a connection the server accepted from one it refused after the
    /// handshake: the client's handshake ends before the server has checked the client's
    /// certificate (mutual TLS), and a refusal arrives as an alert on the first read. One
    /// round trip per connection, so that such a refusal is a connection error that names the
    /// alert rather than the failure of whichever call came first.
    async fn handshake<T>(
        io: T,
        address: &str,
        settings: &Http2Settings,
        wait_for_server: bool,
    ) -> Result<Self, Status>
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (send_request, mut connection) = h2::client::Builder::new()
            .initial_window_size(settings.stream_window)
            .initial_connection_window_size(settings.connection_window)
            .max_header_list_size(settings.max_header_list_size)
            .max_send_buffer_size(settings.max_send_buffer)
            .enable_push(false)
            .handshake::<_, Bytes>(Coalescing::new(io))
            .await
            .map_err(|e| {
                Status::new(
                    Code::Unavailable,
                    format!("HTTP/2 handshake with {address} failed: {e}"),
                )
            })?;
        let ping_pong = if wait_for_server || settings.client_keepalive.is_some() {
            connection.ping_pong()
        } else {
            None
        };
        let closed = Arc::new(AtomicBool::new(false));
        let flag = closed.clone();
        let (ended, ended_with) = oneshot::channel();
        let driver = tokio::spawn(async move {
            let result = connection.await;
            if let Err(error) = &result {
                tracing::debug!(%error, "client connection ended with an error");
            }
            flag.store(true, Ordering::Release);
            // Nobody listens once the connection was made.
            let _ = ended.send(result.err());
        });
        let mut ping_pong = ping_pong;
        if wait_for_server
            && let Some(ping_pong) = ping_pong.as_mut()
            && ping_pong.ping(h2::Ping::opaque()).await.is_err()
        {
            // The PING fails with a bare "broken pipe"; the connection's own error says why.
            let reason = crate::tls::after_handshake(ended_with.await.ok().flatten().as_ref());
            return Err(Status::new(
                Code::Unavailable,
                format!(
                    "the server at {address} closed the connection after the TLS handshake: \
                     {reason}"
                ),
            ));
        }
        if let (Some(keepalive), Some(ping_pong)) = (settings.client_keepalive, ping_pong) {
            tokio::spawn(keepalive_pings(
                keepalive,
                ping_pong,
                driver,
                Arc::clone(&closed),
            ));
        }
        Ok(Self {
            send_request,
            closed,
        })
    }

    /// Whether the connection is gone, so that a new one is needed.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Sends the Request-Headers of a new call (waiting for a free stream if the server's
    /// `MAX_CONCURRENT_STREAMS` is reached) and returns both directions of it.
    pub(crate) async fn start_call(
        &self,
        head: http::Request<()>,
        max_recv_message_size: usize,
    ) -> Result<(RequestBody, ResponseBody), Status> {
        let mut send_request = self.send_request.clone().ready().await.map_err(|e| {
            self.closed.store(true, Ordering::Release);
            unavailable(&e)
        })?;
        let (response, stream) = send_request.send_request(head, false).map_err(|e| {
            if e.is_go_away() || e.is_io() {
                self.closed.store(true, Ordering::Release);
            }
            unavailable(&e)
        })?;
        Ok((
            RequestBody {
                stream,
                finished: false,
            },
            ResponseBody {
                state: State::Pending(response),
                max_recv_message_size,
                headers: Metadata::new(),
                trailers: None,
                refused: false,
            },
        ))
    }
}

/// A call that could not even start: the connection is unusable (statuscodes.md: UNAVAILABLE,
/// nothing was processed, so the call may be retried).
fn unavailable(error: &h2::Error) -> Status {
    let status = status_from_h2(error);
    if status.code() == Code::Internal {
        Status::new(Code::Unavailable, format!("cannot start a call: {error}"))
    } else {
        status
    }
}

// ===== RequestBody =====

/// The request stream of a call, written by the caller's task.
#[derive(Debug)]
pub(crate) struct RequestBody {
    stream: h2::SendStream<Bytes>,
    finished: bool,
}

impl RequestBody {
    /// Sends framed messages.
    pub(crate) async fn send(&mut self, data: Bytes) -> Result<(), Status> {
        if self.finished {
            return Err(Status::new(
                Code::Internal,
                "the request stream was already finished",
            ));
        }
        send_data(&mut self.stream, data, false).await
    }

    /// Sends the last framed messages with END_STREAM on their last DATA frame.
    pub(crate) async fn send_last(&mut self, data: Bytes) -> Result<(), Status> {
        self.finished = true;
        send_data(&mut self.stream, data, true).await
    }

    /// Sends the whole request of a unary or server-streaming call, with END_STREAM, handed to
    /// `h2` at once: it is encoded already, so waiting for flow control would bound no memory
    /// (as for a server's final messages, `ServerStream::send_final_messages`).
    ///
    /// A [`Framed::Spliced`] request goes as its pieces, END_STREAM on the last: its large
    /// `bytes` payloads leave from the caller's own buffers.
    pub(crate) fn send_final(&mut self, data: &Framed) -> Result<(), Status> {
        self.finished = true;
        let pieces = data.pieces();
        let last = pieces.len().saturating_sub(1);
        for (i, piece) in pieces.iter().enumerate() {
            send_whole(&mut self.stream, piece.clone(), i == last)?;
        }
        Ok(())
    }
}

impl Drop for RequestBody {
    /// A request stream dropped before END_STREAM cancels the call: RST_STREAM(CANCEL), which is
    /// how gRPC cancels (PROTOCOL-HTTP2.md). Otherwise the server would wait for more requests.
    fn drop(&mut self) {
        if !self.finished {
            self.stream.send_reset(h2::Reason::CANCEL);
        }
    }
}

// ===== ResponseBody =====

#[derive(Debug)]
enum State {
    /// Waiting for the Response-Headers.
    Pending(h2::client::ResponseFuture),
    /// Reading messages.
    Body(RecvBody),
    /// Over: OK, or the status that ended it.
    Done(Result<(), Status>),
}

/// The response of a call, read by the caller's task.
#[derive(Debug)]
pub(crate) struct ResponseBody {
    state: State,
    max_recv_message_size: usize,
    headers: Metadata,
    trailers: Option<Metadata>,
    /// The server refused the stream (RST_STREAM(REFUSED_STREAM)) before answering.
    refused: bool,
}

impl ResponseBody {
    /// Whether the server refused the stream before processing it (RST_STREAM with
    /// REFUSED_STREAM, e.g. over its MAX_CONCURRENT_STREAMS before the client knew that
    /// setting): the call may be sent again, PROTOCOL-HTTP2.md says.
    pub(crate) fn was_refused(&self) -> bool {
        self.refused
    }

    async fn start(&mut self) {
        let State::Pending(response) = &mut self.state else {
            return;
        };
        self.state = match response.await {
            Err(error) => {
                self.refused =
                    error.is_remote() && error.reason() == Some(h2::Reason::REFUSED_STREAM);
                State::Done(Err(status_from_h2(&error)))
            }
            Ok(response) => {
                let (parts, body) = response.into_parts();
                match call::recv_response_headers(parts) {
                    Ok(ResponseStart::Headers(metadata, encoding)) => {
                        self.headers = metadata;
                        State::Body(RecvBody::new(body, self.max_recv_message_size, encoding))
                    }
                    Ok(ResponseStart::TrailersOnly(status)) => {
                        self.trailers = Some(status.metadata().clone());
                        State::Done(if status.code() == Code::Ok {
                            Ok(())
                        } else {
                            Err(status)
                        })
                    }
                    Err(status) => State::Done(Err(status)),
                }
            }
        };
    }

    /// The initial metadata; waits for the Response-Headers.
    pub(crate) async fn headers(&mut self) -> Result<&Metadata, Status> {
        self.start().await;
        match &self.state {
            State::Done(Err(status)) => Err(status.clone()),
            _ => Ok(&self.headers),
        }
    }

    /// The trailing metadata, once the call is over.
    pub(crate) fn trailers(&self) -> Option<&Metadata> {
        self.trailers.as_ref()
    }

    /// Whether the last message returned arrived compressed.
    pub(crate) fn last_compressed(&self) -> bool {
        match &self.state {
            State::Body(body) => body.last_compressed(),
            _ => false,
        }
    }

    /// The next message; `None` once the call ended with OK.
    pub(crate) async fn message<M: Message>(&mut self) -> Result<Option<M>, Status> {
        self.start().await;
        let body = match &mut self.state {
            State::Pending(_) => unreachable!("start() leaves Pending"),
            State::Done(result) => return result.clone().map(|()| None),
            State::Body(body) => body,
        };
        let status = match body.message().await {
            Ok(Some(message)) => return Ok(Some(message)),
            Ok(None) => match body.trailers().await {
                Ok(Some(trailers)) => {
                    let status = call::recv_trailers(&trailers);
                    self.trailers = Some(status.metadata().clone());
                    status
                }
                Ok(None) => call::recv_end_without_trailers(),
                Err(status) => status,
            },
            Err(status) => status,
        };
        let result = if status.code() == Code::Ok {
            Ok(())
        } else {
            Err(status)
        };
        self.state = State::Done(result.clone());
        result.map(|()| None)
    }
}

/// PINGs the server every `keepalive.time`; one unanswered for `keepalive.timeout` ends the
/// connection (its driving task is aborted, which drops it: the calls on it fail with
/// UNAVAILABLE and the channel's next call connects again).
async fn keepalive_pings(
    keepalive: ClientKeepalive,
    mut ping_pong: h2::PingPong,
    driver: tokio::task::JoinHandle<()>,
    closed: Arc<AtomicBool>,
) {
    loop {
        tokio::time::sleep(keepalive.time).await;
        if driver.is_finished() {
            return;
        }
        match tokio::time::timeout(keepalive.timeout, ping_pong.ping(h2::Ping::opaque())).await {
            Ok(Ok(_)) => {}
            Ok(Err(_)) => return,
            Err(_) => {
                tracing::debug!(timeout = ?keepalive.timeout, "keepalive PING unanswered: dropping the connection");
                closed.store(true, Ordering::Release);
                driver.abort();
                return;
            }
        }
    }
}
