//! How the inspector prints what a [`Connection`](super::connection::Connection) reads: annotated
//! text for a person ([`text`]), one JSON object per event for a program ([`json`]), or one line
//! per call ([`calls_line`]).
//!
//! Every renderer takes the connection's number (the order the proxy accepted it, from 1) and
//! an [`Event`]; none keeps state, so events of many connections can be printed as they come.

pub mod json;
pub mod text;

use std::fmt::Write;

use super::connection::{CallSummary, Event, EventKind};
use super::explain::{Annotation, Role, annotate_message};
use super::reader::Direction;
use crate::dynamic::DynamicMessage;
use crate::json::PrintOptions;
use crate::status::Code;

/// ANSI colours, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Whether to colour.
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }

    fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    fn warn(self, text: &str) -> String {
        self.paint("33", text)
    }

    fn error(self, text: &str) -> String {
        self.paint("31", text)
    }

    fn side(self, direction: Direction, text: &str) -> String {
        match direction {
            Direction::ClientToServer => self.paint("36", text),
            Direction::ServerToClient => self.paint("35", text),
        }
    }
}

/// `client → server` or `server → client`.
#[must_use]
pub fn arrow(direction: Direction) -> &'static str {
    match direction {
        Direction::ClientToServer => "client → server",
        Direction::ServerToClient => "server → client",
    }
}

/// Octets as spaced hex: `0a 05 77`.
#[must_use]
pub fn hex(octets: &[u8]) -> String {
    let mut out = String::with_capacity(octets.len() * 3);
    for (i, octet) in octets.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{octet:02x}");
    }
    out
}

/// A gRPC status code as `NAME (n)`.
#[must_use]
pub fn status_name(code: i32) -> String {
    let named = Code::from_i32(code);
    if named.as_i32() == code {
        format!("{} ({code})", named.as_str())
    } else {
        format!("UNKNOWN ({code})")
    }
}

/// A message's JSON (proto3 mapping, compact), or why it cannot be decoded.
#[must_use]
pub fn message_json(event: &super::connection::MessageEvent) -> Option<Result<String, String>> {
    let ty = event.message_type.as_ref()?;
    let body = event.body.as_ref().ok()?;
    if event.body_truncated {
        return None;
    }
    Some(
        DynamicMessage::decode(ty, body)
            .map_err(|error| format!("not a valid {}: {error}", ty.full_name()))
            .and_then(|message| {
                crate::json::to_string(&message, &PrintOptions::default())
                    .map_err(|error| error.to_string())
            }),
    )
}

/// The annotations of a message's octets as shown: for a message cut at `--max-display`, the
/// error its cut makes (a length past the end) becomes a note that the message goes on.
#[must_use]
pub fn message_annotations(
    event: &super::connection::MessageEvent,
    body: &[u8],
) -> Vec<Annotation> {
    let mut annotations = annotate_message(body, event.message_type.as_ref());
    if event.body_truncated
        && let Some(first_error) = annotations.iter().position(|a| a.role == Role::Error)
    {
        let cut = annotations.split_off(first_error);
        annotations.push(Annotation {
            at: cut[0].at.start..body.len(),
            depth: cut[0].depth,
            role: Role::Unparsed,
            note: format!(
                "the first {} of {} octets are shown (--max-display): the message goes on",
                body.len(),
                event.message.length
            ),
        });
    }
    annotations
}

/// The one line `--calls` prints for a call.
#[must_use]
pub fn calls_line(connection: u64, summary: &CallSummary, style: Style) -> String {
    let method = summary.method.as_deref().unwrap_or("(no :path)");
    let outcome = match (&summary.status, &summary.cut_short) {
        (Some((0, _)), None) => style.bold("OK"),
        (Some((code, message)), None) if message.is_empty() => style.error(&status_name(*code)),
        (Some((code, message)), None) => {
            style.error(&format!("{} {message:?}", status_name(*code)))
        }
        (_, Some(why)) => style.warn(why),
        (None, None) => style.warn("no status"),
    };
    format!(
        "conn {connection} stream {} {method} {outcome} {:.3} ms, client {} msg {} B, server {} msg {} B{}",
        summary.stream_id,
        summary.duration.as_secs_f64() * 1000.0,
        summary.messages[0],
        summary.data_octets[0],
        summary.messages[1],
        summary.data_octets[1],
        if summary.trailers_only {
            ", Trailers-Only"
        } else {
            ""
        },
    )
}

/// The stream an event belongs to (0 for the connection).
#[must_use]
pub fn stream_of(event: &Event) -> u32 {
    match &event.kind {
        EventKind::Frame { frame, .. } => frame.header.stream_id,
        EventKind::Malformed { header, .. } => header.stream_id,
        EventKind::Headers(block) => block.stream_id,
        EventKind::Message(message) => message.stream_id,
        EventKind::CallEnd(summary) => summary.stream_id,
        EventKind::Lint { stream_id, .. } => *stream_id,
        EventKind::Problem { stream_id, .. } => stream_id.unwrap_or(0),
        EventKind::Preface { .. } | EventKind::Stopped { .. } | EventKind::Closed { .. } => 0,
    }
}
