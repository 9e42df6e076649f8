//! [`SchemaError`]: why a schema could not be built, as protoc would say it.
//!
//! An error is one line, `file:line:column: message` when it is at one place of a file's text
//! (`hello.proto:3:12: "Foo" is not defined.`), `file: message` otherwise. Where protoc has a
//! message for the same mistake, the message is protoc's. [`ErrorKind`] tells the kinds apart
//! for a program.

use std::fmt;

use super::lexer::Pos;

/// What kind of mistake a [`SchemaError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text of a file is not valid protobuf: a token out of place, a field number out of
    /// range, a name declared twice, a proto2 construct in a proto3 file...
    Syntax,
    /// A name that names nothing the file can see: protoc's `"Foo" is not defined.`, and an
    /// enum default naming no value of the enum.
    Undefined,
    /// A file imports itself, directly or through others.
    ImportCycle,
    /// A file, given or imported, is in none of the import paths, nor one of the bundled
    /// well-known types; or a descriptor's dependency is missing from the set.
    NotFound,
    /// A file could not be read from disk.
    Io,
    /// Descriptors that do not hold together: bytes that are not a `FileDescriptorSet`, a file
    /// given twice, a type name left unresolved.
    Invalid,
}

/// A schema that could not be built: which file, where in it (when known), what, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The file's name.
    pub file: String,
    /// `(line, column)`, 1-based, when the error is at one place of the text.
    pub at: Option<(u32, u32)>,
    /// What kind of mistake it is.
    pub kind: ErrorKind,
    /// What is wrong.
    pub message: String,
}

impl SchemaError {
    /// An error about a whole file (kind [`ErrorKind::Invalid`] until [`Self::with_kind`]).
    pub(crate) fn new(file: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            at: None,
            kind: ErrorKind::Invalid,
            message: message.into(),
        }
    }

    /// An error at one place of a file's text (kind [`ErrorKind::Syntax`] until
    /// [`Self::with_kind`]).
    pub(crate) fn at(file: &str, pos: Pos, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            at: Some((pos.line, pos.column)),
            kind: ErrorKind::Syntax,
            message: message.into(),
        }
    }

    /// The same error, of kind `kind`.
    pub(crate) fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
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
