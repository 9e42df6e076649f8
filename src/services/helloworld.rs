//! `helloworld.Greeter` (`proto/helloworld.proto`, package `helloworld`): the Greeter of the
//! gRPC examples, as the Python quickstart extends it (see [`super`] for the tutorials).
//!
//! | RPC | kind | request → response |
//! |---|---|---|
//! | `SayHello` | unary | [`HelloRequest`] → [`HelloReply`] |
//! | `SayHelloAgain` | unary | [`HelloRequest`] → [`HelloReply`] |
//! | `SayHelloStreamReply` | server streaming | [`HelloRequest`] → stream [`HelloReply`] |
//! | `SayHelloBidiStream` | bidirectional streaming | stream [`HelloRequest`] → stream [`HelloReply`] |
//!
//! # The messages are `hello`'s
//!
//! `helloworld.HelloRequest` and `helloworld.HelloReply` declare exactly the fields of
//! `hello.HelloRequest` and `hello.HelloReply` (`string name = 1;`, `string message = 1;`). The
//! package is part of a message's *name* (what reflection and `protoc --decode` show) but never
//! of its bytes: nothing on the wire says which package a message belongs to. So this module
//! re-exports [`hello`](super::hello)'s types, and one implementation serves both Greeters; the
//! wire tests prove the bytes equal to `protoc --encode=helloworld.HelloRequest`.
//!
//! # Server and client
//!
//! [`register`] adds the four methods to a [`Server`]: the first three are
//! [`hello`](super::hello)'s functions under this package's paths, and
//! [`say_hello_bidi_stream`] answers each request as it arrives. [`GreeterClient`] is the typed
//! client; the Python quickstart's `greeter_client.py` is `h2grpc demo helloworld`.

pub use super::hello::{HelloReply, HelloRequest};

use super::hello::{greeting, say_hello, say_hello_again, say_hello_stream_reply};
use crate::client::Channel;
use crate::rpc::{Request, Response, Sender, Streaming};
use crate::server::Server;
use crate::status::Status;

/// The fully qualified service name: `package.Service`.
pub const SERVICE: &str = "helloworld.Greeter";
/// Unary `rpc SayHello (HelloRequest) returns (HelloReply) {}`
pub const SAY_HELLO: &str = "/helloworld.Greeter/SayHello";
/// Unary `rpc SayHelloAgain (HelloRequest) returns (HelloReply) {}`
pub const SAY_HELLO_AGAIN: &str = "/helloworld.Greeter/SayHelloAgain";
/// Server streaming `rpc SayHelloStreamReply (HelloRequest) returns (stream HelloReply) {}`
pub const SAY_HELLO_STREAM_REPLY: &str = "/helloworld.Greeter/SayHelloStreamReply";
/// Bidirectional streaming
/// `rpc SayHelloBidiStream (stream HelloRequest) returns (stream HelloReply) {}`
pub const SAY_HELLO_BIDI_STREAM: &str = "/helloworld.Greeter/SayHelloBidiStream";

// ===== Server =====

/// Adds `helloworld.Greeter`'s four methods to `server`.
#[must_use]
pub fn register(server: Server) -> Server {
    server
        .unary(SAY_HELLO, say_hello)
        .unary(SAY_HELLO_AGAIN, say_hello_again)
        .server_streaming(SAY_HELLO_STREAM_REPLY, say_hello_stream_reply)
        .bidi_streaming(SAY_HELLO_BIDI_STREAM, say_hello_bidi_stream)
}

/// `SayHelloBidiStream`: one `"Hello, {name}!"` per request, sent as soon as the request
/// arrives, in order; OK once the client half-closes.
///
/// # Errors
/// A malformed request stream, or CANCELLED if the client went away.
pub async fn say_hello_bidi_stream(
    request: Request<Streaming<HelloRequest>>,
    mut replies: Sender<HelloReply>,
) -> Result<(), Status> {
    let mut requests = request.into_inner();
    while let Some(request) = requests.message().await? {
        replies.send(&greeting("Hello", &request.name)).await?;
    }
    Ok(())
}

// ===== Client =====

/// A typed client of `helloworld.Greeter`: one method per RPC, over a [`Channel`].
#[derive(Debug, Clone)]
pub struct GreeterClient {
    channel: Channel,
}

impl GreeterClient {
    /// A client calling over `channel`.
    pub fn new(channel: Channel) -> Self {
        Self { channel }
    }

    /// Unary `SayHello`.
    ///
    /// # Errors
    /// The call's status when it is not OK (see [`Channel::unary`]).
    pub async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        self.channel.unary(SAY_HELLO, request).await
    }

    /// Unary `SayHelloAgain`.
    ///
    /// # Errors
    /// As [`GreeterClient::say_hello`].
    pub async fn say_hello_again(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        self.channel.unary(SAY_HELLO_AGAIN, request).await
    }

    /// Server-streaming `SayHelloStreamReply`.
    ///
    /// # Errors
    /// As [`Channel::server_streaming`].
    pub async fn say_hello_stream_reply(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Streaming<HelloReply>, Status> {
        self.channel
            .server_streaming(SAY_HELLO_STREAM_REPLY, request)
            .await
    }

    /// Bidirectional `SayHelloBidiStream`: send names through the [`Sender`] (then
    /// [`Sender::finish`]), read greetings from the [`Streaming`]. `request` carries the
    /// metadata and the deadline.
    ///
    /// # Errors
    /// As [`Channel::bidi_streaming`].
    pub async fn say_hello_bidi_stream(
        &self,
        request: Request<()>,
    ) -> Result<(Sender<HelloRequest>, Streaming<HelloReply>), Status> {
        self.channel
            .bidi_streaming(SAY_HELLO_BIDI_STREAM, request)
            .await
    }
}
