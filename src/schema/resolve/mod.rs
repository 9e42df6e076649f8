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
//!
//! Resolved here: the `type_name` of every field (a group's included) and extension, the
//! `extendee` of every extension (which must be a message), rpcs' input and output types.
//! An enum field's `[default = NAME]` must name a value of that enum; a message field has no
//! default. Extensions are symbols too, in the scope of their `extend` block
//! (`pkg.Msg.my_ext`), not in the message they extend.

use std::collections::{BTreeSet, HashMap};

use crate::protobuf::Text;

use super::descriptor::{DescriptorProto, FieldDescriptorProto, FileDescriptorProto, Type};
use super::parser::Positions;
use super::{ErrorKind, SchemaError};

mod symbols;

pub use symbols::SymbolKind;
pub(crate) use symbols::{Symbol, enum_values, symbols, visible_files};
use symbols::{file_name, join};

/// What resolving a file needs besides the file: every symbol, the files it can see, where its
/// names were written (for errors), and the values of every enum.
pub(crate) struct Context<'a> {
    pub(crate) symbols: &'a HashMap<String, Symbol>,
    pub(crate) visible: &'a BTreeSet<usize>,
    pub(crate) positions: &'a Positions,
    pub(crate) enum_values: &'a HashMap<String, BTreeSet<String>>,
}

/// Resolves every type name of `files[index]` in place: fields and extensions get their full
/// `type_name` (`.pkg.Msg`) and their `type` (MESSAGE or ENUM; GROUP stays), extensions their
/// full `extendee`; rpcs get full input and output types.
pub(crate) fn resolve_file(
    files: &mut [FileDescriptorProto],
    index: usize,
    context: &Context<'_>,
) -> Result<(), SchemaError> {
    let file = &mut files[index];
    let package = file.package.as_deref().unwrap_or_default().to_owned();
    let resolver = Resolver {
        context,
        file: file_name(file).to_owned(),
        package: package.clone(),
    };
    for message in &mut file.message_type {
        resolver.message(&package, message)?;
    }
    for extension in &mut file.extension {
        resolver.field(&package, extension)?;
    }
    for service in &mut file.service {
        let scope = join(&package, service.name.as_deref().unwrap_or_default());
        for method in &mut service.method {
            let here = join(&scope, method.name.as_deref().unwrap_or_default());
            for (type_name, side) in [
                (&mut method.input_type, "input"),
                (&mut method.output_type, "output"),
            ] {
                let written = type_name.as_deref().unwrap_or_default().to_owned();
                let key = format!("{here}#{side}");
                let (full, kind) = resolver.lookup(&here, &written, &key)?;
                if kind != SymbolKind::Message {
                    return Err(resolver.error(
                        &key,
                        ErrorKind::Undefined,
                        format!("\"{written}\" is not a message type."),
                    ));
                }
                *type_name = Some(Text::from(format!(".{full}")));
            }
        }
    }
    Ok(())
}

struct Resolver<'a> {
    context: &'a Context<'a>,
    file: String,
    package: String,
}

impl Resolver<'_> {
    /// An error at the place recorded for `key` (a full name, see [`Positions`]).
    fn error(&self, key: &str, kind: ErrorKind, message: String) -> SchemaError {
        let relative = if self.package.is_empty() {
            key
        } else {
            key.strip_prefix(&self.package)
                .and_then(|k| k.strip_prefix('.'))
                .unwrap_or(key)
        };
        let error = match self.context.positions.get(relative) {
            Some(&pos) => SchemaError::at(&self.file, pos, message),
            None => SchemaError::new(&self.file, message),
        };
        error.with_kind(kind)
    }

    fn message(&self, scope: &str, message: &mut DescriptorProto) -> Result<(), SchemaError> {
        let name = join(scope, message.name.as_deref().unwrap_or_default());
        for field in &mut message.field {
            self.field(&name, field)?;
        }
        for extension in &mut message.extension {
            self.field(&name, extension)?;
        }
        for nested in &mut message.nested_type {
            self.message(&name, nested)?;
        }
        Ok(())
    }

    /// Resolves a field or an extension declared in `scope`.
    fn field(&self, scope: &str, field: &mut FieldDescriptorProto) -> Result<(), SchemaError> {
        let here = join(scope, field.name.as_deref().unwrap_or_default());
        if let Some(written) = field.extendee.as_deref().map(str::to_owned) {
            let key = format!("{here}#extendee");
            let (full, kind) = self.lookup(&here, &written, &key)?;
            if kind != SymbolKind::Message {
                return Err(self.error(
                    &key,
                    ErrorKind::Undefined,
                    format!("\"{written}\" is not a message type."),
                ));
            }
            field.extendee = Some(Text::from(format!(".{full}")));
        }
        let unresolved = matches!(
            field.r#type.and_then(Type::from_i32),
            None | Some(Type::Message | Type::Group | Type::Enum)
        );
        let Some(written) = field.type_name.as_deref().map(str::to_owned) else {
            return Ok(());
        };
        if !unresolved {
            return Ok(());
        }
        let (full, kind) = self.lookup(&here, &written, &here)?;
        let ty = match (kind, field.r#type.and_then(Type::from_i32)) {
            (SymbolKind::Message, Some(Type::Group)) => Type::Group,
            (SymbolKind::Message, _) => Type::Message,
            (SymbolKind::Enum, _) => Type::Enum,
            _ => {
                return Err(self.error(
                    &here,
                    ErrorKind::Undefined,
                    format!("\"{written}\" is not a type."),
                ));
            }
        };
        field.r#type = Some(ty as i32);
        field.type_name = Some(Text::from(format!(".{full}")));
        if let Some(default) = field.default_value.as_deref() {
            let values = self.context.enum_values.get(&full);
            let key = format!("{here}#default");
            if ty != Type::Enum {
                return Err(self.error(
                    &key,
                    ErrorKind::Syntax,
                    "Messages can't have default values.".to_owned(),
                ));
            }
            if !values.is_some_and(|v| v.contains(default)) {
                return Err(self.error(
                    &key,
                    ErrorKind::Undefined,
                    format!("Enum type \"{full}\" has no value named \"{default}\"."),
                ));
            }
        }
        Ok(())
    }

    /// The full name and kind of the type written `written` in the scope of the full name
    /// `here` (a field or a method); `key` says where it was written, for an error.
    fn lookup(
        &self,
        here: &str,
        written: &str,
        key: &str,
    ) -> Result<(String, SymbolKind), SchemaError> {
        let symbols = self.context.symbols;
        let found = if let Some(full) = written.strip_prefix('.') {
            symbols.get(full).map(|s| (full.to_owned(), *s))
        } else {
            self.relative(here, written)
        };
        let Some((full, symbol)) = found else {
            return Err(self.error(
                key,
                ErrorKind::Undefined,
                format!("\"{written}\" is not defined."),
            ));
        };
        if let Some(file) = symbol.file
            && !self.context.visible.contains(&file)
        {
            return Err(self.error(
                key,
                ErrorKind::Undefined,
                format!(
                    "\"{written}\" seems to be defined in a file that {} does not import \
                     ({full}).",
                    self.file
                ),
            ));
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
            if let Some(symbol) = self.context.symbols.get(&candidate) {
                match rest {
                    Some(rest) if symbol.kind.is_aggregate() => {
                        let full = format!("{candidate}.{rest}");
                        return self.context.symbols.get(&full).map(|s| (full, *s));
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
