use std::sync::Arc;

use bytes::Bytes;

use super::*;
use crate::protobuf::{DecodeError, RECURSION_LIMIT};
use crate::schema::Schema;
use crate::schema::descriptor::{
    DescriptorProto, EnumDescriptorProto, EnumValueDescriptorProto, FieldDescriptorProto,
    FileDescriptorProto, Label, Type,
};

fn embedded(name: &str) -> MessageType {
    let types = Types::new(Schema::embedded().files()).unwrap();
    MessageType::new(&types, name).unwrap()
}

fn field(name: &str, number: i32, label: Label, ty: Type, type_name: &str) -> FieldDescriptorProto {
    FieldDescriptorProto {
        name: Some(name.into()),
        number: Some(number),
        label: Some(label as i32),
        r#type: Some(ty as i32),
        type_name: (!type_name.is_empty()).then(|| type_name.into()),
        ..FieldDescriptorProto::default()
    }
}

/// A proto2 file, built as descriptors (what protoc writes for it):
///
/// ```text
/// syntax = "proto2";
/// package t;
/// enum E { A = 1; B = 2; }
/// message P {
///   optional group G = 1 { optional int32 a = 2; }
///   optional E e = 3;
///   repeated E es = 4;
///   optional P child = 5;
///   repeated int32 nums = 6;
/// }
/// ```
fn proto2() -> Arc<Types> {
    let group = DescriptorProto {
        name: Some("G".into()),
        field: vec![field("a", 2, Label::Optional, Type::Int32, "")],
        ..DescriptorProto::default()
    };
    let message = DescriptorProto {
        name: Some("P".into()),
        field: vec![
            field("g", 1, Label::Optional, Type::Group, ".t.P.G"),
            field("e", 3, Label::Optional, Type::Enum, ".t.E"),
            field("es", 4, Label::Repeated, Type::Enum, ".t.E"),
            field("child", 5, Label::Optional, Type::Message, ".t.P"),
            field("nums", 6, Label::Repeated, Type::Int32, ""),
        ],
        nested_type: vec![group],
        ..DescriptorProto::default()
    };
    let value = |name: &str, number| EnumValueDescriptorProto {
        name: Some(name.into()),
        number: Some(number),
        options: None,
    };
    let file = FileDescriptorProto {
        name: Some("t.proto".into()),
        package: Some("t".into()),
        message_type: vec![message],
        enum_type: vec![EnumDescriptorProto {
            name: Some("E".into()),
            value: vec![value("A", 1), value("B", 2)],
            ..EnumDescriptorProto::default()
        }],
        ..FileDescriptorProto::default()
    };
    Types::new([&file]).unwrap()
}

fn p() -> MessageType {
    MessageType::new(&proto2(), "t.P").unwrap()
}

fn round_trip(ty: &MessageType, bytes: &'static [u8]) -> DynamicMessage {
    let message = DynamicMessage::decode(ty, Bytes::from_static(bytes)).unwrap();
    assert_eq!(message.encode_to_vec(), bytes, "{message:?}");
    message
}

#[test]
fn unknown_fields_are_kept_and_written_back_after_the_known_ones() {
    let ty = embedded("hello.HelloRequest");
    // Field 9 (varint 1), then name = "x", then field 10 (fixed32).
    let message = DynamicMessage::decode(
        &ty,
        Bytes::from_static(b"\x48\x01\x0a\x01x\x55\x01\x02\x03\x04"),
    )
    .unwrap();
    assert_eq!(
        message.value().unknown_fields(),
        b"\x48\x01\x55\x01\x02\x03\x04"
    );
    assert_eq!(
        message.encode_to_vec(),
        b"\x0a\x01x\x48\x01\x55\x01\x02\x03\x04"
    );
}

#[test]
fn a_known_field_with_another_wire_type_is_kept_as_unknown() {
    let ty = embedded("hello.HelloRequest");
    // name (field 1) as a varint: not a string, so an unknown record, as the C++ runtime does.
    let message = round_trip(&ty, b"\x08\x96\x01");
    assert_eq!(message.get("name"), None);
    assert_eq!(message.value().unknown_fields(), b"\x08\x96\x01");
}

#[test]
fn repeated_scalars_are_read_packed_and_unpacked_and_written_as_declared() {
    // proto2 `repeated int32 nums = 6;` is unpacked; a packed record is accepted too.
    let ty = p();
    let message =
        DynamicMessage::decode(&ty, Bytes::from_static(b"\x32\x02\x01\x02\x30\x03")).unwrap();
    let expected = Value::List(vec![Value::I32(1), Value::I32(2), Value::I32(3)]);
    assert_eq!(message.get("nums"), Some(&expected));
    assert_eq!(message.encode_to_vec(), b"\x30\x01\x30\x02\x30\x03");
}

#[test]
fn a_group_is_read_between_its_start_and_end_keys() {
    // g (field 1): start group 0x0b, a = 5 (field 2 varint: 0x10 0x05), end group 0x0c.
    let message = round_trip(&p(), b"\x0b\x10\x05\x0c");
    let Some(Value::Message(g)) = message.get("g") else {
        panic!("no group in {message:?}");
    };
    assert_eq!(g.get(0), Some(&Value::I32(5)));
    // An unknown group inside is skipped whole and kept.
    let message = round_trip(&p(), b"\x0b\x3b\x08\x01\x3c\x0c");
    let Some(Value::Message(g)) = message.get("g") else {
        panic!("no group in {message:?}");
    };
    assert_eq!(g.unknown_fields(), b"\x3b\x08\x01\x3c");
}

#[test]
fn groups_that_do_not_close_are_refused() {
    let ty = p();
    for (bytes, error) in [
        (&b"\x0b\x10\x05"[..], DecodeError::Truncated),
        (
            b"\x0b\x10\x05\x14",
            DecodeError::UnmatchedEndGroup { number: 2 },
        ),
        (b"\x0c", DecodeError::UnmatchedEndGroup { number: 1 }),
        (b"\x3b\x08\x01", DecodeError::Truncated),
    ] {
        assert_eq!(
            DynamicMessage::decode(&ty, Bytes::copy_from_slice(bytes)).unwrap_err(),
            error,
            "{bytes:x?}"
        );
    }
}

#[test]
fn a_closed_enums_unknown_number_goes_to_the_unknown_fields() {
    // e = 1 (A) is a value; e = 7 is not one of E's, so its record is unknown.
    let message = round_trip(&p(), b"\x18\x01");
    assert_eq!(message.get("e"), Some(&Value::Enum(1)));
    let message = DynamicMessage::decode(&p(), Bytes::from_static(b"\x18\x07")).unwrap();
    assert_eq!(message.get("e"), None);
    assert_eq!(message.value().unknown_fields(), b"\x18\x07");
    // Packed es = [1, 9, 2]: 9 becomes an unknown record of its own.
    let message =
        DynamicMessage::decode(&p(), Bytes::from_static(b"\x22\x03\x01\x09\x02")).unwrap();
    assert_eq!(
        message.get("es"),
        Some(&Value::List(vec![Value::Enum(1), Value::Enum(2)]))
    );
    assert_eq!(message.value().unknown_fields(), b"\x20\x09");
    // An open (proto3) enum keeps the number.
    let status = embedded("grpc.health.v1.HealthCheckResponse");
    let message = round_trip(&status, b"\x08\x07");
    assert_eq!(message.get("status"), Some(&Value::Enum(7)));
}

#[test]
fn a_message_field_seen_twice_merges() {
    // child { nums: [1] } then child { e: B }: one child with both.
    let message = DynamicMessage::decode(
        &p(),
        Bytes::from_static(b"\x2a\x02\x30\x01\x2a\x02\x18\x02"),
    )
    .unwrap();
    assert_eq!(message.encode_to_vec(), b"\x2a\x04\x18\x02\x30\x01");
}

#[test]
fn nesting_deeper_than_the_limit_is_refused() {
    fn nested(depth: u32) -> Vec<u8> {
        let mut bytes = Vec::new();
        for _ in 0..depth {
            let mut outer = vec![0x2a];
            let len = bytes.len();
            let mut v = len;
            loop {
                let byte = u8::try_from(v & 0x7f).unwrap();
                v >>= 7;
                if v == 0 {
                    outer.push(byte);
                    break;
                }
                outer.push(byte | 0x80);
            }
            outer.extend(bytes);
            bytes = outer;
        }
        bytes
    }
    assert!(DynamicMessage::decode(&p(), Bytes::from(nested(RECURSION_LIMIT))).is_ok());
    assert_eq!(
        DynamicMessage::decode(&p(), Bytes::from(nested(RECURSION_LIMIT + 1))).unwrap_err(),
        DecodeError::RecursionLimit
    );
    // Groups count as levels too.
    let mut groups = b"\x0b".repeat(usize::try_from(RECURSION_LIMIT).unwrap() + 1);
    groups.extend(b"\x0c".repeat(usize::try_from(RECURSION_LIMIT).unwrap() + 1));
    assert!(DynamicMessage::decode(&p(), Bytes::from(groups)).is_err());
}

#[test]
fn setting_a_oneof_member_clears_the_others() {
    let ty = embedded("grpc.reflection.v1.ServerReflectionRequest");
    let mut message = DynamicMessage::new(&ty);
    message
        .set("file_by_filename", Value::String("a.proto".into()))
        .unwrap();
    message
        .set("list_services", Value::String("*".into()))
        .unwrap();
    assert_eq!(message.get("file_by_filename"), None);
    assert_eq!(message.encode_to_vec(), b"\x3a\x01*");
    // The same rule when decoding.
    let message = DynamicMessage::decode(&ty, Bytes::from_static(b"\x1a\x01a\x3a\x01*")).unwrap();
    assert_eq!(message.get("file_by_filename"), None);
}

#[test]
fn set_refuses_unknown_names_and_wrong_types() {
    let mut message = DynamicMessage::new(&embedded("hello.HelloRequest"));
    assert_eq!(
        message.set("nom", Value::I32(1)),
        Err(SetError::NoSuchField("nom".into()))
    );
    assert_eq!(
        message.set("name", Value::I32(1)),
        Err(SetError::WrongType("name".into()))
    );
}

#[test]
fn a_proto3_string_must_be_utf8() {
    let ty = embedded("hello.HelloRequest");
    assert_eq!(
        DynamicMessage::decode(&ty, Bytes::from_static(b"\x0a\x01\xff")).unwrap_err(),
        DecodeError::InvalidUtf8 { number: 1 }
    );
}

/// A map field whose entry message lacks its value field (descriptors from a server are not
/// checked by protoc) is read as the repeated message field it is on the wire.
#[test]
fn a_map_entry_without_its_value_field_is_a_repeated_message() {
    use crate::schema::options::{MAP_ENTRY, MessageOptions, OptionValue};
    let mut options = MessageOptions::new();
    options.values.insert(MAP_ENTRY, OptionValue::Bool(true));
    let entry = DescriptorProto {
        name: Some("KEntry".into()),
        field: vec![field("key", 1, Label::Optional, Type::String, "")],
        options: Some(options),
        ..DescriptorProto::default()
    };
    let message = DescriptorProto {
        name: Some("M".into()),
        field: vec![field("k", 1, Label::Repeated, Type::Message, ".m.M.KEntry")],
        nested_type: vec![entry],
        ..DescriptorProto::default()
    };
    let file = FileDescriptorProto {
        name: Some("m.proto".into()),
        package: Some("m".into()),
        message_type: vec![message],
        syntax: Some("proto3".into()),
        ..FileDescriptorProto::default()
    };
    let types = Types::new([&file]).unwrap();
    let ty = MessageType::new(&types, "m.M").unwrap();
    assert_eq!(ty.info().fields[0].cardinality, Cardinality::Repeated);
    round_trip(&ty, b"\x0a\x03\x0a\x01a");
}
