//! Annotations as text: the hex of each span on the left, indented by its depth and wrapped at
//! [`OCTETS_PER_LINE`], its note on the right, all notes in one column.
//!
//! ```text
//! 0a              field 1 << 3 | wire type 2 (LEN) = 0x0a: name (string)
//! 05              length 5
//! 77 6f 72 6c 64  name = "world"
//! ```

use std::fmt::Write;

use super::Annotation;

/// Octets of hex on one line; a longer span goes on over the next lines, its note on the first.
pub const OCTETS_PER_LINE: usize = 8;

/// Spaces of indentation per level of depth.
const INDENT: usize = 2;

/// Deeper spans are indented as this depth (annotations go to 101 levels; any given to
/// [`render_text`] are shown without an indentation that runs off the screen).
const MAX_INDENTED_DEPTH: usize = 128;

fn indent(depth: usize) -> usize {
    depth.min(MAX_INDENTED_DEPTH) * INDENT
}

/// Renders `annotations` of `bytes` as text, one span per line (more for a long span).
///
/// Every byte of the input appears exactly once, in order: a byte no annotation covers gets a
/// line of its own ("not annotated"), and of a span that overlaps the one before it, or lies
/// outside the input, only the bytes not shown yet are shown. So the text is faithful to the
/// bytes whatever annotations it is given.
pub fn render_text(bytes: &[u8], annotations: &[Annotation]) -> String {
    render_text_capped(bytes, annotations, usize::MAX)
}

/// As [`render_text`], with at most `max_lines` lines of hex per span: the rest of a long span
/// is counted on one line (`… 1000 more octets`). The proxy shows messages this way, so that a
/// 64 KiB `bytes` field is four lines, not eight thousand.
pub fn render_text_capped(bytes: &[u8], annotations: &[Annotation], max_lines: usize) -> String {
    let max_lines = max_lines.max(1);
    let mut lines: Vec<(usize, &[u8], &str)> = Vec::new();
    let mut shown = 0;
    for a in annotations {
        let start = a.at.start.clamp(shown, bytes.len());
        if start > shown {
            lines.push((a.depth, &bytes[shown..start], "(not annotated)"));
        }
        let end = a.at.end.clamp(start, bytes.len());
        lines.push((a.depth, &bytes[start..end], a.note.as_str()));
        shown = end;
    }
    if shown < bytes.len() {
        let depth = annotations.last().map_or(0, |a| a.depth);
        lines.push((depth, &bytes[shown..], "(not annotated)"));
    }

    let width =
        |depth: usize, n: usize| indent(depth) + (n.min(OCTETS_PER_LINE) * 3).saturating_sub(1);
    let column = lines
        .iter()
        .map(|&(depth, span, _)| width(depth, span.len()))
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (depth, span, note) in lines {
        let mut chunks = span.chunks(OCTETS_PER_LINE);
        let first = chunks.next().unwrap_or_default();
        line(&mut out, depth, first, column, note);
        for chunk in chunks.by_ref().take(max_lines - 1) {
            line(&mut out, depth, chunk, column, "");
        }
        let shown = max_lines.saturating_mul(OCTETS_PER_LINE).min(span.len());
        if shown < span.len() {
            out.extend(std::iter::repeat_n(' ', indent(depth)));
            let _ = writeln!(out, "… {} more octets", span.len() - shown);
        }
    }
    out
}

/// One line: indentation, hex, padding to `column`, two spaces and the note.
fn line(out: &mut String, depth: usize, octets: &[u8], column: usize, note: &str) {
    let start = out.len();
    out.extend(std::iter::repeat_n(' ', indent(depth)));
    for (i, octet) in octets.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{octet:02x}");
    }
    if !note.is_empty() {
        let used = out.len() - start;
        out.extend(std::iter::repeat_n(' ', column.saturating_sub(used) + 2));
        out.push_str(note);
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::explain::Role;

    #[test]
    fn a_long_span_is_capped_and_counted() {
        let bytes = [7u8; 100];
        let annotations = [Annotation {
            at: 0..100,
            depth: 0,
            role: Role::Value,
            note: "bytes".into(),
        }];
        let text = render_text_capped(&bytes, &annotations, 2);
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.ends_with("… 84 more octets\n"), "{text}");
        assert_eq!(render_text(&bytes, &annotations).lines().count(), 13);
    }
}
