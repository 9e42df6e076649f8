//! The Huffman code of RFC 7541 §5.2 and Appendix B, decoded one bit at a time.
//!
//! > The Huffman code used when encoding string literals is defined in Appendix B.
//!
//! Appendix B gives, for each of the 256 octets and for EOS (symbol 256), a code and its length
//! in bits. The code is *canonical*: listing the symbols by code length, then by symbol value,
//! the codes simply count up (and gain a `0` bit on the right each time the length grows). So the
//! 257 lengths of [`CODE_LENGTHS`] are the whole table; [`code_of`] rebuilds any code from them,
//! and the unit tests check a few against the appendix.
//!
//! ```text
//!  sym  char  code as bits          len      the first codes, in canonical order:
//!   48  '0'   00000                  5       five bits: '0' '1' '2' 'a' 'c' 'e' 'i' 'o' 's' 't'
//!   49  '1'   00001                  5                  00000 ... 01001
//!   32  ' '   010100                 6       six bits:  ' ' '%' '-' '.' '/' '3' ...
//!  256  EOS   11111111111111111111111111111111  30   (all ones)
//! ```
//!
//! Decoding reads bits from the most significant end. After each bit the code read so far is a
//! complete code of that length exactly when it falls in the range of codes of that length. At
//! the end, §5.2 sets the rules for the leftover bits:
//!
//! > As the Huffman-encoded data doesn't always end at an octet boundary, some padding is
//! > inserted after it, up to the next octet boundary. [...] padding corresponding to the most
//! > significant bits of the code for the EOS symbol.
//! >
//! > A padding strictly longer than 7 bits MUST be treated as a decoding error. A padding not
//! > corresponding to the most significant bits of the code for the EOS symbol MUST be treated as
//! > a decoding error. A Huffman-encoded string literal containing the EOS symbol MUST be treated
//! > as a decoding error.

use std::sync::OnceLock;

use super::HpackError;

/// The symbol that marks the end of a string: never sent, its first bits pad the last octet.
pub const EOS: u16 = 256;

/// The longest code of Appendix B, in bits (EOS and three rare octets).
const MAX_CODE_LEN: usize = 30;

/// The length in bits of the code of each symbol 0 to 256 (EOS), from RFC 7541 Appendix B.
#[rustfmt::skip]
pub const CODE_LENGTHS: [u8; 257] = [
    13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, //   0..=15
    28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, //  16..=31
     6, 10, 10, 12, 13,  6,  8, 11, 10, 10,  8, 11,  8,  6,  6,  6, //  32..=47   ' ' to '/'
     5,  5,  5,  6,  6,  6,  6,  6,  6,  6,  7,  8, 15,  6, 12, 10, //  48..=63   '0' to '?'
    13,  6,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7, //  64..=79   '@' to 'O'
     7,  7,  7,  7,  7,  7,  7,  7,  8,  7,  8, 13, 19, 13, 14,  6, //  80..=95   'P' to '_'
    15,  5,  6,  5,  6,  5,  6,  6,  6,  5,  7,  7,  6,  6,  6,  5, //  96..=111  '`' to 'o'
     6,  7,  6,  5,  5,  6,  7,  7,  7,  7,  7, 15, 11, 14, 13, 28, // 112..=127  'p' to DEL
    20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128..=143
    24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144..=159
    22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160..=175
    21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176..=191
    26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192..=207
    19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208..=223
    20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224..=239
    26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240..=255
    30,                                                             // 256: EOS
];

/// The canonical code, laid out for decoding.
#[derive(Debug)]
struct Canonical {
    /// The symbols by code length, then by value.
    symbols: Vec<u16>,
    /// For each length, the first code of that length.
    first_code: [u32; MAX_CODE_LEN + 1],
    /// For each length, how many symbols have it.
    count: [u32; MAX_CODE_LEN + 1],
    /// For each length, where its symbols start in `symbols`.
    start: [usize; MAX_CODE_LEN + 1],
}

fn canonical() -> &'static Canonical {
    static TABLE: OnceLock<Canonical> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut symbols: Vec<u16> = (0..=EOS).collect();
        symbols.sort_by_key(|&symbol| (CODE_LENGTHS[usize::from(symbol)], symbol));
        let mut count = [0u32; MAX_CODE_LEN + 1];
        for &len in &CODE_LENGTHS {
            count[usize::from(len)] += 1;
        }
        let (mut first_code, mut start) = ([0u32; MAX_CODE_LEN + 1], [0usize; MAX_CODE_LEN + 1]);
        let (mut code, mut index) = (0u32, 0usize);
        for len in 1..=MAX_CODE_LEN {
            first_code[len] = code;
            start[len] = index;
            index += count[len] as usize;
            code = (code + count[len]) << 1;
        }
        Canonical {
            symbols,
            first_code,
            count,
            start,
        }
    })
}

/// The code of `symbol` (0 to 256) and its length in bits, rebuilt from [`CODE_LENGTHS`].
///
/// ```
/// use h2grpc::inspect::hpack::huffman::code_of;
///
/// assert_eq!(code_of(u16::from(b'a')), Some((0b00011, 5)));
/// assert_eq!(code_of(256), Some((0x3fff_ffff, 30))); // EOS
/// assert_eq!(code_of(257), None);
/// ```
#[must_use]
pub fn code_of(symbol: u16) -> Option<(u32, u8)> {
    let len = *CODE_LENGTHS.get(usize::from(symbol))?;
    let table = canonical();
    let position = table.symbols.iter().position(|&s| s == symbol)?;
    let rank = u32::try_from(position - table.start[usize::from(len)]).ok()?;
    Some((table.first_code[usize::from(len)] + rank, len))
}

/// Decodes a Huffman-coded string literal (§5.2).
///
/// ```
/// use h2grpc::inspect::hpack::huffman::decode;
///
/// // "www.example.com", RFC 7541 C.4.1: 12 octets for 15 characters.
/// let coded = [0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff];
/// assert_eq!(decode(&coded).unwrap(), b"www.example.com");
/// ```
///
/// # Errors
/// [`HpackError::HuffmanEos`] for an EOS in the string, [`HpackError::HuffmanPadding`] for
/// padding longer than 7 bits or not made of 1 bits.
pub fn decode(coded: &[u8]) -> Result<Vec<u8>, HpackError> {
    let table = canonical();
    let mut out = Vec::with_capacity(coded.len().saturating_mul(8) / 5);
    let (mut code, mut len) = (0u32, 0usize);
    for &byte in coded {
        for shift in (0..8).rev() {
            code = (code << 1) | u32::from((byte >> shift) & 1);
            len += 1;
            let offset = code.wrapping_sub(table.first_code[len]);
            if code >= table.first_code[len] && offset < table.count[len] {
                let symbol = table.symbols[table.start[len] + offset as usize];
                let octet = u8::try_from(symbol).map_err(|_| HpackError::HuffmanEos)?;
                out.push(octet);
                (code, len) = (0, 0);
            } else if len == MAX_CODE_LEN {
                // Every 30-bit pattern is a code or has one as its prefix; kept as a guard.
                return Err(HpackError::HuffmanPadding);
            }
        }
    }
    // The leftover bits: fewer than 8, all ones (the first bits of EOS).
    if len > 7 || code != (1u32 << len) - 1 {
        return Err(HpackError::HuffmanPadding);
    }
    Ok(out)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn codes_of_appendix_b() {
        // A few rows of RFC 7541 Appendix B: (sym, code as hex, length).
        for (symbol, code, len) in [
            (0u16, 0x1ff8, 13),
            (32, 0x14, 6),
            (48, 0x0, 5),
            (b'A'.into(), 0x21, 6),
            (b'z'.into(), 0x7b, 7),
            (127, 0xffffffc, 28),
            (200, 0x3ff_ffe2, 26),
            (255, 0x3ffffee, 26),
            (256, 0x3fffffff, 30),
        ] {
            assert_eq!(code_of(symbol), Some((code, len)), "symbol {symbol}");
        }
    }

    /// Encodes with the canonical codes: the tests' own encoder.
    pub(crate) fn encode(text: &[u8]) -> Vec<u8> {
        let (mut out, mut acc, mut bits) = (Vec::new(), 0u64, 0u32);
        for &byte in text {
            let (code, len) = code_of(byte.into()).unwrap();
            acc = (acc << len) | u64::from(code);
            bits += u32::from(len);
            while bits >= 8 {
                bits -= 8;
                out.push(((acc >> bits) & 0xff) as u8);
            }
        }
        if bits > 0 {
            let pad = 8 - bits;
            out.push((((acc << pad) | ((1 << pad) - 1)) & 0xff) as u8);
        }
        out
    }

    #[test]
    fn round_trip_of_every_octet() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&all)).unwrap(), all);
        assert_eq!(decode(&[]).unwrap(), b"");
    }

    #[test]
    fn padding_rules() {
        // 'a' is 00011: padded with 111 -> 0x1f.
        assert_eq!(decode(&[0x1f]).unwrap(), b"a");
        // Padded with zeros: not the first bits of EOS.
        assert_eq!(decode(&[0x18]), Err(HpackError::HuffmanPadding));
        // A whole octet of ones is 8 bits of padding.
        assert_eq!(decode(&[0x1f, 0xff]), Err(HpackError::HuffmanPadding));
        // EOS itself: 30 ones, then 2 bits of padding.
        assert_eq!(decode(&[0xff; 4]), Err(HpackError::HuffmanEos));
    }

    proptest::proptest! {
        #[test]
        fn round_trip(text in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            proptest::prop_assert_eq!(decode(&encode(&text)).unwrap(), text);
        }

        #[test]
        fn arbitrary_bytes_never_panic(coded in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let _ = decode(&coded);
        }
    }
}
