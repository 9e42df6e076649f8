//! The messages between the conformance runner and the testee: `conformance/conformance.proto`
//! of protobuf's source (package `conformance`, proto3), written by hand as every message of
//! h2grpc is.
//!
//! `conformance.proto` describes them:
//!
//! > Represents a single test case's input.  The testee should:
//! >
//! >   1. parse this proto (which should always succeed)
//! >   2. parse the protobuf or JSON payload in "payload" (which may fail)
//! >   3. if the parse succeeded, serialize the message in the requested format.
//!
//! and, of the first request of the binary and JSON suite:
//!
//! > The conformance runner will request a list of failures as the first request.
//! > This will be known by message_type == "conformance.FailureSet", a conformance
//! > test should return a serialized FailureSet in protobuf_payload.
//!
//! The two `oneof`s are Rust enums in an `Option` (`None`: no member set). A member that is set
//! is written even when it holds its default: an empty `protobuf_payload` is the answer "the
//! message encodes to zero bytes", not "no answer". The enums `WireFormat` and `TestCategory`
//! are open (proto3): the fields keep the number, and [`WireFormat::from_number`] and
//! [`TestCategory::from_number`] name the known ones.

use bytes::Bytes;

use h2grpc::protobuf::{Bin, DecodeError, Decoder, FieldSink, Message, Str, Text};

/// `message_type` of the runner's first request, which asks for the testee's own list of tests
/// expected to fail (a [`FailureSet`]).
pub(crate) const FAILURE_SET: &str = "conformance.FailureSet";
/// `message_type` of the proto3 tests: `message TestAllTypesProto3` of
/// `google/protobuf/test_messages_proto3.proto`.
pub(crate) const TEST_ALL_TYPES_PROTO3: &str = "protobuf_test_messages.proto3.TestAllTypesProto3";
/// `message_type` of the proto2 tests: `message TestAllTypesProto2` of
/// `google/protobuf/test_messages_proto2.proto`.
pub(crate) const TEST_ALL_TYPES_PROTO2: &str = "protobuf_test_messages.proto2.TestAllTypesProto2";

/// `enum WireFormat`: the format of a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WireFormat {
    /// `UNSPECIFIED = 0;`
    Unspecified,
    /// `PROTOBUF = 1;` the binary wire format.
    Protobuf,
    /// `JSON = 2;` the proto3 JSON mapping.
    Json,
    /// `JSPB = 3;` "Google internal only. Opensource testees just skip it."
    Jspb,
    /// `TEXT_FORMAT = 4;` the text format.
    TextFormat,
}

impl WireFormat {
    /// The value of this number, `None` for a number `conformance.proto` does not define.
    pub(crate) fn from_number(number: i32) -> Option<Self> {
        Some(match number {
            0 => Self::Unspecified,
            1 => Self::Protobuf,
            2 => Self::Json,
            3 => Self::Jspb,
            4 => Self::TextFormat,
            _ => return None,
        })
    }
}

/// `enum TestCategory`: what a test checks, for testees that support only part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TestCategory {
    /// `UNSPECIFIED_TEST = 0;`
    Unspecified,
    /// `BINARY_TEST = 1;` the binary wire format.
    Binary,
    /// `JSON_TEST = 2;` the JSON mapping.
    Json,
    /// `JSON_IGNORE_UNKNOWN_PARSING_TEST = 3;` JSON input whose unknown fields the testee should
    /// ignore ("This feature is optional").
    JsonIgnoreUnknownParsing,
    /// `JSPB_TEST = 4;` "Google internal only. Opensource testees just skip it."
    Jspb,
    /// `TEXT_FORMAT_TEST = 5;` the text format ("Testees of other languages can simply skip
    /// it").
    TextFormat,
}

impl TestCategory {
    /// The value of this number, `None` for a number `conformance.proto` does not define.
    pub(crate) fn from_number(number: i32) -> Option<Self> {
        Some(match number {
            0 => Self::Unspecified,
            1 => Self::Binary,
            2 => Self::Json,
            3 => Self::JsonIgnoreUnknownParsing,
            4 => Self::Jspb,
            5 => Self::TextFormat,
            _ => return None,
        })
    }
}

/// `message FailureSet { repeated string failure = 1; }`: names of tests expected to fail.
///
/// The testee answers the runner's first request with an empty one: the tests h2grpc expects to
/// fail are listed in `wire-tests/conformance/failure_list.txt`, given to the runner by
/// `--failure_list`, one place only.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FailureSet {
    /// `repeated string failure = 1;`
    pub(crate) failure: Vec<Text>,
}

impl Message for FailureSet {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.repeated::<Str>(1, &self.failure);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.repeated::<Str>(&mut self.failure),
            _ => d.skip(),
        }
    }
}

/// `message ConformanceRequest`: one test case's input.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ConformanceRequest {
    /// `oneof payload`: the message to parse, in one of the formats.
    pub(crate) payload: Option<Payload>,
    /// `WireFormat requested_output_format = 3;` the format to answer in ([`WireFormat`]).
    pub(crate) requested_output_format: i32,
    /// `string message_type = 4;` the full name of the payload's message:
    /// [`TEST_ALL_TYPES_PROTO3`], [`TEST_ALL_TYPES_PROTO2`] or [`FAILURE_SET`].
    pub(crate) message_type: Text,
    /// `TestCategory test_category = 5;` ([`TestCategory`]).
    pub(crate) test_category: i32,
    /// `JspbEncodingConfig jspb_encoding_options = 6;`
    pub(crate) jspb_encoding_options: Option<JspbEncodingConfig>,
    /// `bool print_unknown_fields = 9;` "If true, testee should print unknown fields instead of
    /// ignore. This feature is optional."
    pub(crate) print_unknown_fields: bool,
}

impl ConformanceRequest {
    /// The requested output format, `None` for a number `conformance.proto` does not define.
    pub(crate) fn output_format(&self) -> Option<WireFormat> {
        WireFormat::from_number(self.requested_output_format)
    }

    /// The test category, `None` for a number `conformance.proto` does not define.
    pub(crate) fn category(&self) -> Option<TestCategory> {
        TestCategory::from_number(self.test_category)
    }
}

/// `oneof payload` of [`ConformanceRequest`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Payload {
    /// `bytes protobuf_payload = 1;` the binary wire format.
    Protobuf(Bytes),
    /// `string json_payload = 2;` JSON.
    Json(Text),
    /// `string jspb_payload = 7;` "Google internal only. Opensource testees just skip it."
    Jspb(Text),
    /// `string text_payload = 8;` the text format.
    Text(Text),
}

impl Payload {
    /// The format this payload is in.
    pub(crate) fn format(&self) -> WireFormat {
        match self {
            Self::Protobuf(_) => WireFormat::Protobuf,
            Self::Json(_) => WireFormat::Json,
            Self::Jspb(_) => WireFormat::Jspb,
            Self::Text(_) => WireFormat::TextFormat,
        }
    }
}

impl Message for ConformanceRequest {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        match &self.payload {
            None => {}
            Some(Payload::Protobuf(bytes)) => s.optional::<Bin>(1, Some(bytes)),
            Some(Payload::Json(text)) => s.optional::<Str>(2, Some(text)),
            Some(Payload::Jspb(text)) => s.optional::<Str>(7, Some(text)),
            Some(Payload::Text(text)) => s.optional::<Str>(8, Some(text)),
        }
        s.enumeration(3, self.requested_output_format);
        s.string(4, &self.message_type);
        s.enumeration(5, self.test_category);
        s.message(6, self.jspb_encoding_options.as_ref());
        s.bool(9, self.print_unknown_fields);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        // A later member of the oneof replaces an earlier one, as in any proto3 decoder.
        let payload = match number {
            1 => Payload::Protobuf(d.value::<Bin>()?),
            2 => Payload::Json(d.value::<Str>()?),
            7 => Payload::Jspb(d.value::<Str>()?),
            8 => Payload::Text(d.value::<Str>()?),
            3 => return d.enumeration(&mut self.requested_output_format),
            4 => return d.string(&mut self.message_type),
            5 => return d.enumeration(&mut self.test_category),
            6 => return d.message(&mut self.jspb_encoding_options),
            9 => return d.bool(&mut self.print_unknown_fields),
            _ => return d.skip(),
        };
        self.payload = Some(payload);
        Ok(())
    }
}

/// `message JspbEncodingConfig { bool use_jspb_array_any_format = 1; }`: options of the JSPB
/// format, which h2grpc skips.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct JspbEncodingConfig {
    /// `bool use_jspb_array_any_format = 1;`
    pub(crate) use_jspb_array_any_format: bool,
}

impl Message for JspbEncodingConfig {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.bool(1, self.use_jspb_array_any_format);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.bool(&mut self.use_jspb_array_any_format),
            _ => d.skip(),
        }
    }
}

/// `message ConformanceResponse { oneof result { ... } }`: one test case's output.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ConformanceResponse {
    /// `oneof result`. `None` (nothing set) is an answer the runner counts as a failure.
    pub(crate) result: Option<Outcome>,
}

/// `oneof result` of [`ConformanceResponse`]. The comments quote `conformance.proto`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// `string parse_error = 1;` "This string should be set to indicate parsing failed. [...]
    /// Setting this string does not necessarily mean the testee failed the test.  Some of the
    /// test cases are intentionally invalid input."
    ParseError(Text),
    /// `string serialize_error = 6;` "If the input was successfully parsed but errors occurred
    /// when serializing it to the requested output format, set the error message in this
    /// field."
    SerializeError(Text),
    /// `string timeout_error = 9;` a member of later versions of `conformance.proto`; the
    /// 3.21.12 runner does not know it and takes a response holding it for an empty one.
    TimeoutError(Text),
    /// `string runtime_error = 2;` "This should be set if some other error occurred.  This will
    /// always indicate that the test failed."
    RuntimeError(Text),
    /// `bytes protobuf_payload = 3;` "If the input was successfully parsed and the requested
    /// output was protobuf, serialize it to protobuf and set it in this field."
    ProtobufPayload(Bytes),
    /// `string json_payload = 4;` "If the input was successfully parsed and the requested output
    /// was JSON, serialize to JSON and set it in this field."
    JsonPayload(Text),
    /// `string skipped = 5;` "For when the testee skipped the test, likely because a certain
    /// feature wasn't supported, like JSON input/output."
    Skipped(Text),
    /// `string jspb_payload = 7;` "JSPB is google internal only format. Opensource testees can
    /// just skip it."
    JspbPayload(Text),
    /// `string text_payload = 8;` "If the input was successfully parsed and the requested output
    /// was TEXT_FORMAT, serialize to TEXT_FORMAT and set it in this field."
    TextPayload(Text),
}

impl ConformanceResponse {
    /// A response holding `outcome`.
    pub(crate) fn new(outcome: Outcome) -> Self {
        Self {
            result: Some(outcome),
        }
    }

    /// `skipped`, with the reason.
    pub(crate) fn skipped(reason: impl Into<Text>) -> Self {
        Self::new(Outcome::Skipped(reason.into()))
    }

    /// `runtime_error`, with what went wrong.
    pub(crate) fn runtime_error(message: impl Into<Text>) -> Self {
        Self::new(Outcome::RuntimeError(message.into()))
    }
}

impl Message for ConformanceResponse {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        match &self.result {
            None => {}
            Some(Outcome::ParseError(text)) => s.optional::<Str>(1, Some(text)),
            Some(Outcome::RuntimeError(text)) => s.optional::<Str>(2, Some(text)),
            Some(Outcome::ProtobufPayload(bytes)) => s.optional::<Bin>(3, Some(bytes)),
            Some(Outcome::JsonPayload(text)) => s.optional::<Str>(4, Some(text)),
            Some(Outcome::Skipped(text)) => s.optional::<Str>(5, Some(text)),
            Some(Outcome::SerializeError(text)) => s.optional::<Str>(6, Some(text)),
            Some(Outcome::JspbPayload(text)) => s.optional::<Str>(7, Some(text)),
            Some(Outcome::TextPayload(text)) => s.optional::<Str>(8, Some(text)),
            Some(Outcome::TimeoutError(text)) => s.optional::<Str>(9, Some(text)),
        }
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        let outcome = match number {
            1 => Outcome::ParseError(d.value::<Str>()?),
            2 => Outcome::RuntimeError(d.value::<Str>()?),
            3 => Outcome::ProtobufPayload(d.value::<Bin>()?),
            4 => Outcome::JsonPayload(d.value::<Str>()?),
            5 => Outcome::Skipped(d.value::<Str>()?),
            6 => Outcome::SerializeError(d.value::<Str>()?),
            7 => Outcome::JspbPayload(d.value::<Str>()?),
            8 => Outcome::TextPayload(d.value::<Str>()?),
            9 => Outcome::TimeoutError(d.value::<Str>()?),
            _ => return d.skip(),
        };
        self.result = Some(outcome);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request as the runner writes it: `protobuf_payload` (empty), requested output
    /// PROTOBUF, `message_type` "conformance.FailureSet" (bytes checked by hand against the
    /// encoding rules: key 0x0a = field 1 LEN, 0x18 = field 3 varint, 0x22 = field 4 LEN).
    #[test]
    fn the_failure_set_request_decodes() {
        let mut wire = vec![0x0a, 0x00, 0x18, 0x01, 0x22, 22];
        wire.extend_from_slice(FAILURE_SET.as_bytes());
        let request = ConformanceRequest::decode(Bytes::from(wire)).unwrap();
        assert_eq!(request.payload, Some(Payload::Protobuf(Bytes::new())));
        assert_eq!(request.output_format(), Some(WireFormat::Protobuf));
        assert_eq!(request.message_type, FAILURE_SET);
        assert_eq!(request.category(), Some(TestCategory::Unspecified));
    }

    #[test]
    fn a_set_member_is_written_even_when_empty() {
        let response = ConformanceResponse::new(Outcome::ProtobufPayload(Bytes::new()));
        assert_eq!(response.encode_to_vec(), [0x1a, 0x00]);
        assert_eq!(ConformanceResponse::default().encode_to_vec(), [0u8; 0]);
        let skipped = ConformanceResponse::skipped("no");
        assert_eq!(skipped.encode_to_vec(), [0x2a, 0x02, b'n', b'o']);
    }

    #[test]
    fn requests_and_responses_round_trip() {
        let request = ConformanceRequest {
            payload: Some(Payload::Json(Text::from("{\"optionalInt32\": 1}"))),
            requested_output_format: 2, // JSON
            message_type: Text::from("protobuf_test_messages.proto3.TestAllTypesProto3"),
            test_category: 3, // JSON_IGNORE_UNKNOWN_PARSING_TEST
            jspb_encoding_options: Some(JspbEncodingConfig {
                use_jspb_array_any_format: true,
            }),
            print_unknown_fields: true,
        };
        assert_eq!(
            ConformanceRequest::decode(request.encode_to_bytes()).unwrap(),
            request
        );
        for outcome in [
            Outcome::ParseError("p".into()),
            Outcome::SerializeError("s".into()),
            Outcome::TimeoutError("t".into()),
            Outcome::RuntimeError("r".into()),
            Outcome::ProtobufPayload(Bytes::from_static(b"\x08\x01")),
            Outcome::JsonPayload("{}".into()),
            Outcome::Skipped("k".into()),
            Outcome::JspbPayload("[]".into()),
            Outcome::TextPayload("".into()),
        ] {
            let response = ConformanceResponse::new(outcome);
            assert_eq!(
                ConformanceResponse::decode(response.encode_to_bytes()).unwrap(),
                response
            );
        }
        let failures = FailureSet {
            failure: vec!["Required.Proto3.X".into(), "Recommended.Y".into()],
        };
        assert_eq!(
            FailureSet::decode(failures.encode_to_bytes()).unwrap(),
            failures
        );
    }

    #[test]
    fn unknown_enum_numbers_are_kept() {
        let request = ConformanceRequest {
            requested_output_format: 17,
            test_category: -3,
            ..ConformanceRequest::default()
        };
        let decoded = ConformanceRequest::decode(request.encode_to_bytes()).unwrap();
        assert_eq!(decoded.requested_output_format, 17);
        assert_eq!(decoded.output_format(), None);
        assert_eq!(decoded.category(), None);
    }
}
