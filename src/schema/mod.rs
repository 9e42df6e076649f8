//! The schema: what the `.proto` files of `proto/` declare, as `google.protobuf` descriptors.
//!
//! h2grpc has no code generator, so nothing is compiled from `proto/` at build time. The files
//! are *embedded* instead ([`EMBEDDED`], with `include_str!`) and read at run time by a small
//! parser of the proto3 language, which builds the same `FileDescriptorProto`s that
//! `protoc --descriptor_set_out` writes: this module is the one source of truth for what the
//! services declare. Server reflection
//! ([`services::reflection`](crate::services::reflection)) sends these descriptors, serialized
//! by h2grpc's own codec, to tools such as `grpcurl` that have no `.proto` files.
//!
//! ```text
//! proto/*.proto ──include_str!──▶ lexer ──tokens──▶ parser ──FileDescriptorProto──▶ resolve ──▶ Schema
//!                                                  (json_name, map entries,        (full type names:
//!                                                   synthetic oneofs)               .pkg.Msg)
//! ```
//!
//! | module | what it does |
//! |---|---|
//! | [`descriptor`] | the messages of `google/protobuf/descriptor.proto` that describe a file, encoded by hand |
//! | [`options`] | the `XxxOptions` messages: `option java_package = ...;`, `[deprecated = true]` |
//! | `lexer`, `parser` | proto3 text → unresolved descriptors (the language spec: <https://protobuf.dev/reference/protobuf/proto3-spec/>) |
//! | `resolve` | the symbol table and type-name resolution (<https://protobuf.dev/programming-guides/proto3/#name-resolution>) |
//!
//! The wire tests (`wire-tests/reflection.rs`) decode what protoc writes for every file of
//! `proto/` and compare it, field by field and then byte for byte, with what this module
//! builds; and they check every hand-written message of [`services`](crate::services) against
//! the schema's declaration of it.
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

pub mod descriptor;
mod lexer;
pub mod options;
mod parser;
mod resolve;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::sync::OnceLock;

use bytes::Bytes;

use crate::protobuf::Message;

use descriptor::{DescriptorProto, FileDescriptorProto, ServiceDescriptorProto};
use lexer::Pos;

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

/// A `.proto` file that could not be read: which file, where in it (when known), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The file's name.
    pub file: String,
    /// `(line, column)`, 1-based, when the error is at one place of the text.
    pub at: Option<(u32, u32)>,
    /// What is wrong.
    pub message: String,
}

impl SchemaError {
    pub(crate) fn new(file: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            at: None,
            message: message.into(),
        }
    }

    pub(crate) fn at(file: &str, pos: Pos, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            at: Some((pos.line, pos.column)),
            message: message.into(),
        }
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for SchemaError {}

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
    /// Parses and resolves `(name, source)` files. Every file a file imports must be among them.
    ///
    /// # Errors
    /// The first file that does not parse, imports a file not given, takes part in an import
    /// cycle, or uses a type it does not define or import.
    pub fn parse<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, SchemaError> {
        let mut files = Vec::new();
        let mut by_name = HashMap::new();
        for (name, source) in sources {
            if by_name.insert(name.to_owned(), files.len()).is_some() {
                return Err(SchemaError::new(name, "given twice"));
            }
            files.push(parser::parse_file(name, source)?);
        }
        for file in &files {
            for dependency in &file.dependency {
                if !by_name.contains_key(&**dependency) {
                    return Err(SchemaError::new(
                        resolve_name(file),
                        format!("imports {dependency}, which is not in the schema"),
                    ));
                }
            }
        }
        check_no_import_cycle(&files, &by_name)?;
        let symbols = resolve::symbols(&files)?;
        for index in 0..files.len() {
            let visible = resolve::visible_files(&files, &by_name, index);
            resolve::resolve_file(&mut files, index, &symbols, &visible)?;
        }
        let encoded = files.iter().map(Message::encode_to_bytes).collect();
        Ok(Self {
            files,
            encoded,
            by_name,
            symbols,
        })
    }

    /// The schema of [`EMBEDDED`], parsed on first use.
    ///
    /// # Panics
    /// If the embedded files do not parse: they are part of the crate, and the tests parse them
    /// (`cargo test` fails first).
    pub fn embedded() -> &'static Self {
        static SCHEMA: OnceLock<Schema> = OnceLock::new();
        SCHEMA.get_or_init(|| {
            Self::parse(EMBEDDED.iter().copied())
                .unwrap_or_else(|error| panic!("the embedded proto/ files do not parse: {error}"))
        })
    }

    /// Every file, in the order given.
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

/// protoc refuses files that import each other, directly or not.
fn check_no_import_cycle(
    files: &[FileDescriptorProto],
    by_name: &HashMap<String, usize>,
) -> Result<(), SchemaError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        index: usize,
        files: &[FileDescriptorProto],
        by_name: &HashMap<String, usize>,
        marks: &mut [Mark],
    ) -> Result<(), SchemaError> {
        match marks[index] {
            Mark::Done => return Ok(()),
            Mark::Open => {
                return Err(SchemaError::new(
                    resolve_name(&files[index]),
                    "is part of an import cycle",
                ));
            }
            Mark::New => {}
        }
        marks[index] = Mark::Open;
        for dependency in &files[index].dependency {
            if let Some(&i) = by_name.get(&**dependency) {
                visit(i, files, by_name, marks)?;
            }
        }
        marks[index] = Mark::Done;
        Ok(())
    }
    let mut marks = vec![Mark::New; files.len()];
    for index in 0..files.len() {
        visit(index, files, by_name, &mut marks)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
