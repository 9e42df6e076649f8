//! `hello.Greeter` (`proto/hello.proto`, package `hello`): the first service of the grpcio
//! tutorial (see [`super`] for the tutorials).
//!
//! | RPC | kind | request → response |
//! |---|---|---|
//! | `SayHello` | unary | [`HelloRequest`] → [`HelloReply`] |
//! | `SayHelloAgain` | unary | [`HelloRequest`] → [`HelloReply`] |
//! | `SayHelloStreamReply` | server streaming | [`HelloRequest`] → stream [`HelloReply`] |
//!
//! # Server
//!
//! [`register`] adds the three methods to a [`Server`]. Their behaviour is in
//! the functions [`say_hello`], [`say_hello_again`] and [`say_hello_stream_reply`], which
//! [`helloworld`](super::helloworld) registers under its own package too:
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let server = h2grpc::services::hello::register(h2grpc::server::Server::new());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:50051").await?;
//! server.serve_with_shutdown(listener, std::future::pending()).await
//! # }
//! ```
//!
//! # Client
//!
//! [`GreeterClient`], one method per RPC: the grpcio tutorial's `client.py` is
//!
//! ```no_run
//! use h2grpc::client::Channel;
//! use h2grpc::rpc::Request;
//! use h2grpc::services::hello::{GreeterClient, HelloRequest};
//!
//! # async fn run() -> Result<(), h2grpc::status::Status> {
//! let greeter = GreeterClient::new(Channel::connect("http://127.0.0.1:50051").await?);
//! let request = Request::new(HelloRequest { name: "World".into() });
//! let response = greeter.say_hello(request).await?;
//! println!("Server replied: {}", response.get_ref().message);
//! # Ok(()) }
//! ```

use crate::client::Channel;
use crate::protobuf::{DecodeError, Decoder, FieldSink, Message, Text};
use crate::rpc::{Request, Response, Sender, Streaming};
use crate::server::Server;
use crate::status::Status;

/// The fully qualified service name: `package.Service`.
pub const SERVICE: &str = "hello.Greeter";
/// Unary `rpc SayHello (HelloRequest) returns (HelloReply);`
pub const SAY_HELLO: &str = "/hello.Greeter/SayHello";
/// Unary `rpc SayHelloAgain (HelloRequest) returns (HelloReply);`
pub const SAY_HELLO_AGAIN: &str = "/hello.Greeter/SayHelloAgain";
/// Server streaming `rpc SayHelloStreamReply (HelloRequest) returns (stream HelloReply);`
pub const SAY_HELLO_STREAM_REPLY: &str = "/hello.Greeter/SayHelloStreamReply";

/// `message HelloRequest { string name = 1; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HelloRequest {
    /// `string name = 1;` who to greet.
    pub name: Text,
}

impl Message for HelloRequest {
    #[inline]
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.string(1, &self.name);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.string(&mut self.name),
            _ => d.skip(),
        }
    }
}

/// `message HelloReply { string message = 1; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HelloReply {
    /// `string message = 1;` the greeting.
    pub message: Text,
}

impl Message for HelloReply {
    #[inline]
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.string(1, &self.message);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.string(&mut self.message),
            _ => d.skip(),
        }
    }
}

// ===== Server =====

/// How many replies `SayHelloStreamReply` sends.
pub const STREAM_REPLIES: usize = 3;

/// Adds `hello.Greeter`'s three methods to `server`.
#[must_use]
pub fn register(server: Server) -> Server {
    server
        .unary(SAY_HELLO, say_hello)
        .unary(SAY_HELLO_AGAIN, say_hello_again)
        .server_streaming(SAY_HELLO_STREAM_REPLY, say_hello_stream_reply)
}

/// `SayHello`: `"Hello, {name}!"`.
///
/// # Errors
/// Never: every name, the empty one included, is greeted.
pub async fn say_hello(request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> {
    Ok(Response::new(greeting("Hello", &request.get_ref().name)))
}

/// `SayHelloAgain`: `"Hello again, {name}!"`.
///
/// # Errors
/// Never.
pub async fn say_hello_again(
    request: Request<HelloRequest>,
) -> Result<Response<HelloReply>, Status> {
    Ok(Response::new(greeting(
        "Hello again",
        &request.get_ref().name,
    )))
}

/// `SayHelloStreamReply`: exactly [`STREAM_REPLIES`] replies, `"Hello, {name}! #1"` to `#3`,
/// then OK.
///
/// # Errors
/// CANCELLED if the client went away mid-stream (the call is over anyway).
pub async fn say_hello_stream_reply(
    request: Request<HelloRequest>,
    mut replies: Sender<HelloReply>,
) -> Result<(), Status> {
    let name = &request.get_ref().name;
    for n in 1..=STREAM_REPLIES {
        let message = format!("Hello, {name}! #{n}");
        replies
            .send(&HelloReply {
                message: message.into(),
            })
            .await?;
    }
    Ok(())
}

/// `"{salutation}, {name}!"` as a reply.
pub(super) fn greeting(salutation: &str, name: &str) -> HelloReply {
    HelloReply {
        message: format!("{salutation}, {name}!").into(),
    }
}

// ===== Client =====

/// A typed client of `hello.Greeter`: one method per RPC, over a [`Channel`] (cheap to clone,
/// so is the client).
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

    /// Server-streaming `SayHelloStreamReply`: read the replies with [`Streaming::message`].
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
}
