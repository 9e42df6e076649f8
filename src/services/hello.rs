//! `hello.Greeter` (`proto/hello.proto`, package `hello`).

use crate::protobuf::{ByteString, DecodeError, Decoder, FieldSink, Message};

/// `message HelloRequest { string name = 1; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HelloRequest {
    /// Who to greet.
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
    /// The greeting.
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
