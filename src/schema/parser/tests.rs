//! The parser on small files: what it builds, and what it refuses.

use super::*;
use crate::schema::descriptor::{DescriptorProto, Type};

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
    parse_file("t.proto", source).map(|parsed| parsed.file)
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
    assert_eq!(
        error("syntax = \"proto5\";"),
        "t.proto:1:10: Unrecognized syntax identifier \"proto5\".  This parser only recognizes \
         \"proto2\" and \"proto3\"."
    );
    assert!(error("edition = \"2023\";").contains("editions"));
    assert!(error("syntax = \"proto3\"; message M { int32 a = 0; }").contains("between 1 and"));
    assert_eq!(
        error("syntax = \"proto3\";\nmessage M {\n  int32 x = ;\n}"),
        "t.proto:3:13: Expected field number."
    );
    assert!(
        error("syntax = \"proto3\"; message M { int32 a = 19000; }")
            .contains("reserved for the protobuf")
    );
    assert!(
        error("syntax = \"proto3\"; message M { int32 a = 1; int32 b = 1; }")
            .contains("used twice")
    );
    assert!(error("syntax = \"proto3\"; enum E { A = 1; }").contains("must be zero"));
    assert!(error("syntax = \"proto3\"; option nope = 1;").contains("Option \"nope\" unknown"));
    assert!(
        error("syntax = \"proto3\"; message M { map<double, int32> m = 1; }").contains("map key")
    );
    assert!(
        error("syntax = \"proto3\"; message M { extensions 100 to 200; }")
            .contains("not allowed in proto3")
    );
    assert!(
        error("syntax = \"proto3\"; message M { required int32 a = 1; }")
            .contains("not allowed in proto3")
    );
    assert!(
        error("syntax = \"proto3\"; message M { int32 a = 1 [default = 1]; }")
            .contains("not allowed in proto3")
    );
    assert!(
        error("syntax = \"proto3\"; message M { optional group G = 1 {} }")
            .contains("Groups are not supported in proto3")
    );
    assert!(
        error("syntax = \"proto3\"; message M { int32 a = 1 }").contains("expected `;`, found `}`")
    );
    assert!(error("syntax = \"proto3\"; message M {").contains("expected `}`, found the end"));
}

#[test]
fn proto2_is_the_default_and_wants_labels() {
    assert_eq!(
        error("message A {\n  int32 x = 1;\n}"),
        "t.proto:2:3: Expected \"required\", \"optional\", or \"repeated\"."
    );
    assert_eq!(
        error("syntax = \"proto2\";\nmessage A {\n  oneof o { optional int32 x = 1; }\n}"),
        "t.proto:3:13: Fields in oneofs must not have labels (required / optional / repeated)."
    );
    assert!(error("message A { extend A { required int32 x = 1; } }").contains("required"));
    assert!(error("message A { optional group g = 1 {} }").contains("capital letter"));
    assert!(
        error("message A { extend A { optional int32 x = 1 [json_name = \"y\"]; } }")
            .contains("json_name is not allowed on extension")
    );
    // Maps and oneof members need none; a proto2 enum need not start at zero.
    let file = parse(
        "message A { map<string, int32> m = 1; oneof o { int32 x = 2; group G = 3 {} }\n\
         required string r = 4; repeated int32 p = 5 [packed = true]; }\n\
         enum E { ONE = 1; }",
    )
    .unwrap();
    assert_eq!(file.syntax, None);
    let a = &file.message_type[0];
    let labels: Vec<_> = a.field.iter().map(|f| f.label.unwrap()).collect();
    assert_eq!(labels, [3, 1, 1, 2, 3]);
    assert_eq!(a.field[2].oneof_index, Some(0));
    assert_eq!(a.field[2].name.as_deref(), Some("g"));
    assert_eq!(a.field[2].r#type, Some(Type::Group as i32));
    let nested: Vec<_> = a
        .nested_type
        .iter()
        .map(|m| m.name.as_deref().unwrap())
        .collect();
    assert_eq!(nested, ["MEntry", "G"]);
}

#[test]
fn defaults_as_protoc_writes_them() {
    let file = parse(
        "message A {\n\
         optional int32 a = 1 [default = -5]; optional uint64 b = 2 [default = 0x10];\n\
         optional double c = 3 [default = 1.5e3]; optional float d = 4 [default = -inf];\n\
         optional double e = 5 [default = nan]; optional bool f = 6 [default = true];\n\
         optional string g = 7 [default = \"a\\n\" \"b\"]; optional bytes h = 8 [default = \"\\001'\"];\n\
         optional E i = 9 [default = X]; optional int64 j = 10 [default = -9223372036854775808];\n\
         optional double k = 11 [default = 1e100]; optional float l = 12 [default = 1];\n\
         }",
    )
    .unwrap();
    let defaults: Vec<_> = file.message_type[0]
        .field
        .iter()
        .map(|f| f.default_value.as_deref().unwrap())
        .collect();
    assert_eq!(
        defaults,
        [
            "-5",
            "16",
            "1500",
            "-inf",
            "nan",
            "true",
            "a\nb",
            "\\001\\'",
            "X",
            "-9223372036854775808",
            "1e+100",
            "1"
        ]
    );
    let refused = |source: &str| error(&format!("message A {{ {source} }}"));
    assert!(refused("optional int32 a = 1 [default = \"x\"];").contains("Expected integer"));
    assert!(refused("optional string a = 1 [default = 1];").contains("Expected string"));
    assert!(refused("optional uint32 a = 1 [default = -1];").contains("Unsigned"));
    assert!(refused("optional int32 a = 1 [default = 2147483648];").contains("out of range"));
    assert!(refused("repeated int32 a = 1 [default = 1];").contains("Repeated"));
    assert!(refused("optional bool a = 1 [default = 1];").contains("\"true\" or \"false\""));
}

#[test]
fn extension_ranges_and_message_sets() {
    let file = parse(
        "message A { extensions 100 to 199, 300, 500 to max; }\n\
         message S { extensions 4 to max; option message_set_wire_format = true; }\n\
         message T { extensions 1 to 2 [(x.y) = { a: 1 b: [\"c\"] }]; }",
    )
    .unwrap();
    let ranges = |m: &DescriptorProto| -> Vec<(i32, i32)> {
        m.extension_range
            .iter()
            .map(|r| (r.start.unwrap(), r.end.unwrap()))
            .collect()
    };
    assert_eq!(
        ranges(&file.message_type[0]),
        [(100, 200), (300, 301), (500, 536_870_912)]
    );
    assert_eq!(ranges(&file.message_type[1]), [(4, i32::MAX)]);
    assert_eq!(ranges(&file.message_type[2]), [(1, 3)]);
    assert!(error("message A { extensions 5 to 536870912; }").contains("cannot be greater"));
}

#[test]
fn custom_options_are_read_and_dropped() {
    let file = parse(
        "syntax = \"proto3\"; option (my.file) = \"x\";\n\
         message M { option (m).deep.path = -inf; option deprecated = true;\n\
           int32 a = 1 [(f) = 1, deprecated = true, (g) = { x: 1 y { z: \"}\" } }];\n\
           oneof o { option (o) = true; int32 b = 2; } }\n\
         enum E { option (e) = 1.5; A = 0 [(v) = BLUE]; }\n\
         service S { option (google.api.x) = { get: \"/v1\" }; rpc R(M) returns (M) {\n\
           option (google.api.http) = { post: \"/v1/r\" body: \"*\" }; } }",
    )
    .unwrap();
    assert_eq!(file.options, None);
    let m = &file.message_type[0];
    assert_eq!(m.options.as_ref().unwrap().values.len(), 1);
    assert_eq!(m.field[0].options.as_ref().unwrap().values.len(), 1);
    assert_eq!(file.enum_type[0].value[0].options, None);
    assert!(error("syntax = \"proto3\"; option (x) = { a: 1").contains("closing the aggregate"));
    // Newer descriptor.proto's standard options that are not modelled: dropped the same way.
    let file = parse(
        "message M { extensions 9 [declaration = { number: 9 full_name: \".x\" }, \
         verification = DECLARATION];\n\
         optional int32 a = 1 [retention = RETENTION_SOURCE, targets = TARGET_TYPE_FILE,\
         features.field_presence = EXPLICIT, deprecated = true]; }",
    )
    .unwrap();
    let a = &file.message_type[0].field[0];
    assert_eq!(a.options.as_ref().unwrap().values.len(), 1);
    assert!(error("message M { optional int32 a = 1 [retention]; }").contains("`=`"));
}

#[test]
fn nesting_is_bounded() {
    let deep = "message M { ".repeat(MAX_NESTING + 1) + &"}".repeat(MAX_NESTING + 1);
    assert!(error(&format!("syntax = \"proto3\"; {deep}")).contains("nest more than"));
    let groups = "optional group G = 1 { ".repeat(MAX_NESTING) + &"}".repeat(MAX_NESTING);
    assert!(error(&format!("message M {{ {groups} }}")).contains("nest more than"));
    let fine = "message M { ".repeat(MAX_NESTING) + &"}".repeat(MAX_NESTING);
    assert!(parse(&format!("syntax = \"proto3\"; {fine}")).is_ok());
}
