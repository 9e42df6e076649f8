//! Schemas of small files: name resolution, dependencies, what is refused.

use super::descriptor::Type;
use super::*;

#[test]
fn the_embedded_files_parse() {
    let schema = Schema::embedded();
    assert_eq!(schema.files().len(), EMBEDDED.len());
    assert_eq!(
        schema.services(),
        [
            "hello.Greeter",
            "helloworld.Greeter",
            "finance.CurrencyConverter",
            "users.UserService",
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection",
            "grpc.testing.TestService",
            "grpc.testing.UnimplementedService",
            "grpc.testing.ReconnectService",
        ]
    );
}

#[test]
fn a_type_of_a_file_not_imported_is_not_visible() {
    let schema = Schema::parse([
        (
            "a.proto",
            "syntax = \"proto3\"; package x.y;\n\
             message Outer { message Inner { int32 i = 1; } Inner a = 1; Outer.Inner b = 2;\n\
               .x.y.Outer c = 3; E e = 4; enum E { Z = 0; } }\n\
             enum E { TOP = 0; }\n\
             message Other { E e = 1; Outer.E oe = 2; z.Far far = 3; }",
        ),
        (
            "b.proto",
            "syntax = \"proto3\"; package x.z; import \"a.proto\";\n\
             message Far { y.Outer.Inner i = 1; }\n\
             service S { rpc M(y.Other) returns (.x.z.Far); }",
        ),
    ]);
    // a.proto does not import b.proto: x.z.Far is not visible from it.
    let error = schema.unwrap_err();
    assert!(error.message.contains("does not import"), "{error}");
}

#[test]
fn resolution_results() {
    let schema = Schema::parse([
        (
            "a.proto",
            "syntax = \"proto3\"; package x.y;\n\
             message Outer { message Inner { int32 i = 1; } Inner a = 1; Outer.Inner b = 2;\n\
               .x.y.Outer c = 3; E e = 4; enum E { Z = 0; } }\n\
             enum E { TOP = 0; }\n\
             message Other { E e = 1; Outer.E oe = 2; }",
        ),
        (
            "b.proto",
            "syntax = \"proto3\"; package x.z; import \"a.proto\";\n\
             message Far { y.Outer.Inner i = 1; }\n\
             service S { rpc M(y.Other) returns (.x.z.Far); }",
        ),
    ])
    .unwrap();
    let types = |message: &str| -> Vec<(i32, String)> {
        schema
            .message(message)
            .unwrap()
            .field
            .iter()
            .map(|f| {
                (
                    f.r#type.unwrap(),
                    f.type_name.as_deref().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(
        types("x.y.Outer"),
        [
            (11, ".x.y.Outer.Inner".to_owned()),
            (11, ".x.y.Outer.Inner".to_owned()),
            (11, ".x.y.Outer".to_owned()),
            (14, ".x.y.Outer.E".to_owned()),
        ]
    );
    assert_eq!(
        types("x.y.Other"),
        [(14, ".x.y.E".to_owned()), (14, ".x.y.Outer.E".to_owned())]
    );
    assert_eq!(types("x.z.Far"), [(11, ".x.y.Outer.Inner".to_owned())]);
    let method = &schema.service("x.z.S").unwrap().method[0];
    assert_eq!(method.input_type.as_deref(), Some(".x.y.Other"));
    assert_eq!(method.output_type.as_deref(), Some(".x.z.Far"));
    assert_eq!(schema.symbol_kind("x.y.TOP"), Some(SymbolKind::EnumValue));
    assert_eq!(
        schema.symbol_kind("x.y.Outer.Z"),
        Some(SymbolKind::EnumValue)
    );
    assert_eq!(schema.symbol_kind("x"), Some(SymbolKind::Package));
    assert!(schema.file_defining("x").is_none());
    let names: Vec<_> = schema
        .with_dependencies("b.proto")
        .unwrap()
        .iter()
        .map(|f| f.name.as_deref().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["b.proto", "a.proto"]);
    assert_eq!(
        schema.messages(),
        ["x.y.Outer", "x.y.Outer.Inner", "x.y.Other", "x.z.Far"]
    );
}

#[test]
fn schema_errors_are_protocs_and_have_kinds() {
    let parse = |files: &[(&str, &str)]| Schema::parse(files.iter().copied()).unwrap_err();
    let error = parse(&[("a.proto", "syntax = \"proto3\";\nimport \"b.proto\";")]);
    assert_eq!(
        error.to_string(),
        "a.proto:2:1: Import \"b.proto\" was not found or had errors."
    );
    assert_eq!(error.kind, ErrorKind::NotFound);
    let error = parse(&[
        ("a.proto", "syntax = \"proto3\";\nimport \"b.proto\";"),
        ("b.proto", "syntax = \"proto3\"; import \"c.proto\";"),
        ("c.proto", "syntax = \"proto3\"; import \"a.proto\";"),
    ]);
    assert_eq!(
        error.to_string(),
        "a.proto:2:1: File recursively imports itself: a.proto -> b.proto -> c.proto -> a.proto"
    );
    assert_eq!(error.kind, ErrorKind::ImportCycle);
    let error = parse(&[(
        "a.proto",
        "syntax = \"proto2\";\nmessage M {\n  optional Nope n = 1;\n}",
    )]);
    assert_eq!(error.to_string(), "a.proto:3:12: \"Nope\" is not defined.");
    assert_eq!(error.kind, ErrorKind::Undefined);
    let error = parse(&[(
        "a.proto",
        "syntax = \"proto2\"; package p;\nextend Nope { optional int32 x = 1; }",
    )]);
    assert_eq!(error.to_string(), "a.proto:2:8: \"Nope\" is not defined.");
    let error = parse(&[(
        "a.proto",
        "syntax = \"proto3\";\nservice S { rpc M(In) returns (S); }",
    )]);
    assert_eq!(error.to_string(), "a.proto:2:19: \"In\" is not defined.");
    let error = parse(&[("a.proto", "syntax = \"proto3\"; message M {} message M {}")]);
    assert!(error.message.contains("already defined"), "{error}");
    let error = parse(&[(
        "a.proto",
        "syntax = \"proto3\"; message M { int32 i = 1; M.i j = 2; }",
    )]);
    assert_eq!(error.to_string(), "a.proto:1:45: \"M.i\" is not a type.");
    let error = parse(&[(
        "a.proto",
        "enum E { A = 1; }\nmessage M { optional E e = 1 [default = B]; }",
    )]);
    assert_eq!(
        error.to_string(),
        "a.proto:2:41: Enum type \"E\" has no value named \"B\"."
    );
    let error = parse(&[(
        "a.proto",
        "message N {}\nmessage M { optional N n = 1 [default = B]; }",
    )]);
    assert!(error.message.contains("Messages can't"), "{error}");
}

#[test]
fn proto2_resolves_groups_extensions_and_enum_defaults() {
    let schema = Schema::parse([(
        "p.proto",
        "syntax = \"proto2\"; package p;\n\
         enum Color { RED = 1; GREEN = 2; }\n\
         message M {\n\
           optional Color c = 1 [default = GREEN];\n\
           repeated group Item = 2 { required string sku = 1; }\n\
           extensions 100 to max;\n\
           extend M { optional int32 inner = 100; }\n\
         }\n\
         extend M { optional group G = 101 { optional int32 q = 1; } }",
    )])
    .unwrap();
    let file = schema.file("p.proto").unwrap();
    assert_eq!(file.syntax, None);
    let m = schema.message("p.M").unwrap();
    assert_eq!(m.field[0].type_name.as_deref(), Some(".p.Color"));
    assert_eq!(m.field[0].default_value.as_deref(), Some("GREEN"));
    assert_eq!(m.field[1].name.as_deref(), Some("item"));
    assert_eq!(m.field[1].r#type, Some(Type::Group as i32));
    assert_eq!(m.field[1].type_name.as_deref(), Some(".p.M.Item"));
    assert_eq!(m.extension[0].extendee.as_deref(), Some(".p.M"));
    assert_eq!(m.extension_range[0].end, Some(536_870_912));
    assert_eq!(file.extension[0].type_name.as_deref(), Some(".p.G"));
    assert_eq!(file.extension[0].json_name.as_deref(), Some("g"));
    assert_eq!(schema.symbol_kind("p.M.inner"), Some(SymbolKind::Field));
    assert_eq!(schema.symbol_kind("p.g"), Some(SymbolKind::Field));
    assert_eq!(schema.symbol_kind("p.G"), Some(SymbolKind::Message));
}

#[test]
fn well_known_types_are_bundled_and_found() {
    let schema = Schema::parse([(
        "a.proto",
        "syntax = \"proto3\"; import \"google/protobuf/struct.proto\";\n\
         message M { google.protobuf.Struct s = 1; }",
    )])
    .unwrap();
    let names: Vec<_> = schema
        .files()
        .iter()
        .map(|f| f.name.as_deref().unwrap())
        .collect();
    assert_eq!(names, ["a.proto", "google/protobuf/struct.proto"]);
    let well_known = Schema::well_known();
    assert_eq!(well_known.files().len(), WELL_KNOWN.len());
    let descriptor = well_known.message("google.protobuf.FieldOptions").unwrap();
    assert_eq!(descriptor.field[0].default_value.as_deref(), Some("STRING"));
}

#[test]
fn from_files_checks_without_resolving() {
    // The embedded schema's own descriptors come back as they are.
    let files = Schema::embedded().files().to_vec();
    let schema = Schema::from_files(files.clone()).unwrap();
    assert_eq!(schema.files(), &files[..]);
    // A dependency missing, not a well-known type.
    let error = Schema::from_files(vec![
        Schema::embedded()
            .file("grpc/testing/test.proto")
            .unwrap()
            .clone(),
    ])
    .unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert!(
        error.message.contains("grpc/testing/empty.proto"),
        "{error}"
    );
    // A well-known type missing is bundled.
    let mut file = FileDescriptorProto {
        name: Some("a.proto".into()),
        dependency: vec!["google/protobuf/empty.proto".into()],
        ..FileDescriptorProto::default()
    };
    file.message_type.push(DescriptorProto {
        name: Some("M".into()),
        field: vec![descriptor::FieldDescriptorProto {
            name: Some("e".into()),
            number: Some(1),
            type_name: Some(".google.protobuf.Empty".into()),
            ..Default::default()
        }],
        ..DescriptorProto::default()
    });
    let schema = Schema::from_files(vec![file.clone()]).unwrap();
    assert!(schema.file("google/protobuf/empty.proto").is_some());
    // An unresolved name is refused, not resolved.
    file.message_type[0].field[0].type_name = Some("google.protobuf.Empty".into());
    let error = Schema::from_files(vec![file]).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Undefined);
    // A cycle.
    let cyclic = |name: &str, other: &str| FileDescriptorProto {
        name: Some(name.into()),
        dependency: vec![other.into()],
        ..FileDescriptorProto::default()
    };
    let error = Schema::from_files(vec![
        cyclic("a.proto", "b.proto"),
        cyclic("b.proto", "a.proto"),
    ])
    .unwrap_err();
    assert_eq!(error.kind, ErrorKind::ImportCycle);
    assert!(Schema::from_descriptor_set(b"\x0a\x05junk").is_err());
}

#[test]
fn load_reads_import_paths_in_order_then_the_bundled_types() {
    let root = std::env::temp_dir().join(format!("h2grpc-schema-load-{}", std::process::id()));
    let (first, second) = (root.join("first"), root.join("second"));
    std::fs::create_dir_all(first.join("dir")).unwrap();
    std::fs::create_dir_all(&second).unwrap();
    std::fs::write(
        first.join("dir/main.proto"),
        "syntax = \"proto3\"; import \"dep.proto\"; import \"google/protobuf/any.proto\";\n\
         message Main { Dep d = 1; google.protobuf.Any a = 2; }",
    )
    .unwrap();
    std::fs::write(
        second.join("dep.proto"),
        "syntax = \"proto3\"; message Dep {}",
    )
    .unwrap();
    let paths = [first.clone(), second];
    let schema = Schema::load(&paths, &[first.join("dir/main.proto")]).unwrap();
    let names: Vec<_> = schema
        .files()
        .iter()
        .map(|f| f.name.as_deref().unwrap())
        .collect();
    assert_eq!(
        names,
        ["dir/main.proto", "dep.proto", "google/protobuf/any.proto"]
    );
    // The same file, by its name under the import paths.
    let again = Schema::load(&paths, &["dir/main.proto"]).unwrap();
    assert_eq!(again.files(), schema.files());
    // An import nowhere names itself and the paths searched.
    let error = Schema::load(std::slice::from_ref(&first), &["dir/main.proto"]).unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound);
    let text = error.to_string();
    assert!(
        text.starts_with("dir/main.proto:1:20: Import \"dep.proto\" was not found"),
        "{text}"
    );
    assert!(text.contains(&first.display().to_string()), "{text}");
    let error = Schema::load(&paths, &["nope.proto"]).unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn no_prefix_of_a_proto2_file_panics() {
    // descriptor.proto uses most of proto2: every prefix of it (cut every few bytes) is an
    // error or a schema, never a panic; so is every prefix with a byte dropped.
    let (_, source) = WELL_KNOWN
        .iter()
        .find(|(name, _)| name.ends_with("descriptor.proto"))
        .unwrap();
    let cuts = (0..source.len())
        .step_by(13)
        .filter(|&i| source.is_char_boundary(i));
    for cut in cuts {
        let _ = Schema::parse([("d.proto", &source[..cut])]);
        let next = (cut + 1..=source.len()).find(|&i| source.is_char_boundary(i));
        if let Some(next) = next {
            let dropped = format!("{}{}", &source[..cut], &source[next..]);
            let _ = Schema::parse([("d.proto", dropped.as_str())]);
        }
    }
}
