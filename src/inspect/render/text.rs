//! Annotated text: each frame's header octets and fields, each header field with its HPACK
//! representation and its gRPC meaning, each message's octets with their protobuf meaning, and a
//! summary per call.
//!
//! ```text
//! conn 1 client → server  HEADERS stream 1, 72 octets, END_HEADERS
//!     00 00 48 01 04 00 00 00 01  length 72 | type 0x1 HEADERS | flags 0x04 END_HEADERS | stream 1
//! ```

use std::fmt::Write;

use super::{Style, arrow, hex, message_annotations, message_json, status_name};
use crate::inspect::connection::{
    CallSummary, Event, EventKind, HeaderBlock, MessageEvent, flow::Flow,
};
use crate::inspect::explain::{annotate_grpc, render_text_capped};
use crate::inspect::frame::{Frame, Payload};
use crate::inspect::hpack::{self, Representation, Table};
use crate::inspect::meaning::meaning;
use crate::inspect::reader::Direction;

/// At most this many octets of a representation or payload are printed as hex on one line.
const HEX_WIDTH: usize = 16;

/// At most this many lines of hex per value of a message (8 octets each); the rest is counted.
const MAX_LINES: usize = 4;

/// The text of one event (several lines, each ending in `\n`).
#[must_use]
pub fn render(connection: u64, event: &Event, style: Style) -> String {
    let mut out = String::new();
    let who = style.side(
        event.direction,
        &format!("conn {connection} {}", arrow(event.direction)),
    );
    match &event.kind {
        EventKind::Preface { offset } => {
            let _ = writeln!(
                out,
                "{who}  {} at octet {offset}: PRI * HTTP/2.0 ... SM (24 octets, RFC 9113 §3.4)",
                style.bold("connection preface")
            );
        }
        EventKind::Frame { frame, flow } => frame_text(&mut out, &who, frame, *flow, style),
        EventKind::Malformed {
            offset,
            header,
            bytes,
            error,
        } => {
            let _ = writeln!(
                out,
                "{who}  {} at octet {offset}: {error}",
                style.error(&format!("malformed frame type 0x{:x}", header.type_code))
            );
            let _ = writeln!(out, "    {}", style.dim(&short_hex(bytes)));
        }
        EventKind::Stopped { offset, error } => {
            let _ = writeln!(
                out,
                "{who}  {} at octet {offset}: {error} (still forwarded, no longer read)",
                style.error("cannot read further")
            );
        }
        EventKind::Headers(block) => block_text(&mut out, &who, block, style),
        EventKind::Message(message) => message_text(&mut out, &who, message, style),
        EventKind::CallEnd(summary) => summary_text(&mut out, &who, summary, style),
        EventKind::Lint { stream_id, lint } => {
            let _ = writeln!(
                out,
                "{who}  {} stream {stream_id}: {lint}\n    the spec: {}",
                style.warn("lint"),
                lint.rule()
            );
        }
        EventKind::Closed { error: None } => {
            let _ = writeln!(out, "{who}  TCP closed (FIN): this side sends no more");
        }
        EventKind::Closed { error: Some(error) } => {
            let _ = writeln!(out, "{who}  TCP ended: {error}");
        }
        EventKind::Problem { stream_id, text } => {
            let on = stream_id
                .map(|id| format!(" stream {id}"))
                .unwrap_or_default();
            let _ = writeln!(out, "{who}  {}{on}: {text}", style.error("problem"));
        }
    }
    out
}

fn short_hex(octets: &[u8]) -> String {
    if octets.len() <= HEX_WIDTH {
        hex(octets)
    } else {
        format!("{} … ({} octets)", hex(&octets[..HEX_WIDTH]), octets.len())
    }
}

fn frame_text(out: &mut String, who: &str, frame: &Frame, flow: Option<Flow>, style: Style) {
    let header = &frame.header;
    let name = header.frame_type().map_or_else(
        || format!("UNKNOWN(0x{:x})", header.type_code),
        |t| t.name().to_owned(),
    );
    let flags = header.flag_names().join(" ");
    let _ = writeln!(
        out,
        "{who}  {} stream {}, {} octets{}",
        style.bold(&name),
        header.stream_id,
        header.length,
        if flags.is_empty() {
            String::new()
        } else {
            format!(", {flags}")
        }
    );
    let _ = writeln!(
        out,
        "    {}  length {} | type 0x{:x} {name} | flags 0x{:02x}{} | stream {}",
        style.dim(&hex(&frame.bytes[..9])),
        header.length,
        header.type_code,
        header.flags,
        if flags.is_empty() {
            String::new()
        } else {
            format!(" {flags}")
        },
        header.stream_id
    );
    match &frame.payload {
        Payload::Settings { settings } => {
            for setting in settings {
                let _ = writeln!(
                    out,
                    "    {}  {} = {}",
                    style.dim(&hex(frame.part(&setting.at))),
                    setting.id.name().map_or_else(
                        || format!("unknown setting 0x{:x}", setting.id.0),
                        str::to_owned
                    ),
                    setting.value
                );
            }
        }
        Payload::Ping { opaque_data } => {
            let _ = writeln!(out, "    {}  opaque data", style.dim(&hex(opaque_data)));
        }
        Payload::RstStream { error_code } | Payload::Goaway { error_code, .. } => {
            let name = error_code.name().unwrap_or("unknown error code");
            let _ = writeln!(out, "    error code {} = {name}", error_code.0);
            if let Payload::Goaway {
                last_stream_id,
                debug_data,
                ..
            } = &frame.payload
            {
                let _ = writeln!(
                    out,
                    "    last stream {last_stream_id}, debug data {:?}",
                    String::from_utf8_lossy(frame.part(debug_data))
                );
            }
        }
        Payload::WindowUpdate {
            window_size_increment,
        } => {
            let _ = writeln!(out, "    increment {window_size_increment}");
        }
        Payload::Data { data, padding } => {
            let _ = writeln!(
                out,
                "    data {}{}",
                style.dim(&short_hex(frame.part(data))),
                padding
                    .as_ref()
                    .map(|p| format!(", {} octets of padding", p.pad_length))
                    .unwrap_or_default()
            );
        }
        _ => {}
    }
    if let Some(flow) = flow {
        let sender = match flow.sender {
            Direction::ClientToServer => "client",
            Direction::ServerToClient => "server",
        };
        let stream = flow
            .stream_window
            .map(|w| format!(", stream {w}"))
            .unwrap_or_default();
        let charged = if flow.charged > 0 {
            format!("charged {} octets; ", flow.charged)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "    {charged}the {sender} may now send: connection {}{stream}",
            flow.connection_window
        );
    }
}

fn representation_text(field: &hpack::Field) -> String {
    let index = field.index.map(|i| {
        let table = match i.table {
            Table::Static => "static",
            Table::Dynamic => "dynamic",
        };
        format!("{table} {}", i.index)
    });
    let huffman = |s: &Option<hpack::StringLiteral>| {
        s.as_ref()
            .map(|s| if s.huffman { "Huffman" } else { "plain" })
            .unwrap_or_default()
    };
    match field.representation {
        Representation::Indexed => format!("indexed, {}", index.unwrap_or_default()),
        literal => {
            let kind = match literal {
                Representation::IncrementalIndexing => "literal with incremental indexing",
                Representation::WithoutIndexing => "literal without indexing",
                _ => "literal never indexed",
            };
            let name = index.map_or_else(
                || format!("new name ({})", huffman(&field.name_string)),
                |i| format!("name {i}"),
            );
            format!("{kind}, {name}, value {}", huffman(&field.value_string))
        }
    }
}

fn block_text(out: &mut String, who: &str, block: &HeaderBlock, style: Style) {
    let _ = writeln!(
        out,
        "{who}  {} stream {}: {} octets in {} frame(s)",
        style.bold(block.role.name()),
        block.stream_id,
        block.block.len(),
        block.frame_offsets.len()
    );
    for event in &block.events {
        match event {
            hpack::Event::Field(field) => {
                let name = String::from_utf8_lossy(&field.name);
                let value = String::from_utf8_lossy(&field.value);
                let _ = writeln!(
                    out,
                    "    {}  {}: {}",
                    style.dim(&short_hex(&block.block[field.at.clone()])),
                    style.bold(&name),
                    value
                );
                let _ = writeln!(out, "        HPACK: {}", representation_text(field));
                if let Some(meaning) = meaning(&field.name, &field.value) {
                    let _ = writeln!(out, "        gRPC: {meaning}");
                }
            }
            hpack::Event::SizeUpdate { at, max_size } => {
                let _ = writeln!(
                    out,
                    "    {}  dynamic table size update: maximum {max_size} octets",
                    style.dim(&hex(&block.block[at.clone()]))
                );
            }
            hpack::Event::Inserted { entry, table_size } => {
                let _ = writeln!(
                    out,
                    "        table: inserted at 62 ({} octets), table now {table_size} octets",
                    entry.size()
                );
            }
            hpack::Event::Evicted {
                entry, table_size, ..
            } => {
                let _ = writeln!(
                    out,
                    "        table: evicted {}: {} ({} octets), table now {table_size} octets",
                    String::from_utf8_lossy(&entry.name),
                    String::from_utf8_lossy(&entry.value),
                    entry.size()
                );
            }
            hpack::Event::TooLargeToInsert { size, max_size } => {
                let _ = writeln!(
                    out,
                    "        table: {size} octets is larger than the table ({max_size}): emptied, not inserted"
                );
            }
        }
    }
    if let Some((offset, error)) = &block.error {
        let _ = writeln!(
            out,
            "    {} at octet {offset} of the block: {error}",
            style.error("HPACK error")
        );
    }
    match block.role {
        crate::inspect::connection::BlockRole::TrailersOnly => {
            let _ = writeln!(
                out,
                "    Trailers-Only: one HEADERS frame with END_STREAM carries the response headers \
                 and the status; no message was sent"
            );
        }
        _ if block.end_stream => {
            let _ = writeln!(out, "    END_STREAM: this side is done");
        }
        _ => {}
    }
}

fn message_text(out: &mut String, who: &str, event: &MessageEvent, style: Style) {
    let message = &event.message;
    let frames = if message.frame_count == 1 {
        "in 1 DATA frame".to_owned()
    } else {
        format!("across {} DATA frames", message.frame_count)
    };
    let type_name = event
        .message_type
        .as_ref()
        .map(|t| format!(" {}", t.full_name()))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{who}  {}{type_name} stream {}, {} octets {frames}",
        style.bold(&format!("message {}", event.index)),
        event.stream_id,
        message.length
    );
    match (&event.body, message.flag) {
        // Not compressed and whole: the prefix and the message in one aligned block.
        (Ok(body), 0) if !event.body_truncated => {
            let mut wire = Vec::with_capacity(5 + body.len());
            wire.push(0);
            wire.extend_from_slice(&message.length.to_be_bytes());
            wire.extend_from_slice(body);
            let annotations = annotate_grpc(&wire, event.message_type.as_ref());
            for line in render_text_capped(&wire, &annotations, MAX_LINES).lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        (body, flag) => {
            let flag_meaning = match flag {
                0 => "not compressed".to_owned(),
                1 => format!(
                    "compressed with {}",
                    event.encoding.as_deref().unwrap_or("(no grpc-encoding)")
                ),
                _ => "not a valid flag".to_owned(),
            };
            let _ = writeln!(
                out,
                "    {}  Compressed-Flag {flag}: {flag_meaning}",
                style.dim(&hex(&[flag]))
            );
            let _ = writeln!(
                out,
                "    {}  Message-Length {}",
                style.dim(&hex(&message.length.to_be_bytes())),
                message.length
            );
            match body {
                Ok(body) => {
                    if flag == 1 {
                        let _ = writeln!(out, "    decompressed, {} octets:", body.len());
                    }
                    let annotations = message_annotations(event, body);
                    for line in render_text_capped(body, &annotations, MAX_LINES).lines() {
                        let _ = writeln!(out, "      {line}");
                    }
                }
                Err(why) => {
                    let _ = writeln!(out, "    {}", style.warn(why));
                }
            }
        }
    }
    match message_json(event) {
        Some(Ok(json)) => {
            let _ = writeln!(out, "    = {json}");
        }
        Some(Err(why)) => {
            let _ = writeln!(out, "    {}", style.error(&why));
        }
        None => {}
    }
}

fn summary_text(out: &mut String, who: &str, summary: &CallSummary, style: Style) {
    let method = summary.method.as_deref().unwrap_or("(no :path)");
    let status = match &summary.status {
        Some((code, message)) if message.is_empty() => status_name(*code),
        Some((code, message)) => format!("{} {message:?}", status_name(*code)),
        None => "no status".to_owned(),
    };
    let _ = writeln!(
        out,
        "{who}  {} stream {} {method}: {status}{}",
        style.bold("call ended"),
        summary.stream_id,
        summary
            .cut_short
            .as_ref()
            .map(|why| format!(" ({why})"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "    {:.3} ms; client sent {} message(s) in {} DATA octets, server {} in {}{}",
        summary.duration.as_secs_f64() * 1000.0,
        summary.messages[0],
        summary.data_octets[0],
        summary.messages[1],
        summary.data_octets[1],
        if summary.trailers_only {
            "; Trailers-Only"
        } else {
            ""
        }
    );
}
