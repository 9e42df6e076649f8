//! The well-known types' JSON forms, both ways.

use super::tests::{fails, parse, same, ty};
use super::*;
use crate::dynamic::Value;

#[test]
fn timestamps_and_durations() {
    same(
        "t.All",
        r#"{"ts": "1972-01-01T10:00:20.021Z"}"#,
        r#"{"ts":"1972-01-01T10:00:20.021Z"}"#,
    );
    same(
        "t.All",
        r#"{"ts": "1969-12-31T23:59:59.1+00:00"}"#,
        r#"{"ts":"1969-12-31T23:59:59.100Z"}"#,
    );
    same(
        "t.All",
        r#"{"ts": "2024-02-29T12:00:00.000001-01:30"}"#,
        r#"{"ts":"2024-02-29T13:30:00.000001Z"}"#,
    );
    same(
        "t.All",
        r#"{"ts": "0001-01-01T00:00:00Z"}"#,
        r#"{"ts":"0001-01-01T00:00:00Z"}"#,
    );
    same(
        "t.All",
        r#"{"ts": "9999-12-31T23:59:59.999999999Z"}"#,
        r#"{"ts":"9999-12-31T23:59:59.999999999Z"}"#,
    );
    fails(
        "t.All",
        r#"{"ts": "10000-01-01T00:00:00Z"}"#,
        r#"field "ts": "10000-01-01T00:00:00Z" is not a valid Timestamp"#,
    );
    same("t.All", r#"{"dur": "1.000s"}"#, r#"{"dur":"1s"}"#);
    same(
        "t.All",
        r#"{"dur": "-0.000000001s"}"#,
        r#"{"dur":"-0.000000001s"}"#,
    );
    same("t.All", r#"{"dur": "-1.5s"}"#, r#"{"dur":"-1.500s"}"#);
    same(
        "t.All",
        r#"{"dur": "315576000000.000001s"}"#,
        r#"{"dur":"315576000000.000001s"}"#,
    );
    fails(
        "t.All",
        r#"{"dur": 1}"#,
        r#"field "dur": expected a Duration string, got 1"#,
    );
    // Out of range on output.
    let mut m = DynamicMessage::new(&ty("google.protobuf.Duration"));
    m.set("seconds", Value::I64(1)).unwrap();
    m.set("nanos", Value::I32(-1)).unwrap();
    assert!(to_string(&m, &PrintOptions::default()).is_err());
}

#[test]
fn field_masks_struct_and_wrappers() {
    same(
        "t.All",
        r#"{"mask": "user.displayName,photo"}"#,
        r#"{"mask":"user.displayName,photo"}"#,
    );
    let m = parse("t.All", r#"{"mask": "user.displayName"}"#).unwrap();
    let Some(Value::Message(mask)) = m.get("mask") else {
        panic!()
    };
    assert_eq!(
        mask.fields().next().unwrap().1,
        &Value::List(vec![Value::String("user.display_name".into())])
    );
    fails(
        "t.All",
        r#"{"mask": "a_b"}"#,
        r#"field "mask": "a_b" is not a valid FieldMask"#,
    );
    same("t.All", r#"{"mask": ""}"#, r#"{"mask":""}"#);
    same(
        "t.All",
        r#"{"st": {"a": [1, "x", null, {"b": false}]}, "val": {"k": []}, "list": [1.5]}"#,
        r#"{"st":{"a":[1,"x",null,{"b":false}]},"val":{"k":[]},"list":[1.5]}"#,
    );
    same(
        "t.All",
        r#"{"i64w": 5, "bw": "AQ==", "sw": "", "dw": "NaN", "boolw": false, "u64w": "7", "fw": 1.5}"#,
        r#"{"i64w":"5","bw":"AQ==","sw":"","dw":"NaN","boolw":false,"u64w":"7","fw":1.5}"#,
    );
    same("t.All", r#"{"empty": {}}"#, r#"{"empty":{}}"#);
    // A Value with no kind has no JSON form.
    let mut m = DynamicMessage::new(&ty("t.All"));
    let value = Value::Message(Box::default());
    m.set("val", value).unwrap();
    assert_eq!(
        to_string(&m, &PrintOptions::default())
            .unwrap_err()
            .to_string(),
        r#"field "val": a google.protobuf.Value with no kind set"#
    );
}

#[test]
fn any_of_a_message_and_of_a_well_known_type() {
    same(
        "t.All",
        r#"{"any": {"i32": 5, "@type": "type.googleapis.com/t.Scalars"}}"#,
        r#"{"any":{"@type":"type.googleapis.com/t.Scalars","i32":5}}"#,
    );
    same(
        "t.All",
        r#"{"any": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1.5s"}}"#,
        r#"{"any":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1.500s"}}"#,
    );
    same(
        "t.All",
        r#"{"any": {"@type": "x/google.protobuf.Any", "value": {"@type": "y/google.protobuf.Empty", "value": {}}}}"#,
        r#"{"any":{"@type":"x/google.protobuf.Any","value":{"@type":"y/google.protobuf.Empty","value":{}}}}"#,
    );
    same("t.All", r#"{"any": {}}"#, r#"{"any":{}}"#);
    fails(
        "t.All",
        r#"{"any": {"@type": "x/no.Such"}}"#,
        r#"field "any": Any type "no.Such" is not in the schema"#,
    );
    fails(
        "t.All",
        r#"{"any": {"i32": 1}}"#,
        r#"field "any": an Any with fields but no @type"#,
    );
    fails(
        "t.All",
        r#"{"any": {"@type": "x/t.Scalars", "i32": "z"}}"#,
        r#"field "any.i32": expected an integer, got "z""#,
    );
}
