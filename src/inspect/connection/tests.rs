//! A gRPC exchange written frame by frame, read back by [`Connection`].

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::inspect::frame::ErrorCode;
use crate::inspect::reader::CONNECTION_PREFACE;

const C: Direction = Direction::ClientToServer;
const S: Direction = Direction::ServerToClient;

fn frame(kind: u8, flags: u8, stream_id: u32, payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).unwrap().to_be_bytes();
    let mut out = vec![len[1], len[2], len[3], kind, flags];
    out.extend_from_slice(&stream_id.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// A block of "literal without indexing, new name" fields (RFC 7541 §6.2.2, no Huffman).
fn block(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in fields {
        out.push(0x00);
        out.push(u8::try_from(name.len()).unwrap());
        out.extend_from_slice(name.as_bytes());
        out.push(u8::try_from(value.len()).unwrap());
        out.extend_from_slice(value.as_bytes());
    }
    out
}

fn request_headers() -> Vec<(&'static str, &'static str)> {
    vec![
        (":method", "POST"),
        (":scheme", "http"),
        (":path", "/hello.Greeter/SayHello"),
        ("te", "trailers"),
        ("content-type", "application/grpc"),
        ("grpc-timeout", "5S"),
    ]
}

fn run(exchange: &[(Direction, Vec<u8>)]) -> Vec<Event> {
    let mut connection = Connection::new(Arc::default(), Options::default());
    let mut events = Vec::new();
    connection.push(C, CONNECTION_PREFACE, Duration::ZERO, &mut events);
    for (i, (direction, bytes)) in exchange.iter().enumerate() {
        let at = Duration::from_millis(u64::try_from(i).unwrap());
        connection.push(*direction, bytes, at, &mut events);
    }
    connection.close(Duration::from_secs(1), &mut events);
    events
}

fn summaries(events: &[Event]) -> Vec<&CallSummary> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::CallEnd(summary) => Some(summary),
            _ => None,
        })
        .collect()
}

fn lints(events: &[Event]) -> Vec<&Lint> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Lint { lint, .. } => Some(lint),
            _ => None,
        })
        .collect()
}

#[test]
fn a_unary_call_split_across_frames() {
    let message = [0, 0, 0, 0, 7, 0x0a, 0x05, b'w', b'o', b'r', b'l', b'd'];
    let exchange = vec![
        (C, frame(4, 0, 0, &[0, 4, 0, 0x10, 0, 0])), // SETTINGS INITIAL_WINDOW_SIZE 1 MiB
        (C, frame(1, 0x04, 1, &block(&request_headers()))),
        (C, frame(0, 0, 1, &message[..3])),
        (C, frame(0, 0x01, 1, &message[3..])),
        (
            S,
            frame(
                1,
                0x04,
                1,
                &block(&[(":status", "200"), ("content-type", "application/grpc")]),
            ),
        ),
        (S, frame(0, 0, 1, &[0, 0, 0, 0, 2, 0x0a, 0x00])),
        (S, frame(1, 0x05, 1, &block(&[("grpc-status", "0")]))),
    ];
    let events = run(&exchange);
    let roles: Vec<BlockRole> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Headers(block) => Some(block.role),
            _ => None,
        })
        .collect();
    assert_eq!(
        roles,
        [
            BlockRole::RequestHeaders,
            BlockRole::ResponseHeaders,
            BlockRole::Trailers
        ]
    );
    let messages: Vec<&MessageEvent> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Message(message) => Some(&**message),
            _ => None,
        })
        .collect();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].message.frame_count, 2);
    assert_eq!(messages[0].body.as_deref().unwrap(), &message[5..]);
    let summary = summaries(&events);
    assert_eq!(summary.len(), 1);
    assert_eq!(
        summary[0].method.as_deref(),
        Some("/hello.Greeter/SayHello")
    );
    assert_eq!(summary[0].status, Some((0, String::new())));
    assert_eq!(summary[0].messages, [1, 1]);
    assert_eq!(summary[0].data_octets, [12, 7]);
    assert_eq!(summary[0].cut_short, None);
    assert_eq!(summary[0].duration, Duration::from_millis(5));
    assert!(lints(&events).is_empty(), "{:?}", lints(&events));
    // The server's DATA was charged against its windows; the client's setting widened the
    // stream window the server sends into.
    let server_flow = events.iter().find_map(|e| match &e.kind {
        EventKind::Frame {
            flow: Some(flow), ..
        } if e.direction == S => Some(*flow),
        _ => None,
    });
    let flow = server_flow.unwrap();
    assert_eq!(flow.connection_window, 65_535 - 7);
    assert_eq!(flow.stream_window, Some(1_048_576 - 7));
}

#[test]
fn trailers_only_with_an_error() {
    let exchange = vec![
        (C, frame(1, 0x05, 1, &block(&request_headers()))),
        (
            S,
            frame(
                1,
                0x05,
                1,
                &block(&[
                    (":status", "200"),
                    ("grpc-status", "5"),
                    ("grpc-message", "no %22x%22"),
                ]),
            ),
        ),
    ];
    let events = run(&exchange);
    let summary = summaries(&events);
    assert!(summary[0].trailers_only);
    assert_eq!(summary[0].status, Some((5, "no \"x\"".to_owned())));
    // The request ended with its headers, so it carried no message: the lint does not
    // judge cardinality without a schema.
    assert_eq!(summary[0].messages, [0, 0]);
}

#[test]
fn lints_name_the_rule() {
    let mut headers = request_headers();
    headers.retain(|(name, _)| *name != "te");
    headers.push(("X-Upper", "1"));
    headers.push(("grpc-custom", "1"));
    let exchange = vec![
        (C, frame(1, 0x04, 1, &block(&headers))),
        (C, frame(0, 0x01, 1, &[0, 0, 0, 0, 9, 1])), // ends 6 octets into a message
        (S, frame(1, 0x05, 1, &block(&[(":status", "200")]))),
    ];
    let events = run(&exchange);
    let found = lints(&events);
    assert!(found.contains(&&Lint::MissingTe));
    assert!(found.contains(&&Lint::BadHeaderName {
        name: "X-Upper".into()
    }));
    assert!(found.contains(&&Lint::ReservedHeaderName {
        name: "grpc-custom".into()
    }));
    assert!(found.contains(&&Lint::EndedInsideMessage { pending: 6 }));
    assert!(found.contains(&&Lint::MissingStatus));
    assert!(found.iter().all(|lint| !lint.rule().is_empty()));
}

#[test]
fn a_reset_ends_the_call_and_a_closed_connection_ends_the_rest() {
    let exchange = vec![
        (C, frame(1, 0x04, 1, &block(&request_headers()))),
        (C, frame(1, 0x04, 3, &block(&request_headers()))),
        (C, frame(3, 0, 1, &8u32.to_be_bytes())), // RST_STREAM CANCEL
    ];
    let events = run(&exchange);
    let summary = summaries(&events);
    assert_eq!(summary.len(), 2);
    assert_eq!(summary[0].stream_id, 1);
    assert_eq!(summary[0].reset, Some((C, ErrorCode(8))));
    assert_eq!(
        summary[0].cut_short.as_deref(),
        Some("reset by the client with CANCEL")
    );
    assert_eq!(summary[1].stream_id, 3);
    assert_eq!(
        summary[1].cut_short.as_deref(),
        Some("the connection closed")
    );
}

#[test]
fn garbage_is_reported_not_followed() {
    let mut connection = Connection::new(Arc::default(), Options::default());
    let mut events = Vec::new();
    connection.push(C, b"GET / HTTP/1.1\r\n\r\n", Duration::ZERO, &mut events);
    assert!(matches!(
        events[0].kind,
        EventKind::Stopped { offset: 0, .. }
    ));
    connection.push(S, &[0xff; 20], Duration::ZERO, &mut events);
    connection.close(Duration::ZERO, &mut events);
    assert!(events.iter().any(|e| e.direction == S));
}

#[test]
fn calls_beyond_the_bound_are_forwarded_unfollowed() {
    let options = Options {
        max_calls: 1,
        ..Options::default()
    };
    let mut connection = Connection::new(Arc::default(), options);
    let mut events = Vec::new();
    connection.push(C, CONNECTION_PREFACE, Duration::ZERO, &mut events);
    for stream_id in [1, 3] {
        let headers = frame(1, 0x04, stream_id, &block(&request_headers()));
        connection.push(C, &headers, Duration::ZERO, &mut events);
    }
    assert_eq!(connection.open_calls(), 1);
    assert!(events.iter().any(|e| matches!(
        &e.kind,
        EventKind::Problem {
            stream_id: Some(3),
            ..
        }
    )));
}

/// Frames of every type with random flags, streams and payloads: what a confused or hostile
/// peer sends, shaped enough to get past the frame header.
fn plausible_frames() -> impl proptest::strategy::Strategy<Value = Vec<(bool, Vec<u8>)>> {
    use proptest::prelude::*;
    let frame = (
        any::<bool>(),
        0u8..11,
        any::<u8>(),
        prop_oneof![Just(0u32), Just(1), Just(3), 0u32..8],
        proptest::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(to_server, kind, flags, stream_id, payload)| {
            (to_server, frame(kind, flags, stream_id, &payload))
        });
    proptest::collection::vec(frame, 0..40)
}

proptest::proptest! {
    #[test]
    fn never_panics_on_arbitrary_bytes(
        chunks in proptest::collection::vec((proptest::prelude::any::<bool>(), proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)), 0..20),
    ) {
        read_and_render(true, chunks);
    }

    #[test]
    fn never_panics_on_plausible_frames(frames in plausible_frames()) {
        read_and_render(true, frames);
    }
}

/// Pushes the chunks (after the preface), closes, and renders every event both ways.
fn read_and_render(preface: bool, chunks: Vec<(bool, Vec<u8>)>) {
    use crate::inspect::render::{Style, calls_line, json, text};
    let mut connection = Connection::new(Arc::default(), Options::default());
    let mut events = Vec::new();
    if preface {
        connection.push(C, CONNECTION_PREFACE, Duration::ZERO, &mut events);
    }
    for (to_server, chunk) in chunks {
        let direction = if to_server { C } else { S };
        connection.push(direction, &chunk, Duration::ZERO, &mut events);
    }
    connection.close(Duration::ZERO, &mut events);
    assert_eq!(connection.open_calls(), 0);
    for event in &events {
        let style = Style { color: true };
        assert!(!text::render(1, event, style).is_empty());
        assert!(json::render(1, event).starts_with('{'));
        if let EventKind::CallEnd(summary) = &event.kind {
            assert!(calls_line(1, summary, style).starts_with("conn 1"));
        }
    }
}
