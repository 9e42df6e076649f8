//! Every hand-written message of `src/services/` against the schema's declaration of it: names,
//! field numbers, types and labels.
//!
//! For each message, an encoder driven by the *schema* (this file, walking the descriptor)
//! writes a value with every field set to a telling value: negative `int32`s (ten bytes, which
//! a `uint32` or `sint32` field would re-encode shorter), 64-bit values beyond 32 bits, bytes
//! that are not UTF-8, two elements for each repeated field, two entries for each map, one
//! variant per oneof member. The Rust type must decode it and re-encode exactly the same bytes:
//! a missing field, a wrong number, type or wire type, a singular field declared repeated (or
//! the reverse) changes the bytes or fails the decoding. A second encoding writes each singular
//! field twice, a decoy first: a singular Rust field keeps the last, as protobuf requires, and
//! re-encodes the first encoding; a Rust `Vec` would keep both. Names are checked on the
//! decoded value's `Debug`, and on the Rust type's name.
//!
//! Each value also goes through the descriptor-driven front end ([`h2grpc::dynamic`]): decoded
//! as a `DynamicMessage` of the same type, it must find no unknown field and re-encode exactly
//! the bytes the hand-written type writes (one codec, two front ends, the same bytes).

use std::fmt::Debug;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use h2grpc::dynamic::{DynamicMessage, MessageType, Types};
use h2grpc::protobuf::{
    Bin, Bool, Double, Encoder, Enum, FieldSink, Fixed32, Fixed64, Float, Int32, Int64, Kind,
    Message, Sfixed32, Sfixed64, Sint32, Sint64, Str, Uint32, Uint64, WireType,
};
use h2grpc::schema::descriptor::{DescriptorProto, FieldDescriptorProto, Label, Type};
use h2grpc::schema::options::MAP_ENTRY;
use h2grpc::schema::{Schema, json_name};
use h2grpc::server::Server;
use h2grpc::services::{self, Options, finance, health, hello, reflection, users};

/// How deep nested messages are filled in; deeper ones are present but empty.
const MAX_DEPTH: usize = 3;

/// The encoder driven by the schema.
struct Full<'a> {
    schema: &'a Schema,
    /// Which member of each oneof is set: `variant % members`.
    variant: usize,
    /// Write every singular field twice, a decoy value first.
    doubled: bool,
}

fn field_type(field: &FieldDescriptorProto) -> Type {
    Type::from_i32(field.r#type.expect("a type")).expect("a known type")
}

fn is_repeated(field: &FieldDescriptorProto) -> bool {
    field.label == Some(Label::Repeated as i32)
}

/// The full name of a field's message type, without its leading dot.
fn message_type(field: &FieldDescriptorProto) -> &str {
    field
        .type_name
        .as_deref()
        .unwrap_or_default()
        .trim_start_matches('.')
}

fn is_map_entry(message: &DescriptorProto) -> bool {
    message
        .options
        .as_ref()
        .is_some_and(|o| o.values.contains_key(&MAP_ENTRY))
}

impl Full<'_> {
    fn encode(&self, message: &str, depth: usize) -> Bytes {
        let descriptor = self
            .schema
            .message(message)
            .unwrap_or_else(|| panic!("{message} is not in the schema"));
        let mut buf = Vec::new();
        if depth > MAX_DEPTH {
            return Bytes::new();
        }
        let mut e = Encoder::new(&mut buf);
        // Fields in number order, as every hand-written `encode_fields` writes them.
        let mut fields: Vec<&FieldDescriptorProto> = descriptor.field.iter().collect();
        fields.sort_by_key(|f| f.number);
        for field in fields {
            let number = u32::try_from(field.number.unwrap()).unwrap();
            if let Some(oneof) = field.oneof_index
                && field.proto3_optional != Some(true)
            {
                let members: Vec<i32> = descriptor
                    .field
                    .iter()
                    .filter(|f| f.oneof_index == Some(oneof))
                    .filter_map(|f| f.number)
                    .collect();
                if members[self.variant % members.len()] != field.number.unwrap() {
                    continue;
                }
            }
            if is_repeated(field) {
                let entry = self.schema.message(message_type(field));
                if entry.is_some_and(is_map_entry) {
                    for key in 0..2 {
                        let entry = self.map_entry(entry.unwrap(), key, depth);
                        e.key(number, WireType::Len);
                        e.value::<Bin>(&entry);
                    }
                } else {
                    self.repeated(&mut e, number, field, depth);
                }
                continue;
            }
            if self.doubled {
                self.single(&mut e, number, field, depth, true);
            }
            self.single(&mut e, number, field, depth, false);
        }
        Bytes::from(buf)
    }

    /// A map entry: key `key` (0 or 1, so that keys sort in the order written), and a value.
    fn map_entry(&self, entry: &DescriptorProto, key: u8, depth: usize) -> Bytes {
        let mut buf = Vec::new();
        let mut e = Encoder::new(&mut buf);
        let key_field = &entry.field[0];
        match field_type(key_field) {
            Type::String => e.field::<Str>(1, &format!("key{key}").into()),
            Type::Bool => e.field::<Bool>(1, &(key == 1)),
            _ => e.field::<Int64>(1, &(i64::from(key) + 1)),
        }
        self.single(&mut e, 2, &entry.field[1], depth, false);
        Bytes::from(buf)
    }

    /// Two elements: packed for scalars (proto3's default), a record each otherwise.
    fn repeated<S: FieldSink>(
        &self,
        e: &mut S,
        number: u32,
        field: &FieldDescriptorProto,
        depth: usize,
    ) {
        fn packed<K: Kind, S: FieldSink>(e: &mut S, number: u32, values: &[K::Value]) {
            e.repeated::<K>(number, values);
        }
        let n = i64::from(number);
        match field_type(field) {
            Type::String => packed::<Str, _>(e, number, &["first".into(), "second".into()]),
            Type::Bytes => packed::<Bin, _>(
                e,
                number,
                &[Bytes::from_static(&[0xff]), Bytes::from_static(&[0xfe, 1])],
            ),
            Type::Message => {
                let value = self.encode(message_type(field), depth + 1);
                for _ in 0..2 {
                    e.key(number, WireType::Len);
                    e.value::<Bin>(&value);
                }
            }
            Type::Int32 => packed::<Int32, _>(e, number, &[-1, i32::try_from(n).unwrap()]),
            Type::Int64 => packed::<Int64, _>(e, number, &[-(1 << 40), n]),
            other => panic!("a repeated {other:?}: extend this test"),
        }
    }

    /// One value of a singular field, telling or decoy.
    fn single<S: FieldSink>(
        &self,
        e: &mut S,
        number: u32,
        field: &FieldDescriptorProto,
        depth: usize,
        decoy: bool,
    ) {
        let n = i64::from(number);
        let small = i32::try_from(n).unwrap();
        match field_type(field) {
            Type::Double => {
                e.optional::<Double>(number, Some(&if decoy { 7.0 } else { n as f64 + 0.5 }))
            }
            Type::Float => {
                e.optional::<Float>(number, Some(&if decoy { 7.0 } else { small as f32 + 0.25 }))
            }
            Type::Int64 => {
                e.optional::<Int64>(number, Some(&if decoy { 7 } else { -(1 << 40) - n }))
            }
            Type::Uint64 => e.optional::<Uint64>(
                number,
                Some(&if decoy {
                    7
                } else {
                    (1 << 40) + n.unsigned_abs()
                }),
            ),
            Type::Int32 => e.optional::<Int32>(number, Some(&if decoy { 7 } else { -small })),
            Type::Uint32 => {
                e.optional::<Uint32>(number, Some(&if decoy { 7 } else { 0xffff_ff00 | number }))
            }
            Type::Sint32 => e.optional::<Sint32>(number, Some(&if decoy { 7 } else { -small })),
            Type::Sint64 => {
                e.optional::<Sint64>(number, Some(&if decoy { 7 } else { -(1 << 40) - n }))
            }
            Type::Fixed32 => e.optional::<Fixed32>(number, Some(&if decoy { 7 } else { number })),
            Type::Fixed64 => e.optional::<Fixed64>(number, Some(&if decoy { 7 } else { 1 << 40 })),
            Type::Sfixed32 => e.optional::<Sfixed32>(number, Some(&if decoy { 7 } else { -small })),
            Type::Sfixed64 => e.optional::<Sfixed64>(number, Some(&if decoy { 7 } else { -n })),
            Type::Bool => e.optional::<Bool>(number, Some(&!decoy)),
            Type::Enum => e.optional::<Enum>(number, Some(&if decoy { 2 } else { 1 })),
            Type::String => {
                let text = if decoy {
                    "decoy".to_owned()
                } else {
                    format!("field {number}")
                };
                e.optional::<Str>(number, Some(&text.into()));
            }
            Type::Bytes => {
                // Not UTF-8: a `string` field in Rust would refuse it.
                let bytes = if decoy {
                    vec![1]
                } else {
                    vec![0xff, small.to_le_bytes()[0]]
                };
                e.optional::<Bin>(number, Some(&Bytes::from(bytes)));
            }
            Type::Message => {
                // A decoy message is empty: merging the real one into it gives the real one.
                let value = if decoy {
                    Bytes::new()
                } else {
                    self.encode(message_type(field), depth + 1)
                };
                e.key(number, WireType::Len);
                e.value::<Bin>(&value);
            }
            Type::Group => panic!("groups are not proto3"),
        }
    }
}

/// UpperCamelCase of a snake_case name: how a oneof member is spelled as an enum variant.
fn upper_camel(name: &str) -> String {
    let lower = json_name(name);
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// The schema's message `message` as a dynamic message type.
fn dynamic_type(message: &str) -> MessageType {
    static TYPES: OnceLock<Arc<Types>> = OnceLock::new();
    let types = TYPES.get_or_init(|| Types::new(Schema::embedded().files()).expect("types"));
    MessageType::new(types, message).unwrap_or_else(|| panic!("{message} has no dynamic type"))
}

/// The checks of the module doc, for the Rust type `T` of the schema's message `message`.
#[track_caller]
fn assert_matches_schema<T: Message + Debug>(message: &str) {
    let schema = Schema::embedded();
    let descriptor = schema
        .message(message)
        .unwrap_or_else(|| panic!("{message} is not in the schema"));
    let short = message.rsplit('.').next().unwrap();
    assert!(
        std::any::type_name::<T>().ends_with(&format!("::{short}")),
        "{} is checked against {message}",
        std::any::type_name::<T>()
    );
    let members = |oneof: i32| {
        descriptor
            .field
            .iter()
            .filter(|f| f.oneof_index == Some(oneof))
            .count()
    };
    let variants = (0..i32::try_from(descriptor.oneof_decl.len()).unwrap())
        .map(members)
        .max()
        .unwrap_or(1);
    for variant in 0..variants {
        let full = Full {
            schema,
            variant,
            doubled: false,
        };
        let bytes = full.encode(message, 0);
        let value = T::decode(bytes.clone())
            .unwrap_or_else(|e| panic!("{message} (variant {variant}): {e}"));
        assert_eq!(
            value.encode_to_bytes(),
            bytes,
            "{message} (variant {variant}): decoded as {value:?}, which encodes differently"
        );

        // The same bytes through the descriptor-driven front end: it must keep every field
        // (nothing unknown) and write exactly what the hand-written type writes.
        let dynamic = DynamicMessage::decode(&dynamic_type(message), bytes.clone())
            .unwrap_or_else(|e| panic!("{message} (variant {variant}), dynamic: {e}"));
        assert!(
            dynamic.value().unknown_fields().is_empty(),
            "{message}: the dynamic message found unknown fields: {dynamic:?}"
        );
        assert_eq!(
            dynamic.encode_to_vec(),
            value.encode_to_vec(),
            "{message} (variant {variant}): the dynamic message {dynamic:?} encodes differently"
        );
        assert_eq!(dynamic.encoded_len(), bytes.len(), "{message}: encoded_len");

        let doubled = Full {
            schema,
            variant,
            doubled: true,
        }
        .encode(message, 0);
        let dynamic = DynamicMessage::decode(&dynamic_type(message), doubled.clone())
            .unwrap_or_else(|e| panic!("{message} doubled, dynamic: {e}"));
        assert_eq!(
            Bytes::from(dynamic.encode_to_vec()),
            bytes,
            "{message}: a singular dynamic field seen twice must keep the last value"
        );
        let value = T::decode(doubled).unwrap_or_else(|e| panic!("{message} doubled: {e}"));
        assert_eq!(
            value.encode_to_bytes(),
            bytes,
            "{message}: a singular field seen twice must keep the last value: {value:?}"
        );

        let debug = format!("{value:?}");
        for field in &descriptor.field {
            let name = field.name.as_deref().unwrap();
            match field.oneof_index {
                Some(oneof) if field.proto3_optional != Some(true) => {
                    let oneof = descriptor.oneof_decl[usize::try_from(oneof).unwrap()]
                        .name
                        .as_deref()
                        .unwrap();
                    assert!(
                        debug.contains(&format!("{oneof}: ")),
                        "{message}: no field {oneof} in {debug}"
                    );
                }
                _ => assert!(
                    debug.contains(&format!("{name}: ")),
                    "{message}: no field {name} in {debug}"
                ),
            }
        }
        // The member set in this variant, by its variant name.
        for (index, _) in descriptor.oneof_decl.iter().enumerate() {
            let index = i32::try_from(index).unwrap();
            let members: Vec<&str> = descriptor
                .field
                .iter()
                .filter(|f| f.oneof_index == Some(index) && f.proto3_optional != Some(true))
                .filter_map(|f| f.name.as_deref())
                .collect();
            if let Some(member) = members.get(variant % members.len().max(1)) {
                let spelled = upper_camel(member);
                assert!(
                    debug.contains(&format!("{spelled}(")),
                    "{message}: no {spelled}(...) in {debug}"
                );
            }
        }
    }
}

/// A schema message's name, and the check of its Rust type.
type Check = (&'static str, fn(&str));

/// Every message of the service files, with the Rust type that implements it.
fn checks() -> Vec<Check> {
    use reflection as r;
    vec![
        (
            "hello.HelloRequest",
            assert_matches_schema::<hello::HelloRequest>,
        ),
        (
            "hello.HelloReply",
            assert_matches_schema::<hello::HelloReply>,
        ),
        (
            "helloworld.HelloRequest",
            assert_matches_schema::<hello::HelloRequest>,
        ),
        (
            "helloworld.HelloReply",
            assert_matches_schema::<hello::HelloReply>,
        ),
        (
            "finance.ConvertRequest",
            assert_matches_schema::<finance::ConvertRequest>,
        ),
        (
            "finance.ConvertReply",
            assert_matches_schema::<finance::ConvertReply>,
        ),
        (
            "finance.WatchRequest",
            assert_matches_schema::<finance::WatchRequest>,
        ),
        (
            "finance.RateUpdate",
            assert_matches_schema::<finance::RateUpdate>,
        ),
        (
            "finance.BatchReply",
            assert_matches_schema::<finance::BatchReply>,
        ),
        (
            "users.GetUserRequest",
            assert_matches_schema::<users::GetUserRequest>,
        ),
        (
            "users.CreateUserRequest",
            assert_matches_schema::<users::CreateUserRequest>,
        ),
        ("users.User", assert_matches_schema::<users::User>),
        (
            "users.ListUsersRequest",
            assert_matches_schema::<users::ListUsersRequest>,
        ),
        (
            "users.BulkCreateResponse",
            assert_matches_schema::<users::BulkCreateResponse>,
        ),
        (
            "grpc.health.v1.HealthCheckRequest",
            assert_matches_schema::<health::HealthCheckRequest>,
        ),
        (
            "grpc.health.v1.HealthCheckResponse",
            assert_matches_schema::<health::HealthCheckResponse>,
        ),
        (
            "grpc.health.v1.HealthListRequest",
            assert_matches_schema::<health::HealthListRequest>,
        ),
        (
            "grpc.health.v1.HealthListResponse",
            assert_matches_schema::<health::HealthListResponse>,
        ),
        (
            "grpc.reflection.v1.ServerReflectionRequest",
            assert_matches_schema::<r::ServerReflectionRequest>,
        ),
        (
            "grpc.reflection.v1.ExtensionRequest",
            assert_matches_schema::<r::ExtensionRequest>,
        ),
        (
            "grpc.reflection.v1.ServerReflectionResponse",
            assert_matches_schema::<r::ServerReflectionResponse>,
        ),
        (
            "grpc.reflection.v1.FileDescriptorResponse",
            assert_matches_schema::<r::FileDescriptorResponse>,
        ),
        (
            "grpc.reflection.v1.ExtensionNumberResponse",
            assert_matches_schema::<r::ExtensionNumberResponse>,
        ),
        (
            "grpc.reflection.v1.ListServiceResponse",
            assert_matches_schema::<r::ListServiceResponse>,
        ),
        (
            "grpc.reflection.v1.ServiceResponse",
            assert_matches_schema::<r::ServiceResponse>,
        ),
        (
            "grpc.reflection.v1.ErrorResponse",
            assert_matches_schema::<r::ErrorResponse>,
        ),
        (
            "grpc.reflection.v1alpha.ServerReflectionRequest",
            assert_matches_schema::<r::ServerReflectionRequest>,
        ),
        (
            "grpc.reflection.v1alpha.ExtensionRequest",
            assert_matches_schema::<r::ExtensionRequest>,
        ),
        (
            "grpc.reflection.v1alpha.ServerReflectionResponse",
            assert_matches_schema::<r::ServerReflectionResponse>,
        ),
        (
            "grpc.reflection.v1alpha.FileDescriptorResponse",
            assert_matches_schema::<r::FileDescriptorResponse>,
        ),
        (
            "grpc.reflection.v1alpha.ExtensionNumberResponse",
            assert_matches_schema::<r::ExtensionNumberResponse>,
        ),
        (
            "grpc.reflection.v1alpha.ListServiceResponse",
            assert_matches_schema::<r::ListServiceResponse>,
        ),
        (
            "grpc.reflection.v1alpha.ServiceResponse",
            assert_matches_schema::<r::ServiceResponse>,
        ),
        (
            "grpc.reflection.v1alpha.ErrorResponse",
            assert_matches_schema::<r::ErrorResponse>,
        ),
    ]
}

#[test]
fn every_hand_written_message_matches_the_schema() {
    for (message, check) in checks() {
        check(message);
    }
}

/// Every message of every file that defines a service `h2grpc serve` serves is in the table.
#[test]
fn every_message_of_the_served_files_has_a_hand_written_type() {
    let schema = Schema::embedded();
    let server = services::register_all(Server::new(), &Options::default());
    let mut files: Vec<&str> = server
        .methods()
        .iter()
        .filter_map(|path| {
            let service = path.strip_prefix('/')?.split('/').next()?;
            schema.file_defining(service)?.name.as_deref()
        })
        .collect();
    files.dedup();
    assert_eq!(files.len(), 7, "{files:?}");
    let checked: Vec<&str> = checks().into_iter().map(|(name, _)| name).collect();
    for message in schema.messages() {
        let file = schema
            .file_defining(&message)
            .and_then(|f| f.name.as_deref());
        if !file.is_some_and(|f| files.contains(&f))
            || schema.message(&message).is_some_and(is_map_entry)
        {
            continue;
        }
        assert!(
            checked.contains(&message.as_str()),
            "{message} has no hand-written type checked here"
        );
    }
}

/// The checks can fail: a Rust type checked against a message of another name is caught.
#[test]
#[should_panic(expected = "ErrorResponse is checked against grpc.reflection.v1.ExtensionRequest")]
fn a_wrong_type_is_caught_by_name() {
    assert_matches_schema::<reflection::ErrorResponse>("grpc.reflection.v1.ExtensionRequest");
}

/// A message whose Rust twin differs in a field type: `finance.BatchReply` (`double`, `int32`)
/// against a Rust type with an `int32` and a `string`, renamed to pass the name check.
#[test]
#[should_panic(expected = "finance.BatchReply (variant 0)")]
fn a_wrong_field_is_caught_by_the_bytes() {
    mod wrong {
        use h2grpc::protobuf::{DecodeError, Decoder, FieldSink, Message, Text};

        #[derive(Debug, Default)]
        pub(super) struct BatchReply {
            total_converted: i32,
            count: Text,
        }
        impl Message for BatchReply {
            fn encode_fields<S: FieldSink>(&self, s: &mut S) {
                s.int32(1, self.total_converted);
                s.string(2, &self.count);
            }
            fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
                match number {
                    1 => d.int32(&mut self.total_converted),
                    2 => d.string(&mut self.count),
                    _ => d.skip(),
                }
            }
        }
    }
    assert_matches_schema::<wrong::BatchReply>("finance.BatchReply");
}
