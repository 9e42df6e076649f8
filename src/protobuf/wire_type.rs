//! Wire types and field keys.
//!
//! Every record of a message starts with a key, the varint `(field_number << 3) | wire_type`
//! (<https://protobuf.dev/programming-guides/encoding/#structure>).

use super::DecodeError;

/// The largest field number protobuf allows: 2<sup>29</sup> − 1 (the key must fit in 32 bits
/// after the 3-bit shift).
pub const MAX_FIELD_NUMBER: u32 = (1 << 29) - 1;

/// How a value is laid out on the wire: the low three bits of a key.
///
/// The names are the encoding guide's (`VARINT`, `I64`, `LEN`, `SGROUP`, `EGROUP`, `I32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireType {
    /// 0: a varint (`int32`, `int64`, `uint32`, `uint64`, `sint32`, `sint64`, `bool`, enum).
    Varint = 0,
    /// 1: eight little-endian bytes (`fixed64`, `sfixed64`, `double`).
    I64 = 1,
    /// 2: a varint length, then that many bytes (`string`, `bytes`, messages, packed repeated).
    Len = 2,
    /// 3: start of a group (proto2 only, deprecated; h2grpc rejects it).
    StartGroup = 3,
    /// 4: end of a group (proto2 only, deprecated; h2grpc rejects it).
    EndGroup = 4,
    /// 5: four little-endian bytes (`fixed32`, `sfixed32`, `float`).
    I32 = 5,
}

impl WireType {
    /// The key of a record: `(number << 3) | wire type`.
    ///
    /// ```
    /// use h2grpc::protobuf::WireType;
    /// assert_eq!(WireType::Len.key(1), 0x0a);   // field 1, a string
    /// assert_eq!(WireType::Varint.key(2), 0x10); // field 2, a varint
    /// ```
    pub const fn key(self, number: u32) -> u32 {
        (number << 3) | self as u32
    }

    /// Splits a decoded key into its field number and wire type, refusing what no valid
    /// encoder produces: a key over 32 bits, field number 0, wire types 6 and 7, and groups.
    pub(crate) fn split_key(key: u64) -> Result<(u32, Self), DecodeError> {
        let key = u32::try_from(key).map_err(|_| DecodeError::InvalidKey(key))?;
        let number = key >> 3;
        if number == 0 {
            return Err(DecodeError::InvalidKey(key.into()));
        }
        let wire_type = match key.to_le_bytes()[0] & 7 {
            0 => Self::Varint,
            1 => Self::I64,
            2 => Self::Len,
            3 | 4 => return Err(DecodeError::Group { number }),
            5 => Self::I32,
            other => return Err(DecodeError::InvalidWireType(other)),
        };
        Ok((number, wire_type))
    }

    /// Splits a key as [`split_key`](Self::split_key) does, but lets the group wire types
    /// through: the descriptor-driven decoder ([`crate::dynamic`]) reads proto2 groups, which
    /// the hand-written messages (all proto3) refuse.
    pub(crate) fn split_key_with_groups(key: u64) -> Result<(u32, Self), DecodeError> {
        match key.to_le_bytes()[0] & 7 {
            3 | 4 => {
                let key = u32::try_from(key).map_err(|_| DecodeError::InvalidKey(key))?;
                let number = key >> 3;
                if number == 0 {
                    return Err(DecodeError::InvalidKey(key.into()));
                }
                let wire_type = if key & 7 == 3 {
                    Self::StartGroup
                } else {
                    Self::EndGroup
                };
                Ok((number, wire_type))
            }
            _ => Self::split_key(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_and_join() {
        assert_eq!(WireType::split_key(0x0a), Ok((1, WireType::Len)));
        assert_eq!(WireType::split_key(0x08), Ok((1, WireType::Varint)));
        let max = u64::from(WireType::I32.key(MAX_FIELD_NUMBER));
        assert_eq!(
            WireType::split_key(max),
            Ok((MAX_FIELD_NUMBER, WireType::I32))
        );
    }

    #[test]
    fn bad_keys_are_refused() {
        assert_eq!(WireType::split_key(0x02), Err(DecodeError::InvalidKey(2)));
        assert_eq!(
            WireType::split_key(0x0b),
            Err(DecodeError::Group { number: 1 })
        );
        assert_eq!(
            WireType::split_key(0x0c),
            Err(DecodeError::Group { number: 1 })
        );
        assert_eq!(
            WireType::split_key(0x0e),
            Err(DecodeError::InvalidWireType(6))
        );
        assert_eq!(
            WireType::split_key(0x0f),
            Err(DecodeError::InvalidWireType(7))
        );
        // Field number 2^29 does not fit: its key needs 33 bits.
        let too_big = (u64::from(MAX_FIELD_NUMBER) + 1) << 3;
        assert_eq!(
            WireType::split_key(too_big),
            Err(DecodeError::InvalidKey(too_big))
        );
    }
}
