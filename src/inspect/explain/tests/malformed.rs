//! Malformed input: each error where it occurs, the rest unparsed; the nesting limit; long
//! values; the rendering of any annotations.

use std::ops::Range;

use super::{bytes_shown, check_spans, notes, table, ty};
use crate::inspect::explain::*;
use crate::protobuf::RECURSION_LIMIT;

/// The errors of `bytes` (raw), each as `(range, note)`, after checking the spans.
fn errors(bytes: &[u8], ty: Option<&MessageType>) -> Vec<(Range<usize>, Role, String)> {
    let annotations = annotate_message(bytes, ty);
    check_spans(bytes.len(), &annotations, 0).unwrap();
    annotations
        .into_iter()
        .filter(|a| matches!(a.role, Role::Error | Role::Unparsed))
        .map(|a| (a.at, a.role, a.note))
        .collect()
}

fn error(at: Range<usize>, note: &str) -> (Range<usize>, Role, String) {
    (at, Role::Error, note.to_owned())
}

fn unparsed(at: Range<usize>) -> (Range<usize>, Role, String) {
    let n = at.len();
    let note = format!(
        "unparsed: {n} byte{} after the error",
        if n == 1 { "" } else { "s" }
    );
    (at, Role::Unparsed, note)
}

#[test]
fn malformed_input_is_annotated_where_it_goes_wrong() {
    let cut = "error: the value cut short: a varint's last byte has its top bit clear, and the input \
               ends first";
    assert_eq!(errors(b"\x08\x96", None), [error(1..2, cut)]);
    let cut_key = "error: the key cut short: a varint's last byte has its top bit clear, and the \
                   input ends first";
    assert_eq!(errors(b"\x08\x01\x80", None), [error(2..3, cut_key)]);
    assert_eq!(
        errors(b"\x0a\x05wo", None),
        [
            error(1..2, "error: length 5, but only 2 bytes follow"),
            unparsed(2..4)
        ]
    );
    assert_eq!(
        errors(b"\x0e\x01\x02", None),
        [
            error(
                0..1,
                "error: field 1 << 3 | wire type 6 (no such wire type) = 0x0e: there is no wire \
                 type 6"
            ),
            unparsed(1..3)
        ]
    );
    assert_eq!(
        errors(b"\x0f", None),
        [error(
            0..1,
            "error: field 1 << 3 | wire type 7 (no such wire type) = 0x0f: there is no wire type 7"
        )]
    );
    assert_eq!(
        errors(b"\x02\x00", None),
        [
            error(
                0..1,
                "error: field 0 << 3 | wire type 2 (LEN) = 0x02: field number 0 is not allowed"
            ),
            unparsed(1..2)
        ]
    );
    assert_eq!(
        errors(b"\x80\x80\x80\x80\x10\x00", None),
        [
            error(
                0..5,
                "error: key 0x100000000 is wider than 32 bits: no field has so large a number"
            ),
            unparsed(5..6)
        ]
    );
    assert_eq!(
        errors(
            &[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01
            ],
            None
        ),
        [
            error(1..11, "error: the value is a varint of more than 10 bytes"),
            unparsed(11..12)
        ]
    );
    assert_eq!(
        errors(b"\x09\x01\x02\x03", None),
        [error(
            1..4,
            "error: an I64 value is 8 bytes, and only 3 bytes follow"
        )]
    );
}

#[test]
fn groups_must_be_closed_by_their_own_end() {
    // SGROUP 1, then EGROUP 2.
    assert_eq!(
        errors(b"\x0b\x14\x08\x01", None),
        [
            error(
                1..2,
                "error: field 2 << 3 | wire type 4 (EGROUP) = 0x14: the end of group 2, but the \
                 open group is field 1"
            ),
            unparsed(2..4)
        ]
    );
    assert_eq!(
        errors(b"\x0c", None),
        [error(
            0..1,
            "error: field 1 << 3 | wire type 4 (EGROUP) = 0x0c: the end of group 1, but no group \
             is open"
        )]
    );
    assert_eq!(
        errors(b"\x0b\x08\x01", None),
        [error(
            3..3,
            "error: the input ends inside group 1 (no EGROUP key)"
        )]
    );
    // A closed group, then the walk goes on.
    assert_eq!(errors(b"\x0b\x08\x01\x0c\x10\x02", None), []);
}

#[test]
fn an_error_inside_a_nested_message_ends_only_that_message() {
    // SimpleRequest { payload (3): [08 ff] (a cut varint), response_size (2): 1 }.
    let bytes = b"\x1a\x02\x08\xff\x10\x01";
    let request = ty("grpc.testing.SimpleRequest");
    let cut = "error: the value cut short: a varint's last byte has its top bit clear, and the input \
               ends first";
    assert_eq!(errors(bytes, Some(&request)), [error(3..4, cut)]);
    let annotations = annotate_message(bytes, Some(&request));
    assert_eq!(
        annotations.last().map(|a| a.note.as_str()),
        Some("response_size = 1")
    );
    // A packed field whose last varint is cut: the error stays inside it, and the next
    // record (id, field 1) is read.
    let packed = b"\x1a\x02\x01\x96\x0a\x01x";
    let shop = ty("shop.v2.Order");
    let cut = "error: a packed value cut short: a varint's last byte has its top bit clear, and the \
               input ends first";
    assert_eq!(errors(packed, Some(&shop)), [error(3..4, cut)]);
    let annotations = annotate_message(packed, Some(&shop));
    assert_eq!(annotations[2].note, "quantities[0] = 1");
    assert_eq!(annotations[3].depth, 1);
    assert_eq!(annotations.last().unwrap().note, "id = \"x\"");
}

#[test]
fn the_grpc_prefix_is_checked() {
    let cut = annotate_grpc(&[0, 0, 0], None);
    assert_eq!(
        table(&cut),
        [(
            0..3,
            0,
            Role::Error,
            "error: a Length-Prefixed-Message starts with 5 octets (Compressed-Flag, \
             Message-Length); only 3 here"
        )]
    );
    let flag = annotate_grpc(&[2, 0, 0, 0, 1, 0x08], None);
    assert_eq!(
        table(&flag),
        [
            (
                0..1,
                0,
                Role::Error,
                "error: Compressed-Flag 2: it must be 0 or 1"
            ),
            (1..6, 0, Role::Unparsed, "unparsed: 5 bytes after the error"),
        ]
    );
    let short = annotate_grpc(&[0, 0, 0, 0, 7, 0x0a, 0x05, b'w'], None);
    check_spans(8, &short, 0).unwrap();
    assert_eq!(
        short[1].note,
        "error: Message-Length 7 (big-endian), but only 3 octets follow: the message is cut short"
    );
    let compressed = annotate_grpc(&[1, 0, 0, 0, 2, 0x1f, 0x8b], None);
    assert_eq!(
        notes(&compressed),
        [
            "Compressed-Flag 1: compressed with the grpc-encoding header's algorithm",
            "Message-Length 2 (big-endian)",
            "2 octets of compressed message: decompress them to see the fields",
        ]
    );
    // Two messages in one DATA payload.
    let two = annotate_grpc(&[0, 0, 0, 0, 2, 0x08, 0x01, 0, 0, 0, 0, 0], None);
    check_spans(12, &two, 0).unwrap();
    assert_eq!(two.iter().filter(|a| a.role == Role::Prefix).count(), 4);
}

/// `levels` messages, each field 1 of the one around it: `0a len (0a len (… 08 01))`.
fn nested(levels: usize) -> Vec<u8> {
    let mut bytes = vec![0x08, 0x01];
    for _ in 0..levels {
        let mut outer = vec![0x0a];
        let mut len = bytes.len();
        while len >= 0x80 {
            outer.push(len.to_le_bytes()[0] | 0x80);
            len >>= 7;
        }
        outer.push(len.to_le_bytes()[0]);
        outer.extend_from_slice(&bytes);
        bytes = outer;
    }
    bytes
}

#[test]
fn nesting_stops_at_the_recursion_limit() {
    let limit = RECURSION_LIMIT as usize;
    // Raw: beyond the limit, a LEN value is not tried as a message (protoc prints a string).
    let bytes = nested(150);
    let raw = annotate_message(&bytes, None);
    check_spans(bytes.len(), &raw, 0).unwrap();
    assert_eq!(raw.iter().map(|a| a.depth).max(), Some(limit));
    assert!(raw.iter().all(|a| a.role != Role::Error));

    // With a schema (Order.parent is field 6, an Order): an error at the limit.
    let mut parents = vec![0x08, 0x01];
    for _ in 0..150 {
        let mut outer = vec![0x32];
        let mut len = parents.len();
        while len >= 0x80 {
            outer.push(len.to_le_bytes()[0] | 0x80);
            len >>= 7;
        }
        outer.push(len.to_le_bytes()[0]);
        outer.extend_from_slice(&parents);
        parents = outer;
    }
    let typed = annotate_message(&parents, Some(&ty("shop.v2.Order")));
    check_spans(parents.len(), &typed, 0).unwrap();
    let errors: Vec<&Annotation> = typed.iter().filter(|a| a.role == Role::Error).collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].depth, limit + 1);
    assert_eq!(
        errors[0].note,
        "error: a message nested more than 100 levels deep: not read"
    );

    // Groups: 150 opened, 150 closed.
    let mut groups = vec![0x0b; 150];
    groups.extend(vec![0x0c; 150]);
    let annotations = annotate_message(&groups, None);
    check_spans(groups.len(), &annotations, 0).unwrap();
    let error = annotations.iter().find(|a| a.role == Role::Error).unwrap();
    assert_eq!(error.at, limit..limit + 1);
    assert_eq!(
        error.note,
        "error: field 1 << 3 | wire type 3 (SGROUP) = 0x0b: a group nested more than 100 levels deep"
    );
}

#[test]
fn long_values_make_short_notes() {
    let text = "é".repeat(5000);
    let mut bytes = vec![0x0a, 0x90, 0x4e]; // length 10000
    bytes.extend_from_slice(text.as_bytes());
    let annotations = annotate_message(&bytes, Some(&ty("hello.HelloRequest")));
    check_spans(bytes.len(), &annotations, 0).unwrap();
    let note = &annotations[2].note;
    assert!(note.chars().count() < 100, "{note}");
    assert!(note.ends_with("\"… (5000 characters)"), "{note}");
    let raw = annotate_message(&[vec![0x12, 0xe8, 0x07], vec![0xff; 1000]].concat(), None);
    assert!(raw[2].note.chars().count() < 120, "{}", raw[2].note);
}

#[test]
fn the_rendering_shows_every_byte_once() {
    let bytes = nested(3)
        .into_iter()
        .chain(*b"\x12\x14abcdefghijklmnopqrst\x0e\x01")
        .collect::<Vec<u8>>();
    let annotations = annotate_message(&bytes, None);
    let text = render_text(&bytes, &annotations);
    assert_eq!(bytes_shown(&text, &annotations), bytes, "{text}");
    // A 20-byte string takes three lines of eight octets, its note on the first.
    assert!(
        text.contains("61 62 63 64 65 66 67 68  \"abcdefghijklmnopqrst\""),
        "{text}"
    );
    assert!(text.contains("\n69 6a 6b 6c 6d 6e 6f 70\n"), "{text}");
    // Annotations that leave bytes out, or overlap, still show each byte once.
    let partial = [Annotation {
        at: 2..4,
        depth: 0,
        role: Role::Value,
        note: "x".into(),
    }];
    let text = render_text(&[1, 2, 3, 4, 5], &partial);
    assert_eq!(
        text,
        "01 02  (not annotated)\n03 04  x\n05     (not annotated)\n"
    );
}
