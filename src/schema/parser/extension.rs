//! proto2's extensions: the numbers a message leaves to them (`extensions 100 to 199;`), and
//! the `extend Foo { ... }` blocks that declare them.
//!
//! From the proto2 spec: `extensions = "extensions" ranges ";"` and `extend = "extend"
//! messageType "{" {field | group | emptyStatement} "}"`. An extension is a field like any
//! other, declared outside the message it extends: its descriptor joins the `extension` list of
//! the scope the block is written in, with `extendee` naming the extended message.

use super::field::Context;
use super::{Parser, Result};
use crate::protobuf::MAX_FIELD_NUMBER;
use crate::schema::descriptor::{DescriptorProto, ExtensionRange, FieldDescriptorProto};
use crate::schema::options::{MESSAGE_SET_WIRE_FORMAT, OptionValue};

/// The largest field number of a message set (`message_set_wire_format`): `i32::MAX - 1`,
/// so `to max` ends (exclusively) at `i32::MAX`.
const MESSAGE_SET_MAX: i32 = i32::MAX - 1;

impl Parser<'_> {
    /// `extend Extendee { field... }`, the keyword already read: each field goes to
    /// `extensions`, each group's message to `messages`.
    pub(super) fn extend(
        &mut self,
        extensions: &mut Vec<FieldDescriptorProto>,
        messages: &mut Vec<DescriptorProto>,
    ) -> Result<()> {
        let extendee_pos = self.pos();
        let extendee = self.full_ident("the name of the message to extend", true)?;
        self.expect_symbol('{')?;
        while !self.eat_symbol('}') {
            if self.eat_symbol(';') {
                continue;
            }
            let (mut field, group) = self.field(Context::Extend)?;
            field.extendee = Some(extendee.as_str().into());
            let name = field.name.as_deref().unwrap_or_default().to_owned();
            self.record_at(&format!("{name}#extendee"), extendee_pos);
            extensions.push(field);
            messages.extend(group);
        }
        Ok(())
    }

    /// `extensions 100 to 199, 300, 500 to max [options];`, the keyword already read. The
    /// index of each `to max` range is pushed to `to_max`: its end is fixed by
    /// [`Parser::extension_range_ends`] once the message's options are known.
    pub(super) fn extension_ranges(
        &mut self,
        message: &mut DescriptorProto,
        to_max: &mut Vec<usize>,
    ) -> Result<()> {
        let max = i64::from(MESSAGE_SET_MAX);
        loop {
            let start = self.integer("an extension number", 1, max)?;
            let end = if self.eat_ident("to") {
                if self.eat_ident("max") {
                    to_max.push(message.extension_range.len());
                    None
                } else {
                    Some(self.integer("the end of an extension range", 1, max)?)
                }
            } else {
                Some(start)
            };
            if end.is_some_and(|end| end < start) {
                return self.error("Extension range end number must be greater than start number.");
            }
            message.extension_range.push(ExtensionRange {
                start: Some(start),
                end: end.map(|end| end + 1),
            });
            if !self.eat_symbol(',') {
                break;
            }
        }
        if self.eat_symbol('[') {
            // ExtensionRangeOptions: custom options only, dropped.
            loop {
                self.custom_option_assignment()?;
                if !self.eat_symbol(',') {
                    break;
                }
            }
            self.expect_symbol(']')?;
        }
        self.expect_symbol(';')
    }

    /// Ends the `to max` ranges of `message`, and checks every range fits its field numbers:
    /// up to 2^29 - 1, or 2^31 - 2 in a message set.
    pub(super) fn extension_range_ends(
        &self,
        message: &mut DescriptorProto,
        to_max: &[usize],
    ) -> Result<()> {
        let message_set = message.options.as_ref().is_some_and(|options| {
            options.values.get(&MESSAGE_SET_WIRE_FORMAT) == Some(&OptionValue::Bool(true))
        });
        let max = if message_set {
            MESSAGE_SET_MAX
        } else {
            i32::try_from(MAX_FIELD_NUMBER).unwrap_or(i32::MAX)
        };
        for &index in to_max {
            if let Some(range) = message.extension_range.get_mut(index) {
                range.end = Some(max + 1);
            }
        }
        let too_big = message.extension_range.iter().any(|range| {
            range.start.is_some_and(|n| n > max) || range.end.is_some_and(|n| n > max + 1)
        });
        if too_big {
            return Err(crate::schema::SchemaError::new(
                self.file,
                format!(
                    "message {}: extension numbers cannot be greater than {max}",
                    message.name.as_deref().unwrap_or_default()
                ),
            ));
        }
        Ok(())
    }
}
