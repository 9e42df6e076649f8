//! Schemas of small files: name resolution, dependencies, what is refused.

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
fn schema_errors() {
    let parse = |files: &[(&str, &str)]| Schema::parse(files.iter().copied()).unwrap_err();
    let error = parse(&[("a.proto", "syntax = \"proto3\"; import \"b.proto\";")]);
    assert!(error.message.contains("not in the schema"), "{error}");
    let error = parse(&[
        ("a.proto", "syntax = \"proto3\"; import \"b.proto\";"),
        ("b.proto", "syntax = \"proto3\"; import \"a.proto\";"),
    ]);
    assert!(error.message.contains("import cycle"), "{error}");
    let error = parse(&[("a.proto", "syntax = \"proto3\"; message M { Nope n = 1; }")]);
    assert_eq!(error.to_string(), "a.proto: M.n: type Nope is not defined");
    let error = parse(&[("a.proto", "syntax = \"proto3\"; message M {} message M {}")]);
    assert!(error.message.contains("already defined"), "{error}");
    let error = parse(&[(
        "a.proto",
        "syntax = \"proto3\"; message M { int32 i = 1; M.i j = 2; }",
    )]);
    assert!(
        error.message.contains("not defined") || error.message.contains("not a type"),
        "{error}"
    );
}
