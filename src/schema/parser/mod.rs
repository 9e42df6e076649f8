//! From tokens to a [`FileDescriptorProto`]: a recursive-descent parser of the proto3 language
//! (<https://protobuf.dev/reference/protobuf/proto3-spec/>), doing what protoc's parser does
//! before type resolution:
//!
//! - every field gets its `json_name`, lowerCamelCase as protoc computes it ([`json_name`]);
//! - a `map<K, V> name = N;` field becomes a repeated message field of a nested `NameEntry`
//!   message (`key = 1`, `value = 2`, `option map_entry = true`), placed among the nested types
//!   where the field is declared ([`map_entry_name`]);
//! - a proto3 `optional` field gets `proto3_optional` and a *synthetic oneof* of its own, named
//!   `_name`, after the message's real oneofs;
//! - `reserved 9 to 11;` becomes the half-open range `[9, 12)` for messages, the closed range
//!   `[9, 11]` for enums.
//!
//! Message and enum names in fields and rpcs are left as written; [`resolve`](super::resolve)
//! turns them into full names. Anything outside proto3 (proto2 syntax, groups, extensions,
//! custom options, editions) is refused with an error naming it.

use crate::protobuf::{MAX_FIELD_NUMBER, Text};

use super::SchemaError;
use super::descriptor::FileDescriptorProto;
use super::lexer::{Pos, Token, tokenize};
use super::options::{MAP_ENTRY, OptionFields, OptionType, OptionValue, Options};

mod enumeration;
mod message;
mod service;
#[cfg(test)]
mod tests;

/// Field numbers 19000 to 19999 are reserved for the protobuf implementation.
const IMPLEMENTATION_RESERVED: std::ops::RangeInclusive<i32> = 19000..=19999;

/// Parses the `.proto` file `name` (its path relative to the import root).
pub(crate) fn parse_file(name: &str, source: &str) -> Result<FileDescriptorProto> {
    let tokens = tokenize(source).map_err(|e| SchemaError::at(name, e.pos, e.message))?;
    let mut parser = Parser {
        file: name,
        tokens,
        at: 0,
    };
    parser.file()
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

    // ===== Options =====

    /// The value of an option of type `ty`.
    fn option_value(&mut self, name: &str, ty: OptionType) -> Result<OptionValue> {
        match ty {
            OptionType::Bool => match self.peek() {
                Some(Token::Ident(word)) if word == "true" || word == "false" => {
                    let value = word == "true";
                    self.at += 1;
                    Ok(OptionValue::Bool(value))
                }
                _ => self.unexpected(&format!("`true` or `false` for option {name}")),
            },
            OptionType::String => Ok(OptionValue::String(
                self.string(&format!("a string for option {name}"))?.into(),
            )),
            OptionType::Enum(values) => {
                let word = self.ident(&format!("a value for option {name}"))?;
                match values.iter().find(|(v, _)| *v == word) {
                    Some((_, number)) => Ok(OptionValue::Enum(*number)),
                    None => {
                        self.at -= 1;
                        self.error(format!("{word} is not a value of option {name}"))
                    }
                }
            }
        }
    }

    /// `name = constant`, into `options` (the name is looked up in `T`'s table).
    fn option_assignment<T: OptionFields>(
        &mut self,
        options: &mut Option<Options<T>>,
    ) -> Result<()> {
        if self.is_symbol('(') {
            return self.error("custom options (`option (name) = ...`) are not supported");
        }
        let name = self.full_ident("an option name", false)?;
        let Some(field) = T::field(&name) else {
            self.at -= 1;
            return self.error(format!("unknown option {name} (of {})", T::MESSAGE));
        };
        if T::MESSAGE == "MessageOptions" && field.number == MAP_ENTRY {
            self.at -= 1;
            return self
                .error("map_entry should not be set explicitly: use map<KeyType, ValueType>");
        }
        self.expect_symbol('=')?;
        let value = self.option_value(&name, field.ty)?;
        options
            .get_or_insert_with(Options::new)
            .values
            .insert(field.number, value);
        Ok(())
    }

    /// `option name = constant;`, the keyword already read.
    fn option_statement<T: OptionFields>(
        &mut self,
        options: &mut Option<Options<T>>,
    ) -> Result<()> {
        self.option_assignment(options)?;
        self.expect_symbol(';')
    }

    // ===== File =====

    fn file(&mut self) -> Result<FileDescriptorProto> {
        let mut file = FileDescriptorProto {
            name: bs(self.file),
            ..FileDescriptorProto::default()
        };
        if self.eat_ident("syntax") {
            self.expect_symbol('=')?;
            let syntax = self.string("a syntax")?;
            if syntax != "proto3" {
                self.at -= 1;
                return self.error(format!("only proto3 files are supported, not {syntax:?}"));
            }
            self.expect_symbol(';')?;
            file.syntax = bs("proto3");
        } else {
            return self.error(
                "the file must start with `syntax = \"proto3\";` (proto2 is not supported)",
            );
        }
        while let Some(token) = self.peek().cloned() {
            match token {
                Token::Symbol(';') => self.at += 1,
                Token::Ident(word) => {
                    self.at += 1;
                    match word.as_str() {
                        "package" => {
                            if file.package.is_some() {
                                return self.error("a file has one package statement at most");
                            }
                            file.package = bs(&self.full_ident("a package name", false)?);
                            self.expect_symbol(';')?;
                        }
                        "import" => self.import(&mut file)?,
                        "option" => self.option_statement(&mut file.options)?,
                        "message" => file.message_type.push(self.message()?),
                        "enum" => file.enum_type.push(self.enumeration()?),
                        "service" => file.service.push(self.service()?),
                        "syntax" | "edition" => {
                            self.at -= 1;
                            return self.error(format!("`{word}` must be the first statement"));
                        }
                        _ => {
                            self.at -= 1;
                            return self.error(format!(
                                "`{word}` is not supported at the top level of a proto3 file"
                            ));
                        }
                    }
                }
                _ => return self.unexpected("a top-level statement"),
            }
        }
        Ok(file)
    }

    fn import(&mut self, file: &mut FileDescriptorProto) -> Result<()> {
        let index = i32::try_from(file.dependency.len()).unwrap_or(i32::MAX);
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
