//! ⑥ The typed values of a call, shared by server and client: [`Request`], [`Response`],
//! [`Streaming`] (messages coming in) and [`Sender`] (messages going out).

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::compression::{Encoding, ResponseCompression};
use crate::metadata::Metadata;
use crate::protobuf::Message;
use crate::status::{Code, Status};
use crate::transport::client::{RequestBody, ResponseBody};
use crate::transport::recv::RecvBody;

mod outbox;
mod pool;

use outbox::End;
pub(crate) use outbox::{Batch, Outbox};

/// A request: one message (unary and server-streaming calls) with its metadata.
///
/// On the server, `metadata` holds the client's Custom-Metadata and `user-agent`; on the
/// client, what to send, and [`Request::set_timeout`] sets the deadline (sent as
/// `grpc-timeout`) and [`Request::set_compression`] the compression of the request messages.
#[derive(Debug, Clone, Default)]
pub struct Request<T> {
    metadata: Metadata,
    message: T,
    timeout: Option<Duration>,
    compression: Option<Encoding>,
    compressed: bool,
}

impl<T> Request<T> {
    /// A request with no metadata and no deadline.
    pub fn new(message: T) -> Self {
        Self {
            metadata: Metadata::new(),
            message,
            timeout: None,
            compression: None,
            compressed: false,
        }
    }

    pub(crate) fn from_parts(metadata: Metadata, message: T, timeout: Option<Duration>) -> Self {
        Self {
            metadata,
            message,
            timeout,
            compression: None,
            compressed: false,
        }
    }

    /// Server side: records the request's `grpc-encoding` and whether its one message arrived
    /// compressed.
    pub(crate) fn with_received_compression(
        mut self,
        encoding: Option<Encoding>,
        compressed: bool,
    ) -> Self {
        self.compression = encoding;
        self.compressed = compressed;
        self
    }

    /// The request metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The request metadata, to add to.
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        &mut self.metadata
    }

    /// The message.
    pub fn get_ref(&self) -> &T {
        &self.message
    }

    /// The message, by value.
    pub fn into_inner(self) -> T {
        self.message
    }

    /// The metadata and the message.
    pub fn into_parts(self) -> (Metadata, T) {
        (self.metadata, self.message)
    }

    /// The deadline, as a duration from when the call starts: set by the client, or what the
    /// server received in `grpc-timeout`.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Sets the deadline of the call (client side).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = Some(timeout);
    }

    /// With a deadline (client side).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The compression of the request messages: on the client, what
    /// [`Request::set_compression`] chose (`None`: the channel's default); on the server, the
    /// request's `grpc-encoding` (`None`: identity).
    pub fn compression(&self) -> Option<Encoding> {
        self.compression
    }

    /// Compresses the request messages of this call with `encoding`, whatever the channel's
    /// default; [`Encoding::Identity`] sends them uncompressed (client side).
    pub fn set_compression(&mut self, encoding: Encoding) {
        self.compression = Some(encoding);
    }

    /// With [`Request::set_compression`].
    #[must_use]
    pub fn with_compression(mut self, encoding: Encoding) -> Self {
        self.compression = Some(encoding);
        self
    }

    /// Whether the request message arrived compressed, with Compressed-Flag 1 (server side,
    /// unary and server-streaming calls; for streams, see [`Streaming::last_compressed`]).
    pub fn is_compressed(&self) -> bool {
        self.compressed
    }
}

/// A response: one message with the initial metadata (sent in the Response-Headers) and the
/// trailing metadata (sent in the Trailers, after the status).
#[derive(Debug, Clone, Default)]
pub struct Response<T> {
    metadata: Metadata,
    message: T,
    trailers: Metadata,
    compressed: Option<bool>,
}

impl<T> Response<T> {
    /// A response with no metadata.
    pub fn new(message: T) -> Self {
        Self {
            metadata: Metadata::new(),
            message,
            trailers: Metadata::new(),
            compressed: None,
        }
    }

    pub(crate) fn from_parts(metadata: Metadata, message: T, trailers: Metadata) -> Self {
        Self {
            metadata,
            message,
            trailers,
            compressed: None,
        }
    }

    /// Client side: records whether the response message arrived compressed.
    pub(crate) fn with_received(mut self, compressed: bool) -> Self {
        self.compressed = Some(compressed);
        self
    }

    /// Server side: compress this response (`true`) with an encoding the client accepts (the
    /// server's own if it has one, else gzip, then deflate; uncompressed if the client accepts
    /// none), or not at all (`false`), whatever the server's default.
    pub fn set_compressed(&mut self, compress: bool) {
        self.compressed = Some(compress);
    }

    /// With [`Response::set_compressed`].
    #[must_use]
    pub fn with_compressed(mut self, compress: bool) -> Self {
        self.compressed = Some(compress);
        self
    }

    /// Server side: the handler's choice ([`Response::set_compressed`]; `None`: the server's
    /// default). Client side: `Some` of whether the response message arrived compressed, with
    /// Compressed-Flag 1.
    pub fn compressed(&self) -> Option<bool> {
        self.compressed
    }

    /// The initial metadata (Response-Headers).
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The initial metadata, to add to (server side).
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        &mut self.metadata
    }

    /// The trailing metadata (Trailers).
    pub fn trailers(&self) -> &Metadata {
        &self.trailers
    }

    /// The trailing metadata, to add to (server side).
    pub fn trailers_mut(&mut self) -> &mut Metadata {
        &mut self.trailers
    }

    /// The message.
    pub fn get_ref(&self) -> &T {
        &self.message
    }

    /// The message, to change.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.message
    }

    /// The message, by value.
    pub fn into_inner(self) -> T {
        self.message
    }

    /// Initial metadata, message, trailing metadata.
    pub fn into_parts(self) -> (Metadata, T, Metadata) {
        (self.metadata, self.message, self.trailers)
    }
}

// ===== Streaming =====

#[derive(Debug)]
enum Incoming {
    /// The request stream, on the server: ends at END_STREAM.
    Request(RecvBody),
    /// The response stream, on the client: ends with the status in the trailers. (Boxed: it is
    /// several times the size of the request side.)
    Response(Box<ResponseBody>),
}

/// Messages coming in: the requests of a client- or bidi-streaming call (server side), or the
/// responses of a server- or bidi-streaming call (client side).
///
/// ```no_run
/// # async fn f(mut requests: h2grpc::rpc::Streaming<h2grpc::services::hello::HelloRequest>)
/// # -> Result<(), h2grpc::status::Status> {
/// while let Some(request) = requests.message().await? {
///     println!("{}", request.name);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Streaming<T> {
    incoming: Incoming,
    deadline: Option<Instant>,
    _message: PhantomData<fn() -> T>,
}

impl<T: Message> Streaming<T> {
    pub(crate) fn requests(body: RecvBody) -> Self {
        Self {
            incoming: Incoming::Request(body),
            deadline: None,
            _message: PhantomData,
        }
    }

    pub(crate) fn responses(body: ResponseBody, deadline: Option<Instant>) -> Self {
        Self {
            incoming: Incoming::Response(Box::new(body)),
            deadline,
            _message: PhantomData,
        }
    }

    /// The next message; `Ok(None)` when the stream ended well.
    ///
    /// # Errors
    /// The status that ended the call: on the client, a non-OK status from the server, a
    /// DEADLINE_EXCEEDED when the call's deadline passes, or a transport failure; on the server,
    /// a malformed request stream.
    pub async fn message(&mut self) -> Result<Option<T>, Status> {
        match &mut self.incoming {
            // A server handler's deadline is enforced by the server around the whole call.
            Incoming::Request(body) => body.message().await,
            Incoming::Response(body) => under_deadline(self.deadline, body.message()).await,
        }
    }

    /// The initial metadata of the response (client side; empty on the server, where the
    /// request metadata is in the call's [`Request`]). Waits for the Response-Headers.
    ///
    /// # Errors
    /// As [`Streaming::message`].
    pub async fn headers(&mut self) -> Result<&Metadata, Status> {
        match &mut self.incoming {
            Incoming::Request(_) => Ok(empty_metadata()),
            Incoming::Response(body) => body.headers().await,
        }
    }

    /// The trailing metadata of the response, once the stream ended (client side).
    pub fn trailers(&self) -> Option<&Metadata> {
        match &self.incoming {
            Incoming::Request(_) => None,
            Incoming::Response(body) => body.trailers(),
        }
    }

    /// Whether the message last returned by [`Streaming::message`] arrived compressed, with
    /// Compressed-Flag 1.
    pub fn last_compressed(&self) -> bool {
        match &self.incoming {
            Incoming::Request(body) => body.last_compressed(),
            Incoming::Response(body) => body.last_compressed(),
        }
    }
}

fn empty_metadata() -> &'static Metadata {
    static EMPTY: std::sync::OnceLock<Metadata> = std::sync::OnceLock::new();
    EMPTY.get_or_init(Metadata::new)
}

pub(crate) fn deadline_exceeded() -> Status {
    Status::new(Code::DeadlineExceeded, "deadline exceeded")
}

/// Runs one step of a client call under its deadline: DEADLINE_EXCEEDED when the deadline
/// passes first, and also when the call ended CANCELLED after the deadline passed (the server
/// reset the stream at its own, equal deadline): PROTOCOL-HTTP2.md has the client report
/// DEADLINE_EXCEEDED then, built locally, whatever the server said.
pub(crate) async fn under_deadline<T>(
    deadline: Option<Instant>,
    step: impl Future<Output = Result<T, Status>>,
) -> Result<T, Status> {
    let Some(deadline) = deadline else {
        return step.await;
    };
    match tokio::time::timeout_at(deadline, step).await {
        Err(_) => Err(deadline_exceeded()),
        Ok(Err(status)) if status.code() == Code::Cancelled && Instant::now() >= deadline => {
            Err(deadline_exceeded())
        }
        Ok(result) => result,
    }
}

// ===== Sender =====

/// Server side, before the first headers or message of a call (`started` still false): queues
/// the handler's choice of encoding, if it is not the default, for the Response-Headers to
/// announce.
fn start(
    started: &mut bool,
    encoding: Option<Encoding>,
    default: Option<Encoding>,
    outbox: &Outbox,
) -> Result<(), Status> {
    if !*started {
        *started = true;
        if encoding != default {
            outbox.set_encoding(encoding)?;
        }
    }
    Ok(())
}

#[derive(Debug)]
enum Outbound {
    /// Server: messages go to the stream's task, which writes them with flow control.
    Server(Arc<Outbox>),
    /// Client: a task of the call's writes the requests (`outbox::pump_requests`).
    Client(Arc<Outbox>),
}

/// Messages going out: the responses of a server- or bidi-streaming call (server side), or the
/// requests of a client- or bidi-streaming call (client side).
#[derive(Debug)]
pub struct Sender<T> {
    outbound: Outbound,
    max_message_size: usize,
    deadline: Option<Instant>,
    /// The call's encoding for this direction: what [`Sender::send`] compresses with.
    encoding: Option<Encoding>,
    /// Server side: what the handler may choose from ([`Sender::set_compressed`]).
    choice: ResponseCompression,
    /// Server side: headers or a message were queued, so the Response-Headers may be out.
    started: bool,
    _message: PhantomData<fn(T)>,
}

impl<T: Message> Sender<T> {
    pub(crate) fn server(
        outbox: Arc<Outbox>,
        max_message_size: usize,
        choice: ResponseCompression,
    ) -> Self {
        Self {
            outbound: Outbound::Server(outbox),
            max_message_size,
            deadline: None,
            encoding: choice.default,
            choice,
            started: false,
            _message: PhantomData,
        }
    }

    pub(crate) fn client(
        body: RequestBody,
        max_message_size: usize,
        deadline: Option<Instant>,
        encoding: Option<Encoding>,
    ) -> Self {
        let outbox = Arc::new(Outbox::default());
        tokio::spawn(outbox::pump_requests(outbox.clone(), body, deadline));
        Self {
            outbound: Outbound::Client(outbox),
            max_message_size,
            deadline,
            encoding: encoding.and_then(Encoding::compressed),
            choice: ResponseCompression::default(),
            started: true,
            _message: PhantomData,
        }
    }

    /// Sends one message, compressed if the call compresses this direction
    /// ([`Sender::encoding`]): frames it onto the call's outbox, which the task that owns the
    /// HTTP/2 stream empties into `h2` whenever it runs. Waits while 32 KiB are queued there
    /// (the peer's flow-control window is full, or the network is slower than the sender).
    ///
    /// # Errors
    /// RESOURCE_EXHAUSTED for a message over the send limit; CANCELLED once the call is over on
    /// the server (the client went away or the deadline passed); on the client, the transport
    /// failure that ended the request stream, or DEADLINE_EXCEEDED.
    pub async fn send(&mut self, message: &T) -> Result<(), Status> {
        self.send_with(message, self.encoding).await
    }

    /// Sends one message uncompressed (Compressed-Flag 0), even when the call compresses the
    /// others: for a message whose compressed size could leak a secret (compression.md; the
    /// CRIME and BEAST attacks).
    ///
    /// # Errors
    /// As [`Sender::send`].
    pub async fn send_uncompressed(&mut self, message: &T) -> Result<(), Status> {
        self.send_with(message, None).await
    }

    async fn send_with(&mut self, message: &T, encoding: Option<Encoding>) -> Result<(), Status> {
        match &mut self.outbound {
            Outbound::Server(outbox) => {
                // The fields apart, so that the outbox is borrowed rather than its `Arc` cloned
                // (two atomic operations a message).
                start(
                    &mut self.started,
                    self.encoding,
                    self.choice.default,
                    outbox,
                )?;
                outbox.push(message, encoding, self.max_message_size).await
            }
            Outbound::Client(outbox) => {
                let push = outbox.push(message, encoding, self.max_message_size);
                under_deadline(self.deadline, push).await
            }
        }
    }

    /// The encoding [`Sender::send`] compresses with (`None`: it does not compress).
    pub fn encoding(&self) -> Option<Encoding> {
        self.encoding
    }

    /// Server side, before the first message or headers: whether this call's responses are
    /// compressed, whatever the server's default. `true` picks an encoding the client accepts
    /// (the server's own if it has one, else gzip, then deflate). Returns the encoding
    /// [`Sender::send`] will use; once something was sent, and on the client (where the
    /// [`Request`] chose), nothing changes.
    pub fn set_compressed(&mut self, compress: bool) -> Option<Encoding> {
        if !self.started {
            self.encoding = self.choice.resolve(Some(compress));
        }
        self.encoding
    }

    /// Whether the call is over and sending can no longer succeed (server side: the client
    /// cancelled, or the deadline passed).
    pub fn is_closed(&self) -> bool {
        match &self.outbound {
            Outbound::Server(outbox) => outbox.is_closed(),
            Outbound::Client(outbox) => outbox.is_closed(),
        }
    }

    /// Sends the initial metadata now, before any message (server side; on the client the
    /// request metadata goes in the [`Request`]). The Response-Headers go out once: after a
    /// message or an earlier call of this, it does nothing.
    ///
    /// # Errors
    /// CANCELLED once the call is over.
    pub async fn send_headers(&mut self, metadata: Metadata) -> Result<(), Status> {
        let Outbound::Server(outbox) = &self.outbound else {
            return Ok(());
        };
        if self.started {
            return Ok(());
        }
        start(
            &mut self.started,
            self.encoding,
            self.choice.default,
            outbox,
        )?;
        outbox.set_headers(metadata)
    }

    /// Sets the trailing metadata, sent with the status when the handler returns (server side).
    ///
    /// # Errors
    /// CANCELLED once the call is over.
    pub async fn set_trailers(&mut self, metadata: Metadata) -> Result<(), Status> {
        match &self.outbound {
            Outbound::Server(outbox) => outbox.set_trailers(metadata),
            Outbound::Client(_) => Ok(()),
        }
    }

    /// Half-closes the request stream: END_STREAM on an empty DATA frame (client side). Dropping
    /// the sender without it cancels the call instead.
    ///
    /// # Errors
    /// The transport failure.
    pub async fn finish(&mut self) -> Result<(), Status> {
        match &self.outbound {
            Outbound::Server(_) => Ok(()),
            Outbound::Client(outbox) => {
                outbox.end(End::Finish);
                under_deadline(self.deadline, outbox.closed()).await
            }
        }
    }
}

impl<T> Drop for Sender<T> {
    /// Client side: a request stream dropped before [`Sender::finish`] cancels the call
    /// (RST_STREAM(CANCEL)), which is how gRPC cancels (PROTOCOL-HTTP2.md); otherwise the server
    /// would wait for more requests.
    fn drop(&mut self) {
        if let Outbound::Client(outbox) = &self.outbound {
            outbox.end(End::Abandon);
        }
    }
}
