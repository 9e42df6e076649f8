//! `LEN` records: a length, then a string, bytes, a nested message or packed values; without
//! a schema, the guess `protoc --decode_raw` makes.
//!
//! From the encoding guide
//! ([Length-Delimited Records](https://protobuf.dev/programming-guides/encoding/#length-types),
//! [Packed Repeated Fields](https://protobuf.dev/programming-guides/encoding/#packed)): "Submessage
//! fields also use the `LEN` wire type"; a packed field is "a single `LEN` record containing
//! each element concatenated", with no key before each element.

use std::ops::Range;

use super::reader::Reader;
use super::walk::{Step, Treat, Walker, wire_type_of};
use super::{Role, notes, values};
use crate::dynamic::{FieldInfo, Kind, Types};
use crate::protobuf::RECURSION_LIMIT;

impl<'t> Walker<'_, 't> {
    /// A `LEN` record's length and contents.
    pub(super) fn len_record(
        &mut self,
        r: &mut Reader<'_>,
        depth: usize,
        nesting: u32,
        treat: Treat<'t>,
    ) -> Step {
        let len = match r.varint() {
            Ok(len) => len,
            Err(e) => return self.bad_varint(r, e, depth, "the length").into(),
        };
        let remaining = r.remaining();
        let Some(content) = usize::try_from(len.value).ok().and_then(|n| r.take(n)) else {
            let note = format!(
                "error: length {}, but only {} follow",
                len.value,
                notes::count(remaining, "byte")
            );
            return self.fail(r, len.at, depth, note).into();
        };
        match treat {
            Treat::Field(types, f) => self.len_field(types, f, len.at, content, depth, nesting),
            Treat::Packed(types, f) => self.packed(types, f, len.at, content, depth),
            Treat::Raw => self.raw_len(len.at, content, depth, nesting),
        }
        Step::Next
    }

    /// The contents of a `LEN` record of field `f`: a string, bytes or a message.
    fn len_field(
        &mut self,
        types: &'t Types,
        f: &FieldInfo,
        len_at: Range<usize>,
        content: Range<usize>,
        depth: usize,
        nesting: u32,
    ) {
        let n = content.len();
        let bytes = &self.bytes[content.clone()];
        match f.kind {
            Kind::Message(id) => {
                let info = types.message(id);
                if n == 0 {
                    let note = format!(
                        "length 0: an empty {} (every field has its default value)",
                        info.full_name
                    );
                    self.push(len_at, depth, Role::Length, note);
                    return;
                }
                let note = if info.map_entry {
                    format!("length {n}: a map entry (key = field 1, value = field 2)")
                } else {
                    format!("length {n}: a {}", info.full_name)
                };
                self.push(len_at, depth, Role::Length, note);
                if nesting >= RECURSION_LIMIT {
                    let note = format!(
                        "error: a message nested more than {RECURSION_LIMIT} levels deep: not read"
                    );
                    self.push(content, depth + 1, Role::Error, note);
                    return;
                }
                let mut inner = Reader::new(self.bytes, content);
                self.records(&mut inner, depth + 1, nesting + 1, Some(id), None);
            }
            Kind::String | Kind::Bytes if n == 0 => {
                let empty = if f.kind == Kind::String {
                    "\"\""
                } else {
                    "no bytes"
                };
                let note = format!("length 0: {} = {empty}", f.name);
                self.push(len_at, depth, Role::Length, note);
            }
            Kind::String => {
                self.push(len_at, depth, Role::Length, format!("length {n}"));
                self.push(content, depth, Role::Value, values::string(&f.name, bytes));
            }
            Kind::Bytes => {
                self.push(len_at, depth, Role::Length, format!("length {n}"));
                self.push(content, depth, Role::Value, values::bytes(&f.name, bytes));
            }
            // `treat` gives a field LEN records only of the three kinds above.
            _ => self.raw_len(len_at, content, depth, nesting),
        }
    }

    /// The contents of a packed repeated field: its values one after the other, no keys.
    fn packed(
        &mut self,
        types: &'t Types,
        f: &FieldInfo,
        len_at: Range<usize>,
        content: Range<usize>,
        depth: usize,
    ) {
        let kind = notes::kind_name(types, f.kind);
        let note = match content.len() {
            0 => format!("length 0: packed, no {kind} values"),
            n => format!("length {n}: packed {kind} values, one after another, without keys"),
        };
        self.push(len_at, depth, Role::Length, note);
        let mut r = Reader::new(self.bytes, content);
        let wire_type = wire_type_of(f.kind);
        let mut index = 0usize;
        while !r.at_end() {
            let label = format!("{}[{index}]", f.name);
            index += 1;
            if wire_type == 0 {
                match r.varint() {
                    Ok(v) => {
                        let bytes = &self.bytes[v.at.clone()];
                        let note = values::varint(types, f, &label, bytes, v.value);
                        self.push(v.at, depth + 1, Role::Value, note);
                    }
                    Err(e) => {
                        self.bad_varint(&mut r, e, depth + 1, "a packed value");
                    }
                }
                continue;
            }
            let size = if wire_type == 1 { 8 } else { 4 };
            match r.take(size) {
                Some(at) => {
                    let note =
                        values::fixed(Some((types, f)), Some(&label), &self.bytes[at.clone()]);
                    self.push(at, depth + 1, Role::Value, note);
                }
                None => {
                    let at = r.pos..r.end;
                    let note = format!(
                        "error: {} left over: a {kind} is {size} bytes",
                        notes::count(at.len(), "byte")
                    );
                    self.fail(&mut r, at, depth + 1, note);
                }
            }
        }
    }

    /// The contents of a `LEN` record without a schema: a message if they parse as one (as
    /// `protoc --decode_raw` guesses), else a string if UTF-8, else bytes.
    fn raw_len(&mut self, len_at: Range<usize>, content: Range<usize>, depth: usize, nesting: u32) {
        let n = content.len();
        if n == 0 {
            let note = "length 0: empty (a string, bytes or message with nothing in it)";
            self.push(len_at, depth, Role::Length, note.to_owned());
            return;
        }
        if nesting < RECURSION_LIMIT && is_message(self.bytes, content.clone(), nesting + 1) {
            let note =
                format!("length {n}: the bytes parse as a message, so they are shown as one");
            self.push(len_at, depth, Role::Length, note);
            let mut inner = Reader::new(self.bytes, content);
            self.records(&mut inner, depth + 1, nesting + 1, None, None);
            return;
        }
        self.push(len_at, depth, Role::Length, format!("length {n}"));
        let note = values::raw_len(&self.bytes[content.clone()]);
        self.push(content, depth, Role::Value, note);
    }
}

/// Whether `bytes[span]` reads as a message to the end: valid keys, values that fit, groups
/// closed, at most [`RECURSION_LIMIT`] levels of them. The contents of `LEN` values are not
/// looked into (any bytes may be a string).
pub(super) fn is_message(bytes: &[u8], span: Range<usize>, nesting: u32) -> bool {
    skim(&mut Reader::new(bytes, span), nesting, None)
}

fn skim(r: &mut Reader<'_>, nesting: u32, group: Option<u32>) -> bool {
    while !r.at_end() {
        let Some(key) = r.varint().ok().and_then(|k| u32::try_from(k.value).ok()) else {
            return false;
        };
        let number = key >> 3;
        if number == 0 {
            return false;
        }
        let fits = match key & 7 {
            0 => r.varint().is_ok(),
            1 => r.take(8).is_some(),
            2 => r
                .varint()
                .ok()
                .and_then(|len| usize::try_from(len.value).ok())
                .and_then(|n| r.take(n))
                .is_some(),
            3 => nesting < RECURSION_LIMIT && skim(r, nesting + 1, Some(number)),
            4 => return group == Some(number),
            5 => r.take(4).is_some(),
            _ => false,
        };
        if !fits {
            return false;
        }
    }
    group.is_none()
}
