//! `h2grpc call TARGET describe SYMBOL`: a service, method, message or enum printed back as
//! `.proto` text, in grpcurl's layout (`hello.Greeter is a service:` then the declaration).

use std::fmt::Write;

use h2grpc::schema::descriptor::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, Label, MethodDescriptorProto, Type,
};
use h2grpc::schema::options::MAP_ENTRY;

use super::Descriptors;
use crate::cli::Failure;

/// The text for `symbol`.
pub(crate) fn describe(descriptors: &Descriptors, symbol: &str) -> Result<String, Failure> {
    let symbol = symbol.trim_start_matches('.');
    if let Some((_, service)) = descriptors.service(symbol) {
        let mut out = format!("{symbol} is a service:\n");
        let _ = writeln!(
            out,
            "service {} {{",
            service.name.as_deref().unwrap_or_default()
        );
        for method in &service.method {
            let _ = writeln!(out, "  {}", rpc(method));
        }
        out.push_str("}\n");
        return Ok(out);
    }
    if let Some((service, method)) = symbol.rsplit_once('.')
        && let Some((_, descriptor)) = descriptors.service(service)
        && let Some(method) = descriptor
            .method
            .iter()
            .find(|m| m.name.as_deref() == Some(method))
    {
        return Ok(format!("{symbol} is a method:\n{}\n", rpc(method)));
    }
    for file in &descriptors.files {
        let package = file.package.as_deref().unwrap_or_default();
        if let Some(found) = find(package, &file.message_type, &file.enum_type, symbol) {
            let proto3 = file.syntax.as_deref() == Some("proto3");
            let mut out = String::new();
            match found {
                Found::Message(message) => {
                    let _ = writeln!(out, "{symbol} is a message:");
                    write_message(&mut out, message, proto3, 0);
                }
                Found::Enum(enumeration) => {
                    let _ = writeln!(out, "{symbol} is an enum:");
                    write_enum(&mut out, enumeration, 0);
                }
            }
            return Ok(out);
        }
    }
    Err(Failure::runtime(format!(
        "symbol {symbol:?} not found in the schema"
    )))
}

fn rpc(method: &MethodDescriptorProto) -> String {
    let stream = |on: Option<bool>| if on == Some(true) { "stream " } else { "" };
    format!(
        "rpc {} ( {}{} ) returns ( {}{} );",
        method.name.as_deref().unwrap_or_default(),
        stream(method.client_streaming),
        method.input_type.as_deref().unwrap_or_default(),
        stream(method.server_streaming),
        method.output_type.as_deref().unwrap_or_default(),
    )
}

enum Found<'a> {
    Message(&'a DescriptorProto),
    Enum(&'a EnumDescriptorProto),
}

fn find<'a>(
    scope: &str,
    messages: &'a [DescriptorProto],
    enums: &'a [EnumDescriptorProto],
    symbol: &str,
) -> Option<Found<'a>> {
    let full = |name: &Option<h2grpc::protobuf::Text>| {
        let name = name.as_deref().unwrap_or_default();
        if scope.is_empty() {
            name.to_owned()
        } else {
            format!("{scope}.{name}")
        }
    };
    for enumeration in enums {
        if full(&enumeration.name) == symbol {
            return Some(Found::Enum(enumeration));
        }
    }
    for message in messages {
        let name = full(&message.name);
        if name == symbol {
            return Some(Found::Message(message));
        }
        if symbol.starts_with(&format!("{name}."))
            && let Some(found) = find(&name, &message.nested_type, &message.enum_type, symbol)
        {
            return Some(found);
        }
    }
    None
}

fn is_map_entry(message: &DescriptorProto) -> bool {
    message
        .options
        .as_ref()
        .is_some_and(|o| o.values.contains_key(&MAP_ENTRY))
}

fn type_name(field: &FieldDescriptorProto) -> String {
    match field.r#type.and_then(Type::from_i32) {
        Some(Type::Message | Type::Enum | Type::Group) | None => {
            field.type_name.as_deref().unwrap_or_default().to_owned()
        }
        Some(scalar) => format!("{scalar:?}").to_ascii_lowercase(),
    }
}

fn write_message(out: &mut String, message: &DescriptorProto, proto3: bool, depth: usize) {
    let pad = "  ".repeat(depth);
    let _ = writeln!(
        out,
        "{pad}message {} {{",
        message.name.as_deref().unwrap_or_default()
    );
    let entries: Vec<&DescriptorProto> = message
        .nested_type
        .iter()
        .filter(|m| is_map_entry(m))
        .collect();
    let mut oneof_open: Option<i32> = None;
    for field in &message.field {
        let real_oneof = field
            .oneof_index
            .filter(|_| field.proto3_optional != Some(true));
        if oneof_open != real_oneof {
            if oneof_open.is_some() {
                let _ = writeln!(out, "{pad}  }}");
            }
            if let Some(index) = real_oneof {
                let name = usize::try_from(index)
                    .ok()
                    .and_then(|i| message.oneof_decl.get(i))
                    .and_then(|o| o.name.as_deref())
                    .unwrap_or_default();
                let _ = writeln!(out, "{pad}  oneof {name} {{");
            }
            oneof_open = real_oneof;
        }
        let inner = if real_oneof.is_some() { "    " } else { "  " };
        let entry = entries.iter().find(|m| {
            field.label == Some(Label::Repeated as i32)
                && field.type_name.as_deref().is_some_and(|t| {
                    t.ends_with(&format!(".{}", m.name.as_deref().unwrap_or_default()))
                })
        });
        let declared = if let Some(entry) = entry {
            let key = entry.field.first().map(type_name).unwrap_or_default();
            let value = entry.field.get(1).map(type_name).unwrap_or_default();
            format!("map<{key}, {value}>")
        } else {
            let label = match field.label {
                Some(l) if l == Label::Repeated as i32 => "repeated ",
                Some(l) if l == Label::Required as i32 => "required ",
                _ if real_oneof.is_some() => "",
                _ if !proto3 || field.proto3_optional == Some(true) => "optional ",
                _ => "",
            };
            format!("{label}{}", type_name(field))
        };
        let _ = writeln!(
            out,
            "{pad}{inner}{declared} {} = {};",
            field.name.as_deref().unwrap_or_default(),
            field.number.unwrap_or_default()
        );
    }
    if oneof_open.is_some() {
        let _ = writeln!(out, "{pad}  }}");
    }
    for nested in message.nested_type.iter().filter(|m| !is_map_entry(m)) {
        write_message(out, nested, proto3, depth + 1);
    }
    for enumeration in &message.enum_type {
        write_enum(out, enumeration, depth + 1);
    }
    let _ = writeln!(out, "{pad}}}");
}

fn write_enum(out: &mut String, enumeration: &EnumDescriptorProto, depth: usize) {
    let pad = "  ".repeat(depth);
    let _ = writeln!(
        out,
        "{pad}enum {} {{",
        enumeration.name.as_deref().unwrap_or_default()
    );
    for value in &enumeration.value {
        let _ = writeln!(
            out,
            "{pad}  {} = {};",
            value.name.as_deref().unwrap_or_default(),
            value.number.unwrap_or_default()
        );
    }
    let _ = writeln!(out, "{pad}}}");
}
