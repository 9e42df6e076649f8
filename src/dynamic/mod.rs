//! Messages of any type, driven by descriptors read at run time: no code generation, no Rust
//! type per message.
//!
//! The hand-written messages of [`services`](crate::services) know their fields at compile
//! time: `HelloRequest::merge_field` is a `match` on the field number. A [`DynamicMessage`]
//! looks the number up in its type's descriptor instead ([`Types`]), and then reads or writes
//! the value with the *same* [`Decoder`] and
//! [`FieldSink`](crate::protobuf::FieldSink) primitives: one codec, two front ends. So a
//! dynamic message writes exactly the bytes the hand-written one does (a wire test checks it
//! for every message of `proto/`), and reads proto2 as well as proto3:
//!
//! | | how |
//! |---|---|
//! | unknown fields | kept as their records, written back after the known fields |
//! | repeated scalars | written packed or not as declared; both accepted |
//! | maps | a `BTreeMap` (written in key order) |
//! | oneofs | setting a member clears the others |
//! | groups (proto2) | read between start- and end-group keys |
//! | closed enums (proto2) | an unknown number goes to the unknown fields |
//! | nesting | at most [`RECURSION_LIMIT`](crate::protobuf::RECURSION_LIMIT) levels, groups included |
//!
//! ```
//! use bytes::Bytes;
//! use h2grpc::dynamic::{DynamicMessage, MessageType, Types, Value};
//! use h2grpc::schema::Schema;
//!
//! let types = Types::new(Schema::embedded().files()).unwrap();
//! let request = MessageType::new(&types, "hello.HelloRequest").unwrap();
//!
//! // HelloRequest { name: "world" }: field 1, wire type 2 (LEN), 5 bytes.
//! let message = DynamicMessage::decode(&request, Bytes::from_static(b"\x0a\x05world")).unwrap();
//! assert_eq!(message.get("name"), Some(&Value::String("world".into())));
//!
//! let mut reply = DynamicMessage::new(&MessageType::new(&types, "hello.HelloReply").unwrap());
//! reply.set("message", Value::String("Hello, world!".into())).unwrap();
//! assert_eq!(reply.encode_to_vec(), b"\x0a\x0dHello, world!");
//! ```

mod build;
mod decode;
mod encode;
mod types;
mod value;

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use crate::protobuf::{DecodeError, Decoder, EncodeBuf, Encoder};

pub use types::{
    Cardinality, EnumId, EnumInfo, FieldInfo, Kind, MessageId, MessageInfo, Types, TypesError,
};
pub use value::{INLINE_FIELDS, MapKey, MessageValue, Value};

/// A message type of a [`Types`]: the shared index, and which message of it.
#[derive(Clone)]
pub struct MessageType {
    types: Arc<Types>,
    id: MessageId,
}

impl MessageType {
    /// The message called `full_name` (`hello.HelloRequest`, with or without a leading dot).
    pub fn new(types: &Arc<Types>, full_name: &str) -> Option<Self> {
        Some(Self {
            id: types.message_id(full_name)?,
            types: Arc::clone(types),
        })
    }

    /// The message `id` of `types`.
    pub fn from_id(types: &Arc<Types>, id: MessageId) -> Self {
        Self {
            types: Arc::clone(types),
            id,
        }
    }

    /// Its descriptor: name, fields, oneofs.
    pub fn info(&self) -> &MessageInfo {
        self.types.message(self.id)
    }

    /// Its id in [`types`](Self::types).
    pub fn id(&self) -> MessageId {
        self.id
    }

    /// The index it belongs to.
    pub fn types(&self) -> &Arc<Types> {
        &self.types
    }

    /// The full name (`hello.HelloRequest`).
    pub fn full_name(&self) -> &str {
        &self.info().full_name
    }
}

impl fmt::Debug for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.full_name())
    }
}

impl PartialEq for MessageType {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.types, &other.types) && self.id == other.id
    }
}

/// A field name that the message does not have, or a value that does not fit the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetError {
    /// The message has no field of this name.
    NoSuchField(String),
    /// The value's type is not the field's.
    WrongType(String),
}

impl fmt::Display for SetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSuchField(name) => write!(f, "no field called {name:?}"),
            Self::WrongType(name) => write!(f, "the value does not fit field {name:?}"),
        }
    }
}

impl std::error::Error for SetError {}

/// A message of any type: its [`MessageType`] and its [`MessageValue`].
#[derive(Clone, PartialEq)]
pub struct DynamicMessage {
    ty: MessageType,
    value: MessageValue,
}

impl DynamicMessage {
    /// An empty message of type `ty`.
    pub fn new(ty: &MessageType) -> Self {
        Self {
            ty: ty.clone(),
            value: MessageValue::default(),
        }
    }

    /// A message of type `ty` holding `value` (whose fields are `ty`'s).
    pub fn from_value(ty: &MessageType, value: MessageValue) -> Self {
        Self {
            ty: ty.clone(),
            value,
        }
    }

    /// Decodes a message of type `ty`. As the hand-written messages, `bytes` and long `string`
    /// values share `buf` rather than copying it; `buf` is the [`Bytes`] or a reference to it
    /// (lent, it costs no reference count: see [`Message::decode`](crate::protobuf::Message::decode)).
    ///
    /// # Errors
    /// `buf` is not a valid encoding (the same [`DecodeError`]s as the hand-written messages).
    pub fn decode(ty: &MessageType, buf: impl Borrow<Bytes>) -> Result<Self, DecodeError> {
        let mut message = Self::new(ty);
        message.merge(buf.borrow())?;
        Ok(message)
    }

    /// Decodes `buf` into this message: fields it holds are replaced (scalars), appended to
    /// (repeated) or merged (messages), as protobuf's merge rules say.
    ///
    /// # Errors
    /// As [`decode`](Self::decode).
    pub fn merge(&mut self, buf: &Bytes) -> Result<(), DecodeError> {
        decode::merge(
            &self.ty.types,
            self.ty.id,
            &mut self.value,
            &mut Decoder::new(buf),
            None,
        )
    }

    /// The size of the encoding.
    pub fn encoded_len(&self) -> usize {
        encode::sizes(&self.ty.types, self.ty.id, &self.value, &mut Vec::new())
    }

    /// Appends the encoding to `buf`.
    pub fn encode<B: EncodeBuf>(&self, buf: &mut B) {
        let mut sizes = Vec::new();
        let len = encode::sizes(&self.ty.types, self.ty.id, &self.value, &mut sizes);
        buf.reserve_for(len);
        encode::encode_fields(
            &self.ty.types,
            self.ty.id,
            &self.value,
            &mut Encoder::new(buf),
            &mut sizes.iter(),
        );
    }

    /// The encoding, in a `Vec` of exactly its size.
    pub fn encode_to_vec(&self) -> Vec<u8> {
        let mut buf = Vec::new();
        self.encode(&mut buf);
        buf
    }

    /// The message's type.
    pub fn message_type(&self) -> &MessageType {
        &self.ty
    }

    /// The fields and unknown fields.
    pub fn value(&self) -> &MessageValue {
        &self.value
    }

    /// The fields and unknown fields, to change.
    pub fn value_mut(&mut self) -> &mut MessageValue {
        &mut self.value
    }

    /// The fields and unknown fields, taken out.
    pub fn into_value(self) -> MessageValue {
        self.value
    }

    /// The value of the field called `name` (its `.proto` or JSON name), if it is set.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.value.get(self.ty.info().field_by_name(name)?)
    }

    /// Sets the field called `name`; a member of a oneof clears the others.
    ///
    /// # Errors
    /// No such field, or a value of another type.
    pub fn set(&mut self, name: &str, value: Value) -> Result<(), SetError> {
        let info = self.ty.types.message(self.ty.id);
        let index = info
            .field_by_name(name)
            .ok_or_else(|| SetError::NoSuchField(name.to_owned()))?;
        if !value.fits(&info.fields[index]) {
            return Err(SetError::WrongType(name.to_owned()));
        }
        let field = &info.fields[index];
        if !field.presence && field.cardinality == Cardinality::Singular && value.is_default() {
            // Without presence, a default value and no value are the same message.
            self.value.clear(index);
            return Ok(());
        }
        let index = u32::try_from(index).map_err(|_| SetError::NoSuchField(name.to_owned()))?;
        self.value.put(index, value);
        self.value.clear_oneof_siblings(info, index);
        Ok(())
    }
}

impl fmt::Debug for DynamicMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = self.ty.info();
        let mut s = f.debug_struct(&info.full_name);
        for (index, value) in self.value.fields() {
            s.field(&info.fields[index].name, value);
        }
        if !self.value.unknown.is_empty() {
            s.field("<unknown>", &self.value.unknown);
        }
        s.finish()
    }
}

#[cfg(test)]
mod tests;
