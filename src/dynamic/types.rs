//! The types of a schema, indexed for decoding: every message with its fields by number, every
//! enum with its values, every extension attached to the message it extends.
//!
//! A [`FileDescriptorProto`](crate::schema::descriptor::FileDescriptorProto) says what a file declares; a [`Types`] is what a decoder needs
//! at each record: "field 4 of `.finance.ConvertRequest` is a `double`, singular, with no
//! presence". It is built once from resolved descriptors (a [`Schema`](crate::schema::Schema),
//! a descriptor set, a server's reflection) and shared behind an [`Arc`](std::sync::Arc).
//!
//! The rules it encodes, from the language guides (<https://protobuf.dev/programming-guides/proto2/>,
//! <https://protobuf.dev/programming-guides/proto3/>) and the encoding guide
//! (<https://protobuf.dev/programming-guides/encoding/#packed>):
//!
//! | | proto2 | proto3 |
//! |---|---|---|
//! | singular scalar: presence | yes (`optional`, `required`) | only with `optional` or in a `oneof` |
//! | repeated scalar: written | unpacked, unless `[packed = true]` | packed, unless `[packed = false]` |
//! | enums | closed: an unknown number goes to the unknown fields | open: kept as a number |
//! | `string` | bytes, not checked | must be UTF-8 |
//!
//! Either form of a repeated scalar is accepted on decode, whatever the declaration.

use std::collections::HashMap;
use std::fmt;

/// Field numbers up to this one are found through a table indexed by number; a message with a
/// larger one (extensions are often numbered 1000 and up) also has a sorted list to search.
pub(super) const DENSE_LIMIT: u32 = 1024;

/// The type of one field's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[expect(
    missing_docs,
    reason = "each variant is the proto type of the same name"
)]
pub enum Kind {
    Double,
    Float,
    Int64,
    Uint64,
    Int32,
    Fixed64,
    Fixed32,
    Bool,
    String,
    Bytes,
    Uint32,
    Sfixed32,
    Sfixed64,
    Sint32,
    Sint64,
    /// An enum: an index into [`Types`]'s enums.
    Enum(EnumId),
    /// A message: an index into [`Types`]'s messages.
    Message(MessageId),
    /// A proto2 group: a message written between start- and end-group keys instead of as LEN.
    Group(MessageId),
}

impl Kind {
    /// Whether values of this kind can be packed (scalars and enums).
    pub fn is_packable(self) -> bool {
        !matches!(
            self,
            Self::String | Self::Bytes | Self::Message(_) | Self::Group(_)
        )
    }
}

/// An index into [`Types::message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageId(pub(crate) u32);

/// An index into [`Types::enumeration`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnumId(pub(crate) u32);

/// How many values a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    /// One value, or none.
    Singular,
    /// A list of values.
    Repeated,
    /// `map<K, V>`: a repeated field of a map-entry message; [`FieldInfo::kind`] is that
    /// message, whose fields 1 and 2 are the key and value.
    Map,
}

/// One field of a message (or an extension of it).
#[derive(Debug, Clone)]
pub struct FieldInfo {
    /// The name in the `.proto` file (`from_currency`); for an extension, its full name
    /// (`pkg.my_extension`).
    pub name: String,
    /// The name in JSON (`fromCurrency`); for an extension, `[pkg.my_extension]`.
    pub json_name: String,
    /// The field number.
    pub number: u32,
    /// The values' type.
    pub kind: Kind,
    /// One value, a list or a map.
    pub cardinality: Cardinality,
    /// Whether a singular field tells "set to the default" from "not set" (and is written
    /// whenever it is set).
    pub presence: bool,
    /// Whether a repeated scalar field is written packed.
    pub packed: bool,
    /// The index of the oneof it belongs to, in [`MessageInfo::oneofs`].
    pub oneof: Option<usize>,
    /// proto2's `[default = ...]`, as descriptor.proto writes it (text).
    pub default: Option<String>,
    /// A `required` field (proto2).
    pub required: bool,
    /// An extension rather than a field of the message itself.
    pub is_extension: bool,
}

/// One message type.
#[derive(Debug, Clone)]
pub struct MessageInfo {
    /// The full name, without a leading dot (`finance.ConvertRequest`).
    pub full_name: String,
    /// Its fields and extensions, in field-number order.
    pub fields: Vec<FieldInfo>,
    /// The oneofs' names, real and synthetic (proto3 `optional`), by index.
    pub oneofs: Vec<String>,
    /// Whether this is the entry message protoc makes for a `map<K, V>` field.
    pub map_entry: bool,
    /// Whether the file is proto3 (else proto2).
    pub proto3: bool,
    /// Field number → index in `fields` + 1 (0: none), for numbers below [`DENSE_LIMIT`].
    pub(super) dense: Vec<u16>,
    /// Field name and JSON name → index in `fields`.
    pub(super) by_name: HashMap<String, usize>,
}

impl MessageInfo {
    /// The index in [`fields`](Self::fields) of field `number`.
    #[inline]
    pub fn field_index(&self, number: u32) -> Option<usize> {
        if let Some(&slot) = self.dense.get(number as usize) {
            return (slot != 0).then(|| usize::from(slot) - 1);
        }
        if number < DENSE_LIMIT {
            return None;
        }
        self.fields.binary_search_by_key(&number, |f| f.number).ok()
    }

    /// The index of the field called `name` in the `.proto` file or in JSON (an extension:
    /// its full name, with or without brackets).
    pub fn field_by_name(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// The short name (`ConvertRequest`).
    pub fn name(&self) -> &str {
        self.full_name.rsplit('.').next().unwrap_or_default()
    }
}

/// One enum type.
#[derive(Debug, Clone)]
pub struct EnumInfo {
    /// The full name, without a leading dot.
    pub full_name: String,
    /// `(name, number)` in declaration order (aliases included).
    pub values: Vec<(String, i32)>,
    /// Whether the enum is closed (declared in a proto2 file): unknown numbers are not values.
    pub closed: bool,
}

impl EnumInfo {
    /// The first name declared for `number`.
    pub fn name_of(&self, number: i32) -> Option<&str> {
        self.values
            .iter()
            .find(|(_, n)| *n == number)
            .map(|(name, _)| name.as_str())
    }

    /// The number of the value called `name`.
    pub fn number_of(&self, name: &str) -> Option<i32> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|&(_, number)| number)
    }

    /// Whether `number` is one of the enum's values.
    pub fn contains(&self, number: i32) -> bool {
        self.values.iter().any(|&(_, n)| n == number)
    }
}

/// Descriptors that do not fit together: a type name that names nothing, a field with no type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypesError(pub String);

impl fmt::Display for TypesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TypesError {}

/// Every message and enum of a set of files, indexed.
#[derive(Debug, Default)]
pub struct Types {
    pub(super) messages: Vec<MessageInfo>,
    pub(super) enums: Vec<EnumInfo>,
    pub(super) by_name: HashMap<String, Named>,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Named {
    Message(MessageId),
    Enum(EnumId),
}

impl Types {
    pub(super) fn lookup(&self, type_name: &str) -> Option<Named> {
        self.by_name
            .get(type_name.strip_prefix('.').unwrap_or(type_name))
            .copied()
    }

    /// The message called `full_name` (with or without a leading dot).
    pub fn message_id(&self, full_name: &str) -> Option<MessageId> {
        match self.lookup(full_name)? {
            Named::Message(id) => Some(id),
            Named::Enum(_) => None,
        }
    }

    /// The enum called `full_name` (with or without a leading dot).
    pub fn enum_id(&self, full_name: &str) -> Option<EnumId> {
        match self.lookup(full_name)? {
            Named::Enum(id) => Some(id),
            Named::Message(_) => None,
        }
    }

    /// The message `id`.
    #[inline]
    pub fn message(&self, id: MessageId) -> &MessageInfo {
        &self.messages[id.0 as usize]
    }

    /// The enum `id`.
    #[inline]
    pub fn enumeration(&self, id: EnumId) -> &EnumInfo {
        &self.enums[id.0 as usize]
    }

    /// Every message, in declaration order.
    pub fn messages(&self) -> impl Iterator<Item = (MessageId, &MessageInfo)> {
        self.messages
            .iter()
            .enumerate()
            .map(|(i, m)| (MessageId(u32::try_from(i).unwrap_or(u32::MAX)), m))
    }
}
