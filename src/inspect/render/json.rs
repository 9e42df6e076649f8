//! `--json`: one JSON object per event, one per line.
//!
//! Every object has `conn` (the connection's number, from 1), `dir` (`"client"` for bytes the
//! client sent, `"server"` for the server's), `at_ms` (milliseconds since the inspector started),
//! `event` and `stream` (0 for the connection). By `event`:
//!
//! | `event` | further keys |
//! |---|---|
//! | `opened` | `peer` (the client's address, `ip:port`; `dir` is `client`, `stream` 0) |
//! | `preface` | `offset` |
//! | `frame` | `offset`, `length`, `type` (name, or `UNKNOWN`), `type_code`, `flags` (names), `flags_code`, `header_hex` (the 9 octets); by type: `settings` (`[{id, name, value}]`), `error_code` + `error_name` (RST_STREAM, GOAWAY), `last_stream` + `debug_data` (GOAWAY), `increment` (WINDOW_UPDATE), `opaque_hex` (PING), `data_len` + `padding` (DATA); `window` (`{sender, charged, connection, stream}`, DATA and WINDOW_UPDATE) |
//! | `malformed` | `offset`, `type_code`, `error`, `hex` |
//! | `stopped` | `offset`, `error` (the direction is still forwarded, no longer read) |
//! | `headers` | `role` (`request headers`, `response headers`, `trailers`, `Trailers-Only`, ...), `frames` (offsets), `end_stream`, `table_size`, `fields` (`[{name, value, hex, representation, index, table, name_huffman, value_huffman, meaning}]`), `table` (`[{op: insert / evict / size_update / too_large, ...}]`), `error` |
//! | `message` | `index` (from 1 per direction), `flag`, `length`, `frames` (offsets, at most 16), `frame_count`, `encoding`, `type`, `hex` (the protobuf octets, decompressed), `truncated`, `annotations` (`[{at: [start, end], depth, role: prefix / key / length / value / error / unparsed, note}]`, offsets into `hex`'s octets), `json` (the message in the proto3 JSON mapping, with a schema), `error` |
//! | `call` | `method`, `status`, `status_name`, `message`, `trailers_only`, `reset` (`{by, code, name}`), `cut_short`, `duration_ms`, `messages` and `data_octets` (`{client, server}`) |
//! | `lint` | `lint` (what is wrong), `rule` (the sentence of the spec) |
//! | `closed` | `error` (`null` for a clean end): the direction's TCP stream ended |
//! | `problem` | `text` |

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::{hex, message_annotations, message_json, stream_of};
use crate::inspect::connection::{Event, EventKind, HeaderBlock, MessageEvent};
use crate::inspect::frame::{Frame, Payload};
use crate::inspect::hpack::{self, Representation, Table};
use crate::inspect::meaning::meaning;
use crate::inspect::reader::Direction;
use crate::status::Code;

fn side(direction: Direction) -> &'static str {
    match direction {
        Direction::ClientToServer => "client",
        Direction::ServerToClient => "server",
    }
}

/// The JSON line of one event (without its newline).
#[must_use]
pub fn render(connection: u64, event: &Event) -> String {
    let mut object = Map::new();
    object.insert("conn".into(), json!(connection));
    object.insert("dir".into(), json!(side(event.direction)));
    object.insert("at_ms".into(), json!(event.at.as_secs_f64() * 1000.0));
    object.insert("stream".into(), json!(stream_of(event)));
    let (name, fields) = match &event.kind {
        EventKind::Preface { offset } => ("preface", json!({ "offset": offset })),
        EventKind::Frame { frame, flow } => {
            let mut fields = frame_fields(frame);
            if let (Some(flow), Value::Object(map)) = (flow, &mut fields) {
                map.insert(
                    "window".into(),
                    json!({
                        "sender": side(flow.sender),
                        "charged": flow.charged,
                        "connection": flow.connection_window,
                        "stream": flow.stream_window,
                    }),
                );
            }
            ("frame", fields)
        }
        EventKind::Malformed {
            offset,
            header,
            bytes,
            error,
        } => (
            "malformed",
            json!({ "offset": offset, "type_code": header.type_code, "error": error.to_string(), "hex": hex(bytes) }),
        ),
        EventKind::Stopped { offset, error } => (
            "stopped",
            json!({ "offset": offset, "error": error.to_string() }),
        ),
        EventKind::Headers(block) => ("headers", block_fields(block)),
        EventKind::Message(message) => ("message", message_fields(message)),
        EventKind::CallEnd(summary) => (
            "call",
            json!({
                "method": summary.method,
                "status": summary.status.as_ref().map(|s| s.0),
                "status_name": summary.status.as_ref().map(|s| Code::from_i32(s.0).as_str()),
                "message": summary.status.as_ref().map(|s| &s.1),
                "trailers_only": summary.trailers_only,
                "reset": summary.reset.map(|(by, code)| json!({
                    "by": side(by), "code": code.0, "name": code.name(),
                })),
                "cut_short": summary.cut_short,
                "duration_ms": summary.duration.as_secs_f64() * 1000.0,
                "messages": { "client": summary.messages[0], "server": summary.messages[1] },
                "data_octets": { "client": summary.data_octets[0], "server": summary.data_octets[1] },
            }),
        ),
        EventKind::Lint { lint, .. } => (
            "lint",
            json!({ "lint": lint.to_string(), "rule": lint.rule() }),
        ),
        EventKind::Closed { error } => ("closed", json!({ "error": error })),
        EventKind::Problem { text, .. } => ("problem", json!({ "text": text })),
    };
    object.insert("event".into(), json!(name));
    if let Value::Object(fields) = fields {
        object.extend(fields);
    }
    Value::Object(object).to_string()
}

/// The JSON line (without its newline) saying that the client at `peer` opened connection
/// `connection`, `at` since the inspector started.
#[must_use]
pub fn opened(connection: u64, at: Duration, peer: SocketAddr) -> String {
    json!({
        "conn": connection,
        "dir": "client",
        "at_ms": at.as_secs_f64() * 1000.0,
        "stream": 0,
        "event": "opened",
        "peer": peer.to_string(),
    })
    .to_string()
}

fn frame_fields(frame: &Frame) -> Value {
    let header = &frame.header;
    let mut fields = json!({
        "offset": frame.offset,
        "length": header.length,
        "type": header.frame_type().map_or("UNKNOWN", |t| t.name()),
        "type_code": header.type_code,
        "flags": header.flag_names(),
        "flags_code": header.flags,
        "header_hex": hex(&frame.bytes[..9]),
    });
    let extra = match &frame.payload {
        Payload::Settings { settings } => json!({
            "settings": settings.iter().map(|s| json!({
                "id": s.id.0, "name": s.id.name(), "value": s.value,
            })).collect::<Vec<_>>(),
        }),
        Payload::RstStream { error_code } => {
            json!({ "error_code": error_code.0, "error_name": error_code.name() })
        }
        Payload::Goaway {
            last_stream_id,
            error_code,
            debug_data,
        } => json!({
            "error_code": error_code.0,
            "error_name": error_code.name(),
            "last_stream": last_stream_id,
            "debug_data": String::from_utf8_lossy(frame.part(debug_data)),
        }),
        Payload::WindowUpdate {
            window_size_increment,
        } => json!({ "increment": window_size_increment }),
        Payload::Ping { opaque_data } => json!({ "opaque_hex": hex(opaque_data) }),
        Payload::Data { data, padding } => json!({
            "data_len": data.len(),
            "padding": padding.as_ref().map(|p| p.pad_length),
        }),
        _ => json!({}),
    };
    if let (Value::Object(map), Value::Object(extra)) = (&mut fields, extra) {
        map.extend(extra);
    }
    fields
}

fn block_fields(block: &HeaderBlock) -> Value {
    let mut fields = Vec::new();
    let mut table = Vec::new();
    for event in &block.events {
        match event {
            hpack::Event::Field(field) => {
                let representation = match field.representation {
                    Representation::Indexed => "indexed",
                    Representation::IncrementalIndexing => "incremental indexing",
                    Representation::WithoutIndexing => "without indexing",
                    Representation::NeverIndexed => "never indexed",
                };
                fields.push(json!({
                    "name": String::from_utf8_lossy(&field.name),
                    "value": String::from_utf8_lossy(&field.value),
                    "hex": hex(&block.block[field.at.clone()]),
                    "representation": representation,
                    "index": field.index.map(|i| i.index),
                    "table": field.index.map(|i| match i.table {
                        Table::Static => "static",
                        Table::Dynamic => "dynamic",
                    }),
                    "name_huffman": field.name_string.as_ref().map(|s| s.huffman),
                    "value_huffman": field.value_string.as_ref().map(|s| s.huffman),
                    "meaning": meaning(&field.name, &field.value),
                }));
            }
            hpack::Event::Inserted { entry, table_size } => table.push(json!({
                "op": "insert",
                "name": String::from_utf8_lossy(&entry.name),
                "value": String::from_utf8_lossy(&entry.value),
                "table_size": table_size,
            })),
            hpack::Event::Evicted {
                entry, table_size, ..
            } => table.push(json!({
                "op": "evict",
                "name": String::from_utf8_lossy(&entry.name),
                "value": String::from_utf8_lossy(&entry.value),
                "table_size": table_size,
            })),
            hpack::Event::SizeUpdate { max_size, .. } => {
                table.push(json!({ "op": "size_update", "max_size": max_size }));
            }
            hpack::Event::TooLargeToInsert { size, max_size } => {
                table.push(json!({ "op": "too_large", "size": size, "max_size": max_size }));
            }
        }
    }
    json!({
        "role": block.role.name(),
        "frames": block.frame_offsets,
        "end_stream": block.end_stream,
        "table_size": block.table_size,
        "fields": fields,
        "table": table,
        "error": block.error.as_ref().map(|(offset, error)| format!("at octet {offset}: {error}")),
    })
}

fn message_fields(event: &MessageEvent) -> Value {
    let message = &event.message;
    let decoded = message_json(event);
    let error = match (&event.body, &decoded) {
        (Err(why), _) => Some(why.clone()),
        (_, Some(Err(why))) => Some(why.clone()),
        _ => None,
    };
    json!({
        "index": event.index,
        "flag": message.flag,
        "length": message.length,
        "frames": message.frames,
        "frame_count": message.frame_count,
        "encoding": event.encoding,
        "type": event.message_type.as_ref().map(|t| t.full_name().to_owned()),
        "hex": event.body.as_ref().ok().map(|body| hex(body)),
        "truncated": event.body_truncated,
        "annotations": event.body.as_ref().ok().map(|body| {
            message_annotations(event, body)
                .into_iter()
                .map(|a| json!({
                    "at": [a.at.start, a.at.end],
                    "depth": a.depth,
                    "role": format!("{:?}", a.role).to_lowercase(),
                    "note": a.note,
                }))
                .collect::<Vec<_>>()
        }),
        "json": decoded.and_then(Result::ok).and_then(|j| serde_json::from_str::<Value>(&j).ok()),
        "error": error,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::{Value, json};

    #[test]
    fn opened_names_the_peer() {
        let line = super::opened(
            3,
            Duration::from_millis(2),
            "127.0.0.1:4321".parse().unwrap(),
        );
        let object: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            object,
            json!({"conn": 3, "dir": "client", "at_ms": 2.0, "stream": 0, "event": "opened", "peer": "127.0.0.1:4321"})
        );
    }
}
