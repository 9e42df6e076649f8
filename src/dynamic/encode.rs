//! Encoding a message from its descriptor, through the same [`FieldSink`] as the hand-written
//! messages: a [`LenCounter`] sizes values, an [`Encoder`](crate::protobuf::Encoder) writes
//! them.
//!
//! Fields are written in field-number order (extensions among them), then the unknown fields as
//! they were received, as the C++ runtime does. A singular field without presence is left out
//! when it holds its default; a map entry leaves out a key or value that holds its default, as
//! the hand-written `FieldSink::map` does, so that both front ends write the same bytes.
//!
//! A nested message's length prefix needs its size before its bytes. The hand-written messages
//! compute it again at each level (cheap for their shallow messages); a dynamic message may be
//! deep, and recomputing would make encoding quadratic in the depth. So encoding is two walks
//! in the same order: [`sizes`] records the size of every nested message, pre-order, then
//! [`encode_fields`] writes the fields, taking each nested message's size from that list as it
//! reaches it (what the C++ runtime's cached sizes do).

use crate::protobuf::{self as pb, FieldSink, LenCounter, WireType};

use super::types::{Cardinality, FieldInfo, Kind, MessageId, Types};
use super::value::{MapKey, MessageValue, Value};

/// The sizes of the nested messages of a message, in the order the encoder meets them.
pub(crate) type Sizes = Vec<usize>;

/// The encoded size of `message` (of type `id`); the size of every message nested in it is
/// pushed onto `sizes`, pre-order.
pub(crate) fn sizes(
    types: &Types,
    id: MessageId,
    message: &MessageValue,
    sizes: &mut Sizes,
) -> usize {
    let info = types.message(id);
    let mut len = message.unknown_fields().len();
    for (index, value) in message.fields() {
        let field = &info.fields[index];
        len += match (field.cardinality, value) {
            (Cardinality::Singular, value) if field.presence || !value.is_default() => {
                record_len(types, field.kind, field.number, value, sizes)
            }
            (Cardinality::Repeated, Value::List(values)) if !values.is_empty() => {
                if field.packed {
                    let payload = packed_len(field, values);
                    key_len(field.number, WireType::Len) + varint_len(payload) + payload
                } else {
                    values
                        .iter()
                        .map(|v| record_len(types, field.kind, field.number, v, sizes))
                        .sum()
                }
            }
            (Cardinality::Map, Value::Map(entries)) => {
                let Some((key_kind, value_kind)) = entry_kinds(types, field) else {
                    continue;
                };
                let mut len = 0;
                for (key, value) in entries {
                    let entry = entry_len(types, key_kind, key, value_kind, value, sizes);
                    len += key_len(field.number, WireType::Len) + varint_len(entry) + entry;
                }
                len
            }
            _ => 0,
        };
    }
    len
}

/// Gives every field of `message` (of type `id`) to `s`, in field-number order, then its
/// unknown fields. `sizes` yields the sizes [`sizes`] recorded, in the same order.
pub(crate) fn encode_fields<S: FieldSink>(
    types: &Types,
    id: MessageId,
    message: &MessageValue,
    s: &mut S,
    sizes: &mut std::slice::Iter<'_, usize>,
) {
    let info = types.message(id);
    for (index, value) in message.fields() {
        let field = &info.fields[index];
        match (field.cardinality, value) {
            (Cardinality::Singular, value) if field.presence || !value.is_default() => {
                record(types, field.kind, field.number, value, s, sizes);
            }
            (Cardinality::Repeated, Value::List(values)) if !values.is_empty() => {
                if field.packed {
                    s.key(field.number, WireType::Len);
                    s.len_prefix(packed_len(field, values));
                    for value in values {
                        dispatch(field.kind, value, Plain(s));
                    }
                } else {
                    for value in values {
                        record(types, field.kind, field.number, value, s, sizes);
                    }
                }
            }
            (Cardinality::Map, Value::Map(entries)) => {
                let Some((key_kind, value_kind)) = entry_kinds(types, field) else {
                    continue;
                };
                for (key, value) in entries {
                    let key = key.to_value();
                    // The value message's size is the next in the list: read it without
                    // taking it, so that `entry_field` takes it as it writes the value.
                    let mut peek = sizes.clone();
                    let mut ignored = Sizes::new();
                    let key_part = entry_part_len(types, key_kind, 1, &key, &mut ignored);
                    let value_part = match value {
                        Value::Message(_) => {
                            let body = peek.next().copied().unwrap_or(0);
                            key_len(2, WireType::Len) + varint_len(body) + body
                        }
                        value => entry_part_len(types, value_kind, 2, value, &mut ignored),
                    };
                    s.key(field.number, WireType::Len);
                    s.len_prefix(key_part + value_part);
                    entry_field(types, key_kind, 1, &key, s, sizes);
                    entry_field(types, value_kind, 2, value, s, sizes);
                }
            }
            // A default without presence, an empty list, a value that does not fit.
            _ => {}
        }
    }
    s.raw(message.unknown_fields());
}

/// The kinds of a map field's key and value.
fn entry_kinds(types: &Types, field: &FieldInfo) -> Option<(Kind, Kind)> {
    let Kind::Message(entry) = field.kind else {
        return None;
    };
    let entry = types.message(entry);
    let key = entry.fields.get(entry.field_index(1)?)?.kind;
    let value = entry.fields.get(entry.field_index(2)?)?.kind;
    Some((key, value))
}

/// The size of one map entry's payload (pushing the value message's size, if it is one).
fn entry_len(
    types: &Types,
    key_kind: Kind,
    key: &MapKey,
    value_kind: Kind,
    value: &Value,
    sizes: &mut Sizes,
) -> usize {
    entry_part_len(types, key_kind, 1, &key.to_value(), sizes)
        + entry_part_len(types, value_kind, 2, value, sizes)
}

/// The size of a key or value record of a map entry: nothing when it holds its default (a
/// message value is always written).
fn entry_part_len(
    types: &Types,
    kind: Kind,
    number: u32,
    value: &Value,
    sizes: &mut Sizes,
) -> usize {
    if matches!(value, Value::Message(_)) || !value.is_default() {
        record_len(types, kind, number, value, sizes)
    } else {
        0
    }
}

/// A key or value of a map entry, as [`entry_part_len`] sized it.
fn entry_field<S: FieldSink>(
    types: &Types,
    kind: Kind,
    number: u32,
    value: &Value,
    s: &mut S,
    sizes: &mut std::slice::Iter<'_, usize>,
) {
    if matches!(value, Value::Message(_)) || !value.is_default() {
        record(types, kind, number, value, s, sizes);
    }
}

/// The size of one record (pushing a message's size before those nested in it).
fn record_len(types: &Types, kind: Kind, number: u32, value: &Value, sizes: &mut Sizes) -> usize {
    match (kind, value) {
        (Kind::Message(child), Value::Message(body)) => {
            let slot = sizes.len();
            sizes.push(0);
            let len = self::sizes(types, child, body, sizes);
            sizes[slot] = len;
            key_len(number, WireType::Len) + varint_len(len) + len
        }
        (Kind::Group(child), Value::Message(body)) => {
            2 * key_len(number, WireType::StartGroup) + self::sizes(types, child, body, sizes)
        }
        _ => dispatch(kind, value, Len).map_or(0, |len| key_len(number, WireType::Varint) + len),
    }
}

/// One record: key and value.
fn record<S: FieldSink>(
    types: &Types,
    kind: Kind,
    number: u32,
    value: &Value,
    s: &mut S,
    sizes: &mut std::slice::Iter<'_, usize>,
) {
    match (kind, value) {
        (Kind::Message(child), Value::Message(body)) => {
            s.key(number, WireType::Len);
            s.len_prefix(sizes.next().copied().unwrap_or(0));
            encode_fields(types, child, body, s, sizes);
        }
        (Kind::Group(child), Value::Message(body)) => {
            s.key(number, WireType::StartGroup);
            encode_fields(types, child, body, s, sizes);
            s.key(number, WireType::EndGroup);
        }
        _ => {
            dispatch(kind, value, Record(s, number));
        }
    }
}

/// The payload size of a packed record.
fn packed_len(field: &FieldInfo, values: &[Value]) -> usize {
    values
        .iter()
        .map(|v| dispatch(field.kind, v, Len).unwrap_or(0))
        .sum()
}

/// The size of a key (the wire type does not change it).
fn key_len(number: u32, wire_type: WireType) -> usize {
    let mut counter = LenCounter(0);
    counter.key(number, wire_type);
    counter.0
}

/// The size of a varint.
fn varint_len(value: usize) -> usize {
    let mut counter = LenCounter(0);
    counter.len_prefix(value);
    counter.0
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
