//! The messages of `proto/grpc/testing/empty.proto` and `messages.proto` (package
//! `grpc.testing`) that the interop cases use, encoded by hand.
//!
//! Three fields of type [`BoolValue`] (`response_compressed`, `expect_compressed`,
//! `compressed`) are *nullable*: a message field, `None` when absent, so that "not asked" and
//! "asked for false" differ (`messages.proto`: "This field is \"nullable\" in order to
//! interoperate seamlessly with clients not able to implement the full compression tests").
//! `BoolValue` is `grpc.testing`'s own, not `google.protobuf.BoolValue` (same shape, other name).

use std::collections::BTreeMap;

use bytes::Bytes;

use crate::protobuf::{DecodeError, Decoder, Double, FieldSink, Int32, Message, Msg, Str, Text};

/// The fully qualified service name.
pub const SERVICE: &str = "grpc.testing.TestService";
/// Unary `rpc EmptyCall(grpc.testing.Empty) returns (grpc.testing.Empty);`
pub const EMPTY_CALL: &str = "/grpc.testing.TestService/EmptyCall";
/// Unary `rpc UnaryCall(SimpleRequest) returns (SimpleResponse);`
pub const UNARY_CALL: &str = "/grpc.testing.TestService/UnaryCall";
/// Unary `rpc CacheableUnaryCall(SimpleRequest) returns (SimpleResponse);` (needs a caching
/// proxy to mean anything; served as UnaryCall).
pub const CACHEABLE_UNARY_CALL: &str = "/grpc.testing.TestService/CacheableUnaryCall";
/// Server streaming `rpc StreamingOutputCall(StreamingOutputCallRequest) returns (stream
/// StreamingOutputCallResponse);`
pub const STREAMING_OUTPUT_CALL: &str = "/grpc.testing.TestService/StreamingOutputCall";
/// Client streaming `rpc StreamingInputCall(stream StreamingInputCallRequest) returns
/// (StreamingInputCallResponse);`
pub const STREAMING_INPUT_CALL: &str = "/grpc.testing.TestService/StreamingInputCall";
/// Bidirectional `rpc FullDuplexCall(stream StreamingOutputCallRequest) returns (stream
/// StreamingOutputCallResponse);`
pub const FULL_DUPLEX_CALL: &str = "/grpc.testing.TestService/FullDuplexCall";
/// Bidirectional `rpc HalfDuplexCall(stream StreamingOutputCallRequest) returns (stream
/// StreamingOutputCallResponse);`: every request is read before the first response.
pub const HALF_DUPLEX_CALL: &str = "/grpc.testing.TestService/HalfDuplexCall";
/// Unary `rpc UnimplementedCall(grpc.testing.Empty) returns (grpc.testing.Empty);`: declared,
/// and deliberately not served (UNIMPLEMENTED).
pub const UNIMPLEMENTED_CALL: &str = "/grpc.testing.TestService/UnimplementedCall";
/// `service UnimplementedService { rpc UnimplementedCall(Empty) returns (Empty); }`: a service
/// no server implements.
pub const UNIMPLEMENTED_SERVICE_CALL: &str = "/grpc.testing.UnimplementedService/UnimplementedCall";

/// `enum PayloadType { COMPRESSABLE = 0; }`: the only payload type.
pub const COMPRESSABLE: i32 = 0;

/// `message Empty {}`: zero bytes, framed as `00 00 00 00 00`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Empty {}

impl Message for Empty {
    fn encode_fields<S: FieldSink>(&self, _s: &mut S) {}
    fn merge_field(&mut self, _number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        d.skip()
    }
}

/// `message BoolValue { bool value = 1; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BoolValue {
    /// `bool value = 1;`
    pub value: bool,
}

impl BoolValue {
    /// `Some(BoolValue { value })`: a nullable field that is set.
    pub fn some(value: bool) -> Option<Self> {
        Some(Self { value })
    }
}

impl Message for BoolValue {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.bool(1, self.value);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.bool(&mut self.value),
            _ => d.skip(),
        }
    }
}

/// `message Payload { PayloadType type = 1; bytes body = 2; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Payload {
    /// `PayloadType type = 1;` always [`COMPRESSABLE`].
    pub r#type: i32,
    /// `bytes body = 2;`
    pub body: Bytes,
}

impl Payload {
    /// A payload of `size` zero bytes, as the interop cases send and expect (a negative size
    /// is none).
    pub fn zeros(size: i32) -> Self {
        let size = usize::try_from(size).unwrap_or(0);
        Self {
            r#type: COMPRESSABLE,
            body: Bytes::from(vec![0; size]),
        }
    }
}

impl Message for Payload {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.enumeration(1, self.r#type);
        s.bytes(2, &self.body);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.enumeration(&mut self.r#type),
            2 => d.bytes(&mut self.body),
            _ => d.skip(),
        }
    }
}

/// `message EchoStatus { int32 code = 1; string message = 2; }`: the status a client asks the
/// server to end the call with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EchoStatus {
    /// `int32 code = 1;`
    pub code: i32,
    /// `string message = 2;`
    pub message: Text,
}

impl Message for EchoStatus {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.int32(1, self.code);
        s.string(2, &self.message);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.int32(&mut self.code),
            2 => d.string(&mut self.message),
            _ => d.skip(),
        }
    }
}

/// `message SimpleRequest`: the request of UnaryCall.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimpleRequest {
    /// `PayloadType response_type = 1;`
    pub response_type: i32,
    /// `int32 response_size = 2;` the size of the response's payload body.
    pub response_size: i32,
    /// `Payload payload = 3;`
    pub payload: Option<Payload>,
    /// `bool fill_username = 4;` (cloud auth cases only)
    pub fill_username: bool,
    /// `bool fill_oauth_scope = 5;` (cloud auth cases only)
    pub fill_oauth_scope: bool,
    /// `BoolValue response_compressed = 6;` nullable.
    pub response_compressed: Option<BoolValue>,
    /// `EchoStatus response_status = 7;`
    pub response_status: Option<EchoStatus>,
    /// `BoolValue expect_compressed = 8;` nullable.
    pub expect_compressed: Option<BoolValue>,
    /// `bool fill_server_id = 9;`
    pub fill_server_id: bool,
    /// `bool fill_grpclb_route_type = 10;`
    pub fill_grpclb_route_type: bool,
    /// `TestOrcaReport orca_per_query_report = 11;`
    pub orca_per_query_report: Option<TestOrcaReport>,
}

impl Message for SimpleRequest {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.enumeration(1, self.response_type);
        s.int32(2, self.response_size);
        s.message(3, self.payload.as_ref());
        s.bool(4, self.fill_username);
        s.bool(5, self.fill_oauth_scope);
        s.message(6, self.response_compressed.as_ref());
        s.message(7, self.response_status.as_ref());
        s.message(8, self.expect_compressed.as_ref());
        s.bool(9, self.fill_server_id);
        s.bool(10, self.fill_grpclb_route_type);
        s.message(11, self.orca_per_query_report.as_ref());
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.enumeration(&mut self.response_type),
            2 => d.int32(&mut self.response_size),
            3 => d.message(&mut self.payload),
            4 => d.bool(&mut self.fill_username),
            5 => d.bool(&mut self.fill_oauth_scope),
            6 => d.message(&mut self.response_compressed),
            7 => d.message(&mut self.response_status),
            8 => d.message(&mut self.expect_compressed),
            9 => d.bool(&mut self.fill_server_id),
            10 => d.bool(&mut self.fill_grpclb_route_type),
            11 => d.message(&mut self.orca_per_query_report),
            _ => d.skip(),
        }
    }
}

/// `message SimpleResponse`: the response of UnaryCall.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimpleResponse {
    /// `Payload payload = 1;`
    pub payload: Option<Payload>,
    /// `string username = 2;`
    pub username: Text,
    /// `string oauth_scope = 3;`
    pub oauth_scope: Text,
    /// `string server_id = 4;`
    pub server_id: Text,
    /// `GrpclbRouteType grpclb_route_type = 5;`
    pub grpclb_route_type: i32,
    /// `string hostname = 6;`
    pub hostname: Text,
}

impl Message for SimpleResponse {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.message(1, self.payload.as_ref());
        s.string(2, &self.username);
        s.string(3, &self.oauth_scope);
        s.string(4, &self.server_id);
        s.enumeration(5, self.grpclb_route_type);
        s.string(6, &self.hostname);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.message(&mut self.payload),
            2 => d.string(&mut self.username),
            3 => d.string(&mut self.oauth_scope),
            4 => d.string(&mut self.server_id),
            5 => d.enumeration(&mut self.grpclb_route_type),
            6 => d.string(&mut self.hostname),
            _ => d.skip(),
        }
    }
}

/// `message StreamingInputCallRequest { Payload payload = 1; BoolValue expect_compressed = 2; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamingInputCallRequest {
    /// `Payload payload = 1;`
    pub payload: Option<Payload>,
    /// `BoolValue expect_compressed = 2;` nullable.
    pub expect_compressed: Option<BoolValue>,
}

impl Message for StreamingInputCallRequest {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.message(1, self.payload.as_ref());
        s.message(2, self.expect_compressed.as_ref());
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.message(&mut self.payload),
            2 => d.message(&mut self.expect_compressed),
            _ => d.skip(),
        }
    }
}

/// `message StreamingInputCallResponse { int32 aggregated_payload_size = 1; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamingInputCallResponse {
    /// `int32 aggregated_payload_size = 1;` the sum of the payload bodies received.
    pub aggregated_payload_size: i32,
}

impl Message for StreamingInputCallResponse {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.int32(1, self.aggregated_payload_size);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.int32(&mut self.aggregated_payload_size),
            _ => d.skip(),
        }
    }
}

/// `message ResponseParameters { int32 size = 1; int32 interval_us = 2; BoolValue compressed = 3; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseParameters {
    /// `int32 size = 1;` the payload body size of this response.
    pub size: i32,
    /// `int32 interval_us = 2;` how long to wait before sending it, in microseconds.
    pub interval_us: i32,
    /// `BoolValue compressed = 3;` nullable: whether to compress this response.
    pub compressed: Option<BoolValue>,
}

impl ResponseParameters {
    /// A response of `size` bytes, at once, compressed as the server likes.
    pub fn size(size: i32) -> Self {
        Self {
            size,
            ..Self::default()
        }
    }
}

impl Message for ResponseParameters {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.int32(1, self.size);
        s.int32(2, self.interval_us);
        s.message(3, self.compressed.as_ref());
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.int32(&mut self.size),
            2 => d.int32(&mut self.interval_us),
            3 => d.message(&mut self.compressed),
            _ => d.skip(),
        }
    }
}

/// `message StreamingOutputCallRequest`: the request of StreamingOutputCall, FullDuplexCall and
/// HalfDuplexCall.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamingOutputCallRequest {
    /// `PayloadType response_type = 1;`
    pub response_type: i32,
    /// `repeated ResponseParameters response_parameters = 2;` one response each, in order.
    pub response_parameters: Vec<ResponseParameters>,
    /// `Payload payload = 3;`
    pub payload: Option<Payload>,
    /// `EchoStatus response_status = 7;`
    pub response_status: Option<EchoStatus>,
    /// `TestOrcaReport orca_oob_report = 8;`
    pub orca_oob_report: Option<TestOrcaReport>,
}

impl Message for StreamingOutputCallRequest {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.enumeration(1, self.response_type);
        s.repeated::<Msg<ResponseParameters>>(2, &self.response_parameters);
        s.message(3, self.payload.as_ref());
        s.message(7, self.response_status.as_ref());
        s.message(8, self.orca_oob_report.as_ref());
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.enumeration(&mut self.response_type),
            2 => d.repeated::<Msg<ResponseParameters>>(&mut self.response_parameters),
            3 => d.message(&mut self.payload),
            7 => d.message(&mut self.response_status),
            8 => d.message(&mut self.orca_oob_report),
            _ => d.skip(),
        }
    }
}

/// `message StreamingOutputCallResponse { Payload payload = 1; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamingOutputCallResponse {
    /// `Payload payload = 1;`
    pub payload: Option<Payload>,
}

impl Message for StreamingOutputCallResponse {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.message(1, self.payload.as_ref());
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.message(&mut self.payload),
            _ => d.skip(),
        }
    }
}

/// `message ReconnectParams { int32 max_reconnect_backoff_ms = 1; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReconnectParams {
    /// `int32 max_reconnect_backoff_ms = 1;`
    pub max_reconnect_backoff_ms: i32,
}

impl Message for ReconnectParams {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.int32(1, self.max_reconnect_backoff_ms);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.int32(&mut self.max_reconnect_backoff_ms),
            _ => d.skip(),
        }
    }
}

/// `message ReconnectInfo { bool passed = 1; repeated int32 backoff_ms = 2; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReconnectInfo {
    /// `bool passed = 1;`
    pub passed: bool,
    /// `repeated int32 backoff_ms = 2;` packed.
    pub backoff_ms: Vec<i32>,
}

impl Message for ReconnectInfo {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.bool(1, self.passed);
        s.repeated::<Int32>(2, &self.backoff_ms);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.bool(&mut self.passed),
            2 => d.repeated::<Int32>(&mut self.backoff_ms),
            _ => d.skip(),
        }
    }
}

/// `message TestOrcaReport`: load report figures (the ORCA cases, which h2grpc does not run;
/// decoded so that nothing a client sends is lost).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestOrcaReport {
    /// `double cpu_utilization = 1;`
    pub cpu_utilization: f64,
    /// `double memory_utilization = 2;`
    pub memory_utilization: f64,
    /// `map<string, double> request_cost = 3;`
    pub request_cost: BTreeMap<Text, f64>,
    /// `map<string, double> utilization = 4;`
    pub utilization: BTreeMap<Text, f64>,
}

impl Message for TestOrcaReport {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.double(1, self.cpu_utilization);
        s.double(2, self.memory_utilization);
        s.map::<Str, Double>(3, &self.request_cost);
        s.map::<Str, Double>(4, &self.utilization);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.double(&mut self.cpu_utilization),
            2 => d.double(&mut self.memory_utilization),
            3 => d.map::<Str, Double>(&mut self.request_cost),
            4 => d.map::<Str, Double>(&mut self.utilization),
            _ => d.skip(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_nothing() {
        assert!(Empty {}.encode_to_vec().is_empty());
    }

    #[test]
    fn nullable_false_is_not_absent() {
        let asked_false = SimpleRequest {
            expect_compressed: BoolValue::some(false),
            ..SimpleRequest::default()
        };
        // Field 8, LEN, zero bytes: present, holding false.
        assert_eq!(asked_false.encode_to_vec(), [0x42, 0x00]);
        let back = SimpleRequest::decode(asked_false.encode_to_bytes()).unwrap();
        assert_eq!(back.expect_compressed, BoolValue::some(false));
        assert_eq!(SimpleRequest::default().encode_to_vec(), [0u8; 0]);
    }

    #[test]
    fn large_unary_request() {
        let request = SimpleRequest {
            response_size: 314_159,
            payload: Some(Payload::zeros(271_828)),
            ..SimpleRequest::default()
        };
        let bytes = request.encode_to_bytes();
        // 10 af 96 13: field 2, varint 314159; 1a ..: field 3, LEN.
        assert_eq!(&bytes[..5], [0x10, 0xaf, 0x96, 0x13, 0x1a]);
        assert_eq!(SimpleRequest::decode(bytes).unwrap(), request);
    }

    #[test]
    fn repeated_response_parameters() {
        let request = StreamingOutputCallRequest {
            response_parameters: vec![
                ResponseParameters::size(1),
                ResponseParameters {
                    size: 2,
                    interval_us: 3,
                    compressed: BoolValue::some(true),
                },
            ],
            ..StreamingOutputCallRequest::default()
        };
        assert_eq!(
            request.encode_to_vec(),
            [
                0x12, 0x02, 0x08, 0x01, // {size: 1}
                0x12, 0x08, 0x08, 0x02, 0x10, 0x03, 0x1a, 0x02, 0x08, 0x01, // {2, 3, {true}}
            ]
        );
        let back = StreamingOutputCallRequest::decode(request.encode_to_bytes()).unwrap();
        assert_eq!(back, request);
    }
}
