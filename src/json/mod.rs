//! The proto3 JSON mapping ("ProtoJSON") for [`DynamicMessage`]s, both ways.
//!
//! The spec is protobuf.dev's [ProtoJSON format](https://protobuf.dev/programming-guides/json/).
//! Its rules, and how they are kept here:
//!
//! | the spec says | here |
//! |---|---|
//! | "Message field names are mapped to lowerCamelCase and become JSON object keys" | the field's `json_name`; [`PrintOptions::proto_names`] prints the `.proto` name; both are accepted |
//! | "If a field has the default value ... it is omitted ... An implementation may provide options to include fields with default values in the output" | [`PrintOptions::emit_defaults`]; a field with presence is printed whenever it is set |
//! | int64, fixed64, uint64: "JSON value will be a decimal string. Either numbers or strings are accepted" | written `"-3"`; read from `-3`, `"-3"`, `-3e0` (exactly integral and in range) |
//! | enum: "The name of the enum value as specified in proto is used. Parsers accept both enum names and integer values" | a number when the value has no name |
//! | bytes: "JSON value will be the data encoded as a string using standard base64 encoding with paddings. Either standard or URL-safe base64 encoding with/without paddings are accepted" | as said |
//! | float, double: "Either numbers or strings are accepted ... "NaN", "Infinity" and "-Infinity"" | shortest round-trip digits, a `float` printed as a `float` |
//! | map<K, V>: "All keys are converted to strings" | keys in the map's order |
//! | "null is accepted for all field types and treated as the default value of the corresponding field type" | `null` leaves the field unset, except a `google.protobuf.Value` (`NULL_VALUE`) |
//! | Any: `{"@type": url, ...}`, and for a type with a special form `{"@type": url, "value": ...}` | the type is the part of the URL after the last `/`, looked up in the same [`Types`](crate::dynamic::Types) |
//! | Timestamp, Duration, FieldMask, Struct, Value, ListValue, the wrappers, Empty | their string forms (RFC 3339, `"1.5s"`, `"a.b,cD"`), plain JSON, the wrapped value alone, `{}` |
//!
//! And what the spec leaves to the implementation: a key given twice (or a field given by both
//! its names, or two members of one oneof) is an error; an unknown field is an error unless
//! [`ParseOptions::ignore_unknown_fields`] (which also skips unknown enum names); unknown
//! fields of the binary encoding are dropped; nesting stops at
//! [`RECURSION_LIMIT`](crate::protobuf::RECURSION_LIMIT) levels, as the binary decoder does.
//!
//! ```
//! use h2grpc::dynamic::{DynamicMessage, MessageType, Types, Value};
//! use h2grpc::json::{self, ParseOptions, PrintOptions};
//! use h2grpc::schema::Schema;
//!
//! let types = Types::new(Schema::embedded().files()).unwrap();
//! let ty = MessageType::new(&types, "finance.ConvertRequest").unwrap();
//!
//! // `from_currency` is read by either name; its JSON name is printed.
//! let message = json::from_str(&ty, r#"{"from_currency": "USD", "amount": 1e3}"#,
//!                              &ParseOptions::default()).unwrap();
//! assert_eq!(message.get("amount"), Some(&Value::F64(1000.0)));
//! assert_eq!(json::to_string(&message, &PrintOptions::default()).unwrap(),
//!            r#"{"fromCurrency":"USD","amount":1000}"#);
//!
//! // As grpcurl prints it.
//! let pretty = PrintOptions { pretty: true, ..PrintOptions::default() };
//! assert_eq!(json::to_string(&message, &pretty).unwrap(),
//!            "{\n  \"fromCurrency\": \"USD\",\n  \"amount\": 1000\n}");
//!
//! // Errors name the field.
//! let error = json::from_str(&ty, r#"{"amount": "lots"}"#, &ParseOptions::default())
//!     .unwrap_err();
//! assert_eq!(error.to_string(), r#"field "amount": expected a number, got "lots""#);
//! ```

mod float;
mod parse;
mod print;
mod repeated;
mod scalar;
mod time;
mod wkt;
mod wkt_parse;

use std::fmt;

use crate::dynamic::{DynamicMessage, MessageInfo, MessageType};

/// How [`to_string`] prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrintOptions {
    /// Print fields that hold their default value too (an unset message or proto2 field as
    /// `null`, an empty list as `[]`), except unset members of a oneof.
    pub emit_defaults: bool,
    /// Print the `.proto` names (`from_currency`) instead of the JSON names (`fromCurrency`).
    pub proto_names: bool,
    /// Indent as grpcurl does (Go's `json.Indent` with two spaces): one field per line,
    /// `"key": value`, empty objects and lists as `{}` and `[]`.
    pub pretty: bool,
}

/// How [`from_str`] reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Skip fields the message does not have, and enum names the enum does not have (the field,
    /// list element or map entry is then left out), instead of failing.
    pub ignore_unknown_fields: bool,
}

/// One step of the path to the value an error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// A field, by the name it was given as.
    Field(String),
    /// An element of a list.
    Index(usize),
    /// An entry of a map.
    Key(String),
}

/// JSON that does not fit the message type, or a message that has no JSON form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    path: Vec<PathSegment>,
    message: String,
}

impl JsonError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            path: Vec::new(),
            message: message.into(),
        }
    }

    /// Adds the step that leads to where the error is (called from the inside out).
    pub(crate) fn within(mut self, segment: PathSegment) -> Self {
        self.path.insert(0, segment);
        self
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where: the steps from the top message to the value (empty: the top message itself).
    pub fn path(&self) -> &[PathSegment] {
        &self.path
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            return f.write_str(&self.message);
        }
        f.write_str("field \"")?;
        for (i, segment) in self.path.iter().enumerate() {
            match segment {
                PathSegment::Field(name) if i == 0 => f.write_str(name)?,
                PathSegment::Field(name) => write!(f, ".{name}")?,
                PathSegment::Index(index) => write!(f, "[{index}]")?,
                PathSegment::Key(key) => write!(f, "[{key:?}]")?,
            }
        }
        write!(f, "\": {}", self.message)
    }
}

impl std::error::Error for JsonError {}

/// Prints `message` as JSON.
///
/// # Errors
/// A value with no JSON form: a `google.protobuf.Value` with no kind (or a non-finite
/// number), a Timestamp or Duration out of range, a FieldMask path that would not read back,
/// an `Any` whose type is not in the message's [`Types`](crate::dynamic::Types) or whose
/// bytes do not decode.
pub fn to_string(message: &DynamicMessage, options: &PrintOptions) -> Result<String, JsonError> {
    let mut printer = print::Printer::new(message.message_type().types(), options);
    let ty = message.message_type();
    printer.message(ty.id(), message.value())?;
    Ok(printer.finish())
}

/// Reads a message of type `ty` from JSON.
///
/// # Errors
/// Text that is not JSON, or JSON that does not fit `ty` (see the module docs); the error
/// names the field.
pub fn from_str(
    ty: &MessageType,
    json: &str,
    options: &ParseOptions,
) -> Result<DynamicMessage, JsonError> {
    parse::from_str(ty, json, options)
}

/// The well-known types that have a JSON form of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wkt {
    Any,
    Timestamp,
    Duration,
    FieldMask,
    Struct,
    Value,
    ListValue,
    /// `DoubleValue` ... `BytesValue`: field 1, alone.
    Wrapper,
    /// Printed as any message, but inside an `Any` as `"value": {}`.
    Empty,
}

impl Wkt {
    /// Which well-known type `info` is, if it is one.
    #[inline]
    pub(crate) fn of(info: &MessageInfo) -> Option<Self> {
        let name = info.full_name.strip_prefix("google.protobuf.")?;
        Some(match name {
            "Any" => Self::Any,
            "Timestamp" => Self::Timestamp,
            "Duration" => Self::Duration,
            "FieldMask" => Self::FieldMask,
            "Struct" => Self::Struct,
            "Value" => Self::Value,
            "ListValue" => Self::ListValue,
            "DoubleValue" | "FloatValue" | "Int64Value" | "UInt64Value" | "Int32Value"
            | "UInt32Value" | "BoolValue" | "StringValue" | "BytesValue" => Self::Wrapper,
            "Empty" => Self::Empty,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_wkt;
