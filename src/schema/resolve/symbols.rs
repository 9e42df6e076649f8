//! The symbol table: every full name a set of files defines, and what it is; and which files
//! a file can see.

use std::collections::{BTreeSet, HashMap};

use crate::schema::SchemaError;
use crate::schema::descriptor::{DescriptorProto, EnumDescriptorProto, FileDescriptorProto};

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
    pub(super) fn is_aggregate(self) -> bool {
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
        for extension in &file.extension {
            let name = join(package, extension.name.as_deref().unwrap_or_default());
            table.define(index, &name, SymbolKind::Field)?;
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

/// The names of each enum's values, by the enum's full name: what an enum field's
/// `[default = NAME]` may say.
pub(crate) fn enum_values(files: &[FileDescriptorProto]) -> HashMap<String, BTreeSet<String>> {
    fn enums(
        scope: &str,
        list: &[EnumDescriptorProto],
        out: &mut HashMap<String, BTreeSet<String>>,
    ) {
        for enumeration in list {
            let values = enumeration.value.iter().filter_map(|v| v.name.as_deref());
            out.insert(
                join(scope, enumeration.name.as_deref().unwrap_or_default()),
                values.map(str::to_owned).collect(),
            );
        }
    }
    fn messages(
        scope: &str,
        list: &[DescriptorProto],
        out: &mut HashMap<String, BTreeSet<String>>,
    ) {
        for message in list {
            let name = join(scope, message.name.as_deref().unwrap_or_default());
            enums(&name, &message.enum_type, out);
            messages(&name, &message.nested_type, out);
        }
    }
    let mut out = HashMap::new();
    for file in files {
        let package = file.package.as_deref().unwrap_or_default();
        enums(package, &file.enum_type, &mut out);
        messages(package, &file.message_type, &mut out);
    }
    out
}

pub(super) fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_owned()
    } else {
        format!("{scope}.{name}")
    }
}

pub(super) fn file_name(file: &FileDescriptorProto) -> &str {
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
                format!("\"{name}\" is already defined (in {where_})."),
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
        for extension in &message.extension {
            let extension = join(&name, extension.name.as_deref().unwrap_or_default());
            self.define(file, &extension, SymbolKind::Field)?;
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
