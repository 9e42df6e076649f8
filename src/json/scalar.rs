//! One JSON token to one protobuf scalar: the spec's input rules for numbers, strings, bytes
//! and enums.
//!
//! A [`TokenVisitor`] takes whatever token comes (`deserialize_any`) and hands it to a
//! conversion as an [`Input`], so that every "expected X, got Y" message is written here, not
//! by serde.

use std::fmt;

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::de::{self, MapAccess, SeqAccess, Visitor};

use super::parse::Ctx;
use crate::dynamic::{Kind, Types, Value};

/// One JSON token, as the converters see it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Input<'s> {
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(&'s str),
    Null,
    List,
    Object,
}

impl fmt::Display for Input<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bool(v) => write!(f, "{v}"),
            Self::I64(v) => write!(f, "{v}"),
            Self::U64(v) => write!(f, "{v}"),
            Self::F64(v) => write!(f, "{v}"),
            Self::Str(s) => write!(f, "{s:?}"),
            Self::Null => f.write_str("null"),
            Self::List => f.write_str("a list"),
            Self::Object => f.write_str("an object"),
        }
    }
}

/// Visits any token and converts it with `convert`; a conversion error is kept in the context.
pub(super) struct TokenVisitor<'c, 't, F> {
    pub(super) ctx: &'c mut Ctx<'t>,
    pub(super) convert: F,
}

impl<T, F> TokenVisitor<'_, '_, F>
where
    F: FnOnce(&Types, Input<'_>) -> Result<T, String>,
{
    fn run<E: de::Error>(self, input: Input<'_>) -> Result<T, E> {
        (self.convert)(self.ctx.types, input).map_err(|message| self.ctx.fail(message))
    }
}

impl<'de, T, F> Visitor<'de> for TokenVisitor<'_, '_, F>
where
    F: FnOnce(&Types, Input<'_>) -> Result<T, String>,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        self.run(Input::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        self.run(Input::I64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        self.run(Input::U64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        self.run(Input::F64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        self.run(Input::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        self.run(Input::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        self.run(Input::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<T, A::Error> {
        self.run(Input::List)
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<T, A::Error> {
        self.run(Input::Object)
    }
}

/// Base64 as the spec accepts it: padded or not; the URL-safe alphabet is chosen when the
/// text has `-` or `_`.
const STANDARD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// A value of scalar or enum kind `kind`. `Ok(None)`: an unknown enum name, skipped because
/// `ignore_unknown` is set.
pub(super) fn convert(
    types: &Types,
    kind: Kind,
    input: Input<'_>,
    ignore_unknown: bool,
) -> Result<Option<Value>, String> {
    let value = match kind {
        Kind::Double => Value::F64(float(input)?),
        Kind::Float => Value::F32(narrow(float(input)?)?),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Value::I32(fit(integer(input)?, "int32")?),
        Kind::Uint32 | Kind::Fixed32 => Value::U32(fit(integer(input)?, "uint32")?),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(fit(integer(input)?, "int64")?),
        Kind::Uint64 | Kind::Fixed64 => Value::U64(fit(integer(input)?, "uint64")?),
        Kind::Bool => match input {
            Input::Bool(v) => Value::Bool(v),
            other => return Err(format!("expected true or false, got {other}")),
        },
        Kind::String => match input {
            Input::Str(s) => Value::String(s.into()),
            other => return Err(format!("expected a string, got {other}")),
        },
        Kind::Bytes => match input {
            Input::Str(s) => {
                let engine = if s.contains(['-', '_']) {
                    &URL_SAFE
                } else {
                    &STANDARD
                };
                let bytes = engine
                    .decode(s)
                    .map_err(|e| format!("expected base64, got {input}: {e}"))?;
                Value::Bytes(bytes.into())
            }
            other => return Err(format!("expected a base64 string, got {other}")),
        },
        Kind::Enum(id) => {
            let info = types.enumeration(id);
            let number = match input {
                Input::Str(name) => match info.number_of(name) {
                    Some(number) => number,
                    None if ignore_unknown => return Ok(None),
                    None => return Err(format!("enum {} has no value {name:?}", info.full_name)),
                },
                Input::Null if info.full_name == "google.protobuf.NullValue" => 0,
                Input::I64(_) | Input::U64(_) | Input::F64(_) => {
                    let number = fit(integer(input)?, "an enum")?;
                    if info.closed && !info.contains(number) {
                        if ignore_unknown {
                            return Ok(None);
                        }
                        return Err(format!("enum {} has no value {number}", info.full_name));
                    }
                    number
                }
                other => return Err(format!("expected an enum name or number, got {other}")),
            };
            Value::Enum(number)
        }
        Kind::Message(_) | Kind::Group(_) => return Err("expected a message".to_owned()),
    };
    Ok(Some(value))
}

/// Whether `s` is a JSON number (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`); the
/// second flag says whether it is a plain integer.
fn json_number(s: &str) -> Option<bool> {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let start = i;
    let n = digits(&mut i);
    if n == 0 || (n > 1 && b[start] == b'0') {
        return None;
    }
    let mut integer = true;
    if b.get(i) == Some(&b'.') {
        i += 1;
        integer = false;
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        integer = false;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    (i == b.len()).then_some(integer)
}

/// An integer: a JSON number or a string holding one, with no fraction (`1e5` is 100000).
fn integer(input: Input<'_>) -> Result<i128, String> {
    match input {
        Input::I64(v) => Ok(i128::from(v)),
        Input::U64(v) => Ok(i128::from(v)),
        Input::F64(v) => from_float(v).ok_or_else(|| format!("{v} is not an integer in range")),
        Input::Str(s) => match json_number(s) {
            Some(true) if s.len() <= 40 => s.parse().map_err(|e| format!("{s:?}: {e}")),
            Some(true) => Err(format!("{s:?} is out of range")),
            Some(false) => s
                .parse::<f64>()
                .ok()
                .and_then(from_float)
                .ok_or_else(|| format!("{s:?} is not an integer in range")),
            None => Err(format!("expected an integer, got {input}")),
        },
        other => Err(format!("expected an integer, got {other}")),
    }
}

/// A float that is a whole number within ±2^64, as an integer.
#[expect(
    clippy::cast_possible_truncation,
    reason = "the value is whole and within ±2^64, so the conversion is exact"
)]
fn from_float(v: f64) -> Option<i128> {
    const LIMIT: f64 = 18_446_744_073_709_551_616.0; // 2^64
    (v.fract() == 0.0 && v.abs() < LIMIT).then_some(v as i128)
}

fn fit<T: TryFrom<i128>>(value: i128, name: &str) -> Result<T, String> {
    T::try_from(value).map_err(|_| format!("{value} is out of range for {name}"))
}

/// A double: a JSON number, or a string holding one or `"NaN"`, `"Infinity"`, `"-Infinity"`.
fn float(input: Input<'_>) -> Result<f64, String> {
    #[expect(clippy::cast_precision_loss, reason = "JSON numbers are doubles")]
    match input {
        Input::F64(v) => Ok(v),
        Input::I64(v) => Ok(v as f64),
        Input::U64(v) => Ok(v as f64),
        Input::Str("NaN") => Ok(f64::NAN),
        Input::Str("Infinity") => Ok(f64::INFINITY),
        Input::Str("-Infinity") => Ok(f64::NEG_INFINITY),
        Input::Str(s) if json_number(s).is_some() => match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(format!("{s:?} is out of range for a double")),
        },
        other => Err(format!("expected a number, got {other}")),
    }
}

/// A double as a float, if it is within the float's range.
#[expect(
    clippy::cast_possible_truncation,
    reason = "rounding to the nearest float is what a float field means"
)]
fn narrow(v: f64) -> Result<f32, String> {
    let narrowed = v as f32;
    if v.is_finite() && narrowed.is_infinite() {
        return Err(format!("{v:e} is out of range for a float"));
    }
    Ok(narrowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers_are_recognised_strictly() {
        assert_eq!(json_number("0"), Some(true));
        assert_eq!(json_number("-12"), Some(true));
        assert_eq!(json_number("1.5e-3"), Some(false));
        assert_eq!(json_number("1E5"), Some(false));
        for bad in [
            "", "-", "01", "+1", "1.", ".5", "1e", " 1", "1 ", "0x10", "Infinity",
        ] {
            assert_eq!(json_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn integers_come_from_numbers_strings_and_exact_exponents() {
        assert_eq!(integer(Input::Str("-7")), Ok(-7));
        assert_eq!(integer(Input::Str("1e5")), Ok(100_000));
        assert_eq!(integer(Input::F64(1e5)), Ok(100_000));
        assert!(integer(Input::F64(0.5)).is_err());
        assert!(integer(Input::Str("1.5")).is_err());
        assert!(integer(Input::Str("01")).is_err());
        assert!(integer(Input::Bool(true)).is_err());
        assert!(fit::<i32>(1 << 31, "int32").is_err());
        assert!(fit::<u64>(-1, "uint64").is_err());
    }

    #[test]
    fn floats_take_the_three_names_and_refuse_what_does_not_fit() {
        assert!(float(Input::Str("NaN")).unwrap().is_nan());
        assert_eq!(float(Input::Str("-Infinity")), Ok(f64::NEG_INFINITY));
        assert_eq!(float(Input::Str("1e3")), Ok(1000.0));
        assert!(float(Input::Str("1e400")).is_err());
        assert!(float(Input::Str("inf")).is_err());
        assert!(narrow(1e39).is_err());
        assert_eq!(narrow(f64::INFINITY), Ok(f32::INFINITY));
        assert_eq!(narrow(3.402_823_466e38), Ok(f32::MAX));
    }
}
