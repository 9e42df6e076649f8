//! Reading the well-known types that have a JSON form of their own (the forms are listed in
//! the printing side's docs): each builds the same [`MessageValue`] that decoding the type's
//! binary encoding would.

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::parse::{Ctx, MessageSeed, ValueSeed};
use super::scalar::{Input, TokenVisitor};
use super::{PathSegment, Wkt, time, wkt};
use crate::dynamic::{DynamicMessage, Kind, MessageId, MessageValue, Types, Value};

/// Field `number` of message `id`: its index and kind.
fn field(types: &Types, id: MessageId, number: u32) -> Option<(u32, Kind)> {
    let info = types.message(id);
    let index = info.field_index(number)?;
    Some((u32::try_from(index).ok()?, info.fields[index].kind))
}

/// Field `number` of message `id`, or an error naming the type.
fn need<E: de::Error>(ctx: &mut Ctx<'_>, id: MessageId, number: u32) -> Result<(u32, Kind), E> {
    field(ctx.types, id, number).ok_or_else(|| {
        let name = &ctx.types.message(id).full_name;
        let message = format!("{name} has no field {number}");
        ctx.fail(message)
    })
}

/// Sets field `number` to `value` unless it is the default (the fields here have no presence).
fn set<E: de::Error>(
    ctx: &mut Ctx<'_>,
    message: &mut MessageValue,
    id: MessageId,
    number: u32,
    value: Value,
) -> Result<(), E> {
    let (index, _) = need(ctx, id, number)?;
    if !value.is_default() {
        message.put(index, value);
    }
    Ok(())
}

/// A `google.protobuf.Value` holding `NULL_VALUE` (what `null` reads as).
pub(super) fn null_value<E: de::Error>(ctx: &mut Ctx<'_>, id: MessageId) -> Result<Value, E> {
    let (index, _) = need(ctx, id, 1)?;
    let mut message = MessageValue::default();
    message.put(index, Value::Enum(0));
    Ok(Value::Message(Box::new(message)))
}

fn string_form<'de, D: Deserializer<'de>, T>(
    ctx: &mut Ctx<'_>,
    d: D,
    what: &'static str,
    read: impl FnOnce(&str) -> Option<T>,
) -> Result<T, D::Error> {
    d.deserialize_any(TokenVisitor {
        ctx,
        convert: |_: &Types, input: Input<'_>| match input {
            Input::Str(s) => read(s).ok_or_else(|| format!("{input} is not a valid {what}")),
            other => Err(format!("expected a {what} string, got {other}")),
        },
    })
}

pub(super) fn deserialize<'de, D: Deserializer<'de>>(
    ctx: &mut Ctx<'_>,
    kind: Wkt,
    id: MessageId,
    d: D,
) -> Result<MessageValue, D::Error> {
    let mut message = MessageValue::default();
    match kind {
        Wkt::Timestamp | Wkt::Duration => {
            let (seconds, nanos) = if kind == Wkt::Timestamp {
                string_form(ctx, d, "Timestamp", time::parse_timestamp)?
            } else {
                string_form(ctx, d, "Duration", time::parse_duration)?
            };
            set(ctx, &mut message, id, 1, Value::I64(seconds))?;
            set(ctx, &mut message, id, 2, Value::I32(nanos))?;
        }
        Wkt::FieldMask => {
            let paths = string_form(ctx, d, "FieldMask", |s| {
                s.split(',')
                    .filter(|path| !s.is_empty() || !path.is_empty())
                    .map(|path| time::path_to_snake(path).map(|p| Value::String(p.into())))
                    .collect::<Option<Vec<_>>>()
            })?;
            set(ctx, &mut message, id, 1, Value::List(paths))?;
        }
        Wkt::Wrapper => {
            let (_, kind) = need(ctx, id, 1)?;
            if let Some(value) = (ValueSeed {
                ctx: &mut *ctx,
                kind,
            })
            .deserialize(d)?
            {
                set(ctx, &mut message, id, 1, value)?;
            }
        }
        Wkt::Struct => return d.deserialize_map(StructVisitor { ctx, id }),
        Wkt::ListValue => return d.deserialize_seq(ListValueVisitor { ctx, id }),
        Wkt::Value => return d.deserialize_any(ValueVisitor { ctx, id }),
        Wkt::Any => return any(ctx, id, d),
        Wkt::Empty => return Err(ctx.fail("Empty has no special form")),
    }
    Ok(message)
}

/// The `google.protobuf.Value` type that field `number` of `id` holds (Struct's map values,
/// ListValue's elements).
fn value_type<E: de::Error>(ctx: &mut Ctx<'_>, id: MessageId) -> Result<MessageId, E> {
    let kind = match need(ctx, id, 1)? {
        (_, Kind::Message(entry)) if ctx.types.message(entry).map_entry => need(ctx, entry, 2)?.1,
        (_, kind) => kind,
    };
    match kind {
        Kind::Message(value) => Ok(value),
        _ => Err(ctx.fail("a Struct or ListValue whose values are not messages")),
    }
}

struct StructVisitor<'c, 't> {
    ctx: &'c mut Ctx<'t>,
    id: MessageId,
}

impl<'de> Visitor<'de> for StructVisitor<'_, '_> {
    type Value = MessageValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object (google.protobuf.Struct)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MessageValue, A::Error> {
        let ctx = self.ctx;
        let value_id = value_type(ctx, self.id)?;
        let mut fields = std::collections::BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map
                .next_value_seed(MessageSeed {
                    ctx: &mut *ctx,
                    id: value_id,
                })
                .inspect_err(|_| ctx.step(PathSegment::Key(key.clone())))?;
            let key = crate::dynamic::MapKey::String(key.into());
            if fields
                .insert(key, Value::Message(Box::new(value)))
                .is_some()
            {
                return Err(ctx.fail("key given more than once"));
            }
        }
        let mut message = MessageValue::default();
        set(ctx, &mut message, self.id, 1, Value::Map(fields))?;
        Ok(message)
    }
}

struct ListValueVisitor<'c, 't> {
    ctx: &'c mut Ctx<'t>,
    id: MessageId,
}

impl<'de> Visitor<'de> for ListValueVisitor<'_, '_> {
    type Value = MessageValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON list (google.protobuf.ListValue)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MessageValue, A::Error> {
        let ctx = self.ctx;
        let value_id = value_type(ctx, self.id)?;
        let mut values = Vec::new();
        loop {
            let seed = MessageSeed {
                ctx: &mut *ctx,
                id: value_id,
            };
            match seq.next_element_seed(seed) {
                Ok(Some(value)) => values.push(Value::Message(Box::new(value))),
                Ok(None) => break,
                Err(e) => {
                    ctx.step(PathSegment::Index(values.len()));
                    return Err(e);
                }
            }
        }
        let mut message = MessageValue::default();
        set(ctx, &mut message, self.id, 1, Value::List(values))?;
        Ok(message)
    }
}

/// A `google.protobuf.Value`: whichever JSON value comes.
struct ValueVisitor<'c, 't> {
    ctx: &'c mut Ctx<'t>,
    id: MessageId,
}

impl ValueVisitor<'_, '_> {
    fn kind<E: de::Error>(self, number: u32, value: Value) -> Result<MessageValue, E> {
        let (index, _) = need(self.ctx, self.id, number)?;
        let mut message = MessageValue::default();
        message.put(index, value);
        Ok(message)
    }

    /// The message type of field `number` (struct_value, list_value).
    fn nested<E: de::Error>(&mut self, number: u32) -> Result<MessageId, E> {
        match need(self.ctx, self.id, number)? {
            (_, Kind::Message(id)) => Ok(id),
            _ => Err(self
                .ctx
                .fail("a Value whose struct or list field is not a message")),
        }
    }
}

impl<'de> Visitor<'de> for ValueVisitor<'_, '_> {
    type Value = MessageValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value (google.protobuf.Value)")
    }

    fn visit_unit<E: de::Error>(self) -> Result<MessageValue, E> {
        self.kind(1, Value::Enum(0))
    }
    fn visit_none<E: de::Error>(self) -> Result<MessageValue, E> {
        self.kind(1, Value::Enum(0))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<MessageValue, E> {
        self.kind(4, Value::Bool(v))
    }
    #[expect(clippy::cast_precision_loss, reason = "JSON numbers are doubles")]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<MessageValue, E> {
        self.kind(2, Value::F64(v as f64))
    }
    #[expect(clippy::cast_precision_loss, reason = "JSON numbers are doubles")]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<MessageValue, E> {
        self.kind(2, Value::F64(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<MessageValue, E> {
        self.kind(2, Value::F64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<MessageValue, E> {
        self.kind(3, Value::String(v.into()))
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, seq: A) -> Result<MessageValue, A::Error> {
        let id = self.nested(6)?;
        self.ctx.enter::<A::Error>()?;
        let list = ListValueVisitor {
            ctx: &mut *self.ctx,
            id,
        }
        .visit_seq(seq)?;
        self.ctx.leave();
        self.kind(6, Value::Message(Box::new(list)))
    }

    fn visit_map<A: MapAccess<'de>>(mut self, map: A) -> Result<MessageValue, A::Error> {
        let id = self.nested(5)?;
        self.ctx.enter::<A::Error>()?;
        let object = StructVisitor {
            ctx: &mut *self.ctx,
            id,
        }
        .visit_map(map)?;
        self.ctx.leave();
        self.kind(5, Value::Message(Box::new(object)))
    }
}

/// An `Any`: buffered as a JSON tree, since `@type` may come last.
fn any<'de, D: Deserializer<'de>>(
    ctx: &mut Ctx<'_>,
    id: MessageId,
    d: D,
) -> Result<MessageValue, D::Error> {
    let serde_json::Value::Object(mut object) = serde_json::Value::deserialize(d)? else {
        return Err(ctx.fail("expected a JSON object for google.protobuf.Any"));
    };
    let mut message = MessageValue::default();
    if object.is_empty() {
        return Ok(message);
    }
    let url = match object.remove("@type") {
        Some(serde_json::Value::String(url)) => url,
        Some(_) => return Err(ctx.fail("@type is not a string")),
        None => return Err(ctx.fail("an Any with fields but no @type")),
    };
    let ty = wkt::message_type_of_url(ctx.types, &url).map_err(|e| ctx.fail(e.message()))?;
    let payload = if Wkt::of(ty.info()).is_some() {
        let value = object.remove("value");
        if let Some(key) = object.keys().next() {
            let message = format!("unexpected key {key:?} in an Any of a well-known type");
            return Err(ctx.fail(message));
        }
        match value {
            Some(value) => MessageSeed {
                ctx: &mut *ctx,
                id: ty.id(),
            }
            .deserialize(value)
            .map_err(|e| ctx.lift(e))?,
            None => MessageValue::default(),
        }
    } else {
        MessageSeed {
            ctx: &mut *ctx,
            id: ty.id(),
        }
        .deserialize(serde_json::Value::Object(object))
        .map_err(|e| ctx.lift(e))?
    };
    let bytes = DynamicMessage::from_value(&ty, payload).encode_to_vec();
    set(ctx, &mut message, id, 1, Value::String(url.into()))?;
    set(ctx, &mut message, id, 2, Value::Bytes(bytes.into()))?;
    Ok(message)
}
