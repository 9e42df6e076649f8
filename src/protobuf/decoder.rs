//! Decoding: records in, field values out.

use std::collections::BTreeMap;

use bytes::Bytes;
use quick_protobuf::BytesReader;

use super::kinds::{Bin, Bool, Double, Enum, Fixed32, Fixed64, Float, Int32, Int64, Kind, Msg};
use super::kinds::{Sfixed32, Sfixed64, Sint32, Sint64, Str, Uint32, Uint64};
use super::{DecodeError, Message, Text, WireType};

/// How deep messages may nest inside each other: 100, "the default recursion limit in the C++
/// implementation" (as prost also chose). A decoder that recursed without bound could be made to
/// overflow its stack by a few hundred bytes of input.
pub const RECURSION_LIMIT: u32 = 100;

/// Walks the records of one message (or of one nested message, packed field or map entry).
///
/// A `Decoder` holds the bytes of the message not yet decoded, and the [`Bytes`] they live in,
/// so that `bytes` values and long `string` values come out as zero-copy slices
/// ([`Bytes::slice`]) instead of copies (short strings are copied into their [`Text`], which is
/// cheaper than sharing). Each primitive value (a varint, a fixed-width number) is read by a
/// [`quick_protobuf::BytesReader`] over what remains; the one-byte varint, which is most of them,
/// is read inline.
///
/// [`Message::merge_field`] is called once per record with the field number; it picks the
/// method for the field's type (`d.string(&mut self.name)`), or [`Decoder::skip`] for a number it
/// does not know. Each method checks that the record's wire type fits the field's type.
#[derive(Debug)]
pub struct Decoder<'a> {
    /// The whole received buffer: zero-copy values are slices of it.
    src: &'a Bytes,
    /// What remains of the message being decoded: a sub-slice of `src`.
    rest: &'a [u8],
    /// How many messages enclose this one.
    depth: u32,
    /// The field number of the current record (0 before the first).
    number: u32,
    /// The wire type of the current record.
    wire_type: WireType,
}

impl<'a> Decoder<'a> {
    /// A decoder over a whole top-level message.
    pub fn new(src: &'a Bytes) -> Self {
        Self::scoped(src, src, 0)
    }

    fn scoped(src: &'a Bytes, rest: &'a [u8], depth: u32) -> Self {
        Decoder {
            src,
            rest,
            depth,
            number: 0,
            wire_type: WireType::Varint,
        }
    }

    /// Reads the next key. `None` at the end of the message.
    ///
    /// # Errors
    /// A truncated or invalid key ([`WireType`] documents which keys are refused).
    #[inline]
    pub fn next_field(&mut self) -> Result<Option<u32>, DecodeError> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (number, wire_type) = WireType::split_key(self.varint()?)?;
        self.number = number;
        self.wire_type = wire_type;
        Ok(Some(number))
    }

    /// Reads the next key as [`next_field`](Self::next_field) does, but accepts the group
    /// wire types (3, `SGROUP`, and 4, `EGROUP`): for messages read from a descriptor, which
    /// may be proto2 and have groups. Returns the field number; [`wire_type`](Self::wire_type)
    /// tells whether it opens or closes a group.
    ///
    /// # Errors
    /// A truncated or invalid key.
    #[inline]
    pub fn next_field_with_groups(&mut self) -> Result<Option<u32>, DecodeError> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (number, wire_type) = WireType::split_key_with_groups(self.varint()?)?;
        self.number = number;
        self.wire_type = wire_type;
        Ok(Some(number))
    }

    /// The wire type of the current record.
    pub fn wire_type(&self) -> WireType {
        self.wire_type
    }

    /// What remains of the message being decoded. Taken before a record's key and again after
    /// its value, it gives the record's bytes (how unknown fields are kept).
    pub fn remaining(&self) -> &'a [u8] {
        self.rest
    }

    /// Takes everything that remains, as a zero-copy slice of the received buffer.
    pub fn take_remaining(&mut self) -> Bytes {
        let offset = self.offset_of(self.rest);
        let len = self.rest.len();
        self.rest = &self.rest[len..];
        self.src.slice(offset..offset + len)
    }

    /// Enters a group whose start key was just read: one level deeper, counted against
    /// [`RECURSION_LIMIT`] like a nested message. Leave it with [`leave_group`](Self::leave_group).
    ///
    /// # Errors
    /// [`DecodeError::RecursionLimit`].
    pub fn enter_group(&mut self) -> Result<(), DecodeError> {
        if self.depth + 1 > RECURSION_LIMIT {
            return Err(DecodeError::RecursionLimit);
        }
        self.depth += 1;
        Ok(())
    }

    /// Leaves the group entered by [`enter_group`](Self::enter_group).
    pub fn leave_group(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// The field number of the current record.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// Skips the value of the current record: what a decoder does with a field number it does not
    /// know, so that newer senders can add fields.
    ///
    /// # Errors
    /// The value is truncated.
    pub fn skip(&mut self) -> Result<(), DecodeError> {
        match self.wire_type {
            WireType::Varint => self.varint().map(drop),
            WireType::I64 => self.primitive(BytesReader::read_fixed64).map(drop),
            WireType::I32 => self.primitive(BytesReader::read_fixed32).map(drop),
            WireType::Len => self.len_delimited().map(drop),
            WireType::StartGroup => self.skip_group(),
            // Only next_field_with_groups reads an end-group key, and its callers handle it.
            WireType::EndGroup => Err(DecodeError::UnmatchedEndGroup {
                number: self.number,
            }),
        }
    }

    /// Skips a whole group, whose start key was just read: every record up to the end-group
    /// key of the same field number (groups inside are skipped the same way, each a level of
    /// [`RECURSION_LIMIT`]).
    fn skip_group(&mut self) -> Result<(), DecodeError> {
        let number = self.number;
        self.enter_group()?;
        loop {
            let Some(inner) = self.next_field_with_groups()? else {
                return Err(DecodeError::Truncated);
            };
            if self.wire_type == WireType::EndGroup {
                if inner != number {
                    return Err(DecodeError::UnmatchedEndGroup { number: inner });
                }
                self.leave_group();
                return Ok(());
            }
            self.skip()?;
        }
    }

    // ===== Primitives, used by the kinds =====

    /// Runs one quick-protobuf reader primitive on what remains, and moves past what it read.
    #[inline]
    pub(crate) fn primitive<T>(
        &mut self,
        read: impl FnOnce(&mut BytesReader, &[u8]) -> quick_protobuf::Result<T>,
    ) -> Result<T, DecodeError> {
        let mut reader = BytesReader::from_bytes(self.rest);
        let value = read(&mut reader, self.rest)?;
        self.rest = &self.rest[self.rest.len() - reader.len()..];
        Ok(value)
    }

    /// A varint of up to 64 bits.
    ///
    /// Most varints are one byte (every key of a field below 16, every length below 128), so
    /// that case is taken first, inline, then two bytes (lengths up to 16 KiB); longer ones go
    /// to quick-protobuf's `read_varint64`.
    #[inline]
    pub(crate) fn varint(&mut self) -> Result<u64, DecodeError> {
        match self.rest {
            [byte, tail @ ..] if *byte < 0x80 => {
                self.rest = tail;
                Ok(u64::from(*byte))
            }
            // The first byte has its continuation bit set (or the arm above took it).
            [low, high, tail @ ..] if *high < 0x80 => {
                self.rest = tail;
                Ok(u64::from(low & 0x7f) | (u64::from(*high) << 7))
            }
            _ => self.long_varint(),
        }
    }

    /// A varint of two bytes or more.
    ///
    /// quick-protobuf accepts a tenth byte above 1 and drops its extra bits; protobuf-go
    /// (`ConsumeVarint`) and prost refuse it, and so does this.
    #[inline(never)]
    fn long_varint(&mut self) -> Result<u64, DecodeError> {
        let before = self.rest;
        let value = self.primitive(BytesReader::read_varint64)?;
        let used = before.len() - self.rest.len();
        if used == 10 && before[9] > 1 {
            return Err(DecodeError::VarintOverflow);
        }
        Ok(value)
    }

    /// A varint for a 32-bit field: read as 64 bits, keeping the low 32 ("if a 64-bit number
    /// is parsed as a 32-bit type, it is truncated", as the encoding guide and the C++ runtime
    /// say; how negative `int32` values arrive as ten bytes).
    #[expect(
        clippy::cast_possible_truncation,
        reason = "truncation is protobuf's rule here"
    )]
    pub(crate) fn varint32(&mut self) -> Result<u32, DecodeError> {
        Ok(self.varint()? as u32)
    }

    /// The payload of a LEN record, after checking its length against what remains.
    #[inline]
    pub(crate) fn len_delimited(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = usize::try_from(self.varint()?).map_err(|_| DecodeError::Truncated)?;
        // Checked before anything is sliced or allocated: a length is only a claim.
        if len > self.rest.len() {
            return Err(DecodeError::Truncated);
        }
        let (payload, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(payload)
    }

    /// A LEN payload as a zero-copy [`Bytes`].
    pub(crate) fn bytes_value(&mut self) -> Result<Bytes, DecodeError> {
        let payload = self.len_delimited()?;
        let offset = self.offset_of(payload);
        Ok(self.src.slice(offset..offset + payload.len()))
    }

    /// Where `payload` starts in `src`. It lies within `src` (every scope is a sub-slice of it),
    /// so its offset is the distance between the two pointers.
    #[inline]
    fn offset_of(&self, payload: &[u8]) -> usize {
        payload.as_ptr() as usize - self.src.as_ptr() as usize
    }

    /// A LEN payload into a [`Text`]: checked to be UTF-8, then copied into `value`'s inline
    /// bytes if it is short, or else a zero-copy slice of the received buffer.
    pub(crate) fn string_into(&mut self, value: &mut Text) -> Result<(), DecodeError> {
        let number = self.number;
        let payload = self.len_delimited()?;
        let offset = self.offset_of(payload);
        value
            .assign_utf8_within(self.src, offset, payload.len())
            .map_err(|_| DecodeError::InvalidUtf8 { number })
    }

    /// Decodes a nested message in place (fields merge into what `message` already holds, as
    /// protobuf requires when a message field appears twice).
    pub(crate) fn nested<M: Message>(&mut self, message: &mut M) -> Result<(), DecodeError> {
        self.nested_with(|d| message.merge(d))
    }

    /// Reads a LEN record's payload and runs `decode` on a decoder over it, one level deeper
    /// (checked against [`RECURSION_LIMIT`]): how a nested message is decoded when its type is
    /// not a Rust type but a descriptor ([`crate::dynamic`]).
    ///
    /// # Errors
    /// Truncation, the recursion limit, or what `decode` returns.
    pub fn nested_with<T>(
        &mut self,
        decode: impl FnOnce(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<T, DecodeError> {
        let payload = self.len_delimited()?;
        let depth = self.depth + 1;
        if depth > RECURSION_LIMIT {
            return Err(DecodeError::RecursionLimit);
        }
        decode(&mut Decoder::scoped(self.src, payload, depth))
    }

    fn check<K: Kind>(&self) -> Result<(), DecodeError> {
        if self.wire_type == K::WIRE_TYPE {
            Ok(())
        } else {
            Err(self.mismatch(K::WIRE_TYPE))
        }
    }

    fn mismatch(&self, expected: WireType) -> DecodeError {
        DecodeError::WireTypeMismatch {
            number: self.number,
            expected,
            found: self.wire_type,
        }
    }

    // ===== Fields, by kind =====

    /// A singular field of kind `K`: the value replaces the previous one (for messages: merges).
    ///
    /// # Errors
    /// A wire type that does not fit `K`, or a bad value.
    pub fn field<K: Kind>(&mut self, value: &mut K::Value) -> Result<(), DecodeError> {
        self.check::<K>()?;
        K::merge_value(value, self)
    }

    /// A field with presence (a message field, or a proto3 `optional`): absent stays `None`,
    /// present becomes `Some`, even when every field inside holds its default.
    ///
    /// # Errors
    /// As [`Decoder::field`].
    pub fn optional<K: Kind>(&mut self, value: &mut Option<K::Value>) -> Result<(), DecodeError> {
        self.check::<K>()?;
        K::merge_value(value.get_or_insert_with(Default::default), self)
    }

    /// One value of kind `K`, on its own: for the arms of a `oneof`.
    ///
    /// # Errors
    /// As [`Decoder::field`].
    pub fn value<K: Kind>(&mut self) -> Result<K::Value, DecodeError> {
        let mut value = K::Value::default();
        self.field::<K>(&mut value)?;
        Ok(value)
    }

    /// One record of a `repeated` field. Scalars are accepted both packed (one LEN record holding
    /// all the values) and unpacked (one record per value), as the encoding guide requires.
    ///
    /// # Errors
    /// A wire type that fits neither form, or a bad value.
    pub fn repeated<K: Kind>(&mut self, values: &mut Vec<K::Value>) -> Result<(), DecodeError> {
        if self.wire_type == K::WIRE_TYPE {
            let mut value = K::Value::default();
            K::merge_value(&mut value, self)?;
            values.push(value);
            return Ok(());
        }
        if self.wire_type != WireType::Len || K::WIRE_TYPE == WireType::Len {
            return Err(self.mismatch(K::WIRE_TYPE));
        }
        self.packed::<K, _>(values, |value| value)
    }

    /// The values of one packed record (a LEN payload holding values of kind `K` back to back),
    /// each pushed onto `values` through `map` (the identity for a typed field; a conversion
    /// into a dynamic value for [`crate::dynamic`]). For fixed-width kinds the count is known
    /// from the length, and reserved (bounded by the bytes present).
    ///
    /// # Errors
    /// A payload whose length is not a multiple of a fixed-width value, or a bad value.
    pub fn packed<K: Kind, T>(
        &mut self,
        values: &mut Vec<T>,
        map: impl Fn(K::Value) -> T,
    ) -> Result<(), DecodeError> {
        let payload = self.len_delimited()?;
        let width = match K::WIRE_TYPE {
            WireType::I32 => 4,
            WireType::I64 => 8,
            _ => 1,
        };
        if payload.len() % width != 0 {
            return Err(DecodeError::PackedLength {
                number: self.number,
            });
        }
        let mut packed = Decoder::scoped(self.src, payload, self.depth);
        packed.number = self.number;
        packed.wire_type = K::WIRE_TYPE;
        // Fixed-width values: the count is known and bounded by the bytes present.
        values.reserve(if width > 1 { payload.len() / width } else { 0 });
        while !packed.rest.is_empty() {
            let mut value = K::Value::default();
            K::merge_value(&mut value, &mut packed)?;
            values.push(map(value));
        }
        Ok(())
    }

    /// One entry of a `map<K, V>` field: a LEN record holding a small message with the key as
    /// field 1 and the value as field 2 (either may be missing and then holds its default).
    ///
    /// # Errors
    /// A wire type other than LEN, or a bad key or value.
    pub fn map<K: Kind, V: Kind>(
        &mut self,
        map: &mut BTreeMap<K::Value, V::Value>,
    ) -> Result<(), DecodeError>
    where
        K::Value: Ord,
    {
        if self.wire_type != WireType::Len {
            return Err(self.mismatch(WireType::Len));
        }
        let payload = self.len_delimited()?;
        let depth = self.depth + 1;
        if depth > RECURSION_LIMIT {
            return Err(DecodeError::RecursionLimit);
        }
        let mut entry = Decoder::scoped(self.src, payload, depth);
        let mut key = K::Value::default();
        let mut value = V::Value::default();
        while let Some(number) = entry.next_field()? {
            match number {
                1 => entry.field::<K>(&mut key)?,
                2 => entry.field::<V>(&mut value)?,
                _ => entry.skip()?,
            }
        }
        map.insert(key, value);
        Ok(())
    }

    // ===== Named shortcuts for singular fields =====

    /// A singular `string` field.
    ///
    /// # Errors
    /// Wire type other than LEN, truncation, or invalid UTF-8.
    pub fn string(&mut self, value: &mut Text) -> Result<(), DecodeError> {
        self.field::<Str>(value)
    }
    /// A singular `bytes` field.
    ///
    /// # Errors
    /// Wire type other than LEN, or truncation.
    pub fn bytes(&mut self, value: &mut Bytes) -> Result<(), DecodeError> {
        self.field::<Bin>(value)
    }
    /// A singular message field (`Some` once seen).
    ///
    /// # Errors
    /// Wire type other than LEN, or a bad nested message.
    pub fn message<M: Message>(&mut self, value: &mut Option<M>) -> Result<(), DecodeError> {
        self.optional::<Msg<M>>(value)
    }
    /// A singular `int32` field.
    ///
    /// # Errors
    /// Wire type other than VARINT, or a bad varint.
    pub fn int32(&mut self, value: &mut i32) -> Result<(), DecodeError> {
        self.field::<Int32>(value)
    }
    /// A singular `int64` field.
    ///
    /// # Errors
    /// Wire type other than VARINT, or a bad varint.
    pub fn int64(&mut self, value: &mut i64) -> Result<(), DecodeError> {
        self.field::<Int64>(value)
    }
    /// A singular `uint32` field.
    ///
    /// # Errors
    /// Wire type other than VARINT, or a bad varint.
    pub fn uint32(&mut self, value: &mut u32) -> Result<(), DecodeError> {
        self.field::<Uint32>(value)
    }
    /// A singular `uint64` field.
    ///
    /// # Errors
    /// Wire type other than VARINT, or a bad varint.
    pub fn uint64(&mut self, value: &mut u64) -> Result<(), DecodeError> {
        self.field::<Uint64>(value)
    }
    /// A singular `sint32` field.
    ///
    /// # Errors
    /// Wire type other than VARINT, or a bad varint.
    pub fn sint32(&mut self, value: &mut i32) -> Result<(), DecodeError> {
        self.field::<Sint32>(value)
    }
    /// A singular `sint64` field.
    ///
    /// # Errors
    /// Wire type other than VARINT, or a bad varint.
    pub fn sint64(&mut self, value: &mut i64) -> Result<(), DecodeError> {
        self.field::<Sint64>(value)
    }
    /// A singular `bool` field.
    ///
    /// # Errors
    /// Wire type other than VARINT, or a bad varint.
    pub fn bool(&mut self, value: &mut bool) -> Result<(), DecodeError> {
        self.field::<Bool>(value)
    }
    /// A singular enum field, kept as its number (proto3 enums are open).
    ///
    /// # Errors
    /// Wire type other than VARINT, or a bad varint.
    pub fn enumeration(&mut self, value: &mut i32) -> Result<(), DecodeError> {
        self.field::<Enum>(value)
    }
    /// A singular `fixed32` field.
    ///
    /// # Errors
    /// Wire type other than I32, or truncation.
    pub fn fixed32(&mut self, value: &mut u32) -> Result<(), DecodeError> {
        self.field::<Fixed32>(value)
    }
    /// A singular `fixed64` field.
    ///
    /// # Errors
    /// Wire type other than I64, or truncation.
    pub fn fixed64(&mut self, value: &mut u64) -> Result<(), DecodeError> {
        self.field::<Fixed64>(value)
    }
    /// A singular `sfixed32` field.
    ///
    /// # Errors
    /// Wire type other than I32, or truncation.
    pub fn sfixed32(&mut self, value: &mut i32) -> Result<(), DecodeError> {
        self.field::<Sfixed32>(value)
    }
    /// A singular `sfixed64` field.
    ///
    /// # Errors
    /// Wire type other than I64, or truncation.
    pub fn sfixed64(&mut self, value: &mut i64) -> Result<(), DecodeError> {
        self.field::<Sfixed64>(value)
    }
    /// A singular `float` field.
    ///
    /// # Errors
    /// Wire type other than I32, or truncation.
    pub fn float(&mut self, value: &mut f32) -> Result<(), DecodeError> {
        self.field::<Float>(value)
    }
    /// A singular `double` field.
    ///
    /// # Errors
    /// Wire type other than I64, or truncation.
    pub fn double(&mut self, value: &mut f64) -> Result<(), DecodeError> {
        self.field::<Double>(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(bytes: &'static [u8]) -> (Result<u64, DecodeError>, usize) {
        let src = Bytes::from_static(bytes);
        let mut d = Decoder::new(&src);
        let value = d.varint();
        (value, d.rest.len())
    }

    #[test]
    fn varints_of_one_two_and_more_bytes() {
        assert_eq!(varint(b"\x01\xff"), (Ok(1), 1));
        assert_eq!(varint(b"\x80\x01"), (Ok(128), 0));
        assert_eq!(varint(b"\xac\x02\x07"), (Ok(300), 1));
        assert_eq!(varint(b"\xff\x7f"), (Ok(16_383), 0));
        // Not minimal, still valid: zero in two bytes.
        assert_eq!(varint(b"\x80\x00"), (Ok(0), 0));
        assert_eq!(varint(b"\x80\x80\x01"), (Ok(16_384), 0));
        assert_eq!(
            varint(b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"),
            (Ok(u64::MAX), 0)
        );
        for truncated in [&b"\x80"[..], b"\x80\x80", b"\xff\xff\xff"] {
            let src = Bytes::from_static(truncated);
            assert!(Decoder::new(&src).varint().is_err(), "{truncated:?}");
        }
    }
}
