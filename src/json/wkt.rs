//! Printing the well-known types that have a JSON form of their own.
//!
//! | type | JSON |
//! |---|---|
//! | `Any` | `{"@type": url, ...the message's fields}`, or `{"@type": url, "value": <special form>}` |
//! | `Timestamp` | `"1972-01-01T10:00:20.021Z"` |
//! | `Duration` | `"1.000340012s"` |
//! | `FieldMask` | `"f.fooBar,h"` |
//! | `Struct`, `ListValue` | an object, a list |
//! | `Value` | whichever JSON value it holds (`null` for `NULL_VALUE`) |
//! | the wrappers | the wrapped value alone (`Int64Value` as a string, `BytesValue` as base64) |
//! | `Empty` | `{}` |

use bytes::Bytes;

use super::print::Printer;
use super::{JsonError, Wkt, time};
use crate::dynamic::{DynamicMessage, MessageId, MessageInfo, MessageType, MessageValue, Value};

/// The value of field `number`, if the type has it and it is set.
pub(super) fn get<'v>(
    info: &MessageInfo,
    value: &'v MessageValue,
    number: u32,
) -> Option<&'v Value> {
    value.get(info.field_index(number)?)
}

/// `seconds` (field 1) and `nanos` (field 2) of a Timestamp or Duration.
fn seconds_nanos(info: &MessageInfo, value: &MessageValue) -> (i64, i32) {
    let seconds = match get(info, value, 1) {
        Some(Value::I64(s)) => *s,
        _ => 0,
    };
    let nanos = match get(info, value, 2) {
        Some(Value::I32(n)) => *n,
        _ => 0,
    };
    (seconds, nanos)
}

pub(super) fn print(
    p: &mut Printer<'_>,
    kind: Wkt,
    id: MessageId,
    value: &MessageValue,
) -> Result<(), JsonError> {
    let types = p.types;
    let info = types.message(id);
    match kind {
        Wkt::Timestamp | Wkt::Duration => {
            let (seconds, nanos) = seconds_nanos(info, value);
            p.out.push('"');
            if kind == Wkt::Timestamp {
                time::write_timestamp(&mut p.out, seconds, nanos)
            } else {
                time::write_duration(&mut p.out, seconds, nanos)
            }
            .map_err(JsonError::new)?;
            p.out.push('"');
        }
        Wkt::FieldMask => {
            p.out.push('"');
            if let Some(Value::List(paths)) = get(info, value, 1) {
                for (i, path) in paths.iter().enumerate() {
                    if i > 0 {
                        p.out.push(',');
                    }
                    let Value::String(path) = path else {
                        return Err(JsonError::new("a FieldMask path is not a string"));
                    };
                    time::path_to_camel(path, &mut p.out).ok_or_else(|| {
                        JsonError::new(format!(
                            "FieldMask path {:?} has no lowerCamelCase form that reads back",
                            &**path
                        ))
                    })?;
                }
            }
            p.out.push('"');
        }
        Wkt::Struct | Wkt::ListValue | Wkt::Wrapper => {
            let index = info
                .field_index(1)
                .ok_or_else(|| JsonError::new(format!("{} has no field 1", info.full_name)))?;
            let field = &info.fields[index];
            match value.get(index) {
                Some(v) => p.value(field, v)?,
                None if kind == Wkt::Struct => p.out.push_str("{}"),
                None if kind == Wkt::ListValue => p.out.push_str("[]"),
                None => p.singular(field.kind, &Value::default_of(field.kind))?,
            }
        }
        Wkt::Value => {
            let Some((index, v)) = value.fields().next() else {
                return Err(JsonError::new("a google.protobuf.Value with no kind set"));
            };
            if let Value::F64(n) = v
                && !n.is_finite()
            {
                return Err(JsonError::new(format!(
                    "a google.protobuf.Value cannot hold the number {n}"
                )));
            }
            p.singular(info.fields[index].kind, v)?;
        }
        Wkt::Any => any(p, info, value)?,
        Wkt::Empty => p.out.push_str("{}"),
    }
    Ok(())
}

fn any(p: &mut Printer<'_>, info: &MessageInfo, value: &MessageValue) -> Result<(), JsonError> {
    let url = match get(info, value, 1) {
        Some(Value::String(url)) => url.as_str(),
        _ => "",
    };
    let bytes = match get(info, value, 2) {
        Some(Value::Bytes(bytes)) => bytes.clone(),
        _ => Bytes::new(),
    };
    if url.is_empty() && bytes.is_empty() {
        p.out.push_str("{}");
        return Ok(());
    }
    let ty = message_type_of_url(p.types, url)?;
    let payload = DynamicMessage::decode(&ty, bytes).map_err(|e| {
        JsonError::new(format!("the Any's {} does not decode: {e}", ty.full_name()))
    })?;
    let mut first = p.open('{');
    p.item(&mut first);
    p.key("@type");
    p.string(url);
    if Wkt::of(ty.info()).is_some() {
        p.item(&mut first);
        p.key("value");
        p.message(ty.id(), payload.value())?;
    } else {
        p.fields(ty.id(), payload.value(), &mut first)?;
    }
    p.close('}', first);
    Ok(())
}

/// The message type an Any's URL names: the part after the last `/`.
pub(super) fn message_type_of_url(
    types: &std::sync::Arc<crate::dynamic::Types>,
    url: &str,
) -> Result<MessageType, JsonError> {
    let name = url.rsplit('/').next().unwrap_or_default();
    if !url.contains('/') || name.is_empty() {
        return Err(JsonError::new(format!(
            "Any type URL {url:?} has no type name"
        )));
    }
    MessageType::new(types, name)
        .ok_or_else(|| JsonError::new(format!("Any type {name:?} is not in the schema")))
}
