//! Running `protoc`: `--encode`, `--decode` and `--descriptor_set_out`, on the files of `proto/`.
//!
//! protoc is a required peer: if it is missing the tests fail (they do not skip), and the message
//! says how to install it.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// The `proto/` directory of the crate.
pub(crate) fn proto_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("proto")
}

/// Runs `protoc` with `args` from `proto/` (so file names are relative to it), feeding `stdin`.
/// Panics, with protoc's own error, unless it exits with success.
pub(crate) fn run(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let mut child = Command::new("protoc")
        .args(args)
        .current_dir(proto_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `protoc` ({e}): the golden tests need it. \
                 Install it with `bash wire-tests/setup.sh`."
            )
        });
    let mut input = child.stdin.take().expect("stdin was piped");
    // protoc reads all of stdin before writing, so writing first cannot deadlock.
    input.write_all(stdin).expect("write to protoc's stdin");
    drop(input);
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("wait for protoc");
    assert!(
        status.success(),
        "protoc {args:?} failed ({status}):\n{}",
        String::from_utf8_lossy(&stderr)
    );
    stdout
}

/// `protoc --encode=TYPE FILE`: protobuf text format in, binary out.
pub(crate) fn encode(message_type: &str, file: &str, text: &str) -> Vec<u8> {
    run(
        &[&format!("--encode={message_type}"), "--proto_path=.", file],
        text.as_bytes(),
    )
}

/// `protoc --decode=TYPE FILE`: binary in, protobuf text format out.
pub(crate) fn decode(message_type: &str, file: &str, bytes: &[u8]) -> String {
    let text = run(
        &[&format!("--decode={message_type}"), "--proto_path=.", file],
        bytes,
    );
    String::from_utf8(text).expect("protoc prints UTF-8")
}

/// `protoc --descriptor_set_out`: the `FileDescriptorSet` of `files`, as bytes.
pub(crate) fn descriptor_set(files: &[&str]) -> Vec<u8> {
    // Tests run in parallel threads of one process: the counter keeps their files apart.
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("golden-descriptors-{}-{n}.pb", std::process::id()));
    let mut args = vec![
        "--proto_path=.".to_owned(),
        format!("--descriptor_set_out={}", out.display()),
    ];
    args.extend(files.iter().map(|f| (*f).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&args, b"");
    let bytes = std::fs::read(&out).expect("read protoc's descriptor set");
    // Best effort: a leftover file in the target directory harms nothing.
    let _ = std::fs::remove_file(&out);
    bytes
}

#[test]
fn protoc_is_installed() {
    let version = run(&["--version"], b"");
    let version = String::from_utf8_lossy(&version);
    assert!(version.starts_with("libprotoc "), "{version}");
}

#[test]
fn every_proto_file_compiles() {
    let set = descriptor_set(&[
        "hello.proto",
        "helloworld.proto",
        "finance.proto",
        "user_service.proto",
    ]);
    assert!(!set.is_empty());
}
