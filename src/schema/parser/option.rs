//! Options: `option name = constant;` statements and the `name = constant` of `[...]` lists.
//!
//! A standard option (a field of descriptor.proto's `XxxOptions`, e.g. `java_package`) is looked
//! up in [`OptionFields::FIELDS`] and stored. A *custom* option, whose name is in parentheses
//! (`option (google.api.http) = { get: "/v1/x" };`, `[(my.rule).min = 1]`), is an extension
//! of an `XxxOptions` message: it is read, value included, and dropped (see
//! [`options`](crate::schema::options)). Its value may be an *aggregate*, a text-format message
//! in braces, which is skipped to its matching `}`. A few standard options of newer
//! descriptor.proto versions that h2grpc does not model ([`DROPPED`]: editions' `features`,
//! `retention`, extension `declaration`s...) are read and dropped the same way.

use super::{Parser, Result};

/// Standard options of newer descriptor.proto versions that h2grpc does not model (editions'
/// `features`, extension declarations, option retention and targets...): read and dropped
/// like custom options, so that newer files (Google's own descriptor.proto among them) parse.
const DROPPED: &[&str] = &[
    "declaration",
    "verification",
    "features",
    "feature_support",
    "retention",
    "targets",
    "edition_defaults",
    "debug_redact",
];
use crate::schema::lexer::Token;
use crate::schema::options::{MAP_ENTRY, OptionFields, OptionType, OptionValue, Options};

impl Parser<'_> {
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

    /// `name = constant`, into `options` (the name is looked up in `T`'s table); a custom
    /// option is read and dropped.
    pub(super) fn option_assignment<T: OptionFields>(
        &mut self,
        options: &mut Option<Options<T>>,
    ) -> Result<()> {
        if self.is_symbol('(') {
            return self.custom_option();
        }
        if self.is_dropped_standard_option() {
            return self.dropped_option();
        }
        let name = self.full_ident("an option name", false)?;
        let Some(field) = T::field(&name) else {
            self.at -= 1;
            return self.error(format!(
                "Option \"{name}\" unknown (not a field of {}).",
                T::MESSAGE
            ));
        };
        if T::MESSAGE == "MessageOptions" && field.number == MAP_ENTRY {
            self.at -= 1;
            return self.error(
                "map_entry should not be set explicitly. Use map<KeyType, ValueType> instead.",
            );
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
    pub(super) fn option_statement<T: OptionFields>(
        &mut self,
        options: &mut Option<Options<T>>,
    ) -> Result<()> {
        self.option_assignment(options)?;
        self.expect_symbol(';')
    }

    /// `option (name) = ...;` where no standard option exists (a oneof, an extension range):
    /// only custom options are accepted, and dropped.
    pub(super) fn custom_option_statement(&mut self) -> Result<()> {
        self.custom_option_assignment()?;
        self.expect_symbol(';')
    }

    /// `(name) = constant` where only a custom option (or a [`DROPPED`] one) may be: read
    /// and dropped.
    pub(super) fn custom_option_assignment(&mut self) -> Result<()> {
        if self.is_dropped_standard_option() {
            return self.dropped_option();
        }
        if !self.is_symbol('(') {
            return self.unexpected("a custom option, `(name)`");
        }
        self.custom_option()
    }

    fn is_dropped_standard_option(&self) -> bool {
        matches!(self.peek(), Some(Token::Ident(name)) if DROPPED.contains(&name.as_str()))
    }

    /// `name { . ident } = constant`, one of [`DROPPED`]: read and dropped.
    fn dropped_option(&mut self) -> Result<()> {
        self.full_ident("an option name", false)?;
        self.expect_symbol('=')?;
        self.skip_constant()
    }

    /// `(full.name) { . ident } = constant`, at the `(`: read and dropped.
    fn custom_option(&mut self) -> Result<()> {
        self.expect_symbol('(')?;
        self.full_ident("an extension name", true)?;
        self.expect_symbol(')')?;
        while self.eat_symbol('.') {
            self.ident("an option field name")?;
        }
        self.expect_symbol('=')?;
        self.skip_constant()
    }

    /// A constant of any type: `-12`, `inf`, `"text" "more"`, `ENUM_VALUE`, or an aggregate
    /// `{ ... }` up to its matching `}`.
    fn skip_constant(&mut self) -> Result<()> {
        match self.peek() {
            Some(Token::Symbol('{')) => {
                let mut depth = 0usize;
                loop {
                    match self.peek() {
                        Some(Token::Symbol('{')) => depth += 1,
                        Some(Token::Symbol('}')) => depth -= 1,
                        Some(_) => {}
                        None => return self.unexpected("`}` closing the aggregate value"),
                    }
                    self.at += 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
            }
            Some(Token::Str(_)) => {
                // Adjacent literals, not necessarily UTF-8 (a `bytes` option).
                while matches!(self.peek(), Some(Token::Str(_))) {
                    self.at += 1;
                }
                Ok(())
            }
            Some(Token::Symbol('-' | '+')) => {
                self.at += 1;
                match self.peek() {
                    Some(Token::Int(_) | Token::Float(_) | Token::Ident(_)) => {
                        self.at += 1;
                        Ok(())
                    }
                    _ => self.unexpected("a number"),
                }
            }
            Some(Token::Int(_) | Token::Float(_)) => {
                self.at += 1;
                Ok(())
            }
            Some(Token::Ident(_)) => self.full_ident("a constant", false).map(drop),
            _ => self.unexpected("a constant"),
        }
    }
}
