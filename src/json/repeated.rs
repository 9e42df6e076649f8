//! Lists and maps: their elements and entries, read one by one with the value seeds of
//! `parse`; `null` is refused as an element or map value.

use std::collections::BTreeMap;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::PathSegment;
use super::Wkt;
use super::parse::{Ctx, ValueSeed};
use super::scalar;
use crate::dynamic::{Kind, MapKey, Value};

pub(super) struct ListVisitor<'c, 't> {
    pub(super) ctx: &'c mut Ctx<'t>,
    pub(super) kind: Kind,
}

impl<'de> Visitor<'de> for ListVisitor<'_, '_> {
    type Value = Vec<Value>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Value>, A::Error> {
        let ctx = self.ctx;
        let mut list = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        loop {
            let seed = ValueSeed {
                ctx: &mut *ctx,
                kind: self.kind,
            };
            match seq.next_element_seed(NotNull(seed)) {
                Ok(Some(Some(value))) => list.push(value),
                Ok(Some(None)) => {}
                Ok(None) => return Ok(list),
                Err(e) => {
                    ctx.step(PathSegment::Index(list.len()));
                    return Err(e);
                }
            }
        }
    }
}

/// A list element or map value: `null` is refused, except for a `google.protobuf.Value`
/// (NULL_VALUE), which the seed itself reads.
struct NotNull<'c, 't>(ValueSeed<'c, 't>);

impl<'de> DeserializeSeed<'de> for NotNull<'_, '_> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        let types = self.0.ctx.types;
        match self.0.kind {
            Kind::Message(id) if Wkt::of(types.message(id)) == Some(Wkt::Value) => {
                self.0.deserialize(d)
            }
            _ => d.deserialize_option(self),
        }
    }
}

impl<'de> Visitor<'de> for NotNull<'_, '_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a value")
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<Value>, E> {
        Err(self
            .0
            .ctx
            .fail("null is not allowed in a list or as a map value"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<Value>, E> {
        self.visit_none()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        self.0.deserialize(d)
    }
}

pub(super) struct MapVisitor<'c, 't> {
    pub(super) ctx: &'c mut Ctx<'t>,
    pub(super) key: Kind,
    pub(super) value: Kind,
}

impl<'de> Visitor<'de> for MapVisitor<'_, '_> {
    type Value = BTreeMap<MapKey, Value>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let ctx = self.ctx;
        let mut entries = BTreeMap::new();
        while let Some(text) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let key = match self.key {
                Kind::String => Some(Value::String(text.as_ref().into())),
                Kind::Bool => match &*text {
                    "true" => Some(Value::Bool(true)),
                    "false" => Some(Value::Bool(false)),
                    _ => None,
                },
                kind => scalar::convert(ctx.types, kind, scalar::Input::Str(&text), false)
                    .map_err(|message| {
                        ctx.step(PathSegment::Key(text.to_string()));
                        ctx.fail::<A::Error>(format!("bad map key: {message}"))
                    })?,
            };
            let key = key.and_then(MapKey::from_value).ok_or_else(|| {
                ctx.step(PathSegment::Key(text.to_string()));
                ctx.fail::<A::Error>("bad map key")
            })?;
            let seed = ValueSeed {
                ctx: &mut *ctx,
                kind: self.value,
            };
            let value = map
                .next_value_seed(NotNull(seed))
                .inspect_err(|_| ctx.step(PathSegment::Key(text.to_string())))?;
            let Some(value) = value else { continue };
            if entries.insert(key, value).is_some() {
                ctx.step(PathSegment::Key(text.to_string()));
                return Err(ctx.fail("map key given more than once"));
            }
        }
        Ok(entries)
    }
}
