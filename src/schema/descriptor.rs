//! The messages of `google/protobuf/descriptor.proto` that describe a `.proto` file, written by
//! hand on [`crate::protobuf`] like every other message of the crate.
//!
//! A `FileDescriptorProto` is a `.proto` file as data: what `protoc --descriptor_set_out`
//! writes, and what server reflection sends (serialized, as `bytes`). descriptor.proto is a
//! **proto2** file, which changes one rule of the encoding: every singular field has
//! *presence*. A field that was set is written even when it holds its default (an
//! `oneof_index` of 0 says "the first oneof", not "no oneof"), so every singular field here is
//! an `Option` and is encoded with [`FieldSink::optional`].
//!
//! What a proto2 or proto3 file can express is modelled; the rest of descriptor.proto
//! (`source_code_info`, oneof and extension-range options, uninterpreted and custom options,
//! editions) is skipped when decoding, as any unknown field is.
//!
//! | message | fields (number) |
//! |---|---|
//! | [`FileDescriptorSet`] | `file` (1) |
//! | [`FileDescriptorProto`] | `name` (1), `package` (2), `dependency` (3), `message_type` (4), `enum_type` (5), `service` (6), `extension` (7), `options` (8), `public_dependency` (10), `weak_dependency` (11), `syntax` (12) |
//! | [`DescriptorProto`] | `name` (1), `field` (2), `nested_type` (3), `enum_type` (4), `extension_range` (5), `extension` (6), `options` (7), `oneof_decl` (8), `reserved_range` (9), `reserved_name` (10) |
//! | [`ExtensionRange`] | `start` (1), `end` (2) |
//! | [`FieldDescriptorProto`] | `name` (1), `extendee` (2), `number` (3), `label` (4), `type` (5), `type_name` (6), `default_value` (7), `options` (8), `oneof_index` (9), `json_name` (10), `proto3_optional` (17) |
//! | [`OneofDescriptorProto`] | `name` (1) |
//! | [`EnumDescriptorProto`] | `name` (1), `value` (2), `options` (3), `reserved_range` (4), `reserved_name` (5) |
//! | [`EnumValueDescriptorProto`] | `name` (1), `number` (2), `options` (3) |
//! | [`ServiceDescriptorProto`] | `name` (1), `method` (2), `options` (3) |
//! | [`MethodDescriptorProto`] | `name` (1), `input_type` (2), `output_type` (3), `options` (4), `client_streaming` (5), `server_streaming` (6) |
//! | [`Options`] | the `XxxOptions` messages: see [`options`](super::options) |

use crate::protobuf::{
    Bool, DecodeError, Decoder, Enum, FieldSink, Int32, Message, Msg, Str, Text,
};

use super::options::{
    EnumOptions, EnumValueOptions, FieldOptions, FileOptions, MessageOptions, MethodOptions,
    ServiceOptions,
};

pub use super::options::Options;

/// Writes a proto2 `repeated int32` field: *unpacked* (one record per value), proto2's default,
/// and what protoc writes for `public_dependency` and `weak_dependency`.
fn unpacked_int32<S: FieldSink>(s: &mut S, number: u32, values: &[i32]) {
    for value in values {
        s.optional::<Int32>(number, Some(value));
    }
}

/// `message FileDescriptorSet { repeated FileDescriptorProto file = 1; }`: what
/// `protoc --descriptor_set_out` writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileDescriptorSet {
    /// `file = 1`: the files, each after the files it imports (with `--include_imports`).
    pub file: Vec<FileDescriptorProto>,
}

impl Message for FileDescriptorSet {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.repeated::<Msg<FileDescriptorProto>>(1, &self.file);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.repeated::<Msg<FileDescriptorProto>>(&mut self.file),
            _ => d.skip(),
        }
    }
}

/// One `.proto` file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileDescriptorProto {
    /// `name = 1`: the path relative to the import root, e.g. `grpc/health/v1/health.proto`.
    pub name: Option<Text>,
    /// `package = 2`, e.g. `grpc.health.v1`.
    pub package: Option<Text>,
    /// `dependency = 3`: the files imported, by name, in the order of the `import` lines.
    pub dependency: Vec<Text>,
    /// `message_type = 4`: the top-level messages, in declaration order.
    pub message_type: Vec<DescriptorProto>,
    /// `enum_type = 5`: the top-level enums.
    pub enum_type: Vec<EnumDescriptorProto>,
    /// `service = 6`.
    pub service: Vec<ServiceDescriptorProto>,
    /// `extension = 7`: the file's top-level `extend` blocks, one field each (proto2).
    pub extension: Vec<FieldDescriptorProto>,
    /// `options = 8`: the file's `option` lines.
    pub options: Option<FileOptions>,
    /// `public_dependency = 10`: indexes into `dependency` of the `import public` lines.
    pub public_dependency: Vec<i32>,
    /// `weak_dependency = 11`: indexes into `dependency` of the `import weak` lines.
    pub weak_dependency: Vec<i32>,
    /// `syntax = 12`: `"proto3"` (protoc leaves it out for proto2).
    pub syntax: Option<Text>,
}

impl Message for FileDescriptorProto {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.optional::<Str>(1, self.name.as_ref());
        s.optional::<Str>(2, self.package.as_ref());
        s.repeated::<Str>(3, &self.dependency);
        s.repeated::<Msg<DescriptorProto>>(4, &self.message_type);
        s.repeated::<Msg<EnumDescriptorProto>>(5, &self.enum_type);
        s.repeated::<Msg<ServiceDescriptorProto>>(6, &self.service);
        s.repeated::<Msg<FieldDescriptorProto>>(7, &self.extension);
        s.optional::<Msg<FileOptions>>(8, self.options.as_ref());
        unpacked_int32(s, 10, &self.public_dependency);
        unpacked_int32(s, 11, &self.weak_dependency);
        s.optional::<Str>(12, self.syntax.as_ref());
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.optional::<Str>(&mut self.name),
            2 => d.optional::<Str>(&mut self.package),
            3 => d.repeated::<Str>(&mut self.dependency),
            4 => d.repeated::<Msg<DescriptorProto>>(&mut self.message_type),
            5 => d.repeated::<Msg<EnumDescriptorProto>>(&mut self.enum_type),
            6 => d.repeated::<Msg<ServiceDescriptorProto>>(&mut self.service),
            7 => d.repeated::<Msg<FieldDescriptorProto>>(&mut self.extension),
            8 => d.optional::<Msg<FileOptions>>(&mut self.options),
            10 => d.repeated::<Int32>(&mut self.public_dependency),
            11 => d.repeated::<Int32>(&mut self.weak_dependency),
            12 => d.optional::<Str>(&mut self.syntax),
            _ => d.skip(),
        }
    }
}

/// A message type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DescriptorProto {
    /// `name = 1`: the short name, e.g. `HealthCheckResponse`.
    pub name: Option<Text>,
    /// `field = 2`: the fields, in declaration order (oneof members included).
    pub field: Vec<FieldDescriptorProto>,
    /// `nested_type = 3`: messages declared inside, and the `XxxEntry` messages protoc makes
    /// for `map<K, V>` fields.
    pub nested_type: Vec<Self>,
    /// `enum_type = 4`: enums declared inside.
    pub enum_type: Vec<EnumDescriptorProto>,
    /// `extension_range = 5`: `extensions 100 to 199;` as half-open ranges (proto2).
    pub extension_range: Vec<ExtensionRange>,
    /// `extension = 6`: `extend` blocks declared inside this message, one field each (proto2).
    pub extension: Vec<FieldDescriptorProto>,
    /// `options = 7`.
    pub options: Option<MessageOptions>,
    /// `oneof_decl = 8`: the oneofs; a field's `oneof_index` points in here.
    pub oneof_decl: Vec<OneofDescriptorProto>,
    /// `reserved_range = 9`: `reserved 2, 9 to 11;` as half-open ranges.
    pub reserved_range: Vec<ReservedRange>,
    /// `reserved_name = 10`: `reserved "foo";`.
    pub reserved_name: Vec<Text>,
}

impl Message for DescriptorProto {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.optional::<Str>(1, self.name.as_ref());
        s.repeated::<Msg<FieldDescriptorProto>>(2, &self.field);
        s.repeated::<Msg<Self>>(3, &self.nested_type);
        s.repeated::<Msg<EnumDescriptorProto>>(4, &self.enum_type);
        s.repeated::<Msg<ExtensionRange>>(5, &self.extension_range);
        s.repeated::<Msg<FieldDescriptorProto>>(6, &self.extension);
        s.optional::<Msg<MessageOptions>>(7, self.options.as_ref());
        s.repeated::<Msg<OneofDescriptorProto>>(8, &self.oneof_decl);
        s.repeated::<Msg<ReservedRange>>(9, &self.reserved_range);
        s.repeated::<Str>(10, &self.reserved_name);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.optional::<Str>(&mut self.name),
            2 => d.repeated::<Msg<FieldDescriptorProto>>(&mut self.field),
            3 => d.repeated::<Msg<Self>>(&mut self.nested_type),
            4 => d.repeated::<Msg<EnumDescriptorProto>>(&mut self.enum_type),
            5 => d.repeated::<Msg<ExtensionRange>>(&mut self.extension_range),
            6 => d.repeated::<Msg<FieldDescriptorProto>>(&mut self.extension),
            7 => d.optional::<Msg<MessageOptions>>(&mut self.options),
            8 => d.repeated::<Msg<OneofDescriptorProto>>(&mut self.oneof_decl),
            9 => d.repeated::<Msg<ReservedRange>>(&mut self.reserved_range),
            10 => d.repeated::<Str>(&mut self.reserved_name),
            _ => d.skip(),
        }
    }
}

/// `DescriptorProto.ReservedRange` (and `EnumDescriptorProto.EnumReservedRange`, which has the
/// same fields): `start = 1`, `end = 2`. For messages `end` is *exclusive*; for enums it is
/// inclusive.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReservedRange {
    /// `start = 1`.
    pub start: Option<i32>,
    /// `end = 2`.
    pub end: Option<i32>,
}

impl Message for ReservedRange {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.optional::<Int32>(1, self.start.as_ref());
        s.optional::<Int32>(2, self.end.as_ref());
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.optional::<Int32>(&mut self.start),
            2 => d.optional::<Int32>(&mut self.end),
            _ => d.skip(),
        }
    }
}

/// `DescriptorProto.ExtensionRange`: `extensions 100 to 199;` is `start = 1` (100), `end = 2`
/// (200, exclusive): the same two fields as a message's [`ReservedRange`] (its options, field 3,
/// are skipped).
pub type ExtensionRange = ReservedRange;

/// `FieldDescriptorProto.Label`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// 1: a singular field (proto3's default, and `optional`).
    Optional = 1,
    /// 2: proto2's `required`; never in proto3.
    Required = 2,
    /// 3: `repeated`, and `map<K, V>`.
    Repeated = 3,
}

/// `FieldDescriptorProto.Type`: the field's type on the wire. The names are descriptor.proto's
/// without their `TYPE_` prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[expect(
    missing_docs,
    reason = "each variant is the proto type of the same name"
)]
pub enum Type {
    Double = 1,
    Float = 2,
    Int64 = 3,
    Uint64 = 4,
    Int32 = 5,
    Fixed64 = 6,
    Fixed32 = 7,
    Bool = 8,
    String = 9,
    /// proto2 groups; never in proto3.
    Group = 10,
    /// A message type: `type_name` says which.
    Message = 11,
    Bytes = 12,
    Uint32 = 13,
    /// An enum type: `type_name` says which.
    Enum = 14,
    Sfixed32 = 15,
    Sfixed64 = 16,
    Sint32 = 17,
    Sint64 = 18,
}

impl Type {
    /// Every type, in number order.
    pub const ALL: [Self; 18] = [
        Self::Double,
        Self::Float,
        Self::Int64,
        Self::Uint64,
        Self::Int32,
        Self::Fixed64,
        Self::Fixed32,
        Self::Bool,
        Self::String,
        Self::Group,
        Self::Message,
        Self::Bytes,
        Self::Uint32,
        Self::Enum,
        Self::Sfixed32,
        Self::Sfixed64,
        Self::Sint32,
        Self::Sint64,
    ];

    /// The type of this number, if there is one.
    pub fn from_i32(number: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|t| *t as i32 == number)
    }

    /// The scalar type a `.proto` file spells `keyword` (`"int32"`, `"string"`, ...); `None`
    /// for a message or enum name.
    pub fn scalar(keyword: &str) -> Option<Self> {
        Some(match keyword {
            "double" => Self::Double,
            "float" => Self::Float,
            "int64" => Self::Int64,
            "uint64" => Self::Uint64,
            "int32" => Self::Int32,
            "fixed64" => Self::Fixed64,
            "fixed32" => Self::Fixed32,
            "bool" => Self::Bool,
            "string" => Self::String,
            "bytes" => Self::Bytes,
            "uint32" => Self::Uint32,
            "sfixed32" => Self::Sfixed32,
            "sfixed64" => Self::Sfixed64,
            "sint32" => Self::Sint32,
            "sint64" => Self::Sint64,
            _ => return None,
        })
    }
}

/// A field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldDescriptorProto {
    /// `name = 1`, e.g. `from_currency`.
    pub name: Option<Text>,
    /// `extendee = 2`: for an extension, the full name of the message it extends
    /// (`.pkg.Msg`, resolved like `type_name`).
    pub extendee: Option<Text>,
    /// `number = 3`: the field number.
    pub number: Option<i32>,
    /// `label = 4`: a [`Label`], by number.
    pub label: Option<i32>,
    /// `type = 5`: a [`Type`], by number.
    pub r#type: Option<i32>,
    /// `type_name = 6`: for messages and enums, the full name with a leading dot
    /// (`.finance.ConvertRequest`), as protoc resolves it.
    pub type_name: Option<Text>,
    /// `default_value = 7`: proto2's `[default = ...]` as protoc writes it: numbers and `true`/
    /// `false` as text, an enum value by name, a string as it is, `bytes` C-escaped
    /// (`\\001`), floats as `inf`, `-inf`, `nan`.
    pub default_value: Option<Text>,
    /// `options = 8`: the `[...]` after the field.
    pub options: Option<FieldOptions>,
    /// `oneof_index = 9`: the index in `oneof_decl` of the oneof this field belongs to.
    pub oneof_index: Option<i32>,
    /// `json_name = 10`: the field's name in JSON, lowerCamelCase (`fromCurrency`).
    pub json_name: Option<Text>,
    /// `proto3_optional = 17`: a proto3 `optional` field (which protoc also puts in a synthetic
    /// oneof of its own).
    pub proto3_optional: Option<bool>,
}

impl Message for FieldDescriptorProto {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.optional::<Str>(1, self.name.as_ref());
        s.optional::<Str>(2, self.extendee.as_ref());
        s.optional::<Int32>(3, self.number.as_ref());
        s.optional::<Enum>(4, self.label.as_ref());
        s.optional::<Enum>(5, self.r#type.as_ref());
        s.optional::<Str>(6, self.type_name.as_ref());
        s.optional::<Str>(7, self.default_value.as_ref());
        s.optional::<Msg<FieldOptions>>(8, self.options.as_ref());
        s.optional::<Int32>(9, self.oneof_index.as_ref());
        s.optional::<Str>(10, self.json_name.as_ref());
        s.optional::<Bool>(17, self.proto3_optional.as_ref());
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.optional::<Str>(&mut self.name),
            2 => d.optional::<Str>(&mut self.extendee),
            3 => d.optional::<Int32>(&mut self.number),
            4 => d.optional::<Enum>(&mut self.label),
            5 => d.optional::<Enum>(&mut self.r#type),
            6 => d.optional::<Str>(&mut self.type_name),
            7 => d.optional::<Str>(&mut self.default_value),
            8 => d.optional::<Msg<FieldOptions>>(&mut self.options),
            9 => d.optional::<Int32>(&mut self.oneof_index),
            10 => d.optional::<Str>(&mut self.json_name),
            17 => d.optional::<Bool>(&mut self.proto3_optional),
            _ => d.skip(),
        }
    }
}

/// A oneof: `name = 1` (its options, field 2, are never set by h2grpc's protos).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OneofDescriptorProto {
    /// `name = 1`.
    pub name: Option<Text>,
}

impl Message for OneofDescriptorProto {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.optional::<Str>(1, self.name.as_ref());
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.optional::<Str>(&mut self.name),
            _ => d.skip(),
        }
    }
}

/// An enum type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnumDescriptorProto {
    /// `name = 1`.
    pub name: Option<Text>,
    /// `value = 2`: the values, in declaration order.
    pub value: Vec<EnumValueDescriptorProto>,
    /// `options = 3`.
    pub options: Option<EnumOptions>,
    /// `reserved_range = 4`: inclusive ranges (`EnumReservedRange`).
    pub reserved_range: Vec<ReservedRange>,
    /// `reserved_name = 5`.
    pub reserved_name: Vec<Text>,
}

impl Message for EnumDescriptorProto {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.optional::<Str>(1, self.name.as_ref());
        s.repeated::<Msg<EnumValueDescriptorProto>>(2, &self.value);
        s.optional::<Msg<EnumOptions>>(3, self.options.as_ref());
        s.repeated::<Msg<ReservedRange>>(4, &self.reserved_range);
        s.repeated::<Str>(5, &self.reserved_name);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.optional::<Str>(&mut self.name),
            2 => d.repeated::<Msg<EnumValueDescriptorProto>>(&mut self.value),
            3 => d.optional::<Msg<EnumOptions>>(&mut self.options),
            4 => d.repeated::<Msg<ReservedRange>>(&mut self.reserved_range),
            5 => d.repeated::<Str>(&mut self.reserved_name),
            _ => d.skip(),
        }
    }
}

/// One value of an enum.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnumValueDescriptorProto {
    /// `name = 1`, e.g. `SERVING`.
    pub name: Option<Text>,
    /// `number = 2`.
    pub number: Option<i32>,
    /// `options = 3`.
    pub options: Option<EnumValueOptions>,
}

impl Message for EnumValueDescriptorProto {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.optional::<Str>(1, self.name.as_ref());
        s.optional::<Int32>(2, self.number.as_ref());
        s.optional::<Msg<EnumValueOptions>>(3, self.options.as_ref());
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.optional::<Str>(&mut self.name),
            2 => d.optional::<Int32>(&mut self.number),
            3 => d.optional::<Msg<EnumValueOptions>>(&mut self.options),
            _ => d.skip(),
        }
    }
}

/// A service.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceDescriptorProto {
    /// `name = 1`: the short name, e.g. `Health`.
    pub name: Option<Text>,
    /// `method = 2`.
    pub method: Vec<MethodDescriptorProto>,
    /// `options = 3`.
    pub options: Option<ServiceOptions>,
}

impl Message for ServiceDescriptorProto {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.optional::<Str>(1, self.name.as_ref());
        s.repeated::<Msg<MethodDescriptorProto>>(2, &self.method);
        s.optional::<Msg<ServiceOptions>>(3, self.options.as_ref());
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.optional::<Str>(&mut self.name),
            2 => d.repeated::<Msg<MethodDescriptorProto>>(&mut self.method),
            3 => d.optional::<Msg<ServiceOptions>>(&mut self.options),
            _ => d.skip(),
        }
    }
}

/// An `rpc` of a service.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MethodDescriptorProto {
    /// `name = 1`, e.g. `Watch`.
    pub name: Option<Text>,
    /// `input_type = 2`: the request message, fully qualified with a leading dot.
    pub input_type: Option<Text>,
    /// `output_type = 3`: the response message.
    pub output_type: Option<Text>,
    /// `options = 4`: present (maybe empty) when the rpc has a `{ ... }` body.
    pub options: Option<MethodOptions>,
    /// `client_streaming = 5`: `rpc M(stream Req)`; protoc sets it only when true.
    pub client_streaming: Option<bool>,
    /// `server_streaming = 6`: `returns (stream Resp)`; protoc sets it only when true.
    pub server_streaming: Option<bool>,
}

impl Message for MethodDescriptorProto {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.optional::<Str>(1, self.name.as_ref());
        s.optional::<Str>(2, self.input_type.as_ref());
        s.optional::<Str>(3, self.output_type.as_ref());
        s.optional::<Msg<MethodOptions>>(4, self.options.as_ref());
        s.optional::<Bool>(5, self.client_streaming.as_ref());
        s.optional::<Bool>(6, self.server_streaming.as_ref());
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.optional::<Str>(&mut self.name),
            2 => d.optional::<Str>(&mut self.input_type),
            3 => d.optional::<Str>(&mut self.output_type),
            4 => d.optional::<Msg<MethodOptions>>(&mut self.options),
            5 => d.optional::<Bool>(&mut self.client_streaming),
            6 => d.optional::<Bool>(&mut self.server_streaming),
            _ => d.skip(),
        }
    }
}
