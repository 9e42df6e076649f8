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

use super::protocol::{ConformanceRequest, ConformanceResponse};
use crate::cli::Failure;

/// What the conversions need besides the request, built once before the first request.
#[derive(Debug)]
pub(super) struct Context {
    /// The `-I/--proto-path` directories, in the order given: where the test messages' `.proto`
    /// files are.
    #[expect(
        dead_code,
        reason = "read by the conversions once they parse the test messages"
    )]
    pub(super) proto_path: Vec<PathBuf>,
}

impl Context {
    /// The context for these `--proto-path` directories. An error ends the testee before it
    /// reads its first request.
    pub(super) fn load(proto_path: Vec<PathBuf>) -> Result<Self, Failure> {
        Ok(Self { proto_path })
    }
}

/// The answer to one test case.
pub(super) fn run(request: &ConformanceRequest, context: &Context) -> ConformanceResponse {
    let _ = (request, context);
    ConformanceResponse::skipped("not implemented yet")
}
