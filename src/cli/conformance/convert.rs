//! One test case: parse the request's payload as a `message_type`, then write the message in the
//! requested format.
//!
//! [`run`] receives only what the testee does not answer itself (see [the loop](super)): a
//! `message_type` other than `conformance.FailureSet`, a payload in the binary format or JSON
//! ([`Payload::Protobuf`](super::protocol::Payload::Protobuf),
//! [`Payload::Json`](super::protocol::Payload::Json)), and an output format that is neither the
//! text format nor JSPB. What it answers, following `conformance.proto`:
//!
//! | the payload | the answer |
//! |---|---|
//! | does not parse as the message | `parse_error` (the test may expect exactly that) |
//! | parses, but cannot be written in the requested format | `serialize_error` |
//! | parses and is written | `protobuf_payload` or `json_payload` |
//! | a feature not supported | `skipped` (the suite then fails: only text-format tests may be skipped) |
//! | anything else that went wrong | `runtime_error` (always a failure) |
//!
//! The messages are `TestAllTypesProto3` (proto3) and `TestAllTypesProto2` (proto2) of the files
//! `google/protobuf/test_messages_proto{3,2}.proto`, found under the `--proto-path` directories.

use std::path::PathBuf;
use std::sync::Arc;

use h2grpc::dynamic::{DynamicMessage, MessageType, Types};
use h2grpc::json::{self, ParseOptions, PrintOptions};
use h2grpc::schema::Schema;

use super::protocol::{
    ConformanceRequest, ConformanceResponse, Outcome, Payload, TEST_ALL_TYPES_PROTO2,
    TEST_ALL_TYPES_PROTO3, TestCategory, WireFormat,
};
use crate::cli::Failure;

/// What the conversions need besides the request, built once before the first request: the
/// test messages' types.
#[derive(Debug)]
pub(super) struct Context {
    types: Arc<Types>,
}

impl Context {
    /// Parses `google/protobuf/test_messages_proto{3,2}.proto` from the `--proto-path`
    /// directories with h2grpc's own parser (the well-known types they import are bundled).
    /// An error ends the testee before it reads its first request.
    pub(super) fn load(proto_path: Vec<PathBuf>) -> Result<Self, Failure> {
        let files = [
            PathBuf::from("google/protobuf/test_messages_proto3.proto"),
            PathBuf::from("google/protobuf/test_messages_proto2.proto"),
        ];
        let schema = Schema::load(&proto_path, &files).map_err(Failure::runtime)?;
        let types = Types::new(schema.files()).map_err(Failure::runtime)?;
        Ok(Self { types })
    }

    /// A context with no types, for the tests of the loop (every message type is unknown).
    #[cfg(test)]
    pub(super) fn empty() -> Self {
        Self {
            types: Types::new(std::iter::empty()).unwrap_or_default(),
        }
    }
}

/// The answer to one test case.
pub(super) fn run(request: &ConformanceRequest, context: &Context) -> ConformanceResponse {
    let name = request.message_type.as_str();
    if name != TEST_ALL_TYPES_PROTO3 && name != TEST_ALL_TYPES_PROTO2 {
        return ConformanceResponse::runtime_error(format!("unknown message type {name}"));
    }
    let Some(ty) = MessageType::new(&context.types, name) else {
        return ConformanceResponse::runtime_error(format!("{name} is not in the schema"));
    };
    let message = match &request.payload {
        Some(Payload::Protobuf(bytes)) => {
            DynamicMessage::decode(&ty, bytes.clone()).map_err(|e| e.to_string())
        }
        Some(Payload::Json(text)) => {
            let options = ParseOptions {
                ignore_unknown_fields: request.category()
                    == Some(TestCategory::JsonIgnoreUnknownParsing),
            };
            json::from_str(&ty, text, &options).map_err(|e| e.to_string())
        }
        _ => return ConformanceResponse::skipped("only the binary and JSON formats"),
    };
    let message = match message {
        Ok(message) => message,
        Err(error) => return ConformanceResponse::new(Outcome::ParseError(error.into())),
    };
    match request.output_format() {
        Some(WireFormat::Protobuf) => {
            ConformanceResponse::new(Outcome::ProtobufPayload(message.encode_to_vec().into()))
        }
        Some(WireFormat::Json) => match json::to_string(&message, &PrintOptions::default()) {
            Ok(text) => ConformanceResponse::new(Outcome::JsonPayload(text.into())),
            Err(error) => {
                ConformanceResponse::new(Outcome::SerializeError(error.to_string().into()))
            }
        },
        _ => ConformanceResponse::skipped("only the binary and JSON formats"),
    }
}
