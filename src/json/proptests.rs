//! Property: every message of the test schema prints to JSON that reads back to the same
//! message (compared by binary encoding, which is canonical for these messages).

#![allow(
    clippy::cast_possible_truncation,
    reason = "test data: random bits, truncated on purpose"
)]

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::tests::{ty, types};
use super::*;
use crate::dynamic::{Cardinality, Kind, MapKey, MessageId, MessageInfo, MessageValue, Value};

/// A small deterministic generator (xorshift), seeded by proptest.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[usize::try_from(self.below(items.len() as u64)).unwrap()]
    }

    fn int(&mut self) -> i64 {
        match self.below(4) {
            0 => self.pick(&[0, 1, -1, i64::MIN, i64::MAX]),
            1 => i64::from(i8::try_from(self.below(256) as i64 - 128).unwrap()),
            _ => self.next().cast_signed(),
        }
    }
}

const STRINGS: &[&str] = &[
    "",
    "a",
    "héllo",
    "<&>",
    "\u{2028}",
    "\"\\\n\t\u{1}",
    "日本",
    "🦀",
];

fn scalar(rng: &mut Rng, kind: Kind, depth: u32) -> Value {
    let int = rng.int();
    match kind {
        Kind::Double => Value::F64(match rng.below(6) {
            0 => rng.pick(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 1e21, 1e-7]),
            1 => f64::from_bits(rng.next()),
            _ => (int as f64) / 8.0,
        })
        .canonical(),
        Kind::Float => Value::F32(match rng.below(4) {
            0 => rng.pick(&[f32::NAN, f32::INFINITY, f32::MAX, f32::MIN_POSITIVE, 0.1]),
            1 => f32::from_bits(u32::try_from(rng.next() >> 32).unwrap()),
            _ => (i32::try_from(int >> 40).unwrap() as f32) / 4.0,
        })
        .canonical(),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(int),
        Kind::Uint64 | Kind::Fixed64 => Value::U64(int.cast_unsigned()),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Value::I32(int as i32),
        Kind::Uint32 | Kind::Fixed32 => Value::U32(int as u32),
        Kind::Bool => Value::Bool(int & 1 == 1),
        Kind::String => Value::String(rng.pick(STRINGS).into()),
        Kind::Bytes => Value::Bytes(int.to_le_bytes()[..(int as usize & 7)].to_vec().into()),
        Kind::Enum(id) => {
            let info = types().enumeration(id);
            if info.full_name.ends_with("NullValue") {
                return Value::Enum(0);
            }
            Value::Enum(rng.pick(&[0, 1, 2, 9]))
        }
        Kind::Message(id) | Kind::Group(id) => {
            Value::Message(Box::new(message(rng, id, depth.saturating_sub(1))))
        }
    }
}

trait Canonical {
    fn canonical(self) -> Self;
}

impl Canonical for Value {
    /// NaNs as the one NaN JSON reads back.
    fn canonical(self) -> Self {
        match self {
            Self::F64(v) if v.is_nan() => Self::F64(f64::NAN),
            Self::F32(v) if v.is_nan() => Self::F32(f32::NAN),
            other => other,
        }
    }
}

fn set(message: &mut MessageValue, info: &MessageInfo, number: u32, v: Value) {
    let index = info.field_index(number).unwrap();
    if !v.is_default() || info.fields[index].presence {
        message.put(u32::try_from(index).unwrap(), v);
    }
}

/// A random message of type `id` that has a JSON form.
fn message(rng: &mut Rng, id: MessageId, depth: u32) -> MessageValue {
    let types = types();
    let info = types.message(id);
    let mut out = MessageValue::default();
    match Wkt::of(info) {
        Some(Wkt::Timestamp) => {
            let seconds = time::MIN_TIMESTAMP + rng.below(253_402_300_800 + 62_135_596_800) as i64;
            set(&mut out, info, 1, Value::I64(seconds));
            set(
                &mut out,
                info,
                2,
                Value::I32(rng.pick(&[0, 1, 10_000_000, 999_999_999])),
            );
            return out;
        }
        Some(Wkt::Duration) => {
            let seconds = rng.below(2 * 315_576_000_000) as i64 - 315_576_000_000;
            let nanos: i32 = rng.pick(&[0, 1, 500_000_000, 999_999_999]);
            let nanos = if seconds < 0 { -nanos } else { nanos };
            set(&mut out, info, 1, Value::I64(seconds));
            set(&mut out, info, 2, Value::I32(nanos));
            return out;
        }
        Some(Wkt::FieldMask) => {
            let paths = (0..rng.below(3))
                .map(|_| Value::String(rng.pick(&["a", "user.display_name", "x1.y_z"]).into()))
                .collect();
            set(&mut out, info, 1, Value::List(paths));
            return out;
        }
        Some(Wkt::Value) => {
            let kind = if depth == 0 {
                rng.below(4) + 1
            } else {
                rng.below(6) + 1
            };
            let kind = u32::try_from(kind).unwrap();
            let field = &info.fields[info.field_index(kind).unwrap()];
            let v = match field.kind {
                Kind::Double => Value::F64((rng.int() as f64) / 4.0),
                Kind::Message(id) => Value::Message(Box::new(message(rng, id, depth - 1))),
                k => scalar(rng, k, 0),
            };
            out.put(u32::try_from(info.field_index(kind).unwrap()).unwrap(), v);
            return out;
        }
        Some(Wkt::Any) => {
            let payload = ty("t.Scalars");
            let inner = message(rng, payload.id(), 0);
            let bytes = DynamicMessage::from_value(&payload, inner).encode_to_vec();
            set(
                &mut out,
                info,
                1,
                Value::String("type.googleapis.com/t.Scalars".into()),
            );
            set(&mut out, info, 2, Value::Bytes(bytes.into()));
            return out;
        }
        _ => {}
    }
    let mut oneofs = Vec::new();
    for (index, field) in info.fields.iter().enumerate() {
        if rng.below(3) != 0 || field.oneof.is_some_and(|o| oneofs.contains(&o)) {
            continue;
        }
        if matches!(field.kind, Kind::Message(_)) && depth == 0 {
            continue;
        }
        let value = match field.cardinality {
            Cardinality::Singular => scalar(rng, field.kind, depth),
            Cardinality::Repeated => Value::List(
                (0..rng.below(4))
                    .map(|_| scalar(rng, field.kind, depth))
                    .collect(),
            ),
            Cardinality::Map => {
                let Kind::Message(entry) = field.kind else {
                    unreachable!()
                };
                let entry = types.message(entry);
                let (k, v) = (entry.fields[0].kind, entry.fields[1].kind);
                let map: BTreeMap<MapKey, Value> = (0..rng.below(4))
                    .map(|_| {
                        let key = MapKey::from_value(scalar(rng, k, 0)).unwrap();
                        (key, scalar(rng, v, depth))
                    })
                    .collect();
                Value::Map(map)
            }
        };
        if field.presence || !value.is_default() {
            if let Some(o) = field.oneof {
                oneofs.push(o);
            }
            out.put(u32::try_from(index).unwrap(), value);
        }
    }
    out
}

proptest! {
    #[test]
    fn json_reads_back_to_the_same_message(seed in 1u64.., pretty: bool, proto_names: bool) {
        let all = ty("t.All");
        let original = DynamicMessage::from_value(&all, message(&mut Rng(seed), all.id(), 3));
        let options = PrintOptions { pretty, proto_names, emit_defaults: false };
        let json = to_string(&original, &options).unwrap();
        let back = from_str(&all, &json, &ParseOptions::default())
            .unwrap_or_else(|e| panic!("{json}: {e}"));
        prop_assert_eq!(back.encode_to_vec(), original.encode_to_vec(), "{}", json);
    }

    /// With defaults printed, an unset `google.protobuf.Value` field prints as `null`, which
    /// reads back as `NULL_VALUE` (the spec's ambiguity): so the property is on the text.
    #[test]
    fn json_with_defaults_reads_back_to_the_same_json(seed in 1u64.., pretty: bool) {
        let all = ty("t.All");
        let original = DynamicMessage::from_value(&all, message(&mut Rng(seed), all.id(), 3));
        let options = PrintOptions { pretty, proto_names: false, emit_defaults: true };
        let json = to_string(&original, &options).unwrap();
        let back = from_str(&all, &json, &ParseOptions::default())
            .unwrap_or_else(|e| panic!("{json}: {e}"));
        prop_assert_eq!(to_string(&back, &options).unwrap(), json);
    }

    #[test]
    fn any_text_is_read_without_panicking(text in "[\\[\\]{}\":,a-z0-9 .eE+-]{0,40}") {
        let _ = from_str(&ty("t.All"), &text, &ParseOptions::default());
    }
}
