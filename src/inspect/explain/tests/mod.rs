//! Tests of the annotations: exact notes of well-formed messages here; malformed input and
//! deep nesting in `malformed`; properties on arbitrary input in `props`.

mod malformed;
mod props;

use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use super::*;
use crate::dynamic::Types;
use crate::schema::Schema;

/// The types of `proto/` and of the proto2 corpus (every scalar type, packed fields, maps,
/// groups, enums).
pub(super) fn types() -> &'static Arc<Types> {
    static TYPES: OnceLock<Arc<Types>> = OnceLock::new();
    TYPES.get_or_init(|| {
        let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("wire-tests/reflection/corpus");
        let shop = Schema::load(&[corpus], &["proto2/shop.proto"]).expect("the corpus loads");
        let mut files = Schema::embedded().files().to_vec();
        for file in shop.files() {
            if !files.iter().any(|f| f.name == file.name) {
                files.push(file.clone());
            }
        }
        Types::new(&files).expect("the corpus resolves")
    })
}

pub(super) fn ty(name: &str) -> MessageType {
    MessageType::new(types(), name).expect("a type of the corpus")
}

/// `(range, depth, role, note)` of each annotation, for exact comparisons.
pub(super) fn table(annotations: &[Annotation]) -> Vec<(Range<usize>, usize, Role, &str)> {
    annotations
        .iter()
        .map(|a| (a.at.clone(), a.depth, a.role, a.note.as_str()))
        .collect()
}

pub(super) fn notes(annotations: &[Annotation]) -> Vec<&str> {
    annotations.iter().map(|a| a.note.as_str()).collect()
}

/// The invariant of the annotations of `len` bytes: consecutive spans from 0 to `len`, depth
/// starting at `base` and growing by at most one from a span to the next, empty spans only for
/// position notes and errors, notes short and never empty.
pub(super) fn check_spans(
    len: usize,
    annotations: &[Annotation],
    base: usize,
) -> Result<(), String> {
    let mut pos = 0;
    let mut previous = None;
    for (i, a) in annotations.iter().enumerate() {
        if a.at.start != pos || a.at.end < a.at.start {
            return Err(format!(
                "span {i} is {:?}, expected to start at {pos}",
                a.at
            ));
        }
        let deepest = previous.map_or(base, |d: usize| d + 1);
        if a.depth > deepest || (i == 0 && a.depth != base) || a.depth < base {
            return Err(format!("span {i} has depth {} after {previous:?}", a.depth));
        }
        if a.at.is_empty() && !matches!(a.role, Role::Value | Role::Error) {
            return Err(format!("span {i} is empty: {a:?}"));
        }
        if a.note.is_empty() || a.note.chars().count() > 400 {
            return Err(format!(
                "span {i} has a note of {} chars",
                a.note.chars().count()
            ));
        }
        pos = a.at.end;
        previous = Some(a.depth);
    }
    if pos != len {
        return Err(format!("the spans end at {pos}, the input at {len}"));
    }
    Ok(())
}

/// The bytes a rendering shows, read back from its hex column (whose width is computed from
/// the annotations as the renderer does).
pub(super) fn bytes_shown(text: &str, annotations: &[Annotation]) -> Vec<u8> {
    let column = annotations
        .iter()
        .map(|a| a.depth * 2 + (a.at.len().min(OCTETS_PER_LINE) * 3).saturating_sub(1))
        .max()
        .unwrap_or(0);
    let mut out = Vec::new();
    for line in text.lines() {
        let hex = line.get(..column.min(line.len())).unwrap_or(line);
        for token in hex.split_whitespace() {
            out.push(u8::from_str_radix(token, 16).expect("the hex column holds octets"));
        }
    }
    out
}

#[test]
fn the_encoding_guides_150_raw() {
    let bytes = [0x08, 0x96, 0x01];
    assert_eq!(
        table(&annotate_message(&bytes, None)),
        [
            (
                0..1,
                0,
                Role::Key,
                "field 1 << 3 | wire type 0 (VARINT) = 0x08"
            ),
            (1..3, 0, Role::Value, "varint 150 = 0x16 + 0x01 << 7"),
        ]
    );
}

#[test]
fn hello_request_framed_with_its_schema() {
    let bytes = b"\x00\x00\x00\x00\x07\x0a\x05world";
    let annotations = annotate_grpc(bytes, Some(&ty("hello.HelloRequest")));
    assert_eq!(
        table(&annotations),
        [
            (0..1, 0, Role::Prefix, "Compressed-Flag 0: not compressed"),
            (
                1..5,
                0,
                Role::Prefix,
                "Message-Length 7 (big-endian): a hello.HelloRequest follows"
            ),
            (
                5..6,
                1,
                Role::Key,
                "field 1 << 3 | wire type 2 (LEN) = 0x0a: name (string)"
            ),
            (6..7, 1, Role::Length, "length 5"),
            (7..12, 1, Role::Value, "name = \"world\""),
        ]
    );
    // Without the schema, "world" is not a message (0x77 is wire type 7): a string.
    let raw = annotate_grpc(bytes, None);
    assert_eq!(raw[1].note, "Message-Length 7 (big-endian)");
    assert_eq!(raw[4].note, "\"world\" (UTF-8: a string, or bytes)");
}

#[test]
fn every_scalar_kind_by_its_schema() {
    let bytes = b"\x78\x03\x09\x00\x00\x00\x00\x00\x00\xf8\x3f\x3d\x00\x00\xc0\x3f\xa8\x01\x01\
        \xd8\x01\x02\xca\x01\x02\x00\xff\xb8\x01\x05\xe0\x01\x09\x58\xff\xff\xff\xff\x0f";
    let annotations = annotate_message(bytes, Some(&ty("shop.v2.Defaults")));
    check_spans(bytes.len(), &annotations, 0).unwrap();
    assert_eq!(
        notes(&annotations),
        [
            "field 15 << 3 | wire type 0 (VARINT) = 0x78: s32 (sint32)",
            "s32 = -2 (varint 3, ZigZag-decoded)",
            "field 1 << 3 | wire type 1 (I64) = 0x09: d (double)",
            "d = 1.5 (double: 8 bytes, little-endian)",
            "field 7 << 3 | wire type 5 (I32) = 0x3d: f (float)",
            "f = 1.5 (float: 4 bytes, little-endian)",
            "field 21 << 3 | wire type 0 (VARINT) = 0xa8 = 0x28 + 0x01 << 7: yes (bool)",
            "yes = true",
            "field 27 << 3 | wire type 0 (VARINT) = 0xd8 = 0x58 + 0x01 << 7: currency (shop.v2.Currency)",
            "currency = USD (2)",
            "field 25 << 3 | wire type 2 (LEN) = 0xca = 0x4a + 0x01 << 7: raw (bytes)",
            "length 2",
            "raw = 2 bytes: 00 ff",
            "field 23 << 3 | wire type 0 (VARINT) = 0xb8 = 0x38 + 0x01 << 7: text (string) is \
             written as LEN, so this record is kept as an unknown field, decoded raw",
            "varint 5",
            "field 28 << 3 | wire type 0 (VARINT) = 0xe0 = 0x60 + 0x01 << 7: size (shop.v2.Defaults.Size)",
            "size = 9, not a value of shop.v2.Defaults.Size",
            "field 11 << 3 | wire type 0 (VARINT) = 0x58: i32 (int32)",
            "i32 = -1; only its low 32 bits count (varint 4294967295 = 0x7f + 0x7f << 7 + 0x7f << 14 \
             + 0x7f << 21 + 0x0f << 28)",
        ]
    );
}

#[test]
fn packed_fields_maps_groups_and_unknown_fields() {
    let bytes = b"\x0a\x02A1\x1a\x03\x01\x96\x01\x20\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\
        \x4a\x04\x08\x07\x10\x01\x53\x0a\x01x\x10\x02\x54\x98\x06\x05";
    let annotations = annotate_message(bytes, Some(&ty("shop.v2.Order")));
    check_spans(bytes.len(), &annotations, 0).unwrap();
    let depths: Vec<usize> = annotations.iter().map(|a| a.depth).collect();
    assert_eq!(
        depths,
        [
            0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0
        ]
    );
    assert_eq!(
        notes(&annotations),
        [
            "field 1 << 3 | wire type 2 (LEN) = 0x0a: id (string)",
            "length 2",
            "id = \"A1\"",
            "field 3 << 3 | wire type 2 (LEN) = 0x1a: quantities (repeated int32, packed)",
            "length 3: packed int32 values, one after another, without keys",
            "quantities[0] = 1",
            "quantities[1] = 150 (varint 150 = 0x16 + 0x01 << 7)",
            "field 4 << 3 | wire type 0 (VARINT) = 0x20: unpacked_ids (repeated int64)",
            "unpacked_ids = -1 (varint 18446744073709551615 = 0x7f + 0x7f << 7 + 0x7f << 14 + \
             0x7f << 21 + 0x7f << 28 + 0x7f << 35 + 0x7f << 42 + 0x7f << 49 + 0x7f << 56 + 0x01 << 63)",
            "field 9 << 3 | wire type 2 (LEN) = 0x4a: statuses (map<int32, shop.v2.Status>)",
            "length 4: a map entry (key = field 1, value = field 2)",
            "field 1 << 3 | wire type 0 (VARINT) = 0x08: key (int32)",
            "key = 7",
            "field 2 << 3 | wire type 0 (VARINT) = 0x10: value (shop.v2.Status)",
            "value = PAID (1)",
            "field 10 << 3 | wire type 3 (SGROUP) = 0x53: line (repeated group shop.v2.Order.Line)",
            "field 1 << 3 | wire type 2 (LEN) = 0x0a: sku (string)",
            "length 1",
            "sku = \"x\"",
            "field 2 << 3 | wire type 0 (VARINT) = 0x10: count (int32)",
            "count = 2",
            "field 10 << 3 | wire type 4 (EGROUP) = 0x54: end of group 10",
            "field 99 << 3 | wire type 0 (VARINT) = 0x318 = 0x18 + 0x06 << 7: shop.v2.Order has \
             no field 99: an unknown field, decoded raw",
            "varint 5",
        ]
    );
}

#[test]
fn raw_len_values_are_guessed_as_protoc_does() {
    // A message, a string, bytes, and an empty value. ("hi" would be a guess gone wrong, as
    // protoc's: 0x68 0x69 parse as field 13, varint 105.)
    let bytes = b"\x0a\x03\x08\x96\x01\x12\x03hey\x1a\x02\x00\xff\x22\x00";
    let annotations = annotate_message(bytes, None);
    check_spans(bytes.len(), &annotations, 0).unwrap();
    assert_eq!(
        notes(&annotations),
        [
            "field 1 << 3 | wire type 2 (LEN) = 0x0a",
            "length 3: the bytes parse as a message, so they are shown as one",
            "field 1 << 3 | wire type 0 (VARINT) = 0x08",
            "varint 150 = 0x16 + 0x01 << 7",
            "field 2 << 3 | wire type 2 (LEN) = 0x12",
            "length 3",
            "\"hey\" (UTF-8: a string, or bytes)",
            "field 3 << 3 | wire type 2 (LEN) = 0x1a",
            "length 2",
            "2 bytes, not UTF-8 nor a message: 00 ff",
            "field 4 << 3 | wire type 2 (LEN) = 0x22",
            "length 0: empty (a string, bytes or message with nothing in it)",
        ]
    );
    assert_eq!(annotations[2].depth, 1);
    let raw_fixed = annotate_message(b"\x0d\xff\xff\xff\xff\x11\0\0\0\0\0\0\xf0\xbf", None);
    assert_eq!(
        notes(&raw_fixed)[1],
        "I32 0xffffffff: 4294967295 as fixed32, -1 as sfixed32, NaN as float (4 bytes, little-endian)"
    );
    assert_eq!(
        notes(&raw_fixed)[3],
        "I64 0xbff0000000000000: 13830554455654793216 as fixed64, -4616189618054758400 as \
         sfixed64, -1 as double (8 bytes, little-endian)"
    );
}

#[test]
fn empty_messages_say_so() {
    let annotations = annotate_grpc(&[0, 0, 0, 0, 0], Some(&ty("grpc.testing.Empty")));
    assert_eq!(
        table(&annotations),
        [
            (0..1, 0, Role::Prefix, "Compressed-Flag 0: not compressed"),
            (
                1..5,
                0,
                Role::Prefix,
                "Message-Length 0 (big-endian): a grpc.testing.Empty follows"
            ),
            (
                5..5,
                1,
                Role::Value,
                "no fields: an empty message (every field has its default value)"
            ),
        ]
    );
    // A nested message that is present but empty.
    let nested = annotate_message(b"\x1a\x00", Some(&ty("grpc.testing.SimpleRequest")));
    assert_eq!(
        nested[1].note,
        "length 0: an empty grpc.testing.Payload (every field has its default value)"
    );
}
