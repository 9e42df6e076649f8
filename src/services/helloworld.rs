//! `helloworld.Greeter` (`proto/helloworld.proto`, package `helloworld`): the Greeter of the
//! gRPC examples, as seed 003 extends it.
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

pub use super::hello::{HelloReply, HelloRequest};

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
