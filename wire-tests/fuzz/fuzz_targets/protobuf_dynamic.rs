//! The descriptor-driven messages (`dynamic::DynamicMessage::decode`), their JSON
//! (`json::to_string`) and the annotated hex view (`inspect::explain`) on arbitrary bytes.
//!
//! Input: `[type, options, message...]`: `type` picks one message type of `proto/` and of the
//! proto2 corpus of `wire-tests/reflection/corpus/` (groups, extensions, closed enums, maps);
//! `options` the JSON print options. Asserts: no panic; a message that decodes has
//! `encoded_len` equal to the length written and re-encodes to bytes that read back to the same
//! bytes; JSON that prints parses back and prints the same again; annotating the bytes, with
//! and without the type, and rendering the annotations never panic.
#![no_main]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use h2grpc::dynamic::{DynamicMessage, MessageType, Types};
use h2grpc::inspect::explain::{annotate_message, render_text};
use h2grpc::json::{self, ParseOptions, PrintOptions};
use h2grpc::schema::Schema;
use libfuzzer_sys::fuzz_target;

/// Every message type of `proto/` and of the proto2 corpus.
fn all_types() -> &'static [MessageType] {
    static TYPES: OnceLock<Vec<MessageType>> = OnceLock::new();
    TYPES.get_or_init(|| {
        let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../reflection/corpus");
        let proto2 = Schema::load(&[corpus], &["proto2/shop.proto", "proto2/legacy.proto"])
            .expect("the proto2 corpus loads");
        let mut files = Schema::embedded().files().to_vec();
        for file in proto2.files() {
            if !files.iter().any(|f| f.name == file.name) {
                files.push(file.clone());
            }
        }
        let types: Arc<Types> = Types::new(&files).expect("the schema resolves");
        types
            .messages()
            .map(|(id, _)| MessageType::from_id(&types, id))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&[pick, options], rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let types = all_types();
    let ty = &types[usize::from(pick) % types.len()];
    let bytes = Bytes::copy_from_slice(rest);

    let annotations = annotate_message(rest, Some(ty));
    let _ = render_text(rest, &annotations);
    let annotations = annotate_message(rest, None);
    let _ = render_text(rest, &annotations);

    let Ok(message) = DynamicMessage::decode(ty, &bytes) else {
        return;
    };
    let name = ty.full_name();
    let encoded = message.encode_to_vec();
    assert_eq!(message.encoded_len(), encoded.len(), "{name}");
    let again = match DynamicMessage::decode(ty, Bytes::from(encoded.clone())) {
        Ok(again) => again,
        Err(error) => panic!("{name}: its encoding does not decode: {error}"),
    };
    // Bytes, not values: a NaN is not equal to itself.
    assert_eq!(again.encode_to_vec(), encoded, "{name}");

    let print = PrintOptions {
        emit_defaults: options & 1 != 0,
        proto_names: options & 2 != 0,
        pretty: options & 4 != 0,
    };
    let Ok(text) = json::to_string(&message, &print) else {
        return;
    };
    let parsed = match json::from_str(ty, &text, &ParseOptions::default()) {
        Ok(parsed) => parsed,
        Err(error) => panic!("{name}: the JSON it printed does not parse: {error}\n{text}"),
    };
    match json::to_string(&parsed, &print) {
        Ok(again) => assert_eq!(again, text, "{name}: JSON read back prints differently"),
        Err(error) => panic!("{name}: the JSON read back does not print: {error}\n{text}"),
    }
});
