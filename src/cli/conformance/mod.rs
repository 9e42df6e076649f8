//! `h2grpc conformance-testee`: the program under test of protobuf's conformance test runner,
//! hidden from `--help` (it talks to that runner only).
//!
//! ```text
//! conformance_test_runner --enforce_recommended --failure_list LIST testee.sh
//!   # testee.sh: exec h2grpc conformance-testee -I target/conformance/protos
//! ```
//!
//! wire-tests/conformance.rs runs it, with the runner built by
//! `wire-tests/conformance/build-runner.sh` from protobuf 3.21.12's source.
//!
//! # The protocol
//!
//! The runner starts the testee with its stdin and stdout on two pipes, and
//! `conformance/conformance_test_runner.cc` describes what goes through them:
//!
//! > Every test consists of a ConformanceRequest/ConformanceResponse
//! > request/reply pair.  The protocol on the pipe is simply:
//! >
//! >   1. tester sends 4-byte length N (little endian)
//! >   2. tester sends N bytes representing a ConformanceRequest proto
//! >   3. testee sends 4-byte length M (little endian)
//! >   4. testee sends M bytes representing a ConformanceResponse proto
//!
//! The messages are in [`protocol`]. The runner waits for each answer before it sends the next
//! request, so every answer is flushed at once. The runner never closes the pipe itself; it
//! closes when the runner exits, and at that end of stdin, between two requests, the testee
//! exits 0. A response that does not parse, or a testee that exits, fails the test at hand (the
//! runner starts the testee again for the next one).
//!
//! The runner starts one testee per suite: the binary and JSON suite, then the text-format
//! suite. The first request of the binary and JSON suite has `message_type`
//! `conformance.FailureSet` and asks for the tests the testee expects to fail
//! (`BinaryAndJsonConformanceSuite::RunSuiteImpl` sends it as "FindFailures", a test it does not
//! count, and aborts unless the answer's `protobuf_payload` parses as a `FailureSet`): the answer
//! is an empty one, as h2grpc's expected failures are in the runner's `--failure_list` file.
//!
//! # What the testee answers itself
//!
//! | the request | the answer |
//! |---|---|
//! | `message_type` `conformance.FailureSet` | an empty `FailureSet` in `protobuf_payload` |
//! | no payload | `runtime_error` |
//! | the text format, as input, output or test category | `skipped`: h2grpc has no text format |
//! | JSPB, as input, output or test category | `skipped` (`conformance.proto`: "Google internal only. Opensource testees just skip it.") |
//! | otherwise | what [`convert::run`] answers |
//!
//! # Limits
//!
//! A request longer than [`MAX_REQUEST_LEN`], a length cut short or a request cut short end the
//! testee with exit code 1 and a line on stderr: the stream cannot be trusted past that point.
//! The bytes of a request are read as they come, never allocated ahead from its claimed length.
//! A request that does not parse as a `ConformanceRequest` is answered with `runtime_error`.

mod convert;
mod protocol;

use std::io::{BufWriter, ErrorKind, Read, Write};
use std::path::PathBuf;

use bytes::Bytes;
use clap::Args;
use h2grpc::protobuf::Message;

use self::convert::Context;
use self::protocol::{
    ConformanceRequest, ConformanceResponse, FAILURE_SET, FailureSet, Outcome, Payload,
    TestCategory, WireFormat,
};
use super::Failure;

/// The longest request read: 64 MiB, far above the runner's largest (a few KiB).
pub(crate) const MAX_REQUEST_LEN: usize = 64 << 20;

/// The flags of `h2grpc conformance-testee`.
#[derive(Debug, Args)]
pub(crate) struct ConformanceTesteeArgs {
    /// A directory where google/protobuf/test_messages_proto{2,3}.proto are found (repeatable).
    #[arg(short = 'I', long = "proto-path", value_name = "DIR")]
    proto_path: Vec<PathBuf>,
}

/// Answers the requests of stdin on stdout until stdin ends.
pub(crate) fn run(args: ConformanceTesteeArgs) -> Result<(), Failure> {
    let context = Context::load(args.proto_path)?;
    serve(
        std::io::stdin().lock(),
        BufWriter::new(std::io::stdout().lock()),
        &context,
    )
}

/// The loop: read a request, write its answer, until `input` ends between two requests.
fn serve(mut input: impl Read, mut output: impl Write, context: &Context) -> Result<(), Failure> {
    while let Some(request) = read_request(&mut input)? {
        let response = match ConformanceRequest::decode(request) {
            Ok(request) => answer(&request, context),
            Err(error) => ConformanceResponse::runtime_error(format!(
                "the request is not a conformance.ConformanceRequest: {error}"
            )),
        };
        write_response(&mut output, &response)?;
    }
    Ok(())
}

/// The answer to one request ([the table](self#what-the-testee-answers-itself)).
fn answer(request: &ConformanceRequest, context: &Context) -> ConformanceResponse {
    if request.message_type == FAILURE_SET {
        return ConformanceResponse::new(Outcome::ProtobufPayload(
            FailureSet::default().encode_to_bytes(),
        ));
    }
    let Some(payload) = &request.payload else {
        return ConformanceResponse::runtime_error("the request has no payload");
    };
    let input = payload.format();
    let output = request.output_format();
    let category = request.category();
    if matches!(payload, Payload::Text(_))
        || output == Some(WireFormat::TextFormat)
        || category == Some(TestCategory::TextFormat)
    {
        return ConformanceResponse::skipped("h2grpc has no text format");
    }
    if input == WireFormat::Jspb
        || output == Some(WireFormat::Jspb)
        || category == Some(TestCategory::Jspb)
    {
        return ConformanceResponse::skipped("JSPB is Google internal only");
    }
    convert::run(request, context)
}

/// The next request's bytes; `None` when `input` ends before its first byte.
fn read_request(input: &mut impl Read) -> Result<Option<Bytes>, Failure> {
    let mut prefix = [0u8; 4];
    let mut filled = 0;
    while filled < prefix.len() {
        match input.read(&mut prefix[filled..]) {
            Ok(0) if filled == 0 => return Ok(None),
            Ok(0) => {
                return Err(Failure::runtime(format!(
                    "stdin ended inside a request's length ({filled} of 4 bytes)"
                )));
            }
            Ok(n) => filled += n,
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) => return Err(read_failure(&error)),
        }
    }
    let claimed = u32::from_le_bytes(prefix);
    let len = usize::try_from(claimed).unwrap_or(usize::MAX);
    if len > MAX_REQUEST_LEN {
        return Err(Failure::runtime(format!(
            "a request of {len} bytes is over the limit of {MAX_REQUEST_LEN} bytes"
        )));
    }
    // Grows with the bytes that actually arrive, never to the claimed length up front.
    let mut request = Vec::new();
    let mut limited = input.take(u64::from(claimed));
    limited
        .read_to_end(&mut request)
        .map_err(|error| read_failure(&error))?;
    if request.len() < len {
        return Err(Failure::runtime(format!(
            "stdin ended inside a request ({} of {len} bytes)",
            request.len()
        )));
    }
    Ok(Some(Bytes::from(request)))
}

fn read_failure(error: &std::io::Error) -> Failure {
    Failure::runtime(format!("cannot read stdin: {error}"))
}

/// Writes one response, length first, and flushes it.
fn write_response(output: &mut impl Write, response: &ConformanceResponse) -> Result<(), Failure> {
    let bytes = response.encode_to_vec();
    let len = u32::try_from(bytes.len()).map_err(|_| {
        Failure::runtime(format!(
            "a response of {} bytes is too long for its 4-byte length",
            bytes.len()
        ))
    })?;
    output
        .write_all(&len.to_le_bytes())
        .and_then(|()| output.write_all(&bytes))
        .and_then(|()| output.flush())
        .map_err(|error| Failure::runtime(format!("cannot write to stdout: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use h2grpc::protobuf::Text;

    fn context() -> Context {
        Context::empty()
    }

    /// `requests` framed as the runner frames them.
    fn framed(requests: &[ConformanceRequest]) -> Vec<u8> {
        let mut wire = Vec::new();
        for request in requests {
            let bytes = request.encode_to_vec();
            wire.extend_from_slice(&u32::try_from(bytes.len()).unwrap().to_le_bytes());
            wire.extend_from_slice(&bytes);
        }
        wire
    }

    /// The responses of `output`, unframed.
    fn responses(mut output: &[u8]) -> Vec<ConformanceResponse> {
        let mut responses = Vec::new();
        while !output.is_empty() {
            let len = u32::from_le_bytes(output[..4].try_into().unwrap()) as usize;
            let bytes = Bytes::copy_from_slice(&output[4..4 + len]);
            responses.push(ConformanceResponse::decode(bytes).unwrap());
            output = &output[4 + len..];
        }
        responses
    }

    fn run_on(input: &[u8]) -> (Result<(), Failure>, Vec<ConformanceResponse>) {
        let mut output = Vec::new();
        let outcome = serve(input, &mut output, &context());
        (outcome, responses(&output))
    }

    fn request(payload: Payload, output: i32, message_type: &str) -> ConformanceRequest {
        ConformanceRequest {
            payload: Some(payload),
            requested_output_format: output,
            message_type: Text::from(message_type),
            ..ConformanceRequest::default()
        }
    }

    #[test]
    fn each_request_is_answered_in_order_until_stdin_ends() {
        let requests = [
            request(
                Payload::Protobuf(Bytes::new()),
                1, // PROTOBUF
                FAILURE_SET,
            ),
            request(
                Payload::Text("optional_int32: 1".into()),
                1, // PROTOBUF
                "protobuf_test_messages.proto3.TestAllTypesProto3",
            ),
            request(
                Payload::Json("{}".into()),
                3, // JSPB
                "protobuf_test_messages.proto2.TestAllTypesProto2",
            ),
            ConformanceRequest::default(),
        ];
        let (outcome, responses) = run_on(&framed(&requests));
        assert!(outcome.is_ok());
        let outcomes: Vec<_> = responses.into_iter().map(|r| r.result.unwrap()).collect();
        assert_eq!(outcomes[0], Outcome::ProtobufPayload(Bytes::new()));
        assert!(matches!(&outcomes[1], Outcome::Skipped(why) if why.contains("text format")));
        assert!(matches!(&outcomes[2], Outcome::Skipped(why) if why.contains("JSPB")));
        assert!(matches!(&outcomes[3], Outcome::RuntimeError(_)));
        assert_eq!(outcomes.len(), 4);
    }

    #[test]
    fn empty_stdin_is_a_clean_end() {
        let (outcome, responses) = run_on(&[]);
        assert!(outcome.is_ok());
        assert!(responses.is_empty());
    }

    #[test]
    fn a_request_that_does_not_parse_gets_a_runtime_error() {
        // Field 1 (LEN) claiming 5 bytes where there are none.
        let (outcome, responses) = run_on(&[2, 0, 0, 0, 0x0a, 0x05]);
        assert!(outcome.is_ok());
        assert!(matches!(
            &responses[0].result,
            Some(Outcome::RuntimeError(why)) if why.contains("ConformanceRequest")
        ));
    }

    #[test]
    fn a_cut_stream_or_a_huge_length_ends_the_testee() {
        let (outcome, _) = run_on(&[3, 0]);
        assert!(
            outcome
                .unwrap_err()
                .message
                .contains("inside a request's length")
        );
        let (outcome, _) = run_on(&[3, 0, 0, 0, 0x08]);
        assert!(outcome.unwrap_err().message.contains("(1 of 3 bytes)"));
        // 4 GiB - 1 claimed, nothing sent: refused before anything is read or allocated.
        let (outcome, responses) = run_on(&[0xff, 0xff, 0xff, 0xff]);
        let failure = outcome.unwrap_err();
        assert!(failure.message.contains("over the limit"), "{failure:?}");
        assert_eq!(failure.code, 1);
        assert!(responses.is_empty());
    }
}
