//! Names: the symbol table of a set of files, and type-name resolution.
//!
//! A field written `HelloRequest` or `HealthCheckResponse.ServingStatus` names a type relative
//! to where it is written. The language guide's rule ("Packages and Name Resolution",
//! <https://protobuf.dev/programming-guides/proto3/#name-resolution>) is C++'s: search the
//! innermost scope first, then each enclosing one, a package being inside its parent package.
//! For a dotted name only the *first* component is searched that way; the rest is looked up
//! inside what it found, and a first component that names something without members (a field)
//! does not count. A name with a leading dot is already fully qualified.
//!
//! A type is only visible from a file that defines it or imports (directly, or through an
//! `import public` chain) the file that does.

use std::collections::{BTreeSet, HashMap};

use crate::protobuf::Text;

use super::SchemaError;
use super::descriptor::{DescriptorProto, EnumDescriptorProto, FileDescriptorProto, Type};

/// What a full name names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    /// A package, or a prefix of one (`grpc`, `grpc.health`).
    Package,
    /// A message type.
    Message,
    /// An enum type.
    Enum,
    /// A value of an enum; its full name is a sibling of the enum's (`pkg.Msg.SERVING`).
    EnumValue,
    /// A field of a message.
    Field,
    /// A oneof of a message.
    Oneof,
    /// A service.
    Service,
    /// A method of a service.
    Method,
}

impl SymbolKind {
    /// Whether it has members that a dotted name can reach.
    fn is_aggregate(self) -> bool {
        matches!(
            self,
            Self::Package | Self::Message | Self::Enum | Self::Service
        )
    }
}

/// Where a full name is defined: what it is, and in which file (an index into the files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Symbol {
    pub(crate) kind: SymbolKind,
    /// `None` for packages, which belong to no one file.
    pub(crate) file: Option<usize>,
}

/// Every full name defined by `files` (without a leading dot).
pub(crate) fn symbols(
    files: &[FileDescriptorProto],
) -> Result<HashMap<String, Symbol>, SchemaError> {
    let mut table = Table {
        symbols: HashMap::new(),
        files,
    };
    for (index, file) in files.iter().enumerate() {
        let package = file.package.as_deref().unwrap_or_default();
        let mut prefix = String::new();
        for part in package.split('.').filter(|p| !p.is_empty()) {
            if !prefix.is_empty() {
                prefix.push('.');
            }
            prefix.push_str(part);
            table.define_package(index, &prefix)?;
        }
        for message in &file.message_type {
            table.message(index, package, message)?;
        }
        for enumeration in &file.enum_type {
            table.enumeration(index, package, enumeration)?;
        }
        for service in &file.service {
            let name = join(package, service.name.as_deref().unwrap_or_default());
            table.define(index, &name, SymbolKind::Service)?;
            for method in &service.method {
                let method = join(&name, method.name.as_deref().unwrap_or_default());
                table.define(index, &method, SymbolKind::Method)?;
            }
        }
    }
    Ok(table.symbols)
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_owned()
    } else {
        format!("{scope}.{name}")
    }
}

fn file_name(file: &FileDescriptorProto) -> &str {
    file.name.as_deref().unwrap_or_default()
}

struct Table<'a> {
    symbols: HashMap<String, Symbol>,
    files: &'a [FileDescriptorProto],
}

impl Table<'_> {
    fn define(&mut self, file: usize, name: &str, kind: SymbolKind) -> Result<(), SchemaError> {
        let symbol = Symbol {
            kind,
            file: Some(file),
        };
        if let Some(previous) = self.symbols.insert(name.to_owned(), symbol) {
            let where_ = previous
                .file
                .map_or("a package", |f| file_name(&self.files[f]));
            return Err(SchemaError::new(
                file_name(&self.files[file]),
                format!("{name} is already defined (in {where_})"),
            ));
        }
        Ok(())
    }

    fn define_package(&mut self, file: usize, name: &str) -> Result<(), SchemaError> {
        match self.symbols.get(name) {
            None => {
                self.symbols.insert(
                    name.to_owned(),
                    Symbol {
                        kind: SymbolKind::Package,
                        file: None,
                    },
                );
                Ok(())
            }
            Some(symbol) if symbol.kind == SymbolKind::Package => Ok(()),
            Some(_) => Err(SchemaError::new(
                file_name(&self.files[file]),
                format!("package {name} has the name of a type already defined"),
            )),
        }
    }

    fn message(
        &mut self,
        file: usize,
        scope: &str,
        message: &DescriptorProto,
    ) -> Result<(), SchemaError> {
        let name = join(scope, message.name.as_deref().unwrap_or_default());
        self.define(file, &name, SymbolKind::Message)?;
        for field in &message.field {
            let field = join(&name, field.name.as_deref().unwrap_or_default());
            self.define(file, &field, SymbolKind::Field)?;
        }
        for oneof in &message.oneof_decl {
            let oneof = join(&name, oneof.name.as_deref().unwrap_or_default());
            self.define(file, &oneof, SymbolKind::Oneof)?;
        }
        for nested in &message.nested_type {
            self.message(file, &name, nested)?;
        }
        for enumeration in &message.enum_type {
            self.enumeration(file, &name, enumeration)?;
        }
        Ok(())
    }

    fn enumeration(
        &mut self,
        file: usize,
        scope: &str,
        enumeration: &EnumDescriptorProto,
    ) -> Result<(), SchemaError> {
        let name = join(scope, enumeration.name.as_deref().unwrap_or_default());
        self.define(file, &name, SymbolKind::Enum)?;
        for value in &enumeration.value {
            // C++ scoping: enum values are siblings of their enum, not members of it.
            let value = join(scope, value.name.as_deref().unwrap_or_default());
            self.define(file, &value, SymbolKind::EnumValue)?;
        }
        Ok(())
    }
}

/// The files `file` can see types of: itself, what it imports, and what those files import
/// publicly (transitively).
pub(crate) fn visible_files(
    files: &[FileDescriptorProto],
    by_name: &HashMap<String, usize>,
    file: usize,
) -> BTreeSet<usize> {
    let mut visible = BTreeSet::from([file]);
    let mut stack: Vec<usize> = files[file]
        .dependency
        .iter()
        .filter_map(|d| by_name.get(&**d).copied())
        .collect();
    while let Some(index) = stack.pop() {
        if !visible.insert(index) {
            continue;
        }
        let dependency = &files[index];
        for &public in &dependency.public_dependency {
            let name = usize::try_from(public)
                .ok()
                .and_then(|p| dependency.dependency.get(p));
            if let Some(&i) = name.and_then(|n| by_name.get(&**n)) {
                stack.push(i);
            }
        }
    }
    visible
}

/// Resolves every type name of `files[index]` in place: fields get their full `type_name`
/// (`.pkg.Msg`) and their `type` (MESSAGE or ENUM); rpcs get full input and output types.
pub(crate) fn resolve_file(
    files: &mut [FileDescriptorProto],
    index: usize,
    symbols: &HashMap<String, Symbol>,
    visible: &BTreeSet<usize>,
) -> Result<(), SchemaError> {
    let resolver = Resolver {
        symbols,
        visible,
        file: file_name(&files[index]).to_owned(),
    };
    let file = &mut files[index];
    let package = file.package.as_deref().unwrap_or_default().to_owned();
    for message in &mut file.message_type {
        resolver.message(&package, message)?;
    }
    for service in &mut file.service {
        let scope = join(&package, service.name.as_deref().unwrap_or_default());
        for method in &mut service.method {
            let here = join(&scope, method.name.as_deref().unwrap_or_default());
            for type_name in [&mut method.input_type, &mut method.output_type] {
                let written = type_name.as_deref().unwrap_or_default().to_owned();
                let (full, kind) = resolver.lookup(&here, &written)?;
                if kind != SymbolKind::Message {
                    return Err(
                        resolver.error(format!("method {here}: {written} is not a message type"))
                    );
                }
                *type_name = Some(Text::from(format!(".{full}")));
            }
        }
    }
    Ok(())
}

struct Resolver<'a> {
    symbols: &'a HashMap<String, Symbol>,
    visible: &'a BTreeSet<usize>,
    file: String,
}

impl Resolver<'_> {
    fn error(&self, message: String) -> SchemaError {
        SchemaError::new(&self.file, message)
    }

    fn message(&self, scope: &str, message: &mut DescriptorProto) -> Result<(), SchemaError> {
        let name = join(scope, message.name.as_deref().unwrap_or_default());
        for field in &mut message.field {
            if field.r#type.is_some() && field.r#type != Some(Type::Message as i32) {
                continue;
            }
            let Some(written) = field.type_name.as_deref().map(str::to_owned) else {
                continue;
            };
            let here = join(&name, field.name.as_deref().unwrap_or_default());
            let (full, kind) = self.lookup(&here, &written)?;
            let ty = match kind {
                SymbolKind::Message => Type::Message,
                SymbolKind::Enum => Type::Enum,
                _ => {
                    return Err(self.error(format!("field {here}: {written} is not a type")));
                }
            };
            field.r#type = Some(ty as i32);
            field.type_name = Some(Text::from(format!(".{full}")));
        }
        for nested in &mut message.nested_type {
            self.message(&name, nested)?;
        }
        Ok(())
    }

    /// The full name and kind of the type written `written` in the scope of the full name
    /// `here` (a field or a method).
    fn lookup(&self, here: &str, written: &str) -> Result<(String, SymbolKind), SchemaError> {
        let found = if let Some(full) = written.strip_prefix('.') {
            self.symbols.get(full).map(|s| (full.to_owned(), *s))
        } else {
            self.relative(here, written)
        };
        let Some((full, symbol)) = found else {
            return Err(self.error(format!("{here}: type {written} is not defined")));
        };
        if let Some(file) = symbol.file
            && !self.visible.contains(&file)
        {
            return Err(self.error(format!(
                "{here}: {full} is defined in a file that {} does not import",
                self.file
            )));
        }
        Ok((full, symbol.kind))
    }

    /// Scope by scope, innermost first: the first component of `written` in each enclosing
    /// scope of `here`, then the rest of `written` inside what was found.
    fn relative(&self, here: &str, written: &str) -> Option<(String, Symbol)> {
        let (first, rest) = match written.split_once('.') {
            Some((first, rest)) => (first, Some(rest)),
            None => (written, None),
        };
        let mut scope = here;
        loop {
            // The enclosing scope: drop the last component (`here` itself is a field or method).
            scope = match scope.rfind('.') {
                Some(dot) => &scope[..dot],
                None => "",
            };
            let candidate = join(scope, first);
            if let Some(symbol) = self.symbols.get(&candidate) {
                match rest {
                    Some(rest) if symbol.kind.is_aggregate() => {
                        let full = format!("{candidate}.{rest}");
                        return self.symbols.get(&full).map(|s| (full, *s));
                    }
                    None if matches!(symbol.kind, SymbolKind::Message | SymbolKind::Enum) => {
                        return Some((candidate, *symbol));
                    }
                    // Not a type, or no members: keep looking outward.
                    _ => {}
                }
            }
            if scope.is_empty() {
                return None;
            }
        }
    }
}
