//! Messages to JSON text, written straight into one `String`.
//!
//! The layout with [`PrintOptions::pretty`] is Go's `json.Indent(compact, "", "  ")`, which is
//! what grpcurl prints: a newline and the indent after `{`, `[` and `,` (but `{}` and `[]` when
//! empty), a space after `:`. Pretty output also escapes `<`, `>`, `&`, U+2028 and U+2029 as
//! Go's `json.Marshal` does; compact output escapes only what JSON requires.
//!
//! Floats are written with the fewest digits that read back to the same value, in the form of
//! Go's `strconv.FormatFloat(f, 'g', -1, bits)` (grpcurl again): plain decimals for exponents
//! -4 to 5 (`0.0001`, `123456`), else `1e+06`, `1.5e-07`.

use std::fmt::Write;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::{JsonError, PathSegment, PrintOptions, Wkt, wkt};
use crate::dynamic::{Cardinality, FieldInfo, Kind, MapKey, MessageId, MessageValue, Types, Value};
use crate::protobuf::RECURSION_LIMIT;

pub(crate) struct Printer<'a> {
    pub(super) out: String,
    pub(super) types: &'a Arc<Types>,
    options: &'a PrintOptions,
    /// Indent level (pretty output).
    level: usize,
    /// Messages entered.
    depth: u32,
    scratch: String,
}

impl<'a> Printer<'a> {
    pub(crate) fn new(types: &'a Arc<Types>, options: &'a PrintOptions) -> Self {
        Self {
            out: String::with_capacity(256),
            types,
            options,
            level: 0,
            depth: 0,
            scratch: String::new(),
        }
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }

    /// Writes `{` or `[`; returns the "no item yet" flag for [`item`](Self::item).
    pub(super) fn open(&mut self, c: char) -> bool {
        self.out.push(c);
        self.level += 1;
        true
    }

    /// Before an item of an object or list: a comma after the first, and the line break.
    pub(super) fn item(&mut self, first: &mut bool) {
        if !*first {
            self.out.push(',');
        }
        *first = false;
        if self.options.pretty {
            self.newline();
        }
    }

    pub(super) fn close(&mut self, c: char, first: bool) {
        self.level -= 1;
        if self.options.pretty && !first {
            self.newline();
        }
        self.out.push(c);
    }

    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.level {
            self.out.push_str("  ");
        }
    }

    /// `"name":` (and a space when pretty).
    pub(super) fn key(&mut self, name: &str) {
        self.string(name);
        self.out.push(':');
        if self.options.pretty {
            self.out.push(' ');
        }
    }

    /// A message: its special form if it is a well-known type, else an object of its fields.
    pub(crate) fn message(&mut self, id: MessageId, value: &MessageValue) -> Result<(), JsonError> {
        self.depth += 1;
        if self.depth > RECURSION_LIMIT {
            return Err(JsonError::new(format!(
                "messages nested more than {RECURSION_LIMIT} levels deep"
            )));
        }
        let types = self.types;
        let info = types.message(id);
        match Wkt::of(info) {
            Some(Wkt::Empty) | None => {
                let mut first = self.open('{');
                self.fields(id, value, &mut first)?;
                self.close('}', first);
            }
            Some(kind) => wkt::print(self, kind, id, value)?,
        }
        self.depth -= 1;
        Ok(())
    }

    /// The fields of a message, as items of an object already open.
    pub(super) fn fields(
        &mut self,
        id: MessageId,
        value: &MessageValue,
        first: &mut bool,
    ) -> Result<(), JsonError> {
        let types = self.types;
        let info = types.message(id);
        if self.options.emit_defaults {
            for (index, field) in info.fields.iter().enumerate() {
                match value.get(index) {
                    Some(v) => self.field(field, v, first)?,
                    None if field.oneof.is_some() || field.is_extension => {}
                    None => {
                        self.item(first);
                        self.key(self.name(field));
                        match (field.cardinality, field.kind) {
                            (Cardinality::Repeated, _) => self.out.push_str("[]"),
                            (Cardinality::Map, _) => self.out.push_str("{}"),
                            (_, Kind::Message(_) | Kind::Group(_)) => self.out.push_str("null"),
                            (_, kind) => self.singular(kind, &Value::default_of(kind))?,
                        }
                    }
                }
            }
        } else {
            for (index, v) in value.fields() {
                let field = &info.fields[index];
                if field.presence || !v.is_default() {
                    self.field(field, v, first)?;
                }
            }
        }
        Ok(())
    }

    fn name<'f>(&self, field: &'f FieldInfo) -> &'f str {
        if self.options.proto_names && !field.is_extension {
            &field.name
        } else {
            &field.json_name
        }
    }

    fn field(
        &mut self,
        field: &FieldInfo,
        value: &Value,
        first: &mut bool,
    ) -> Result<(), JsonError> {
        self.item(first);
        self.key(self.name(field));
        self.value(field, value)
            .map_err(|e| e.within(PathSegment::Field(self.name(field).to_owned())))
    }

    /// The value of a field: a list, a map or one value.
    pub(super) fn value(&mut self, field: &FieldInfo, value: &Value) -> Result<(), JsonError> {
        match (field.cardinality, value) {
            (Cardinality::Repeated, Value::List(items)) => {
                let mut first = self.open('[');
                for (i, item) in items.iter().enumerate() {
                    self.item(&mut first);
                    self.singular(field.kind, item)
                        .map_err(|e| e.within(PathSegment::Index(i)))?;
                }
                self.close(']', first);
                Ok(())
            }
            (Cardinality::Map, Value::Map(entries)) => {
                let types = self.types;
                let value_kind = match field.kind {
                    Kind::Message(entry) => {
                        let entry = types.message(entry);
                        entry.field_index(2).map(|i| entry.fields[i].kind)
                    }
                    _ => None,
                };
                let value_kind =
                    value_kind.ok_or_else(|| JsonError::new("a map field with no value field"))?;
                let mut first = self.open('{');
                for (key, item) in entries {
                    self.item(&mut first);
                    self.map_key(key);
                    self.singular(value_kind, item)
                        .map_err(|e| e.within(PathSegment::Key(key_string(key))))?;
                }
                self.close('}', first);
                Ok(())
            }
            (Cardinality::Singular, value) => self.singular(field.kind, value),
            _ => Err(mismatch()),
        }
    }

    fn map_key(&mut self, key: &MapKey) {
        match key {
            MapKey::String(s) => self.key(s),
            other => {
                self.out.push('"');
                let _ = match other {
                    MapKey::Bool(v) => write!(self.out, "{v}"),
                    MapKey::I32(v) => write!(self.out, "{v}"),
                    MapKey::I64(v) => write!(self.out, "{v}"),
                    MapKey::U32(v) => write!(self.out, "{v}"),
                    MapKey::U64(v) => write!(self.out, "{v}"),
                    MapKey::String(_) => Ok(()),
                };
                self.out.push_str("\":");
                if self.options.pretty {
                    self.out.push(' ');
                }
            }
        }
    }

    /// One value of kind `kind`.
    pub(super) fn singular(&mut self, kind: Kind, value: &Value) -> Result<(), JsonError> {
        let out = &mut self.out;
        let _ = match (kind, value) {
            (Kind::Double, Value::F64(v)) => {
                float(
                    out,
                    &mut self.scratch,
                    *v,
                    v.is_nan(),
                    v.is_infinite(),
                    *v < 0.0,
                );
                Ok(())
            }
            (Kind::Float, Value::F32(v)) => {
                float(
                    out,
                    &mut self.scratch,
                    *v,
                    v.is_nan(),
                    v.is_infinite(),
                    *v < 0.0,
                );
                Ok(())
            }
            (Kind::Int64 | Kind::Sint64 | Kind::Sfixed64, Value::I64(v)) => {
                self.integer(*v, true);
                Ok(())
            }
            (Kind::Uint64 | Kind::Fixed64, Value::U64(v)) => {
                self.integer(*v, true);
                Ok(())
            }
            (Kind::Int32 | Kind::Sint32 | Kind::Sfixed32, Value::I32(v)) => {
                self.integer(*v, false);
                Ok(())
            }
            (Kind::Uint32 | Kind::Fixed32, Value::U32(v)) => {
                self.integer(*v, false);
                Ok(())
            }
            (Kind::Bool, Value::Bool(v)) => {
                out.push_str(if *v { "true" } else { "false" });
                Ok(())
            }
            (Kind::String, Value::String(s)) => {
                self.string(s);
                Ok(())
            }
            (Kind::String, Value::Bytes(b)) => {
                self.string(&String::from_utf8_lossy(b));
                Ok(())
            }
            (Kind::Bytes, Value::Bytes(b)) => {
                out.push('"');
                STANDARD.encode_string(b, out);
                out.push('"');
                Ok(())
            }
            (Kind::Enum(id), Value::Enum(n)) => {
                let info = self.types.enumeration(id);
                if info.full_name == "google.protobuf.NullValue" {
                    out.push_str("null");
                    Ok(())
                } else if let Some(name) = info.name_of(*n) {
                    self.string(name);
                    Ok(())
                } else {
                    write!(out, "{n}")
                }
            }
            (Kind::Message(id) | Kind::Group(id), Value::Message(m)) => return self.message(id, m),
            _ => return Err(mismatch()),
        };
        Ok(())
    }

    /// A JSON string. Most strings need no escape: one pass over a table finds that, and the
    /// string goes in whole.
    pub(super) fn string(&mut self, s: &str) {
        let go = self.options.pretty;
        let table = if go { &ESCAPE_GO } else { &ESCAPE };
        let bytes = s.as_bytes();
        let out = &mut self.out;
        out.push('"');
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if !table[usize::from(b)] {
                i += 1;
                continue;
            }
            let escape: Option<&str> = match b {
                b'"' => Some("\\\""),
                b'\\' => Some("\\\\"),
                b'\n' => Some("\\n"),
                b'\r' => Some("\\r"),
                b'\t' => Some("\\t"),
                0..0x20 | b'<' | b'>' | b'&' => Some(""),
                // 0xe2: U+2028 and U+2029 (e2 80 a8, e2 80 a9) are escaped, as Go does.
                _ if bytes.get(i + 1) == Some(&0x80) => match bytes.get(i + 2) {
                    Some(0xa8) => Some("\\u2028"),
                    Some(0xa9) => Some("\\u2029"),
                    _ => None,
                },
                _ => None,
            };
            if let Some(escape) = escape {
                out.push_str(&s[start..i]);
                if escape.is_empty() {
                    let _ = write!(out, "\\u{b:04x}");
                    start = i + 1;
                } else {
                    out.push_str(escape);
                    // U+2028 and U+2029 are three bytes.
                    start = if escape.len() == 6 { i + 3 } else { i + 1 };
                }
                i = start;
            } else {
                i += 1;
            }
        }
        // `start` only moves past whole characters (ASCII bytes or a whole U+2028/9).
        if let Some(rest) = s.get(start..) {
            out.push_str(rest);
        }
        out.push('"');
    }

    /// An integer, in decimal (quoted for the 64-bit kinds).
    fn integer(&mut self, value: impl itoa::Integer, quoted: bool) {
        let mut buffer = itoa::Buffer::new();
        let digits = buffer.format(value);
        if quoted {
            self.out.push('"');
            self.out.push_str(digits);
            self.out.push('"');
        } else {
            self.out.push_str(digits);
        }
    }
}

/// The bytes that may start an escape in a JSON string: control characters, `"` and `\`.
const ESCAPE: [bool; 256] = escape_table(false);
/// The same, and what Go's encoder also escapes in pretty output: `<`, `>`, `&`, and the first
/// byte of U+2028 and U+2029.
const ESCAPE_GO: [bool; 256] = escape_table(true);

const fn escape_table(go: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    if go {
        table[b'<' as usize] = true;
        table[b'>' as usize] = true;
        table[b'&' as usize] = true;
        table[0xe2] = true;
    }
    table
}

/// The shortest decimal digits of finite `value` in `scratch` as a mantissa `-d.ddd` (one
/// digit before the point, none after when there is only one), and the decimal exponent:
/// `92.5` is `9.25` and 1, `1e-7` is `1` and -7, `-0.0` is `-0` and 0.
fn shortest<F: ryu::Float>(value: F, scratch: &mut String) -> i32 {
    let mut buffer = ryu::Buffer::new();
    // ryu writes `123.0`, `0.001`, `1.5e-7` or `1e21`.
    let text = buffer.format_finite(value);
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (decimal, exponent) = text.split_once('e').unwrap_or((text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (whole, fraction) = decimal.split_once('.').unwrap_or((decimal, ""));
    // The digits, and where the point is among them: `whole.fraction` × 10^exponent.
    let digits = whole.bytes().chain(fraction.bytes());
    let mut point = i32::try_from(whole.len()).unwrap_or(0) + exponent;
    scratch.clear();
    if negative {
        scratch.push('-');
    }
    let mut significant = 0;
    for digit in digits {
        if significant == 0 && digit == b'0' {
            // A leading zero moves the point.
            point -= 1;
            continue;
        }
        scratch.push(char::from(digit));
        significant += 1;
        if significant == 1 {
            scratch.push('.');
        }
    }
    while scratch.ends_with('0') {
        scratch.pop();
    }
    if scratch.ends_with('.') {
        scratch.pop();
    }
    if significant == 0 {
        scratch.push('0');
        return 0;
    }
    point - 1
}

/// A finite float in Go's `'g'` form with the shortest digits; the three others as strings.
fn float<F: ryu::Float>(
    out: &mut String,
    scratch: &mut String,
    value: F,
    nan: bool,
    infinite: bool,
    negative: bool,
) {
    if nan {
        out.push_str("\"NaN\"");
        return;
    }
    if infinite {
        out.push_str(if negative {
            "\"-Infinity\""
        } else {
            "\"Infinity\""
        });
        return;
    }
    // One formatting pass (ryu: the shortest digits that read back exactly), brought to the
    // exponent form `-1.2345`, 6, then laid out.
    let exponent = shortest(value, scratch);
    let mantissa = scratch.as_str();
    if !(-4..6).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "{mantissa}e{sign}{:02}", exponent.unsigned_abs());
        return;
    }
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let (first, rest) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    out.push_str(sign);
    // `exponent` is in -4..6, so these conversions cannot fail.
    let point = usize::try_from(exponent.unsigned_abs()).unwrap_or(0);
    if exponent < 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', point - 1));
        out.push_str(first);
        out.push_str(rest);
    } else if rest.len() <= point {
        out.push_str(first);
        out.push_str(rest);
        out.extend(std::iter::repeat_n('0', point - rest.len()));
    } else {
        out.push_str(first);
        out.push_str(&rest[..point]);
        out.push('.');
        out.push_str(&rest[point..]);
    }
}

fn key_string(key: &MapKey) -> String {
    match key {
        MapKey::Bool(v) => v.to_string(),
        MapKey::I32(v) => v.to_string(),
        MapKey::I64(v) => v.to_string(),
        MapKey::U32(v) => v.to_string(),
        MapKey::U64(v) => v.to_string(),
        MapKey::String(v) => v.to_string(),
    }
}

fn mismatch() -> JsonError {
    JsonError::new("the value does not fit the field's type")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::shortest;

    /// The mantissa and exponent core's `{:e}` writes (shortest digits too): the reference.
    fn reference(text: &str) -> (String, i32) {
        let (mantissa, exponent) = text.split_once('e').unwrap();
        (mantissa.to_owned(), exponent.parse().unwrap())
    }

    #[test]
    fn shortest_digits_of_telling_values() {
        for (value, mantissa, exponent) in [
            (92.5, "9.25", 1),
            (1e-7, "1", -7),
            (-0.0, "-0", 0),
            (0.0, "0", 0),
            (100.0, "1", 2),
            (1e21, "1", 21),
            (0.1, "1", -1),
            (f64::MAX, "1.7976931348623157", 308),
            (5e-324, "5", -324),
        ] {
            let mut scratch = String::new();
            let e = shortest(value, &mut scratch);
            assert_eq!((scratch.as_str(), e), (mantissa, exponent), "{value}");
        }
    }

    /// As short as core's digits, and reading back to the same value (where two shortest
    /// digit strings are equally near, the two may choose differently: both read back).
    fn check<
        F: ryu::Float + std::fmt::LowerExp + std::str::FromStr + PartialEq + std::fmt::Debug,
    >(
        value: F,
    ) -> Result<(), TestCaseError> {
        let mut scratch = String::new();
        let exponent = shortest(value, &mut scratch);
        let (core, core_exponent) = reference(&format!("{value:e}"));
        prop_assert_eq!(
            scratch.len(),
            core.len(),
            "{:?}: {} vs {}",
            value,
            scratch,
            core
        );
        prop_assert_eq!(exponent, core_exponent);
        let back: F = format!("{scratch}e{exponent}")
            .parse()
            .map_err(|_| TestCaseError::fail("does not parse"))?;
        prop_assert_eq!(back, value);
        Ok(())
    }

    proptest! {
        #[test]
        fn shortest_digits_read_back(bits in any::<u64>(), bits32 in any::<u32>()) {
            let value = f64::from_bits(bits);
            if value.is_finite() {
                check(value)?;
            }
            let value = f32::from_bits(bits32);
            if value.is_finite() {
                check(value)?;
            }
        }
    }
}
