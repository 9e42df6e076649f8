//! Building a [`Schema`]: from `.proto` sources ([`Schema::parse`]), or from descriptors that
//! are already resolved ([`Schema::from_files`], [`Schema::from_descriptor_set`]).
//!
//! Either way the files are checked the way protoc checks them before it uses them: every
//! import is present (a bundled well-known type fills the gap when one is missing), no file
//! imports itself through others, and no full name is defined twice. Sources are then resolved
//! ([`resolve`](super::resolve)); descriptors must come resolved, and each type name they use
//! must be defined.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::protobuf::Message;

use super::descriptor::{
    DescriptorProto, FieldDescriptorProto, FileDescriptorProto, FileDescriptorSet,
};
use super::parser::{self, Parsed, Positions};
use super::resolve::{self, Context, Symbol};
use super::{EMBEDDED, ErrorKind, Schema, SchemaError, WELL_KNOWN, resolve_name};

impl Schema {
    /// Parses and resolves `(name, source)` files, `name` being what `import` lines call the
    /// file. Every file a file imports must be among them, or be one of the bundled
    /// [`WELL_KNOWN`] types (added after the files given).
    ///
    /// ```
    /// use h2grpc::schema::Schema;
    ///
    /// let schema = Schema::parse([(
    ///     "shop.proto",
    ///     "syntax = \"proto2\";\n\
    ///      import \"google/protobuf/timestamp.proto\";\n\
    ///      message Order { optional group Item = 1 { required string sku = 2; }\n\
    ///        optional google.protobuf.Timestamp at = 3; extensions 100 to max; }",
    /// )])
    /// .unwrap();
    /// let order = schema.message("Order").unwrap();
    /// assert_eq!(order.field[0].type_name.as_deref(), Some(".Order.Item"));
    /// assert_eq!(order.field[1].type_name.as_deref(), Some(".google.protobuf.Timestamp"));
    /// assert!(schema.file("google/protobuf/timestamp.proto").is_some());
    /// ```
    ///
    /// # Errors
    /// The first file that does not parse, imports a file not given, takes part in an import
    /// cycle, or uses a name it does not define or import.
    pub fn parse<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, SchemaError> {
        let mut parsed = Vec::new();
        for (name, source) in sources {
            parsed.push(parser::parse_file(name, source)?);
        }
        add_missing_well_known(&mut parsed)?;
        Self::resolve_parsed(parsed)
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

    /// The schema of the bundled [`WELL_KNOWN`] types alone, parsed on first use.
    ///
    /// # Panics
    /// If they do not parse (the tests parse them: `cargo test` fails first).
    pub fn well_known() -> &'static Self {
        static SCHEMA: OnceLock<Schema> = OnceLock::new();
        SCHEMA.get_or_init(|| {
            Self::parse(WELL_KNOWN.iter().copied()).unwrap_or_else(|error| {
                panic!("the bundled well-known types do not parse: {error}")
            })
        })
    }

    /// A schema of descriptors already resolved (what server reflection returns, what protoc
    /// writes): they are indexed and checked, not resolved again. A dependency missing from
    /// `files` is taken from the bundled [`WELL_KNOWN`] types when it is one of them.
    ///
    /// ```
    /// use h2grpc::schema::{Schema, SymbolKind};
    ///
    /// let timestamp = Schema::well_known().file("google/protobuf/timestamp.proto").unwrap();
    /// let schema = Schema::from_files(vec![timestamp.clone()]).unwrap();
    /// assert_eq!(schema.symbol_kind("google.protobuf.Timestamp"), Some(SymbolKind::Message));
    /// ```
    ///
    /// # Errors
    /// A file given twice, a dependency missing, an import cycle, a name defined twice, or a
    /// type name that is not a full name (`.pkg.Msg`) defined by the files.
    pub fn from_files(mut files: Vec<FileDescriptorProto>) -> Result<Self, SchemaError> {
        let mut known: HashMap<String, usize> = HashMap::new();
        for (index, file) in files.iter().enumerate() {
            if known.insert(resolve_name(file).to_owned(), index).is_some() {
                return Err(SchemaError::new(resolve_name(file), "is given twice"));
            }
        }
        let mut next = 0;
        while next < files.len() {
            let missing: Vec<String> = files[next]
                .dependency
                .iter()
                .filter(|d| !known.contains_key(&***d))
                .map(ToString::to_string)
                .collect();
            for dependency in missing {
                let Some(bundled) = Self::well_known().file(&dependency) else {
                    return Err(SchemaError::new(
                        resolve_name(&files[next]),
                        format!("imports \"{dependency}\", which is not in the set."),
                    )
                    .with_kind(ErrorKind::NotFound));
                };
                known.insert(dependency, files.len());
                files.push(bundled.clone());
            }
            next += 1;
        }
        let by_name = index_names(&files)?;
        check_no_import_cycle(&files, &by_name, None)?;
        let symbols = resolve::symbols(&files)?;
        for file in &files {
            check_resolved(file, &symbols)?;
        }
        Ok(Self::assemble(files, by_name, symbols))
    }

    /// A schema of a serialized `FileDescriptorSet`, as `protoc --include_imports
    /// --descriptor_set_out` writes it: [`Schema::from_files`] of its files.
    ///
    /// ```
    /// use h2grpc::protobuf::Message;
    /// use h2grpc::schema::Schema;
    /// use h2grpc::schema::descriptor::FileDescriptorSet;
    ///
    /// let set = FileDescriptorSet { file: Schema::embedded().files().to_vec() };
    /// let schema = Schema::from_descriptor_set(&set.encode_to_bytes()).unwrap();
    /// assert_eq!(schema.services(), Schema::embedded().services());
    /// ```
    ///
    /// # Errors
    /// Bytes that are not a `FileDescriptorSet`, then as [`Schema::from_files`].
    pub fn from_descriptor_set(bytes: &[u8]) -> Result<Self, SchemaError> {
        let set = FileDescriptorSet::decode(bytes::Bytes::copy_from_slice(bytes)).map_err(|e| {
            SchemaError::new(
                "FileDescriptorSet",
                format!("is not a serialized FileDescriptorSet: {e}"),
            )
        })?;
        Self::from_files(set.file)
    }

    /// Resolves parsed files into a schema: each import present, no cycle, every name defined.
    pub(crate) fn resolve_parsed(parsed: Vec<Parsed>) -> Result<Self, SchemaError> {
        let (mut files, positions): (Vec<FileDescriptorProto>, Vec<Positions>) =
            parsed.into_iter().map(|p| (p.file, p.positions)).unzip();
        let by_name = index_names(&files)?;
        for (file, positions) in files.iter().zip(&positions) {
            for (index, dependency) in file.dependency.iter().enumerate() {
                if !by_name.contains_key(&**dependency) {
                    return Err(import_error(
                        file,
                        positions,
                        index,
                        ErrorKind::NotFound,
                        format!("Import \"{dependency}\" was not found or had errors."),
                    ));
                }
            }
        }
        check_no_import_cycle(&files, &by_name, Some(&positions))?;
        let symbols = resolve::symbols(&files)?;
        let enum_values = resolve::enum_values(&files);
        for (index, positions) in positions.iter().enumerate() {
            let visible = resolve::visible_files(&files, &by_name, index);
            let context = Context {
                symbols: &symbols,
                visible: &visible,
                positions,
                enum_values: &enum_values,
            };
            resolve::resolve_file(&mut files, index, &context)?;
        }
        Ok(Self::assemble(files, by_name, symbols))
    }

    fn assemble(
        files: Vec<FileDescriptorProto>,
        by_name: HashMap<String, usize>,
        symbols: HashMap<String, Symbol>,
    ) -> Self {
        let encoded = files.iter().map(Message::encode_to_bytes).collect();
        Self {
            files,
            encoded,
            by_name,
            symbols,
        }
    }
}

/// Parses the bundled well-known types that `parsed` imports and does not have, transitively.
fn add_missing_well_known(parsed: &mut Vec<Parsed>) -> Result<(), SchemaError> {
    let mut next = 0;
    while next < parsed.len() {
        let dependencies = parsed[next].file.dependency.clone();
        for dependency in dependencies {
            let present = parsed.iter().any(|p| resolve_name(&p.file) == &*dependency);
            let bundled = WELL_KNOWN.iter().find(|(name, _)| *name == &*dependency);
            if let (false, Some((name, source))) = (present, bundled) {
                parsed.push(parser::parse_file(name, source)?);
            }
        }
        next += 1;
    }
    Ok(())
}

/// `file name → index`, refusing a name given twice.
fn index_names(files: &[FileDescriptorProto]) -> Result<HashMap<String, usize>, SchemaError> {
    let mut by_name = HashMap::new();
    for (index, file) in files.iter().enumerate() {
        if by_name
            .insert(resolve_name(file).to_owned(), index)
            .is_some()
        {
            return Err(SchemaError::new(resolve_name(file), "is given twice"));
        }
    }
    Ok(by_name)
}

/// An error about the `index`th import of `file`, at its `import` line when known.
fn import_error(
    file: &FileDescriptorProto,
    positions: &Positions,
    index: usize,
    kind: ErrorKind,
    message: String,
) -> SchemaError {
    let error = match positions.get(&format!("#import {index}")) {
        Some(&pos) => SchemaError::at(resolve_name(file), pos, message),
        None => SchemaError::new(resolve_name(file), message),
    };
    error.with_kind(kind)
}

/// protoc refuses files that import each other, directly or not: the error names the cycle,
/// `a.proto -> b.proto -> a.proto`, at the first file's import of the second.
fn check_no_import_cycle(
    files: &[FileDescriptorProto],
    by_name: &HashMap<String, usize>,
    positions: Option<&[Positions]>,
) -> Result<(), SchemaError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    // Depth first, without recursion: `(file, next import to follow)`.
    let mut marks = vec![Mark::New; files.len()];
    for root in 0..files.len() {
        if marks[root] != Mark::New {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        marks[root] = Mark::Open;
        while let Some(&mut (index, ref mut next)) = stack.last_mut() {
            let Some(dependency) = files[index].dependency.get(*next) else {
                marks[index] = Mark::Done;
                stack.pop();
                continue;
            };
            *next += 1;
            let Some(&target) = by_name.get(&**dependency) else {
                continue;
            };
            match marks[target] {
                Mark::Done => {}
                Mark::New => {
                    marks[target] = Mark::Open;
                    stack.push((target, 0));
                }
                Mark::Open => {
                    let start = stack.iter().position(|&(i, _)| i == target).unwrap_or(0);
                    let mut chain: Vec<&str> = stack[start..]
                        .iter()
                        .map(|&(i, _)| resolve_name(&files[i]))
                        .collect();
                    chain.push(resolve_name(&files[target]));
                    let first = &files[target];
                    let message =
                        format!("File recursively imports itself: {}", chain.join(" -> "));
                    let (_, first_import) = stack[start];
                    let empty = Positions::new();
                    let positions = positions.and_then(|p| p.get(target)).unwrap_or(&empty);
                    return Err(import_error(
                        first,
                        positions,
                        first_import.saturating_sub(1),
                        ErrorKind::ImportCycle,
                        message,
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Every type name and extendee of `file` is a full name (`.pkg.Msg`) that `symbols` defines.
fn check_resolved(
    file: &FileDescriptorProto,
    symbols: &HashMap<String, Symbol>,
) -> Result<(), SchemaError> {
    let check = |name: Option<&str>| -> Result<(), SchemaError> {
        let Some(name) = name else { return Ok(()) };
        match name.strip_prefix('.') {
            Some(full) if symbols.contains_key(full) => Ok(()),
            _ => Err(SchemaError::new(
                resolve_name(file),
                format!("\"{name}\" is not defined (a resolved name, `.pkg.Type`, is expected)."),
            )
            .with_kind(ErrorKind::Undefined)),
        }
    };
    let fields = |fields: &[FieldDescriptorProto]| -> Result<(), SchemaError> {
        for field in fields {
            check(field.type_name.as_deref())?;
            check(field.extendee.as_deref())?;
        }
        Ok(())
    };
    let mut messages: Vec<&DescriptorProto> = file.message_type.iter().collect();
    while let Some(message) = messages.pop() {
        fields(&message.field)?;
        fields(&message.extension)?;
        messages.extend(&message.nested_type);
    }
    fields(&file.extension)?;
    for method in file.service.iter().flat_map(|s| &s.method) {
        check(method.input_type.as_deref())?;
        check(method.output_type.as_deref())?;
    }
    Ok(())
}
