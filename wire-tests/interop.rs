//! The official interop cases (`grpc.testing.TestService`), run as the interop programs run:
//! `h2grpc interop-client` and `h2grpc interop-server` as processes, against each other and
//! against an independent implementation in each direction, Python grpcio (its C core):
//! `wire-tests/python/interop/server.py` and `client.py`; and over TLS, h2grpc against itself
//! ([`tls`]).
//!
//! | client → server | cases |
//! |---|---|
//! | h2grpc → h2grpc | all 18 |
//! | grpcio → h2grpc | all 18 |
//! | h2grpc → grpcio | 16; client_compressed_unary and client_compressed_streaming fail, as they must: a grpcio handler cannot see whether a request arrived compressed, so its server never refuses the uncompressed probe (grpc's own Python interop server has the same limit) |
//!
//! grpcio and grpcio-tools are required peers (`wire-tests/setup.sh` installs them): without
//! them these tests fail, they do not skip. The Python stubs are generated from
//! `proto/grpc/testing/*.proto` at test time, into cargo's temporary directory.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{OnceLock, mpsc};
use std::thread;
use std::time::Duration;

use bytes::Bytes;
use h2grpc::protobuf::Message;
use h2grpc::rpc::{Request, Response};
use h2grpc::server::Server;
use h2grpc::services::interop::{
    self, BoolValue, EchoStatus, Payload, ResponseParameters, SimpleRequest, SimpleResponse,
    StreamingOutputCallRequest, cases,
};

use crate::support::net::TestServer;
use crate::support::process::{self, BIN, Finished};

mod tls;

/// How long a peer process may take before the test gives up on it.
const PATIENCE: Duration = Duration::from_secs(60);

const SETUP_HINT: &str = "the interop tests need Python 3 with grpcio and grpcio-tools: run \
                          `bash wire-tests/setup.sh`";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Python interpreter: `$PYTHON`, else `python3`.
fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// The generated `grpc/testing/*_pb2*.py`, once per test process.
fn stubs() -> &'static Path {
    static STUBS: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let stubs = STUBS.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("interop-stubs-{}", std::process::id()));
        std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {out:?}: {e}"))?;
        let output = Command::new(python())
            .current_dir(repo())
            .args(["-m", "grpc_tools.protoc", "-I", "proto"])
            .arg(format!("--python_out={}", out.display()))
            .arg(format!("--grpc_python_out={}", out.display()))
            .args([
                "proto/grpc/testing/empty.proto",
                "proto/grpc/testing/messages.proto",
                "proto/grpc/testing/test.proto",
            ])
            .output()
            .map_err(|e| format!("cannot run {}: {e}", python()))?;
        if !output.status.success() {
            return Err(format!(
                "grpc_tools.protoc failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(out)
    });
    match stubs {
        Ok(dir) => dir,
        Err(why) => panic!("{SETUP_HINT}\n{why}"),
    }
}

/// `python3 wire-tests/python/interop/<script>`, with the stubs and no proxy.
fn python_command(script: &str) -> Command {
    let mut command = Command::new(python());
    command
        .current_dir(repo().join("wire-tests/python/interop"))
        .arg(script)
        .env("INTEROP_STUBS", stubs())
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    for proxy in [
        "http_proxy",
        "https_proxy",
        "grpc_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
    ] {
        command.env_remove(proxy);
    }
    command
}

/// A server process that prints `listening on <addr>` first; killed when dropped.
struct Listening {
    child: Child,
    addr: SocketAddr,
}

impl Listening {
    fn start(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}\n{SETUP_HINT}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (line_tx, line_rx) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = line_tx.send(lines.next());
            for _ in lines {} // keep the pipe drained
        });
        let line = match line_rx.recv_timeout(PATIENCE) {
            Ok(Some(Ok(line))) => line,
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{command:?} printed no `listening on` line ({other:?})\n{SETUP_HINT}");
            }
        };
        let addr = line
            .strip_prefix("listening on ")
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| panic!("{command:?}: {line:?} is not `listening on <addr>`"));
        Self { child, addr }
    }

    /// `h2grpc interop-server --port 0 --host 127.0.0.1`.
    fn h2grpc() -> Self {
        let mut command = Command::new(BIN);
        command.args(["interop-server", "--port", "0", "--host", "127.0.0.1"]);
        Self::start(command)
    }

    /// grpcio's server, `server.py --port 0`.
    fn grpcio() -> Self {
        let mut command = python_command("server.py");
        command.args(["--port", "0", "--host", "127.0.0.1"]);
        Self::start(command)
    }

    fn port(&self) -> String {
        self.addr.port().to_string()
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `command` to its end, within [`PATIENCE`].
fn finish(mut command: Command) -> Finished {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}\n{SETUP_HINT}"));
    let (done_tx, done_rx) = mpsc::channel();
    let id = child.id();
    thread::spawn(move || {
        let _ = done_tx.send(child.wait_with_output());
    });
    let output = match done_rx.recv_timeout(PATIENCE) {
        Ok(output) => output.expect("wait for the peer"),
        Err(_) => {
            // The child is ours: stop it by its id (kill(1); the tests use no `unsafe`).
            let _ = Command::new("kill")
                .args(["-KILL", &id.to_string()])
                .status();
            panic!("{command:?} still running after {PATIENCE:?}");
        }
    };
    Finished {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `h2grpc interop-client` on one case; `=` or a space between flag and value, alternately.
fn h2grpc_case(port: &str, case: &str, equals: bool) -> Finished {
    let port_flag = format!("--server_port={port}");
    let case_flag = format!("--test_case={case}");
    let args: Vec<&str> = if equals {
        vec![
            "interop-client",
            "--server_host=127.0.0.1",
            &port_flag,
            &case_flag,
        ]
    } else {
        vec![
            "interop-client",
            "--server_host",
            "127.0.0.1",
            "--server_port",
            port,
            "--test_case",
            case,
        ]
    };
    process::run(&args)
}

/// Runs every case of h2grpc's client against the server on `port`; the cases that failed,
/// with their one-line message.
fn h2grpc_client_cases(port: &str) -> Vec<(&'static str, String)> {
    let mut failed = Vec::new();
    for (i, case) in cases::CASES.into_iter().enumerate() {
        let finished = h2grpc_case(port, case, i % 2 == 0);
        if finished.status.success() {
            assert_eq!(finished.stdout, format!("{case}: ok\n"), "{case}");
        } else {
            assert_eq!(finished.status.code(), Some(1), "{case}: {finished:?}");
            let lines: Vec<&str> = finished.stderr.lines().collect();
            assert_eq!(lines.len(), 1, "{case}: one line on stderr: {finished:?}");
            failed.push((case, lines[0].to_owned()));
        }
    }
    failed
}

#[test]
fn h2grpc_client_against_h2grpc_server() {
    let server = Listening::h2grpc();
    let failed = h2grpc_client_cases(&server.port());
    assert!(failed.is_empty(), "failed cases: {failed:#?}");
}

#[test]
fn h2grpc_client_against_grpcio_server() {
    let server = Listening::grpcio();
    let failed = h2grpc_client_cases(&server.port());
    // grpcio's handlers cannot see a request's Compressed-Flag: the uncompressed probes of the
    // two client_compressed cases are not refused, and h2grpc's client says so.
    let expected = ["client_compressed_unary", "client_compressed_streaming"];
    let names: Vec<&str> = failed.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, expected, "{failed:#?}");
    for (name, line) in &failed {
        assert!(
            line.starts_with(&format!("h2grpc: {name}: "))
                && line.ends_with(
                    "sent uncompressed succeeded but should have failed with INVALID_ARGUMENT"
                ),
            "{line}"
        );
    }
}

#[test]
fn grpcio_client_against_h2grpc_server() {
    let server = Listening::h2grpc();
    let mut command = python_command("client.py");
    command.args([
        "--server_host",
        "127.0.0.1",
        "--server_port",
        &server.port(),
        "--test_case",
        "all",
    ]);
    let finished = finish(command);
    let expected: String = cases::CASES
        .iter()
        .map(|case| format!("{case}: ok\n"))
        .collect();
    assert_eq!(finished.stdout, expected, "{finished:?}");
    assert!(finished.status.success(), "{finished:?}");
}

/// The control for the Python client: it can fail. grpcio's client against grpcio's server
/// fails the same two cases, for the same reason.
#[test]
fn grpcio_client_reports_failures() {
    let server = Listening::grpcio();
    let mut command = python_command("client.py");
    command.args([
        "--server_host",
        "127.0.0.1",
        "--server_port",
        &server.port(),
        "--test_case",
        "large_unary,client_compressed_unary",
    ]);
    let finished = finish(command);
    assert_eq!(finished.status.code(), Some(1), "{finished:?}");
    let lines: Vec<&str> = finished.stdout.lines().collect();
    assert_eq!(lines[0], "large_unary: ok");
    assert!(
        lines[1].starts_with("client_compressed_unary: FAILED:"),
        "{finished:?}"
    );
}

/// `--test_case all` runs every case, in one process.
#[test]
fn all_cases_in_one_run() {
    let server = Listening::h2grpc();
    let port = server.port();
    let finished = process::run(&[
        "interop-client",
        "--server_host",
        "localhost",
        "--server_port",
        &port,
        "--test_case",
        "all",
    ]);
    assert!(finished.status.success(), "{finished:?}");
    let expected: String = cases::CASES
        .iter()
        .map(|case| format!("{case}: ok\n"))
        .collect();
    assert_eq!(finished.stdout, expected);
}

/// Cases h2grpc does not implement, and TLS without its h2grpc-specific credential flags, are
/// one-line usage errors ([`tls`] tests TLS itself).
#[test]
fn flags_that_cannot_work_are_one_line_errors() {
    for args in [
        &[
            "interop-client",
            "--use_tls=true",
            "--use_test_ca",
            "--server_port=1",
        ][..],
        &["interop-client", "--test_case", "compute_engine_creds"],
        &["interop-server", "--port", "0", "--use_tls"],
    ] {
        let finished = process::run(args);
        assert_eq!(finished.status.code(), Some(2), "{args:?}: {finished:?}");
        assert_eq!(finished.stderr.lines().count(), 1, "{args:?}: {finished:?}");
        assert!(finished.stderr.starts_with("h2grpc: "), "{finished:?}");
    }
    // `--use_tls=false` is the default spelled out: no error (the case then fails to connect).
    let finished = process::run(&["interop-client", "--use_tls=false", "--server_port", "1"]);
    assert_eq!(finished.status.code(), Some(1), "{finished:?}");
    assert!(finished.stderr.contains("cannot connect"), "{finished:?}");
}

/// A server that answers wrong: the case fails with exit code 1 and one line saying what was
/// expected and what came.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_answer_fails_the_case() {
    let server = interop::register(Server::new()).unary(
        interop::UNARY_CALL,
        |_request: Request<SimpleRequest>| async move {
            Ok(Response::new(SimpleResponse {
                payload: Some(Payload::zeros(314_158)),
                ..SimpleResponse::default()
            }))
        },
    );
    let server = TestServer::start(server).await;
    let port = server.addr.port().to_string();
    let finished = tokio::task::spawn_blocking(move || h2grpc_case(&port, "large_unary", true))
        .await
        .unwrap();
    assert_eq!(finished.status.code(), Some(1), "{finished:?}");
    assert_eq!(
        finished.stderr,
        "h2grpc: large_unary: UnaryCall: payload of 314158 bytes, expected 314159\n"
    );
}

// ===== The hand-written messages against protoc =====

/// `protoc --encode` of protobuf text format, from `proto/`.
fn protoc_encode(message_type: &str, text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new("protoc")
        .current_dir(repo().join("proto"))
        .args([
            &format!("--encode=grpc.testing.{message_type}"),
            "--proto_path=.",
            "grpc/testing/test.proto",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run protoc (install it with `bash wire-tests/setup.sh`)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "protoc: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Every field of the interop messages, against protoc: same bytes, and protoc's bytes decode
/// back to the same value (field numbers, wire types, nullable wrappers, repeated messages).
#[test]
fn interop_messages_match_protoc() {
    let request = SimpleRequest {
        response_type: 0,
        response_size: 314_159,
        payload: Some(Payload {
            r#type: 0,
            body: Bytes::from_static(b"\0\0\x01"),
        }),
        fill_username: true,
        fill_oauth_scope: true,
        response_compressed: BoolValue::some(false),
        response_status: Some(EchoStatus {
            code: 2,
            message: "msg \u{263A}".into(),
        }),
        expect_compressed: BoolValue::some(true),
        fill_server_id: true,
        fill_grpclb_route_type: true,
        orca_per_query_report: None,
    };
    let text = "response_size: 314159 payload { body: \"\\000\\000\\001\" } fill_username: true \
                fill_oauth_scope: true response_compressed { } \
                response_status { code: 2 message: \"msg \\342\\230\\272\" } \
                expect_compressed { value: true } fill_server_id: true \
                fill_grpclb_route_type: true";
    let theirs = protoc_encode("SimpleRequest", text);
    assert_eq!(request.encode_to_vec(), theirs);
    assert_eq!(SimpleRequest::decode(Bytes::from(theirs)).unwrap(), request);

    let request = StreamingOutputCallRequest {
        response_type: 0,
        response_parameters: vec![
            ResponseParameters {
                size: 31_415,
                interval_us: 1000,
                compressed: BoolValue::some(true),
            },
            ResponseParameters::size(9),
        ],
        payload: Some(Payload::zeros(2)),
        response_status: Some(EchoStatus {
            code: 13,
            message: "x".into(),
        }),
        orca_oob_report: None,
    };
    let text = "response_parameters { size: 31415 interval_us: 1000 compressed { value: true } } \
                response_parameters { size: 9 } payload { body: \"\\000\\000\" } \
                response_status { code: 13 message: \"x\" }";
    let theirs = protoc_encode("StreamingOutputCallRequest", text);
    assert_eq!(request.encode_to_vec(), theirs);
    assert_eq!(
        StreamingOutputCallRequest::decode(Bytes::from(theirs)).unwrap(),
        request
    );

    let response = SimpleResponse {
        payload: Some(Payload::zeros(1)),
        username: "u".into(),
        oauth_scope: "o".into(),
        server_id: "s".into(),
        grpclb_route_type: 2,
        hostname: "h".into(),
    };
    let text = "payload { body: \"\\000\" } username: \"u\" oauth_scope: \"o\" server_id: \"s\" \
                grpclb_route_type: GRPCLB_ROUTE_TYPE_BACKEND hostname: \"h\"";
    assert_eq!(
        response.encode_to_vec(),
        protoc_encode("SimpleResponse", text)
    );

    for (message_type, ours, text) in [
        (
            "StreamingInputCallRequest",
            interop::StreamingInputCallRequest {
                payload: Some(Payload::zeros(3)),
                expect_compressed: BoolValue::some(false),
            }
            .encode_to_vec(),
            "payload { body: \"\\000\\000\\000\" } expect_compressed { }",
        ),
        (
            "StreamingInputCallResponse",
            interop::StreamingInputCallResponse {
                aggregated_payload_size: 74_922,
            }
            .encode_to_vec(),
            "aggregated_payload_size: 74922",
        ),
        (
            "ReconnectInfo",
            interop::ReconnectInfo {
                passed: true,
                backoff_ms: vec![1, 300, -1],
            }
            .encode_to_vec(),
            "passed: true backoff_ms: [1, 300, -1]",
        ),
        (
            "TestOrcaReport",
            interop::TestOrcaReport {
                cpu_utilization: 0.5,
                memory_utilization: 0.25,
                request_cost: [("a".into(), 1.5)].into_iter().collect(),
                // (Not a zero value: protoc writes a map entry's default value, h2grpc leaves
                // it out as prost does; both decode the same.)
                utilization: [("b".into(), 2.0)].into_iter().collect(),
            }
            .encode_to_vec(),
            "cpu_utilization: 0.5 memory_utilization: 0.25 request_cost { key: \"a\" value: 1.5 } \
             utilization { key: \"b\" value: 2 }",
        ),
    ] {
        assert_eq!(ours, protoc_encode(message_type, text), "{message_type}");
    }
}

// ===== Server features no official case covers =====

/// HalfDuplexCall answers after the half-close, in order; per-message compression and
/// interval_us work in FullDuplexCall too; CacheableUnaryCall answers the time; an echoed status
/// ends a StreamingOutputCall after its responses.
#[tokio::test]
async fn server_features_beyond_the_cases() {
    use h2grpc::compression::Encoding;
    use h2grpc::services::interop::{StreamingOutputCallResponse, TestServiceClient};
    use h2grpc::status::Code;

    let server = TestServer::start(interop::register(Server::new())).await;
    let client = TestServiceClient::new(server.channel().await);
    let sizes = |sizes: &[i32]| StreamingOutputCallRequest {
        response_parameters: sizes.iter().map(|&s| ResponseParameters::size(s)).collect(),
        ..StreamingOutputCallRequest::default()
    };
    let len = |r: &StreamingOutputCallResponse| r.payload.as_ref().map_or(0, |p| p.body.len());

    // HalfDuplexCall: nothing before the half-close, then everything in order.
    let (mut requests, mut responses) = client.half_duplex_call(Request::new(())).await.unwrap();
    requests.send(&sizes(&[1, 2])).await.unwrap();
    requests.send(&sizes(&[3])).await.unwrap();
    requests.finish().await.unwrap();
    let mut got = Vec::new();
    while let Some(response) = responses.message().await.unwrap() {
        got.push(len(&response));
    }
    assert_eq!(got, [1, 2, 3]);

    // FullDuplexCall: per-message compression and pacing.
    let (mut requests, mut responses) = client.full_duplex_call(Request::new(())).await.unwrap();
    let request = StreamingOutputCallRequest {
        response_parameters: vec![
            ResponseParameters {
                size: 1000,
                interval_us: 2000,
                compressed: BoolValue::some(true),
            },
            ResponseParameters {
                size: 1000,
                interval_us: 2000,
                compressed: None,
            },
        ],
        ..StreamingOutputCallRequest::default()
    };
    requests.send(&request).await.unwrap();
    requests.finish().await.unwrap();
    let mut flags = Vec::new();
    while let Some(response) = responses.message().await.unwrap() {
        assert_eq!(len(&response), 1000);
        flags.push(responses.last_compressed());
    }
    assert_eq!(flags, [true, false]);

    // CacheableUnaryCall: a decimal timestamp.
    let response = client
        .channel()
        .unary::<SimpleRequest, SimpleResponse>(
            interop::CACHEABLE_UNARY_CALL,
            Request::new(SimpleRequest::default()),
        )
        .await
        .unwrap();
    let body = &response.get_ref().payload.as_ref().unwrap().body;
    assert!(
        !body.is_empty() && body.iter().all(u8::is_ascii_digit),
        "{body:?}"
    );

    // StreamingOutputCall with response_status: the responses, then the status.
    let request = StreamingOutputCallRequest {
        response_status: Some(EchoStatus {
            code: 9,
            message: "stop".into(),
        }),
        ..sizes(&[5])
    };
    let mut responses = client
        .streaming_output_call(Request::new(request))
        .await
        .unwrap();
    assert_eq!(len(&responses.message().await.unwrap().unwrap()), 5);
    let status = responses.message().await.unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::FailedPrecondition, "stop")
    );

    // StreamingInputCall: expect_compressed checked message by message.
    let mut call = client
        .streaming_input_call(Request::new(()).with_compression(Encoding::Deflate))
        .await
        .unwrap();
    let expecting = |expect| interop::StreamingInputCallRequest {
        payload: Some(Payload::zeros(10)),
        expect_compressed: BoolValue::some(expect),
    };
    call.send(&expecting(true)).await.unwrap();
    call.send_uncompressed(&expecting(false)).await.unwrap();
    let _ = call.send_uncompressed(&expecting(true)).await;
    let status = call.finish().await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status}");
}
