//! Enums: values (the first one zero, in proto3), their options, reserved numbers and names.
//!
//! proto2's enums are *closed* (a value not declared is an unknown field when decoding) and
//! proto3's *open*; the descriptor says which only through the file's `syntax`.

use super::{Parser, Result, Syntax, bs};
use crate::schema::descriptor::{EnumDescriptorProto, EnumValueDescriptorProto};

impl Parser<'_> {
    // ===== Enums =====

    pub(super) fn enumeration(&mut self) -> Result<EnumDescriptorProto> {
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
            if self.syntax == Syntax::Proto3 && enumeration.value.is_empty() && number != 0 {
                self.at -= 1;
                return self.error("The first enum value must be zero for open enums.");
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
}
