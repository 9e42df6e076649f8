//! Tests of the annotations: exact notes, malformed input, deep nesting, and properties.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use super::*;
use crate::dynamic::Types;
use crate::schema::Schema;

/// The types of `proto/` and of the proto2 corpus (every scalar type, packed fields, maps,
/// groups, enums).
fn types() -> &'static Arc<Types> {
    static TYPES: OnceLock<Arc<Types>> = OnceLock::new();
    TYPES.get_or_init(|| {
        let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("wire-tests/reflection/corpus");
        let shop = Schema::load(&[corpus], &["proto2/shop.proto"]).expect("the corpus loads");
        let mut files = Schema::embedded().files().to_vec();
        for file in shop.files() {
            if !files.iter().any(|f| f.name == file.name) {
                files.push(file.clone());
            }
        }
        Types::new(&files).expect("the corpus resolves")
    })
}

fn ty(name: &str) -> MessageType {
    MessageType::new(types(), name).expect("a type of the corpus")
}

#[test]
fn scratch() {
    let order: &[u8] = b"\x0a\x02A1\x1a\x03\x01\x96\x01\x20\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x4a\x04\x08\x07\x10\x01\x53\x0a\x01x\x10\x02\x54\x98\x06\x05";
    let defaults: &[u8] = b"\x78\x03\x09\x00\x00\x00\x00\x00\x00\xf8\x3f\x3d\x00\x00\xc0\x3f\xa8\x01\x01\xd8\x01\x02\xca\x01\x02\x00\xff\xb8\x01\x05\x5a\x03\x08\x96\x01";
    for (bytes, t) in [
        (order, Some("shop.v2.Order")),
        (order, None),
        (defaults, Some("shop.v2.Defaults")),
        (defaults, None),
    ] {
        let t = t.map(ty);
        let a = annotate_message(bytes, t.as_ref());
        println!("{}", render_text(bytes, &a));
    }
    panic!();
}
