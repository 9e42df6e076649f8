//! The parser on small files: what it builds, and what it refuses.

use super::*;

#[test]
fn json_names_as_protoc() {
    assert_eq!(json_name("from_currency"), "fromCurrency");
    assert_eq!(json_name("name"), "name");
    assert_eq!(
        json_name("all_extension_numbers_of_type"),
        "allExtensionNumbersOfType"
    );
    assert_eq!(json_name("Upper_case"), "UpperCase");
    assert_eq!(json_name("a__b_"), "aB");
    assert_eq!(json_name("x_1"), "x1");
}

#[test]
fn map_entry_names_as_protoc() {
    assert_eq!(map_entry_name("statuses"), "StatusesEntry");
    assert_eq!(map_entry_name("rpcs_by_peer"), "RpcsByPeerEntry");
}

fn parse(source: &str) -> Result<FileDescriptorProto> {
    parse_file("t.proto", source)
}

fn error(source: &str) -> String {
    parse(source).unwrap_err().to_string()
}

#[test]
fn a_small_file() {
    let file = parse(
        "syntax = \"proto3\"; package a.b;\n\
         message M { repeated string s = 1; map<string, M> m = 2;\n\
           oneof o { int32 x = 3; N n = 4; } optional bool f = 5; }\n\
         service S { rpc R(stream M) returns (M) {} }",
    )
    .unwrap();
    assert_eq!(file.package.as_deref(), Some("a.b"));
    let m = &file.message_type[0];
    let names: Vec<_> = m.field.iter().map(|f| f.name.as_deref().unwrap()).collect();
    assert_eq!(names, ["s", "m", "x", "n", "f"]);
    assert_eq!(m.nested_type[0].name.as_deref(), Some("MEntry"));
    let oneofs: Vec<_> = m
        .oneof_decl
        .iter()
        .map(|o| o.name.as_deref().unwrap())
        .collect();
    assert_eq!(oneofs, ["o", "_f"]);
    assert_eq!(m.field[4].oneof_index, Some(1));
    assert_eq!(m.field[4].proto3_optional, Some(true));
    let rpc = &file.service[0].method[0];
    assert_eq!(rpc.client_streaming, Some(true));
    assert_eq!(rpc.server_streaming, None);
    assert!(rpc.options.is_some());
}

#[test]
fn what_is_refused_says_where_and_why() {
    assert!(error("syntax = \"proto2\";").contains("t.proto:1:10: only proto3"));
    assert!(error("message M {}").contains("must start with"));
    assert!(error("syntax = \"proto3\"; message M { int32 a = 0; }").contains("between 1 and"));
    assert!(
        error("syntax = \"proto3\"; message M { int32 a = 19000; }")
            .contains("reserved for the protobuf")
    );
    assert!(
        error("syntax = \"proto3\"; message M { int32 a = 1; int32 b = 1; }")
            .contains("used twice")
    );
    assert!(error("syntax = \"proto3\"; enum E { A = 1; }").contains("must be zero"));
    assert!(error("syntax = \"proto3\"; option (x) = 1;").contains("custom options"));
    assert!(error("syntax = \"proto3\"; option nope = 1;").contains("unknown option nope"));
    assert!(
        error("syntax = \"proto3\"; message M { map<double, int32> m = 1; }").contains("map key")
    );
    assert!(error("syntax = \"proto3\"; message M { extensions 100 to 200; }").contains("proto2"));
    assert!(
        error("syntax = \"proto3\"; message M { int32 a = 1 }").contains("expected `;`, found `}`")
    );
    assert!(error("syntax = \"proto3\"; message M {").contains("expected `}`, found the end"));
}
