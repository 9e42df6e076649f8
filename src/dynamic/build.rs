//! Building a [`Types`] from resolved descriptors: every name declared first (so that a field
//! can name a type declared after it), then each message's fields with their kind, cardinality,
//! presence and packing (the rules in [`types`](super::types)'s table), then the extensions
//! joined to the messages they extend, and last each message's lookups by number and by name.

use std::collections::HashMap;
use std::sync::Arc;

use crate::schema::descriptor::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorProto, Label, Type,
};
use crate::schema::options::OptionValue;

use super::types::{
    Cardinality, DENSE_LIMIT, EnumId, EnumInfo, FieldInfo, Kind, MessageId, MessageInfo, Named,
    Types, TypesError,
};

impl Types {
    /// Indexes resolved descriptors: type names are full, with a leading dot, as protoc and
    /// [`Schema`](crate::schema::Schema) write them.
    ///
    /// # Errors
    /// A field whose type names no message or enum of the files, or has no type.
    pub fn new<'a>(
        files: impl IntoIterator<Item = &'a FileDescriptorProto>,
    ) -> Result<Arc<Self>, TypesError> {
        let files: Vec<&FileDescriptorProto> = files.into_iter().collect();
        let mut types = Self::default();
        // First every name, so that fields can point at types declared after them.
        let mut pending = Vec::new();
        for file in &files {
            let proto3 = file.syntax.as_deref() == Some("proto3");
            let package = file.package.as_deref().unwrap_or_default();
            for message in &file.message_type {
                types.declare_message(package, message, proto3, &mut pending);
            }
            for enumeration in &file.enum_type {
                types.declare_enum(package, enumeration, proto3);
            }
        }
        for (id, message, proto3) in pending {
            let fields = message
                .field
                .iter()
                .map(|field| types.field(field, proto3, false))
                .collect::<Result<Vec<_>, _>>()?;
            let info = &mut types.messages[id.0 as usize];
            info.fields = fields;
            info.oneofs = message
                .oneof_decl
                .iter()
                .map(|o| o.name.as_deref().unwrap_or_default().to_owned())
                .collect();
        }
        // Extensions, declared in files or inside messages, join the message they extend.
        for file in &files {
            let proto3 = file.syntax.as_deref() == Some("proto3");
            let mut extensions: Vec<(&FieldDescriptorProto, String)> = Vec::new();
            let package = file.package.as_deref().unwrap_or_default();
            for extension in &file.extension {
                extensions.push((extension, package.to_owned()));
            }
            collect_extensions(package, &file.message_type, &mut extensions);
            for (extension, scope) in extensions {
                let mut info = types.field(extension, proto3, true)?;
                let short = extension.name.as_deref().unwrap_or_default();
                info.name = join(&scope, short);
                info.json_name = format!("[{}]", info.name);
                let extendee = extension.extendee.as_deref().unwrap_or_default();
                let Some(Named::Message(target)) = types.lookup(extendee) else {
                    return Err(TypesError(format!(
                        "extension {} extends {extendee}, which is not a message of the schema",
                        info.name
                    )));
                };
                types.messages[target.0 as usize].fields.push(info);
            }
        }
        for message in &mut types.messages {
            message.index();
        }
        // A map field's entry must have its key (1) and value (2): descriptors from elsewhere
        // (a server's reflection) are not checked by protoc. One that lacks them is read as the
        // repeated message field it is on the wire.
        let complete = |types: &Self, id: MessageId| {
            let entry = &types.messages[id.0 as usize];
            entry.field_index(1).is_some() && entry.field_index(2).is_some()
        };
        let mut incomplete = Vec::new();
        for (m, message) in types.messages.iter().enumerate() {
            for (f, field) in message.fields.iter().enumerate() {
                if let (Cardinality::Map, Kind::Message(entry)) = (field.cardinality, field.kind)
                    && !complete(&types, entry)
                {
                    incomplete.push((m, f));
                }
            }
        }
        for (m, f) in incomplete {
            types.messages[m].fields[f].cardinality = Cardinality::Repeated;
        }
        Ok(Arc::new(types))
    }

    fn declare_message(
        &mut self,
        scope: &str,
        message: &'_ DescriptorProto,
        proto3: bool,
        pending: &mut Vec<(MessageId, DescriptorProto, bool)>,
    ) {
        let full_name = join(scope, message.name.as_deref().unwrap_or_default());
        let id = MessageId(u32::try_from(self.messages.len()).unwrap_or(u32::MAX));
        let map_entry = message
            .options
            .as_ref()
            .and_then(|o| o.get("map_entry"))
            .is_some_and(|v| *v == OptionValue::Bool(true));
        self.messages.push(MessageInfo {
            full_name: full_name.clone(),
            fields: Vec::new(),
            oneofs: Vec::new(),
            map_entry,
            proto3,
            dense: Vec::new(),
            by_name: HashMap::new(),
        });
        self.by_name.insert(full_name.clone(), Named::Message(id));
        // The fields are read once every type has a name; nested types are declared now.
        let mut shallow = message.clone();
        shallow.nested_type.clear();
        pending.push((id, shallow, proto3));
        for nested in &message.nested_type {
            self.declare_message(&full_name, nested, proto3, pending);
        }
        for enumeration in &message.enum_type {
            self.declare_enum(&full_name, enumeration, proto3);
        }
    }

    fn declare_enum(&mut self, scope: &str, enumeration: &EnumDescriptorProto, proto3: bool) {
        let full_name = join(scope, enumeration.name.as_deref().unwrap_or_default());
        let id = EnumId(u32::try_from(self.enums.len()).unwrap_or(u32::MAX));
        self.enums.push(EnumInfo {
            full_name: full_name.clone(),
            values: enumeration
                .value
                .iter()
                .map(|v| {
                    (
                        v.name.as_deref().unwrap_or_default().to_owned(),
                        v.number.unwrap_or_default(),
                    )
                })
                .collect(),
            closed: !proto3,
        });
        self.by_name.insert(full_name, Named::Enum(id));
    }

    fn field(
        &self,
        field: &FieldDescriptorProto,
        proto3: bool,
        is_extension: bool,
    ) -> Result<FieldInfo, TypesError> {
        let name = field.name.as_deref().unwrap_or_default().to_owned();
        let number = u32::try_from(field.number.unwrap_or_default()).unwrap_or_default();
        let type_name = field.type_name.as_deref().unwrap_or_default();
        let declared = field.r#type.and_then(Type::from_i32);
        let named = self.lookup(type_name);
        let kind = match (declared, named) {
            (Some(Type::Group), Some(Named::Message(id))) => Kind::Group(id),
            (Some(Type::Message) | None, Some(Named::Message(id))) => Kind::Message(id),
            (Some(Type::Enum) | None, Some(Named::Enum(id))) => Kind::Enum(id),
            (Some(scalar), _) if type_name.is_empty() => scalar_kind(scalar).ok_or_else(|| {
                TypesError(format!("field {name} has type {scalar:?} and no type name"))
            })?,
            _ => {
                return Err(TypesError(format!(
                    "field {name}: type {type_name:?} is not a message or enum of the schema"
                )));
            }
        };
        let label = field.label.unwrap_or(Label::Optional as i32);
        let repeated = label == Label::Repeated as i32;
        let map_entry = matches!(kind, Kind::Message(id) if self.messages[id.0 as usize].map_entry);
        let cardinality = match (repeated, map_entry) {
            (true, true) => Cardinality::Map,
            (true, false) => Cardinality::Repeated,
            (false, _) => Cardinality::Singular,
        };
        let oneof = field.oneof_index.and_then(|i| usize::try_from(i).ok());
        let packed_option = field.options.as_ref().and_then(|o| o.get("packed"));
        let packed = kind.is_packable()
            && repeated
            && match packed_option {
                Some(OptionValue::Bool(packed)) => *packed,
                _ => proto3,
            };
        let presence = !repeated
            && (!proto3
                || oneof.is_some()
                || matches!(kind, Kind::Message(_) | Kind::Group(_))
                || field.proto3_optional == Some(true));
        Ok(FieldInfo {
            json_name: field
                .json_name
                .as_deref()
                .map_or_else(|| crate::schema::json_name(&name), str::to_owned),
            name,
            number,
            kind,
            cardinality,
            presence,
            packed,
            oneof,
            default: field.default_value.as_deref().map(str::to_owned),
            required: label == Label::Required as i32,
            is_extension,
        })
    }
}

impl MessageInfo {
    /// Sorts the fields by number and builds the lookups.
    fn index(&mut self) {
        self.fields.sort_by_key(|f| f.number);
        let dense_len = self
            .fields
            .iter()
            .map(|f| f.number)
            .filter(|&n| n < DENSE_LIMIT)
            .max()
            .map_or(0, |max| max as usize + 1);
        self.dense = vec![0; dense_len];
        for (index, field) in self.fields.iter().enumerate() {
            if let Some(slot) = self.dense.get_mut(field.number as usize) {
                // At most DENSE_LIMIT fields are below DENSE_LIMIT, so index + 1 fits.
                *slot = u16::try_from(index + 1).unwrap_or(0);
            }
            self.by_name.insert(field.name.clone(), index);
            self.by_name.insert(field.json_name.clone(), index);
        }
    }
}

fn collect_extensions<'a>(
    scope: &str,
    messages: &'a [DescriptorProto],
    out: &mut Vec<(&'a FieldDescriptorProto, String)>,
) {
    for message in messages {
        let name = join(scope, message.name.as_deref().unwrap_or_default());
        for extension in &message.extension {
            out.push((extension, name.clone()));
        }
        collect_extensions(&name, &message.nested_type, out);
    }
}

fn scalar_kind(t: Type) -> Option<Kind> {
    Some(match t {
        Type::Double => Kind::Double,
        Type::Float => Kind::Float,
        Type::Int64 => Kind::Int64,
        Type::Uint64 => Kind::Uint64,
        Type::Int32 => Kind::Int32,
        Type::Fixed64 => Kind::Fixed64,
        Type::Fixed32 => Kind::Fixed32,
        Type::Bool => Kind::Bool,
        Type::String => Kind::String,
        Type::Bytes => Kind::Bytes,
        Type::Uint32 => Kind::Uint32,
        Type::Sfixed32 => Kind::Sfixed32,
        Type::Sfixed64 => Kind::Sfixed64,
        Type::Sint32 => Kind::Sint32,
        Type::Sint64 => Kind::Sint64,
        Type::Group | Type::Message | Type::Enum => return None,
    })
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_owned()
    } else {
        format!("{scope}.{name}")
    }
}
