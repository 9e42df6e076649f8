//! Messages to JSON text, written straight into one `String`.
//!
//! The layout with [`PrintOptions::pretty`] is Go's `json.Indent(compact, "", "  ")`, which is
//! what grpcurl prints: a newline and the indent after `{`, `[` and `,` (but `{}` and `[]` when
//! empty), a space after `:`. Pretty output also escapes `<`, `>`, `&`, U+2028 and U+2029 as
//! Go's `json.Marshal` does; compact output escapes only what JSON requires.
//!
//! Floats are laid out by [`float`](super::float).

use std::fmt::Write;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::float::float;
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
                            // A proto2 field's default is its `[default = ...]` or its enum's
                            // first value, not the zero `default_of` gives (a closed enum may
                            // have no value 0, and then the JSON would not read back): `null`,
                            // which reads back as unset, as Go's protojson prints it.
                            _ if !info.proto3 => self.out.push_str("null"),
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
                float(out, &mut self.scratch, *v);
                Ok(())
            }
            (Kind::Float, Value::F32(v)) => {
                float(out, &mut self.scratch, *v);
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
