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
use std::future::{Future, poll_fn};
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use tokio::time::{Instant, Sleep};

use super::Limits;
use crate::call::server::{RequestHead, ServerCall, request_cardinality};
use crate::compression::ResponseCompression;
use crate::metadata::Metadata;
use crate::protobuf::Message;
use crate::rpc::{Batch, Outbox, Request, Response, Sender, Streaming};
use crate::status::{Code, Status};
use crate::transport::recv::RecvBody;
use crate::transport::server::{BoxFuture, ServerStream};

/// A registered method, its types erased: takes a validated call and runs it to its end.
pub(crate) trait Handler: Send + Sync + 'static {
    /// Runs the call: to its end if nothing has to wait (`None`), or as the returned future.
    /// See [`crate::transport::server::Dispatch::dispatch`] for `cx`.
    fn call(
        self: Arc<Self>,
        head: RequestHead,
        stream: ServerStream,
        limits: Limits,
        cx: &mut Context<'_>,
    ) -> Option<BoxFuture<()>>;
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

/// The unary fast path. Most unary calls need no waiting at all: their request is in `h2`'s
/// buffers by the time the call starts (see [`crate::transport::server::Dispatch::dispatch`]),
/// the handler answers in its first poll and a small response goes to `h2` without waiting for
/// flow control. Such a call runs to its end right here, as plain function calls: no state
/// machine is built for it, and only the handler's own future is allocated. At the first thing
/// that would wait, the call continues as a future ([`respond_single`]) from where it is.
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
        cx: &mut Context<'_>,
    ) -> Option<BoxFuture<()>> {
        let plan = CallPlan::new(&head, limits);
        let body = stream.take_body(limits.max_recv_message_size, head.encoding)?;
        let mut reading = OneRequest::new(body);
        let request = match reading.poll(cx) {
            Poll::Ready(Ok((message, compressed))) => head.into_request(message, compressed),
            Poll::Ready(Err(status)) => {
                stream.send_status(&mut ServerCall::new(), &status);
                return None;
            }
            Poll::Pending => {
                return Some(Box::pin(respond_single(stream, plan, move || async move {
                    let (message, compressed) = poll_fn(|cx| reading.poll(cx)).await?;
                    (self.0)(head.into_request(message, compressed)).await
                })));
            }
        };
        let mut handler = Box::pin((self.0)(request));
        match CatchUnwind(handler.as_mut()).poll_now(cx) {
            Poll::Ready(outcome) => finish_single(stream, ServerCall::new(), outcome, plan),
            Poll::Pending => Some(Box::pin(respond_single(stream, plan, move || handler))),
        }
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
        _: &mut Context<'_>,
    ) -> Option<BoxFuture<()>> {
        let plan = CallPlan::new(&head, limits);
        // The body is only ever taken once, here: a stream without one has nothing to run.
        let body = stream.take_body(limits.max_recv_message_size, head.encoding)?;
        let request = Request::from_parts(head.metadata, Streaming::requests(body), head.timeout)
            .with_received_compression(head.encoding, false);
        Some(Box::pin(respond_single(stream, plan, move || {
            (self.0)(request)
        })))
    }
}

impl<F, Fut, Req, Resp> Handler for ServerStreaming<F, Req, Resp>
where
    F: Fn(Request<Req>, Sender<Resp>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Status>> + Send + 'static,
    Req: Message + Send + 'static,
    Resp: Message + Send + 'static,
{
    /// The same fast path as [`Unary`]'s: a handler that sends its few responses and returns in
    /// its first poll has them, and its status, handed to `h2` right here.
    fn call(
        self: Arc<Self>,
        head: RequestHead,
        mut stream: ServerStream,
        limits: Limits,
        cx: &mut Context<'_>,
    ) -> Option<BoxFuture<()>> {
        let plan = CallPlan::new(&head, limits);
        let body = stream.take_body(limits.max_recv_message_size, head.encoding)?;
        let outbox = Arc::new(Outbox::default());
        let sender = Sender::server(
            outbox.clone(),
            limits.max_send_message_size,
            plan.compression,
        );
        let mut reading = OneRequest::new(body);
        let request = match reading.poll(cx) {
            Poll::Ready(Ok((message, compressed))) => head.into_request(message, compressed),
            Poll::Ready(Err(status)) => {
                stream.send_status(&mut ServerCall::new(), &status);
                return None;
            }
            Poll::Pending => {
                return Some(Box::pin(respond_streaming(
                    stream,
                    plan,
                    outbox,
                    move || async move {
                        let (message, compressed) = poll_fn(|cx| reading.poll(cx)).await?;
                        (self.0)(head.into_request(message, compressed), sender).await
                    },
                )));
            }
        };
        let mut handler = Box::pin((self.0)(request, sender));
        let Poll::Ready(outcome) = CatchUnwind(handler.as_mut()).poll_now(cx) else {
            return Some(Box::pin(respond_streaming(
                stream,
                plan,
                outbox,
                move || handler,
            )));
        };
        // Done in one poll: what it queued goes out now if it is small, with the status.
        let mut call = ServerCall::new();
        call.set_encoding(plan.compression.default);
        let batch = outbox.take();
        outbox.close();
        let large = match send_batch_now(&mut stream, &mut call, batch, Last::Yes) {
            Ok(large) => large,
            Err(status) => {
                tracing::debug!(%status, "could not send a response message");
                return None;
            }
        };
        let trailers = outbox.take_trailers();
        match large {
            None => {
                end_streaming(&mut stream, &mut call, outcome, trailers);
                None
            }
            Some(large) => Some(Box::pin(async move {
                let mut timer = plan.timer();
                let sent = tokio::select! {
                    biased;
                    sent = stream.send_messages(&mut call, large) => sent,
                    () = expired(&mut timer) => Err(deadline_status()),
                };
                match sent {
                    Ok(()) => end_streaming(&mut stream, &mut call, outcome, trailers),
                    Err(status) => tracing::debug!(%status, "could not send a response message"),
                }
            })),
        }
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
        _: &mut Context<'_>,
    ) -> Option<BoxFuture<()>> {
        let plan = CallPlan::new(&head, limits);
        // The body is only ever taken once, here: a stream without one has nothing to run.
        let body = stream.take_body(limits.max_recv_message_size, head.encoding)?;
        let outbox = Arc::new(Outbox::default());
        let sender = Sender::server(
            outbox.clone(),
            limits.max_send_message_size,
            plan.compression,
        );
        let request = Request::from_parts(head.metadata, Streaming::requests(body), head.timeout)
            .with_received_compression(head.encoding, false);
        Some(Box::pin(respond_streaming(
            stream,
            plan,
            outbox,
            move || (self.0)(request, sender),
        )))
    }
}

/// Reading the one request message of a unary or server-streaming call: exactly one, then
/// END_STREAM, or the call fails with UNIMPLEMENTED (cardinality) before the handler runs.
struct OneRequest<Req> {
    body: RecvBody,
    /// The message, and whether it arrived compressed, once read (END_STREAM is still due).
    first: Option<(Req, bool)>,
}

impl<Req: Message> OneRequest<Req> {
    fn new(body: RecvBody) -> Self {
        Self { body, first: None }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(Req, bool), Status>> {
        loop {
            match ready!(self.body.poll_message::<Req>(cx))? {
                Some(_) if self.first.is_some() => return Poll::Ready(Err(request_cardinality(2))),
                Some(message) => self.first = Some((message, self.body.last_compressed())),
                None => {
                    return Poll::Ready(self.first.take().ok_or_else(|| request_cardinality(0)));
                }
            }
        }
    }
}

impl RequestHead {
    /// The handler's view of a call with one request message.
    fn into_request<Req>(self, message: Req, compressed: bool) -> Request<Req> {
        Request::from_parts(self.metadata, message, self.timeout)
            .with_received_compression(self.encoding, compressed)
    }
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
    if let Some(sending) = finish_single(stream, call, outcome, plan) {
        sending.await;
    }
}

/// What a handler's future gives: its result, or the payload of its panic.
type Outcome<T> = Result<Result<T, Status>, Box<dyn Any + Send>>;

/// Ends a unary or client-streaming call whose handler has finished: the response and OK, or
/// the error status. Returns a future only for a response too large to hand to `h2` at once
/// ([`ServerStream::send_small_message`]), which waits for flow control.
fn finish_single<Resp: Message>(
    mut stream: ServerStream,
    mut call: ServerCall,
    outcome: Outcome<Response<Resp>>,
    plan: CallPlan,
) -> Option<BoxFuture<()>> {
    let status = match outcome {
        Ok(Ok(response)) => {
            let encoding = plan.compression.resolve(response.compressed());
            let (metadata, message, trailers) = response.into_parts();
            let mut buf = Vec::new();
            call.set_encoding(encoding);
            let sent = crate::call::encode_message(
                &message,
                encoding,
                plan.limits.max_send_message_size,
                &mut buf,
            )
            .and_then(|()| stream.send_headers(&mut call, metadata))
            .and_then(|()| stream.send_small_message(&mut call, buf));
            match sent {
                Ok(None) => {
                    stream.send_ok(&mut call, trailers);
                    return None;
                }
                Ok(Some(large)) => {
                    return Some(Box::pin(async move {
                        match stream.send_messages(&mut call, large).await {
                            Ok(()) => stream.send_ok(&mut call, trailers),
                            Err(status) => {
                                tracing::debug!(%status, "could not send the response");
                            }
                        }
                    }));
                }
                // Nothing was sent yet if encoding failed (e.g. the message is over the send
                // limit); otherwise the stream is gone and this status goes nowhere.
                Err(status) => status,
            }
        }
        Ok(Err(status)) => status,
        Err(panic) => panic_status(panic),
    };
    stream.send_status(&mut call, &status);
    None
}

/// Server- and bidi-streaming: the handler sends through a [`Sender`] into the call's
/// [`Outbox`], and returns the status. This task sends what the outbox holds whenever something
/// was queued, each time all of it at once (see `rpc/outbox.rs`).
async fn respond_streaming<Fut>(
    mut stream: ServerStream,
    plan: CallPlan,
    outbox: Arc<Outbox>,
    start: impl FnOnce() -> Fut,
) where
    Fut: Future<Output = Result<(), Status>>,
{
    // However this task ends, the handler's Sender learns that the call is over.
    let _closing = CloseOnDrop(&outbox);
    let mut call = ServerCall::new();
    call.set_encoding(plan.compression.default);
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
            // The handler first: what it queues in this poll goes out in the same batch.
            result = &mut handler => break result,
            () = outbox.wait_queued() => {
                if let Err(status) = send_batch(&mut stream, &mut call, &outbox, &mut timer, Last::No).await {
                    tracing::debug!(%status, "could not send a response message");
                    return;
                }
            }
        }
    };
    // The handler is done: what it queued still goes out, before the status. Nothing more
    // can be queued, so a small rest goes to `h2` at once, as a unary response does.
    if send_batch(&mut stream, &mut call, &outbox, &mut timer, Last::Yes)
        .await
        .is_err()
    {
        return;
    }
    let trailers = outbox.take_trailers();
    end_streaming(&mut stream, &mut call, outcome, trailers);
}

/// Ends a server- or bidi-streaming call whose handler returned, its messages sent: OK, or
/// the handler's error, with the trailing metadata the handler set.
fn end_streaming(
    stream: &mut ServerStream,
    call: &mut ServerCall,
    outcome: Outcome<()>,
    trailers: Metadata,
) {
    let mut status = match outcome {
        Ok(Ok(())) => return stream.send_ok(call, trailers),
        Ok(Err(status)) => status,
        Err(panic) => panic_status(panic),
    };
    // The trailers set with `Sender::set_trailers` join whatever metadata the handler put on
    // its error status (`Status::with_metadata`): replacing it would lose the latter.
    let own = status.metadata_mut().as_headers_mut();
    for (name, value) in trailers.as_headers() {
        own.append(name, value.clone());
    }
    stream.send_status(call, &status);
}

/// Closes the outbox when the stream's task ends, however it ends.
struct CloseOnDrop<'a>(&'a Outbox);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Sends what the outbox holds: the handler's choice of encoding and initial metadata, then
/// the queued messages as one piece (h2 cuts it into DATA frames of the peer's frame size),
/// waiting for flow control, within the deadline.
async fn send_batch(
    stream: &mut ServerStream,
    call: &mut ServerCall,
    outbox: &Outbox,
    timer: &mut Option<Pin<Box<Sleep>>>,
    last: Last,
) -> Result<(), Status> {
    let Some(messages) = send_batch_now(stream, call, outbox.take(), last)? else {
        return Ok(());
    };
    tokio::select! {
        biased;
        sent = stream.send_messages(call, messages) => sent,
        () = expired(timer) => Err(deadline_status()),
    }
}

/// What of a batch can go out without waiting: the handler's encoding choice, the initial
/// metadata and, for the last batch, messages small enough to hand to `h2` at once
/// ([`ServerStream::send_small_message`]). Returns the messages still to send with flow
/// control.
fn send_batch_now(
    stream: &mut ServerStream,
    call: &mut ServerCall,
    batch: Batch,
    last: Last,
) -> Result<Option<Bytes>, Status> {
    if let Some(encoding) = batch.encoding {
        call.set_encoding(encoding);
    }
    if let Some(metadata) = batch.headers {
        stream.send_headers(call, metadata)?;
    }
    let messages = batch.messages;
    if messages.is_empty() {
        return Ok(None);
    }
    match last {
        Last::Yes => stream.send_small_message(call, messages),
        Last::No => Ok(Some(messages)),
    }
}

/// Whether a batch is the last of its call (the handler has returned).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    Yes,
    No,
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

impl<F: Future + Unpin> CatchUnwind<F> {
    /// One poll, with the caller's context, outside any future.
    fn poll_now(mut self, cx: &mut Context<'_>) -> Poll<Result<F::Output, Box<dyn Any + Send>>> {
        Pin::new(&mut self).poll(cx)
    }
}

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
