//! What `protoc` compiles from `proto/` against what `src/services/` declares: the service and
//! method constants (names, paths, streaming kinds), and every field of every message (number
//! and wire type).
//!
//! protoc's `--descriptor_set_out` is a `google.protobuf.FileDescriptorSet`; the few fields of
//! `descriptor.proto` read here are mirrored with prost below.

use std::collections::BTreeSet;

use bytes::Bytes;
use h2grpc::protobuf::{Decoder, Message, WireType};
use h2grpc::services::{finance, hello, helloworld, users};

use super::cases::{UNICODE, bs};
use super::protoc;

// ===== descriptor.proto, the parts read here (proto2: every field has presence) =====

/// `message FileDescriptorSet { repeated FileDescriptorProto file = 1; }`
#[derive(Clone, PartialEq, prost::Message)]
struct FileDescriptorSet {
    #[prost(message, repeated, tag = "1")]
    file: Vec<FileDescriptorProto>,
}

/// `FileDescriptorProto`: `name = 1`, `package = 2`, `message_type = 4`, `service = 6`.
#[derive(Clone, PartialEq, prost::Message)]
struct FileDescriptorProto {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
    #[prost(string, optional, tag = "2")]
    package: Option<String>,
    #[prost(message, repeated, tag = "4")]
    message_type: Vec<DescriptorProto>,
    #[prost(message, repeated, tag = "6")]
    service: Vec<ServiceDescriptorProto>,
}

/// `DescriptorProto`: `name = 1`, `field = 2`.
#[derive(Clone, PartialEq, prost::Message)]
struct DescriptorProto {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
    #[prost(message, repeated, tag = "2")]
    field: Vec<FieldDescriptorProto>,
}

/// `FieldDescriptorProto`: `name = 1`, `number = 3`, `label = 4`, `type = 5` (enums, read as
/// their numbers).
#[derive(Clone, PartialEq, prost::Message)]
struct FieldDescriptorProto {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
    #[prost(int32, optional, tag = "3")]
    number: Option<i32>,
    #[prost(int32, optional, tag = "4")]
    label: Option<i32>,
    #[prost(int32, optional, tag = "5")]
    r#type: Option<i32>,
}

/// `ServiceDescriptorProto`: `name = 1`, `method = 2`.
#[derive(Clone, PartialEq, prost::Message)]
struct ServiceDescriptorProto {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
    #[prost(message, repeated, tag = "2")]
    method: Vec<MethodDescriptorProto>,
}

/// `MethodDescriptorProto`: `name = 1`, `input_type = 2`, `output_type = 3`,
/// `client_streaming = 5`, `server_streaming = 6`.
#[derive(Clone, PartialEq, prost::Message)]
struct MethodDescriptorProto {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
    #[prost(string, optional, tag = "2")]
    input_type: Option<String>,
    #[prost(string, optional, tag = "3")]
    output_type: Option<String>,
    #[prost(bool, optional, tag = "5")]
    client_streaming: Option<bool>,
    #[prost(bool, optional, tag = "6")]
    server_streaming: Option<bool>,
}

/// `FieldDescriptorProto.Label.LABEL_REPEATED`.
const LABEL_REPEATED: i32 = 3;

const FILES: [&str; 4] = [
    "hello.proto",
    "helloworld.proto",
    "finance.proto",
    "user_service.proto",
];

fn descriptors() -> FileDescriptorSet {
    let bytes = protoc::descriptor_set(&FILES);
    <FileDescriptorSet as prost::Message>::decode(&bytes[..]).expect("protoc's descriptor set")
}

// ===== Services =====

/// One method as the constants of `src/services/` describe it:
/// `(path, input type, output type, client streaming, server streaming)`.
type Rpc = (String, String, String, bool, bool);

fn rpc(path: &str, input: &str, output: &str, client: bool, server: bool) -> Rpc {
    (
        path.to_owned(),
        input.to_owned(),
        output.to_owned(),
        client,
        server,
    )
}

/// The constants of `src/services/`, with the message types and kinds their docs state.
fn declared_rpcs() -> BTreeSet<(String, Rpc)> {
    let hello_req = ".hello.HelloRequest";
    let hello_rep = ".hello.HelloReply";
    let hw_req = ".helloworld.HelloRequest";
    let hw_rep = ".helloworld.HelloReply";
    let convert_req = ".finance.ConvertRequest";
    let convert_rep = ".finance.ConvertReply";
    let create_req = ".users.CreateUserRequest";
    let user = ".users.User";
    [
        (
            hello::SERVICE,
            rpc(hello::SAY_HELLO, hello_req, hello_rep, false, false),
        ),
        (
            hello::SERVICE,
            rpc(hello::SAY_HELLO_AGAIN, hello_req, hello_rep, false, false),
        ),
        (
            hello::SERVICE,
            rpc(
                hello::SAY_HELLO_STREAM_REPLY,
                hello_req,
                hello_rep,
                false,
                true,
            ),
        ),
        (
            helloworld::SERVICE,
            rpc(helloworld::SAY_HELLO, hw_req, hw_rep, false, false),
        ),
        (
            helloworld::SERVICE,
            rpc(helloworld::SAY_HELLO_AGAIN, hw_req, hw_rep, false, false),
        ),
        (
            helloworld::SERVICE,
            rpc(
                helloworld::SAY_HELLO_STREAM_REPLY,
                hw_req,
                hw_rep,
                false,
                true,
            ),
        ),
        (
            helloworld::SERVICE,
            rpc(
                helloworld::SAY_HELLO_BIDI_STREAM,
                hw_req,
                hw_rep,
                true,
                true,
            ),
        ),
        (
            finance::SERVICE,
            rpc(finance::CONVERT, convert_req, convert_rep, false, false),
        ),
        (
            finance::SERVICE,
            rpc(
                finance::WATCH_RATES,
                ".finance.WatchRequest",
                ".finance.RateUpdate",
                false,
                true,
            ),
        ),
        (
            finance::SERVICE,
            rpc(
                finance::BATCH_CONVERT,
                convert_req,
                ".finance.BatchReply",
                true,
                false,
            ),
        ),
        (
            finance::SERVICE,
            rpc(finance::LIVE_CONVERT, convert_req, convert_rep, true, true),
        ),
        (
            users::SERVICE,
            rpc(users::GET_USER, ".users.GetUserRequest", user, false, false),
        ),
        (
            users::SERVICE,
            rpc(users::CREATE_USER, create_req, user, false, false),
        ),
        (
            users::SERVICE,
            rpc(
                users::LIST_USERS,
                ".users.ListUsersRequest",
                user,
                false,
                true,
            ),
        ),
        (
            users::SERVICE,
            rpc(
                users::BULK_CREATE_USERS,
                create_req,
                ".users.BulkCreateResponse",
                true,
                false,
            ),
        ),
    ]
    .into_iter()
    .map(|(service, rpc)| (service.to_owned(), rpc))
    .collect()
}

#[test]
fn service_constants_match_the_protos() {
    let mut compiled = BTreeSet::new();
    for file in descriptors().file {
        let package = file.package.unwrap_or_default();
        for service in file.service {
            let service_name = format!("{package}.{}", service.name.unwrap_or_default());
            for method in service.method {
                let path = format!("/{service_name}/{}", method.name.unwrap_or_default());
                compiled.insert((
                    service_name.clone(),
                    (
                        path,
                        method.input_type.unwrap_or_default(),
                        method.output_type.unwrap_or_default(),
                        method.client_streaming.unwrap_or(false),
                        method.server_streaming.unwrap_or(false),
                    ),
                ));
            }
        }
    }
    let declared = declared_rpcs();
    assert_eq!(compiled.len(), 15, "{compiled:#?}");
    assert_eq!(
        declared,
        compiled,
        "only in src/services: {:#?}\nonly in proto/: {:#?}",
        declared.difference(&compiled).collect::<Vec<_>>(),
        compiled.difference(&declared).collect::<Vec<_>>()
    );
}

#[test]
fn method_paths_are_slash_service_slash_method() {
    for (service, (path, ..)) in declared_rpcs() {
        let method = path
            .strip_prefix('/')
            .and_then(|p| p.strip_prefix(service.as_str()))
            .and_then(|p| p.strip_prefix('/'))
            .unwrap_or_else(|| panic!("{path} is not /{service}/Method"));
        assert!(!method.is_empty() && !method.contains('/'), "{path}");
    }
}

// ===== Fields =====

/// The records of an encoded message: `(field number, wire type)`, read with h2grpc's decoder.
/// (`WireType` has no order, so sets hold its number.)
fn records(bytes: Bytes) -> BTreeSet<(u32, u8)> {
    let mut d = Decoder::new(&bytes);
    let mut seen = BTreeSet::new();
    while let Some(number) = d.next_field().expect("a valid encoding") {
        seen.insert((number, d.wire_type() as u8));
        d.skip().expect("a valid encoding");
    }
    seen
}

/// The wire type of a declared field (`FieldDescriptorProto.Type`). A repeated scalar would be
/// packed (LEN); these protos have none, so that branch is not needed.
fn declared_wire_type(field: &FieldDescriptorProto) -> WireType {
    assert!(
        field.label != Some(LABEL_REPEATED) || matches!(field.r#type, Some(9 | 11 | 12)),
        "a repeated scalar: extend this test for packed fields"
    );
    match field.r#type.expect("every field has a type") {
        1 | 6 | 16 => WireType::I64,  // double, fixed64, sfixed64
        2 | 7 | 15 => WireType::I32,  // float, fixed32, sfixed32
        9 | 11 | 12 => WireType::Len, // string, message, bytes
        3 | 4 | 5 | 8 | 13 | 14 | 17 | 18 => WireType::Varint,
        other => panic!("field type {other} (a group?) is not in proto3"),
    }
}

/// Every message of `proto/`, by full name, with a value of the h2grpc type that sets every
/// field to something other than its default: so every field must appear on the wire.
fn full_messages() -> Vec<(&'static str, Bytes)> {
    let hello_request = hello::HelloRequest { name: bs("world") }.encode_to_bytes();
    let hello_reply = hello::HelloReply {
        message: bs(UNICODE),
    }
    .encode_to_bytes();
    vec![
        ("hello.HelloRequest", hello_request.clone()),
        ("hello.HelloReply", hello_reply.clone()),
        ("helloworld.HelloRequest", hello_request),
        ("helloworld.HelloReply", hello_reply),
        (
            "finance.ConvertRequest",
            finance::ConvertRequest {
                from_currency: bs("USD"),
                to_currency: bs("EUR"),
                amount: 1.5,
            }
            .encode_to_bytes(),
        ),
        (
            "finance.ConvertReply",
            finance::ConvertReply {
                converted_amount: 1.38,
                rate: 0.92,
                timestamp: bs("1700000000"),
            }
            .encode_to_bytes(),
        ),
        (
            "finance.WatchRequest",
            finance::WatchRequest {
                base_currency: bs("USD"),
                target_currencies: vec![bs("EUR"), bs("GBP")],
            }
            .encode_to_bytes(),
        ),
        (
            "finance.RateUpdate",
            finance::RateUpdate {
                currency: bs("EUR"),
                rate: 0.92,
            }
            .encode_to_bytes(),
        ),
        (
            "finance.BatchReply",
            finance::BatchReply {
                total_converted: 2.5,
                count: 2,
            }
            .encode_to_bytes(),
        ),
        (
            "users.GetUserRequest",
            users::GetUserRequest { user_id: bs("u") }.encode_to_bytes(),
        ),
        (
            "users.CreateUserRequest",
            users::CreateUserRequest {
                name: bs("n"),
                email: bs("e@x"),
                age: 1,
            }
            .encode_to_bytes(),
        ),
        (
            "users.User",
            users::User {
                id: bs("i"),
                name: bs("n"),
                email: bs("e@x"),
                age: 1,
                created_at: 1,
            }
            .encode_to_bytes(),
        ),
        (
            "users.ListUsersRequest",
            users::ListUsersRequest {
                page_size: 1,
                page_token: bs("t"),
            }
            .encode_to_bytes(),
        ),
        (
            "users.BulkCreateResponse",
            users::BulkCreateResponse {
                created_count: 1,
                user_ids: vec![bs("u")],
            }
            .encode_to_bytes(),
        ),
    ]
}

/// Every field protoc compiled is written by the h2grpc type under the same number and wire
/// type, and the h2grpc type writes no field the `.proto` does not declare; no message of
/// `proto/` lacks an h2grpc type.
#[test]
fn every_field_of_every_message_matches_the_protos() {
    let ours = full_messages();
    let mut compiled_names = BTreeSet::new();
    for file in descriptors().file {
        let package = file.package.unwrap_or_default();
        for message in file.message_type {
            let name = format!("{package}.{}", message.name.clone().unwrap_or_default());
            let declared: BTreeSet<(u32, u8)> = message
                .field
                .iter()
                .map(|field| {
                    let number = u32::try_from(field.number.expect("a field number"))
                        .expect("field numbers are positive");
                    (number, declared_wire_type(field) as u8)
                })
                .collect();
            let (_, bytes) = ours
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap_or_else(|| panic!("{name} has no h2grpc type in this test"));
            assert_eq!(records(bytes.clone()), declared, "{name}");
            compiled_names.insert(name);
        }
    }
    let our_names: BTreeSet<String> = ours.iter().map(|(n, _)| (*n).to_owned()).collect();
    assert_eq!(our_names, compiled_names);
}
