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

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::Limits;
use crate::call::server::{RequestHead, ServerCall, request_cardinality};
use crate::compression::ResponseCompression;
use crate::metadata::Metadata;
use crate::protobuf::Message;
use crate::rpc::{Outgoing, Request, Response, Sender, Streaming};
use crate::status::{Code, Status};
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
        let deadline = head.timeout.map(|t| Instant::now() + t);
        let compression = head.response_compression;
        let body = stream.take_body(limits.max_recv_message_size, head.encoding);
        let read = read_one::<Req>(body, head);
        let call = async move { (self.0)(read.await?).await };
        Box::pin(respond_single(stream, call, deadline, limits, compression))
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
        let deadline = head.timeout.map(|t| Instant::now() + t);
        let compression = head.response_compression;
        let Some(body) = stream.take_body(limits.max_recv_message_size, head.encoding) else {
            return Box::pin(async {});
        };
        let request = Request::from_parts(head.metadata, Streaming::requests(body), head.timeout)
            .with_received_compression(head.encoding, false);
        let future = async move { (self.0)(request).await };
        Box::pin(respond_single(
            stream,
            future,
            deadline,
            limits,
            compression,
        ))
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
        let deadline = head.timeout.map(|t| Instant::now() + t);
        let compression = head.response_compression;
        let body = stream.take_body(limits.max_recv_message_size, head.encoding);
        let (tx, rx) = mpsc::channel(OUTGOING_QUEUE);
        let sender = Sender::server(tx, limits.max_send_message_size, compression);
        let read = read_one::<Req>(body, head);
        let future = async move { (self.0)(read.await?, sender).await };
        Box::pin(respond_streaming(stream, future, rx, deadline, compression))
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
        let deadline = head.timeout.map(|t| Instant::now() + t);
        let compression = head.response_compression;
        let Some(body) = stream.take_body(limits.max_recv_message_size, head.encoding) else {
            return Box::pin(async {});
        };
        let (tx, rx) = mpsc::channel(OUTGOING_QUEUE);
        let sender = Sender::server(tx, limits.max_send_message_size, compression);
        let request = Request::from_parts(head.metadata, Streaming::requests(body), head.timeout)
            .with_received_compression(head.encoding, false);
        let future = async move { (self.0)(request, sender).await };
        Box::pin(respond_streaming(stream, future, rx, deadline, compression))
    }
}

/// Reads the one request message of a unary or server-streaming call: exactly one, then
/// END_STREAM, or the call fails with UNIMPLEMENTED (cardinality) before the handler runs.
async fn read_one<Req: Message>(
    body: Option<crate::transport::recv::RecvBody>,
    head: RequestHead,
) -> Result<Request<Req>, Status> {
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
    Ok(Request::from_parts(head.metadata, message, head.timeout)
        .with_received_compression(head.encoding, compressed))
}

// ===== Running a call =====

/// Unary and client-streaming: the handler returns one response.
async fn respond_single<Resp: Message>(
    mut stream: ServerStream,
    handler: impl Future<Output = Result<Response<Resp>, Status>>,
    deadline: Option<Instant>,
    limits: Limits,
    compression: ResponseCompression,
) {
    let mut call = ServerCall::new();
    let handler = pin!(CatchUnwind(pin!(handler)));
    let outcome = tokio::select! {
        // Most handlers answer on their first poll: try them first, before the reset check
        // (which takes the connection's lock).
        biased;
        result = handler => result,
        () = stream.reset() => return,
        () = sleep_until(deadline) => {
            stream.send_status(&mut call, &deadline_status());
            return;
        }
    };
    let status = match outcome {
        Ok(Ok(response)) => {
            let encoding = compression.resolve(response.compressed());
            let (metadata, message, trailers) = response.into_parts();
            let mut buf = Vec::new();
            call.set_encoding(encoding);
            match crate::call::encode_message(
                &message,
                encoding,
                limits.max_send_message_size,
                &mut buf,
            ) {
                Err(status) => status,
                Ok(()) => {
                    let sent = match stream.send_headers(&mut call, metadata) {
                        Ok(()) => stream.send_response_message(&mut call, buf).await,
                        Err(status) => Err(status),
                    };
                    match sent {
                        Ok(()) => {
                            stream.send_ok(&mut call, trailers);
                            return;
                        }
                        Err(status) => {
                            tracing::debug!(%status, "could not send the response");
                            return;
                        }
                    }
                }
            }
        }
        Ok(Err(status)) => status,
        Err(panic) => panic_status(panic),
    };
    stream.send_status(&mut call, &status);
}

/// Server- and bidi-streaming: the handler sends through a [`Sender`] and returns the status.
async fn respond_streaming(
    mut stream: ServerStream,
    handler: impl Future<Output = Result<(), Status>>,
    mut outgoing: mpsc::Receiver<Outgoing>,
    deadline: Option<Instant>,
    compression: ResponseCompression,
) {
    let mut call = ServerCall::new();
    call.set_encoding(compression.default);
    let mut trailers = Metadata::new();
    let mut handler = pin!(CatchUnwind(pin!(handler)));
    let outcome = loop {
        tokio::select! {
            biased;
            () = stream.reset() => return,
            () = sleep_until(deadline) => {
                stream.send_status(&mut call, &deadline_status());
                return;
            }
            // Once every Sender is gone `recv` returns None at once, forever: the pattern
            // disables this branch then, so that the handler (which may well carry on without
            // its Sender) is polled instead of this loop spinning on None.
            Some(item) = outgoing.recv() => {
                if let Err(status) = send_item(&mut stream, &mut call, item, &mut trailers, deadline).await {
                    tracing::debug!(%status, "could not send a response message");
                    return;
                }
            }
            result = &mut handler => break result,
        }
    };
    // The handler is done: what it queued still goes out, before the status.
    while let Ok(item) = outgoing.try_recv() {
        if send_item(&mut stream, &mut call, item, &mut trailers, deadline)
            .await
            .is_err()
        {
            return;
        }
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

async fn send_item(
    stream: &mut ServerStream,
    call: &mut ServerCall,
    item: Outgoing,
    trailers: &mut Metadata,
    deadline: Option<Instant>,
) -> Result<(), Status> {
    match item {
        Outgoing::Headers(metadata) => stream.send_headers(call, metadata),
        Outgoing::Trailers(metadata) => {
            *trailers = metadata;
            Ok(())
        }
        Outgoing::Encoding(encoding) => {
            // The Sender queues it before anything else, so the headers are not out yet.
            call.set_encoding(encoding);
            Ok(())
        }
        Outgoing::Messages(data) => {
            let send = stream.send_messages(call, data);
            match deadline {
                None => send.await,
                Some(deadline) => tokio::time::timeout_at(deadline, send)
                    .await
                    .unwrap_or_else(|_| Err(deadline_status())),
            }
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
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
