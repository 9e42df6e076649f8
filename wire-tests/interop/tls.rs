//! `interop-server --use_tls` and `interop-client --use_tls` against each other. h2grpc bundles
//! none of grpc's test credentials, so the certificates are made here with rcgen: a CA and a
//! server certificate for `foo.test.google.fr` (the official runners' `--server_host_override`)
//! and `localhost`, handed over with the h2grpc-specific `--tls_cert_file`, `--tls_key_file`
//! and `--test_ca_file`.

use std::path::PathBuf;
use std::process::Command;

use rcgen::ExtendedKeyUsagePurpose;

use super::Listening;
use crate::support::process::{self, BIN, Finished};
use crate::tls::{Ca, TempDir};

/// The name the official interop runners pass as `--server_host_override`.
const OVERRIDE: &str = "foo.test.google.fr";

/// The cases run over TLS: every kind of call, and metadata.
const CASES: [&str; 5] = [
    "empty_unary",
    "large_unary",
    "ping_pong",
    "server_streaming",
    "custom_metadata",
];

/// A CA, an unrelated CA, and the server's certificate and key, as files.
struct Credentials {
    dir: TempDir,
    ca: PathBuf,
    other_ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

impl Credentials {
    fn new() -> Self {
        let ca = Ca::new("h2grpc interop test CA");
        let other_ca = Ca::new("unrelated CA");
        let server = ca.leaf(
            &[OVERRIDE, "localhost"],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let dir = TempDir::new();
        Self {
            ca: dir.write("ca.pem", &ca.pem),
            other_ca: dir.write("other-ca.pem", &other_ca.pem),
            cert: dir.write("server.pem", &server.cert),
            key: dir.write("server.key", &server.key),
            dir,
        }
    }

    /// `h2grpc interop-server --use_tls` with the server's certificate, on a loopback port.
    fn server(&self) -> Listening {
        let mut command = Command::new(BIN);
        command
            .args([
                "interop-server",
                "--port",
                "0",
                "--host",
                "127.0.0.1",
                "--use_tls",
            ])
            .arg("--tls_cert_file")
            .arg(&self.cert)
            .arg(format!("--tls_key_file={}", self.key.display()));
        Listening::start(command)
    }
}

fn path(path: &std::path::Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

/// `h2grpc interop-client --use_tls --use_test_ca --test_ca_file <ca>` on `case`, reaching
/// `host`, with `extra` flags.
fn tls_case(port: &str, host: &str, case: &str, ca: &std::path::Path, extra: &[&str]) -> Finished {
    let mut args = vec![
        "interop-client",
        "--server_host",
        host,
        "--server_port",
        port,
        "--test_case",
        case,
        "--use_tls",
        "--use_test_ca=true",
        "--test_ca_file",
        path(ca),
    ];
    args.extend_from_slice(extra);
    process::run(&args)
}

/// A failure of one line on stderr, `h2grpc: …`, with exit code `code`; that line.
#[track_caller]
fn one_line_failure(finished: &Finished, code: i32) -> &str {
    assert_eq!(finished.status.code(), Some(code), "{finished:?}");
    let lines: Vec<&str> = finished.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {finished:?}");
    assert!(lines[0].starts_with("h2grpc: "), "{finished:?}");
    lines[0]
}

#[test]
fn cases_pass_over_tls_with_the_override_name() {
    let credentials = Credentials::new();
    let server = credentials.server();
    let port = server.port();
    for case in CASES {
        // Reached by address, verified against the override name (as the official runners do).
        let finished = tls_case(
            &port,
            "127.0.0.1",
            case,
            &credentials.ca,
            &["--server_host_override", OVERRIDE],
        );
        assert!(finished.status.success(), "{case}: {finished:?}");
        assert_eq!(finished.stdout, format!("{case}: ok\n"), "{case}");
    }
}

#[test]
fn without_an_override_the_host_is_the_name_checked() {
    let credentials = Credentials::new();
    let server = credentials.server();
    let port = server.port();
    // `localhost` is in the certificate.
    let finished = tls_case(&port, "localhost", "large_unary", &credentials.ca, &[]);
    assert!(finished.status.success(), "{finished:?}");
    assert_eq!(finished.stdout, "large_unary: ok\n");
    // 127.0.0.1 is not: refused, with one line that says why.
    let finished = tls_case(&port, "127.0.0.1", "large_unary", &credentials.ca, &[]);
    let line = one_line_failure(&finished, 1);
    assert!(
        line.contains("cannot connect to https://127.0.0.1:"),
        "{line}"
    );
    assert!(line.contains("certificate"), "{line}");
    // Nor is an override the certificate does not name.
    let finished = tls_case(
        &port,
        "127.0.0.1",
        "large_unary",
        &credentials.ca,
        &["--server_host_override=other.test.google.fr"],
    );
    let line = one_line_failure(&finished, 1);
    assert!(line.contains("certificate"), "{line}");
}

#[test]
fn a_server_certificate_from_another_ca_is_refused() {
    let credentials = Credentials::new();
    let server = credentials.server();
    let finished = tls_case(
        &server.port(),
        "127.0.0.1",
        "empty_unary",
        &credentials.other_ca,
        &["--server_host_override", OVERRIDE],
    );
    let line = one_line_failure(&finished, 1);
    eprintln!("wrong CA: {line}");
    assert!(
        line.contains("cannot connect to https://127.0.0.1:"),
        "{line}"
    );
    assert!(line.contains("certificate"), "{line}");
    assert!(finished.stdout.is_empty(), "{finished:?}");
}

#[test]
fn a_cleartext_client_cannot_call_the_tls_server() {
    let credentials = Credentials::new();
    let server = credentials.server();
    let port = server.port();
    let finished = process::run(&[
        "interop-client",
        "--server_host=127.0.0.1",
        &format!("--server_port={port}"),
        "--test_case=empty_unary",
        // What the official runners pass for a cleartext run: ignored with --use_tls=false.
        "--use_tls=false",
        "--use_test_ca=true",
        &format!("--server_host_override={OVERRIDE}"),
    ]);
    one_line_failure(&finished, 1);
}

#[test]
fn missing_credentials_are_usage_errors() {
    let credentials = Credentials::new();
    let cert = path(&credentials.cert);
    let key = path(&credentials.key);
    let missing = credentials.dir.path().join("missing.pem");
    let missing = path(&missing);
    for (args, words) in [
        (
            &["interop-server", "--port", "0", "--use_tls"][..],
            &["--use_tls", "--tls_cert_file", "--tls_key_file"][..],
        ),
        (
            &[
                "interop-server",
                "--port=0",
                "--use_tls",
                "--tls_key_file",
                key,
            ],
            &["--tls_cert_file"],
        ),
        (
            &[
                "interop-server",
                "--port=0",
                "--use_tls=true",
                "--tls_cert_file",
                cert,
            ],
            &["--tls_key_file"],
        ),
        (
            &[
                "interop-server",
                "--port=0",
                "--use_tls",
                "--tls_cert_file",
                missing,
                "--tls_key_file",
                key,
            ],
            &["missing.pem"],
        ),
        (
            &[
                "interop-client",
                "--use_tls",
                "--use_test_ca",
                "--server_port=1",
            ],
            &["--test_ca_file"],
        ),
        (
            &[
                "interop-client",
                "--use_tls",
                "--use_test_ca",
                "--test_ca_file",
                missing,
                "--server_port=1",
            ],
            &["missing.pem"],
        ),
    ] {
        let finished = process::run(args);
        let line = one_line_failure(&finished, 2);
        for word in words {
            assert!(line.contains(word), "{word:?} not in {line:?} ({args:?})");
        }
    }
}
