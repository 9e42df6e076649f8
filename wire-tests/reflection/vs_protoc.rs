//! The schema's `FileDescriptorProto`s against what `protoc --descriptor_set_out` writes, for
//! every file of `proto/` and for a corpus of files using every construct the parser accepts
//! (`wire-tests/reflection/corpus/`).
//!
//! Three comparisons per file, each able to fail on its own:
//!
//! 1. **field by field**, both sides decoded by an independent decoder (prost-types): h2grpc's
//!    bytes must decode to exactly the descriptor protoc's bytes decode to. A difference is
//!    reported with the path of the first field that differs;
//! 2. **as h2grpc decodes them**: protoc's set, decoded by h2grpc's own descriptor messages,
//!    equals the schema's values;
//! 3. **byte for byte**: the bytes reflection sends are the bytes protoc writes (both write fields
//!    in number order and lists in declaration order).
//!
//! protoc writes no `source_code_info` without `--include_source_info`, so there is none to
//! ignore.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use bytes::Bytes;
use h2grpc::protobuf::{Bin, DecodeError, Decoder, FieldSink, Message};
use h2grpc::schema::descriptor::FileDescriptorSet;
use h2grpc::schema::{EMBEDDED, Schema, WELL_KNOWN};
use prost::Message as _;

/// The crate's `proto/`.
fn proto_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("proto")
}

/// `wire-tests/reflection/corpus/`: the root the corpus files are named from.
fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("wire-tests/reflection/corpus")
}

/// The corpus files, as `(name, source)`.
pub(crate) fn corpus() -> Vec<(String, String)> {
    [
        "corpus/deps/shared.proto",
        "corpus/deps/common.proto",
        "corpus/everything.proto",
    ]
    .into_iter()
    .map(|name| {
        let source = std::fs::read_to_string(corpus_dir().join(name)).expect("read the corpus");
        (name.to_owned(), source)
    })
    .collect()
}

/// `protoc --include_imports --descriptor_set_out=<tmp> --proto_path=<root> <file>`: the
/// `FileDescriptorSet` bytes. Fails (never skips) when protoc is missing.
pub(crate) fn protoc_descriptor_set(root: &Path, file: &str) -> Bytes {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("reflection-{}-{n}.pb", std::process::id()));
    let output = Command::new("protoc")
        .arg("--include_imports")
        .arg(format!("--descriptor_set_out={}", out.display()))
        .arg(format!("--proto_path={}", root.display()))
        .arg(file)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `protoc` ({e}): install it with `bash wire-tests/setup.sh`")
        });
    assert!(
        output.status.success(),
        "protoc failed on {file}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bytes = std::fs::read(&out).expect("read protoc's descriptor set");
    let _ = std::fs::remove_file(&out);
    Bytes::from(bytes)
}

/// A `FileDescriptorSet` with its files left as bytes (`repeated bytes` and a repeated message
/// are the same on the wire): protoc's exact bytes for each file.
#[derive(Debug, Default)]
struct RawSet {
    file: Vec<Bytes>,
}

impl Message for RawSet {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.repeated::<Bin>(1, &self.file);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.repeated::<Bin>(&mut self.file),
            _ => d.skip(),
        }
    }
}

/// The first line where two pretty-printed values differ, with the path of enclosing fields
/// leading to it: a readable "field by field" report.
fn first_difference(protoc: &str, h2grpc: &str) -> Option<String> {
    // `{:#?}` indents by four spaces per level; a `name: Some(` line has the name on the next.
    let mut path: Vec<String> = Vec::new();
    let mut name_next = false;
    for (theirs, ours) in protoc.lines().zip(h2grpc.lines()) {
        if theirs != ours {
            return Some(format!(
                "at {}:\n  protoc: {}\n  h2grpc: {}",
                path.join(" > "),
                theirs.trim(),
                ours.trim()
            ));
        }
        let trimmed = theirs.trim();
        if name_next {
            if let Some(last) = path.last_mut() {
                last.push_str(&format!(" {}", trimmed.trim_end_matches(',')));
            }
            name_next = false;
            continue;
        }
        let depth = (theirs.len() - theirs.trim_start().len()) / 4;
        path.truncate(depth);
        if trimmed == "name: Some(" {
            name_next = true;
        } else if trimmed.ends_with('{') || trimmed.ends_with('[') {
            path.push(trimmed.trim_end_matches(['{', '[', ' ']).to_owned());
        }
    }
    let (a, b) = (protoc.lines().count(), h2grpc.lines().count());
    (a != b).then(|| format!("protoc has {a} lines of description, h2grpc {b}"))
}

/// Compares every file of protoc's set for `file` (the file and its imports) with `schema`.
pub(crate) fn assert_same_as_protoc(schema: &Schema, root: &Path, file: &str) {
    let set_bytes = protoc_descriptor_set(root, file);
    let theirs = prost_types::FileDescriptorSet::decode(&set_bytes[..]).expect("protoc's set");
    let raw = RawSet::decode(set_bytes.clone()).expect("protoc's set, as bytes");
    let as_h2grpc_reads = FileDescriptorSet::decode(set_bytes).expect("h2grpc reads protoc's set");
    assert_eq!(theirs.file.len(), raw.file.len());
    assert!(!theirs.file.is_empty());
    for (index, protoc_file) in theirs.file.iter().enumerate() {
        let name = protoc_file.name();
        let ours = schema
            .encoded_file(name)
            .unwrap_or_else(|| panic!("{name} is not in the schema"));

        // 1. Field by field, decoded by prost-types.
        let ours_decoded =
            prost_types::FileDescriptorProto::decode(&ours[..]).expect("h2grpc's bytes decode");
        if &ours_decoded != protoc_file {
            let difference =
                first_difference(&format!("{protoc_file:#?}"), &format!("{ours_decoded:#?}"));
            panic!(
                "{name}: h2grpc's descriptor differs from protoc's {}",
                difference.unwrap_or_default()
            );
        }

        // 2. protoc's bytes as h2grpc's own descriptor messages read them.
        assert_eq!(
            Some(&as_h2grpc_reads.file[index]),
            schema.file(name),
            "{name}: protoc's descriptor, decoded by h2grpc, differs from the schema's"
        );

        // 3. Byte for byte.
        assert!(
            raw.file[index] == ours,
            "{name}: same descriptor, different bytes:\n  protoc: {:02x?}\n  h2grpc: {:02x?}",
            &raw.file[index][..],
            &ours[..]
        );
    }
}

#[test]
fn every_file_of_proto_is_what_protoc_compiles() {
    let schema = Schema::embedded();
    for (name, _) in EMBEDDED {
        assert_same_as_protoc(schema, &proto_dir(), name);
    }
}

#[test]
fn the_corpus_is_what_protoc_compiles() {
    let files = corpus();
    let schema = Schema::parse(files.iter().map(|(n, s)| (n.as_str(), s.as_str())))
        .unwrap_or_else(|e| panic!("{e}"));
    for (name, _) in &files {
        assert_same_as_protoc(&schema, &corpus_dir(), name);
    }
}

/// Every `.proto` under `dir`, as paths relative to `root`.
fn proto_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("read proto/") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            proto_files(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "proto") {
            let relative = path.strip_prefix(root).expect("under the root");
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[test]
fn every_file_of_proto_is_embedded() {
    let mut on_disk = Vec::new();
    proto_files(&proto_dir(), &proto_dir(), &mut on_disk);
    on_disk.sort();
    let all = EMBEDDED.iter().chain(WELL_KNOWN);
    let mut embedded: Vec<String> = all.clone().map(|(n, _)| (*n).to_owned()).collect();
    embedded.sort();
    assert_eq!(
        on_disk, embedded,
        "src/schema/mod.rs EMBEDDED and WELL_KNOWN must list every file of proto/"
    );
    for (name, source) in all {
        let disk = std::fs::read_to_string(proto_dir().join(name)).expect("read");
        assert_eq!(&disk, source, "{name}");
    }
}

#[test]
fn a_difference_is_found_and_named() {
    // The comparison can fail: a descriptor with one json_name changed is caught, with its path.
    let schema = Schema::embedded();
    let mut changed = schema.file("finance.proto").unwrap().clone();
    changed.message_type[0].field[1].json_name = Some("to_currency".into());
    let theirs = prost_types::FileDescriptorProto::decode(
        &schema.encoded_file("finance.proto").unwrap()[..],
    )
    .unwrap();
    let ours = prost_types::FileDescriptorProto::decode(&changed.encode_to_bytes()[..]).unwrap();
    assert_ne!(theirs, ours);
    let difference = first_difference(&format!("{theirs:#?}"), &format!("{ours:#?}")).unwrap();
    assert!(difference.contains("ConvertRequest"), "{difference}");
    assert!(difference.contains("to_currency"), "{difference}");
}
