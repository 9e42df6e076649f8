//! `[default = ...]`: a proto2 field's default value, as protoc stores it in
//! `FieldDescriptorProto.default_value`.
//!
//! descriptor.proto: "For numeric types, contains the original text representation of the
//! value. For booleans, "true" or "false". For strings, contains the default text contents (not
//! escaped in any way). For bytes, contains the C escaped value." In practice protoc rewrites
//! numbers: an integer in decimal (`0x10` is stored `16`), a floating-point number in the
//! shortest of `%.15g`/`%.17g` (`%.6g`/`%.9g` for `float`) that reads back to the same value
//! (`1.5e3` is `1500`, `1e100` is `1e+100`), and `inf`, `-inf`, `nan`. An enum default is the
//! value's name, checked by [`resolve`](crate::schema::resolve) once the enum is known.

use super::{Parser, Result, Syntax};
use crate::schema::descriptor::{FieldDescriptorProto, Label, Type};
use crate::schema::lexer::Token;

impl Parser<'_> {
    /// The constant after `default =`, as protoc writes it for `field`.
    pub(super) fn default_value(&mut self, field: &FieldDescriptorProto) -> Result<String> {
        if self.syntax == Syntax::Proto3 {
            return self.error("Explicit default values are not allowed in proto3.");
        }
        if field.label == Some(Label::Repeated as i32) {
            return self.error("Repeated fields can't have default values.");
        }
        let ty = field.r#type.and_then(Type::from_i32);
        let negative = self.eat_symbol('-');
        let value = match ty {
            Some(Type::Group | Type::Message) => {
                return self.error("Messages can't have default values.");
            }
            Some(Type::String | Type::Bytes) => {
                if negative || !matches!(self.peek(), Some(Token::Str(_))) {
                    return self.error("Expected string for field default value.");
                }
                let mut bytes = Vec::new();
                while let Some(Token::Str(part)) = self.peek() {
                    bytes.extend_from_slice(part);
                    self.at += 1;
                }
                if ty == Some(Type::Bytes) {
                    return Ok(c_escape(&bytes));
                }
                return String::from_utf8(bytes).or_else(|_| {
                    self.at -= 1;
                    self.error("String default values must be valid UTF-8.")
                });
            }
            Some(Type::Bool) => match self.peek() {
                Some(Token::Ident(word)) if !negative && (word == "true" || word == "false") => {
                    word.clone()
                }
                _ => return self.error("Expected \"true\" or \"false\"."),
            },
            Some(Type::Float | Type::Double) => {
                let magnitude = match self.peek() {
                    Some(Token::Int(n)) => *n as f64,
                    Some(Token::Float(x)) => *x,
                    Some(Token::Ident(word)) if word == "inf" => f64::INFINITY,
                    Some(Token::Ident(word)) if word == "nan" => f64::NAN,
                    _ => return self.error("Expected number."),
                };
                let value = if negative { -magnitude } else { magnitude };
                if ty == Some(Type::Float) {
                    format_float(value)
                } else {
                    format_double(value)
                }
            }
            Some(integer) => {
                let Some(Token::Int(magnitude)) = self.peek() else {
                    return self.error("Expected integer for field default value.");
                };
                let value = if negative {
                    -i128::from(*magnitude)
                } else {
                    i128::from(*magnitude)
                };
                let (min, max) = match integer {
                    Type::Int32 | Type::Sint32 | Type::Sfixed32 => {
                        (i128::from(i32::MIN), i128::from(i32::MAX))
                    }
                    Type::Uint32 | Type::Fixed32 => (0, i128::from(u32::MAX)),
                    Type::Uint64 | Type::Fixed64 => (0, i128::from(u64::MAX)),
                    _ => (i128::from(i64::MIN), i128::from(i64::MAX)),
                };
                if negative && min == 0 {
                    self.at -= 1;
                    return self.error("Unsigned field can't have negative default value.");
                }
                if !(min..=max).contains(&value) {
                    return self.error("Integer out of range.");
                }
                value.to_string()
            }
            // A message or enum name, resolved later: an enum value's name is all it can be.
            None => match self.peek() {
                Some(Token::Ident(word)) if !negative => word.clone(),
                _ => return self.error("Default value for an enum field must be an identifier."),
            },
        };
        self.at += 1;
        Ok(value)
    }
}

/// `bytes` as protoc's C escaping writes them: `\n`, `\r`, `\t`, `\"`, `\'` and `\\`, other
/// bytes outside printable ASCII as three octal digits (`\001`, `\377`).
pub(crate) fn c_escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &byte in bytes {
        match byte {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\'' => out.push_str("\\'"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\{byte:03o}")),
        }
    }
    out
}

/// A `double` default: `%.15g`, or `%.17g` when 15 digits do not read back the same value.
pub(crate) fn format_double(value: f64) -> String {
    if let Some(special) = special(value) {
        return special.to_owned();
    }
    let short = format_g(value, 15);
    if short.parse::<f64>().ok() == Some(value) {
        short
    } else {
        format_g(value, 17)
    }
}

/// A `float` default: the value as a `float`, then `%.6g`, or `%.9g` when 6 digits do not read
/// back the same `float`.
pub(crate) fn format_float(value: f64) -> String {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "a float default is the double rounded to float, as protoc does"
    )]
    let value = value as f32;
    if let Some(special) = special(f64::from(value)) {
        return special.to_owned();
    }
    let short = format_g(f64::from(value), 6);
    if short.parse::<f32>().ok() == Some(value) {
        short
    } else {
        format_g(f64::from(value), 9)
    }
}

fn special(value: f64) -> Option<&'static str> {
    if value.is_nan() {
        Some("nan")
    } else if value == f64::INFINITY {
        Some("inf")
    } else if value == f64::NEG_INFINITY {
        Some("-inf")
    } else {
        None
    }
}

/// C's `%.{precision}g` of a finite value: `precision` significant digits, trailing zeros
/// dropped, in exponent form (`1e+100`, `1.5e-07`) when the exponent is below -4 or at least
/// `precision`.
pub(crate) fn format_g(value: f64, precision: usize) -> String {
    let precision = precision.max(1);
    // `d.ddddde±x`, rounded to `precision` digits: its exponent decides the form.
    let scientific = format!("{value:.*e}", precision - 1);
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let limit = i64::try_from(precision).unwrap_or(i64::MAX);
    if exponent < -4 || exponent >= limit {
        let mantissa = trim_zeros(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
    } else {
        let decimals = usize::try_from(limit - 1 - exponent).unwrap_or(0);
        trim_zeros(&format!("{value:.decimals$}")).to_owned()
    }
}

/// `1.500` → `1.5`, `2.000` → `2`; text without a `.` is left as it is.
fn trim_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_printf_g() {
        assert_eq!(format_g(1500.0, 15), "1500");
        assert_eq!(format_g(1e100, 15), "1e+100");
        assert_eq!(format_g(0.1, 15), "0.1");
        assert_eq!(format_g(1.5e-7, 15), "1.5e-07");
        assert_eq!(format_g(0.0001, 6), "0.0001");
        assert_eq!(format_g(123456.0, 6), "123456");
        assert_eq!(format_g(1234567.0, 6), "1.23457e+06");
        assert_eq!(format_g(-0.0, 15), "-0");
    }

    #[test]
    fn doubles_and_floats_read_back() {
        assert_eq!(format_double(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_double(f64::NEG_INFINITY), "-inf");
        assert_eq!(format_double(f64::NAN), "nan");
        assert_eq!(format_float(0.1), "0.1");
        assert_eq!(format_float(16_777_217.0), "16777216");
        assert_eq!(format_float(1e100), "inf");
        assert_eq!(format_float(3.4028235e38), "3.40282347e+38");
    }

    #[test]
    fn bytes_are_c_escaped() {
        assert_eq!(
            c_escape(b"\x01\xffa\\b'\"\t\x7f\n\r "),
            "\\001\\377a\\\\b\\'\\\"\\t\\177\\n\\r "
        );
    }
}
