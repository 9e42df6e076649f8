//! Fields: labels, types (groups included), numbers and the `[...]` options after them.
//!
//! From the proto2 spec: `field = label type fieldName "=" fieldNumber [ "[" fieldOptions "]" ]
//! ";"` with `label = "required" | "optional" | "repeated"`, and `group = label "group"
//! groupName "=" fieldNumber messageBody`. In proto3 the label is optional (`optional` asks for
//! presence, `required` does not exist); in a oneof there is none.

use super::{Parser, Result, Syntax, bs, json_name};
use crate::schema::descriptor::{DescriptorProto, FieldDescriptorProto, Label, Type};
use crate::schema::lexer::Token;

/// Where a field is declared: the rules for its label differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Context {
    /// Directly in a message.
    Message,
    /// In a `oneof` (no label).
    Oneof,
    /// In an `extend` block.
    Extend,
}

impl Parser<'_> {
    /// A field or a group, up to its `;` (or the group's `}`): the field, and the group's
    /// message when it is one.
    pub(super) fn field(
        &mut self,
        context: Context,
    ) -> Result<(FieldDescriptorProto, Option<DescriptorProto>)> {
        let (label, proto3_optional) = self.label(context)?;
        let mut field = FieldDescriptorProto {
            label: Some(label as i32),
            proto3_optional,
            ..FieldDescriptorProto::default()
        };
        let is_group = self.is_ident("group")
            && matches!(self.peek_at(1), Some(Token::Ident(_)))
            && self.peek_at(2) == Some(&Token::Symbol('='));
        if is_group {
            self.at += 1;
            if self.syntax == Syntax::Proto3 {
                self.at -= 1;
                return self.error("Groups are not supported in proto3 syntax.");
            }
            let type_pos = self.pos();
            let name = self.ident("a group name")?;
            if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
                self.at -= 1;
                return self.error("Group names must start with a capital letter.");
            }
            let field_name = name.to_ascii_lowercase();
            self.record_at(&field_name, type_pos);
            field.name = bs(&field_name);
            field.r#type = Some(Type::Group as i32);
            field.type_name = bs(&name);
            self.expect_symbol('=')?;
            field.number = Some(self.field_number()?);
            self.field_options(&mut field, context)?;
            let body = self.message_body(&name)?;
            return Ok((field, Some(body)));
        }
        let type_pos = self.pos();
        let type_name = self.full_ident("a field type", true)?;
        let name = self.ident("a field name")?;
        field.name = bs(&name);
        match Type::scalar(&type_name) {
            Some(scalar) => field.r#type = Some(scalar as i32),
            // Resolved later: message or enum, by its full name.
            None => {
                self.record_at(&name, type_pos);
                field.type_name = bs(&type_name);
            }
        }
        if !self.is_symbol('=') {
            return self.unexpected("`=`");
        }
        self.at += 1;
        if !matches!(self.peek(), Some(Token::Int(_)) | Some(Token::Symbol('-'))) {
            return self.error("Expected field number.");
        }
        field.number = Some(self.field_number()?);
        self.field_options(&mut field, context)?;
        self.expect_symbol(';')?;
        Ok((field, None))
    }

    /// The label before a field's type, as the syntax and the context allow it.
    fn label(&mut self, context: Context) -> Result<(Label, Option<bool>)> {
        // A label is followed by a type and a name (not a field of a type so named).
        let written = match self.peek() {
            Some(Token::Ident(word))
                if matches!(word.as_str(), "required" | "optional" | "repeated")
                    && matches!(
                        self.peek_at(2),
                        Some(Token::Ident(_)) | Some(Token::Symbol('.'))
                    ) =>
            {
                Some(word.clone())
            }
            _ => None,
        };
        let Some(word) = written else {
            if self.syntax == Syntax::Proto2 && context != Context::Oneof {
                return self.error("Expected \"required\", \"optional\", or \"repeated\".");
            }
            return Ok((Label::Optional, None));
        };
        if context == Context::Oneof {
            return self
                .error("Fields in oneofs must not have labels (required / optional / repeated).");
        }
        let label = match (word.as_str(), self.syntax, context) {
            ("repeated", _, _) => (Label::Repeated, None),
            ("required", Syntax::Proto3, _) => {
                return self.error("Required fields are not allowed in proto3.");
            }
            ("required", _, Context::Extend) => {
                return self.error("Message extensions cannot have required fields.");
            }
            ("required", _, _) => (Label::Required, None),
            ("optional", Syntax::Proto3, Context::Message) => (Label::Optional, Some(true)),
            _ => (Label::Optional, None),
        };
        self.at += 1;
        Ok(label)
    }

    /// `[ name = value, ... ]` after a field: `json_name` sets the field's JSON name, `default`
    /// its default value; the rest are options. Every field gets a JSON name; an extension may
    /// not choose it.
    pub(super) fn field_options(
        &mut self,
        field: &mut FieldDescriptorProto,
        context: Context,
    ) -> Result<()> {
        if self.eat_symbol('[') {
            loop {
                if context == Context::Extend && self.is_ident("json_name") {
                    return self.error("option json_name is not allowed on extension fields.");
                }
                if self.eat_ident("json_name") {
                    self.expect_symbol('=')?;
                    field.json_name = Some(self.string("a JSON name")?.into());
                } else if self.eat_ident("default") {
                    if field.default_value.is_some() {
                        self.at -= 1;
                        return self.error("Already set option \"default\".");
                    }
                    self.expect_symbol('=')?;
                    let name = field.name.as_deref().unwrap_or_default().to_owned();
                    self.record(&format!("{name}#default"));
                    let value = self.default_value(field)?;
                    field.default_value = Some(value.into());
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
}
