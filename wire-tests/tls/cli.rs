//! The binary over TLS: `h2grpc serve --tls-cert … --tls-key … [--client-ca …]` and
//! `h2grpc demo --target https://… --ca-file … [--client-cert … --client-key …]`.

use std::path::PathBuf;

use super::{Pki, TempDir};
use crate::support::process::{Finished, Serving, run, serve};

/// The test PKI, written to files.
struct Files {
    _dir: TempDir,
    ca: String,
    other_ca: String,
    server_cert: String,
    server_key: String,
    client_cert: String,
    client_key: String,
    missing: String,
}

impl Files {
    fn new() -> Self {
        let pki = Pki::new();
        let dir = TempDir::new();
        let write = |name: &str, contents: &str| path(dir.write(name, contents));
        Self {
            ca: write("ca.pem", &pki.ca.pem),
            other_ca: write("other-ca.pem", &pki.other_ca.pem),
            server_cert: write("server.pem", &pki.server.cert),
            server_key: write("server.key", &pki.server.key),
            client_cert: write("client.pem", &pki.client.cert),
            client_key: write("client.key", &pki.client.key),
            missing: path(dir.path().join("missing.key")),
            _dir: dir,
        }
    }

    /// `h2grpc serve` over TLS, with `extra` flags.
    fn serve(&self, extra: &[&str]) -> Serving {
        let mut args = vec![
            "--tls-cert",
            &self.server_cert,
            "--tls-key",
            &self.server_key,
        ];
        args.extend_from_slice(extra);
        serve(&args)
    }
}

fn path(path: PathBuf) -> String {
    path.to_str().expect("a UTF-8 temporary path").to_owned()
}

fn https(server: &Serving) -> String {
    format!("https://localhost:{}", server.addr.port())
}

#[track_caller]
fn assert_success(finished: &Finished) {
    assert!(finished.status.success(), "{finished:?}");
}

/// Exit code `code` and one line on stderr, `h2grpc: …`, containing every one of `words`.
#[track_caller]
fn assert_one_line_failure(finished: &Finished, code: i32, words: &[&str]) {
    assert_eq!(finished.status.code(), Some(code), "{finished:?}");
    let lines: Vec<&str> = finished.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "not one line: {:?}", finished.stderr);
    assert!(lines[0].starts_with("h2grpc: "), "{:?}", lines[0]);
    for word in words {
        assert!(lines[0].contains(word), "{word:?} not in {:?}", lines[0]);
    }
}

#[test]
fn serve_and_demo_over_tls() {
    let files = Files::new();
    let server = files.serve(&[]);
    let hello = run(&[
        "demo",
        "hello",
        "--target",
        &https(&server),
        "--ca-file",
        &files.ca,
    ]);
    assert_success(&hello);
    assert_eq!(hello.stdout, "Server replied: Hello, World!\n");

    // The wrong CA: the client refuses the server, naming why.
    let wrong = run(&[
        "demo",
        "hello",
        "--target",
        &https(&server),
        "--ca-file",
        &files.other_ca,
        "--connect-timeout",
        "1",
    ]);
    assert_one_line_failure(
        &wrong,
        1,
        &[
            "error connecting to server at https://localhost:",
            &format!(
                "the server's certificate is not signed by a CA in {}",
                files.other_ca
            ),
        ],
    );

    // A cleartext client of a TLS server does not get an answer either.
    let cleartext = run(&[
        "demo",
        "hello",
        "--target",
        &format!("http://127.0.0.1:{}", server.addr.port()),
        "--connect-timeout",
        "2",
    ]);
    assert!(!cleartext.status.success(), "{cleartext:?}");
}

#[test]
fn serve_with_client_ca_requires_a_client_certificate() {
    let files = Files::new();
    let server = files.serve(&["--client-ca", &files.ca]);
    let target = https(&server);
    let with_cert = run(&[
        "demo",
        "helloworld",
        "--target",
        &target,
        "--ca-file",
        &files.ca,
        "--client-cert",
        &files.client_cert,
        "--client-key",
        &files.client_key,
    ]);
    assert_success(&with_cert);
    assert!(
        with_cert.stdout.contains("Hello again, you!"),
        "{with_cert:?}"
    );

    let without = run(&[
        "demo",
        "hello",
        "--target",
        &target,
        "--ca-file",
        &files.ca,
        "--connect-timeout",
        "1",
    ]);
    assert_one_line_failure(
        &without,
        1,
        &["after the TLS handshake: the server requires a client certificate"],
    );
}

#[test]
fn bad_tls_flags_are_one_line_and_a_usage_exit() {
    let files = Files::new();
    let serve = |tls: &[&str]| {
        let mut args = vec!["serve", "--addr", "127.0.0.1:0"];
        args.extend_from_slice(tls);
        run(&args)
    };
    let missing_key = serve(&[
        "--tls-cert",
        &files.server_cert,
        "--tls-key",
        &files.missing,
    ]);
    assert_one_line_failure(&missing_key, 2, &["cannot read", "missing.key"]);

    let no_key = serve(&["--tls-cert", &files.server_cert]);
    assert_one_line_failure(&no_key, 2, &["--tls-key"]);

    let swapped = serve(&[
        "--tls-cert",
        &files.server_key,
        "--tls-key",
        &files.server_cert,
    ]);
    assert_one_line_failure(
        &swapped,
        2,
        &["server.key holds a private key where a certificate was expected"],
    );

    let mismatched = serve(&[
        "--tls-cert",
        &files.server_cert,
        "--tls-key",
        &files.client_key,
    ]);
    assert_one_line_failure(&mismatched, 2, &["does not belong to the certificate"]);

    let client_ca_alone = serve(&["--client-ca", &files.ca]);
    assert_one_line_failure(&client_ca_alone, 2, &["--tls-cert"]);

    let cleartext_with_ca = run(&[
        "demo",
        "hello",
        "--target",
        "http://127.0.0.1:1",
        "--ca-file",
        &files.ca,
    ]);
    assert_one_line_failure(&cleartext_with_ca, 2, &["need an https:// target"]);

    let missing_ca = run(&[
        "demo",
        "hello",
        "--target",
        "https://127.0.0.1:1",
        "--ca-file",
        &files.missing,
    ]);
    assert_one_line_failure(&missing_ca, 2, &["cannot read", "missing.key"]);
}

#[test]
fn an_x509_v1_client_certificate_is_named_with_the_reason() {
    let files = Files::new();
    let dir = TempDir::new();
    super::x509_v1(&dir);
    let cert = path(dir.path().join("v1.pem"));
    let key = path(dir.path().join("v1.key"));
    let hello = run(&[
        "demo",
        "hello",
        "--target",
        "https://127.0.0.1:1",
        "--ca-file",
        &files.ca,
        "--client-cert",
        &cert,
        "--client-key",
        &key,
    ]);
    assert_one_line_failure(
        &hello,
        2,
        &[&format!(
            "h2grpc: TLS: {cert} is an X.509 v1 certificate; only v3 is supported: \
             issue it with extensions (openssl x509 -req ... -extfile FILE, or openssl req -x509)"
        )],
    );
    assert!(!hello.stderr.contains(&key), "{hello:?}");
}
