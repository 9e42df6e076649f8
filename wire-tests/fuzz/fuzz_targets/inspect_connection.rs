//! The wire inspector's reading of a connection (`inspect::connection::Connection`): arbitrary
//! chunks pushed in both directions, every event rendered as text and as JSON.
//!
//! Input: `[flags, chunk...]`, each chunk `[head, head & 0x3f bytes]`, sent to the server when
//! bit 7 of `head` is clear, to the client when it is set; bit 6 first closes the connection
//! and opens a new one. Flag bit 0 pushes the client preface first; bit 1 gives the inspector
//! the methods of `proto/` (so it decodes messages by type); bit 2 makes its bounds tiny (8
//! octets of display, 2 calls, 64-octet header blocks). Asserts: no panic; once closed, no call
//! is left open; every event renders to non-empty text and to a JSON object.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use h2grpc::dynamic::{MessageType, Types};
use h2grpc::inspect::connection::{Connection, Event, EventKind, MethodTypes, Methods, Options};
use h2grpc::inspect::reader::{CONNECTION_PREFACE, Direction};
use h2grpc::inspect::render::{Style, calls_line, json, text};
use h2grpc::schema::Schema;
use libfuzzer_sys::fuzz_target;

/// Every method of `proto/`, by `:path`.
fn schema_methods() -> Arc<Methods> {
    static METHODS: OnceLock<Arc<Methods>> = OnceLock::new();
    let methods = METHODS.get_or_init(|| {
        let schema = Schema::embedded();
        let types = Types::new(schema.files()).expect("the schema resolves");
        let mut methods = Methods::new();
        for service_name in schema.services() {
            let service = schema.service(&service_name).expect("a listed service");
            for method in &service.method {
                let name = method.name.as_deref().unwrap_or_default();
                let type_of = |name: Option<&str>| {
                    MessageType::new(&types, name.unwrap_or_default()).expect("a declared type")
                };
                methods.insert(
                    format!("/{service_name}/{name}"),
                    MethodTypes {
                        input: type_of(method.input_type.as_deref()),
                        output: type_of(method.output_type.as_deref()),
                        client_streaming: method.client_streaming.unwrap_or(false),
                        server_streaming: method.server_streaming.unwrap_or(false),
                    },
                );
            }
        }
        Arc::new(methods)
    });
    Arc::clone(methods)
}

fn render(events: &[Event]) {
    let style = Style { color: true };
    for event in events {
        assert!(!text::render(1, event, style).is_empty());
        assert!(json::render(1, event).starts_with('{'));
        if let EventKind::CallEnd(summary) = &event.kind {
            let _ = calls_line(1, summary, style);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, mut rest)) = data.split_first() else {
        return;
    };
    let methods = if flags & 2 != 0 {
        schema_methods()
    } else {
        Arc::default()
    };
    let options = if flags & 4 != 0 {
        Options {
            max_display: 8,
            max_calls: 2,
            max_header_block: 64,
        }
    } else {
        Options::default()
    };
    let open = || {
        let mut connection = Connection::new(Arc::clone(&methods), options);
        let mut events = Vec::new();
        if flags & 1 != 0 {
            connection.push(
                Direction::ClientToServer,
                CONNECTION_PREFACE,
                Duration::ZERO,
                &mut events,
            );
        }
        (connection, events)
    };
    let (mut connection, mut events) = open();
    let mut at = Duration::ZERO;
    while let Some((&head, tail)) = rest.split_first() {
        let len = usize::from(head & 0x3f).min(tail.len());
        let (chunk, next) = tail.split_at(len);
        rest = next;
        at += Duration::from_millis(1);
        if head & 0x40 != 0 {
            connection.close(at, &mut events);
            assert_eq!(connection.open_calls(), 0);
            render(&events);
            (connection, events) = open();
        }
        let direction = if head & 0x80 == 0 {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        };
        connection.push(direction, chunk, at, &mut events);
    }
    connection.close(at, &mut events);
    assert_eq!(connection.open_calls(), 0);
    render(&events);
});
