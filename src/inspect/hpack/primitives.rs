//! The two primitives of RFC 7541 §5 every representation is made of: integers and strings.
//!
//! §5.1: "Integers are used to represent name indexes, header field indexes, or string lengths.
//! An integer representation can start anywhere within an octet." Its first octet keeps the top
//! bits for the representation; the rest, the *prefix*, holds the value, or all ones and a
//! continuation:
//!
//! ```text
//!   0   1   2   3   4   5   6   7
//! +---+---+---+---+---+---+---+---+
//! | ? | ? | ? | 1   1   1   1   1 |   prefix full: more follows
//! +---+---+---+-------------------+
//! | 1 |    Value-(2^N-1) LSB      |   7 bits per octet, least significant first
//! +---+---------------------------+
//!                ...
//! +---+---------------------------+
//! | 0 |    Value-(2^N-1) MSB      |   top bit 0: the last octet
//! +---+---------------------------+
//! ```

use std::ops::Range;

use super::{HpackError, huffman};

/// A string literal (§5.2) as sent and as decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringLiteral {
    /// The `H` bit: the data is Huffman-coded.
    pub huffman: bool,
    /// Where the string, length prefix included, lies in the block.
    pub at: Range<usize>,
    /// The String Data octets as sent (Huffman-coded if `huffman`).
    pub raw: Vec<u8>,
}

/// Reads an integer of §5.1 on a `prefix_bits`-bit prefix (1 to 8) at `*pos`.
///
/// Values are limited to what 8 continuation octets hold (about 2^56 on a 64-bit target);
/// anything longer is [`HpackError::IntegerOverflow`], as §5.1 allows: "Integer encodings that
/// exceed implementation limits [...] MUST be treated as decoding errors."
///
/// # Errors
/// [`HpackError::Truncated`] or [`HpackError::IntegerOverflow`].
pub fn decode_integer(block: &[u8], pos: &mut usize, prefix_bits: u8) -> Result<usize, HpackError> {
    let mask = u8::try_from((1u16 << prefix_bits.clamp(1, 8)) - 1).unwrap_or(u8::MAX);
    let first = *block.get(*pos).ok_or(HpackError::Truncated)?;
    *pos += 1;
    let mut value = u64::from(first & mask);
    if value < u64::from(mask) {
        return usize::try_from(value).map_err(|_| HpackError::IntegerOverflow);
    }
    let mut shift = 0u32;
    loop {
        let byte = *block.get(*pos).ok_or(HpackError::Truncated)?;
        *pos += 1;
        if shift > 49 {
            return Err(HpackError::IntegerOverflow);
        }
        value = value
            .checked_add(u64::from(byte & 0x7f) << shift)
            .ok_or(HpackError::IntegerOverflow)?;
        shift += 7;
        if byte & 0x80 == 0 {
            return usize::try_from(value).map_err(|_| HpackError::IntegerOverflow);
        }
    }
}

/// Reads a string literal of §5.2 at `*pos`: the literal as sent, and its decoded octets.
pub(super) fn decode_string(
    block: &[u8],
    pos: &mut usize,
) -> Result<(StringLiteral, Vec<u8>), HpackError> {
    let start = *pos;
    let huffman = block.get(start).ok_or(HpackError::Truncated)? & 0x80 != 0;
    let len = decode_integer(block, pos, 7)?;
    // Checked against the block before a single byte is copied.
    let end = pos
        .checked_add(len)
        .filter(|&end| end <= block.len())
        .ok_or(HpackError::Truncated)?;
    let raw = block[*pos..end].to_vec();
    *pos = end;
    let decoded = if huffman {
        huffman::decode(&raw)?
    } else {
        raw.clone()
    };
    let literal = StringLiteral {
        huffman,
        at: start..end,
        raw,
    };
    Ok((literal, decoded))
}
