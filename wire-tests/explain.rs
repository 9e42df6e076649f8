//! `h2grpc inspect --explain`'s raw decode (`h2grpc::inspect::explain`) against
//! `protoc --decode_raw`, on the services' own encodings and on a few hand-made ones: both must
//! find the same fields, nested the same way, with the same values.
//!
//! From each side comes a list of `(path, value)`: the path is the field numbers from the top
//! message down (`[3, 2]`: field 2 of the message in field 3), the value a varint, an `I32` or
//! `I64` value, the bytes of a `LEN` value that is not a message, or "a message (or group)
//! opens here". protoc prints these as `2: 150`, `4: 0x3ff8000000000000`, `1: "world"` (C
//! escapes) and `3 { … }`; the annotations say them in their notes ("varint 150", "I64 0x…",
//! "the bytes parse as a message") and by their spans (a string's bytes are its span).
//!
//! protoc is a required peer: if it is missing the test fails (it does not skip), saying how to
//! install it.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use h2grpc::inspect::explain::{Annotation, Role, annotate_message};
use h2grpc::protobuf::{Message, Text};
use h2grpc::services::{finance, hello, interop, users};

/// One field found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Varint(u64),
    I32(u32),
    I64(u64),
    Bytes(Vec<u8>),
    /// A nested message or a group starts: its fields follow, one number deeper.
    Opens,
}

type Fields = Vec<(Vec<u32>, Value)>;

/// Runs `protoc --decode_raw` on `bytes`: `Ok(text)`, or `Err(stderr)` when protoc refuses them.
fn protoc_decode_raw(bytes: &[u8]) -> Result<String, String> {
    let mut child = Command::new("protoc")
        .arg("--decode_raw")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `protoc` ({e}): this test compares h2grpc's raw decode with \
                 `protoc --decode_raw`. Install it with `bash wire-tests/setup.sh` (Debian: \
                 `sudo apt-get install protobuf-compiler`)."
            )
        });
    let mut stdin = child.stdin.take().expect("stdin was piped");
    // protoc reads all of stdin before writing, so writing first cannot deadlock.
    stdin.write_all(bytes).expect("write to protoc's stdin");
    drop(stdin);
    let output = child.wait_with_output().expect("wait for protoc");
    if output.status.success() {
        Ok(String::from_utf8(output.stdout).expect("protoc prints UTF-8"))
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// The fields of protoc's `--decode_raw` text.
fn protoc_fields(text: &str) -> Fields {
    let mut open: Vec<u32> = Vec::new();
    let mut fields = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line == "}" {
            open.pop().expect("a } closes a {");
            continue;
        }
        let path = |number: &str| {
            let mut path = open.clone();
            path.push(number.parse().expect("a field number"));
            path
        };
        if let Some(number) = line.strip_suffix(" {") {
            let path = path(number);
            open.push(*path.last().expect("one number at least"));
            fields.push((path, Value::Opens));
            continue;
        }
        let (number, value) = line.split_once(": ").expect("`N: value`");
        let value = if let Some(quoted) = value.strip_prefix('"') {
            Value::Bytes(unescape(quoted.strip_suffix('"').expect("a closing quote")))
        } else if let Some(hex) = value.strip_prefix("0x") {
            match hex.len() {
                8 => Value::I32(u32::from_str_radix(hex, 16).expect("hex")),
                16 => Value::I64(u64::from_str_radix(hex, 16).expect("hex")),
                n => panic!("a fixed value of {n} hex digits: {line}"),
            }
        } else {
            Value::Varint(value.parse().expect("a decimal varint"))
        };
        fields.push((path(number), value));
    }
    assert!(open.is_empty(), "protoc's braces balance");
    fields
}

/// Undoes protoc's C escapes: `\n`, `\"`, `\\`, `\303` (octal) …
fn unescape(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let escaped = bytes.next().expect("an escape has a second character");
        out.push(match escaped {
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'v' => 0x0b,
            b'0'..=b'7' => {
                let mut value = u32::from(escaped - b'0');
                for _ in 0..2 {
                    let digit = bytes.next().expect("three octal digits");
                    value = value * 8 + u32::from(digit - b'0');
                }
                u8::try_from(value).expect("an octal escape is one byte")
            }
            other => other,
        });
    }
    out
}

/// The fields the annotations find, read from their notes and spans.
fn explained_fields(bytes: &[u8], annotations: &[Annotation]) -> Fields {
    // path[d]: the field number of the last key at depth d.
    let mut path: Vec<u32> = Vec::new();
    let mut fields = Vec::new();
    for a in annotations {
        let here = |path: &Vec<u32>| path[..=a.depth].to_vec();
        match a.role {
            Role::Key => {
                let rest = a.note.strip_prefix("field ").expect("a key note");
                let (number, rest) = rest.split_once(" << 3 | wire type ").expect("a key");
                let number: u32 = number.parse().expect("a field number");
                path.truncate(a.depth);
                path.push(number);
                if rest.starts_with('3') {
                    fields.push((here(&path), Value::Opens));
                }
            }
            Role::Length if a.note.contains("parse as a message") => {
                fields.push((here(&path), Value::Opens));
            }
            Role::Length if a.note.starts_with("length 0") => {
                fields.push((here(&path), Value::Bytes(Vec::new())));
            }
            Role::Length => {}
            Role::Value => {
                let value = if let Some(v) = a.note.strip_prefix("varint ") {
                    let digits = v.split(' ').next().expect("a number");
                    Value::Varint(digits.parse().expect("a decimal varint"))
                } else if let Some(v) = a.note.strip_prefix("I64 0x") {
                    Value::I64(u64::from_str_radix(&v[..16], 16).expect("hex"))
                } else if let Some(v) = a.note.strip_prefix("I32 0x") {
                    Value::I32(u32::from_str_radix(&v[..8], 16).expect("hex"))
                } else {
                    Value::Bytes(bytes[a.at.clone()].to_vec())
                };
                fields.push((here(&path), value));
            }
            Role::Prefix | Role::Error | Role::Unparsed => {
                panic!("a valid message has no {:?} span: {a:?}", a.role)
            }
        }
    }
    fields
}

/// Both decodes of `bytes` find the same fields; returns how many.
fn assert_same_fields(what: &str, bytes: &[u8]) -> usize {
    let text = protoc_decode_raw(bytes).unwrap_or_else(|e| panic!("protoc refuses {what}: {e}"));
    let expected = protoc_fields(&text);
    let annotations = annotate_message(bytes, None);
    let found = explained_fields(bytes, &annotations);
    assert_eq!(
        found, expected,
        "{what}: the raw decode differs from protoc --decode_raw:\n{text}"
    );
    found.len()
}

fn text(s: &str) -> Text {
    Text::from(s)
}

/// Encodings of the services' messages, by their hand-written `encode`.
fn service_messages() -> Vec<(&'static str, Vec<u8>)> {
    let orca = interop::TestOrcaReport {
        cpu_utilization: 0.25,
        memory_utilization: -1.5,
        request_cost: BTreeMap::from([(text("db"), 12.0), (text("cache"), 1e-300)]),
        utilization: BTreeMap::new(),
    };
    vec![
        (
            "HelloRequest",
            hello::HelloRequest {
                name: text("world"),
            }
            .encode_to_vec(),
        ),
        (
            "HelloReply",
            hello::HelloReply {
                message: text("héllo \"wörld\"\n\t☺"),
            }
            .encode_to_vec(),
        ),
        (
            "ConvertRequest",
            finance::ConvertRequest {
                from_currency: text("USD"),
                to_currency: text("EUR"),
                amount: -0.0,
            }
            .encode_to_vec(),
        ),
        (
            "ConvertReply",
            finance::ConvertReply {
                converted_amount: 92.5,
                rate: 0.925,
                timestamp: text("1700000000"),
            }
            .encode_to_vec(),
        ),
        (
            "WatchRequest",
            finance::WatchRequest {
                base_currency: text("USD"),
                target_currencies: vec![text("EUR"), text(""), text("JPY")],
            }
            .encode_to_vec(),
        ),
        (
            "BatchReply",
            finance::BatchReply {
                total_converted: f64::INFINITY,
                count: -1,
            }
            .encode_to_vec(),
        ),
        (
            "User",
            users::User {
                id: text("u-1"),
                name: text("Bob"),
                email: text("bob@example.com"),
                age: 41,
                created_at: i64::MIN,
            }
            .encode_to_vec(),
        ),
        (
            "SimpleRequest",
            interop::SimpleRequest {
                response_size: 314_159,
                payload: Some(interop::Payload::zeros(5)),
                fill_username: true,
                response_compressed: interop::BoolValue::some(false),
                response_status: Some(interop::EchoStatus {
                    code: 2,
                    message: text("test status message"),
                }),
                orca_per_query_report: Some(orca.clone()),
                ..Default::default()
            }
            .encode_to_vec(),
        ),
        (
            "StreamingOutputCallRequest",
            interop::StreamingOutputCallRequest {
                response_parameters: vec![
                    interop::ResponseParameters {
                        size: 31_415,
                        interval_us: 0,
                        compressed: interop::BoolValue::some(true),
                    },
                    interop::ResponseParameters {
                        size: 9,
                        interval_us: 2653,
                        compressed: None,
                    },
                ],
                orca_oob_report: Some(orca),
                ..Default::default()
            }
            .encode_to_vec(),
        ),
    ]
}

#[test]
fn the_raw_decode_agrees_with_protoc_on_the_services_messages() {
    for (what, bytes) in service_messages() {
        let n = assert_same_fields(what, &bytes);
        assert!(n > 0, "{what} has fields");
    }
}

#[test]
fn the_raw_decode_agrees_with_protoc_on_hand_made_encodings() {
    let cases: &[(&str, &[u8])] = &[
        ("the encoding guide's 150", b"\x08\x96\x01"),
        // A group holding a varint and a fixed32, then an I32 outside it.
        (
            "a group",
            b"\x0b\x08\x01\x15\x00\x00\xc0\x3f\x0c\x15\xff\xff\xff\xff",
        ),
        // "hi" parses as a message (field 13, varint 105): both guess so.
        ("a string that parses as a message", b"\x0a\x02hi"),
        ("bytes", b"\x12\x03\x00\x80\xff"),
        ("an empty value", b"\x1a\x00"),
        ("a large field number", b"\xf8\xff\xff\xff\x0f\x01"),
        ("messages three deep", b"\x0a\x06\x0a\x04\x0a\x02\x08\x07"),
    ];
    for (what, bytes) in cases {
        assert_same_fields(what, bytes);
    }
}

#[test]
fn what_protoc_refuses_is_annotated_as_an_error() {
    let malformed: &[&[u8]] = &[
        b"\x08\x96",         // a varint cut short
        b"\x0a\x05wo",       // a length past the end
        b"\x0e\x01",         // wire type 6
        b"\x0b\x08\x01",     // a group never closed
        b"\x0b\x14",         // a group closed by another's end
        b"\x09\x01\x02\x03", // an I64 value cut short
    ];
    for bytes in malformed {
        assert!(
            protoc_decode_raw(bytes).is_err(),
            "protoc accepts {bytes:02x?}"
        );
        let annotations = annotate_message(bytes, None);
        assert!(
            annotations.iter().any(|a| a.role == Role::Error),
            "no error in the annotations of {bytes:02x?}: {annotations:?}"
        );
    }
}

/// `h2grpc inspect --explain` on the command line: hex in, the annotated bytes out, with the
/// schema of `--type`; bad input is a usage error (exit 2) naming what is wrong.
#[test]
fn the_explain_command() {
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_h2grpc"))
            .arg("inspect")
            .args(args)
            .output()
            .expect("h2grpc runs");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stdout, _) = run(&[
        "--explain",
        "00 00 00 00 07 0a 05 77 6f 72 6c 64",
        "--grpc",
        "--type",
        "hello.HelloRequest",
    ]);
    assert_eq!(code, Some(0));
    assert_eq!(
        stdout,
        "00                Compressed-Flag 0: not compressed\n\
         00 00 00 07       Message-Length 7 (big-endian): a hello.HelloRequest follows\n  \
         0a              field 1 << 3 | wire type 2 (LEN) = 0x0a: name (string)\n  \
         05              length 5\n  \
         77 6f 72 6c 64  name = \"world\"\n"
    );
    // A message alone, from a file, ends with its JSON.
    let file = std::env::temp_dir().join(format!("explain-{}.bin", std::process::id()));
    std::fs::write(&file, [0x0a, 0x02, b'h', b'i']).unwrap();
    let (code, stdout, _) = run(&[
        "--explain",
        &format!("@{}", file.display()),
        "--type",
        "hello.HelloRequest",
    ]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(code, Some(0));
    assert!(stdout.ends_with("= {\"name\":\"hi\"}\n"), "{stdout}");
    let (code, stdout, _) = run(&["--explain", "0x08,0x96,0x01"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("varint 150"), "{stdout}");
    let (code, _, stderr) = run(&["--explain", "08 9g"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("'g' at position 5"), "{stderr}");
    let (code, _, stderr) = run(&["--explain", "08", "--type", "nope.Missing"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("nope.Missing"), "{stderr}");
}
