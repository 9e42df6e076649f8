//! Decoding a message from its descriptor: the same [`Decoder`] as the hand-written messages,
//! with the field's kind looked up at each record instead of written into a `match`.
//!
//! What the descriptor changes, record by record (<https://protobuf.dev/programming-guides/encoding/>):
//!
//! - a field number the type does not declare is kept as an unknown field: its whole record
//!   (key and value), copied, to be written back after the known fields;
//! - a known field whose record has a wire type the field cannot have is kept as unknown too,
//!   as the C++ and Go runtimes do ("handle unusual"), not refused;
//! - a repeated scalar is accepted packed (one LEN record) and unpacked (a record per value),
//!   whatever the declaration says;
//! - a closed (proto2) enum's unknown number is kept as an unknown field, not as a value: in a
//!   packed record, each unknown number becomes a varint record of its own;
//! - a message field that appears twice merges; a oneof member clears the others;
//! - a group is read between its start- and end-group keys, one nesting level like a message.

use bytes::Bytes;

use crate::protobuf::{self as pb, DecodeError, Decoder, Encoder, FieldSink, Text, WireType};

use super::types::{Cardinality, Kind, MessageId, Types};
use super::value::{MapKey, MessageValue, Value};

/// Decodes every record of `d` into `message`, of type `id`. With `group`, the records end at
/// the end-group key of that field number instead of at the end of `d`.
pub(crate) fn merge(
    types: &Types,
    id: MessageId,
    message: &mut MessageValue,
    d: &mut Decoder<'_>,
    group: Option<u32>,
) -> Result<(), DecodeError> {
    let info = types.message(id);
    loop {
        let record = d.remaining();
        let Some(number) = d.next_field_with_groups()? else {
            return match group {
                // The input ended inside a group.
                Some(_) => Err(DecodeError::Truncated),
                None => Ok(()),
            };
        };
        if d.wire_type() == WireType::EndGroup {
            return if group == Some(number) {
                Ok(())
            } else {
                Err(DecodeError::UnmatchedEndGroup { number })
            };
        }
        let known = match info.field_index(number) {
            Some(index) => {
                if message.fields.is_empty() {
                    // Room for the fields of a small message at once, instead of growing 4,
                    // 8, ... (none when they fit inline; a large type's message rarely has
                    // them all set).
                    message.fields.reserve(info.fields.len().min(8));
                }
                merge_field(types, info, index, message, d, record)?
            }
            None => false,
        };
        if !known {
            d.skip()?;
            keep_unknown(message, record, d);
        }
    }
}

/// Copies the record that started at `record` and ends where `d` is now into the unknown
/// fields.
fn keep_unknown(message: &mut MessageValue, record: &[u8], d: &Decoder<'_>) {
    let len = record.len() - d.remaining().len();
    message.unknown.extend_from_slice(&record[..len]);
}

/// Decodes one record of the known field `index`. `Ok(false)`: the record's wire type does not
/// fit the field, and nothing was read (the caller keeps it as unknown).
fn merge_field(
    types: &Types,
    info: &super::types::MessageInfo,
    index: usize,
    message: &mut MessageValue,
    d: &mut Decoder<'_>,
    record: &[u8],
) -> Result<bool, DecodeError> {
    let field = &info.fields[index];
    let wire_type = d.wire_type();
    let natural = wire_type_of(field.kind);
    let slot = u32::try_from(index).map_err(|_| DecodeError::Truncated)?;
    match field.cardinality {
        Cardinality::Singular => {
            if wire_type != natural {
                return Ok(false);
            }
            match field.kind {
                Kind::Message(child) | Kind::Group(child) => {
                    let value = message.entry(slot, || Value::Message(Box::default()));
                    if let Value::Message(body) = value {
                        nested(types, field.kind, child, body, d)?;
                    }
                }
                Kind::Enum(e) if types.enumeration(e).closed => {
                    let number = d.value::<pb::Enum>()?;
                    if !types.enumeration(e).contains(number) {
                        keep_unknown(message, record, d);
                        return Ok(true);
                    }
                    message.put(slot, Value::Enum(number));
                }
                kind => {
                    let value = scalar(kind, d, info.proto3)?;
                    // Without presence, a default value and no value are the same message.
                    if !field.presence && value.is_default() {
                        message.clear(index);
                    } else {
                        message.put(slot, value);
                    }
                }
            }
            message.clear_oneof_siblings(info, slot);
        }
        Cardinality::Repeated => {
            let packed = wire_type == WireType::Len && field.kind.is_packable();
            if wire_type != natural && !packed {
                return Ok(false);
            }
            let Value::List(list) = message.entry(slot, || Value::List(Vec::new())) else {
                return Ok(false);
            };
            match field.kind {
                Kind::Message(child) | Kind::Group(child) => {
                    let mut body = MessageValue::default();
                    nested(types, field.kind, child, &mut body, d)?;
                    list.push(Value::Message(Box::new(body)));
                }
                Kind::Enum(e) if types.enumeration(e).closed => {
                    let enumeration = types.enumeration(e);
                    let mut numbers = Vec::new();
                    if packed {
                        d.packed::<pb::Enum, i32>(&mut numbers, |n| n)?;
                    } else {
                        numbers.push(d.value::<pb::Enum>()?);
                    }
                    let mut unknown = Vec::new();
                    for number in numbers {
                        if enumeration.contains(number) {
                            list.push(Value::Enum(number));
                        } else {
                            unknown.push(number);
                        }
                    }
                    let mut e = Encoder::new(&mut message.unknown);
                    for number in unknown {
                        e.record::<pb::Enum>(field.number, &number);
                    }
                }
                kind if packed => packed_values(kind, d, list)?,
                kind => list.push(scalar(kind, d, info.proto3)?),
            }
            // An empty packed record (or one of unknown enum numbers only) adds nothing.
            if matches!(message.get(index), Some(Value::List(list)) if list.is_empty()) {
                message.clear(index);
            }
        }
        Cardinality::Map => {
            if wire_type != WireType::Len {
                return Ok(false);
            }
            let Kind::Message(entry) = field.kind else {
                return Ok(false);
            };
            let (key, value) = d.nested_with(|d| map_entry(types, entry, d))?;
            match value {
                Some(value) => {
                    let map = message.entry(slot, || Value::Map(Default::default()));
                    if let Value::Map(map) = map {
                        map.insert(key, value);
                    }
                }
                // A closed enum value the enum does not have: the whole entry is unknown.
                None => keep_unknown(message, record, d),
            }
        }
    }
    Ok(true)
}

/// A message or group value, merged into `body`.
fn nested(
    types: &Types,
    kind: Kind,
    child: MessageId,
    body: &mut MessageValue,
    d: &mut Decoder<'_>,
) -> Result<(), DecodeError> {
    if let Kind::Group(_) = kind {
        let number = d.number();
        d.enter_group()?;
        merge(types, child, body, d, Some(number))?;
        d.leave_group();
        Ok(())
    } else {
        d.nested_with(|d| merge(types, child, body, d, None))
    }
}

/// One map entry: key (field 1) and value (field 2), each its default when missing. `None` for
/// the value when it is a closed enum's unknown number.
fn map_entry(
    types: &Types,
    entry: MessageId,
    d: &mut Decoder<'_>,
) -> Result<(MapKey, Option<Value>), DecodeError> {
    let info = types.message(entry);
    let (Some(key_field), Some(value_field)) = (
        info.field_index(1).map(|i| &info.fields[i]),
        info.field_index(2).map(|i| &info.fields[i]),
    ) else {
        // `Types` makes a field a map only when its entry has both (build.rs).
        return Err(DecodeError::Truncated);
    };
    let mut key = Value::default_of(key_field.kind);
    let mut value = Value::default_of(value_field.kind);
    while let Some(number) = d.next_field_with_groups()? {
        let field = match number {
            1 => key_field,
            2 => value_field,
            _ => {
                d.skip()?;
                continue;
            }
        };
        if d.wire_type() != wire_type_of(field.kind) {
            d.skip()?;
            continue;
        }
        match field.kind {
            Kind::Message(child) => {
                if let Value::Message(body) = &mut value {
                    d.nested_with(|d| merge(types, child, body, d, None))?;
                }
            }
            kind if number == 1 => key = scalar(kind, d, info.proto3)?,
            kind => value = scalar(kind, d, info.proto3)?,
        }
    }
    let value = match (value_field.kind, value) {
        (Kind::Enum(e), Value::Enum(n))
            if types.enumeration(e).closed && !types.enumeration(e).contains(n) =>
        {
            None
        }
        (_, value) => Some(value),
    };
    let key = MapKey::from_value(key).ok_or(DecodeError::Truncated)?;
    Ok((key, value))
}

/// The wire type a field of kind `kind` is written with (a packed repeated field's LEN aside).
pub(crate) fn wire_type_of(kind: Kind) -> WireType {
    match kind {
        Kind::Double | Kind::Fixed64 | Kind::Sfixed64 => WireType::I64,
        Kind::Float | Kind::Fixed32 | Kind::Sfixed32 => WireType::I32,
        Kind::String | Kind::Bytes | Kind::Message(_) => WireType::Len,
        Kind::Group(_) => WireType::StartGroup,
        Kind::Int64
        | Kind::Uint64
        | Kind::Int32
        | Kind::Bool
        | Kind::Uint32
        | Kind::Sint32
        | Kind::Sint64
        | Kind::Enum(_) => WireType::Varint,
    }
}

/// One scalar value. A proto3 `string` must be UTF-8; a proto2 one need not be, and if it is
/// not it is kept as [`Value::Bytes`].
fn scalar(kind: Kind, d: &mut Decoder<'_>, proto3: bool) -> Result<Value, DecodeError> {
    Ok(match kind {
        Kind::Double => Value::F64(d.value::<pb::Double>()?),
        Kind::Float => Value::F32(d.value::<pb::Float>()?),
        Kind::Int64 => Value::I64(d.value::<pb::Int64>()?),
        Kind::Uint64 => Value::U64(d.value::<pb::Uint64>()?),
        Kind::Int32 => Value::I32(d.value::<pb::Int32>()?),
        Kind::Fixed64 => Value::U64(d.value::<pb::Fixed64>()?),
        Kind::Fixed32 => Value::U32(d.value::<pb::Fixed32>()?),
        Kind::Bool => Value::Bool(d.value::<pb::Bool>()?),
        Kind::String if proto3 => Value::String(d.value::<pb::Str>()?),
        Kind::String => {
            let bytes: Bytes = d.value::<pb::Bin>()?;
            match Text::try_from(bytes.clone()) {
                Ok(text) => Value::String(text),
                Err(_) => Value::Bytes(bytes),
            }
        }
        Kind::Bytes => Value::Bytes(d.value::<pb::Bin>()?),
        Kind::Uint32 => Value::U32(d.value::<pb::Uint32>()?),
        Kind::Sfixed32 => Value::I32(d.value::<pb::Sfixed32>()?),
        Kind::Sfixed64 => Value::I64(d.value::<pb::Sfixed64>()?),
        Kind::Sint32 => Value::I32(d.value::<pb::Sint32>()?),
        Kind::Sint64 => Value::I64(d.value::<pb::Sint64>()?),
        Kind::Enum(_) => Value::Enum(d.value::<pb::Enum>()?),
        // Message kinds are decoded by `nested`; never asked here.
        Kind::Message(_) | Kind::Group(_) => return Err(DecodeError::Truncated),
    })
}

/// The values of one packed record of a scalar kind.
fn packed_values(
    kind: Kind,
    d: &mut Decoder<'_>,
    list: &mut Vec<Value>,
) -> Result<(), DecodeError> {
    match kind {
        Kind::Double => d.packed::<pb::Double, _>(list, Value::F64),
        Kind::Float => d.packed::<pb::Float, _>(list, Value::F32),
        Kind::Int64 => d.packed::<pb::Int64, _>(list, Value::I64),
        Kind::Uint64 => d.packed::<pb::Uint64, _>(list, Value::U64),
        Kind::Int32 => d.packed::<pb::Int32, _>(list, Value::I32),
        Kind::Fixed64 => d.packed::<pb::Fixed64, _>(list, Value::U64),
        Kind::Fixed32 => d.packed::<pb::Fixed32, _>(list, Value::U32),
        Kind::Bool => d.packed::<pb::Bool, _>(list, Value::Bool),
        Kind::Uint32 => d.packed::<pb::Uint32, _>(list, Value::U32),
        Kind::Sfixed32 => d.packed::<pb::Sfixed32, _>(list, Value::I32),
        Kind::Sfixed64 => d.packed::<pb::Sfixed64, _>(list, Value::I64),
        Kind::Sint32 => d.packed::<pb::Sint32, _>(list, Value::I32),
        Kind::Sint64 => d.packed::<pb::Sint64, _>(list, Value::I64),
        Kind::Enum(_) => d.packed::<pb::Enum, _>(list, Value::Enum),
        Kind::String | Kind::Bytes | Kind::Message(_) | Kind::Group(_) => {
            Err(DecodeError::Truncated)
        }
    }
}
