//! Why a protobuf message could not be decoded.

use std::fmt;

use super::WireType;

/// Why a protobuf message could not be decoded.
///
/// Pure protobuf: it knows nothing of gRPC codes. The call layer turns it into `INTERNAL`
/// ("Error parsing request proto", statuscodes.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The input ended in the middle of a key or a value.
    Truncated,
    /// A varint ran past ten bytes or past 64 bits.
    VarintOverflow,
    /// A key that no encoder produces: field number 0, or more than 32 bits.
    InvalidKey(u64),
    /// Wire type 6 or 7.
    InvalidWireType(u8),
    /// Wire type 3 or 4: proto2 groups, which proto3 does not have.
    Group {
        /// The field number the group was sent under.
        number: u32,
    },
    /// A known field arrived with a wire type its declared type cannot have.
    WireTypeMismatch {
        /// The field number.
        number: u32,
        /// The wire type of the declared type.
        expected: WireType,
        /// The wire type on the wire.
        found: WireType,
    },
    /// A `string` field is not valid UTF-8.
    InvalidUtf8 {
        /// The field number.
        number: u32,
    },
    /// Nested messages deeper than [`RECURSION_LIMIT`](super::RECURSION_LIMIT).
    RecursionLimit,
    /// An end-group key (wire type 4) for field `number` where no group of that field is open.
    UnmatchedEndGroup {
        /// The field number of the end-group key.
        number: u32,
    },
    /// A packed fixed-width field whose length is not a multiple of the value size.
    PackedLength {
        /// The field number.
        number: u32,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated => f.write_str("the message ends in the middle of a field"),
            Self::VarintOverflow => f.write_str("a varint is longer than 64 bits"),
            Self::InvalidKey(key) => write!(
                f,
                "invalid field key {key:#x} (field number 0 or over 2^29-1)"
            ),
            Self::InvalidWireType(wire_type) => write!(f, "invalid wire type {wire_type}"),
            Self::Group { number } => {
                write!(
                    f,
                    "field {number} is a group (wire type 3/4), which proto3 does not support"
                )
            }
            Self::WireTypeMismatch {
                number,
                expected,
                found,
            } => {
                write!(
                    f,
                    "field {number} has wire type {found:?}, expected {expected:?}"
                )
            }
            Self::InvalidUtf8 { number } => write!(f, "string field {number} is not valid UTF-8"),
            Self::UnmatchedEndGroup { number } => {
                write!(
                    f,
                    "an end-group key for field {number} closes no open group"
                )
            }
            Self::RecursionLimit => write!(
                f,
                "messages nested deeper than {} levels",
                super::RECURSION_LIMIT
            ),
            Self::PackedLength { number } => {
                write!(
                    f,
                    "packed field {number} has a length that is not a multiple of its value size"
                )
            }
        }
    }
}

impl std::error::Error for DecodeError {}

impl From<quick_protobuf::Error> for DecodeError {
    /// quick-protobuf's reader reports running off the end of its input as
    /// `UnexpectedEndOfBuffer`, and both a too-long varint and a LEN longer than what remains as
    /// `Varint`; the callers in this module only ever see those two.
    fn from(error: quick_protobuf::Error) -> Self {
        match error {
            quick_protobuf::Error::Varint => Self::VarintOverflow,
            _ => Self::Truncated,
        }
    }
}
