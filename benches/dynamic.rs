//! Descriptor-driven messages: h2grpc's `dynamic` and `json` modules against `prost-reflect`'s
//! `DynamicMessage` (with `serde_json` for JSON), in the same groups.
//!
//! ```text
//! cargo bench --bench dynamic && python3 benches/report.py dynamic
//! ```
//!
//! Both sides get the same descriptors: the files of h2grpc's schema, encoded as a
//! `FileDescriptorSet` and handed to `prost_reflect::DescriptorPool::decode`. The messages are
//! the tutorials' (`HelloRequest`, `ConvertRequest`, `User`, `BulkCreateResponse`) and
//! protobuf's `TestAllTypesProto3` with every field set (read from the conformance runner's
//! copy of `test_messages_proto3.proto`, which `wire-tests/setup.sh` fetches). Every case first
//! checks that both sides decode to messages that encode to the same bytes (or print the same
//! JSON value), so a side that skips work fails instead of winning.
//!
//! Decoding borrows the received buffer on both sides; each iteration clones the message type
//! (an `Arc` on both sides), since that is what a caller hands to `decode`.
//!
//! `H2GRPC_INTERLEAVE=1 cargo bench --bench dynamic` times each operation in alternation
//! instead (batches of ~20 µs of each side in turn, 2,000 rounds): the ratios to trust on a VM
//! whose speed drifts.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, criterion_group};

#[path = "interleave.rs"]
mod interleave;
use h2grpc::dynamic::{DynamicMessage, MessageType, Types};
use h2grpc::json::{self, ParseOptions, PrintOptions};
use h2grpc::protobuf::Message as _;
use h2grpc::schema::Schema;
use h2grpc::schema::descriptor::FileDescriptorSet;
use interleave::alternate;
use prost::Message as _;
use prost_reflect::{DescriptorPool, MessageDescriptor};

/// One message of the comparison: its name, its type on both sides, a sample as JSON.
struct Case {
    label: &'static str,
    ours: MessageType,
    theirs: MessageDescriptor,
    json: String,
}

/// Where `wire-tests/setup.sh` puts protobuf's test protos.
fn conformance_protos() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/conformance/protos")
}

fn schema() -> Schema {
    let dir = conformance_protos();
    Schema::load(
        std::slice::from_ref(&dir),
        &[dir.join("google/protobuf/test_messages_proto3.proto")],
    )
    .unwrap_or_else(|e| panic!("{e} (run wire-tests/setup.sh to fetch the conformance protos)"))
}

fn cases() -> Vec<Case> {
    let conformance = schema();
    let mut files = Schema::embedded().files().to_vec();
    for file in conformance.files() {
        if !files.iter().any(|f| f.name == file.name) {
            files.push(file.clone());
        }
    }
    let types = Types::new(&files).unwrap();
    let set = FileDescriptorSet {
        file: files.clone(),
    };
    let pool = DescriptorPool::decode(&set.encode_to_vec()[..]).expect("prost-reflect pool");
    let case = |label, name: &str, json: String| Case {
        label,
        ours: MessageType::new(&types, name).unwrap(),
        theirs: pool.get_message_by_name(name).unwrap(),
        json,
    };
    vec![
        case(
            "HelloRequest",
            "hello.HelloRequest",
            r#"{"name":"world"}"#.into(),
        ),
        case(
            "ConvertRequest",
            "finance.ConvertRequest",
            r#"{"fromCurrency":"USD","toCurrency":"EUR","amount":100.5}"#.into(),
        ),
        case("User", "users.User", user(1).to_string()),
        case(
            "BulkCreateResponse",
            "users.BulkCreateResponse",
            serde_json::json!({
                "createdCount": 3,
                "userIds": [user(1)["id"], user(2)["id"], user(3)["id"]],
            })
            .to_string(),
        ),
        case(
            "TestAllTypesProto3",
            "protobuf_test_messages.proto3.TestAllTypesProto3",
            every_field(
                &types,
                "protobuf_test_messages.proto3.TestAllTypesProto3",
                0,
            )
            .to_string(),
        ),
    ]
}

fn user(n: u32) -> serde_json::Value {
    serde_json::json!({
        "id": format!("7f3b1c2e-9a4d-4e8f-b6a1-2c3d4e5f6a{n:02}"),
        "name": format!("User number {n}"),
        "email": format!("user{n}@example.com"),
        "age": 30 + n,
        "createdAt": "1733659200",
    })
}

/// A JSON value with every field of `name` set (one member per oneof), nested messages two
/// levels deep, and the well-known types in their JSON forms.
fn every_field(types: &Arc<Types>, name: &str, depth: usize) -> serde_json::Value {
    use h2grpc::dynamic::{Cardinality, Kind};
    use serde_json::{Value as J, json};
    match name {
        "google.protobuf.Timestamp" => return json!("2024-12-08T12:00:00.123Z"),
        "google.protobuf.Duration" => return json!("1.5s"),
        "google.protobuf.FieldMask" => return json!("fooBar,baz.qux"),
        "google.protobuf.Struct" => return json!({"a": 1, "b": [true, null, "x"]}),
        "google.protobuf.Value" => return json!({"k": [1.5, "v"]}),
        "google.protobuf.ListValue" => return json!([1, "two", {"three": 3}]),
        "google.protobuf.Any" => {
            return json!({"@type": "type.googleapis.com/google.protobuf.Duration", "value": "2s"});
        }
        "google.protobuf.Empty" => return json!({}),
        "google.protobuf.BoolValue" => return json!(true),
        "google.protobuf.StringValue" => return json!("wrapped"),
        "google.protobuf.BytesValue" => return json!("AQID"),
        "google.protobuf.DoubleValue" | "google.protobuf.FloatValue" => return json!(2.5),
        "google.protobuf.Int64Value" | "google.protobuf.UInt64Value" => return json!("64"),
        "google.protobuf.Int32Value" | "google.protobuf.UInt32Value" => return json!(32),
        _ => {}
    }
    let info = types.message(types.message_id(name).unwrap());
    let mut object = serde_json::Map::new();
    let mut oneofs_done = Vec::new();
    for field in &info.fields {
        if let Some(oneof) = field.oneof {
            if oneofs_done.contains(&oneof) {
                continue;
            }
            oneofs_done.push(oneof);
        }
        let scalar = |kind: Kind| -> Option<J> {
            Some(match kind {
                Kind::Double | Kind::Float => json!(1.25),
                Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => json!("-1234567890123"),
                Kind::Uint64 | Kind::Fixed64 => json!("1234567890123"),
                Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => json!(-123456),
                Kind::Uint32 | Kind::Fixed32 => json!(123456),
                Kind::Bool => json!(true),
                Kind::String => json!("a string value"),
                Kind::Bytes => json!("AAECAwQFBgc="),
                Kind::Enum(e) => {
                    let values = &types.enumeration(e).values;
                    json!(values.get(1).or(values.first()).map(|(n, _)| n.as_str()))
                }
                Kind::Message(m) | Kind::Group(m) => {
                    let name = &types.message(m).full_name;
                    if depth >= 2 && !name.starts_with("google.protobuf.") {
                        return None;
                    }
                    every_field(types, name, depth + 1)
                }
            })
        };
        let value = match field.cardinality {
            Cardinality::Singular => scalar(field.kind),
            Cardinality::Repeated => scalar(field.kind).map(|v| J::Array(vec![v.clone(), v])),
            Cardinality::Map => {
                let Kind::Message(entry) = field.kind else {
                    continue;
                };
                let entry = types.message(entry);
                let key = match entry.fields[0].kind {
                    Kind::Bool => "true".to_owned(),
                    Kind::String => "key".to_owned(),
                    _ => "7".to_owned(),
                };
                scalar(entry.fields[1].kind).map(|v| json!({ key: v }))
            }
        };
        if let Some(value) = value {
            object.insert(field.json_name.clone(), value);
        }
    }
    J::Object(object)
}

/// One case's four inputs, after checking that both sides agree on them.
struct Prepared {
    ours: DynamicMessage,
    theirs: prost_reflect::DynamicMessage,
    bytes: Bytes,
    json: String,
}

fn prepare(case: &Case) -> Prepared {
    let ours = json::from_str(&case.ours, &case.json, &ParseOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", case.label));
    let bytes = Bytes::from(ours.encode_to_vec());
    let theirs = prost_reflect::DynamicMessage::decode(case.theirs.clone(), &bytes[..]).unwrap();
    // The same message on both sides, field for field, before anything is timed.
    let ours_again = DynamicMessage::decode(&case.ours, bytes.clone()).unwrap();
    assert_eq!(
        prost_reflect::DynamicMessage::decode(case.theirs.clone(), &ours_again.encode_to_vec()[..])
            .unwrap(),
        theirs,
        "{}",
        case.label
    );
    let json = json::to_string(&ours, &PrintOptions::default()).unwrap();
    let their_json = serde_json::to_string(&theirs).unwrap();
    assert!(
        same_json(&json, &their_json),
        "{}: the two JSON mappings differ:\n{json}\n{their_json}",
        case.label
    );
    Prepared {
        ours,
        theirs,
        bytes,
        json,
    }
}

/// `H2GRPC_INTERLEAVE=1`: each operation of each case, h2grpc and prost-reflect in alternation.
fn interleaved() {
    println!("dynamic, interleaved: median ns per call (h2grpc, prost-reflect), median ratio");
    for case in &cases() {
        let p = prepare(case);
        let (ours, theirs) = (&p.ours, &p.theirs);
        let rows = [
            (
                "decode",
                alternate(
                    || {
                        drop(black_box(DynamicMessage::decode(
                            &case.ours,
                            black_box(&p.bytes),
                        )))
                    },
                    || {
                        drop(black_box(prost_reflect::DynamicMessage::decode(
                            case.theirs.clone(),
                            black_box(&p.bytes[..]),
                        )));
                    },
                ),
            ),
            (
                "encode",
                alternate(
                    || drop(black_box(black_box(ours).encode_to_vec())),
                    || drop(black_box(black_box(theirs).encode_to_vec())),
                ),
            ),
            (
                "json print",
                alternate(
                    || {
                        drop(black_box(json::to_string(
                            black_box(ours),
                            &PrintOptions::default(),
                        )))
                    },
                    || drop(black_box(serde_json::to_string(black_box(theirs)))),
                ),
            ),
            (
                "json parse",
                alternate(
                    || {
                        drop(black_box(json::from_str(
                            &case.ours,
                            black_box(&p.json),
                            &ParseOptions::default(),
                        )));
                    },
                    || {
                        let mut de = serde_json::Deserializer::from_str(black_box(&p.json));
                        drop(black_box(prost_reflect::DynamicMessage::deserialize(
                            case.theirs.clone(),
                            &mut de,
                        )));
                    },
                ),
            ),
        ];
        for (operation, (o, t, ratio)) in rows {
            println!(
                "{:>20} {operation:>10}  {o:10.1} {t:10.1} ns  {ratio:5.2}x",
                case.label
            );
        }
    }
}

fn dynamic(c: &mut Criterion) {
    for case in &cases() {
        let Prepared {
            ours,
            theirs,
            bytes,
            json: our_json,
        } = prepare(case);

        let mut group = c.benchmark_group("dynamic_decode");
        group.bench_function(BenchmarkId::new(case.label, "h2grpc"), |b| {
            b.iter(|| DynamicMessage::decode(&case.ours, black_box(&bytes)).unwrap());
        });
        group.bench_function(BenchmarkId::new(case.label, "prost-reflect"), |b| {
            b.iter(|| {
                prost_reflect::DynamicMessage::decode(case.theirs.clone(), black_box(&bytes[..]))
                    .unwrap()
            });
        });
        group.finish();

        let mut group = c.benchmark_group("dynamic_encode");
        group.bench_function(BenchmarkId::new(case.label, "h2grpc"), |b| {
            b.iter(|| black_box(&ours).encode_to_vec());
        });
        group.bench_function(BenchmarkId::new(case.label, "prost-reflect"), |b| {
            b.iter(|| black_box(&theirs).encode_to_vec());
        });
        group.finish();

        let mut group = c.benchmark_group("json_print");
        group.bench_function(BenchmarkId::new(case.label, "h2grpc"), |b| {
            b.iter(|| json::to_string(black_box(&ours), &PrintOptions::default()).unwrap());
        });
        group.bench_function(BenchmarkId::new(case.label, "prost-reflect"), |b| {
            b.iter(|| serde_json::to_string(black_box(&theirs)).unwrap());
        });
        group.finish();

        let mut group = c.benchmark_group("json_parse");
        group.bench_function(BenchmarkId::new(case.label, "h2grpc"), |b| {
            b.iter(|| {
                json::from_str(&case.ours, black_box(&our_json), &ParseOptions::default()).unwrap()
            });
        });
        group.bench_function(BenchmarkId::new(case.label, "prost-reflect"), |b| {
            b.iter(|| {
                let mut de = serde_json::Deserializer::from_str(black_box(&our_json));
                prost_reflect::DynamicMessage::deserialize(case.theirs.clone(), &mut de).unwrap()
            });
        });
        group.finish();
    }
}

/// Whether two JSON texts hold the same value, numbers compared as `f64` (prost-reflect writes
/// a `google.protobuf.Value`'s 1 as `1.0`, h2grpc as `1`: the same double).
fn same_json(a: &str, b: &str) -> bool {
    fn normal(value: serde_json::Value) -> serde_json::Value {
        use serde_json::Value as J;
        match value {
            J::Number(n) => n
                .as_f64()
                .and_then(serde_json::Number::from_f64)
                .map_or(J::Null, J::Number),
            J::Array(items) => J::Array(items.into_iter().map(normal).collect()),
            J::Object(map) => J::Object(map.into_iter().map(|(k, v)| (k, normal(v))).collect()),
            other => other,
        }
    }
    let parse = |text: &str| normal(serde_json::from_str(text).expect("JSON"));
    parse(a) == parse(b)
}

criterion_group!(benches, dynamic);

fn main() {
    if std::env::var_os("H2GRPC_INTERLEAVE").is_some() {
        interleaved();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
