//! The values a dynamic message holds.

use std::collections::BTreeMap;

use bytes::Bytes;
use smallvec::SmallVec;

use crate::protobuf::Text;

use super::types::{Cardinality, FieldInfo, Kind, MessageInfo};

/// How many fields a [`MessageValue`] holds without a separate allocation.
pub const INLINE_FIELDS: usize = 2;

/// One value of a field: a scalar, a message, or (for a repeated or map field) all of them.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `bool`.
    Bool(bool),
    /// `int32`, `sint32`, `sfixed32`.
    I32(i32),
    /// `int64`, `sint64`, `sfixed64`.
    I64(i64),
    /// `uint32`, `fixed32`.
    U32(u32),
    /// `uint64`, `fixed64`.
    U64(u64),
    /// `float`.
    F32(f32),
    /// `double`.
    F64(f64),
    /// `string`.
    String(Text),
    /// `bytes` (and a proto2 `string` whose bytes are not UTF-8, which proto2 allows).
    Bytes(Bytes),
    /// An enum value, by number.
    Enum(i32),
    /// A message or group.
    Message(Box<MessageValue>),
    /// The values of a repeated field.
    List(Vec<Self>),
    /// The entries of a map field.
    Map(BTreeMap<MapKey, Self>),
}

/// A map key: protobuf allows any integral or string type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MapKey {
    /// `bool` keys.
    Bool(bool),
    /// `int32`, `sint32`, `sfixed32` keys.
    I32(i32),
    /// `int64`, `sint64`, `sfixed64` keys.
    I64(i64),
    /// `uint32`, `fixed32` keys.
    U32(u32),
    /// `uint64`, `fixed64` keys.
    U64(u64),
    /// `string` keys.
    String(Text),
}

impl MapKey {
    /// The key as a [`Value`].
    pub fn to_value(&self) -> Value {
        match self {
            Self::Bool(v) => Value::Bool(*v),
            Self::I32(v) => Value::I32(*v),
            Self::I64(v) => Value::I64(*v),
            Self::U32(v) => Value::U32(*v),
            Self::U64(v) => Value::U64(*v),
            Self::String(v) => Value::String(v.clone()),
        }
    }

    /// The value as a key, if its type can be one.
    pub fn from_value(value: Value) -> Option<Self> {
        Some(match value {
            Value::Bool(v) => Self::Bool(v),
            Value::I32(v) => Self::I32(v),
            Value::I64(v) => Self::I64(v),
            Value::U32(v) => Self::U32(v),
            Value::U64(v) => Self::U64(v),
            Value::String(v) => Self::String(v),
            _ => return None,
        })
    }
}

impl Value {
    /// The default value of a singular field of kind `kind` (proto3's zero values; an empty
    /// message).
    pub fn default_of(kind: Kind) -> Self {
        match kind {
            Kind::Double => Self::F64(0.0),
            Kind::Float => Self::F32(0.0),
            Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Self::I64(0),
            Kind::Uint64 | Kind::Fixed64 => Self::U64(0),
            Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Self::I32(0),
            Kind::Uint32 | Kind::Fixed32 => Self::U32(0),
            Kind::Bool => Self::Bool(false),
            Kind::String => Self::String(Text::default()),
            Kind::Bytes => Self::Bytes(Bytes::new()),
            Kind::Enum(_) => Self::Enum(0),
            Kind::Message(_) | Kind::Group(_) => Self::Message(Box::default()),
        }
    }

    /// The empty value of a field: an empty list or map, or the default of a singular field.
    pub fn empty_of(field: &FieldInfo) -> Self {
        match field.cardinality {
            Cardinality::Singular => Self::default_of(field.kind),
            Cardinality::Repeated => Self::List(Vec::new()),
            Cardinality::Map => Self::Map(BTreeMap::new()),
        }
    }

    /// Whether this is the zero value of its type (what a proto3 field without presence does
    /// not write). Floats compare bit for bit, so `-0.0` is not the default, as in the C++
    /// runtime.
    pub fn is_default(&self) -> bool {
        match self {
            Self::Bool(v) => !v,
            Self::I32(v) | Self::Enum(v) => *v == 0,
            Self::I64(v) => *v == 0,
            Self::U32(v) => *v == 0,
            Self::U64(v) => *v == 0,
            Self::F32(v) => v.to_bits() == 0,
            Self::F64(v) => v.to_bits() == 0,
            Self::String(v) => v.is_empty(),
            Self::Bytes(v) => v.is_empty(),
            Self::Message(_) => false,
            Self::List(v) => v.is_empty(),
            Self::Map(v) => v.is_empty(),
        }
    }

    /// Whether the value can be held by a field of this kind and cardinality.
    pub fn fits(&self, field: &FieldInfo) -> bool {
        match (field.cardinality, self) {
            (Cardinality::Singular, value) => value.fits_kind(field.kind),
            (Cardinality::Repeated, Self::List(values)) => {
                values.iter().all(|v| v.fits_kind(field.kind))
            }
            (Cardinality::Map, Self::Map(_)) => true,
            _ => false,
        }
    }

    fn fits_kind(&self, kind: Kind) -> bool {
        matches!(
            (kind, self),
            (Kind::Double, Self::F64(_))
                | (Kind::Float, Self::F32(_))
                | (Kind::Int64 | Kind::Sint64 | Kind::Sfixed64, Self::I64(_))
                | (Kind::Uint64 | Kind::Fixed64, Self::U64(_))
                | (Kind::Int32 | Kind::Sint32 | Kind::Sfixed32, Self::I32(_))
                | (Kind::Uint32 | Kind::Fixed32, Self::U32(_))
                | (Kind::Bool, Self::Bool(_))
                | (Kind::String, Self::String(_) | Self::Bytes(_))
                | (Kind::Bytes, Self::Bytes(_))
                | (Kind::Enum(_), Self::Enum(_))
                | (Kind::Message(_) | Kind::Group(_), Self::Message(_))
        )
    }
}

/// The contents of a message, without its type: the fields that are set, and the unknown
/// fields, kept as their encoded records to be written back unchanged.
///
/// Fields are kept in a short list sorted by their index in [`MessageInfo::fields`] (which is
/// field-number order), not in a table of every field: most messages set few of the fields
/// their type declares. The first [`INLINE_FIELDS`] are held in the value itself, so that a
/// small message (a `HelloRequest`) is decoded without allocating for its fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MessageValue {
    /// `(field index, value)`, sorted by index, each index once.
    pub(crate) fields: SmallVec<[(u32, Value); INLINE_FIELDS]>,
    /// Unknown fields: whole records (key and value), in the order they arrived.
    pub(crate) unknown: Vec<u8>,
}

impl MessageValue {
    /// The value of the field at `index`, if it is set.
    #[inline]
    pub fn get(&self, index: usize) -> Option<&Value> {
        let index = u32::try_from(index).ok()?;
        self.position(index).ok().map(|i| &self.fields[i].1)
    }

    /// The value of the field at `index`, to change it, if it is set.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut Value> {
        let index = u32::try_from(index).ok()?;
        self.position(index).ok().map(|i| &mut self.fields[i].1)
    }

    /// The field at `index`, set to `make()` first if it is not set.
    #[inline]
    pub(crate) fn entry(&mut self, index: u32, make: impl FnOnce() -> Value) -> &mut Value {
        let at = match self.position(index) {
            Ok(at) => at,
            Err(at) => {
                self.add(at, index, make());
                at
            }
        };
        &mut self.fields[at].1
    }

    /// Adds a field at position `at` of the list: a push when it is the last (fields mostly
    /// arrive in number order), which moves nothing.
    #[inline]
    fn add(&mut self, at: usize, index: u32, value: Value) {
        if at == self.fields.len() {
            self.fields.push((index, value));
        } else {
            self.fields.insert(at, (index, value));
        }
    }

    /// Sets the field at `index` (without checking the value's type: see
    /// [`DynamicMessage::set`](super::DynamicMessage::set)).
    #[inline]
    pub(crate) fn put(&mut self, index: u32, value: Value) {
        match self.position(index) {
            Ok(at) => self.fields[at].1 = value,
            Err(at) => self.add(at, index, value),
        }
    }

    /// Clears the field at `index`.
    pub fn clear(&mut self, index: usize) {
        if let Ok(index) = u32::try_from(index)
            && let Ok(at) = self.position(index)
        {
            self.fields.remove(at);
        }
    }

    /// Clears every other member of the oneof that the field at `index` belongs to.
    pub(crate) fn clear_oneof_siblings(&mut self, info: &MessageInfo, index: u32) {
        let Some(oneof) = info.fields[index as usize].oneof else {
            return;
        };
        self.fields
            .retain(|(i, _)| *i == index || info.fields[*i as usize].oneof != Some(oneof));
    }

    /// Every field that is set: `(index in MessageInfo::fields, value)`, in field-number order.
    pub fn fields(&self) -> impl Iterator<Item = (usize, &Value)> {
        self.fields.iter().map(|(i, v)| (*i as usize, v))
    }

    /// The unknown fields, as encoded records.
    pub fn unknown_fields(&self) -> &[u8] {
        &self.unknown
    }

    /// Drops the unknown fields.
    pub fn clear_unknown_fields(&mut self) {
        self.unknown.clear();
    }

    /// Whether nothing is set, known or unknown.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.unknown.is_empty()
    }

    /// Where the field `index` is in the sorted list (fields mostly arrive in number order, so
    /// the last place is tried first).
    #[inline]
    fn position(&self, index: u32) -> Result<usize, usize> {
        match self.fields.last() {
            None => Err(0),
            Some(&(last, _)) if last < index => Err(self.fields.len()),
            Some(&(last, _)) if last == index => Ok(self.fields.len() - 1),
            _ => self.fields.binary_search_by_key(&index, |&(i, _)| i),
        }
    }
}
