//! The note of one value: by the field's type when there is a schema, raw otherwise.
//!
//! The same bytes mean different numbers by type
//! (<https://protobuf.dev/programming-guides/encoding/#signed-ints>): the varint `01` is 1 as
//! `int32`, `true` as `bool`, and -1 as `sint32`, whose values are ZigZag-encoded ("positive
//! integers `p` are encoded as `2 * p` (the even numbers), while negative integers `n` are
//! encoded as `2 * |n| - 1` (the odd numbers)"). `I32` and `I64` values are little-endian
//! ([Non-varint Numbers](https://protobuf.dev/programming-guides/encoding/#non-varints)).

use super::notes;
use crate::dynamic::{FieldInfo, Kind, Types};

/// A varint without a schema: `varint 150 = 0x16 + 0x01 << 7`, with its meaning as `int64`
/// when that is negative.
pub(super) fn raw_varint(bytes: &[u8], value: u64) -> String {
    let mut note = format!("varint {}", notes::varint(bytes, value));
    let signed = value as i64;
    if signed < 0 {
        note.push_str(&format!(" ({signed} as int64)"));
    }
    note
}

/// A varint of field `f`, called `label` (`age`, or `quantities[2]` in a packed field).
pub(super) fn varint(
    types: &Types,
    f: &FieldInfo,
    label: &str,
    bytes: &[u8],
    value: u64,
) -> String {
    let groups = notes::varint(bytes, value);
    let plain = |shown: String| {
        if bytes.len() > 1 {
            format!("{label} = {shown} (varint {groups})")
        } else {
            format!("{label} = {shown}")
        }
    };
    // A 32-bit field keeps the low 32 bits of its varint, as protobuf's parsers do. An int32
    // or enum is written sign-extended to 64 bits; anything else over 32 bits is cut.
    let low32 = notes::low32(value);
    let sign_extended = value == i64::from(low32 as i32) as u64;
    let cut = |exact: bool| {
        if exact {
            ""
        } else {
            "; only its low 32 bits count"
        }
    };
    match f.kind {
        Kind::Int32 => {
            let n = low32 as i32;
            if n < 0 && sign_extended {
                format!(
                    "{label} = {n} (varint {groups}: a negative int32 is written as 64 bits, \
                     ten bytes)"
                )
            } else {
                plain(format!("{n}{}", cut(sign_extended)))
            }
        }
        Kind::Int64 => plain((value as i64).to_string()),
        Kind::Uint32 => plain(format!("{low32}{}", cut(value == u64::from(low32)))),
        Kind::Uint64 => plain(value.to_string()),
        Kind::Sint32 => {
            let n = ((low32 >> 1) as i32) ^ -((low32 & 1) as i32);
            let cut = cut(value == u64::from(low32));
            format!("{label} = {n} (varint {groups}, ZigZag-decoded{cut})")
        }
        Kind::Sint64 => {
            let n = ((value >> 1) as i64) ^ -((value & 1) as i64);
            format!("{label} = {n} (varint {groups}, ZigZag-decoded)")
        }
        Kind::Bool => match value {
            0 => format!("{label} = false"),
            1 => format!("{label} = true"),
            _ => plain("true (any varint but 0 is true; 1 is how true is written)".to_owned()),
        },
        Kind::Enum(id) => {
            let e = types.enumeration(id);
            let n = low32 as i32;
            match e.name_of(n) {
                Some(name) => plain(format!("{name} ({n}){}", cut(sign_extended))),
                None => plain(format!(
                    "{n}, not a value of {}{}",
                    e.full_name,
                    cut(sign_extended)
                )),
            }
        }
        // `treat` gives a field a VARINT record only when its kind is written as one.
        _ => raw_varint(bytes, value),
    }
}

/// An `I32` or `I64` value (`bytes` is 4 or 8 long), as field `f` (called `label`, else by its
/// name) reads it, or raw: `I64 0x3ff8000000000000: 4609434218613702656 as fixed64, 1.5 as
/// double`.
pub(super) fn fixed(
    field: Option<(&Types, &FieldInfo)>,
    label: Option<&str>,
    bytes: &[u8],
) -> String {
    let mut eight = [0; 8];
    let n = bytes.len().min(8);
    eight[..n].copy_from_slice(&bytes[..n]);
    let u64v = u64::from_le_bytes(eight);
    let u32v = notes::low32(u64v);
    let Some((_, f)) = field else {
        return if n == 8 {
            let signed = u64v as i64;
            let signed = if signed < 0 {
                format!(", {signed} as sfixed64")
            } else {
                String::new()
            };
            format!(
                "I64 {u64v:#018x}: {u64v} as fixed64{signed}, {} as double (8 bytes, little-endian)",
                notes::float(f64::from_bits(u64v))
            )
        } else {
            let signed = u32v as i32;
            let signed = if signed < 0 {
                format!(", {signed} as sfixed32")
            } else {
                String::new()
            };
            format!(
                "I32 {u32v:#010x}: {u32v} as fixed32{signed}, {} as float (4 bytes, little-endian)",
                notes::float32(f32::from_bits(u32v))
            )
        };
    };
    let label = label.unwrap_or(&f.name);
    let (shown, ty) = match f.kind {
        Kind::Double => (notes::float(f64::from_bits(u64v)), "double"),
        Kind::Fixed64 => (u64v.to_string(), "fixed64"),
        Kind::Sfixed64 => ((u64v as i64).to_string(), "sfixed64"),
        Kind::Float => (notes::float32(f32::from_bits(u32v)), "float"),
        Kind::Fixed32 => (u32v.to_string(), "fixed32"),
        Kind::Sfixed32 => ((u32v as i32).to_string(), "sfixed32"),
        // `treat` gives a field an I32 or I64 record only when its kind is written as one.
        _ => return fixed(None, None, bytes),
    };
    format!("{label} = {shown} ({ty}: {n} bytes, little-endian)")
}

/// A `string` value: quoted, or its bytes when they are not UTF-8.
pub(super) fn string(label: &str, bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => format!("{label} = {}", notes::quoted(text)),
        Err(_) => format!(
            "{label} = {} that are not UTF-8: {} (a proto3 parser refuses them)",
            notes::count(bytes.len(), "byte"),
            notes::hex(bytes)
        ),
    }
}

/// A `bytes` value, in hex.
pub(super) fn bytes(label: &str, bytes: &[u8]) -> String {
    format!(
        "{label} = {}: {}",
        notes::count(bytes.len(), "byte"),
        notes::hex(bytes)
    )
}

/// A `LEN` value without a schema that is not a message: a string when UTF-8, else bytes.
pub(super) fn raw_len(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => format!("{} (UTF-8: a string, or bytes)", notes::quoted(text)),
        Err(_) => format!(
            "{}, not UTF-8 nor a message: {}",
            notes::count(bytes.len(), "byte"),
            notes::hex(bytes)
        ),
    }
}
