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

/// `curl --data-binary @file` with `content-type`, the response body's octets.
fn curl_binary(url: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let file = std::env::temp_dir().join(format!("web-{}-{}.bin", std::process::id(), body.len()));
    std::fs::write(&file, body).unwrap();
    let output = Command::new("curl")
        .args(["-s", "--max-time", "20", "-H"])
        .arg(format!("content-type: {content_type}"))
        .arg("--data-binary")
        .arg(format!("@{}", file.display()))
        .arg(url)
        .output()
        .expect("curl is required (wire-tests/setup.sh installs it)");
    let _ = std::fs::remove_file(&file);
    assert!(output.status.success(), "{output:?}");
    output.stdout
}

/// The frames of a gRPC-Web body: (flag, payload).
fn web_frames(mut body: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while !body.is_empty() {
        assert!(body.len() >= 5, "a cut frame: {body:?}");
        let len = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
        out.push((body[0], body[5..5 + len].to_vec()));
        body = &body[5 + len..];
    }
    out
}

#[test]
fn grpc_web_unary_streaming_and_text_with_curl() {
    use base64::Engine;
    let server = Listening::h2grpc(&[], &[]);
    let url = |path: &str| format!("http://{}{path}", server.host_port());
    // HelloRequest { name: "web" } as a Length-Prefixed-Message.
    let request = [0, 0, 0, 0, 5, 0x0a, 0x03, b'w', b'e', b'b'];

    // Server streaming: three messages, then the trailers frame (flag 0x80).
    let body = curl_binary(
        &url("/hello.Greeter/SayHelloStreamReply"),
        "application/grpc-web+proto",
        &request,
    );
    let frames = web_frames(&body);
    assert_eq!(frames.len(), 4, "{frames:?}");
    for (i, (flag, message)) in frames[..3].iter().enumerate() {
        assert_eq!(*flag, 0);
        let text = format!("Hello, web! #{}", i + 1);
        assert_eq!(&message[2..], text.as_bytes());
    }
    assert_eq!(frames[3], (0x80, b"grpc-status:0\r\n".to_vec()));

    // The -text variant: base64 both ways.
    let encoded = base64::engine::general_purpose::STANDARD.encode(request);
    let body = curl_binary(
        &url("/hello.Greeter/SayHello"),
        "application/grpc-web-text",
        encoded.as_bytes(),
    );
    let text = String::from_utf8(body).unwrap();
    let mut decoded = Vec::new();
    for piece in text.split_inclusive('=').filter(|p| *p != "=") {
        let piece = piece.trim_end_matches('=');
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode_vec(piece, &mut decoded)
            .unwrap();
    }
    let frames = web_frames(&decoded);
    assert_eq!(frames[0].1, b"\x0a\x0bHello, web!");
    assert_eq!(frames[1], (0x80, b"grpc-status:0\r\n".to_vec()));

    // An error is in the trailers frame, the message percent-encoded.
    let get_user = [0, 0, 0, 0, 4, 0x0a, 0x02, b'n', b'o'];
    let body = curl_binary(
        &url("/users.UserService/GetUser"),
        "application/grpc-web",
        &get_user,
    );
    let frames = web_frames(&body);
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert_eq!(
        String::from_utf8(frames[0].1.clone()).unwrap(),
        "grpc-status:5\r\ngrpc-message:User 'no' not found\r\n"
    );
}

/// CORS: a preflight from an allowed origin is answered with it, a call's response names it
/// and exposes the gRPC status headers; another origin gets no CORS header at all.
#[test]
fn cors_for_allowed_origins_only() {
    let server = Listening::h2grpc(&["--cors-allow-origin", "https://app.example"], &[]);
    let url = format!("http://{}/hello.Greeter/SayHello", server.host_port());
    let preflight = |origin: &str| {
        parts(&curl(&[
            "-X",
            "OPTIONS",
            "-H",
            &format!("origin: {origin}"),
            "-H",
            "access-control-request-method: POST",
            "-H",
            "access-control-request-headers: content-type,x-grpc-web",
            &url,
        ]))
    };
    let (status, headers, _) = preflight("https://app.example");
    assert_eq!(status, 204);
    assert!(
        headers.contains(&"access-control-allow-origin: https://app.example".to_owned()),
        "{headers:?}"
    );
    assert!(
        headers.contains(&"access-control-allow-headers: content-type,x-grpc-web".to_owned()),
        "{headers:?}"
    );
    let (status, headers, _) = preflight("https://evil.example");
    assert_eq!(status, 204);
    assert!(
        !headers.iter().any(|h| h.starts_with("access-control-")),
        "{headers:?}"
    );

    let (status, headers, body) = parts(&curl(&[
        "-H",
        "origin: https://app.example",
        "-H",
        "content-type: application/json",
        "-d",
        r#"{"name":"cors"}"#,
        &url,
    ]));
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"message":"Hello, cors!"}"#)
    );
    assert!(
        headers.contains(&"access-control-allow-origin: https://app.example".to_owned()),
        "{headers:?}"
    );
    assert!(
        headers
            .iter()
            .any(|h| h.starts_with("access-control-expose-headers: grpc-status, grpc-message")),
        "{headers:?}"
    );
}

/// `buf curl --protocol <protocol> --schema proto/<schema> -d <data> <url>`.
fn buf_curl(
    protocol: &str,
    schema: &str,
    data: &str,
    url: &str,
) -> crate::support::process::Finished {
    let buf =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/npm/node_modules/.bin/buf");
    assert!(
        buf.exists(),
        "buf is required: run `bash wire-tests/setup.sh` (it installs {})",
        buf.display()
    );
    let output = Command::new(&buf)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "curl",
            "--protocol",
            protocol,
            "--schema",
            &format!("proto/{schema}"),
            "-d",
            data,
            url,
        ])
        .output()
        .expect("buf runs");
    crate::support::process::Finished {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// buf curl, an independent client, gets the same answers over Connect and gRPC-Web (HTTP/1.1)
/// as over gRPC (HTTP/2), from the same port: a unary call, an error, and (gRPC-Web) a stream.
#[test]
fn buf_curl_speaks_connect_grpc_web_and_grpc() {
    let server = Listening::h2grpc(&[], &[]);
    let url = |path: &str| format!("http://{}{path}", server.host_port());
    let calls = [
        (
            "hello.proto",
            r#"{"name":"buf"}"#,
            "/hello.Greeter/SayHello",
        ),
        (
            "user_service.proto",
            r#"{"user_id":"nobody"}"#,
            "/users.UserService/GetUser",
        ),
        (
            "finance.proto",
            r#"{"from_currency":"XXX","to_currency":"USD","amount":2}"#,
            "/finance.CurrencyConverter/Convert",
        ),
        (
            "helloworld.proto",
            r#"{"name":"again"}"#,
            "/helloworld.Greeter/SayHelloAgain",
        ),
    ];
    for (schema, data, path) in calls {
        let grpc = buf_curl("grpc", schema, data, &url(path));
        assert!(
            !grpc.stdout.is_empty() || !grpc.stderr.is_empty(),
            "{grpc:?}"
        );
        for protocol in ["connect", "grpcweb"] {
            let web = buf_curl(protocol, schema, data, &url(path));
            assert_eq!(
                web.status.code(),
                grpc.status.code(),
                "{protocol} {path}: {web:?}"
            );
            assert_eq!(web.stdout, grpc.stdout, "{protocol} {path}");
            assert_eq!(web.stderr, grpc.stderr, "{protocol} {path}");
        }
    }
    // The error is buf's own rendering of NOT_FOUND, whichever the protocol.
    let error = buf_curl(
        "connect",
        "user_service.proto",
        r#"{"user_id":"nobody"}"#,
        &url("/users.UserService/GetUser"),
    );
    assert!(error.stderr.contains(r#""code": "not_found""#), "{error:?}");
    // gRPC-Web streams a server stream over HTTP/1.1.
    let stream = |protocol| {
        buf_curl(
            protocol,
            "hello.proto",
            r#"{"name":"s"}"#,
            &url("/hello.Greeter/SayHelloStreamReply"),
        )
    };
    let (grpc, web) = (stream("grpc"), stream("grpcweb"));
    assert!(web.status.success(), "{web:?}");
    assert_eq!(web.stdout, grpc.stdout);
    assert_eq!(web.stdout.matches("Hello, s! #").count(), 3, "{web:?}");
}

/// The tutorial's `GET /users/`: the users streamed as newline-delimited JSON.
#[test]
fn users_as_newline_delimited_json() {
    let server = Listening::h2grpc(&[], &[]);
    let url = |path: &str| format!("http://{}{path}", server.host_port());
    for name in ["ada", "bob", "cy"] {
        let (status, _, _) = parts(&curl(&[
            "-H",
            "content-type: application/json",
            "-d",
            &format!(r#"{{"name":"{name}","email":"{name}@x.org","age":30}}"#),
            &url("/users.UserService/CreateUser"),
        ]));
        assert_eq!(status, 200);
    }
    let (status, headers, body) = parts(&curl(&[&url("/users/")]));
    assert_eq!(status, 200);
    assert!(
        headers.contains(&"content-type: application/x-ndjson".to_owned()),
        "{headers:?}"
    );
    let names: Vec<String> = body
        .lines()
        .map(|line| {
            let user: serde_json::Value =
                serde_json::from_str(line).expect("one JSON object per line");
            user["name"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(names, ["ada", "bob", "cy"]);
}

/// The users page in a real browser: Debian's chromium, headless, driven by playwright-core
/// (`wire-tests/web/browser.cjs`), loads `GET /`, creates a user with the page's form (Connect
/// JSON unary from the browser) and the test reads the user back from the page's list, which the
/// page fills as `ListUsers` streams (Connect streaming). The screenshot is kept in
/// `target/web-app.png`.
#[test]
fn the_users_page_in_chromium() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let modules = repo.join("target/npm/node_modules");
    assert!(
        modules.join("playwright-core").exists(),
        "playwright-core is required: run `bash wire-tests/setup.sh`"
    );
    let server = Listening::h2grpc(&[], &[]);
    let screenshot = repo.join("target/web-app.png");
    let _ = std::fs::remove_file(&screenshot);
    let output = Command::new("node")
        .env("NODE_PATH", &modules)
        .arg(repo.join("wire-tests/web/browser.cjs"))
        .arg(format!("http://{}/", server.host_port()))
        .arg(&screenshot)
        .args(["Grace Hopper", "grace@navy.mil"])
        .output()
        .expect("node and chromium are required: run `bash wire-tests/setup.sh`");
    assert!(output.status.success(), "{output:?}");
    let seen: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the script's JSON");
    assert_eq!(
        seen["users"],
        serde_json::json!(["Grace Hopper <grace@navy.mil>, 41"]),
        "{seen}"
    );
    assert!(
        seen["status"]
            .as_str()
            .unwrap()
            .starts_with("created Grace Hopper ("),
        "{seen}"
    );
    assert_eq!(seen["errors"], serde_json::json!([]), "{seen}");
    assert!(
        std::fs::metadata(&screenshot).is_ok_and(|m| m.len() > 1000),
        "no screenshot"
    );
    // The user the browser created is in the server, for any client.
    let (_, _, body) = parts(&curl(&[&format!("http://{}/users/", server.host_port())]));
    assert!(body.contains(r#""name":"Grace Hopper""#), "{body}");
}

/// Connect's own Node client (`@connectrpc/connect-node`, types read at run time from a
/// `protoc --descriptor_set_out` of `proto/`, no generated code), over its Connect and gRPC-Web
/// transports on HTTP/1.1: a unary call, a server stream and an error, each as gRPC gives them.
#[test]
fn connect_node_over_connect_and_grpc_web() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let modules = repo.join("target/npm/node_modules");
    assert!(
        modules.join("@connectrpc/connect-node").exists(),
        "@connectrpc/connect-node is required: run `bash wire-tests/setup.sh`"
    );
    let set = std::env::temp_dir().join(format!("web-set-{}.pb", std::process::id()));
    let protoc = Command::new("protoc")
        .current_dir(repo)
        .args(["-I", "proto", "--include_imports"])
        .arg(format!("--descriptor_set_out={}", set.display()))
        .args(["proto/hello.proto", "proto/user_service.proto"])
        .output()
        .expect("protoc is required: run `bash wire-tests/setup.sh`");
    assert!(protoc.status.success(), "{protoc:?}");
    let server = Listening::h2grpc(&[], &[]);
    let output = Command::new("node")
        .env("NODE_PATH", &modules)
        .arg(repo.join("wire-tests/web/connect_node.cjs"))
        .arg(format!("http://{}", server.host_port()))
        .arg(&set)
        .output()
        .expect("node is required");
    let _ = std::fs::remove_file(&set);
    assert!(output.status.success(), "{output:?}");
    let seen: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the script's JSON");
    let expected = serde_json::json!({
        "reply": "Hello, node!",
        "stream": ["Hello, node! #1", "Hello, node! #2", "Hello, node! #3"],
        "error": { "code": 5, "message": "User 'nobody' not found" },
    });
    assert_eq!(seen["connect"], expected, "{seen}");
    assert_eq!(seen["grpcweb"], expected, "{seen}");
}

/// Connect unary with gzip: a gzip request body (`content-encoding: gzip`), and a gzip answer
/// when the client accepts it (`curl --compressed` sends `accept-encoding` and inflates).
#[test]
fn connect_unary_with_gzip() {
    use std::io::Write;
    let server = Listening::h2grpc(&[], &[]);
    let url = format!("http://{}/hello.Greeter/SayHello", server.host_port());
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(br#"{"name":"zip"}"#).unwrap();
    let body = gzip.finish().unwrap();
    let file = std::env::temp_dir().join(format!("web-gzip-{}.json.gz", std::process::id()));
    std::fs::write(&file, &body).unwrap();
    let response = curl(&[
        "--compressed",
        "-H",
        "content-type: application/json",
        "-H",
        "content-encoding: gzip",
        "--data-binary",
        &format!("@{}", file.display()),
        &url,
    ]);
    let _ = std::fs::remove_file(&file);
    let (status, headers, body) = parts(&response);
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"message":"Hello, zip!"}"#)
    );
    assert!(
        headers.contains(&"content-encoding: gzip".to_owned()),
        "{headers:?}"
    );
    // An encoding the server does not have.
    let (status, _, body) = parts(&curl(&[
        "-H",
        "content-type: application/json",
        "-H",
        "content-encoding: br",
        "-d",
        "{}",
        &url,
    ]));
    assert_eq!(status, 501, "{body}");
    assert!(body.contains("content-encoding br"), "{body}");
}
