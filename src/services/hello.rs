//! `hello.Greeter` (`proto/hello.proto`, package `hello`): the first service of seed 000.
//!
//! | RPC | kind | request → response |
//! |---|---|---|
//! | `SayHello` | unary | [`HelloRequest`] → [`HelloReply`] |
//! | `SayHelloAgain` | unary | [`HelloRequest`] → [`HelloReply`] |
//! | `SayHelloStreamReply` | server streaming | [`HelloRequest`] → stream [`HelloReply`] |

use crate::protobuf::{ByteString, DecodeError, Decoder, FieldSink, Message};

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
    pub name: ByteString,
}

impl Message for HelloRequest {
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
    pub message: ByteString,
}

impl Message for HelloReply {
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
