//! The protobuf field types, one zero-sized marker each.

use bytes::Bytes;
use quick_protobuf::BytesReader;
use quick_protobuf::sizeofs::{sizeof_len, sizeof_sint64, sizeof_varint};
use std::marker::PhantomData;

use super::{DecodeError, Decoder, EncodeBuf, Encoder, FieldSink, Message, Text, WireType};

/// A protobuf field type: the Rust type of its values and how one value goes on the wire.
///
/// Values are written *without* their key: the key belongs to the field, and [`FieldSink`]
/// (`field`, `optional`, `repeated`, `map`) writes it. LEN kinds include their length prefix.
///
/// [`FieldSink`]: super::FieldSink
pub trait Kind {
    /// The Rust type of a value.
    type Value: Default;
    /// The wire type of one value.
    const WIRE_TYPE: WireType;
    /// Whether `value` is the proto3 default, which a singular field does not write.
    fn is_default(value: &Self::Value) -> bool;
    /// The encoded size of `value` (with its length prefix for LEN kinds).
    fn value_len(value: &Self::Value) -> usize;
    /// Writes `value` (with its length prefix for LEN kinds).
    fn encode_value<B: EncodeBuf>(value: &Self::Value, e: &mut Encoder<'_, B>);
    /// Writes one record of field `number`: its key, then `value`. `string` and `bytes`
    /// override it to write key and length together.
    #[inline(always)]
    fn encode_record<B: EncodeBuf>(number: u32, value: &Self::Value, e: &mut Encoder<'_, B>) {
        e.key(number, Self::WIRE_TYPE);
        Self::encode_value(value, e);
    }
    /// How many bytes of `value` a [`SplicedBuf`](super::SplicedBuf) keeps by reference rather
    /// than copying: the payloads of its `bytes` values of at least
    /// [`MIN_SPLICED`](super::MIN_SPLICED) bytes, nested ones included. None for the others.
    #[inline]
    fn spliced_len(_value: &Self::Value) -> usize {
        0
    }
    /// Decodes one value at the decoder's position into `value` (scalars replace, messages
    /// merge).
    ///
    /// # Errors
    /// Truncated or invalid bytes.
    fn merge_value(value: &mut Self::Value, d: &mut Decoder<'_>) -> Result<(), DecodeError>;
}

// ===== Varint kinds =====

// The 32-bit varint kinds decode through `Decoder::varint` (64 bits, strict about the tenth
// byte) and truncate, rather than through quick-protobuf's `read_varint32`, which skips up to
// five excess bytes unchecked: a 32-bit field must not accept what a 64-bit one refuses.

/// ZigZag for 32 bits: `0 → 0, -1 → 1, 1 → 2, -2 → 3 …`, as an unsigned number.
fn zigzag32(value: i32) -> u32 {
    ((value << 1) ^ (value >> 31)).cast_unsigned()
}

/// ZigZag for 64 bits, as [`zigzag32`].
fn zigzag64(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)).cast_unsigned()
}

/// The inverse of [`zigzag32`].
fn unzigzag32(value: u32) -> i32 {
    (value >> 1).cast_signed() ^ -((value & 1).cast_signed())
}

/// `int32`: a varint; negative values are sign-extended to 64 bits, so they take ten bytes.
#[derive(Debug, Clone, Copy)]
pub struct Int32;

impl Kind for Int32 {
    type Value = i32;
    const WIRE_TYPE: WireType = WireType::Varint;
    fn is_default(value: &i32) -> bool {
        *value == 0
    }
    #[inline]
    fn value_len(value: &i32) -> usize {
        sizeof_varint(i64::from(*value) as u64)
    }
    #[inline]
    fn encode_value<B: EncodeBuf>(value: &i32, e: &mut Encoder<'_, B>) {
        // Negative values sign-extend to ten bytes, as `write_int32` does.
        e.varint(i64::from(*value) as u64);
    }
    fn merge_value(value: &mut i32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        // Read as 64 bits (refusing a tenth byte above 1, as every 64-bit field does) and
        // truncated to 32, as the C++ runtime and prost do.
        *value = d.varint32()?.cast_signed();
        Ok(())
    }
}

/// `int64`: a varint; negative values take ten bytes.
#[derive(Debug, Clone, Copy)]
pub struct Int64;

impl Kind for Int64 {
    type Value = i64;
    const WIRE_TYPE: WireType = WireType::Varint;
    fn is_default(value: &i64) -> bool {
        *value == 0
    }
    #[inline]
    fn value_len(value: &i64) -> usize {
        sizeof_varint(*value as u64)
    }
    #[inline]
    fn encode_value<B: EncodeBuf>(value: &i64, e: &mut Encoder<'_, B>) {
        e.varint(*value as u64);
    }
    fn merge_value(value: &mut i64, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        *value = d.varint()? as i64;
        Ok(())
    }
}

/// `uint32`: a varint.
#[derive(Debug, Clone, Copy)]
pub struct Uint32;

impl Kind for Uint32 {
    type Value = u32;
    const WIRE_TYPE: WireType = WireType::Varint;
    fn is_default(value: &u32) -> bool {
        *value == 0
    }
    #[inline]
    fn value_len(value: &u32) -> usize {
        sizeof_varint(u64::from(*value))
    }
    #[inline]
    fn encode_value<B: EncodeBuf>(value: &u32, e: &mut Encoder<'_, B>) {
        e.varint(u64::from(*value));
    }
    fn merge_value(value: &mut u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        *value = d.varint32()?;
        Ok(())
    }
}

/// `uint64`: a varint.
#[derive(Debug, Clone, Copy)]
pub struct Uint64;

impl Kind for Uint64 {
    type Value = u64;
    const WIRE_TYPE: WireType = WireType::Varint;
    fn is_default(value: &u64) -> bool {
        *value == 0
    }
    #[inline]
    fn value_len(value: &u64) -> usize {
        sizeof_varint(*value)
    }
    #[inline]
    fn encode_value<B: EncodeBuf>(value: &u64, e: &mut Encoder<'_, B>) {
        e.varint(*value);
    }
    fn merge_value(value: &mut u64, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        *value = d.varint()?;
        Ok(())
    }
}

/// `sint32`: a ZigZag varint (`0 → 0, -1 → 1, 1 → 2, -2 → 3`), short for small negative numbers.
#[derive(Debug, Clone, Copy)]
pub struct Sint32;

impl Kind for Sint32 {
    type Value = i32;
    const WIRE_TYPE: WireType = WireType::Varint;
    fn is_default(value: &i32) -> bool {
        *value == 0
    }
    #[inline]
    fn value_len(value: &i32) -> usize {
        sizeof_varint(zigzag32(*value).into())
    }
    #[inline]
    fn encode_value<B: EncodeBuf>(value: &i32, e: &mut Encoder<'_, B>) {
        // Not quick-protobuf's write_sint32/sizeof_sint32: they cast the ZigZag result from i32
        // to u64, sign-extending it, so |v| >= 2^30 came out as ten bytes instead of five.
        e.varint(zigzag32(*value).into());
    }
    fn merge_value(value: &mut i32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        *value = unzigzag32(d.varint32()?);
        Ok(())
    }
}

/// `sint64`: a ZigZag varint.
#[derive(Debug, Clone, Copy)]
pub struct Sint64;

impl Kind for Sint64 {
    type Value = i64;
    const WIRE_TYPE: WireType = WireType::Varint;
    fn is_default(value: &i64) -> bool {
        *value == 0
    }
    #[inline]
    fn value_len(value: &i64) -> usize {
        sizeof_sint64(*value)
    }
    #[inline]
    fn encode_value<B: EncodeBuf>(value: &i64, e: &mut Encoder<'_, B>) {
        e.varint(zigzag64(*value));
    }
    fn merge_value(value: &mut i64, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        *value = d.primitive(BytesReader::read_sint64)?;
        Ok(())
    }
}

/// `bool`: a varint 0 or 1; any non-zero varint decodes as `true`.
#[derive(Debug, Clone, Copy)]
pub struct Bool;

impl Kind for Bool {
    type Value = bool;
    const WIRE_TYPE: WireType = WireType::Varint;
    fn is_default(value: &bool) -> bool {
        !*value
    }
    #[inline]
    fn value_len(_: &bool) -> usize {
        1
    }
    #[inline]
    fn encode_value<B: EncodeBuf>(value: &bool, e: &mut Encoder<'_, B>) {
        e.varint(u64::from(*value));
    }
    fn merge_value(value: &mut bool, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        // Not quick-protobuf's read_bool: it reads only 32 bits, so 2^32 would come out false.
        *value = d.varint()? != 0;
        Ok(())
    }
}

/// An enum, as its number. proto3 enums are *open*: a number the receiver does not know is
/// kept as it is, not dropped, so it can be passed on unchanged.
#[derive(Debug, Clone, Copy)]
pub struct Enum;

impl Kind for Enum {
    type Value = i32;
    const WIRE_TYPE: WireType = WireType::Varint;
    fn is_default(value: &i32) -> bool {
        *value == 0
    }
    #[inline]
    fn value_len(value: &i32) -> usize {
        sizeof_varint(i64::from(*value) as u64)
    }
    #[inline]
    fn encode_value<B: EncodeBuf>(value: &i32, e: &mut Encoder<'_, B>) {
        e.varint(i64::from(*value) as u64);
    }
    fn merge_value(value: &mut i32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        *value = d.varint32()?.cast_signed();
        Ok(())
    }
}

// ===== Fixed-width kinds =====
//
// For floats the default is +0.0 *bit for bit*, so -0.0 is written, as the C++ runtime does
// (it compares the bits). prost compares with `!= 0.0` and drops -0.0, losing its sign: a
// deliberate difference from prost's bytes.

/// `fixed32`: four little-endian bytes.
#[derive(Debug, Clone, Copy)]
pub struct Fixed32;

impl Kind for Fixed32 {
    type Value = u32;
    const WIRE_TYPE: WireType = WireType::I32;
    fn is_default(value: &u32) -> bool {
        *value == 0
    }
    #[inline]
    fn value_len(_: &u32) -> usize {
        4
    }
    #[inline]
    fn encode_value<B: EncodeBuf>(value: &u32, e: &mut Encoder<'_, B>) {
        e.primitive(|w| w.write_fixed32(*value));
    }
    fn merge_value(value: &mut u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        *value = d.primitive(BytesReader::read_fixed32)?;
        Ok(())
    }
}

/// `fixed64`: eight little-endian bytes.
#[derive(Debug, Clone, Copy)]
pub struct Fixed64;

impl Kind for Fixed64 {
    type Value = u64;
    const WIRE_TYPE: WireType = WireType::I64;
    fn is_default(value: &u64) -> bool {
        *value == 0
    }
    #[inline]
    fn value_len(_: &u64) -> usize {
        8
    }
    #[inline]
    fn encode_value<B: EncodeBuf>(value: &u64, e: &mut Encoder<'_, B>) {
        e.primitive(|w| w.write_fixed64(*value));
    }
    fn merge_value(value: &mut u64, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        *value = d.primitive(BytesReader::read_fixed64)?;
        Ok(())
    }
}

/// `sfixed32`: four little-endian bytes, two's complement.
#[derive(Debug, Clone, Copy)]
pub struct Sfixed32;

impl Kind for Sfixed32 {
    type Value = i32;
    const WIRE_TYPE: WireType = WireType::I32;
    fn is_default(value: &i32) -> bool {
        *value == 0
    }
    #[inline]
    fn value_len(_: &i32) -> usize {
        4
    }
    #[inline]
    fn encode_value<B: EncodeBuf>(value: &i32, e: &mut Encoder<'_, B>) {
        e.primitive(|w| w.write_sfixed32(*value));
    }
    fn merge_value(value: &mut i32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        *value = d.primitive(BytesReader::read_sfixed32)?;
        Ok(())
    }
}

/// `sfixed64`: eight little-endian bytes, two's complement.
#[derive(Debug, Clone, Copy)]
pub struct Sfixed64;

impl Kind for Sfixed64 {
    type Value = i64;
    const WIRE_TYPE: WireType = WireType::I64;
    fn is_default(value: &i64) -> bool {
        *value == 0
    }
    #[inline]
    fn value_len(_: &i64) -> usize {
        8
    }
    #[inline]
    fn encode_value<B: EncodeBuf>(value: &i64, e: &mut Encoder<'_, B>) {
        e.primitive(|w| w.write_sfixed64(*value));
    }
    fn merge_value(value: &mut i64, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        *value = d.primitive(BytesReader::read_sfixed64)?;
        Ok(())
    }
}

/// `float`: an IEEE 754 single, four little-endian bytes.
#[derive(Debug, Clone, Copy)]
pub struct Float;

impl Kind for Float {
    type Value = f32;
    const WIRE_TYPE: WireType = WireType::I32;
    fn is_default(value: &f32) -> bool {
        value.to_bits() == 0
    }
    #[inline]
    fn value_len(_: &f32) -> usize {
        4
    }
    #[inline]
    fn encode_value<B: EncodeBuf>(value: &f32, e: &mut Encoder<'_, B>) {
        e.primitive(|w| w.write_float(*value));
    }
    fn merge_value(value: &mut f32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        *value = d.primitive(BytesReader::read_float)?;
        Ok(())
    }
}

/// `double`: an IEEE 754 double, eight little-endian bytes.
#[derive(Debug, Clone, Copy)]
pub struct Double;

impl Kind for Double {
    type Value = f64;
    const WIRE_TYPE: WireType = WireType::I64;
    fn is_default(value: &f64) -> bool {
        value.to_bits() == 0
    }
    #[inline]
    fn value_len(_: &f64) -> usize {
        8
    }
    #[inline]
    fn encode_value<B: EncodeBuf>(value: &f64, e: &mut Encoder<'_, B>) {
        e.primitive(|w| w.write_double(*value));
    }
    fn merge_value(value: &mut f64, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        *value = d.primitive(BytesReader::read_double)?;
        Ok(())
    }
}

// ===== LEN kinds =====

/// `string`: LEN, UTF-8. Decoded as a [`Text`]: short strings copied inline, long ones sharing
/// the received buffer.
#[derive(Debug, Clone, Copy)]
pub struct Str;

impl Kind for Str {
    type Value = Text;
    const WIRE_TYPE: WireType = WireType::Len;
    fn is_default(value: &Text) -> bool {
        value.is_empty()
    }
    #[inline]
    fn value_len(value: &Text) -> usize {
        sizeof_len(value.len())
    }
    #[inline(always)]
    fn encode_value<B: EncodeBuf>(value: &Text, e: &mut Encoder<'_, B>) {
        // The bytes, not the `str`: no UTF-8 check on the way out.
        e.len_delimited(value.as_bytes());
    }
    #[inline(always)]
    fn encode_record<B: EncodeBuf>(number: u32, value: &Text, e: &mut Encoder<'_, B>) {
        e.len_record(number, value.as_bytes());
    }
    fn merge_value(value: &mut Text, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        d.string_into(value)
    }
}

/// `bytes`: LEN, any bytes. Decoded as a zero-copy [`Bytes`] slice of the received buffer.
#[derive(Debug, Clone, Copy)]
pub struct Bin;

impl Kind for Bin {
    type Value = Bytes;
    const WIRE_TYPE: WireType = WireType::Len;
    fn is_default(value: &Bytes) -> bool {
        value.is_empty()
    }
    #[inline]
    fn value_len(value: &Bytes) -> usize {
        sizeof_len(value.len())
    }
    #[inline(always)]
    fn encode_value<B: EncodeBuf>(value: &Bytes, e: &mut Encoder<'_, B>) {
        e.len_delimited_shared(value);
    }
    #[inline(always)]
    fn encode_record<B: EncodeBuf>(number: u32, value: &Bytes, e: &mut Encoder<'_, B>) {
        e.len_record_shared(number, value);
    }
    fn spliced_len(value: &Bytes) -> usize {
        if value.len() >= super::spliced::MIN_SPLICED {
            value.len()
        } else {
            0
        }
    }
    fn merge_value(value: &mut Bytes, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        *value = d.bytes_value()?;
        Ok(())
    }
}

/// A message field of type `M`: LEN, the nested message's own encoding.
///
/// Its length prefix is computed with [`Message::encoded_len`] *before* the body is written,
/// so nothing is ever back-patched.
#[derive(Debug)]
pub struct Msg<M>(PhantomData<M>);

impl<M: Message> Kind for Msg<M> {
    type Value = M;
    const WIRE_TYPE: WireType = WireType::Len;
    /// Never: a message that is present is written, even when empty (absent is `None`).
    fn is_default(_: &M) -> bool {
        false
    }
    #[inline]
    fn value_len(value: &M) -> usize {
        sizeof_len(value.encoded_len())
    }
    #[inline]
    fn encode_value<B: EncodeBuf>(value: &M, e: &mut Encoder<'_, B>) {
        e.len_prefix(value.encoded_len());
        value.encode_fields(e);
    }
    fn spliced_len(value: &M) -> usize {
        super::spliced::spliced_len(value)
    }
    fn merge_value(value: &mut M, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        d.nested(value)
    }
}
