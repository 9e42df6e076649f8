//! Encoding a message from its descriptor, through the same [`FieldSink`] as the hand-written
//! messages: a [`LenCounter`](crate::protobuf::LenCounter) sizes it, an
//! [`Encoder`](crate::protobuf::Encoder) writes it, and both are given the same fields.
//!
//! Fields are written in field-number order (extensions among them), then the unknown fields as
//! they were received, as the C++ runtime does. A singular field without presence is left out
//! when it holds its default; a map entry leaves out a key or value that holds its default, as
//! the hand-written `FieldSink::map` does, so that both front ends write the same bytes.

use crate::protobuf::{self as pb, FieldSink, LenCounter, WireType};

use super::types::{Cardinality, Kind, MessageId, Types};
use super::value::{MessageValue, Value};

/// Gives every field of `message` (of type `id`) to `s`, in field-number order, then its
/// unknown fields.
pub(crate) fn encode_fields<S: FieldSink>(
    types: &Types,
    id: MessageId,
    message: &MessageValue,
    s: &mut S,
) {
    let info = types.message(id);
    for (index, value) in message.fields() {
        let field = &info.fields[index];
        match (field.cardinality, value) {
            (Cardinality::Singular, value) if field.presence || !value.is_default() => {
                record(types, field.kind, field.number, value, s);
            }
            (Cardinality::Repeated, Value::List(values)) if !values.is_empty() => {
                if field.packed {
                    let len = values
                        .iter()
                        .map(|v| dispatch(field.kind, v, Len).unwrap_or(0))
                        .sum();
                    s.key(field.number, WireType::Len);
                    s.len_prefix(len);
                    for value in values {
                        dispatch(field.kind, value, Plain(s));
                    }
                } else {
                    for value in values {
                        record(types, field.kind, field.number, value, s);
                    }
                }
            }
            (Cardinality::Map, Value::Map(entries)) => {
                let Kind::Message(entry) = field.kind else {
                    continue;
                };
                let entry_info = types.message(entry);
                let (Some(key_index), Some(value_index)) =
                    (entry_info.field_index(1), entry_info.field_index(2))
                else {
                    continue;
                };
                let key_kind = entry_info.fields[key_index].kind;
                let value_kind = entry_info.fields[value_index].kind;
                for (key, value) in entries {
                    let key = key.to_value();
                    let mut len = LenCounter(0);
                    entry_field(types, key_kind, 1, &key, &mut len);
                    entry_field(types, value_kind, 2, value, &mut len);
                    s.key(field.number, WireType::Len);
                    s.len_prefix(len.0);
                    entry_field(types, key_kind, 1, &key, s);
                    entry_field(types, value_kind, 2, value, s);
                }
            }
            // An empty list, or a value that does not fit (never set through the API).
            _ => {}
        }
    }
    s.raw(message.unknown_fields());
}

/// The encoded size of `message`.
pub(crate) fn encoded_len(types: &Types, id: MessageId, message: &MessageValue) -> usize {
    let mut counter = LenCounter(0);
    encode_fields(types, id, message, &mut counter);
    counter.0
}

/// A key or value of a map entry: left out when it holds its default (a message value is
/// always written).
fn entry_field<S: FieldSink>(types: &Types, kind: Kind, number: u32, value: &Value, s: &mut S) {
    if matches!(value, Value::Message(_)) || !value.is_default() {
        record(types, kind, number, value, s);
    }
}

/// One record: key and value.
fn record<S: FieldSink>(types: &Types, kind: Kind, number: u32, value: &Value, s: &mut S) {
    match (kind, value) {
        (Kind::Message(child), Value::Message(body)) => {
            s.key(number, WireType::Len);
            s.len_prefix(encoded_len(types, child, body));
            encode_fields(types, child, body, s);
        }
        (Kind::Group(child), Value::Message(body)) => {
            s.key(number, WireType::StartGroup);
            encode_fields(types, child, body, s);
            s.key(number, WireType::EndGroup);
        }
        _ => {
            dispatch(kind, value, Record(s, number));
        }
    }
}

/// Something done with one scalar value of a known protobuf kind `K`: the bridge from a
/// dynamic [`Value`] to the typed codec's [`pb::Kind`]s.
trait ScalarOp {
    type Out;
    fn run<K: pb::Kind>(self, value: &K::Value) -> Self::Out;
}

/// Writes a record (key and value).
struct Record<'s, S>(&'s mut S, u32);
impl<S: FieldSink> ScalarOp for Record<'_, S> {
    type Out = ();
    fn run<K: pb::Kind>(self, value: &K::Value) {
        self.0.record::<K>(self.1, value);
    }
}

/// Writes a value alone (an element of a packed record).
struct Plain<'s, S>(&'s mut S);
impl<S: FieldSink> ScalarOp for Plain<'_, S> {
    type Out = ();
    fn run<K: pb::Kind>(self, value: &K::Value) {
        self.0.value::<K>(value);
    }
}

/// The size of a value alone.
struct Len;
impl ScalarOp for Len {
    type Out = usize;
    fn run<K: pb::Kind>(self, value: &K::Value) -> usize {
        K::value_len(value)
    }
}

/// Runs `op` on `value` as the typed kind that `kind` names; `None` when the value does not
/// fit the kind (never, for values set through the API) or the kind is a message.
fn dispatch<O: ScalarOp>(kind: Kind, value: &Value, op: O) -> Option<O::Out> {
    Some(match (kind, value) {
        (Kind::Double, Value::F64(v)) => op.run::<pb::Double>(v),
        (Kind::Float, Value::F32(v)) => op.run::<pb::Float>(v),
        (Kind::Int64, Value::I64(v)) => op.run::<pb::Int64>(v),
        (Kind::Uint64, Value::U64(v)) => op.run::<pb::Uint64>(v),
        (Kind::Int32, Value::I32(v)) => op.run::<pb::Int32>(v),
        (Kind::Fixed64, Value::U64(v)) => op.run::<pb::Fixed64>(v),
        (Kind::Fixed32, Value::U32(v)) => op.run::<pb::Fixed32>(v),
        (Kind::Bool, Value::Bool(v)) => op.run::<pb::Bool>(v),
        (Kind::String, Value::String(v)) => op.run::<pb::Str>(v),
        // A proto2 string that arrived as bytes that are not UTF-8 goes back as it came.
        (Kind::String | Kind::Bytes, Value::Bytes(v)) => op.run::<pb::Bin>(v),
        (Kind::Uint32, Value::U32(v)) => op.run::<pb::Uint32>(v),
        (Kind::Sfixed32, Value::I32(v)) => op.run::<pb::Sfixed32>(v),
        (Kind::Sfixed64, Value::I64(v)) => op.run::<pb::Sfixed64>(v),
        (Kind::Sint32, Value::I32(v)) => op.run::<pb::Sint32>(v),
        (Kind::Sint64, Value::I64(v)) => op.run::<pb::Sint64>(v),
        (Kind::Enum(_), Value::Enum(v)) => op.run::<pb::Enum>(v),
        _ => return None,
    })
}
