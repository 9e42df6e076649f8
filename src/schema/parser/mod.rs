//! From tokens to a [`FileDescriptorProto`]: a recursive-descent parser of the proto2 and proto3
//! languages (<https://protobuf.dev/reference/protobuf/proto2-spec/>,
//! <https://protobuf.dev/reference/protobuf/proto3-spec/>), doing what protoc's parser does
//! before type resolution:
//!
//! - `syntax = "proto2";`, or no `syntax` line at all, is proto2 ("The syntax statement is used
//!   to define the protobuf version. If the syntax statement is omitted, the parser assumes
//!   proto2"); protoc then leaves `FileDescriptorProto.syntax` unset, so this parser does too;
//! - every field gets its `json_name`, lowerCamelCase as protoc computes it ([`json_name`]);
//! - a `map<K, V> name = N;` field becomes a repeated message field of a nested `NameEntry`
//!   message (`key = 1`, `value = 2`, `option map_entry = true`), placed among the nested types
//!   where the field is declared ([`map_entry_name`]);
//! - a proto3 `optional` field gets `proto3_optional` and a *synthetic oneof* of its own, named
//!   `_name`, after the message's real oneofs;
//! - a proto2 group, `optional group Result = 1 { ... }`, is two things, as the spec says ("a
//!   group combines a field declaration and a message declaration"): a nested message `Result`
//!   where the group is written, and a field `result` (the name lower-cased) of type `TYPE_GROUP`;
//! - `extend Foo { ... }` fields go to the `extension` list of the scope the block is written in
//!   (the file, or a message), each with `extendee` set to `Foo`;
//! - `[default = ...]` is stored in `default_value` as protoc writes it (see `default`);
//! - `reserved 9 to 11;` and `extensions 9 to 11;` become the half-open range `[9, 12)` for
//!   messages, the closed range `[9, 11]` for enums; `to max` ends at field number 2^29 - 1, or
//!   at 2^31 - 2 in a message with `option message_set_wire_format = true;`.
//!
//! Names of types (fields, `extend`, rpcs) are left as written; [`resolve`](super::resolve)
//! turns them into full names, and reports an unknown one at the place the parser recorded
//! ([`Parsed::positions`]). Editions (`edition = "2023";`) are refused.

use crate::protobuf::{MAX_FIELD_NUMBER, Text};

use super::SchemaError;
use super::descriptor::FileDescriptorProto;
use super::lexer::{Pos, Token, tokenize};

mod default;
mod enumeration;
mod extension;
mod field;
mod message;
mod option;
mod service;
#[cfg(test)]
mod tests;

/// Field numbers 19000 to 19999 are reserved for the protobuf implementation.
const IMPLEMENTATION_RESERVED: std::ops::RangeInclusive<i32> = 19000..=19999;

/// How deep messages (and groups) may nest in one another: deeper files are refused, so the
/// parser's recursion is bounded whatever the input.
pub(crate) const MAX_NESTING: usize = 64;

/// Which language a file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    /// `syntax = "proto2";`, or no syntax statement.
    Proto2,
    /// `syntax = "proto3";`.
    Proto3,
}

/// Where, in a file's text, the names that resolution may reject were written.
///
/// Keys are paths relative to the package: `Msg.field` for the type of a field (or of an
/// extension declared in `Msg`), `Msg.field#extendee` for what an extension extends,
/// `Msg.field#default` for its `[default = ...]` value, `Svc.Method#input` and `#output` for
/// an rpc's types, `#import N` for the `N`th import.
pub(crate) type Positions = std::collections::HashMap<String, Pos>;

/// A file as the parser leaves it: its descriptor (names unresolved) and where things were.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub(crate) file: FileDescriptorProto,
    pub(crate) positions: Positions,
}

/// Parses the `.proto` file `name` (its path relative to the import root).
pub(crate) fn parse_file(name: &str, source: &str) -> Result<Parsed> {
    let tokens = tokenize(source).map_err(|e| SchemaError::at(name, e.pos, e.message))?;
    let mut parser = Parser {
        file: name,
        tokens,
        at: 0,
        syntax: Syntax::Proto2,
        scope: Vec::new(),
        positions: Positions::new(),
    };
    let file = parser.file()?;
    Ok(Parsed {
        file,
        positions: parser.positions,
    })
}

/// protoc's `json_name`: the field name with each `_` dropped and the character after it
/// upper-cased (`from_currency` → `fromCurrency`); the first character is left as it is.
pub fn json_name(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut upper_next = false;
    for c in field.chars() {
        if c == '_' {
            upper_next = true;
        } else if upper_next {
            out.push(c.to_ascii_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The name protoc gives the entry message of a map field: the field name in UpperCamelCase,
/// then `Entry` (`statuses` → `StatusesEntry`, `rpcs_by_peer` → `RpcsByPeerEntry`).
pub fn map_entry_name(field: &str) -> String {
    let mut out = String::with_capacity(field.len() + 5);
    let mut upper_next = true;
    for c in field.chars() {
        if c == '_' {
            upper_next = true;
        } else if upper_next {
            out.push(c.to_ascii_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
    }
    out.push_str("Entry");
    out
}

fn bs(text: &str) -> Option<Text> {
    Some(Text::from(text))
}

struct Parser<'a> {
    file: &'a str,
    tokens: Vec<(Pos, Token)>,
    at: usize,
    syntax: Syntax,
    /// The names of the messages being parsed, outermost first (at most [`MAX_NESTING`]).
    scope: Vec<String>,
    positions: Positions,
}

type Result<T> = std::result::Result<T, SchemaError>;

impl Parser<'_> {
    // ===== Token helpers =====

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(_, t)| t)
    }

    fn peek_at(&self, ahead: usize) -> Option<&Token> {
        self.tokens.get(self.at + ahead).map(|(_, t)| t)
    }

    fn pos(&self) -> Pos {
        match self.tokens.get(self.at).or_else(|| self.tokens.last()) {
            Some((pos, _)) => *pos,
            None => Pos { line: 1, column: 1 },
        }
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T> {
        Err(SchemaError::at(self.file, self.pos(), message.into()))
    }

    /// Records that the name keyed `key` (see [`Positions`]), under the current scope, is
    /// written at the current token.
    fn record(&mut self, key: &str) {
        let pos = self.pos();
        self.record_at(key, pos);
    }

    /// [`Parser::record`], at `pos`.
    fn record_at(&mut self, key: &str, pos: Pos) {
        let mut path = self.scope.join(".");
        if !path.is_empty() && !key.starts_with('#') {
            path.push('.');
        }
        path.push_str(key);
        self.positions.insert(path, pos);
    }

    fn unexpected<T>(&self, wanted: &str) -> Result<T> {
        match self.peek() {
            Some(token) => self.error(format!("expected {wanted}, found {token}")),
            None => self.error(format!("expected {wanted}, found the end of the file")),
        }
    }

    fn is_symbol(&self, c: char) -> bool {
        self.peek() == Some(&Token::Symbol(c))
    }

    fn is_ident(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Ident(w)) if w == word)
    }

    fn eat_symbol(&mut self, c: char) -> bool {
        let found = self.is_symbol(c);
        if found {
            self.at += 1;
        }
        found
    }

    fn eat_ident(&mut self, word: &str) -> bool {
        let found = self.is_ident(word);
        if found {
            self.at += 1;
        }
        found
    }

    fn expect_symbol(&mut self, c: char) -> Result<()> {
        if self.eat_symbol(c) {
            Ok(())
        } else {
            self.unexpected(&format!("`{c}`"))
        }
    }

    fn expect_ident(&mut self, word: &str) -> Result<()> {
        if self.eat_ident(word) {
            Ok(())
        } else {
            self.unexpected(&format!("`{word}`"))
        }
    }

    fn ident(&mut self, what: &str) -> Result<String> {
        match self.peek() {
            Some(Token::Ident(name)) => {
                let name = name.clone();
                self.at += 1;
                Ok(name)
            }
            _ => self.unexpected(what),
        }
    }

    /// `ident { "." ident }`, with a leading `.` when `leading_dot` allows it (type names).
    fn full_ident(&mut self, what: &str, leading_dot: bool) -> Result<String> {
        let mut name = String::new();
        if leading_dot && self.eat_symbol('.') {
            name.push('.');
        }
        name.push_str(&self.ident(what)?);
        while self.eat_symbol('.') {
            name.push('.');
            name.push_str(&self.ident(what)?);
        }
        Ok(name)
    }

    /// One or more adjacent string literals, joined.
    fn string(&mut self, what: &str) -> Result<String> {
        let mut bytes = Vec::new();
        if !matches!(self.peek(), Some(Token::Str(_))) {
            return self.unexpected(what);
        }
        while let Some(Token::Str(part)) = self.peek() {
            bytes.extend_from_slice(part);
            self.at += 1;
        }
        String::from_utf8(bytes).or_else(|_| self.error(format!("{what} is not valid UTF-8")))
    }

    /// A signed integer: `[-] intLit`, within `min..=max`.
    fn integer(&mut self, what: &str, min: i64, max: i64) -> Result<i32> {
        let negative = self.eat_symbol('-');
        let Some(Token::Int(magnitude)) = self.peek().cloned() else {
            return self.unexpected(what);
        };
        let value = i64::try_from(magnitude)
            .ok()
            .map(|m| if negative { -m } else { m })
            .filter(|v| (min..=max).contains(v))
            .and_then(|v| i32::try_from(v).ok());
        let Some(value) = value else {
            return self.error(format!("{what} must be between {min} and {max}"));
        };
        self.at += 1;
        Ok(value)
    }

    fn field_number(&mut self) -> Result<i32> {
        let number = self.integer("a field number", 1, MAX_FIELD_NUMBER.into())?;
        if IMPLEMENTATION_RESERVED.contains(&number) {
            self.at -= 1;
            return self.error(format!(
                "field numbers {} to {} are reserved for the protobuf implementation",
                IMPLEMENTATION_RESERVED.start(),
                IMPLEMENTATION_RESERVED.end()
            ));
        }
        Ok(number)
    }

    // ===== File =====

    fn file(&mut self) -> Result<FileDescriptorProto> {
        let mut file = FileDescriptorProto {
            name: bs(self.file),
            ..FileDescriptorProto::default()
        };
        if self.eat_ident("syntax") {
            self.expect_symbol('=')?;
            let at = self.at;
            let syntax = self.string("a string naming the syntax")?;
            match syntax.as_str() {
                "proto3" => {
                    self.syntax = Syntax::Proto3;
                    file.syntax = bs("proto3");
                }
                "proto2" => self.syntax = Syntax::Proto2,
                other => {
                    self.at = at;
                    return self.error(format!(
                        "Unrecognized syntax identifier \"{other}\".  This parser only \
                         recognizes \"proto2\" and \"proto3\"."
                    ));
                }
            }
            self.expect_symbol(';')?;
        } else if self.is_ident("edition") {
            return self.error("editions (`edition = ...;`) are not supported");
        }
        while let Some(token) = self.peek().cloned() {
            match token {
                Token::Symbol(';') => self.at += 1,
                Token::Ident(word) => {
                    self.at += 1;
                    match word.as_str() {
                        "package" => {
                            if file.package.is_some() {
                                self.at -= 1;
                                return self.error("Multiple package definitions.");
                            }
                            file.package = bs(&self.full_ident("a package name", false)?);
                            self.expect_symbol(';')?;
                        }
                        "import" => self.import(&mut file)?,
                        "option" => self.option_statement(&mut file.options)?,
                        "message" => file.message_type.push(self.message()?),
                        "enum" => file.enum_type.push(self.enumeration()?),
                        "service" => file.service.push(self.service()?),
                        "extend" => self.extend(&mut file.extension, &mut file.message_type)?,
                        "syntax" | "edition" => {
                            self.at -= 1;
                            return self.error(format!("`{word}` must be the first statement"));
                        }
                        _ => {
                            self.at -= 1;
                            return self.error("Expected top-level statement (e.g. \"message\").");
                        }
                    }
                }
                _ => return self.error("Expected top-level statement (e.g. \"message\")."),
            }
        }
        Ok(file)
    }

    fn import(&mut self, file: &mut FileDescriptorProto) -> Result<()> {
        let index = i32::try_from(file.dependency.len()).unwrap_or(i32::MAX);
        self.at -= 1;
        self.record(&format!("#import {index}"));
        self.at += 1;
        if self.eat_ident("public") {
            file.public_dependency.push(index);
        } else if self.eat_ident("weak") {
            file.weak_dependency.push(index);
        }
        let path = self.string("an import path")?;
        self.expect_symbol(';')?;
        file.dependency.push(path.into());
        Ok(())
    }
}
