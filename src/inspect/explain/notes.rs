//! The wording shared by the notes: wire types, a varint's 7-bit groups, quoted strings and hex
//! cut to a bounded length, and a field's type as a `.proto` file writes it.

use std::fmt::Write;

use crate::dynamic::{Cardinality, FieldInfo, Kind, Types};

/// At most this many characters of a string value are quoted in a note ("…" marks the cut).
pub(super) const MAX_QUOTED_CHARS: usize = 64;

/// At most this many bytes of a `bytes` value are written in hex in a note.
pub(super) const MAX_HEX_BYTES: usize = 24;

/// The encoding guide's name of wire type `wire_type` (0 to 7).
pub(super) fn wire_type_name(wire_type: u8) -> &'static str {
    match wire_type {
        0 => "VARINT",
        1 => "I64",
        2 => "LEN",
        3 => "SGROUP",
        4 => "EGROUP",
        5 => "I32",
        _ => "no such wire type",
    }
}

/// `field 1 << 3 | wire type 2 (LEN) = 0x0a`; a key of more than one byte says how its
/// varint adds up: `field 99 << 3 | wire type 0 (VARINT) = 0x318 = 0x18 + 0x06 << 7`.
pub(super) fn key(bytes: &[u8], number: u64, wire_type: u8, key: u64) -> String {
    let name = wire_type_name(wire_type);
    let mut note = format!("field {number} << 3 | wire type {wire_type} ({name}) = {key:#04x}");
    if bytes.len() > 1 {
        let groups = varint(bytes, key);
        let sum = groups
            .split_once(" = ")
            .map_or(groups.as_str(), |(_, sum)| sum);
        let _ = write!(note, " = {sum}");
    }
    note
}

/// A varint's value from its bytes, for a learner: `150 = 0x16 + 0x01 << 7` (only the value
/// when it is a single byte).
pub(super) fn varint(bytes: &[u8], value: u64) -> String {
    if bytes.len() <= 1 {
        return value.to_string();
    }
    let mut out = format!("{value} = ");
    for (i, byte) in bytes.iter().enumerate() {
        let group = byte & 0x7f;
        if i == 0 {
            let _ = write!(out, "{group:#04x}");
        } else {
            let _ = write!(out, " + {group:#04x} << {}", 7 * i);
        }
    }
    out
}

/// A string value between quotes, with `"`, `\` and control characters escaped, cut after
/// [`MAX_QUOTED_CHARS`] characters with "…".
pub(super) fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for (i, c) in text.chars().enumerate() {
        if i == MAX_QUOTED_CHARS {
            out.push_str("\"… (");
            let _ = write!(out, "{} characters)", text.chars().count());
            return out;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Bytes in hex (`00 01 ff`), cut after [`MAX_HEX_BYTES`] with "…".
pub(super) fn hex(bytes: &[u8]) -> String {
    let mut out = String::new();
    for (i, byte) in bytes.iter().take(MAX_HEX_BYTES).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{byte:02x}");
    }
    if bytes.len() > MAX_HEX_BYTES {
        out.push_str(" …");
    }
    out
}

/// A floating-point value, shortest form that reads back the same: plain for everyday
/// magnitudes, with an exponent (`1e-300`) for the others, which would print hundreds of digits.
pub(super) fn float(value: f64) -> String {
    let magnitude = value.abs();
    if value == 0.0 || !value.is_finite() || (1e-6..1e16).contains(&magnitude) {
        value.to_string()
    } else {
        format!("{value:e}")
    }
}

/// Like [`float`], for a `float`.
pub(super) fn float32(value: f32) -> String {
    let magnitude = value.abs();
    if value == 0.0 || !value.is_finite() || (1e-6..1e16).contains(&magnitude) {
        value.to_string()
    } else {
        format!("{value:e}")
    }
}

/// The low 32 bits of `value`: what a 32-bit field keeps of a varint ("If you use `int32` or
/// `int64` […] parsed as a 32-bit type, it is truncated", as the C++ runtime does).
#[expect(
    clippy::cast_possible_truncation,
    reason = "truncation is protobuf's rule here"
)]
pub(super) fn low32(value: u64) -> u32 {
    value as u32
}

/// `s` bytes, or `1 byte`.
pub(super) fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The type of one value of `kind`: `string`, `sint32`, `hello.HelloRequest`.
pub(super) fn kind_name(types: &Types, kind: Kind) -> String {
    let name = match kind {
        Kind::Double => "double",
        Kind::Float => "float",
        Kind::Int64 => "int64",
        Kind::Uint64 => "uint64",
        Kind::Int32 => "int32",
        Kind::Fixed64 => "fixed64",
        Kind::Fixed32 => "fixed32",
        Kind::Bool => "bool",
        Kind::String => "string",
        Kind::Bytes => "bytes",
        Kind::Uint32 => "uint32",
        Kind::Sfixed32 => "sfixed32",
        Kind::Sfixed64 => "sfixed64",
        Kind::Sint32 => "sint32",
        Kind::Sint64 => "sint64",
        Kind::Enum(id) => return types.enumeration(id).full_name.clone(),
        Kind::Message(id) => return types.message(id).full_name.clone(),
        Kind::Group(id) => return format!("group {}", types.message(id).full_name),
    };
    name.to_owned()
}

/// A field's declaration, as a learner would look it up: `name (string)`,
/// `quantities (repeated int32, packed)`, `by_name (map<string, shop.v2.Defaults>)`.
pub(super) fn field(types: &Types, f: &FieldInfo) -> String {
    let ty = match f.cardinality {
        Cardinality::Singular => kind_name(types, f.kind),
        Cardinality::Repeated if f.packed => {
            format!("repeated {}, packed", kind_name(types, f.kind))
        }
        Cardinality::Repeated => format!("repeated {}", kind_name(types, f.kind)),
        Cardinality::Map => match f.kind {
            Kind::Message(id) => {
                let entry = types.message(id);
                let part = |n: u32| {
                    entry
                        .field_index(n)
                        .map(|i| kind_name(types, entry.fields[i].kind))
                        .unwrap_or_else(|| "?".to_owned())
                };
                format!("map<{}, {}>", part(1), part(2))
            }
            other => format!("map of {}", kind_name(types, other)),
        },
    };
    format!("{} ({ty})", f.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_groups_low_first() {
        assert_eq!(varint(&[0x08], 8), "8");
        assert_eq!(varint(&[0x96, 0x01], 150), "150 = 0x16 + 0x01 << 7");
        assert_eq!(
            varint(&[0x80, 0x80, 0x01], 16384),
            "16384 = 0x00 + 0x00 << 7 + 0x01 << 14"
        );
    }

    #[test]
    fn strings_are_escaped_and_bounded() {
        assert_eq!(quoted("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\u{1}é\"");
        let long = "x".repeat(1000);
        let q = quoted(&long);
        assert!(q.ends_with("\"… (1000 characters)"), "{q}");
        assert!(q.len() < 100, "{q}");
    }

    #[test]
    fn floats_stay_short() {
        assert_eq!(float(1.5), "1.5");
        assert_eq!(float(-0.0), "-0");
        assert_eq!(float(1e-300), "1e-300");
        assert_eq!(float(f64::MAX), "1.7976931348623157e308");
        assert_eq!(float32(f32::MIN_POSITIVE), "1.1754944e-38");
        assert_eq!(float(f64::NAN), "NaN");
    }

    #[test]
    fn hex_is_bounded() {
        assert_eq!(hex(&[0, 1, 0xff]), "00 01 ff");
        let h = hex(&[0xab; 1000]);
        assert!(h.ends_with(" …") && h.len() < 80, "{h}");
    }

    #[test]
    fn keys_name_their_wire_type() {
        assert_eq!(
            key(&[0x0a], 1, 2, 0x0a),
            "field 1 << 3 | wire type 2 (LEN) = 0x0a"
        );
        assert_eq!(
            key(&[0xb5, 0x09], 150, 5, 0x4b5),
            "field 150 << 3 | wire type 5 (I32) = 0x4b5 = 0x35 + 0x09 << 7"
        );
    }
}
