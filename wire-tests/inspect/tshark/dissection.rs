//! The proxy's events and tshark's packets reduced to what both show, per connection (the
//! client's port) and direction: the frames, the header blocks, the gRPC messages' lengths and
//! the client's messages' fields.

use std::collections::BTreeMap;

use serde_json::Value;

/// Who sent the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Direction {
    Client,
    Server,
}

/// Each connection's directions, by the client's port.
pub(super) type Views = BTreeMap<(u16, Direction), Seen>;

/// Fields as (name, value).
type Fields = Vec<(String, String)>;

/// One direction of one connection.
#[derive(Debug, Default)]
pub(super) struct Seen {
    /// `preface`, then each frame as `type T stream S flags 0xFF length L`.
    pub(super) frames: Vec<String>,
    /// Each header block: its stream and its fields, in order.
    pub(super) headers: Vec<(u64, Fields)>,
    /// Each gRPC message: its stream and its length.
    pub(super) lengths: Vec<(u64, u64)>,
    /// Each gRPC message from the client: its stream and its fields (lowerCamelCase names, as
    /// in the proto3 JSON mapping), sorted.
    pub(super) fields: Vec<(u64, Fields)>,
}

fn frame(type_code: u64, stream: u64, flags: u64, length: u64) -> String {
    format!("type {type_code} stream {stream} flags {flags:#04x} length {length}")
}

/// What `h2grpc inspect --json` printed (its lines after `listening`).
pub(super) fn from_proxy(events: &[Value]) -> Views {
    let ports: BTreeMap<u64, u16> = events
        .iter()
        .filter(|event| event["event"] == "opened")
        .map(|event| (number(&event["conn"]), client_port(&event["peer"])))
        .collect();
    let mut views = Views::new();
    for event in events {
        let direction = match event["dir"].as_str() {
            Some("client") => Direction::Client,
            Some("server") => Direction::Server,
            _ => panic!("no direction: {event}"),
        };
        let conn = number(&event["conn"]);
        let port = *ports
            .get(&conn)
            .unwrap_or_else(|| panic!("no `opened` event for conn {conn}"));
        let stream = number(&event["stream"]);
        let into = views.entry((port, direction)).or_default();
        match event["event"].as_str() {
            Some("preface") => into.frames.push("preface".to_owned()),
            Some("frame") => into.frames.push(frame(
                number(&event["type_code"]),
                stream,
                number(&event["flags_code"]),
                number(&event["length"]),
            )),
            Some("headers") => {
                let fields = each(&event["fields"])
                    .map(|field| (text(&field["name"]), text(&field["value"])))
                    .collect();
                into.headers.push((stream, fields));
            }
            Some("message") => {
                into.lengths.push((stream, number(&event["length"])));
                if direction == Direction::Client {
                    let mut fields = Fields::new();
                    json_leaves("", &event["json"], &mut fields);
                    fields.sort();
                    into.fields.push((stream, fields));
                }
            }
            _ => {}
        }
    }
    views
}

/// What `tshark -T json --no-duplicate-keys` dissected on the client's side of the proxy,
/// which listens on `proxy_port`.
pub(super) fn from_tshark(packets: &[Value], proxy_port: u16) -> Views {
    assert!(!packets.is_empty(), "tshark saw no HTTP/2");
    let mut views = Views::new();
    for packet in packets {
        let layers = &packet["_source"]["layers"];
        let source = tshark_number(&layers["tcp"]["tcp.srcport"]);
        let destination = tshark_number(&layers["tcp"]["tcp.dstport"]);
        let key = if destination == u64::from(proxy_port) {
            (source, Direction::Client)
        } else {
            (destination, Direction::Server)
        };
        let key = (u16::try_from(key.0).expect("a port"), key.1);
        let into = views.entry(key).or_default();
        // One element per HTTP/2 frame: the frame, and the gRPC messages it completed.
        for element in each(&layers["http2"]) {
            let mut stream = None;
            for http2 in each(&element["http2.stream"]) {
                stream = Some(http2_frame(http2, into));
            }
            let stream = || stream.unwrap_or_else(|| panic!("gRPC without a frame: {element}"));
            for grpc in each(&element["grpc"]) {
                into.lengths
                    .push((stream(), tshark_number(&grpc["grpc.message_length"])));
            }
            if key.1 == Direction::Client {
                for message in each(&element["protobuf"]) {
                    let mut fields = Fields::new();
                    pbf_leaves(message, &mut fields);
                    fields.sort();
                    into.fields.push((stream(), fields));
                }
            }
        }
    }
    views
}

/// Records one of tshark's `http2.stream` items (a frame, or the preface) and returns its
/// stream id.
fn http2_frame(http2: &Value, into: &mut Seen) -> u64 {
    if http2.get("http2.magic").is_some() {
        into.frames.push("preface".to_owned());
        return 0;
    }
    let stream = tshark_number(&http2["http2.streamid"]);
    into.frames.push(frame(
        tshark_number(&http2["http2.type"]),
        stream,
        tshark_number(&http2["http2.flags"]),
        tshark_number(&http2["http2.length"]),
    ));
    if let Some(headers) = http2.get("http2.header") {
        let fields = each(headers)
            .map(|field| {
                let name = text(&field["http2.header.name"]);
                (name, text(&field["http2.header.value"]))
            })
            .collect();
        into.headers.push((stream, fields));
    }
    stream
}

/// The `pbf.<message>.<field>` leaves of one of tshark's `protobuf` items: a field holding a
/// message has a `<key>_tree` beside it, whose leaves are taken instead.
fn pbf_leaves(message: &Value, into: &mut Fields) {
    let Value::Object(map) = message else {
        panic!("a protobuf item that is not an object: {message}")
    };
    for (key, value) in map.iter().filter(|(key, _)| key.starts_with("pbf.")) {
        if key.ends_with("_tree") {
            each(value).for_each(|tree| pbf_leaves(tree, into));
        } else if !map.contains_key(&format!("{key}_tree")) {
            let name = lower_camel(key.rsplit('.').next().expect("split"));
            into.extend(each(value).map(|value| (name.clone(), text(value))));
        }
    }
}

/// The scalar leaves of the proxy's `json`, named by their key (the elements of an array by
/// the array's).
fn json_leaves(name: &str, value: &Value, into: &mut Fields) {
    match value {
        Value::Object(map) => map.iter().for_each(|(key, v)| json_leaves(key, v, into)),
        Value::Array(items) => items.iter().for_each(|item| json_leaves(name, item, into)),
        Value::Null => {}
        scalar => into.push((name.to_owned(), text(scalar))),
    }
}

/// `file_containing_symbol` -> `fileContainingSymbol`.
fn lower_camel(snake: &str) -> String {
    let mut parts = snake.split('_');
    let first = parts.next().unwrap_or_default().to_owned();
    parts.fold(first, |mut name, part| {
        let mut chars = part.chars();
        if let Some(initial) = chars.next() {
            name.extend(initial.to_uppercase());
            name.push_str(chars.as_str());
        }
        name
    })
}

/// A JSON value, or each element of an array: tshark writes a key seen once as a value and a
/// key seen more than once as an array.
fn each(value: &Value) -> impl Iterator<Item = &Value> {
    let items: &[Value] = match value {
        Value::Array(items) => items,
        Value::Null => &[],
        one => std::slice::from_ref(one),
    };
    items.iter()
}

/// A string as itself, anything else as its JSON text.
fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

#[track_caller]
fn number(value: &Value) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

/// tshark writes numbers as strings, decimal or `0x` hexadecimal.
#[track_caller]
fn tshark_number(value: &Value) -> u64 {
    let digits = value.as_str().unwrap_or_default();
    let parsed = match digits.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => digits.parse(),
    };
    parsed.unwrap_or_else(|_| panic!("not a number: {value}"))
}

fn client_port(peer: &Value) -> u16 {
    let peer: std::net::SocketAddr = text(peer)
        .parse()
        .unwrap_or_else(|error| panic!("{peer}: {error}"));
    peer.port()
}
