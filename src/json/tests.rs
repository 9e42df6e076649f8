use std::sync::{Arc, OnceLock};

use super::*;
use crate::dynamic::{MessageType, Types};
use crate::schema::Schema;

/// The well-known types, declared as upstream declares them (same names, fields, numbers).
pub(super) const WKT: &str = r#"
syntax = "proto3";
package google.protobuf;
message Any { string type_url = 1; bytes value = 2; }
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
message Duration { int64 seconds = 1; int32 nanos = 2; }
message FieldMask { repeated string paths = 1; }
message Struct { map<string, Value> fields = 1; }
message Value {
  oneof kind {
    NullValue null_value = 1; double number_value = 2; string string_value = 3;
    bool bool_value = 4; Struct struct_value = 5; ListValue list_value = 6;
  }
}
enum NullValue { NULL_VALUE = 0; }
message ListValue { repeated Value values = 1; }
message DoubleValue { double value = 1; }
message FloatValue { float value = 1; }
message Int64Value { int64 value = 1; }
message UInt64Value { uint64 value = 1; }
message Int32Value { int32 value = 1; }
message UInt32Value { uint32 value = 1; }
message BoolValue { bool value = 1; }
message StringValue { string value = 1; }
message BytesValue { bytes value = 1; }
message Empty {}
"#;

pub(super) const TEST: &str = r#"
syntax = "proto3";
package t;
import "google/protobuf/wkt.proto";
enum Color { COLOR_UNSPECIFIED = 0; RED = 1; GREEN = 2; }
message Scalars {
  double d = 1; float f = 2; int64 i64 = 3; uint64 u64 = 4; int32 i32 = 5;
  fixed64 fx64 = 6; fixed32 fx32 = 7; bool b = 8; string s = 9; bytes by = 10;
  uint32 u32 = 11; sfixed32 sf32 = 12; sfixed64 sf64 = 13; sint32 si32 = 14; sint64 si64 = 15;
  Color color = 16; optional int32 opt = 17; string snake_case_name = 18;
}
message All {
  Scalars scalars = 1;
  repeated int32 nums = 2;
  repeated string strs = 3;
  repeated Color colors = 4;
  repeated All children = 5;
  map<string, int32> counts = 6;
  map<int64, string> names = 7;
  map<bool, All> flags = 8;
  oneof choice { string text = 9; int64 number = 10; All nested = 11; }
  google.protobuf.Timestamp ts = 12;
  google.protobuf.Duration dur = 13;
  google.protobuf.FieldMask mask = 14;
  google.protobuf.Struct st = 15;
  google.protobuf.Value val = 16;
  google.protobuf.ListValue list = 17;
  google.protobuf.Int64Value i64w = 18;
  google.protobuf.BytesValue bw = 19;
  google.protobuf.StringValue sw = 20;
  google.protobuf.Any any = 21;
  google.protobuf.Empty empty = 22;
  repeated google.protobuf.Value values = 23;
  google.protobuf.NullValue nul = 24;
  repeated double doubles = 25;
  repeated float floats = 26;
  map<uint32, bytes> blobs = 27;
  google.protobuf.DoubleValue dw = 28;
  google.protobuf.BoolValue boolw = 29;
  google.protobuf.UInt64Value u64w = 30;
  google.protobuf.FloatValue fw = 31;
}
"#;

pub(super) fn types() -> &'static Arc<Types> {
    static TYPES: OnceLock<Arc<Types>> = OnceLock::new();
    TYPES.get_or_init(|| {
        let schema =
            Schema::parse([("google/protobuf/wkt.proto", WKT), ("t.proto", TEST)]).unwrap();
        Types::new(schema.files()).unwrap()
    })
}

pub(super) fn ty(name: &str) -> MessageType {
    MessageType::new(types(), name).unwrap()
}

pub(super) fn parse(name: &str, json: &str) -> Result<DynamicMessage, JsonError> {
    from_str(&ty(name), json, &ParseOptions::default())
}

fn print(message: &DynamicMessage) -> String {
    to_string(message, &PrintOptions::default()).unwrap()
}

/// Parses, prints, and checks the printed form.
#[track_caller]
pub(super) fn same(name: &str, json: &str, printed: &str) {
    let message = parse(name, json).unwrap_or_else(|e| panic!("{json}: {e}"));
    assert_eq!(print(&message), printed, "{json}");
    let again = parse(name, printed).unwrap();
    assert_eq!(again.encode_to_vec(), message.encode_to_vec(), "{printed}");
}

#[track_caller]
pub(super) fn fails(name: &str, json: &str, error: &str) {
    match parse(name, json) {
        Ok(m) => panic!("{json} parsed: {m:?}"),
        Err(e) => assert_eq!(e.to_string(), error, "{json}"),
    }
}

#[test]
fn scalars_print_as_the_spec_says() {
    same(
        "t.Scalars",
        r#"{"d": 1.5, "f": 0.1, "i64": -3, "u64": "18446744073709551615", "i32": -7,
            "fx64": 5, "fx32": 6, "b": true, "s": "h\u00e9\"\n", "by": "AQID",
            "u32": 4294967295, "sf32": -1, "sf64": "-9223372036854775808", "si32": 2,
            "si64": 3, "color": "GREEN", "opt": 0, "snake_case_name": "x"}"#,
        r#"{"d":1.5,"f":0.1,"i64":"-3","u64":"18446744073709551615","i32":-7,"fx64":"5","fx32":6,"b":true,"s":"hé\"\n","by":"AQID","u32":4294967295,"sf32":-1,"sf64":"-9223372036854775808","si32":2,"si64":"3","color":"GREEN","opt":0,"snakeCaseName":"x"}"#,
    );
    // Defaults are left out; `opt` has presence, so 0 is printed.
    same(
        "t.Scalars",
        r#"{"d": 0, "s": "", "color": "COLOR_UNSPECIFIED"}"#,
        "{}",
    );
}

#[test]
fn floats_are_shortest_and_go_shaped() {
    same(
        "t.All",
        r#"{"doubles": [1e6, 123456, 0.0001, 1e-5, -0.0, 1e300, "NaN", "-Infinity", 5e-324],
            "floats": [0.1, 3.4028235e38, "Infinity", 16777216, -0.00012345, 12.5, 100.25]}"#,
        r#"{"doubles":[1e+06,123456,0.0001,1e-05,-0,1e+300,"NaN","-Infinity",5e-324],"floats":[0.1,3.4028235e+38,"Infinity",1.6777216e+07,-0.00012345,12.5,100.25]}"#,
    );
    fails(
        "t.Scalars",
        r#"{"f": 1e39}"#,
        r#"field "f": 1e39 is out of range for a float"#,
    );
    fails(
        "t.Scalars",
        r#"{"d": "1e400"}"#,
        r#"field "d": "1e400" is out of range for a double"#,
    );
    fails(
        "t.Scalars",
        r#"{"d": "inf"}"#,
        r#"field "d": expected a number, got "inf""#,
    );
}

#[test]
fn integers_are_read_from_numbers_strings_and_exact_exponents() {
    same(
        "t.Scalars",
        r#"{"i64": "1e3", "u64": 1e19, "i32": "-5", "u32": 2.0e0}"#,
        r#"{"i64":"1000","u64":"10000000000000000000","i32":-5,"u32":2}"#,
    );
    fails(
        "t.Scalars",
        r#"{"i32": 2147483648}"#,
        r#"field "i32": 2147483648 is out of range for int32"#,
    );
    fails(
        "t.Scalars",
        r#"{"u64": -1}"#,
        r#"field "u64": -1 is out of range for uint64"#,
    );
    fails(
        "t.Scalars",
        r#"{"i64": 0.5}"#,
        r#"field "i64": 0.5 is not an integer in range"#,
    );
    fails(
        "t.Scalars",
        r#"{"i64": "9223372036854775808"}"#,
        r#"field "i64": 9223372036854775808 is out of range for int64"#,
    );
    fails(
        "t.Scalars",
        r#"{"i32": " 1"}"#,
        r#"field "i32": expected an integer, got " 1""#,
    );
    fails(
        "t.Scalars",
        r#"{"i32": true}"#,
        r#"field "i32": expected an integer, got true"#,
    );
}

#[test]
fn enums_by_name_or_number() {
    same("t.Scalars", r#"{"color": 1}"#, r#"{"color":"RED"}"#);
    // An open enum keeps a number it has no name for.
    same("t.Scalars", r#"{"color": 7}"#, r#"{"color":7}"#);
    same(
        "t.All",
        r#"{"colors": ["RED", 2, 9]}"#,
        r#"{"colors":["RED","GREEN",9]}"#,
    );
    fails(
        "t.Scalars",
        r#"{"color": "BLUE"}"#,
        r#"field "color": enum t.Color has no value "BLUE""#,
    );
    let ignore = ParseOptions {
        ignore_unknown_fields: true,
    };
    let m = from_str(
        &ty("t.All"),
        r#"{"colors": ["BLUE", "RED"], "x": [1, {}]}"#,
        &ignore,
    )
    .unwrap();
    assert_eq!(print(&m), r#"{"colors":["RED"]}"#);
}

#[test]
fn bytes_in_every_base64_dialect() {
    for text in ["+/+/", "-_-_", "+/8=", "+/8", "-_8"] {
        let m = parse("t.Scalars", &format!(r#"{{"by": "{text}"}}"#)).unwrap();
        let printed = print(&m);
        assert!(printed.starts_with(r#"{"by":"+/"#), "{text} -> {printed}");
    }
    same("t.Scalars", r#"{"by": "_w"}"#, r#"{"by":"/w=="}"#);
    fails(
        "t.Scalars",
        r#"{"by": "!"}"#,
        r#"field "by": expected base64, got "!": Invalid symbol 33, offset 0."#,
    );
}

#[test]
fn null_means_unset_except_for_value_and_null_value() {
    same(
        "t.All",
        r#"{"scalars": null, "nums": null, "counts": null, "text": null}"#,
        "{}",
    );
    same("t.All", r#"{"val": null, "nul": null}"#, r#"{"val":null}"#);
    same(
        "t.All",
        r#"{"values": [null, 1, "a", true, [], {}]}"#,
        r#"{"values":[null,1,"a",true,[],{}]}"#,
    );
    fails(
        "t.All",
        r#"{"nums": [1, null]}"#,
        r#"field "nums[1]": null is not allowed in a list or as a map value"#,
    );
}

#[test]
fn keys_may_be_given_once_by_either_name_and_one_member_per_oneof() {
    same(
        "t.Scalars",
        r#"{"snake_case_name": "a"}"#,
        r#"{"snakeCaseName":"a"}"#,
    );
    fails(
        "t.Scalars",
        r#"{"s": "a", "s": "b"}"#,
        r#"field "s": given more than once"#,
    );
    fails(
        "t.Scalars",
        r#"{"snakeCaseName": "a", "snake_case_name": "b"}"#,
        r#"field "snakeCaseName": given more than once"#,
    );
    fails(
        "t.All",
        r#"{"text": "a", "number": 1}"#,
        r#"field "number": another member of oneof choice is set already"#,
    );
    same(
        "t.All",
        r#"{"text": null, "number": 1}"#,
        r#"{"number":"1"}"#,
    );
    // A oneof member at its default is set, and printed.
    same("t.All", r#"{"text": ""}"#, r#"{"text":""}"#);
    fails(
        "t.All",
        r#"{"counts": {"a": 1, "a": 2}}"#,
        r#"field "counts["a"]": map key given more than once"#,
    );
}

#[test]
fn unknown_fields_are_errors_unless_ignored() {
    fails(
        "t.Scalars",
        r#"{"nope": 1}"#,
        "t.Scalars has no field called \"nope\"",
    );
    let ignore = ParseOptions {
        ignore_unknown_fields: true,
    };
    let m = from_str(
        &ty("t.Scalars"),
        r#"{"nope": {"a": [1]}, "i32": 1}"#,
        &ignore,
    )
    .unwrap();
    assert_eq!(print(&m), r#"{"i32":1}"#);
}

#[test]
fn maps_have_string_keys() {
    same(
        "t.All",
        r#"{"counts": {"b": 2, "a": 1}, "names": {"-1": "x", "10": "y"}, "flags": {"true": {}},
            "blobs": {"7": "AA=="}}"#,
        r#"{"counts":{"a":1,"b":2},"names":{"-1":"x","10":"y"},"flags":{"true":{}},"blobs":{"7":"AA=="}}"#,
    );
    fails(
        "t.All",
        r#"{"names": {"x": "y"}}"#,
        r#"field "names["x"]": bad map key: expected an integer, got "x""#,
    );
    fails(
        "t.All",
        r#"{"flags": {"yes": {}}}"#,
        r#"field "flags["yes"]": bad map key"#,
    );
}

#[test]
fn errors_name_the_path() {
    fails(
        "t.All",
        r#"{"children": [{}, {"scalars": {"i32": "x"}}]}"#,
        r#"field "children[1].scalars.i32": expected an integer, got "x""#,
    );
    let e = parse("t.All", r#"{"children": [{"nums": [1,]}]}"#).unwrap_err();
    assert!(
        e.to_string()
            .starts_with(r#"field "children[0].nums[1]": "#),
        "{e}"
    );
    assert!(parse("t.All", "{} x").is_err());
    assert!(parse("t.All", "[]").is_err());
}

#[test]
fn options_emit_defaults_and_proto_names() {
    let m = parse("t.Scalars", r#"{"snake_case_name": "a"}"#).unwrap();
    let options = PrintOptions {
        proto_names: true,
        ..PrintOptions::default()
    };
    assert_eq!(
        to_string(&m, &options).unwrap(),
        r#"{"snake_case_name":"a"}"#
    );
    let options = PrintOptions {
        emit_defaults: true,
        ..PrintOptions::default()
    };
    assert_eq!(
        to_string(&parse("t.Scalars", "{}").unwrap(), &options).unwrap(),
        r#"{"d":0,"f":0,"i64":"0","u64":"0","i32":0,"fx64":"0","fx32":0,"b":false,"s":"","by":"","u32":0,"sf32":0,"sf64":"0","si32":0,"si64":"0","color":"COLOR_UNSPECIFIED","snakeCaseName":""}"#
    );
    let all = to_string(&parse("t.All", "{}").unwrap(), &options).unwrap();
    assert!(all.starts_with(r#"{"scalars":null,"nums":[],"strs":[],"colors":[],"children":[],"counts":{},"names":{},"flags":{},"ts":null,"#), "{all}");
    assert!(all.contains(r#""nul":null"#), "{all}");
}

/// Found by the `protobuf_dynamic` fuzz target (input `57 6d`: an empty `legacy.Stamp` printed
/// with defaults): unset proto2 fields were printed as proto3's zero values, `"currency": 0`
/// for a closed enum with no value 0, which the parser rightly refuses. They print as `null`.
#[test]
fn emit_defaults_prints_unset_proto2_fields_as_null() {
    let schema = Schema::parse([(
        "p2.proto",
        r#"
        syntax = "proto2";
        package p2;
        enum Currency { EUR = 1; JPY = -3; }
        message Stamp {
          optional uint32 year = 1 [default = 1970];
          required Currency currency = 2 [default = JPY];
          optional string note = 3;
          repeated int32 days = 4;
        }
        "#,
    )])
    .unwrap();
    let types = Types::new(schema.files()).unwrap();
    let stamp = MessageType::new(&types, "p2.Stamp").unwrap();
    let options = PrintOptions {
        emit_defaults: true,
        ..PrintOptions::default()
    };
    let empty = DynamicMessage::decode(&stamp, bytes::Bytes::new()).unwrap();
    let printed = to_string(&empty, &options).unwrap();
    assert_eq!(
        printed,
        r#"{"year":null,"currency":null,"note":null,"days":[]}"#
    );
    let again = from_str(&stamp, &printed, &ParseOptions::default()).unwrap();
    assert_eq!(again.encode_to_vec(), empty.encode_to_vec());
}

#[test]
fn pretty_is_go_json_indent() {
    let m = parse(
        "t.All",
        r#"{"scalars": {"s": "<a&b>"}, "nums": [1, 2], "counts": {"a": 1}, "children": [{}],
            "st": {}, "values": [[]], "ts": "1970-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    let options = PrintOptions {
        pretty: true,
        ..PrintOptions::default()
    };
    assert_eq!(
        to_string(&m, &options).unwrap(),
        r#"{
  "scalars": {
    "s": "\u003ca\u0026b\u003e"
  },
  "nums": [
    1,
    2
  ],
  "children": [
    {}
  ],
  "counts": {
    "a": 1
  },
  "ts": "1970-01-01T00:00:00Z",
  "st": {},
  "values": [
    []
  ]
}"#
    );
    assert_eq!(
        to_string(&parse("t.All", "{}").unwrap(), &options).unwrap(),
        "{}"
    );
}

#[test]
fn nesting_is_bounded_and_never_panics() {
    let deep = |n: usize| format!("{}{{}}{}", r#"{"nested":"#.repeat(n), "}".repeat(n));
    assert!(parse("t.All", &deep(98)).is_ok());
    let e = parse("t.All", &deep(150)).unwrap_err();
    assert!(e.message().contains("nested more than 100"), "{e}");
    let lists = format!(r#"{{"val": {}{}}}"#, "[".repeat(300), "]".repeat(300));
    assert!(parse("t.All", &lists).is_err());
    for junk in [
        "",
        "{",
        "{\"nums\": [1",
        "\"\\ud800\"",
        "{\"s\": \"\\ud800\"}",
        "nul",
    ] {
        assert!(parse("t.Scalars", junk).is_err(), "{junk}");
    }
}
