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
//!
//! Most calls need none of that racing: a unary or server-streaming call whose request is
//! already buffered and whose handler answers in its first poll runs to its end inside
//! [`Handler::call`], as plain function calls (the fast path). `single.rs` holds the unary and
//! client-streaming shapes, `streaming.rs` the server- and bidi-streaming ones.

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
use crate::call::Framed;
use crate::call::server::{RequestHead, ServerCall, request_cardinality};
use crate::compression::ResponseCompression;
use crate::metadata::Metadata;
use crate::protobuf::Message;
use crate::rpc::{Batch, Outbox, Request, Response, Sender, Streaming};
use crate::status::{Code, Status};
use crate::transport::recv::RecvBody;
use crate::transport::server::{BoxFuture, ServerStream};

mod single;
mod streaming;

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

/// Reading the one request message of a unary or server-streaming call: exactly one, then
/// END_STREAM, or the call fails with UNIMPLEMENTED (cardinality) before the handler runs.
/// Gives the handler's view of the call: the message with the call's metadata and deadline.
struct OneRequest<Req> {
    body: RecvBody,
    /// Taken when the request is complete.
    head: Option<RequestHead>,
    /// The message, and whether it arrived compressed, once read (END_STREAM is still due).
    first: Option<(Req, bool)>,
}

impl<Req: Message> OneRequest<Req> {
    fn new(body: RecvBody, head: RequestHead) -> Self {
        Self {
            body,
            head: Some(head),
            first: None,
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<Request<Req>, Status>> {
        loop {
            match ready!(self.body.poll_message::<Req>(cx))? {
                Some(_) if self.first.is_some() => return Poll::Ready(Err(request_cardinality(2))),
                Some(message) => self.first = Some((message, self.body.last_compressed())),
                None => {
                    let (message, compressed) =
                        self.first.take().ok_or_else(|| request_cardinality(0))?;
                    let Some(head) = self.head.take() else {
                        return Poll::Ready(Err(Status::new(
                            Code::Internal,
                            "the request was already read",
                        )));
                    };
                    let request = Request::from_parts(head.metadata, message, head.timeout)
                        .with_received_compression(head.encoding, compressed);
                    return Poll::Ready(Ok(request));
                }
            }
        }
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

/// What a handler's future gives: its result, or the payload of its panic.
type Outcome<T> = Result<Result<T, Status>, Box<dyn Any + Send>>;

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
