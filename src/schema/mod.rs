//! The schema: `.proto` files as `google.protobuf` descriptors, resolved and indexed.
//!
//! h2grpc has no code generator, so nothing is compiled from `.proto` files at build time. They
//! are read at run time instead by a parser of the proto2 and proto3 languages, which builds
//! the same `FileDescriptorProto`s that `protoc --descriptor_set_out` writes. The files of
//! `proto/` that h2grpc's own services declare are *embedded* ([`EMBEDDED`], with
//! `include_str!`), and so are the well-known types ([`WELL_KNOWN`], `google/protobuf/*.proto`),
//! which any schema finds when a file imports them. Server reflection
//! ([`services::reflection`](crate::services::reflection)) sends these descriptors, serialized
//! by h2grpc's own codec, to tools such as `grpcurl` that have no `.proto` files.
//!
//! A [`Schema`] comes from anywhere protoc's input can:
//!
//! | from | constructor |
//! |---|---|
//! | `(name, source)` pairs | [`Schema::parse`] |
//! | `.proto` files on disk and import paths (`-I`) | [`Schema::load`] |
//! | a serialized `FileDescriptorSet` (`protoc --descriptor_set_out`) | [`Schema::from_descriptor_set`] |
//! | resolved `FileDescriptorProto`s (what server reflection returns) | [`Schema::from_files`] |
//! | h2grpc's own files / the well-known types | [`Schema::embedded`] / [`Schema::well_known`] |
//!
//! ```text
//! .proto text ──▶ lexer ──tokens──▶ parser ──FileDescriptorProto──▶ build: imports, ──▶ resolve ──▶ Schema
//!                                  (json_name, map entries,          cycles           (full names:
//!                                   groups, defaults, oneofs)                          .pkg.Msg)
//! FileDescriptorSet ──decode──▶ FileDescriptorProto ──▶ build: imports, cycles, names defined ──▶ Schema
//! ```
//!
//! In every descriptor of a schema, `type_name` and `extendee` are full names with a leading
//! dot, every field has its `json_name`, and `syntax` is what protoc writes (`"proto3"`, or
//! nothing for proto2). A mistake is one [`SchemaError`], worded as protoc words it.
//!
//! | module | what it does |
//! |---|---|
//! | [`descriptor`] | the messages of `google/protobuf/descriptor.proto` that describe a file, encoded by hand |
//! | [`options`] | the `XxxOptions` messages: `option java_package = ...;`, `[deprecated = true]` |
//! | `lexer`, `parser` | proto2 and proto3 text → unresolved descriptors (<https://protobuf.dev/reference/protobuf/proto2-spec/>, <https://protobuf.dev/reference/protobuf/proto3-spec/>) |
//! | `build`, `load` | the constructors: imports found and checked, cycles refused |
//! | `resolve` | the symbol table and type-name resolution (<https://protobuf.dev/programming-guides/proto3/#name-resolution>) |
//! | `error` | [`SchemaError`] and its [`ErrorKind`] |
//!
//! The wire tests (`wire-tests/reflection/vs_protoc.rs`, `wire-tests/reflection/proto2.rs`)
//! decode what protoc writes for every file of `proto/`, a proto3 corpus, a proto2 corpus and
//! Google's own well-known types, and compare it, field by field and then byte for byte, with
//! what this module builds; and they check every hand-written message of
//! [`services`](crate::services) against the schema's declaration of it.
//!
//! ```
//! use h2grpc::schema::{Schema, SymbolKind};
//!
//! let schema = Schema::embedded();
//! assert_eq!(schema.symbol_kind("grpc.health.v1.Health"), Some(SymbolKind::Service));
//! let file = schema.file_defining("hello.HelloRequest").unwrap();
//! assert_eq!(file.name.as_deref(), Some("hello.proto"));
//! let field = &schema.message("finance.ConvertRequest").unwrap().field[0];
//! assert_eq!(field.json_name.as_deref(), Some("fromCurrency"));
//! ```

mod build;
pub mod descriptor;
mod error;
mod lexer;
mod load;
pub mod options;
mod parser;
mod resolve;

use std::collections::{BTreeSet, HashMap, VecDeque};

use bytes::Bytes;

use descriptor::{DescriptorProto, FileDescriptorProto, ServiceDescriptorProto};

pub use error::{ErrorKind, SchemaError};
pub use parser::{json_name, map_entry_name};
pub use resolve::SymbolKind;

/// The `.proto` files of `proto/`, compiled into the crate: `(name, source)`, the name being the
/// path under `proto/` (what `import` lines and `FileDescriptorProto.name` use).
pub const EMBEDDED: &[(&str, &str)] = &[
    ("hello.proto", include_str!("../../proto/hello.proto")),
    (
        "helloworld.proto",
        include_str!("../../proto/helloworld.proto"),
    ),
    ("finance.proto", include_str!("../../proto/finance.proto")),
    (
        "user_service.proto",
        include_str!("../../proto/user_service.proto"),
    ),
    (
        "grpc/health/v1/health.proto",
        include_str!("../../proto/grpc/health/v1/health.proto"),
    ),
    (
        "grpc/reflection/v1/reflection.proto",
        include_str!("../../proto/grpc/reflection/v1/reflection.proto"),
    ),
    (
        "grpc/reflection/v1alpha/reflection.proto",
        include_str!("../../proto/grpc/reflection/v1alpha/reflection.proto"),
    ),
    (
        "grpc/testing/empty.proto",
        include_str!("../../proto/grpc/testing/empty.proto"),
    ),
    (
        "grpc/testing/messages.proto",
        include_str!("../../proto/grpc/testing/messages.proto"),
    ),
    (
        "grpc/testing/test.proto",
        include_str!("../../proto/grpc/testing/test.proto"),
    ),
];

/// The well-known types, bundled: `(name, source)` like [`EMBEDDED`], from
/// `proto/google/protobuf/`. Definitions only, written for h2grpc; their descriptors are those
/// protoc builds from Google's files (the wire tests compare them byte for byte). Any schema
/// built here finds an import of one of them even when it is not given.
pub const WELL_KNOWN: &[(&str, &str)] = &[
    (
        "google/protobuf/any.proto",
        include_str!("../../proto/google/protobuf/any.proto"),
    ),
    (
        "google/protobuf/timestamp.proto",
        include_str!("../../proto/google/protobuf/timestamp.proto"),
    ),
    (
        "google/protobuf/duration.proto",
        include_str!("../../proto/google/protobuf/duration.proto"),
    ),
    (
        "google/protobuf/struct.proto",
        include_str!("../../proto/google/protobuf/struct.proto"),
    ),
    (
        "google/protobuf/wrappers.proto",
        include_str!("../../proto/google/protobuf/wrappers.proto"),
    ),
    (
        "google/protobuf/field_mask.proto",
        include_str!("../../proto/google/protobuf/field_mask.proto"),
    ),
    (
        "google/protobuf/empty.proto",
        include_str!("../../proto/google/protobuf/empty.proto"),
    ),
    (
        "google/protobuf/descriptor.proto",
        include_str!("../../proto/google/protobuf/descriptor.proto"),
    ),
];

/// A set of `.proto` files, parsed and resolved: their descriptors, each also encoded once,
/// and an index of every full name they define.
#[derive(Debug)]
pub struct Schema {
    files: Vec<FileDescriptorProto>,
    /// `files[i]`, encoded by h2grpc's codec: what reflection sends.
    encoded: Vec<Bytes>,
    by_name: HashMap<String, usize>,
    symbols: HashMap<String, resolve::Symbol>,
}

impl Schema {
    /// Every file: those given, in the order given, then the files found for their imports
    /// (by [`Schema::load`], or bundled well-known types).
    pub fn files(&self) -> &[FileDescriptorProto] {
        &self.files
    }

    /// The file called `name` (e.g. `grpc/health/v1/health.proto`).
    pub fn file(&self, name: &str) -> Option<&FileDescriptorProto> {
        self.by_name.get(name).map(|&i| &self.files[i])
    }

    /// The file called `name`, encoded (a serialized `FileDescriptorProto`).
    pub fn encoded_file(&self, name: &str) -> Option<&Bytes> {
        self.by_name.get(name).map(|&i| &self.encoded[i])
    }

    /// What the full name `symbol` (no leading dot) names: a message, an enum, a service, a
    /// method, a field... or `None` if nothing.
    pub fn symbol_kind(&self, symbol: &str) -> Option<SymbolKind> {
        self.symbols.get(symbol).map(|s| s.kind)
    }

    /// The file that defines `symbol` (a full name other than a package).
    pub fn file_defining(&self, symbol: &str) -> Option<&FileDescriptorProto> {
        let index = self.symbols.get(symbol)?.file?;
        Some(&self.files[index])
    }

    /// The file called `name`, then every file it imports, directly or not, each once:
    /// breadth first, in `import` order.
    pub fn with_dependencies(&self, name: &str) -> Option<Vec<&FileDescriptorProto>> {
        let first = *self.by_name.get(name)?;
        let mut seen = BTreeSet::from([first]);
        let mut queue = VecDeque::from([first]);
        let mut out = Vec::new();
        while let Some(index) = queue.pop_front() {
            out.push(&self.files[index]);
            for dependency in &self.files[index].dependency {
                // Every import is in the schema (checked by `parse`).
                if let Some(&i) = self.by_name.get(&**dependency)
                    && seen.insert(i)
                {
                    queue.push_back(i);
                }
            }
        }
        Some(out)
    }

    /// [`Schema::with_dependencies`], encoded.
    pub fn encoded_with_dependencies(&self, name: &str) -> Option<Vec<Bytes>> {
        let files = self.with_dependencies(name)?;
        Some(
            files
                .into_iter()
                .map(|file| self.encoded[self.by_name[resolve_name(file)]].clone())
                .collect(),
        )
    }

    /// The full names of every service of every file (`hello.Greeter`, ...).
    pub fn services(&self) -> Vec<String> {
        let mut names = Vec::new();
        for file in &self.files {
            for service in &file.service {
                names.push(full_name(file, service.name.as_deref().unwrap_or_default()));
            }
        }
        names
    }

    /// The service called `full_name` (`grpc.health.v1.Health`).
    pub fn service(&self, name: &str) -> Option<&ServiceDescriptorProto> {
        let file = self.file_defining(name)?;
        file.service
            .iter()
            .find(|s| full_name(file, s.name.as_deref().unwrap_or_default()) == name)
    }

    /// The message called `full_name`, nested ones included
    /// (`grpc.health.v1.HealthListResponse.StatusesEntry`).
    pub fn message(&self, full_name: &str) -> Option<&DescriptorProto> {
        if self.symbol_kind(full_name) != Some(SymbolKind::Message) {
            return None;
        }
        let file = self.file_defining(full_name)?;
        let package = file.package.as_deref().unwrap_or_default();
        let relative = if package.is_empty() {
            full_name
        } else {
            full_name.strip_prefix(package)?.strip_prefix('.')?
        };
        let mut parts = relative.split('.');
        let first = parts.next()?;
        let mut message = file
            .message_type
            .iter()
            .find(|m| m.name.as_deref() == Some(first))?;
        for part in parts {
            message = message
                .nested_type
                .iter()
                .find(|m| m.name.as_deref() == Some(part))?;
        }
        Some(message)
    }

    /// The full names of every message type of every file, nested ones (and map entries)
    /// included, in declaration order.
    pub fn messages(&self) -> Vec<String> {
        fn walk(scope: &str, messages: &[DescriptorProto], out: &mut Vec<String>) {
            for message in messages {
                let name = join(scope, message.name.as_deref().unwrap_or_default());
                out.push(name.clone());
                walk(&name, &message.nested_type, out);
            }
        }
        let mut out = Vec::new();
        for file in &self.files {
            walk(
                file.package.as_deref().unwrap_or_default(),
                &file.message_type,
                &mut out,
            );
        }
        out
    }
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_owned()
    } else {
        format!("{scope}.{name}")
    }
}

fn full_name(file: &FileDescriptorProto, name: &str) -> String {
    join(file.package.as_deref().unwrap_or_default(), name)
}

fn resolve_name(file: &FileDescriptorProto) -> &str {
    file.name.as_deref().unwrap_or_default()
}

#[cfg(test)]
mod tests;
