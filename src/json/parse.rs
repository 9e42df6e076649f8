//! JSON text to messages, driven by the descriptors: serde's `DeserializeSeed`s walk
//! serde_json's tokens and build the [`MessageValue`]s directly, with no JSON tree between
//! (except for an `Any`, whose `@type` may come after its fields).
//!
//! serde's errors carry only text, so an error found here is kept in the [`Ctx`] and the
//! serde error is a placeholder; on the way out each level adds its step to the path.

use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::repeated::{ListVisitor, MapVisitor};
use super::scalar::{self, TokenVisitor};
use super::{JsonError, ParseOptions, PathSegment, Wkt, wkt_parse};
use crate::dynamic::{
    Cardinality, DynamicMessage, FieldInfo, Kind, MessageId, MessageType, MessageValue, Types,
    Value,
};
use crate::protobuf::RECURSION_LIMIT;

/// What the seeds share: the types, the options, the error found and where.
pub(super) struct Ctx<'t> {
    pub(super) types: &'t Arc<Types>,
    pub(super) ignore_unknown: bool,
    error: Option<JsonError>,
    /// The error's path, innermost step first.
    path: Vec<PathSegment>,
    depth: u32,
}

impl Ctx<'_> {
    /// Keeps `message` as the error; returns the serde error that carries it out.
    pub(super) fn fail<E: de::Error>(&mut self, message: impl Into<String>) -> E {
        if self.error.is_none() {
            self.error = Some(JsonError::new(message));
        }
        E::custom("invalid JSON for the message")
    }

    /// Notes that the error came out of `segment`.
    pub(super) fn step(&mut self, segment: PathSegment) {
        self.path.push(segment);
    }

    /// A serde_json error met while reading a buffered `Any`, as an error of deserializer `E`.
    pub(super) fn lift<E: de::Error>(&mut self, error: serde_json::Error) -> E {
        self.fail(error.to_string())
    }

    /// Counts one more level of nesting.
    pub(super) fn enter<E: de::Error>(&mut self) -> Result<(), E> {
        self.depth += 1;
        if self.depth > RECURSION_LIMIT {
            return Err(self.fail(format!(
                "messages nested more than {RECURSION_LIMIT} levels deep"
            )));
        }
        Ok(())
    }

    pub(super) fn leave(&mut self) {
        self.depth -= 1;
    }
}

pub(super) fn from_str(
    ty: &MessageType,
    json: &str,
    options: &ParseOptions,
) -> Result<DynamicMessage, JsonError> {
    let mut ctx = Ctx {
        types: ty.types(),
        ignore_unknown: options.ignore_unknown_fields,
        error: None,
        path: Vec::new(),
        depth: 0,
    };
    let mut de = serde_json::Deserializer::from_str(json);
    let result = MessageSeed {
        ctx: &mut ctx,
        id: ty.id(),
    }
    .deserialize(&mut de)
    .and_then(|value| de.end().map(|()| value));
    match result {
        Ok(value) => Ok(DynamicMessage::from_value(ty, value)),
        Err(e) => {
            let mut error = ctx.error.unwrap_or_else(|| JsonError::new(e.to_string()));
            for segment in ctx.path {
                error = error.within(segment);
            }
            Err(error)
        }
    }
}

/// A message of type `id` (its special form if it is a well-known type).
pub(super) struct MessageSeed<'c, 't> {
    pub(super) ctx: &'c mut Ctx<'t>,
    pub(super) id: MessageId,
}

impl<'de> DeserializeSeed<'de> for MessageSeed<'_, '_> {
    type Value = MessageValue;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<MessageValue, D::Error> {
        let ctx = self.ctx;
        ctx.enter::<D::Error>()?;
        let types = ctx.types;
        let result = match Wkt::of(types.message(self.id)) {
            None | Some(Wkt::Empty) => d.deserialize_map(MessageVisitor {
                ctx: &mut *ctx,
                id: self.id,
            }),
            Some(kind) => wkt_parse::deserialize(ctx, kind, self.id, d),
        };
        ctx.leave();
        result
    }
}

struct MessageVisitor<'c, 't> {
    ctx: &'c mut Ctx<'t>,
    id: MessageId,
}

impl<'de> Visitor<'de> for MessageVisitor<'_, '_> {
    type Value = MessageValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a JSON object for {}",
            self.ctx.types.message(self.id).full_name
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MessageValue, A::Error> {
        let ctx = self.ctx;
        let types = ctx.types;
        let info = types.message(self.id);
        let mut value = MessageValue::default();
        let mut seen = Bits::default();
        let mut oneofs = Bits::default();
        while let Some(key) = map.next_key_seed(KeySeed(info))? {
            let index = match key {
                Ok(index) => index,
                Err(_) if ctx.ignore_unknown => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                Err(unknown) => {
                    return Err(ctx.fail(format!(
                        "{} has no field called {unknown:?}",
                        info.full_name
                    )));
                }
            };
            let field = &info.fields[index];
            let name = || PathSegment::Field(field.json_name.clone());
            if !seen.insert(index) {
                ctx.step(name());
                return Err(ctx.fail("given more than once"));
            }
            let parsed = map.next_value_seed(FieldSeed {
                ctx: &mut *ctx,
                field,
            });
            let parsed = parsed.inspect_err(|_| ctx.step(name()))?;
            let Some(parsed) = parsed else { continue };
            if let Some(oneof) = field.oneof
                && !oneofs.insert(oneof)
            {
                ctx.step(name());
                return Err(ctx.fail(format!(
                    "another member of oneof {} is set already",
                    info.oneofs.get(oneof).map_or("", String::as_str)
                )));
            }
            // Indexes fit in u32: MessageValue stores them so.
            value.put(u32::try_from(index).unwrap_or(u32::MAX), parsed);
        }
        Ok(value)
    }
}

/// A set of small numbers (field and oneof indexes).
#[derive(Default)]
struct Bits {
    low: u64,
    high: Vec<u64>,
}

impl Bits {
    /// Adds `n`; false if it was there already.
    fn insert(&mut self, n: usize) -> bool {
        let (word, bit) = if n < 64 {
            (&mut self.low, n)
        } else {
            let i = n / 64 - 1;
            if self.high.len() <= i {
                self.high.resize(i + 1, 0);
            }
            (&mut self.high[i], n % 64)
        };
        let fresh = *word & (1 << bit) == 0;
        *word |= 1 << bit;
        fresh
    }
}

/// A key of a message's object: the field's index, or `None` for a name it does not have.
struct KeySeed<'i>(&'i crate::dynamic::MessageInfo);

/// A key names a field (its index), or is not a field of the message (the name, for the error
/// or to skip it).
impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Result<usize, String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Result<usize, String>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
        // Comparing a few short names is quicker than hashing the key.
        let fields = &self.0.fields;
        if fields.len() <= 16
            && let Some(index) = fields
                .iter()
                .position(|f| f.json_name == name || f.name == name)
        {
            return Ok(Ok(index));
        }
        Ok(self.0.field_by_name(name).ok_or_else(|| name.to_owned()))
    }
}

/// The value of one field. `None`: the field stays unset (`null`, a default value of a field
/// without presence, an empty list or map, a skipped unknown enum name).
struct FieldSeed<'c, 't, 'f> {
    ctx: &'c mut Ctx<'t>,
    field: &'f FieldInfo,
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_, '_, '_> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed<'_, '_, '_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a field value")
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<Value>, E> {
        if self.field.cardinality != Cardinality::Singular {
            return Ok(None);
        }
        // `null` is a value for a google.protobuf.Value (NULL_VALUE) and a NullValue enum.
        let types = self.ctx.types;
        match self.field.kind {
            Kind::Message(id) if Wkt::of(types.message(id)) == Some(Wkt::Value) => {
                wkt_parse::null_value(self.ctx, id).map(Some)
            }
            Kind::Enum(id) if types.enumeration(id).full_name == "google.protobuf.NullValue" => {
                Ok(Some(Value::Enum(0)))
            }
            _ => Ok(None),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<Value>, E> {
        self.visit_none()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        let field = self.field;
        match field.cardinality {
            Cardinality::Singular => {
                let value = ValueSeed {
                    ctx: self.ctx,
                    kind: field.kind,
                }
                .deserialize(d)?;
                Ok(value.filter(|v| field.presence || !v.is_default()))
            }
            Cardinality::Repeated => {
                let list = d.deserialize_seq(ListVisitor {
                    ctx: self.ctx,
                    kind: field.kind,
                })?;
                Ok((!list.is_empty()).then_some(Value::List(list)))
            }
            Cardinality::Map => {
                let types = self.ctx.types;
                let entry = match field.kind {
                    Kind::Message(id) => types.message(id),
                    _ => return Err(self.ctx.fail("a map field whose type is not an entry")),
                };
                let (Some(k), Some(v)) = (entry.field_index(1), entry.field_index(2)) else {
                    return Err(self.ctx.fail("a map entry without key and value fields"));
                };
                let map = d.deserialize_map(MapVisitor {
                    ctx: self.ctx,
                    key: entry.fields[k].kind,
                    value: entry.fields[v].kind,
                })?;
                Ok((!map.is_empty()).then_some(Value::Map(map)))
            }
        }
    }
}

/// One value of kind `kind` (`None`: a skipped unknown enum name).
pub(super) struct ValueSeed<'c, 't> {
    pub(super) ctx: &'c mut Ctx<'t>,
    pub(super) kind: Kind,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        match self.kind {
            Kind::Message(id) | Kind::Group(id) => {
                let message = MessageSeed { ctx: self.ctx, id }.deserialize(d)?;
                Ok(Some(Value::Message(Box::new(message))))
            }
            kind => {
                let ignore = self.ctx.ignore_unknown;
                d.deserialize_any(TokenVisitor {
                    ctx: self.ctx,
                    convert: |types: &Types, input: scalar::Input<'_>| {
                        scalar::convert(types, kind, input, ignore)
                    },
                })
            }
        }
    }
}
