//! Every byte of a protobuf message, or of a gRPC Length-Prefixed-Message, explained.
//!
//! A learner who pasted `0a 05 77 6f 72 6c 64` from a capture wants to know what each octet
//! is. [`annotate_message`] cuts the bytes into [`Annotation`]s (a key, a length, a value …),
//! each with a note written for that learner, and [`render_text`] prints them beside their hex.
//! With a schema ([`MessageType`]) the fields get their names and types; without one the
//! bytes are decoded raw, as `protoc --decode_raw` does. Like the rest of [`inspect`](super)
//! it is sans-IO (bytes in, annotations out) and never panics: malformed input is annotated as
//! an error where it goes wrong, and what follows is still shown, as "unparsed".
//!
//! | module | does |
//! |--------|------|
//! | `reader` | reads varints and fixed-width values, keeping their positions |
//! | `walk` | the records of a message: keys, groups, errors, the nesting limit |
//! | `len` | `LEN` values: strings, bytes, nested messages, packed fields; the raw guess |
//! | `values` | one value's note: by the field's type, or raw |
//! | `notes` | wording shared by the notes: wire types, varint groups, quoted strings |
//! | `render` | [`render_text`]: hex on the left, notes on the right |
//! | `input` | [`parse_input`]: what the user typed after `--explain` |
//!
//! # What the bytes mean
//!
//! From the encoding guide (<https://protobuf.dev/programming-guides/encoding/>):
//!
//! > "A protocol buffer message is a series of key-value pairs. […] When a message is encoded,
//! > each key-value pair is turned into a *record* consisting of the field number, a wire type
//! > and a payload." ([Message Structure](https://protobuf.dev/programming-guides/encoding/#structure))
//!
//! > "The 'tag' of a record is encoded as a varint formed from the field number and the wire
//! > type via the formula `(field_number << 3) | wire_type`." (same section)
//!
//! > "Each byte in the varint has a continuation bit that indicates if the byte that follows it
//! > is part of the varint. […] The lower 7 bits of each byte are used to store the two's
//! > complement representation of the number in groups of 7 bits, least significant group
//! > first." ([Base 128 Varints](https://protobuf.dev/programming-guides/encoding/#varints))
//!
//! > "The `LEN` wire type has a dynamic length, specified by a varint immediately after the
//! > tag, which is followed by the payload as usual." ([Length-Delimited Records](https://protobuf.dev/programming-guides/encoding/#length-types))
//!
//! | wire type | name | used for |
//! |---|---|---|
//! | 0 | `VARINT` | `int32`, `int64`, `uint32`, `uint64`, `sint32`, `sint64`, `bool`, enum |
//! | 1 | `I64` | `fixed64`, `sfixed64`, `double` |
//! | 2 | `LEN` | `string`, `bytes`, messages, packed repeated fields, map entries |
//! | 3, 4 | `SGROUP`, `EGROUP` | groups (proto2, deprecated) |
//! | 5 | `I32` | `fixed32`, `sfixed32`, `float` |
//!
//! The guide's first example, `int32 a = 1` set to 150, without a schema:
//!
//! ```
//! use h2grpc::inspect::explain::{annotate_message, render_text};
//!
//! let bytes = [0x08, 0x96, 0x01];
//! let annotations = annotate_message(&bytes, None);
//! assert_eq!(annotations[0].at, 0..1);
//! assert_eq!(annotations[0].note, "field 1 << 3 | wire type 0 (VARINT) = 0x08");
//! assert_eq!(annotations[1].at, 1..3);
//! assert_eq!(annotations[1].note, "varint 150 = 0x16 + 0x01 << 7");
//! assert_eq!(
//!     render_text(&bytes, &annotations),
//!     "08     field 1 << 3 | wire type 0 (VARINT) = 0x08\n\
//!      96 01  varint 150 = 0x16 + 0x01 << 7\n"
//! );
//! ```
//!
//! # A gRPC message
//!
//! On a gRPC stream each message is a Length-Prefixed-Message: "Compressed-Flag
//! Message-Length Message", a one-octet flag and a four-octet big-endian length
//! ([PROTOCOL-HTTP2.md](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests)).
//! `HelloRequest { name: "world" }`, with its schema:
//!
//! ```
//! use h2grpc::dynamic::{MessageType, Types};
//! use h2grpc::inspect::explain::{annotate_grpc, render_text};
//! use h2grpc::schema::Schema;
//!
//! let types = Types::new(Schema::embedded().files()).unwrap();
//! let request = MessageType::new(&types, "hello.HelloRequest").unwrap();
//! let bytes = [0x00, 0x00, 0x00, 0x00, 0x07, 0x0a, 0x05, 0x77, 0x6f, 0x72, 0x6c, 0x64];
//! let text = render_text(&bytes, &annotate_grpc(&bytes, Some(&request)));
//! let lines: Vec<&str> = text.lines().collect();
//! assert_eq!(lines, [
//!     "00                Compressed-Flag 0: not compressed",
//!     "00 00 00 07       Message-Length 7 (big-endian): a hello.HelloRequest follows",
//!     "  0a              field 1 << 3 | wire type 2 (LEN) = 0x0a: name (string)",
//!     "  05              length 5",
//!     "  77 6f 72 6c 64  name = \"world\"",
//! ]);
//! ```
//!
//! # The annotations
//!
//! The annotations of an input cut it into consecutive spans, in order: each byte is in exactly
//! one of them. A span may be empty only to say something at a position (an empty message, or
//! input that ends inside a group). Nesting is told by [`Annotation::depth`]: the contents of a
//! nested message, a packed field or a group are one deeper than its key, and a span belongs
//! to the nearest span before it that is one level shallower. The depth grows by at most one
//! from a span to the next.

mod input;
mod len;
mod notes;
mod reader;
mod render;
mod values;
mod walk;

#[cfg(test)]
mod tests;

use std::ops::Range;

use crate::dynamic::MessageType;

pub use input::{ExplainError, parse_input};
pub use render::{OCTETS_PER_LINE, render_text, render_text_capped};

/// One annotated span of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// The bytes it explains (positions in the input).
    pub at: Range<usize>,
    /// How deeply nested it is: 0 for the records of the top-level message.
    pub depth: usize,
    /// Which part of the encoding it is.
    pub role: Role,
    /// What the bytes mean, in a sentence for a learner (at most a few hundred characters).
    pub note: String,
}

/// Which part of the encoding a span is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A part of the gRPC prefix: the Compressed-Flag or the Message-Length.
    Prefix,
    /// A record's key: field number and wire type.
    Key,
    /// The length varint of a `LEN` record.
    Length,
    /// A value (or a note about a position, when empty).
    Value,
    /// Where the input is malformed.
    Error,
    /// The bytes after an error, which could not be read.
    Unparsed,
}

/// Annotates a protobuf message.
///
/// With `ty`, fields get their names and types from the schema, and a field the type does not
/// declare is marked unknown and decoded raw. Without it, everything is decoded raw, as
/// `protoc --decode_raw` does: a `LEN` value is shown as a nested message when it parses as
/// one, else as a string when it is UTF-8, else as bytes.
pub fn annotate_message(bytes: &[u8], ty: Option<&MessageType>) -> Vec<Annotation> {
    walk::annotate(bytes, 0..bytes.len(), 0, ty)
}

/// Annotates gRPC Length-Prefixed-Messages: each one's Compressed-Flag octet, its four-octet
/// big-endian Message-Length, then the message ([`annotate_message`]) one level deeper. A
/// compressed message is not decoded (decompress it first: `grpc-encoding` names the
/// algorithm). Several messages one after the other are annotated in turn.
pub fn annotate_grpc(bytes: &[u8], ty: Option<&MessageType>) -> Vec<Annotation> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        pos = grpc_message(bytes, pos, ty, &mut out);
    }
    out
}

/// The octets before a message: the Compressed-Flag and the Message-Length.
const PREFIX_LEN: usize = crate::framing::PREFIX_LEN;

/// Annotates the Length-Prefixed-Message at `start`; returns where the next one starts.
fn grpc_message(
    bytes: &[u8],
    start: usize,
    ty: Option<&MessageType>,
    out: &mut Vec<Annotation>,
) -> usize {
    let mut push = |at: Range<usize>, depth, role, note: String| {
        out.push(Annotation {
            at,
            depth,
            role,
            note,
        });
    };
    let rest = bytes.len() - start;
    let Some(prefix) = bytes.get(start..start + PREFIX_LEN) else {
        let note = format!(
            "error: a Length-Prefixed-Message starts with {PREFIX_LEN} octets \
             (Compressed-Flag, Message-Length); only {rest} here"
        );
        push(start..bytes.len(), 0, Role::Error, note);
        return bytes.len();
    };
    let flag = prefix[0];
    let compressed = match flag {
        0 => {
            let note = "Compressed-Flag 0: not compressed".to_owned();
            push(start..start + 1, 0, Role::Prefix, note);
            false
        }
        1 => {
            let note = "Compressed-Flag 1: compressed with the grpc-encoding header's algorithm";
            push(start..start + 1, 0, Role::Prefix, note.to_owned());
            true
        }
        _ => {
            let note = format!("error: Compressed-Flag {flag}: it must be 0 or 1");
            push(start..start + 1, 0, Role::Error, note);
            let unparsed = format!("unparsed: {} bytes after the error", rest - 1);
            push(start + 1..bytes.len(), 0, Role::Unparsed, unparsed);
            return bytes.len();
        }
    };
    let length = u32::from_be_bytes([prefix[1], prefix[2], prefix[3], prefix[4]]);
    let body_start = start + PREFIX_LEN;
    let present = bytes.len() - body_start;
    let what = match ty {
        Some(ty) if !compressed => format!(": a {} follows", ty.full_name()),
        _ => String::new(),
    };
    let length_at = start + 1..body_start;
    // A u32 fits a usize on every target h2grpc builds for; were it not to, the message could
    // not be in memory either, so it is reported as cut short.
    let body_end = match usize::try_from(length) {
        Ok(len) if len <= present => {
            let note = format!("Message-Length {length} (big-endian){what}");
            push(length_at, 0, Role::Prefix, note);
            body_start + len
        }
        _ => {
            let note = format!(
                "error: Message-Length {length} (big-endian), but only {present} octets follow: \
                 the message is cut short{what}"
            );
            push(length_at, 0, Role::Error, note);
            bytes.len()
        }
    };
    if compressed {
        let n = body_end - body_start;
        out.push(Annotation {
            at: body_start..body_end,
            depth: 1,
            role: Role::Value,
            note: format!("{n} octets of compressed message: decompress them to see the fields"),
        });
    } else {
        out.extend(walk::annotate(bytes, body_start..body_end, 1, ty));
    }
    body_end
}
