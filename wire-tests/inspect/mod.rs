//! `h2grpc inspect` between real clients and a real server: every call still works through the
//! proxy (the official interop cases, 100 concurrent 1 MiB calls, grpcurl), and what the proxy
//! prints (`--json`, `--calls`, `--method`) says what went over the wire.

mod tshark;

use std::time::Duration;

use h2grpc::client::Channel;
use h2grpc::rpc::Request;
use h2grpc::services::interop::{Payload, SimpleRequest, TestServiceClient};
use serde_json::Value;

use crate::support::peers::{Listening, run_grpcurl, run_h2grpc};
use crate::support::process::{BIN, Finished};

/// The proxy's JSON lines after its first (`listening`), parsed.
fn events(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// Stops the proxy once it has printed the end of `calls` calls of `method`.
fn stop_after(proxy: Listening, method: &str, calls: usize) -> String {
    let needle = format!("\"method\":\"{method}\"");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        let so_far = proxy.wait_for_stdout("");
        if so_far.matches(&needle).count() >= calls {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    proxy.stop().0
}

#[track_caller]
fn ok(what: &str, finished: &Finished) {
    assert!(finished.status.success(), "{what}: {finished:?}");
}

/// The events of the call of `method` on one stream: (connection, stream).
fn call_events<'a>(events: &'a [Value], method: &str) -> Vec<&'a Value> {
    let end = events
        .iter()
        .find(|e| e["event"] == "call" && e["method"] == method)
        .unwrap_or_else(|| panic!("no call of {method}"));
    events
        .iter()
        .filter(|e| e["conn"] == end["conn"] && e["stream"] == end["stream"])
        .collect()
}

fn messages(call: &[&Value], dir: &str) -> Vec<Value> {
    call.iter()
        .filter(|e| e["event"] == "message" && e["dir"] == dir)
        .map(|e| e["json"].clone())
        .collect()
}

#[test]
fn every_rpc_kind_decoded_with_the_servers_schema() {
    let server = Listening::h2grpc(&[], &[]);
    let proxy = Listening::inspect(&server.host_port(), &["--json"]);
    let addr = proxy.host_port();
    let call = |data: &str, method: &str| run_h2grpc(&["call", "-d", data, &addr, method], None);
    ok(
        "unary",
        &call(r#"{"name": "world"}"#, "hello.Greeter/SayHello"),
    );
    ok(
        "server streaming",
        &call(r#"{"name": "s"}"#, "hello.Greeter/SayHelloStreamReply"),
    );
    ok(
        "client streaming",
        &call(
            r#"{"name": "a", "email": "a@x.org"} {"name": "b", "email": "b@x.org"}"#,
            "users.UserService/BulkCreateUsers",
        ),
    );
    ok(
        "bidi",
        &call(
            r#"{"name": "x"} {"name": "y"}"#,
            "helloworld.Greeter/SayHelloBidiStream",
        ),
    );
    let missing = call(r#"{"user_id": "nobody"}"#, "users.UserService/GetUser");
    assert_eq!(missing.status.code(), Some(64 + 5), "{missing:?}");
    let stdout = stop_after(proxy, "/users.UserService/GetUser", 1);
    let events = events(&stdout);

    let unary = call_events(&events, "/hello.Greeter/SayHello");
    assert_eq!(
        messages(&unary, "client"),
        [serde_json::json!({"name": "world"})]
    );
    assert_eq!(
        messages(&unary, "server"),
        [serde_json::json!({"message": "Hello, world!"})]
    );
    let roles: Vec<&Value> = unary
        .iter()
        .filter(|e| e["event"] == "headers")
        .map(|e| &e["role"])
        .collect();
    assert_eq!(roles, ["request headers", "response headers", "trailers"]);
    let request = unary.iter().find(|e| e["event"] == "headers").unwrap();
    let te = request["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "te")
        .expect("te in the request");
    assert_eq!(te["value"], "trailers");
    assert!(te["meaning"].as_str().unwrap().contains("trailers"));
    let end = unary.iter().find(|e| e["event"] == "call").unwrap();
    assert_eq!(
        (end["status"].as_i64(), &end["status_name"]),
        (Some(0), &Value::from("OK"))
    );
    // The message event's octets are those of the DATA frames (5-octet prefix + message).
    let data_octets: u64 = unary
        .iter()
        .filter(|e| e["event"] == "frame" && e["type"] == "DATA" && e["dir"] == "client")
        .map(|e| e["data_len"].as_u64().unwrap())
        .sum();
    assert_eq!(end["data_octets"]["client"].as_u64(), Some(data_octets));
    assert_eq!(data_octets, 5 + 7);

    let stream = call_events(&events, "/hello.Greeter/SayHelloStreamReply");
    assert!(messages(&stream, "server").len() > 1, "{stream:?}");
    let bulk = call_events(&events, "/users.UserService/BulkCreateUsers");
    assert_eq!(messages(&bulk, "client").len(), 2);
    assert_eq!(messages(&bulk, "client")[1]["name"], "b");
    let bidi = call_events(&events, "/helloworld.Greeter/SayHelloBidiStream");
    assert_eq!(messages(&bidi, "client").len(), 2);
    assert_eq!(messages(&bidi, "server").len(), 2);

    let missing = call_events(&events, "/users.UserService/GetUser");
    let end = missing.iter().find(|e| e["event"] == "call").unwrap();
    assert_eq!(end["status_name"], "NOT_FOUND");
    assert_eq!(end["trailers_only"], true);
    // A well-behaved client and server: nothing for the lint to say, nothing the reader missed.
    let complaints: Vec<&Value> = events
        .iter()
        .filter(|e| {
            matches!(
                e["event"].as_str(),
                Some("lint" | "problem" | "malformed" | "stopped")
            )
        })
        .collect();
    assert!(complaints.is_empty(), "{complaints:?}");
}

#[test]
fn the_official_interop_cases_pass_through_the_proxy() {
    let server = {
        let mut command = std::process::Command::new(BIN);
        command.args(["interop-server", "--port", "0", "--host", "127.0.0.1"]);
        Listening::command(command)
    };
    let proxy = Listening::inspect(&server.host_port(), &["--calls", "--no-color"]);
    let port = proxy.addr.port().to_string();
    let client = run_h2grpc(
        &[
            "interop-client",
            "--server_host",
            "127.0.0.1",
            "--server_port",
            &port,
            "--test_case",
            "all",
        ],
        None,
    );
    ok("interop-client through the proxy", &client);
    std::thread::sleep(Duration::from_millis(300));
    let (stdout, stderr) = proxy.stop();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.len() >= 18, "{stdout}\n{stderr}");
    assert!(lines.iter().all(|l| l.starts_with("conn ")), "{stdout}");
    assert!(
        stdout.contains("/grpc.testing.TestService/FullDuplexCall OK"),
        "{stdout}"
    );
    // cancel_after_begin: the client resets the stream.
    assert!(
        stdout.contains("reset by the client with CANCEL"),
        "{stdout}"
    );
}

#[test]
fn a_hundred_concurrent_one_mebibyte_calls() {
    let server = {
        let mut command = std::process::Command::new(BIN);
        command.args(["interop-server", "--port", "0", "--host", "127.0.0.1"]);
        Listening::command(command)
    };
    let proxy = Listening::inspect(&server.host_port(), &["--calls"]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let target = proxy.target();
    runtime.block_on(async move {
        let client = TestServiceClient::new(Channel::connect(&target).await.unwrap());
        let calls = (0..100).map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let request = SimpleRequest {
                    response_size: 1 << 20,
                    payload: Some(Payload::zeros(1 << 20)),
                    ..SimpleRequest::default()
                };
                client.unary_call(Request::new(request)).await
            })
        });
        for call in futures_join(calls).await {
            let response = call.expect("the task").expect("the call");
            let body = response.get_ref().payload.as_ref().map(|p| p.body.len());
            assert_eq!(body, Some(1 << 20));
        }
    });
    let stdout = stop_after_lines(proxy, 100);
    let ok_lines = stdout
        .lines()
        .filter(|l| l.contains("/UnaryCall OK"))
        .count();
    assert_eq!(ok_lines, 100, "{stdout}");
    // Every call's octets counted: 1 MiB and a little protobuf overhead each way.
    assert!(
        stdout
            .lines()
            .all(|l| !l.contains("UnaryCall") || l.contains("client 1 msg 10485"))
    );
}

fn stop_after_lines(proxy: Listening, lines: usize) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::time::Instant::now() < deadline && proxy.wait_for_stdout("").lines().count() < lines
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    proxy.stop().0
}

async fn futures_join<T>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<Result<T, tokio::task::JoinError>> {
    let mut out = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        out.push(handle.await);
    }
    out
}

#[test]
fn grpcurl_through_the_proxy_sees_what_it_sees_directly() {
    let server = Listening::h2grpc(&[], &[]);
    let proxy = Listening::inspect(
        &server.host_port(),
        &["--calls", "--method", "SayHelloStreamReply"],
    );
    let ask = |addr: &str| {
        run_grpcurl(
            &[
                "-plaintext",
                "-d",
                r#"{"name": "curl"}"#,
                addr,
                "hello.Greeter/SayHelloStreamReply",
            ],
            None,
        )
    };
    let direct = ask(&server.host_port());
    let proxied = ask(&proxy.host_port());
    ok("grpcurl direct", &direct);
    assert_eq!(proxied.stdout, direct.stdout);
    let stdout = stop_after_lines(proxy, 1);
    // grpcurl also asked for reflection: --method shows only the streaming call.
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    let server_messages = direct.stdout.matches("\"message\"").count();
    assert!(
        lines[0].contains(&format!("server {server_messages} msg")),
        "{stdout}"
    );
}
