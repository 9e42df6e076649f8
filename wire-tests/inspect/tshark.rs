//! `h2grpc inspect --json` checked against an independent dissector: Wireshark's, as `tshark`
//! (installed by `wire-tests/setup.sh`).
//!
//! Calls of the four kinds go through the proxy, made by grpcurl and by `h2grpc call` (each on
//! a connection of its own, with its reflection calls first), while `tshark` captures the
//! client's side of the proxy on the loopback interface. The capture is then dissected by
//! `tshark -T json` with `proto/` on its protobuf search path, and, for every connection and
//! each direction, what tshark saw must equal what the proxy printed:
//!
//! - the HTTP/2 frames in order: the connection preface, then each frame's type, stream id,
//!   flags and length;
//! - each header block's fields, names and values, in order;
//! - each gRPC message's stream and length (`grpc.message_length`);
//! - for the client's messages, the decoded fields: tshark's `pbf.*` fields against the leaves
//!   of the proxy's `json`, as multisets of (field name in lowerCamelCase, value).
//!
//! Connections are matched by the client's port: the proxy's `opened` event names it, and it
//! is the TCP source port of the client's packets. Capturing needs the right to open `lo` (root,
//! or `dumpcap` with `CAP_NET_RAW`): without it the test fails, saying so. When the views
//! differ, the capture is left in cargo's temporary directory (`target/tmp/inspect-<port>.pcapng`).

use std::path::{Path, PathBuf};

use serde_json::Value;

mod capture;
mod dissection;

use capture::Capture;
use dissection::{Direction, Views};

use crate::support::peers::{Listening, run_grpcurl, run_h2grpc};

/// The calls, the same for both clients: (method, request messages as JSON).
const CALLS: [(&str, &str); 4] = [
    ("hello.Greeter/SayHello", r#"{"name": "world"}"#),
    ("hello.Greeter/SayHelloStreamReply", r#"{"name": "stream"}"#),
    (
        "users.UserService/BulkCreateUsers",
        r#"{"name": "a", "email": "a@x.org", "age": 30} {"name": "b", "email": "b@x.org"}"#,
    ),
    (
        "helloworld.Greeter/SayHelloBidiStream",
        r#"{"name": "x"} {"name": "y"}"#,
    ),
];

#[test]
fn the_proxy_and_wireshark_see_the_same_frames_headers_and_messages() {
    let server = Listening::h2grpc(&[], &[]);
    let proxy = Listening::inspect(&server.host_port(), &["--json"]);
    let (addr, port) = (proxy.host_port(), proxy.addr.port());
    let pcap = pcap_path(port);
    let capture = Capture::start(port, &pcap);
    for (method, data) in CALLS {
        let by_grpcurl = run_grpcurl(&["-plaintext", "-d", data, &addr, method], None);
        assert!(
            by_grpcurl.status.success(),
            "grpcurl {method}: {by_grpcurl:?}"
        );
        let by_h2grpc = run_h2grpc(&["call", "-d", data, &addr, method], None);
        assert!(
            by_h2grpc.status.success(),
            "h2grpc call {method}: {by_h2grpc:?}"
        );
    }
    let printed = settled_output(&proxy, 2 * CALLS.len());
    capture.stop();
    proxy.stop();

    let inspected = dissection::from_proxy(&events(&printed));
    let dissected = dissection::from_tshark(&capture::dissect(&pcap, port), port);
    compare(&inspected, &dissected);
    // Kept when the comparison fails, to be read again with `tshark -r`.
    let _ = std::fs::remove_file(&pcap);
}

/// Both views hold the same connections (two per call: grpcurl's and h2grpc's), and each
/// direction of each connection is the same, with something in every part compared.
fn compare(inspected: &Views, dissected: &Views) {
    let keys = |views: &Views| views.keys().copied().collect::<Vec<_>>();
    assert_eq!(keys(inspected), keys(dissected), "the connections");
    assert_eq!(
        inspected.len(),
        2 * 2 * CALLS.len(),
        "{:?}",
        keys(inspected)
    );
    for (key, proxy) in inspected {
        let tshark = &dissected[key];
        assert!(proxy.frames.len() > 2, "{key:?}: {proxy:?}");
        assert!(!proxy.headers.is_empty(), "{key:?}: {proxy:?}");
        assert!(!proxy.lengths.is_empty(), "{key:?}: {proxy:?}");
        if key.1 == Direction::Client {
            assert!(!proxy.fields.is_empty(), "{key:?}: {proxy:?}");
        }
        assert_eq!(proxy.frames, tshark.frames, "{key:?}: the frames");
        assert_eq!(proxy.headers, tshark.headers, "{key:?}: the header blocks");
        assert_eq!(
            proxy.lengths, tshark.lengths,
            "{key:?}: the message lengths"
        );
        assert_eq!(proxy.fields, tshark.fields, "{key:?}: the messages' fields");
    }
    // The messages sent were all seen, in their decoded form, by both.
    let every_field: Vec<&(String, String)> = inspected
        .values()
        .flat_map(|seen| &seen.fields)
        .flat_map(|(_, fields)| fields)
        .collect();
    for expected in [
        ("name", "world"),
        ("email", "b@x.org"),
        ("age", "30"),
        ("name", "y"),
    ] {
        let wanted = (expected.0.to_owned(), expected.1.to_owned());
        let times = every_field
            .iter()
            .filter(|field| ***field == wanted)
            .count();
        assert_eq!(times, 2, "{expected:?} once by each client");
    }
}

/// Where the capture goes: cargo's temporary directory for the tests, one file per proxy.
fn pcap_path(port: u16) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("inspect-{port}.pcapng"))
}

/// The proxy's output once it has printed the end of two calls per connection (the client's
/// reflection call and its call) and then nothing more for half a second.
fn settled_output(proxy: &Listening, connections: usize) -> String {
    let ends = 2 * connections;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut last = String::new();
    loop {
        std::thread::sleep(std::time::Duration::from_millis(500));
        let now = proxy.wait_for_stdout("");
        let settled = now == last && now.matches(r#""event":"call""#).count() >= ends;
        assert!(
            settled || std::time::Instant::now() < deadline,
            "the proxy never printed {ends} calls:\n{now}"
        );
        if settled {
            return now;
        }
        last = now;
    }
}

/// The proxy's JSON lines, parsed.
fn events(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}
