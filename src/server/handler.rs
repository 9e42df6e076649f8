//! The four handler shapes, and the one place where their types are erased.
//!
//! Every call runs the same way: check the request, start the handler, then wait for
//! whichever comes first:
//!
//! - the handler finishes: its response (or its error) goes out, then the status;
//! - the client resets the stream (RST_STREAM(CANCEL), or the connection drops): the handler
//!   future is dropped, which cancels it;
//! - the deadline (`grpc-timeout`) passes: the handler is dropped and DEADLINE_EXCEEDED is sent
//!   (as grpc-js does; grpc-go sends a bare RST_STREAM(CANCEL)). PROTOCOL-HTTP2.md says of
//!   RST_STREAM(CANCEL) that "servers should only use this mechanism when they need to cancel a
//!   call but the payload byte sequence is incomplete", and an explicit reset would also make
//!   `h2` discard the status still queued. If the client is still sending, `h2` follows the
//!   status with RST_STREAM(NO_ERROR) once the stream's handles are dropped, as the spec asks
//!   of a server that ends a call early;
//! - the handler panics: the panic is caught, the call ends UNKNOWN (statuscodes.md: "Application
//!   throws an exception"), and the server carries on.

use std::any::Any;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::BytesMut;
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};

use super::Limits;
use crate::call::server::{RequestHead, ServerCall, request_cardinality};
use crate::compression::ResponseCompression;
use crate::metadata::Metadata;
use crate::protobuf::Message;
use crate::rpc::{Outgoing, Request, Response, Sender, Streaming};
use crate::status::{Code, Status};
use crate::transport::recv::RecvBody;
use crate::transport::server::{BoxFuture, ServerStream};

/// How many outgoing items a streaming handler may queue ahead of the network before
/// [`Sender::send`] waits.
const OUTGOING_QUEUE: usize = 16;

/// A registered method, its types erased: takes a validated call and runs it to its end.
pub(crate) trait Handler: Send + Sync + 'static {
    fn call(
        self: Arc<Self>,
        head: RequestHead,
        stream: ServerStream,
        limits: Limits,
    ) -> BoxFuture<()>;
}

// ===== The four shapes =====

/// `rpc M(Req) returns (Resp)`.
pub(crate) struct Unary<F, Req, Resp>(pub(crate) F, PhantomData<fn(Req) -> Resp>);
/// `rpc M(Req) returns (stream Resp)`.
pub(crate) struct ServerStreaming<F, Req, Resp>(pub(crate) F, PhantomData<fn(Req) -> Resp>);
/// `rpc M(stream Req) returns (Resp)`.
pub(crate) struct ClientStreaming<F, Req, Resp>(pub(crate) F, PhantomData<fn(Req) -> Resp>);
/// `rpc M(stream Req) returns (stream Resp)`.
pub(crate) struct BidiStreaming<F, Req, Resp>(pub(crate) F, PhantomData<fn(Req) -> Resp>);

impl<F, Req, Resp> Unary<F, Req, Resp> {
    pub(crate) fn new(f: F) -> Self {
        Self(f, PhantomData)
    }
}
impl<F, Req, Resp> ServerStreaming<F, Req, Resp> {
    pub(crate) fn new(f: F) -> Self {
        Self(f, PhantomData)
    }
}
impl<F, Req, Resp> ClientStreaming<F, Req, Resp> {
    pub(crate) fn new(f: F) -> Self {
        Self(f, PhantomData)
    }
}
impl<F, Req, Resp> BidiStreaming<F, Req, Resp> {
    pub(crate) fn new(f: F) -> Self {
        Self(f, PhantomData)
    }
}

impl<F, Fut, Req, Resp> Handler for Unary<F, Req, Resp>
where
    F: Fn(Request<Req>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Resp>, Status>> + Send + 'static,
    Req: Message + Send + 'static,
    Resp: Message + Send + 'static,
{
    fn call(
        self: Arc<Self>,
        head: RequestHead,
        mut stream: ServerStream,
        limits: Limits,
    ) -> BoxFuture<()> {
        let plan = CallPlan::new(&head, limits);
        let body = stream.take_body(limits.max_recv_message_size, head.encoding);
        Box::pin(respond_single(stream, plan, move || async move {
            (self.0)(read_request(body, head).await?).await
        }))
    }
}

impl<F, Fut, Req, Resp> Handler for ClientStreaming<F, Req, Resp>
where
    F: Fn(Request<Streaming<Req>>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Resp>, Status>> + Send + 'static,
    Req: Message + Send + 'static,
    Resp: Message + Send + 'static,
{
    fn call(
        self: Arc<Self>,
        head: RequestHead,
        mut stream: ServerStream,
        limits: Limits,
    ) -> BoxFuture<()> {
        let plan = CallPlan::new(&head, limits);
        let Some(body) = stream.take_body(limits.max_recv_message_size, head.encoding) else {
            return Box::pin(async {});
        };
        let request = Request::from_parts(head.metadata, Streaming::requests(body), head.timeout)
            .with_received_compression(head.encoding, false);
        Box::pin(respond_single(stream, plan, move || (self.0)(request)))
    }
}

impl<F, Fut, Req, Resp> Handler for ServerStreaming<F, Req, Resp>
where
    F: Fn(Request<Req>, Sender<Resp>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Status>> + Send + 'static,
    Req: Message + Send + 'static,
    Resp: Message + Send + 'static,
{
    fn call(
        self: Arc<Self>,
        head: RequestHead,
        mut stream: ServerStream,
        limits: Limits,
    ) -> BoxFuture<()> {
        let plan = CallPlan::new(&head, limits);
        let body = stream.take_body(limits.max_recv_message_size, head.encoding);
        let (tx, rx) = mpsc::channel(OUTGOING_QUEUE);
        let sender = Sender::server(tx, limits.max_send_message_size, plan.compression);
        Box::pin(respond_streaming(stream, plan, rx, move || async move {
            (self.0)(read_request(body, head).await?, sender).await
        }))
    }
}

impl<F, Fut, Req, Resp> Handler for BidiStreaming<F, Req, Resp>
where
    F: Fn(Request<Streaming<Req>>, Sender<Resp>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Status>> + Send + 'static,
    Req: Message + Send + 'static,
    Resp: Message + Send + 'static,
{
    fn call(
        self: Arc<Self>,
        head: RequestHead,
        mut stream: ServerStream,
        limits: Limits,
    ) -> BoxFuture<()> {
        let plan = CallPlan::new(&head, limits);
        let Some(body) = stream.take_body(limits.max_recv_message_size, head.encoding) else {
            return Box::pin(async {});
        };
        let (tx, rx) = mpsc::channel(OUTGOING_QUEUE);
        let sender = Sender::server(tx, limits.max_send_message_size, plan.compression);
        let request = Request::from_parts(head.metadata, Streaming::requests(body), head.timeout)
            .with_received_compression(head.encoding, false);
        Box::pin(respond_streaming(stream, plan, rx, move || {
            (self.0)(request, sender)
        }))
    }
}

/// Reads the one request message of a unary or server-streaming call: exactly one, then
/// END_STREAM, or the call fails with UNIMPLEMENTED (cardinality) before the handler runs.
async fn read_request<Req: Message>(
    body: Option<RecvBody>,
    head: RequestHead,
) -> Result<Request<Req>, Status> {
    let (message, compressed) = read_one(body).await?;
    Ok(Request::from_parts(head.metadata, message, head.timeout)
        .with_received_compression(head.encoding, compressed))
}

/// The one message of `body`, and whether it arrived compressed.
async fn read_one<Req: Message>(body: Option<RecvBody>) -> Result<(Req, bool), Status> {
    let Some(mut body) = body else {
        return Err(Status::new(
            Code::Internal,
            "the request body was already taken",
        ));
    };
    let Some(message) = body.message::<Req>().await? else {
        return Err(request_cardinality(0));
    };
    let compressed = body.last_compressed();
    if body.message::<Req>().await?.is_some() {
        return Err(request_cardinality(2));
    }
    Ok((message, compressed))
}

// ===== Running a call =====

/// What every call of a method must respect, known before its handler runs.
#[derive(Debug, Clone, Copy)]
struct CallPlan {
    /// From `grpc-timeout`.
    deadline: Option<Instant>,
    limits: Limits,
    compression: ResponseCompression,
}

impl CallPlan {
    fn new(head: &RequestHead, limits: Limits) -> Self {
        Self {
            deadline: head.timeout.map(|t| Instant::now() + t),
            limits,
            compression: head.response_compression,
        }
    }

    /// The deadline's timer, if there is one: boxed, so that a call without a deadline does
    /// not carry a timer's worth of bytes in its future.
    fn timer(&self) -> Option<Pin<Box<Sleep>>> {
        self.deadline
            .map(|deadline| Box::pin(tokio::time::sleep_until(deadline)))
    }
}

// A call's future is one allocation, made by `Box::pin` when the call starts; the handler's
// future is built inside it (`start()`), not passed in: an `async fn` keeps its arguments for
// its whole life, so a future passed as an argument and then pinned would be stored twice.

/// Unary and client-streaming: the handler returns one response.
async fn respond_single<Resp, Fut>(
    mut stream: ServerStream,
    plan: CallPlan,
    start: impl FnOnce() -> Fut,
) where
    Resp: Message,
    Fut: Future<Output = Result<Response<Resp>, Status>>,
{
    let mut call = ServerCall::new();
    let mut timer = plan.timer();
    let outcome = {
        let handler = pin!(CatchUnwind(pin!(start())));
        tokio::select! {
            // Most handlers answer on their first poll: try them first, before the reset
            // check (which takes the connection's lock).
            biased;
            result = handler => result,
            () = stream.reset() => return,
            () = expired(&mut timer) => {
                stream.send_status(&mut call, &deadline_status());
                return;
            }
        }
    };
    let status = match outcome {
        Ok(Ok(response)) => match send_response(&mut stream, &mut call, response, plan).await {
            Ok(()) => return,
            Err(status) => status,
        },
        Ok(Err(status)) => status,
        Err(panic) => panic_status(panic),
    };
    stream.send_status(&mut call, &status);
}

/// Sends the one response of a unary or client-streaming call, then OK. An error before
/// anything was sent is returned, for the caller to send as the status; one while sending
/// means the stream is gone and is only logged.
async fn send_response<Resp: Message>(
    stream: &mut ServerStream,
    call: &mut ServerCall,
    response: Response<Resp>,
    plan: CallPlan,
) -> Result<(), Status> {
    let encoding = plan.compression.resolve(response.compressed());
    let (metadata, message, trailers) = response.into_parts();
    let mut buf = Vec::new();
    call.set_encoding(encoding);
    crate::call::encode_message(
        &message,
        encoding,
        plan.limits.max_send_message_size,
        &mut buf,
    )?;
    let sent = match stream.send_headers(call, metadata) {
        Ok(()) => stream.send_response_message(call, buf).await,
        Err(status) => Err(status),
    };
    match sent {
        Ok(()) => stream.send_ok(call, trailers),
        Err(status) => tracing::debug!(%status, "could not send the response"),
    }
    Ok(())
}

/// Server- and bidi-streaming: the handler sends through a [`Sender`] and returns the status.
async fn respond_streaming<Fut>(
    mut stream: ServerStream,
    plan: CallPlan,
    mut outgoing: mpsc::Receiver<Outgoing>,
    start: impl FnOnce() -> Fut,
) where
    Fut: Future<Output = Result<(), Status>>,
{
    let mut call = ServerCall::new();
    call.set_encoding(plan.compression.default);
    let mut trailers = Metadata::new();
    let mut timer = plan.timer();
    let mut handler = pin!(CatchUnwind(pin!(start())));
    let outcome = loop {
        tokio::select! {
            biased;
            () = stream.reset() => return,
            () = expired(&mut timer) => {
                stream.send_status(&mut call, &deadline_status());
                return;
            }
            // Once every Sender is gone `recv` returns None at once, forever: the pattern
            // disables this branch then, so that the handler (which may well carry on without
            // its Sender) is polled instead of this loop spinning on None.
            Some(item) = outgoing.recv() => {
                let mut queue = Queue { first: Some(item), rest: &mut outgoing };
                if let Err(status) = send_queued(&mut stream, &mut call, &mut queue, &mut trailers, &mut timer).await {
                    tracing::debug!(%status, "could not send a response message");
                    return;
                }
            }
            result = &mut handler => break result,
        }
    };
    // The handler is done: what it queued still goes out, before the status.
    let mut queue = Queue {
        first: None,
        rest: &mut outgoing,
    };
    if send_queued(
        &mut stream,
        &mut call,
        &mut queue,
        &mut trailers,
        &mut timer,
    )
    .await
    .is_err()
    {
        return;
    }
    let mut status = match outcome {
        Ok(Ok(())) => Status::ok(),
        Ok(Err(status)) => status,
        Err(panic) => panic_status(panic),
    };
    // The trailers set with `Sender::set_trailers` join whatever metadata the handler put on
    // its error status (`Status::with_metadata`): replacing it would lose the latter.
    let own = status.metadata_mut().as_headers_mut();
    for (name, value) in trailers.as_headers() {
        own.append(name, value.clone());
    }
    stream.send_status(&mut call, &status);
}

/// How many bytes of queued messages go to `h2` in one piece (see [`send_queued`]).
const COALESCE_LIMIT: usize = 64 * 1024;

/// The items a streaming handler queued: one already received, then the channel's.
struct Queue<'a> {
    first: Option<Outgoing>,
    rest: &'a mut mpsc::Receiver<Outgoing>,
}

impl Queue<'_> {
    /// The next item already queued, without waiting.
    fn next(&mut self) -> Option<Outgoing> {
        self.first.take().or_else(|| self.rest.try_recv().ok())
    }
}

/// Sends every item already queued, in order. Consecutive messages are coalesced, up to
/// [`COALESCE_LIMIT`] bytes, into one buffer handed to `h2` at once: one DATA frame (up to the
/// peer's frame size) and one flow-control reservation for many small messages, rather than one
/// each. A handler that sends faster than the network takes its messages gets them written in
/// larger pieces; one that sends slowly still has each message go out as soon as it is queued.
async fn send_queued(
    stream: &mut ServerStream,
    call: &mut ServerCall,
    queue: &mut Queue<'_>,
    trailers: &mut Metadata,
    timer: &mut Option<Pin<Box<Sleep>>>,
) -> Result<(), Status> {
    while let Some(item) = queue.next() {
        match item {
            Outgoing::Headers(metadata) => stream.send_headers(call, metadata)?,
            Outgoing::Trailers(metadata) => *trailers = metadata,
            // The Sender queues it before anything else, so the headers are not out yet.
            Outgoing::Encoding(encoding) => _ = call.set_encoding(encoding),
            Outgoing::Messages(data) => {
                let mut data = data;
                let mut batch: Option<BytesMut> = None;
                while batch.as_ref().map_or(data.len(), BytesMut::len) < COALESCE_LIMIT {
                    match queue.next() {
                        Some(Outgoing::Messages(more)) => batch
                            .get_or_insert_with(|| BytesMut::from(&data[..]))
                            .extend_from_slice(&more),
                        // Anything else ends the batch, and is handled next.
                        other => {
                            queue.first = other;
                            break;
                        }
                    }
                }
                if let Some(batch) = batch {
                    data = batch.freeze();
                }
                let send = stream.send_messages(call, data);
                tokio::select! {
                    biased;
                    sent = send => sent?,
                    () = expired(timer) => return Err(deadline_status()),
                }
            }
        }
    }
    Ok(())
}

/// Resolves when the call's deadline passes; never, for a call without one.
async fn expired(timer: &mut Option<Pin<Box<Sleep>>>) {
    match timer {
        Some(timer) => timer.as_mut().await,
        None => std::future::pending().await,
    }
}

fn deadline_status() -> Status {
    Status::new(
        Code::DeadlineExceeded,
        "deadline exceeded (grpc-timeout) on the server",
    )
}

/// Takes the payload by value: a `&Box<dyn Any>` would coerce to `&dyn Any` *of the box*,
/// and no downcast to the message inside would ever succeed.
fn panic_status(panic: Box<dyn Any + Send>) -> Status {
    let what = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a non-string payload");
    tracing::error!(panic = what, "a handler panicked");
    Status::new(Code::Unknown, format!("the handler panicked: {what}"))
}

/// Polls a future, turning a panic inside it into `Err(payload)`: the call ends UNKNOWN and the
/// connection, and the server, carry on.
struct CatchUnwind<F>(F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}
