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

use std::collections::BTreeSet;

use crate::protobuf::{ByteString, MAX_FIELD_NUMBER};

use super::SchemaError;
use super::descriptor::{
    DescriptorProto, EnumDescriptorProto, EnumValueDescriptorProto, FieldDescriptorProto,
    FileDescriptorProto, Label, MethodDescriptorProto, OneofDescriptorProto, ReservedRange,
    ServiceDescriptorProto, Type,
};
use super::lexer::{Pos, Token, tokenize};
use super::options::{MAP_ENTRY, OptionFields, OptionType, OptionValue, Options};

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

fn bs(text: &str) -> Option<ByteString> {
    Some(ByteString::from(text))
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

    // ===== Messages =====

    fn message(&mut self) -> Result<DescriptorProto> {
        let name = self.ident("a message name")?;
        let mut message = DescriptorProto {
            name: bs(&name),
            ..DescriptorProto::default()
        };
        self.expect_symbol('{')?;
        while !self.eat_symbol('}') {
            self.message_item(&mut message)?;
        }
        self.synthetic_oneofs(&mut message);
        self.check_unique_fields(&message)?;
        Ok(message)
    }

    fn message_item(&mut self, message: &mut DescriptorProto) -> Result<()> {
        let Some(token) = self.peek().cloned() else {
            return self.unexpected("`}`");
        };
        let declares = |p: &Self| matches!(p.peek_at(2), Some(Token::Symbol('{')));
        match token {
            Token::Symbol(';') => self.at += 1,
            Token::Ident(word) => match word.as_str() {
                "message" if declares(self) => {
                    self.at += 1;
                    let nested = self.message()?;
                    message.nested_type.push(nested);
                }
                "enum" if declares(self) => {
                    self.at += 1;
                    let nested = self.enumeration()?;
                    message.enum_type.push(nested);
                }
                "oneof" if declares(self) => {
                    self.at += 1;
                    self.oneof(message)?;
                }
                "map" if self.peek_at(1) == Some(&Token::Symbol('<')) => {
                    self.at += 1;
                    self.map_field(message)?;
                }
                "option" => {
                    self.at += 1;
                    self.option_statement(&mut message.options)?;
                }
                "reserved" => {
                    self.at += 1;
                    let (ranges, names) = self.reserved(1)?;
                    message.reserved_range.extend(ranges);
                    message.reserved_name.extend(names);
                }
                "extensions" | "extend" | "group" | "required" => {
                    return self.error(format!("`{word}` is proto2: not supported in proto3"));
                }
                _ => {
                    let field = self.field(true)?;
                    message.field.push(field);
                }
            },
            // A field whose type is fully qualified: `.pkg.Msg m = 1;`.
            Token::Symbol('.') => {
                let field = self.field(true)?;
                message.field.push(field);
            }
            _ => return self.unexpected("a field or a declaration"),
        }
        Ok(())
    }

    /// `[repeated | optional] type name = number [ [options] ];`
    fn field(&mut self, labels_allowed: bool) -> Result<FieldDescriptorProto> {
        let mut label = Label::Optional;
        let mut proto3_optional = None;
        // `repeated`/`optional` followed by a type and a name (not a field of a type so named).
        if labels_allowed
            && matches!(
                self.peek_at(2),
                Some(Token::Ident(_)) | Some(Token::Symbol('.'))
            )
        {
            if self.eat_ident("repeated") {
                label = Label::Repeated;
            } else if self.eat_ident("optional") {
                proto3_optional = Some(true);
            }
        }
        let type_name = self.full_ident("a field type", true)?;
        let name = self.ident("a field name")?;
        self.expect_symbol('=')?;
        let number = self.field_number()?;
        let mut field = FieldDescriptorProto {
            name: bs(&name),
            number: Some(number),
            label: Some(label as i32),
            proto3_optional,
            ..FieldDescriptorProto::default()
        };
        match Type::scalar(&type_name) {
            Some(scalar) => field.r#type = Some(scalar as i32),
            // Resolved later: message or enum, by its full name.
            None => field.type_name = bs(&type_name),
        }
        self.field_options(&mut field)?;
        self.expect_symbol(';')?;
        Ok(field)
    }

    /// `[ name = value, ... ]` after a field; `json_name` sets the field's JSON name.
    fn field_options(&mut self, field: &mut FieldDescriptorProto) -> Result<()> {
        if self.eat_symbol('[') {
            loop {
                if self.eat_ident("json_name") {
                    self.expect_symbol('=')?;
                    field.json_name = Some(self.string("a JSON name")?.into());
                } else if self.is_ident("default") {
                    return self.error("default values are not allowed in proto3");
                } else {
                    self.option_assignment(&mut field.options)?;
                }
                if !self.eat_symbol(',') {
                    break;
                }
            }
            self.expect_symbol(']')?;
        }
        if field.json_name.is_none()
            && let Some(name) = &field.name
        {
            field.json_name = bs(&json_name(name));
        }
        Ok(())
    }

    /// `map<K, V> name = number [options];`: a repeated field of a synthesized entry message.
    fn map_field(&mut self, message: &mut DescriptorProto) -> Result<()> {
        self.expect_symbol('<')?;
        let key_type = self.ident("a map key type")?;
        let key = match Type::scalar(&key_type) {
            Some(t) if !matches!(t, Type::Double | Type::Float | Type::Bytes) => t,
            _ => {
                self.at -= 1;
                return self.error(format!(
                    "{key_type} cannot be a map key: use an integer type, bool or string"
                ));
            }
        };
        self.expect_symbol(',')?;
        let value_type = self.full_ident("a map value type", true)?;
        self.expect_symbol('>')?;
        let name = self.ident("a field name")?;
        self.expect_symbol('=')?;
        let number = self.field_number()?;
        let entry_name = map_entry_name(&name);
        let mut field = FieldDescriptorProto {
            name: bs(&name),
            number: Some(number),
            label: Some(Label::Repeated as i32),
            r#type: Some(Type::Message as i32),
            type_name: bs(&entry_name),
            ..FieldDescriptorProto::default()
        };
        self.field_options(&mut field)?;
        self.expect_symbol(';')?;

        let entry_field = |name: &str, number: i32, type_name: &str| {
            let mut f = FieldDescriptorProto {
                name: bs(name),
                number: Some(number),
                label: Some(Label::Optional as i32),
                json_name: bs(name),
                ..FieldDescriptorProto::default()
            };
            match Type::scalar(type_name) {
                Some(t) => f.r#type = Some(t as i32),
                None => f.type_name = bs(type_name),
            }
            f
        };
        let mut options = Options::new();
        options.values.insert(MAP_ENTRY, OptionValue::Bool(true));
        message.nested_type.push(DescriptorProto {
            name: bs(&entry_name),
            field: vec![
                entry_field("key", 1, key_name(key)),
                entry_field("value", 2, &value_type),
            ],
            options: Some(options),
            ..DescriptorProto::default()
        });
        message.field.push(field);
        Ok(())
    }

    /// `oneof name { field... }`: its fields join the message's, pointing at the oneof.
    fn oneof(&mut self, message: &mut DescriptorProto) -> Result<()> {
        let name = self.ident("a oneof name")?;
        let index = i32::try_from(message.oneof_decl.len()).unwrap_or(i32::MAX);
        message
            .oneof_decl
            .push(OneofDescriptorProto { name: bs(&name) });
        self.expect_symbol('{')?;
        let mut members = 0;
        while !self.eat_symbol('}') {
            if self.eat_symbol(';') {
                continue;
            }
            if self.is_ident("option") {
                return self.error("oneof options are not supported");
            }
            if self.is_ident("repeated") || self.is_ident("optional") || self.is_ident("map") {
                return self.error("fields in a oneof cannot be repeated, optional or maps");
            }
            let mut field = self.field(false)?;
            field.oneof_index = Some(index);
            message.field.push(field);
            members += 1;
        }
        if members == 0 {
            return self.error(format!("oneof {name} must have at least one field"));
        }
        Ok(())
    }

    /// protoc gives each proto3 `optional` field a oneof of its own, after the real ones:
    /// `_name` (or `name` if it already starts with `_`), with `X` prepended while the name is
    /// taken by a field or another oneof.
    fn synthetic_oneofs(&self, message: &mut DescriptorProto) {
        let names = message.field.iter().map(|f| &f.name);
        let mut taken: BTreeSet<String> = names
            .chain(message.oneof_decl.iter().map(|o| &o.name))
            .filter_map(|name| name.as_ref().map(ToString::to_string))
            .collect();
        for field in &mut message.field {
            if field.proto3_optional != Some(true) {
                continue;
            }
            let name = field.name.as_deref().unwrap_or_default();
            let mut oneof = if name.starts_with('_') {
                name.to_owned()
            } else {
                format!("_{name}")
            };
            while taken.contains(&oneof) {
                oneof.insert(0, 'X');
            }
            taken.insert(oneof.clone());
            field.oneof_index = i32::try_from(message.oneof_decl.len()).ok();
            message
                .oneof_decl
                .push(OneofDescriptorProto { name: bs(&oneof) });
        }
    }

    fn check_unique_fields(&self, message: &DescriptorProto) -> Result<()> {
        let mut names = BTreeSet::new();
        let mut numbers = BTreeSet::new();
        for field in &message.field {
            let name = field.name.as_deref().unwrap_or_default();
            if !names.insert(name) {
                return Err(SchemaError::new(
                    self.file,
                    format!(
                        "field name {name} is used twice in message {}",
                        message.name.as_deref().unwrap_or_default()
                    ),
                ));
            }
            if let Some(number) = field.number
                && !numbers.insert(number)
            {
                return Err(SchemaError::new(
                    self.file,
                    format!(
                        "field number {number} is used twice in message {}",
                        message.name.as_deref().unwrap_or_default()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `reserved 2, 9 to 11, 40 to max;` or `reserved "foo", "bar";`, the keyword already read.
    /// `end_offset` is 1 for messages (half-open ranges) and 0 for enums (closed ranges).
    fn reserved(&mut self, end_offset: i64) -> Result<(Vec<ReservedRange>, Vec<ByteString>)> {
        let mut ranges = Vec::new();
        let mut names = Vec::new();
        let (min, max) = if end_offset == 1 {
            (1, i64::from(MAX_FIELD_NUMBER))
        } else {
            (i64::from(i32::MIN), i64::from(i32::MAX))
        };
        loop {
            if matches!(self.peek(), Some(Token::Str(_))) {
                names.push(self.string("a reserved name")?.into());
            } else {
                let start = self.integer("a reserved number", min, max)?;
                let end = if self.eat_ident("to") {
                    if self.eat_ident("max") {
                        i32::try_from(max).unwrap_or(i32::MAX)
                    } else {
                        self.integer("the end of a reserved range", min, max)?
                    }
                } else {
                    start
                };
                if end < start {
                    return self.error("a reserved range must not end before it starts");
                }
                let end = i64::from(end) + end_offset;
                ranges.push(ReservedRange {
                    start: Some(start),
                    end: i32::try_from(end).ok(),
                });
            }
            if !self.eat_symbol(',') {
                break;
            }
        }
        self.expect_symbol(';')?;
        Ok((ranges, names))
    }

    // ===== Enums =====

    fn enumeration(&mut self) -> Result<EnumDescriptorProto> {
        let name = self.ident("an enum name")?;
        let mut enumeration = EnumDescriptorProto {
            name: bs(&name),
            ..EnumDescriptorProto::default()
        };
        self.expect_symbol('{')?;
        while !self.eat_symbol('}') {
            if self.eat_symbol(';') {
                continue;
            }
            if self.eat_ident("option") {
                self.option_statement(&mut enumeration.options)?;
                continue;
            }
            if self.eat_ident("reserved") {
                let (ranges, names) = self.reserved(0)?;
                enumeration.reserved_range.extend(ranges);
                enumeration.reserved_name.extend(names);
                continue;
            }
            let value_name = self.ident("an enum value name")?;
            self.expect_symbol('=')?;
            let number = self.integer("an enum value", i32::MIN.into(), i32::MAX.into())?;
            if enumeration.value.is_empty() && number != 0 {
                self.at -= 1;
                return self.error(format!(
                    "the first value of enum {name} must be zero in proto3"
                ));
            }
            let mut value = EnumValueDescriptorProto {
                name: bs(&value_name),
                number: Some(number),
                options: None,
            };
            if self.eat_symbol('[') {
                loop {
                    self.option_assignment(&mut value.options)?;
                    if !self.eat_symbol(',') {
                        break;
                    }
                }
                self.expect_symbol(']')?;
            }
            self.expect_symbol(';')?;
            enumeration.value.push(value);
        }
        if enumeration.value.is_empty() {
            return self.error(format!("enum {name} must have at least one value"));
        }
        Ok(enumeration)
    }

    // ===== Services =====

    fn service(&mut self) -> Result<ServiceDescriptorProto> {
        let name = self.ident("a service name")?;
        let mut service = ServiceDescriptorProto {
            name: bs(&name),
            ..ServiceDescriptorProto::default()
        };
        self.expect_symbol('{')?;
        while !self.eat_symbol('}') {
            if self.eat_symbol(';') {
                continue;
            }
            if self.eat_ident("option") {
                self.option_statement(&mut service.options)?;
                continue;
            }
            self.expect_ident("rpc")?;
            service.method.push(self.rpc()?);
        }
        Ok(service)
    }

    /// `rpc Name ([stream] Req) returns ([stream] Resp) (; | { options })`, `rpc` already read.
    fn rpc(&mut self) -> Result<MethodDescriptorProto> {
        let name = self.ident("a method name")?;
        let (client_streaming, input) = self.rpc_type()?;
        self.expect_ident("returns")?;
        let (server_streaming, output) = self.rpc_type()?;
        let mut method = MethodDescriptorProto {
            name: bs(&name),
            input_type: bs(&input),
            output_type: bs(&output),
            options: None,
            client_streaming: client_streaming.then_some(true),
            server_streaming: server_streaming.then_some(true),
        };
        if self.eat_symbol('{') {
            // protoc records a body, even an empty one, as (empty) options.
            method.options.get_or_insert_with(Options::new);
            while !self.eat_symbol('}') {
                if self.eat_symbol(';') {
                    continue;
                }
                self.expect_ident("option")?;
                self.option_statement(&mut method.options)?;
            }
            self.eat_symbol(';');
        } else {
            self.expect_symbol(';')?;
        }
        Ok(method)
    }

    /// `( [stream] MessageType )`.
    fn rpc_type(&mut self) -> Result<(bool, String)> {
        self.expect_symbol('(')?;
        let stream = matches!(
            self.peek_at(1),
            Some(Token::Ident(_)) | Some(Token::Symbol('.'))
        ) && self.eat_ident("stream");
        let name = self.full_ident("a message type", true)?;
        self.expect_symbol(')')?;
        Ok((stream, name))
    }
}

/// The `.proto` keyword of a scalar type.
fn key_name(t: Type) -> &'static str {
    match t {
        Type::Double => "double",
        Type::Float => "float",
        Type::Int64 => "int64",
        Type::Uint64 => "uint64",
        Type::Int32 => "int32",
        Type::Fixed64 => "fixed64",
        Type::Fixed32 => "fixed32",
        Type::Bool => "bool",
        Type::String => "string",
        Type::Bytes => "bytes",
        Type::Uint32 => "uint32",
        Type::Sfixed32 => "sfixed32",
        Type::Sfixed64 => "sfixed64",
        Type::Sint32 => "sint32",
        Type::Sint64 => "sint64",
        Type::Group | Type::Message | Type::Enum => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_names_as_protoc() {
        assert_eq!(json_name("from_currency"), "fromCurrency");
        assert_eq!(json_name("name"), "name");
        assert_eq!(
            json_name("all_extension_numbers_of_type"),
            "allExtensionNumbersOfType"
        );
        assert_eq!(json_name("Upper_case"), "UpperCase");
        assert_eq!(json_name("a__b_"), "aB");
        assert_eq!(json_name("x_1"), "x1");
    }

    #[test]
    fn map_entry_names_as_protoc() {
        assert_eq!(map_entry_name("statuses"), "StatusesEntry");
        assert_eq!(map_entry_name("rpcs_by_peer"), "RpcsByPeerEntry");
    }

    fn parse(source: &str) -> Result<FileDescriptorProto> {
        parse_file("t.proto", source)
    }

    fn error(source: &str) -> String {
        parse(source).unwrap_err().to_string()
    }

    #[test]
    fn a_small_file() {
        let file = parse(
            "syntax = \"proto3\"; package a.b;\n\
             message M { repeated string s = 1; map<string, M> m = 2;\n\
               oneof o { int32 x = 3; N n = 4; } optional bool f = 5; }\n\
             service S { rpc R(stream M) returns (M) {} }",
        )
        .unwrap();
        assert_eq!(file.package.as_deref(), Some("a.b"));
        let m = &file.message_type[0];
        let names: Vec<_> = m.field.iter().map(|f| f.name.as_deref().unwrap()).collect();
        assert_eq!(names, ["s", "m", "x", "n", "f"]);
        assert_eq!(m.nested_type[0].name.as_deref(), Some("MEntry"));
        let oneofs: Vec<_> = m
            .oneof_decl
            .iter()
            .map(|o| o.name.as_deref().unwrap())
            .collect();
        assert_eq!(oneofs, ["o", "_f"]);
        assert_eq!(m.field[4].oneof_index, Some(1));
        assert_eq!(m.field[4].proto3_optional, Some(true));
        let rpc = &file.service[0].method[0];
        assert_eq!(rpc.client_streaming, Some(true));
        assert_eq!(rpc.server_streaming, None);
        assert!(rpc.options.is_some());
    }

    #[test]
    fn what_is_refused_says_where_and_why() {
        assert!(error("syntax = \"proto2\";").contains("t.proto:1:10: only proto3"));
        assert!(error("message M {}").contains("must start with"));
        assert!(error("syntax = \"proto3\"; message M { int32 a = 0; }").contains("between 1 and"));
        assert!(
            error("syntax = \"proto3\"; message M { int32 a = 19000; }")
                .contains("reserved for the protobuf")
        );
        assert!(
            error("syntax = \"proto3\"; message M { int32 a = 1; int32 b = 1; }")
                .contains("used twice")
        );
        assert!(error("syntax = \"proto3\"; enum E { A = 1; }").contains("must be zero"));
        assert!(error("syntax = \"proto3\"; option (x) = 1;").contains("custom options"));
        assert!(error("syntax = \"proto3\"; option nope = 1;").contains("unknown option nope"));
        assert!(
            error("syntax = \"proto3\"; message M { map<double, int32> m = 1; }")
                .contains("map key")
        );
        assert!(
            error("syntax = \"proto3\"; message M { extensions 100 to 200; }").contains("proto2")
        );
        assert!(
            error("syntax = \"proto3\"; message M { int32 a = 1 }")
                .contains("expected `;`, found `}`")
        );
        assert!(error("syntax = \"proto3\"; message M {").contains("expected `}`, found the end"));
    }
}
