//! The server side of a connection: accept streams, answer them.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;

use super::coalesce::Coalescing;
use super::lifetime::{Action, CallTracker, Clock};
use super::pings::PingWatched;
use super::recv::RecvBody;
use super::send::{send_data, send_whole};
use super::settings::{
    Http2Settings, MAX_LOCAL_ERROR_RESET_STREAMS, MAX_PENDING_ACCEPT_RESET_STREAMS,
};
use super::status_from_h2;
use crate::call::Framed;
use crate::call::server::{End, ServerCall};
use crate::compression::Encoding;
use crate::metadata::Metadata;
use crate::status::Status;

/// A boxed, sendable future: what a type-erased handler returns.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// What answers the streams of a connection: the server's router.
pub(crate) trait Dispatch: Send + Sync + 'static {
    /// Handles one call: at once if it can (a call that needs no waiting is over when this
    /// returns `None`), or in the future it returns. `cx` is the connection task's: whatever
    /// the dispatcher polls with it may wake that task once more, and must be polled again by
    /// the returned future.
    fn dispatch(
        &self,
        request: http::request::Parts,
        call: ServerStream,
        cx: &mut Context<'_>,
    ) -> Option<BoxFuture<()>>;
}

/// Serves one connection until the client closes it or `shutdown` turns true; then sends
/// GOAWAY and lets the calls in flight finish.
pub(crate) async fn serve_connection<T>(
    io: T,
    settings: Http2Settings,
    dispatch: Arc<dyn Dispatch>,
    mut shutdown: watch::Receiver<bool>,
) where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // The calls of this connection, their resets and the client's PINGs, counted.
    let tracker = Arc::new(CallTracker::new(Instant::now(), settings.max_peer_resets));
    // Boxed: the handshake's state (1.2 KB, most of it the codec's) would otherwise take room
    // in this future for as long as the connection lives, next to the connection's own.
    let handshake = Box::pin(
        h2::server::Builder::new()
            .initial_window_size(settings.stream_window)
            .initial_connection_window_size(settings.connection_window)
            .max_header_list_size(settings.max_header_list_size)
            .max_concurrent_streams(settings.max_concurrent_streams)
            .max_send_buffer_size(settings.max_send_buffer)
            .max_pending_accept_reset_streams(MAX_PENDING_ACCEPT_RESET_STREAMS)
            .max_local_error_reset_streams(Some(MAX_LOCAL_ERROR_RESET_STREAMS))
            .handshake::<_, Bytes>(Coalescing::new(PingWatched::new(io, Arc::clone(&tracker)))),
    );
    // A client that never completes the handshake has no call to finish: a shutdown drops it
    // at once rather than waiting the whole grace period for it, and it has
    // `settings.handshake_timeout` to send its preface.
    let mut connection = tokio::select! {
        handshake = tokio::time::timeout(settings.handshake_timeout, handshake) => match handshake {
            Ok(Ok(connection)) => connection,
            Ok(Err(error)) => {
                tracing::debug!(%error, "HTTP/2 handshake failed");
                return;
            }
            Err(_) => {
                let timeout = settings.handshake_timeout;
                tracing::debug!(?timeout, "no HTTP/2 preface in time; closing the connection");
                return;
            }
        },
        _ = shutdown.wait_for(|shutting_down| *shutting_down) => return,
    };
    let mut shutting_down = *shutdown.borrow();
    if shutting_down {
        connection.graceful_shutdown();
    }
    // Keepalive, idleness and age (`lifetime`): a boxed clock, only when a limit is on.
    let ping_pong = settings
        .lifetime
        .keepalive_time
        .and_then(|_| connection.ping_pong());
    let mut clock = Clock::new(settings.lifetime, &tracker, ping_pong, jitter());
    // The streams `h2` has ready, taken all at once before any is answered (see
    // `accept_and_dispatch`).
    let mut ready = Vec::new();
    loop {
        tokio::select! {
            accepted = poll_fn(|cx| accept_and_dispatch(&mut connection, &mut ready, &*dispatch, &tracker, cx)) => {
                if let Err(error) = accepted {
                    if let Some(error) = error {
                        tracing::debug!(%error, "connection error");
                    }
                    break;
                }
                if let Some(reason) = tracker.take_calm() {
                    tracing::debug!(reason, "GOAWAY ENHANCE_YOUR_CALM");
                    connection.abrupt_shutdown(h2::Reason::ENHANCE_YOUR_CALM);
                    shutting_down = true;
                }
                if let Some(clock) = clock.as_mut() {
                    clock.accepted();
                }
            }
            _ = shutdown.changed(), if !shutting_down => {
                // GOAWAY: no new streams; the ones in flight run to completion.
                connection.graceful_shutdown();
                shutting_down = true;
            }
            action = poll_fn(|cx| match clock.as_mut() {
                Some(clock) => clock.poll_action(cx),
                None => Poll::Pending,
            }), if clock.is_some() => match action {
                Action::GoAway(reason) => {
                    tracing::debug!(reason, "GOAWAY");
                    connection.graceful_shutdown();
                    shutting_down = true;
                }
                Action::Close(reason) => {
                    tracing::debug!(reason, "closing the connection");
                    break;
                }
                Action::Wait | Action::Ping => {}
            },
        }
    }
}

/// A number in [-1, 1], different for each connection: the jitter of the age limit.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    // The top 53 bits as a fraction in [0, 1), then mapped to [-1, 1).
    (random >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

/// Accepts the streams `h2` has ready ([`accept_ready`]) and answers them.
///
/// `h2` hands out a new stream only after reading every frame the socket had ready, so a small
/// request's DATA is usually here already and most unary calls can run to their end now, in the
/// connection's task (`Dispatch::dispatch`); other calls are polled once here too, and get a task
/// of their own only if they have to wait (for more DATA, a slow handler, or the network).
/// Spawning every call would cost a task allocation and a trip through the scheduler.
///
/// The calls are answered only once every ready stream was accepted: each poll of `h2`'s
/// connection writes what is queued, so answering between two accepts would cost a write (a
/// system call) per response, where this way the responses of a batch leave in one.
///
/// All of it happens within one poll, so that no request is held in the connection's future
/// across an `await` (the future is the memory an idle connection costs).
fn accept_and_dispatch(
    connection: &mut h2::server::Connection<impl AsyncRead + AsyncWrite + Unpin, Bytes>,
    ready: &mut Vec<Accepted>,
    dispatch: &dyn Dispatch,
    tracker: &Arc<CallTracker>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Option<h2::Error>>> {
    let accepted = match accept_ready(connection, ready, cx) {
        // Reading the socket in `accept_ready` may have found the client misbehaving (a PING
        // flood brings no stream to accept): back to the loop, which sends the GOAWAY.
        Poll::Pending if tracker.calm_pending().is_some() => return Poll::Ready(Ok(())),
        Poll::Pending => return Poll::Pending,
        Poll::Ready(accepted) => accepted,
    };
    for (request, respond) in ready.drain(..) {
        let (parts, body) = request.into_parts();
        let call = ServerStream {
            body: Some(body),
            respond: Some(respond),
            stream: None,
            status_sent: false,
            tracker: Arc::clone(tracker),
        };
        if let Some(mut future) = dispatch.dispatch(parts, call, cx)
            && future.as_mut().poll(cx).is_pending()
        {
            // A call that waits is counted until it ends (the idle limit's clock).
            let guard = tracker.start();
            tokio::spawn(async move {
                future.await;
                drop(guard);
            });
        }
    }
    Poll::Ready(accepted)
}

/// A stream `h2` accepted: the request (its body to come) and the handle to answer it.
type Accepted = (
    http::Request<h2::RecvStream>,
    h2::server::SendResponse<Bytes>,
);

/// The most streams one batch takes before they are answered.
const MAX_BATCH: usize = 64;

/// Takes every stream `h2` has ready into `ready` (up to [`MAX_BATCH`]); pending until there is
/// at least one. `Err(None)`: the connection is closed; `Err(Some(error))`: it failed.
fn accept_ready(
    connection: &mut h2::server::Connection<impl AsyncRead + AsyncWrite + Unpin, Bytes>,
    ready: &mut Vec<Accepted>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Option<h2::Error>>> {
    while ready.len() < MAX_BATCH {
        match connection.poll_accept(cx) {
            Poll::Ready(Some(Ok(accepted))) => ready.push(accepted),
            Poll::Ready(Some(Err(error))) => return Poll::Ready(Err(Some(error))),
            Poll::Ready(None) => {
                // Answer what was accepted before the connection closed.
                if ready.is_empty() {
                    return Poll::Ready(Err(None));
                }
                break;
            }
            Poll::Pending => break,
        }
    }
    if ready.is_empty() {
        Poll::Pending
    } else {
        Poll::Ready(Ok(()))
    }
}

/// One call's stream, on the server: the request body to read and the response to write.
#[derive(Debug)]
pub(crate) struct ServerStream {
    body: Option<h2::RecvStream>,
    respond: Option<h2::server::SendResponse<Bytes>>,
    stream: Option<h2::SendStream<Bytes>>,
    /// The response ended (END_STREAM went to `h2`): Trailers, or a headers-only response.
    status_sent: bool,
    /// The connection's count of calls, told when the peer resets this one.
    tracker: Arc<CallTracker>,
}

impl ServerStream {
    /// The request messages (may be taken once), compressed ones with `encoding`.
    pub(crate) fn take_body(
        &mut self,
        max_message_size: usize,
        encoding: Option<Encoding>,
    ) -> Option<RecvBody> {
        self.body
            .take()
            .map(|body| RecvBody::new(body, max_message_size, encoding))
    }

    /// Sends a whole response that is only HEADERS (a rejection, or Trailers-Only).
    pub(crate) fn send_headers_only(&mut self, response: http::Response<()>) {
        if let Some(mut respond) = self.respond.take() {
            match respond.send_response(response, true) {
                Ok(_) => self.status_sent = true,
                Err(error) => tracing::debug!(%error, "could not send a Trailers-Only response"),
            }
        }
    }

    /// Sends the Response-Headers (`call` decides whether they are still due).
    pub(crate) fn send_headers(
        &mut self,
        call: &mut ServerCall,
        metadata: Metadata,
    ) -> Result<(), Status> {
        let (Some(response), Some(respond)) = (call.send_headers(metadata), self.respond.as_mut())
        else {
            return Ok(());
        };
        let stream = respond
            .send_response(response, false)
            .map_err(|e| status_from_h2(&e))?;
        self.stream = Some(stream);
        Ok(())
    }

    /// Sends framed messages (after the Response-Headers, sent first if they were not).
    pub(crate) async fn send_messages(
        &mut self,
        call: &mut ServerCall,
        data: Bytes,
    ) -> Result<(), Status> {
        self.send_headers(call, Metadata::new())?;
        match self.stream.as_mut() {
            Some(stream) => send_data(stream, data, false).await,
            None => Ok(()),
        }
    }

    /// Sends the last messages of a call (the one response of a unary or client-streaming
    /// call, or what a streaming handler had queued when it returned), after the
    /// Response-Headers, handed to `h2` whole, without waiting for flow control.
    ///
    /// Waiting would bound nothing: the messages are encoded already, and memory is the same
    /// whether this task or `h2` holds them until the peer's window opens; it would only cost a
    /// trip through `h2`'s capacity accounting (and a wake-up of this task) per window's worth.
    /// Streams that are still being produced keep waiting for capacity
    /// ([`ServerStream::send_messages`]): that is what holds a handler back when the client
    /// reads slowly.
    ///
    /// A [`Framed::Spliced`] message goes as its pieces, each a DATA frame or more: the large
    /// `bytes` payloads among them leave from the handler's own buffers.
    pub(crate) fn send_final_messages(
        &mut self,
        call: &mut ServerCall,
        data: Framed,
    ) -> Result<(), Status> {
        self.send_headers(call, Metadata::new())?;
        if let Some(stream) = self.stream.as_mut() {
            let pieces = match data {
                Framed::Whole(bytes) => return send_whole(stream, bytes, false),
                Framed::Spliced(pieces) => pieces,
            };
            for piece in pieces {
                send_whole(stream, piece, false)?;
            }
        }
        Ok(())
    }

    /// Ends the call with `status`: Trailers after Response-Headers, Trailers-Only otherwise.
    pub(crate) fn send_status(&mut self, call: &mut ServerCall, status: &Status) {
        let end = call.send_status(status);
        self.send_end(end);
    }

    /// Ends the call with OK and `trailers` (without building a [`Status`]).
    pub(crate) fn send_ok(&mut self, call: &mut ServerCall, trailers: Metadata) {
        let end = call.send_ok(trailers);
        self.send_end(end);
    }

    fn send_end(&mut self, end: Option<End>) {
        let result = match end {
            Some(End::Trailers(trailers)) => match self.stream.as_mut() {
                Some(stream) => stream.send_trailers(trailers),
                None => Ok(()),
            },
            Some(End::TrailersOnly(response)) => match self.respond.as_mut() {
                Some(respond) => respond.send_response(response, true).map(drop),
                None => Ok(()),
            },
            None => Ok(()),
        };
        match result {
            Ok(()) => self.status_sent = true,
            Err(error) => tracing::debug!(%error, "could not send the status"),
        }
    }

    /// Resolves when the client resets the stream (RST_STREAM, e.g. CANCEL) or the connection
    /// goes away: the call is then cancelled.
    pub(crate) async fn reset(&mut self) {
        let _ = poll_fn(|cx| match (self.stream.as_mut(), self.respond.as_mut()) {
            (Some(stream), _) => stream.poll_reset(cx).map(drop),
            (None, Some(respond)) => respond.poll_reset(cx).map(drop),
            (None, None) => Poll::Pending,
        })
        .await;
        self.tracker.peer_reset();
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    struct Nobody;

    impl Dispatch for Nobody {
        fn dispatch(
            &self,
            _: http::request::Parts,
            _: ServerStream,
            _: &mut Context<'_>,
        ) -> Option<BoxFuture<()>> {
            None
        }
    }

    /// The connection's future is what an idle connection costs beyond `h2`'s own state: it
    /// holds the `h2` connection (1.3 KB), the three futures its loop selects on (accept, the
    /// shutdown signal, the boxed lifetime clock) and little else. The handshake is boxed, and
    /// no request is held across an `await`; either mistake adds a kilobyte or more.
    #[tokio::test]
    async fn an_idle_connection_costs_little_more_than_h2s_state() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tcp = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (_shutdown, shutting_down) = watch::channel(false);
        let future = serve_connection(
            tcp,
            Http2Settings::default(),
            Arc::new(Nobody),
            shutting_down,
        );
        let h2 = size_of::<
            h2::server::Connection<Coalescing<PingWatched<tokio::net::TcpStream>>, Bytes>,
        >();
        let size = size_of_val(&future);
        assert!(size < h2 + 768, "{size} bytes, h2's connection {h2}");
    }
}
