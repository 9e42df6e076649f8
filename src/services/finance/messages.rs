//! `finance.CurrencyConverter` (`proto/finance.proto`, package `finance`): the grpcio
//! tutorial's service (see [`crate::services`]), one RPC of each of the four kinds.
//!
//! | RPC | kind | request → response |
//! |---|---|---|
//! | `Convert` | unary | [`ConvertRequest`] → [`ConvertReply`] |
//! | `WatchRates` | server streaming | [`WatchRequest`] → stream [`RateUpdate`] |
//! | `BatchConvert` | client streaming | stream [`ConvertRequest`] → [`BatchReply`] |
//! | `LiveConvert` | bidirectional streaming | stream [`ConvertRequest`] → stream [`ConvertReply`] |
//!
//! `double` fields are eight little-endian bytes (wire type I64) and are left out when they are
//! `+0.0`. `-0.0` *is* written, as `protoc` and the C++ runtime do: a negative zero amount reaches
//! the server as negative zero, not as "no amount".

use crate::protobuf::{DecodeError, Decoder, FieldSink, Message, Str, Text};

/// The fully qualified service name: `package.Service`.
pub const SERVICE: &str = "finance.CurrencyConverter";
/// Unary `rpc Convert (ConvertRequest) returns (ConvertReply);`
pub const CONVERT: &str = "/finance.CurrencyConverter/Convert";
/// Server streaming `rpc WatchRates (WatchRequest) returns (stream RateUpdate);`
pub const WATCH_RATES: &str = "/finance.CurrencyConverter/WatchRates";
/// Client streaming `rpc BatchConvert (stream ConvertRequest) returns (BatchReply);`
pub const BATCH_CONVERT: &str = "/finance.CurrencyConverter/BatchConvert";
/// Bidirectional streaming `rpc LiveConvert (stream ConvertRequest) returns (stream ConvertReply);`
pub const LIVE_CONVERT: &str = "/finance.CurrencyConverter/LiveConvert";

/// ```proto
/// message ConvertRequest {
///   string from_currency = 1;   // e.g. "USD"
///   string to_currency   = 2;   // e.g. "EUR"
///   double amount        = 3;
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConvertRequest {
    /// `string from_currency = 1;` e.g. `"USD"`.
    pub from_currency: Text,
    /// `string to_currency = 2;` e.g. `"EUR"`.
    pub to_currency: Text,
    /// `double amount = 3;` in `from_currency`.
    pub amount: f64,
}

impl Message for ConvertRequest {
    #[inline]
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.string(1, &self.from_currency);
        s.string(2, &self.to_currency);
        s.double(3, self.amount);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.string(&mut self.from_currency),
            2 => d.string(&mut self.to_currency),
            3 => d.double(&mut self.amount),
            _ => d.skip(),
        }
    }
}

/// ```proto
/// message ConvertReply {
///   double converted_amount = 1;
///   double rate             = 2;
///   string timestamp        = 3;
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConvertReply {
    /// `double converted_amount = 1;` the amount in `to_currency`.
    pub converted_amount: f64,
    /// `double rate = 2;` the rate used.
    pub rate: f64,
    /// `string timestamp = 3;` seconds since the Unix epoch, as a decimal string.
    pub timestamp: Text,
}

impl Message for ConvertReply {
    #[inline]
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.double(1, self.converted_amount);
        s.double(2, self.rate);
        s.string(3, &self.timestamp);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.double(&mut self.converted_amount),
            2 => d.double(&mut self.rate),
            3 => d.string(&mut self.timestamp),
            _ => d.skip(),
        }
    }
}

/// ```proto
/// message WatchRequest {
///   string base_currency = 1;
///   repeated string target_currencies = 2;
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WatchRequest {
    /// `string base_currency = 1;`
    pub base_currency: Text,
    /// `repeated string target_currencies = 2;` one LEN record per currency, in order.
    pub target_currencies: Vec<Text>,
}

impl Message for WatchRequest {
    #[inline]
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.string(1, &self.base_currency);
        s.repeated::<Str>(2, &self.target_currencies);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.string(&mut self.base_currency),
            2 => d.repeated::<Str>(&mut self.target_currencies),
            _ => d.skip(),
        }
    }
}

/// ```proto
/// message RateUpdate {
///   string currency = 1;
///   double rate     = 2;
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RateUpdate {
    /// `string currency = 1;` the target currency.
    pub currency: Text,
    /// `double rate = 2;` units of `currency` per unit of the base currency.
    pub rate: f64,
}

impl Message for RateUpdate {
    #[inline]
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.string(1, &self.currency);
        s.double(2, self.rate);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.string(&mut self.currency),
            2 => d.double(&mut self.rate),
            _ => d.skip(),
        }
    }
}

/// ```proto
/// message BatchReply {
///   double total_converted = 1;
///   int32  count           = 2;
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchReply {
    /// `double total_converted = 1;` the sum of every converted amount.
    pub total_converted: f64,
    /// `int32 count = 2;` how many requests the stream held.
    pub count: i32,
}

impl Message for BatchReply {
    #[inline]
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.double(1, self.total_converted);
        s.int32(2, self.count);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.double(&mut self.total_converted),
            2 => d.int32(&mut self.count),
            _ => d.skip(),
        }
    }
}
