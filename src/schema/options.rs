//! Options: `option java_package = "...";`, `[deprecated = true]`, as descriptor.proto encodes
//! them.
//!
//! An option is nothing more than a field of one of descriptor.proto's `XxxOptions` messages:
//! `option java_package = "io.grpc.health.v1";` in a file sets field 1 of its `FileOptions`,
//! `[deprecated = true]` on a field sets field 3 of its `FieldOptions`. So one generic message,
//! [`Options<T>`], holds any of them as `field number → value`, and a table per message
//! ([`OptionFields::FIELDS`]) gives the name, number and type of each option h2grpc knows.
//! The parser looks a name up in the table; the codec uses the number and the type.
//!
//! **Custom options are dropped.** An option whose name is in parentheses (`option
//! (google.api.http) = { get: "/v1/x" };`, `[(validate.rules).string.min_len = 1]`) is an
//! *extension* of one of these messages, defined by some other `.proto` file. The parser reads
//! and accepts them, so real-world files parse, but does not interpret them: the descriptors
//! built here leave them out, where protoc would encode them as extension fields of the
//! options message. A descriptor of such a file therefore differs from protoc's by exactly
//! these options.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use crate::protobuf::{Bool, DecodeError, Decoder, Enum, FieldSink, Message, Str, Text};

/// The type of an option's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionType {
    /// `true` or `false`.
    Bool,
    /// A string literal.
    String,
    /// An enum of descriptor.proto, given as one of these names.
    Enum(&'static [(&'static str, i32)]),
}

/// One option h2grpc knows: its name in a `.proto` file, its field number in the options
/// message, its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionField {
    /// The name, as written after `option` or in `[...]`.
    pub name: &'static str,
    /// The field number in the `XxxOptions` message.
    pub number: u32,
    /// The type of the value.
    pub ty: OptionType,
}

/// An option's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionValue {
    /// A `bool` option.
    Bool(bool),
    /// A `string` option.
    String(Text),
    /// An enum option, by number.
    Enum(i32),
}

/// Which `XxxOptions` message of descriptor.proto an [`Options`] is, and the options it has.
pub trait OptionFields: 'static {
    /// The message's name in descriptor.proto, e.g. `FileOptions`.
    const MESSAGE: &'static str;
    /// The options h2grpc knows, by name.
    const FIELDS: &'static [OptionField];

    /// The option called `name`.
    fn field(name: &str) -> Option<&'static OptionField> {
        Self::FIELDS.iter().find(|f| f.name == name)
    }
}

/// One of descriptor.proto's `XxxOptions` messages: the options that were set, by field number
/// (so they encode in number order, as protoc writes them). Options are proto2 fields: one that
/// is set is written even when it is `false`.
pub struct Options<T> {
    /// The options set: field number → value.
    pub values: BTreeMap<u32, OptionValue>,
    _message: PhantomData<fn() -> T>,
}

impl<T> Options<T> {
    /// No option set (encodes as an empty message: protoc writes one for `rpc M(...) {}`).
    pub fn new() -> Self {
        Self {
            values: BTreeMap::new(),
            _message: PhantomData,
        }
    }
}

impl<T: OptionFields> Options<T> {
    /// The value of the option called `name`, if it is set.
    pub fn get(&self, name: &str) -> Option<&OptionValue> {
        self.values.get(&T::field(name)?.number)
    }
}

// Written by hand rather than derived: a derive would ask `T` (a marker) for the same traits.
impl<T> Default for Options<T> {
    fn default() -> Self {
        Self::new()
    }
}
impl<T> Clone for Options<T> {
    fn clone(&self) -> Self {
        Self {
            values: self.values.clone(),
            _message: PhantomData,
        }
    }
}
impl<T> PartialEq for Options<T> {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values
    }
}
impl<T: OptionFields> fmt::Debug for Options<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple(T::MESSAGE).field(&self.values).finish()
    }
}

impl<T: OptionFields> Message for Options<T> {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        for (&number, value) in &self.values {
            match value {
                OptionValue::Bool(b) => s.optional::<Bool>(number, Some(b)),
                OptionValue::String(text) => s.optional::<Str>(number, Some(text)),
                OptionValue::Enum(n) => s.optional::<Enum>(number, Some(n)),
            }
        }
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        let Some(field) = T::FIELDS.iter().find(|f| f.number == number) else {
            return d.skip();
        };
        let value = match field.ty {
            OptionType::Bool => OptionValue::Bool(d.value::<Bool>()?),
            OptionType::String => OptionValue::String(d.value::<Str>()?),
            OptionType::Enum(_) => OptionValue::Enum(d.value::<Enum>()?),
        };
        self.values.insert(number, value);
        Ok(())
    }
}

const fn bool(name: &'static str, number: u32) -> OptionField {
    OptionField {
        name,
        number,
        ty: OptionType::Bool,
    }
}

const fn string(name: &'static str, number: u32) -> OptionField {
    OptionField {
        name,
        number,
        ty: OptionType::String,
    }
}

const fn enumeration(
    name: &'static str,
    number: u32,
    values: &'static [(&'static str, i32)],
) -> OptionField {
    OptionField {
        name,
        number,
        ty: OptionType::Enum(values),
    }
}

/// `FileOptions`: the `option` lines of a file.
#[derive(Debug)]
pub enum ForFile {}
/// `MessageOptions`: `option` lines inside a message.
#[derive(Debug)]
pub enum ForMessage {}
/// `FieldOptions`: the `[...]` after a field.
#[derive(Debug)]
pub enum ForField {}
/// `EnumOptions`: `option` lines inside an enum.
#[derive(Debug)]
pub enum ForEnum {}
/// `EnumValueOptions`: the `[...]` after an enum value.
#[derive(Debug)]
pub enum ForEnumValue {}
/// `ServiceOptions`: `option` lines inside a service.
#[derive(Debug)]
pub enum ForService {}
/// `MethodOptions`: `option` lines inside an rpc's `{ ... }`.
#[derive(Debug)]
pub enum ForMethod {}

/// `google.protobuf.FileOptions`.
pub type FileOptions = Options<ForFile>;
/// `google.protobuf.MessageOptions`.
pub type MessageOptions = Options<ForMessage>;
/// `google.protobuf.FieldOptions`.
pub type FieldOptions = Options<ForField>;
/// `google.protobuf.EnumOptions`.
pub type EnumOptions = Options<ForEnum>;
/// `google.protobuf.EnumValueOptions`.
pub type EnumValueOptions = Options<ForEnumValue>;
/// `google.protobuf.ServiceOptions`.
pub type ServiceOptions = Options<ForService>;
/// `google.protobuf.MethodOptions`.
pub type MethodOptions = Options<ForMethod>;

/// `MessageOptions.message_set_wire_format = 1`: the message is a proto1 "message set", its
/// extension numbers going up to `i32::MAX - 1`.
pub const MESSAGE_SET_WIRE_FORMAT: u32 = 1;

/// `MessageOptions.map_entry = 7`: set by protoc on the `XxxEntry` message it makes for a
/// `map<K, V>` field (and refused when a file sets it).
pub const MAP_ENTRY: u32 = 7;

impl OptionFields for ForFile {
    const MESSAGE: &'static str = "FileOptions";
    const FIELDS: &'static [OptionField] = &[
        string("java_package", 1),
        string("java_outer_classname", 8),
        enumeration(
            "optimize_for",
            9,
            &[("SPEED", 1), ("CODE_SIZE", 2), ("LITE_RUNTIME", 3)],
        ),
        bool("java_multiple_files", 10),
        string("go_package", 11),
        bool("cc_generic_services", 16),
        bool("java_generic_services", 17),
        bool("py_generic_services", 18),
        bool("java_generate_equals_and_hash", 20),
        bool("deprecated", 23),
        bool("java_string_check_utf8", 27),
        bool("php_generic_services", 42),
        bool("cc_enable_arenas", 31),
        string("objc_class_prefix", 36),
        string("csharp_namespace", 37),
        string("swift_prefix", 39),
        string("php_class_prefix", 40),
        string("php_namespace", 41),
        string("php_metadata_namespace", 44),
        string("ruby_package", 45),
    ];
}

impl OptionFields for ForMessage {
    const MESSAGE: &'static str = "MessageOptions";
    const FIELDS: &'static [OptionField] = &[
        bool("message_set_wire_format", MESSAGE_SET_WIRE_FORMAT),
        bool("no_standard_descriptor_accessor", 2),
        bool("deprecated", 3),
        bool("map_entry", MAP_ENTRY),
    ];
}

impl OptionFields for ForField {
    const MESSAGE: &'static str = "FieldOptions";
    const FIELDS: &'static [OptionField] = &[
        enumeration(
            "ctype",
            1,
            &[("STRING", 0), ("CORD", 1), ("STRING_PIECE", 2)],
        ),
        bool("packed", 2),
        bool("deprecated", 3),
        bool("lazy", 5),
        enumeration(
            "jstype",
            6,
            &[("JS_NORMAL", 0), ("JS_STRING", 1), ("JS_NUMBER", 2)],
        ),
        bool("weak", 10),
        bool("unverified_lazy", 15),
    ];
}

impl OptionFields for ForEnum {
    const MESSAGE: &'static str = "EnumOptions";
    const FIELDS: &'static [OptionField] = &[bool("allow_alias", 2), bool("deprecated", 3)];
}

impl OptionFields for ForEnumValue {
    const MESSAGE: &'static str = "EnumValueOptions";
    const FIELDS: &'static [OptionField] = &[bool("deprecated", 1)];
}

impl OptionFields for ForService {
    const MESSAGE: &'static str = "ServiceOptions";
    const FIELDS: &'static [OptionField] = &[bool("deprecated", 33)];
}

impl OptionFields for ForMethod {
    const MESSAGE: &'static str = "MethodOptions";
    const FIELDS: &'static [OptionField] = &[
        bool("deprecated", 33),
        enumeration(
            "idempotency_level",
            34,
            &[
                ("IDEMPOTENCY_UNKNOWN", 0),
                ("NO_SIDE_EFFECTS", 1),
                ("IDEMPOTENT", 2),
            ],
        ),
    ];
}
