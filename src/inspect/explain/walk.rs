//! The records of a message, one after the other: each key, then its value by wire type; a
//! `LEN` value recursed into when it is a message (or, raw, when it parses as one), a group
//! between its `SGROUP` and `EGROUP` keys.
//!
//! Nesting, of messages and groups alike, stops at [`RECURSION_LIMIT`] levels, as the decoder
//! of [`crate::protobuf`] (and the C++ runtime) does, so the walk's own recursion is bounded.
//! An error inside a `LEN` value ends that value (the rest of it is "unparsed") and the walk
//! goes on after it: its length said where it ends. An error anywhere else ends the walk of the
//! whole span.

use std::ops::Range;

use super::reader::{Reader, VarintError};
use super::{Annotation, Role, notes, values};
use crate::dynamic::{Cardinality, FieldInfo, Kind, MessageId, MessageType, Types};
use crate::protobuf::RECURSION_LIMIT;

/// Annotates `bytes[span]` as a message of type `ty` (raw when `None`), at `depth`.
pub(super) fn annotate(
    bytes: &[u8],
    span: Range<usize>,
    depth: usize,
    ty: Option<&MessageType>,
) -> Vec<Annotation> {
    let mut walker = Walker {
        bytes,
        types: ty.map(|t| &**t.types()),
        out: Vec::new(),
    };
    let mut r = Reader::new(bytes, span);
    if r.at_end() {
        let note = "no fields: an empty message (every field has its default value)";
        walker.push(r.pos..r.pos, depth, Role::Value, note.to_owned());
    }
    walker.records(&mut r, depth, 0, ty.map(MessageType::id), None);
    walker.out
}

/// Whether a walk may go on after a span.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Flow {
    /// The span ended (or its group did) where it should.
    Done,
    /// An error was annotated and the rest of the span marked unparsed.
    Broken,
}

/// How a record is read.
#[derive(Clone, Copy)]
pub(super) enum Treat<'t> {
    /// As field `f` of the schema.
    Field(&'t Types, &'t FieldInfo),
    /// As the packed form of repeated field `f`.
    Packed(&'t Types, &'t FieldInfo),
    /// Raw: no schema, a field the schema does not declare, or a wire type that does not fit.
    Raw,
}

/// What [`Walker::record`] leaves the walk with.
pub(super) enum Step {
    /// The record was read: on to the next.
    Next,
    /// It was the `EGROUP` key of the open group.
    GroupEnd,
    /// An error ended the span.
    Broken,
}

impl From<Flow> for Step {
    fn from(flow: Flow) -> Self {
        match flow {
            Flow::Done => Self::Next,
            Flow::Broken => Self::Broken,
        }
    }
}

pub(super) struct Walker<'a, 't> {
    pub(super) bytes: &'a [u8],
    pub(super) types: Option<&'t Types>,
    pub(super) out: Vec<Annotation>,
}

impl<'t> Walker<'_, 't> {
    pub(super) fn push(&mut self, at: Range<usize>, depth: usize, role: Role, note: String) {
        self.out.push(Annotation {
            at,
            depth,
            role,
            note,
        });
    }

    /// Annotates an error at `at`, then the rest of the span as unparsed.
    pub(super) fn fail(
        &mut self,
        r: &mut Reader<'_>,
        at: Range<usize>,
        depth: usize,
        note: String,
    ) -> Flow {
        let rest = at.end.max(r.pos)..r.end;
        self.push(at, depth, Role::Error, note);
        if !rest.is_empty() {
            let note = format!(
                "unparsed: {} after the error",
                notes::count(rest.len(), "byte")
            );
            self.push(rest, depth, Role::Unparsed, note);
        }
        r.pos = r.end;
        Flow::Broken
    }

    pub(super) fn bad_varint(
        &mut self,
        r: &mut Reader<'_>,
        e: VarintError,
        depth: usize,
        what: &str,
    ) -> Flow {
        match e {
            VarintError::Truncated(at) => {
                let note = format!(
                    "error: {what} cut short: a varint's last byte has its top bit clear, and the \
                     input ends first"
                );
                self.fail(r, at, depth, note)
            }
            VarintError::TooLong(at) => {
                let note = format!("error: {what} is a varint of more than 10 bytes");
                self.fail(r, at, depth, note)
            }
        }
    }

    /// The records of the span of `r`: of message `msg` (raw when `None`), inside group
    /// `group` (ended by its `EGROUP` key) or not (ended by the span's end).
    pub(super) fn records(
        &mut self,
        r: &mut Reader<'_>,
        depth: usize,
        nesting: u32,
        msg: Option<MessageId>,
        group: Option<u32>,
    ) -> Flow {
        while !r.at_end() {
            match self.record(r, depth, nesting, msg, group) {
                Step::Next => {}
                Step::GroupEnd => return Flow::Done,
                Step::Broken => return Flow::Broken,
            }
        }
        match group {
            None => Flow::Done,
            Some(number) => {
                let note = format!("error: the input ends inside group {number} (no EGROUP key)");
                self.fail(r, r.pos..r.pos, depth, note)
            }
        }
    }

    /// One record: its key, then its value.
    fn record(
        &mut self,
        r: &mut Reader<'_>,
        depth: usize,
        nesting: u32,
        msg: Option<MessageId>,
        group: Option<u32>,
    ) -> Step {
        let key = match r.varint() {
            Ok(key) => key,
            Err(e) => return self.bad_varint(r, e, depth, "the key").into(),
        };
        let Ok(key32) = u32::try_from(key.value) else {
            let note = format!(
                "error: key {:#x} is wider than 32 bits: no field has so large a number",
                key.value
            );
            return self.fail(r, key.at, depth, note).into();
        };
        let (number, wire_type) = (key32 >> 3, key.value.to_le_bytes()[0] & 7);
        let explained = notes::key(
            &self.bytes[key.at.clone()],
            number.into(),
            wire_type,
            key.value,
        );
        if wire_type > 5 {
            let note = format!("error: {explained}: there is no wire type {wire_type}");
            return self.fail(r, key.at, depth, note).into();
        }
        if number == 0 {
            let note = format!("error: {explained}: field number 0 is not allowed");
            return self.fail(r, key.at, depth, note).into();
        }
        if wire_type == 4 {
            if group == Some(number) {
                let note = format!("{explained}: end of group {number}");
                self.push(key.at, depth.saturating_sub(1), Role::Key, note);
                return Step::GroupEnd;
            }
            let why = match group {
                Some(open) => format!("but the open group is field {open}"),
                None => "but no group is open".to_owned(),
            };
            let note = format!("error: {explained}: the end of group {number}, {why}");
            return self.fail(r, key.at, depth, note).into();
        }
        if wire_type == 3 && nesting >= RECURSION_LIMIT {
            let note = format!(
                "error: {explained}: a group nested more than {RECURSION_LIMIT} levels deep"
            );
            return self.fail(r, key.at, depth, note).into();
        }
        let (treat, note) = self.treat(msg, number, wire_type, explained);
        self.push(key.at, depth, Role::Key, note);
        match wire_type {
            0 => match r.varint() {
                Ok(v) => {
                    let bytes = &self.bytes[v.at.clone()];
                    let note = match treat {
                        Treat::Field(types, f) => values::varint(types, f, &f.name, bytes, v.value),
                        _ => values::raw_varint(bytes, v.value),
                    };
                    self.push(v.at, depth, Role::Value, note);
                    Step::Next
                }
                Err(e) => self.bad_varint(r, e, depth, "the value").into(),
            },
            1 | 5 => {
                let (size, name) = if wire_type == 1 {
                    (8, "I64")
                } else {
                    (4, "I32")
                };
                let Some(at) = r.take(size) else {
                    let at = r.pos..r.end;
                    let note = format!(
                        "error: an {name} value is {size} bytes, and only {} follow",
                        notes::count(at.len(), "byte")
                    );
                    return self.fail(r, at, depth, note).into();
                };
                let field = match treat {
                    Treat::Field(types, f) => Some((types, f)),
                    _ => None,
                };
                let note = values::fixed(field, None, &self.bytes[at.clone()]);
                self.push(at, depth, Role::Value, note);
                Step::Next
            }
            2 => self.len_record(r, depth, nesting, treat),
            _ => {
                let inner = match treat {
                    Treat::Field(
                        _,
                        FieldInfo {
                            kind: Kind::Group(id),
                            ..
                        },
                    ) => Some(*id),
                    _ => None,
                };
                match self.records(r, depth + 1, nesting + 1, inner, Some(number)) {
                    Flow::Done => Step::Next,
                    Flow::Broken => Step::Broken,
                }
            }
        }
    }

    /// How to read a record of field `number` with `wire_type` in message `msg`, and the note
    /// of its key.
    fn treat(
        &self,
        msg: Option<MessageId>,
        number: u32,
        wire_type: u8,
        explained: String,
    ) -> (Treat<'t>, String) {
        let (Some(types), Some(id)) = (self.types, msg) else {
            return (Treat::Raw, explained);
        };
        let info = types.message(id);
        let Some(index) = info.field_index(number) else {
            let note = format!(
                "{explained}: {} has no field {number}: an unknown field, decoded raw",
                info.full_name
            );
            return (Treat::Raw, note);
        };
        let f = &info.fields[index];
        let declared = notes::field(types, f);
        if wire_type == wire_type_of(f.kind) {
            (Treat::Field(types, f), format!("{explained}: {declared}"))
        } else if wire_type == 2 && f.cardinality == Cardinality::Repeated && f.kind.is_packable() {
            (Treat::Packed(types, f), format!("{explained}: {declared}"))
        } else {
            let expected = notes::wire_type_name(wire_type_of(f.kind));
            let note = format!(
                "{explained}: {declared} is written as {expected}, so this record is kept as an \
                 unknown field, decoded raw"
            );
            (Treat::Raw, note)
        }
    }
}

/// The wire type a value of `kind` is written with (packed repeated fields aside).
pub(super) fn wire_type_of(kind: Kind) -> u8 {
    match kind {
        Kind::Double | Kind::Fixed64 | Kind::Sfixed64 => 1,
        Kind::Float | Kind::Fixed32 | Kind::Sfixed32 => 5,
        Kind::String | Kind::Bytes | Kind::Message(_) => 2,
        Kind::Group(_) => 3,
        _ => 0,
    }
}
