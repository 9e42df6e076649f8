//! The web on the gRPC port: `h2grpc serve` answers HTTP/1.1 Connect unary calls, in JSON and
//! in protobuf, next to gRPC over HTTP/2 on the same port. The client is `curl`, a required
//! peer (`wire-tests/setup.sh` installs it): without it these tests fail.

use std::process::Command;

use crate::support::peers::{Listening, run_h2grpc};

/// `curl -s -i <args>`: the status line, headers and body.
fn curl(args: &[&str]) -> String {
    let output = Command::new("curl")
        .args(["-s", "-i", "--max-time", "20"])
        .args(args)
        .output()
        .unwrap_or_else(|error| {
            panic!("curl is required (wire-tests/setup.sh installs it): {error}")
        });
    assert!(output.status.success(), "curl {args:?}: {output:?}");
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// (HTTP status, header lines lower-cased, body).
fn parts(response: &str) -> (u16, Vec<String>, String) {
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    (
        status,
        lines.map(str::to_ascii_lowercase).collect(),
        body.to_owned(),
    )
}

#[test]
fn connect_json_unary_with_curl() {
    let server = Listening::h2grpc(&[], &[]);
    let url = |path: &str| format!("http://{}{path}", server.host_port());
    // The issue's own command line.
    let (status, headers, body) = parts(&curl(&[
        "-H",
        "content-type: application/json",
        "-d",
        r#"{"name":"web"}"#,
        &url("/hello.Greeter/SayHello"),
    ]));
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"message":"Hello, web!"}"#)
    );
    assert!(
        headers.contains(&"content-type: application/json".to_owned()),
        "{headers:?}"
    );

    // An error: the HTTP status of its code, and Connect's error JSON.
    let (status, _, body) = parts(&curl(&[
        "-H",
        "content-type: application/json",
        "-d",
        r#"{"user_id":"nobody"}"#,
        &url("/users.UserService/GetUser"),
    ]));
    assert_eq!(status, 404);
    assert_eq!(
        body,
        r#"{"code":"not_found","message":"User 'nobody' not found"}"#
    );

    // JSON that is not the request type: invalid_argument, naming the field.
    let (status, _, body) = parts(&curl(&[
        "-H",
        "content-type: application/json",
        "-d",
        r#"{"nmae":"typo"}"#,
        &url("/hello.Greeter/SayHello"),
    ]));
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains(r#""code":"invalid_argument""#) && body.contains("nmae"),
        "{body}"
    );

    // Unknown method, unsupported codec, a bad timeout.
    let (status, _, body) = parts(&curl(&[
        "-d",
        "{}",
        "-H",
        "content-type: application/json",
        &url("/no.Such/Method"),
    ]));
    assert_eq!(status, 501, "{body}");
    assert!(body.contains(r#""code":"unimplemented""#), "{body}");
    let (status, headers, _) = parts(&curl(&[
        "-H",
        "content-type: text/plain",
        "-d",
        "hi",
        &url("/hello.Greeter/SayHello"),
    ]));
    assert_eq!(status, 415);
    assert!(
        headers
            .iter()
            .any(|h| h.starts_with("accept-post: application/json")),
        "{headers:?}"
    );
    let (status, _, body) = parts(&curl(&[
        "-H",
        "content-type: application/json",
        "-H",
        "connect-timeout-ms: soon",
        "-d",
        "{}",
        &url("/hello.Greeter/SayHello"),
    ]));
    assert_eq!(status, 400, "{body}");

    // gRPC over HTTP/2 on the same port, unchanged.
    let grpc = run_h2grpc(
        &[
            "call",
            "-d",
            r#"{"name":"h2"}"#,
            &server.host_port(),
            "hello.Greeter/SayHello",
        ],
        None,
    );
    assert!(grpc.status.success(), "{grpc:?}");
    assert!(grpc.stdout.contains("Hello, h2!"), "{grpc:?}");
}

#[test]
fn connect_proto_unary_with_curl() {
    let server = Listening::h2grpc(&[], &[]);
    let file = std::env::temp_dir().join(format!("web-request-{}.bin", std::process::id()));
    // HelloRequest { name: "bin" }, bare (no gRPC prefix).
    std::fs::write(&file, [0x0a, 0x03, b'b', b'i', b'n']).unwrap();
    let output = Command::new("curl")
        .args([
            "-s",
            "--max-time",
            "20",
            "-H",
            "content-type: application/proto",
            "--data-binary",
        ])
        .arg(format!("@{}", file.display()))
        .arg(format!(
            "http://{}/hello.Greeter/SayHello",
            server.host_port()
        ))
        .output()
        .expect("curl is required (wire-tests/setup.sh installs it)");
    let _ = std::fs::remove_file(&file);
    assert!(output.status.success(), "{output:?}");
    // HelloReply { message: "Hello, bin!" }.
    let mut expected = vec![0x0a, 11];
    expected.extend_from_slice(b"Hello, bin!");
    assert_eq!(output.stdout, expected);
}
