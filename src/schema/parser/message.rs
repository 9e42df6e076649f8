//! Messages: what their body may hold (fields, groups, maps and their entry messages, oneofs
//! real and synthetic, nested declarations, `extend` blocks, extension ranges), reserved numbers
//! and names.

use std::collections::BTreeSet;

use crate::protobuf::{MAX_FIELD_NUMBER, Text};

use super::field::Context;
use super::{MAX_NESTING, Parser, Result, Syntax, bs, map_entry_name};
use crate::schema::SchemaError;
use crate::schema::descriptor::{
    DescriptorProto, FieldDescriptorProto, Label, OneofDescriptorProto, ReservedRange, Type,
};
use crate::schema::lexer::Token;
use crate::schema::options::{MAP_ENTRY, OptionValue, Options};

impl Parser<'_> {
    // ===== Messages =====

    pub(super) fn message(&mut self) -> Result<DescriptorProto> {
        let name = self.ident("a message name")?;
        self.message_body(&name)
    }

    /// `{ ... }`: the body of the message (or group) `name`.
    pub(super) fn message_body(&mut self, name: &str) -> Result<DescriptorProto> {
        if self.scope.len() >= MAX_NESTING {
            return self.error(format!("messages nest more than {MAX_NESTING} levels deep"));
        }
        let mut message = DescriptorProto {
            name: bs(name),
            ..DescriptorProto::default()
        };
        self.expect_symbol('{')?;
        self.scope.push(name.to_owned());
        let mut to_max = Vec::new();
        while !self.eat_symbol('}') {
            self.message_item(&mut message, &mut to_max)?;
        }
        self.scope.pop();
        self.extension_range_ends(&mut message, &to_max)?;
        self.synthetic_oneofs(&mut message);
        self.check_unique_fields(&message)?;
        Ok(message)
    }

    /// One item of a message body. `to_max` collects the indexes of `extensions ... to max`
    /// ranges, whose end depends on the message's options.
    fn message_item(
        &mut self,
        message: &mut DescriptorProto,
        to_max: &mut Vec<usize>,
    ) -> Result<()> {
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
                "extensions" => {
                    self.at += 1;
                    if self.syntax == Syntax::Proto3 {
                        self.at -= 1;
                        return self.error("Extension ranges are not allowed in proto3.");
                    }
                    self.extension_ranges(message, to_max)?;
                }
                "extend" => {
                    self.at += 1;
                    self.extend(&mut message.extension, &mut message.nested_type)?;
                }
                _ => self.field_item(message, Context::Message)?,
            },
            // A field whose type is fully qualified: `.pkg.Msg m = 1;`.
            Token::Symbol('.') => self.field_item(message, Context::Message)?,
            _ => return self.unexpected("a field or a declaration"),
        }
        Ok(())
    }

    /// A field (or group) of `message`, its group message among the nested types.
    fn field_item(&mut self, message: &mut DescriptorProto, context: Context) -> Result<()> {
        let (field, group) = self.field(context)?;
        message.field.push(field);
        message.nested_type.extend(group);
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
        let value_pos = self.pos();
        let value_type = self.full_ident("a map value type", true)?;
        self.expect_symbol('>')?;
        let name = self.ident("a field name")?;
        self.expect_symbol('=')?;
        let number = self.field_number()?;
        let entry_name = map_entry_name(&name);
        if Type::scalar(&value_type).is_none() {
            self.record_at(&format!("{entry_name}.value"), value_pos);
        }
        let mut field = FieldDescriptorProto {
            name: bs(&name),
            number: Some(number),
            label: Some(Label::Repeated as i32),
            r#type: Some(Type::Message as i32),
            type_name: bs(&entry_name),
            ..FieldDescriptorProto::default()
        };
        self.field_options(&mut field, Context::Message)?;
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
            if self.eat_ident("option") {
                // OneofOptions has no standard option: only custom ones, dropped.
                self.custom_option_statement()?;
                continue;
            }
            if self.is_ident("map") && self.peek_at(1) == Some(&Token::Symbol('<')) {
                return self.error("Map fields are not allowed in oneofs.");
            }
            let (mut field, group) = self.field(Context::Oneof)?;
            field.oneof_index = Some(index);
            message.field.push(field);
            message.nested_type.extend(group);
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
    pub(super) fn reserved(&mut self, end_offset: i64) -> Result<(Vec<ReservedRange>, Vec<Text>)> {
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
