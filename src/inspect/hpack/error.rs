//! What goes wrong in a header block.

use std::fmt;

use super::Event;

/// Why a header block could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HpackError {
    /// The block ended inside a representation.
    Truncated,
    /// An integer (§5.1) too large for this decoder.
    IntegerOverflow,
    /// Index 0 in an Indexed Header Field (§6.1: "MUST be treated as a decoding error").
    IndexZero,
    /// An index past the end of both tables (§2.3.3).
    IndexOutOfRange {
        /// The index sent.
        index: usize,
        /// How many entries the dynamic table holds.
        dynamic_len: usize,
    },
    /// A size update above SETTINGS_HEADER_TABLE_SIZE (§6.3).
    SizeUpdateTooLarge {
        /// The size asked for.
        max_size: usize,
        /// The setting.
        limit: usize,
    },
    /// A size update after a header field (§4.2: it "MUST occur at the beginning").
    SizeUpdateAfterField,
    /// A Huffman-coded string containing EOS (§5.2).
    HuffmanEos,
    /// Huffman padding longer than 7 bits or not all ones (§5.2).
    HuffmanPadding,
}

impl fmt::Display for HpackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated => f.write_str("the header block ends inside a representation"),
            Self::IntegerOverflow => f.write_str("integer too large"),
            Self::IndexZero => f.write_str("index 0 in an indexed header field"),
            Self::IndexOutOfRange { index, dynamic_len } => write!(
                f,
                "index {index} is past the static table and the {dynamic_len} dynamic entries"
            ),
            Self::SizeUpdateTooLarge { max_size, limit } => write!(
                f,
                "dynamic table size update to {max_size} is above SETTINGS_HEADER_TABLE_SIZE {limit}"
            ),
            Self::SizeUpdateAfterField => {
                f.write_str("dynamic table size update after a header field")
            }
            Self::HuffmanEos => f.write_str("Huffman-coded string contains EOS"),
            Self::HuffmanPadding => f.write_str("Huffman padding is not 0 to 7 one bits"),
        }
    }
}

impl std::error::Error for HpackError {}

/// A failed block: the error, where, and what was decoded before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The error.
    pub error: HpackError,
    /// Where the failing representation starts in the block.
    pub offset: usize,
    /// The events of the representations before it.
    pub events: Vec<Event>,
}
