//! RFC 7541 Appendix C.1 and C.2, the errors, and the never-panic property; C.3 to C.6, which
//! share a dynamic table from block to block, are in `sequences`.

use super::*;

mod sequences;

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

fn fields(events: &[Event]) -> Vec<(String, String, Representation)> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::Field(field) => Some((
                String::from_utf8(field.name.clone()).unwrap(),
                String::from_utf8(field.value.clone()).unwrap(),
                field.representation,
            )),
            _ => None,
        })
        .collect()
}

fn table(decoder: &Decoder) -> Vec<(String, String)> {
    decoder
        .entries()
        .map(|entry| {
            (
                String::from_utf8(entry.name.clone()).unwrap(),
                String::from_utf8(entry.value.clone()).unwrap(),
            )
        })
        .collect()
}

fn evicted(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::Evicted { entry, .. } => Some(String::from_utf8(entry.name.clone()).unwrap()),
            _ => None,
        })
        .collect()
}

use Representation::{
    IncrementalIndexing as Incr, Indexed as Idx, NeverIndexed as Never, WithoutIndexing as Without,
};

fn f(name: &str, value: &str, representation: Representation) -> (String, String, Representation) {
    (name.into(), value.into(), representation)
}

fn e(name: &str, value: &str) -> (String, String) {
    (name.into(), value.into())
}

#[test]
fn c_1_integers() {
    let mut pos = 0;
    assert_eq!(decode_integer(&[0b0000_1010], &mut pos, 5), Ok(10)); // C.1.1
    let mut pos = 0;
    assert_eq!(decode_integer(&[0x1f, 0x9a, 0x0a], &mut pos, 5), Ok(1337)); // C.1.2
    assert_eq!(pos, 3);
    let mut pos = 0;
    assert_eq!(decode_integer(&[42], &mut pos, 8), Ok(42)); // C.1.3
    let mut pos = 0;
    assert_eq!(
        decode_integer(&[0x1f, 0x9a], &mut pos, 5),
        Err(HpackError::Truncated)
    );
    let mut long = vec![0x1f];
    long.extend([0xff; 12]);
    long.push(0x01);
    let mut pos = 0;
    assert_eq!(
        decode_integer(&long, &mut pos, 5),
        Err(HpackError::IntegerOverflow)
    );
}

#[test]
fn c_2_1_literal_with_indexing() {
    let mut decoder = Decoder::new(4096);
    let events = decoder
        .decode(&hex(
            "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
        ))
        .unwrap();
    assert_eq!(fields(&events), [f("custom-key", "custom-header", Incr)]);
    let Event::Field(field) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(field.at, 0..26);
    assert_eq!(field.name_string.as_ref().unwrap().at, 1..12);
    assert_eq!(field.value_string.as_ref().unwrap().raw, b"custom-header");
    assert_eq!(table(&decoder), [e("custom-key", "custom-header")]);
    assert_eq!(decoder.table_size(), 55);
}

#[test]
fn c_2_2_literal_without_indexing() {
    let mut decoder = Decoder::new(4096);
    let events = decoder
        .decode(&hex("040c 2f73 616d 706c 652f 7061 7468"))
        .unwrap();
    assert_eq!(fields(&events), [f(":path", "/sample/path", Without)]);
    let Event::Field(field) = &events[0] else {
        panic!()
    };
    assert_eq!(
        field.index,
        Some(TableIndex {
            index: 4,
            table: Table::Static
        })
    );
    assert_eq!(field.name_string, None);
    assert_eq!(decoder.table_size(), 0);
}

#[test]
fn c_2_3_literal_never_indexed() {
    let mut decoder = Decoder::new(4096);
    let events = decoder
        .decode(&hex("1008 7061 7373 776f 7264 0673 6563 7265 74"))
        .unwrap();
    assert_eq!(fields(&events), [f("password", "secret", Never)]);
    assert_eq!(events.len(), 1);
    assert_eq!(decoder.table_size(), 0);
}

#[test]
fn c_2_4_indexed() {
    let mut decoder = Decoder::new(4096);
    let events = decoder.decode(&hex("82")).unwrap();
    assert_eq!(fields(&events), [f(":method", "GET", Idx)]);
    assert_eq!(decoder.table_size(), 0);
}

#[test]
fn size_updates() {
    let mut decoder = Decoder::new(4096);
    decoder
        .decode(&hex(
            "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
        ))
        .unwrap();
    // 0x20: size update to 0, evicting the entry; then :method GET.
    let events = decoder.decode(&[0x20, 0x82]).unwrap();
    assert_eq!(
        events[0],
        Event::SizeUpdate {
            at: 0..1,
            max_size: 0
        }
    );
    assert!(matches!(
        &events[1],
        Event::Evicted {
            cause: EvictionCause::SizeUpdate,
            table_size: 0,
            ..
        }
    ));
    assert_eq!(decoder.max_table_size(), 0);
    // After a field: an error, with the field already reported.
    let error = decoder.decode(&[0x82, 0x20]).unwrap_err();
    assert_eq!(
        (error.error, error.offset, error.events.len()),
        (HpackError::SizeUpdateAfterField, 1, 1)
    );
    // Above the setting: 3f e2 1f = 31 + 98 + 31 * 128 = 4097.
    let error = decoder.decode(&[0x3f, 0xe2, 0x1f]).unwrap_err();
    assert_eq!(
        error.error,
        HpackError::SizeUpdateTooLarge {
            max_size: 4097,
            limit: 4096
        }
    );
}

#[test]
fn a_lower_setting_bounds_later_size_updates() {
    let mut decoder = Decoder::new(DEFAULT_HEADER_TABLE_SIZE);
    decoder.set_header_table_size(256);
    // 3f e1 01 = 31 + 97 + 128 = 256: allowed; 3f e2 01 = 257: not.
    let events = decoder.decode(&[0x3f, 0xe1, 0x01]).unwrap();
    assert_eq!(
        events,
        [Event::SizeUpdate {
            at: 0..3,
            max_size: 256
        }]
    );
    assert_eq!(decoder.max_table_size(), 256);
    assert_eq!(
        decoder.decode(&[0x3f, 0xe2, 0x01]).unwrap_err().error,
        HpackError::SizeUpdateTooLarge {
            max_size: 257,
            limit: 256
        }
    );
}

#[test]
fn errors_are_reported_not_panicked() {
    let mut decoder = Decoder::new(4096);
    assert_eq!(
        decoder.decode(&[0x80]).unwrap_err().error,
        HpackError::IndexZero
    );
    assert_eq!(
        decoder.decode(&[0xbe]).unwrap_err().error,
        HpackError::IndexOutOfRange {
            index: 62,
            dynamic_len: 0
        }
    );
    // A literal value claiming 127 + 0x7f octets with 2 present: refused before copying.
    assert_eq!(
        decoder
            .decode(&[0x04, 0x7f, 0x7f, b'a', b'b'])
            .unwrap_err()
            .error,
        HpackError::Truncated
    );
    // Huffman "a" padded with zeros.
    assert_eq!(
        decoder.decode(&[0x04, 0x81, 0x18]).unwrap_err().error,
        HpackError::HuffmanPadding
    );
}

#[test]
fn an_entry_larger_than_the_table_empties_it() {
    let mut decoder = Decoder::new(40);
    decoder.decode(&[0x41, 0x01, b'x']).unwrap(); // :authority: x, 43 octets > 40
    assert_eq!(decoder.table_size(), 0);
    let events = decoder.decode(&[0x40, 0x01, b'a', 0x01, b'b']).unwrap(); // 34 octets
    assert!(matches!(events[1], Event::Inserted { table_size: 34, .. }));
    let events = decoder.decode(&[0x41, 0x01, b'x']).unwrap();
    assert!(matches!(events[1], Event::Evicted { .. }));
    assert_eq!(
        events[2],
        Event::TooLargeToInsert {
            size: 43,
            max_size: 40
        }
    );
}

/// Blocks made of well-formed representations (indices that may or may not exist, strings
/// plain or Huffman-coded, size updates) and stray octets: the paths random bytes rarely reach.
fn plausible_block() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    let string = (any::<bool>(), proptest::collection::vec(b'a'..=b'z', 0..40));
    let part = (0u8..6, 0usize..70, string.clone(), string, any::<u8>());
    proptest::collection::vec(part, 0..12).prop_map(|parts| {
        let mut block = Vec::new();
        for (kind, index, name, value, stray) in parts {
            let (first, prefix) = [
                (0x80, 7),
                (0x40, 6),
                (0x00, 4),
                (0x10, 4),
                (0x20, 5),
                (0, 0),
            ][usize::from(kind)];
            if prefix == 0 {
                block.push(stray);
                continue;
            }
            encode_integer(&mut block, first, prefix, index);
            if kind == 0 || kind == 4 {
                continue;
            }
            for (i, (huffman, text)) in [name, value].into_iter().enumerate() {
                if i == 0 && index != 0 {
                    continue;
                }
                let data = if huffman {
                    huffman::tests::encode(&text)
                } else {
                    text
                };
                encode_integer(&mut block, if huffman { 0x80 } else { 0 }, 7, data.len());
                block.extend(data);
            }
        }
        block
    })
}

/// The §5.1 encoding of `value` on a `prefix`-bit prefix, after the bits of `first`.
fn encode_integer(out: &mut Vec<u8>, first: u8, prefix: u32, value: usize) {
    let max = (1usize << prefix) - 1;
    if value < max {
        out.push(first | u8::try_from(value).unwrap());
        return;
    }
    out.push(first | u8::try_from(max).unwrap());
    let mut rest = value - max;
    while rest >= 128 {
        out.push(u8::try_from(rest % 128).unwrap() | 0x80);
        rest /= 128;
    }
    out.push(u8::try_from(rest).unwrap());
}

#[test]
fn encode_integer_matches_c_1() {
    let mut out = Vec::new();
    encode_integer(&mut out, 0, 5, 1337);
    assert_eq!(out, [0x1f, 0x9a, 0x0a]);
}

proptest::proptest! {
    #[test]
    fn plausible_blocks_keep_the_table_accounting(
        blocks in proptest::collection::vec(plausible_block(), 1..6),
        limit in 0usize..400,
    ) {
        let mut decoder = Decoder::new(limit);
        for block in blocks {
            let _ = decoder.decode(&block);
            let sum: usize = decoder.entries().map(Entry::size).sum();
            proptest::prop_assert_eq!(decoder.table_size(), sum);
            proptest::prop_assert!(decoder.table_size() <= decoder.max_table_size());
            proptest::prop_assert!(decoder.max_table_size() <= limit);
        }
    }

    #[test]
    fn arbitrary_blocks_never_panic(
        blocks in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200), 1..5),
        limit in 0usize..5000,
    ) {
        let mut decoder = Decoder::new(limit);
        for block in blocks {
            let _ = decoder.decode(&block);
            proptest::prop_assert!(decoder.table_size() <= decoder.max_table_size());
            proptest::prop_assert!(decoder.max_table_size() <= limit);
        }
    }
}
