//! proto2, the bundled well-known types, and schemas from anywhere, against protoc:
//!
//! - the proto2 corpus (`wire-tests/reflection/corpus/proto2/`: groups, extensions at file and
//!   message scope, a default of every type, packed, json_name, required, message sets, maps,
//!   a file with no syntax line), loaded from disk by [`Schema::load`], is what
//!   `protoc --descriptor_set_out` writes, field by field and byte for byte;
//! - each bundled well-known type (`proto/google/protobuf/`) is what protoc builds from
//!   Google's own file, installed by libprotobuf-dev in `/usr/include`;
//! - protoc's descriptor set read back by [`Schema::from_descriptor_set`] is the same schema,
//!   with or without the well-known types in it;
//! - for a few mistakes, the error is protoc's, word for word.

use std::path::{Path, PathBuf};
use std::process::Command;

use h2grpc::schema::{ErrorKind, Schema, WELL_KNOWN};

use super::vs_protoc::{assert_same_as_protoc, protoc_descriptor_set};

/// The corpus root: files are named `proto2/...` from here.
fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("wire-tests/reflection/corpus")
}

const CORPUS: [&str; 2] = ["proto2/shop.proto", "proto2/legacy.proto"];

/// Where libprotobuf-dev puts Google's `.proto` files (protoc's default include directory).
const UPSTREAM: &str = "/usr/include";

fn load_corpus() -> Schema {
    let root = corpus_dir();
    let files: Vec<PathBuf> = CORPUS.iter().map(|name| root.join(name)).collect();
    Schema::load(&[root], &files).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_proto2_corpus_is_what_protoc_compiles() {
    let schema = load_corpus();
    let names: Vec<_> = schema
        .files()
        .iter()
        .map(|f| f.name.as_deref().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "proto2/shop.proto",
            "proto2/legacy.proto",
            "google/protobuf/timestamp.proto",
            "google/protobuf/descriptor.proto",
        ]
    );
    for name in CORPUS {
        assert_same_as_protoc(&schema, &corpus_dir(), name);
    }
}

#[test]
fn the_bundled_well_known_types_are_googles() {
    assert!(
        Path::new(UPSTREAM)
            .join("google/protobuf/descriptor.proto")
            .is_file(),
        "Google's .proto files are missing: install libprotobuf-dev (bash wire-tests/setup.sh)"
    );
    let schema = Schema::well_known();
    for (name, _) in WELL_KNOWN {
        assert_same_as_protoc(schema, Path::new(UPSTREAM), name);
    }
}

#[test]
fn protocs_descriptor_set_reads_back_as_the_same_schema() {
    let loaded = load_corpus();
    let set = protoc_descriptor_set(&corpus_dir(), "proto2/legacy.proto");
    let schema = Schema::from_descriptor_set(&set).unwrap_or_else(|e| panic!("{e}"));
    for file in loaded.files() {
        let name = file.name.as_deref().unwrap();
        assert_eq!(schema.file(name), Some(file), "{name}");
        assert_eq!(
            schema.encoded_file(name),
            loaded.encoded_file(name),
            "{name}"
        );
    }
    assert_eq!(schema.messages().len(), loaded.messages().len());

    // Without --include_imports the set lacks the well-known types: the bundled ones fill in,
    // but shop.proto itself is not invented.
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("proto2-no-imports-{}.pb", std::process::id()));
    let status = Command::new("protoc")
        .arg(format!("--descriptor_set_out={}", out.display()))
        .arg(format!("--proto_path={}", corpus_dir().display()))
        .arg("proto2/shop.proto")
        .status()
        .expect("run protoc");
    assert!(status.success());
    let bytes = std::fs::read(&out).expect("read the set");
    let _ = std::fs::remove_file(&out);
    let schema = Schema::from_descriptor_set(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        schema.file("google/protobuf/timestamp.proto"),
        loaded.file("google/protobuf/timestamp.proto")
    );
    assert_eq!(
        schema.message("shop.v2.Order"),
        loaded.message("shop.v2.Order")
    );
}

/// protoc's message for `source` (named `name`, alone in a directory): its first line of
/// errors that names the file.
fn protoc_error(name: &str, files: &[(&str, &str)]) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("proto2-errors-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    for (file, source) in files {
        std::fs::write(dir.join(file), source).expect("write");
    }
    let output = Command::new("protoc")
        .arg(format!("--proto_path={}", dir.display()))
        .arg("--descriptor_set_out=/dev/null")
        .arg(name)
        .output()
        .expect("run protoc");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!output.status.success(), "protoc accepted {name}");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    stderr
        .lines()
        .find(|line| line.starts_with(&format!("{name}:")))
        .unwrap_or_else(|| panic!("protoc said: {stderr}"))
        .to_owned()
}

#[test]
fn errors_are_protocs() {
    let cases: [(&[(&str, &str)], ErrorKind); 6] = [
        (
            &[(
                "a.proto",
                "syntax = \"proto2\";\nmessage A {\n  int32 x = 1;\n}\n",
            )],
            ErrorKind::Syntax,
        ),
        (
            &[(
                "a.proto",
                "syntax = \"proto2\";\nmessage A {\n  optional Foo x = 1;\n}\n",
            )],
            ErrorKind::Undefined,
        ),
        (
            &[(
                "a.proto",
                "syntax = \"proto3\";\nmessage A {\n  int32 x = ;\n}\n",
            )],
            ErrorKind::Syntax,
        ),
        (&[("a.proto", "syntax = \"proto5\";\n")], ErrorKind::Syntax),
        (
            &[
                ("a.proto", "syntax = \"proto3\";\nimport \"b.proto\";\n"),
                ("b.proto", "syntax = \"proto3\";\nimport \"a.proto\";\n"),
            ],
            ErrorKind::ImportCycle,
        ),
        (
            &[(
                "a.proto",
                "enum E { A = 1; }\nmessage M {\n  optional E e = 1 [default = B];\n}\n",
            )],
            ErrorKind::Undefined,
        ),
    ];
    for (files, kind) in cases {
        let theirs = protoc_error("a.proto", files);
        let ours = Schema::parse(files.iter().copied()).unwrap_err();
        assert_eq!(ours.to_string(), theirs);
        assert_eq!(ours.kind, kind, "{ours}");
    }
}
