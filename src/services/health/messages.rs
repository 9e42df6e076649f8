//! The messages of `proto/grpc/health/v1/health.proto`, and the method paths.

use std::collections::BTreeMap;
use std::fmt;

use crate::protobuf::{DecodeError, Decoder, FieldSink, Message, Msg, Str, Text};

/// The fully qualified service name.
pub const SERVICE: &str = "grpc.health.v1.Health";
/// Unary `rpc Check(HealthCheckRequest) returns (HealthCheckResponse);`
pub const CHECK: &str = "/grpc.health.v1.Health/Check";
/// Unary `rpc List(HealthListRequest) returns (HealthListResponse);`
pub const LIST: &str = "/grpc.health.v1.Health/List";
/// Server streaming `rpc Watch(HealthCheckRequest) returns (stream HealthCheckResponse);`
pub const WATCH: &str = "/grpc.health.v1.Health/Watch";

/// `message HealthCheckRequest { string service = 1; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthCheckRequest {
    /// `string service = 1;` the service asked about; `""` is the server as a whole.
    pub service: Text,
}

impl Message for HealthCheckRequest {
    #[inline]
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.string(1, &self.service);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.string(&mut self.service),
            _ => d.skip(),
        }
    }
}

/// `enum HealthCheckResponse.ServingStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServingStatus {
    /// `UNKNOWN = 0`.
    Unknown = 0,
    /// `SERVING = 1`: the service answers calls.
    Serving = 1,
    /// `NOT_SERVING = 2`: it does not (e.g. the server is shutting down).
    NotServing = 2,
    /// `SERVICE_UNKNOWN = 3`: used only by Watch, for a service the server does not know (yet).
    ServiceUnknown = 3,
}

impl ServingStatus {
    /// The status with this number; `None` for a number the proto does not define (an open
    /// enum may carry one).
    pub fn from_i32(number: i32) -> Option<Self> {
        [
            Self::Unknown,
            Self::Serving,
            Self::NotServing,
            Self::ServiceUnknown,
        ]
        .into_iter()
        .find(|s| *s as i32 == number)
    }

    /// The name in the proto: `SERVING`, `NOT_SERVING`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "UNKNOWN",
            Self::Serving => "SERVING",
            Self::NotServing => "NOT_SERVING",
            Self::ServiceUnknown => "SERVICE_UNKNOWN",
        }
    }
}

impl fmt::Display for ServingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `message HealthCheckResponse { ServingStatus status = 1; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthCheckResponse {
    /// `ServingStatus status = 1;` by number (proto3 enums are open): see
    /// [`HealthCheckResponse::serving_status`].
    pub status: i32,
}

impl HealthCheckResponse {
    /// A response carrying `status`.
    pub fn new(status: ServingStatus) -> Self {
        Self {
            status: status as i32,
        }
    }

    /// The status, if its number is one the proto defines.
    pub fn serving_status(&self) -> Option<ServingStatus> {
        ServingStatus::from_i32(self.status)
    }
}

impl Message for HealthCheckResponse {
    #[inline]
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.enumeration(1, self.status);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.enumeration(&mut self.status),
            _ => d.skip(),
        }
    }
}

/// `message HealthListRequest {}`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthListRequest {}

impl Message for HealthListRequest {
    #[inline]
    fn encode_fields<S: FieldSink>(&self, _: &mut S) {}
    fn merge_field(&mut self, _: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        d.skip()
    }
}

/// `message HealthListResponse { map<string, HealthCheckResponse> statuses = 1; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthListResponse {
    /// `map<string, HealthCheckResponse> statuses = 1;` every service the server knows, by
    /// name (`""` included).
    pub statuses: BTreeMap<Text, HealthCheckResponse>,
}

impl Message for HealthListResponse {
    #[inline]
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.map::<Str, Msg<HealthCheckResponse>>(1, &self.statuses);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.map::<Str, Msg<HealthCheckResponse>>(&mut self.statuses),
            _ => d.skip(),
        }
    }
}
