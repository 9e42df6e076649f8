//! The types of a schema, indexed for decoding: every message with its fields by number, every
//! enum with its values, every extension attached to the message it extends.
//!
//! A [`FileDescriptorProto`] says what a file declares; a [`Types`] is what a decoder needs
//! at each record: "field 4 of `.finance.ConvertRequest` is a `double`, singular, with no
//! presence". It is built once from resolved descriptors (a [`Schema`](crate::schema::Schema),
//! a descriptor set, a server's reflection) and shared behind an [`Arc`].
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
use std::sync::Arc;

use crate::schema::descriptor::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorProto, Label, Type,
};
use crate::schema::options::OptionValue;

/// Field numbers up to this one are found through a table indexed by number; a message with a
/// larger one (extensions are often numbered 1000 and up) also has a sorted list to search.
const DENSE_LIMIT: u32 = 1024;

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
    dense: Vec<u16>,
    /// Field name and JSON name → index in `fields`.
    by_name: HashMap<String, usize>,
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
    messages: Vec<MessageInfo>,
    enums: Vec<EnumInfo>,
    by_name: HashMap<String, Named>,
}

#[derive(Debug, Clone, Copy)]
enum Named {
    Message(MessageId),
    Enum(EnumId),
}

impl Types {
    /// Indexes resolved descriptors: type names are full, with a leading dot, as protoc and
    /// [`Schema`](crate::schema::Schema) write them.
    ///
    /// # Errors
    /// A field whose type names no message or enum of the files, or has no type.
    pub fn new<'a>(
        files: impl IntoIterator<Item = &'a FileDescriptorProto>,
    ) -> Result<Arc<Self>, TypesError> {
        let files: Vec<&FileDescriptorProto> = files.into_iter().collect();
        let mut types = Self::default();
        // First every name, so that fields can point at types declared after them.
        let mut pending = Vec::new();
        for file in &files {
            let proto3 = file.syntax.as_deref() == Some("proto3");
            let package = file.package.as_deref().unwrap_or_default();
            for message in &file.message_type {
                types.declare_message(package, message, proto3, &mut pending);
            }
            for enumeration in &file.enum_type {
                types.declare_enum(package, enumeration, proto3);
            }
        }
        for (id, message, proto3) in pending {
            let fields = message
                .field
                .iter()
                .map(|field| types.field(field, proto3, false))
                .collect::<Result<Vec<_>, _>>()?;
            let info = &mut types.messages[id.0 as usize];
            info.fields = fields;
            info.oneofs = message
                .oneof_decl
                .iter()
                .map(|o| o.name.as_deref().unwrap_or_default().to_owned())
                .collect();
        }
        // Extensions, declared in files or inside messages, join the message they extend.
        for file in &files {
            let proto3 = file.syntax.as_deref() == Some("proto3");
            let mut extensions: Vec<(&FieldDescriptorProto, String)> = Vec::new();
            let package = file.package.as_deref().unwrap_or_default();
            for extension in &file.extension {
                extensions.push((extension, package.to_owned()));
            }
            collect_extensions(package, &file.message_type, &mut extensions);
            for (extension, scope) in extensions {
                let mut info = types.field(extension, proto3, true)?;
                let short = extension.name.as_deref().unwrap_or_default();
                info.name = join(&scope, short);
                info.json_name = format!("[{}]", info.name);
                let extendee = extension.extendee.as_deref().unwrap_or_default();
                let Some(Named::Message(target)) = types.lookup(extendee) else {
                    return Err(TypesError(format!(
                        "extension {} extends {extendee}, which is not a message of the schema",
                        info.name
                    )));
                };
                types.messages[target.0 as usize].fields.push(info);
            }
        }
        for message in &mut types.messages {
            message.index();
        }
        Ok(Arc::new(types))
    }

    fn declare_message(
        &mut self,
        scope: &str,
        message: &'_ DescriptorProto,
        proto3: bool,
        pending: &mut Vec<(MessageId, DescriptorProto, bool)>,
    ) {
        let full_name = join(scope, message.name.as_deref().unwrap_or_default());
        let id = MessageId(u32::try_from(self.messages.len()).unwrap_or(u32::MAX));
        let map_entry = message
            .options
            .as_ref()
            .and_then(|o| o.get("map_entry"))
            .is_some_and(|v| *v == OptionValue::Bool(true));
        self.messages.push(MessageInfo {
            full_name: full_name.clone(),
            fields: Vec::new(),
            oneofs: Vec::new(),
            map_entry,
            proto3,
            dense: Vec::new(),
            by_name: HashMap::new(),
        });
        self.by_name.insert(full_name.clone(), Named::Message(id));
        // The fields are read once every type has a name; nested types are declared now.
        let mut shallow = message.clone();
        shallow.nested_type.clear();
        pending.push((id, shallow, proto3));
        for nested in &message.nested_type {
            self.declare_message(&full_name, nested, proto3, pending);
        }
        for enumeration in &message.enum_type {
            self.declare_enum(&full_name, enumeration, proto3);
        }
    }

    fn declare_enum(&mut self, scope: &str, enumeration: &EnumDescriptorProto, proto3: bool) {
        let full_name = join(scope, enumeration.name.as_deref().unwrap_or_default());
        let id = EnumId(u32::try_from(self.enums.len()).unwrap_or(u32::MAX));
        self.enums.push(EnumInfo {
            full_name: full_name.clone(),
            values: enumeration
                .value
                .iter()
                .map(|v| {
                    (
                        v.name.as_deref().unwrap_or_default().to_owned(),
                        v.number.unwrap_or_default(),
                    )
                })
                .collect(),
            closed: !proto3,
        });
        self.by_name.insert(full_name, Named::Enum(id));
    }

    fn lookup(&self, type_name: &str) -> Option<Named> {
        self.by_name
            .get(type_name.strip_prefix('.').unwrap_or(type_name))
            .copied()
    }

    fn field(
        &self,
        field: &FieldDescriptorProto,
        proto3: bool,
        is_extension: bool,
    ) -> Result<FieldInfo, TypesError> {
        let name = field.name.as_deref().unwrap_or_default().to_owned();
        let number = u32::try_from(field.number.unwrap_or_default()).unwrap_or_default();
        let type_name = field.type_name.as_deref().unwrap_or_default();
        let declared = field.r#type.and_then(Type::from_i32);
        let named = self.lookup(type_name);
        let kind = match (declared, named) {
            (Some(Type::Group), Some(Named::Message(id))) => Kind::Group(id),
            (Some(Type::Message) | None, Some(Named::Message(id))) => Kind::Message(id),
            (Some(Type::Enum) | None, Some(Named::Enum(id))) => Kind::Enum(id),
            (Some(scalar), _) if type_name.is_empty() => scalar_kind(scalar).ok_or_else(|| {
                TypesError(format!("field {name} has type {scalar:?} and no type name"))
            })?,
            _ => {
                return Err(TypesError(format!(
                    "field {name}: type {type_name:?} is not a message or enum of the schema"
                )));
            }
        };
        let label = field.label.unwrap_or(Label::Optional as i32);
        let repeated = label == Label::Repeated as i32;
        let map_entry = matches!(kind, Kind::Message(id) if self.messages[id.0 as usize].map_entry);
        let cardinality = match (repeated, map_entry) {
            (true, true) => Cardinality::Map,
            (true, false) => Cardinality::Repeated,
            (false, _) => Cardinality::Singular,
        };
        let oneof = field.oneof_index.and_then(|i| usize::try_from(i).ok());
        let packed_option = field.options.as_ref().and_then(|o| o.get("packed"));
        let packed = kind.is_packable()
            && repeated
            && match packed_option {
                Some(OptionValue::Bool(packed)) => *packed,
                _ => proto3,
            };
        let presence = !repeated
            && (!proto3
                || oneof.is_some()
                || matches!(kind, Kind::Message(_) | Kind::Group(_))
                || field.proto3_optional == Some(true));
        Ok(FieldInfo {
            json_name: field
                .json_name
                .as_deref()
                .map_or_else(|| crate::schema::json_name(&name), str::to_owned),
            name,
            number,
            kind,
            cardinality,
            presence,
            packed,
            oneof,
            default: field.default_value.as_deref().map(str::to_owned),
            required: label == Label::Required as i32,
            is_extension,
        })
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

impl MessageInfo {
    /// Sorts the fields by number and builds the lookups.
    fn index(&mut self) {
        self.fields.sort_by_key(|f| f.number);
        let dense_len = self
            .fields
            .iter()
            .map(|f| f.number)
            .filter(|&n| n < DENSE_LIMIT)
            .max()
            .map_or(0, |max| max as usize + 1);
        self.dense = vec![0; dense_len];
        for (index, field) in self.fields.iter().enumerate() {
            if let Some(slot) = self.dense.get_mut(field.number as usize) {
                // At most DENSE_LIMIT fields are below DENSE_LIMIT, so index + 1 fits.
                *slot = u16::try_from(index + 1).unwrap_or(0);
            }
            self.by_name.insert(field.name.clone(), index);
            self.by_name.insert(field.json_name.clone(), index);
        }
    }
}

fn collect_extensions<'a>(
    scope: &str,
    messages: &'a [DescriptorProto],
    out: &mut Vec<(&'a FieldDescriptorProto, String)>,
) {
    for message in messages {
        let name = join(scope, message.name.as_deref().unwrap_or_default());
        for extension in &message.extension {
            out.push((extension, name.clone()));
        }
        collect_extensions(&name, &message.nested_type, out);
    }
}

fn scalar_kind(t: Type) -> Option<Kind> {
    Some(match t {
        Type::Double => Kind::Double,
        Type::Float => Kind::Float,
        Type::Int64 => Kind::Int64,
        Type::Uint64 => Kind::Uint64,
        Type::Int32 => Kind::Int32,
        Type::Fixed64 => Kind::Fixed64,
        Type::Fixed32 => Kind::Fixed32,
        Type::Bool => Kind::Bool,
        Type::String => Kind::String,
        Type::Bytes => Kind::Bytes,
        Type::Uint32 => Kind::Uint32,
        Type::Sfixed32 => Kind::Sfixed32,
        Type::Sfixed64 => Kind::Sfixed64,
        Type::Sint32 => Kind::Sint32,
        Type::Sint64 => Kind::Sint64,
        Type::Group | Type::Message | Type::Enum => return None,
    })
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_owned()
    } else {
        format!("{scope}.{name}")
    }
}
