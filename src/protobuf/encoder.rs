//! Encoding: field values in, records out.

use std::collections::BTreeMap;

use bytes::{BufMut, Bytes, BytesMut};
use quick_protobuf::sizeofs::sizeof_varint;
use quick_protobuf::writer::{Writer, WriterBackend};

use super::kinds::{Bin, Bool, Double, Enum, Fixed32, Fixed64, Float, Int32, Int64, Kind, Msg};
use super::kinds::{Sfixed32, Sfixed64, Sint32, Sint64, Str, Uint32, Uint64};
use super::{Message, Text, WireType};

/// Where a message's fields go: an [`Encoder`] writes them, a [`LenCounter`] adds up their size.
///
/// A message describes its fields once, in [`Message::encode_fields`], and that one description
/// both sizes and writes it: the size used for a length prefix is, by construction, the size of
/// what is written after it.
///
/// Implementors provide the three primitives (`key`, `value`, `len_prefix`); the field methods
/// (proto3's rules for what to write) are provided on top of them.
pub trait FieldSink {
    /// A record key: `(number << 3) | wire_type`, as a varint.
    fn key(&mut self, number: u32, wire_type: WireType);
    /// One value of kind `K`, without a key.
    fn value<K: Kind>(&mut self, value: &K::Value);
    /// The length varint in front of a LEN payload of `len` bytes.
    fn len_prefix(&mut self, len: usize);
    /// Bytes that are already encoded records, written as they are: the unknown fields a
    /// message read from a descriptor keeps and passes on ([`crate::dynamic`]).
    fn raw(&mut self, records: &[u8]);

    /// One record: the key of field `number`, then `value`.
    #[inline]
    fn record<K: Kind>(&mut self, number: u32, value: &K::Value) {
        self.key(number, K::WIRE_TYPE);
        self.value::<K>(value);
    }

    /// A singular field: written only when it is not the proto3 default.
    #[inline]
    fn field<K: Kind>(&mut self, number: u32, value: &K::Value) {
        if !K::is_default(value) {
            self.record::<K>(number, value);
        }
    }

    /// A field with presence (message fields, proto3 `optional`): written whenever it is
    /// `Some`, even when it holds the default.
    #[inline]
    fn optional<K: Kind>(&mut self, number: u32, value: Option<&K::Value>) {
        if let Some(value) = value {
            self.record::<K>(number, value);
        }
    }

    /// A `repeated` field. Scalars are *packed* (proto3's default): one LEN record holding every
    /// value back to back. Strings, bytes and messages take one record each.
    #[inline]
    fn repeated<K: Kind>(&mut self, number: u32, values: &[K::Value]) {
        if values.is_empty() {
            return;
        }
        if K::WIRE_TYPE == WireType::Len {
            for value in values {
                self.record::<K>(number, value);
            }
        } else {
            self.key(number, WireType::Len);
            self.len_prefix(values.iter().map(K::value_len).sum());
            for value in values {
                self.value::<K>(value);
            }
        }
    }

    /// A `map<K, V>` field: one LEN record per entry, each a small message with the key as
    /// field 1 and the value as field 2. As prost (and so tonic) does, a key or value that holds
    /// its default is left out of its entry; decoders fill it back in.
    #[inline]
    fn map<K: Kind, V: Kind>(&mut self, number: u32, map: &BTreeMap<K::Value, V::Value>) {
        for (key, value) in map {
            let key_len = if K::is_default(key) {
                0
            } else {
                1 + K::value_len(key)
            };
            let value_len = if V::is_default(value) {
                0
            } else {
                1 + V::value_len(value)
            };
            self.key(number, WireType::Len);
            self.len_prefix(key_len + value_len);
            self.field::<K>(1, key);
            self.field::<V>(2, value);
        }
    }

    // ===== Named shortcuts for singular fields =====

    /// A `string` field.
    #[inline]
    fn string(&mut self, number: u32, value: &Text) {
        self.field::<Str>(number, value);
    }
    /// A `bytes` field.
    #[inline]
    fn bytes(&mut self, number: u32, value: &Bytes) {
        self.field::<Bin>(number, value);
    }
    /// A message field: written when `Some`, even if the message is empty.
    #[inline]
    fn message<M: Message>(&mut self, number: u32, value: Option<&M>) {
        self.optional::<Msg<M>>(number, value);
    }
    /// An `int32` field.
    #[inline]
    fn int32(&mut self, number: u32, value: i32) {
        self.field::<Int32>(number, &value);
    }
    /// An `int64` field.
    #[inline]
    fn int64(&mut self, number: u32, value: i64) {
        self.field::<Int64>(number, &value);
    }
    /// A `uint32` field.
    #[inline]
    fn uint32(&mut self, number: u32, value: u32) {
        self.field::<Uint32>(number, &value);
    }
    /// A `uint64` field.
    #[inline]
    fn uint64(&mut self, number: u32, value: u64) {
        self.field::<Uint64>(number, &value);
    }
    /// A `sint32` field.
    #[inline]
    fn sint32(&mut self, number: u32, value: i32) {
        self.field::<Sint32>(number, &value);
    }
    /// A `sint64` field.
    #[inline]
    fn sint64(&mut self, number: u32, value: i64) {
        self.field::<Sint64>(number, &value);
    }
    /// A `bool` field.
    #[inline]
    fn bool(&mut self, number: u32, value: bool) {
        self.field::<Bool>(number, &value);
    }
    /// An enum field, by number.
    #[inline]
    fn enumeration(&mut self, number: u32, value: i32) {
        self.field::<Enum>(number, &value);
    }
    /// A `fixed32` field.
    #[inline]
    fn fixed32(&mut self, number: u32, value: u32) {
        self.field::<Fixed32>(number, &value);
    }
    /// A `fixed64` field.
    #[inline]
    fn fixed64(&mut self, number: u32, value: u64) {
        self.field::<Fixed64>(number, &value);
    }
    /// An `sfixed32` field.
    #[inline]
    fn sfixed32(&mut self, number: u32, value: i32) {
        self.field::<Sfixed32>(number, &value);
    }
    /// An `sfixed64` field.
    #[inline]
    fn sfixed64(&mut self, number: u32, value: i64) {
        self.field::<Sfixed64>(number, &value);
    }
    /// A `float` field.
    #[inline]
    fn float(&mut self, number: u32, value: f32) {
        self.field::<Float>(number, &value);
    }
    /// A `double` field.
    #[inline]
    fn double(&mut self, number: u32, value: f64) {
        self.field::<Double>(number, &value);
    }
}

// ===== Encoder =====

/// A buffer an [`Encoder`] can append to: `Vec<u8>` (the fast one: a byte is a `push`),
/// `BytesMut`, or a [`SplicedBuf`](super::SplicedBuf), which keeps large `bytes` fields by
/// reference instead of copying them.
pub trait EncodeBuf {
    /// Makes room for `additional` more bytes, so that encoding does not reallocate.
    fn reserve_for(&mut self, additional: usize);

    /// Appends one byte (varints are written a byte at a time).
    fn push_byte(&mut self, byte: u8);

    /// Appends `bytes`.
    fn append(&mut self, bytes: &[u8]);

    /// Appends the payload of a `bytes` field. A buffer that can keep it by reference does;
    /// the others copy it.
    #[inline]
    fn append_shared(&mut self, bytes: &Bytes) {
        self.append(bytes);
    }

    /// How many bytes were appended so far, in all.
    fn written_len(&self) -> usize;
}

impl EncodeBuf for Vec<u8> {
    fn reserve_for(&mut self, additional: usize) {
        self.reserve(additional);
    }

    #[inline]
    fn push_byte(&mut self, byte: u8) {
        self.push(byte);
    }

    #[inline]
    fn append(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    fn written_len(&self) -> usize {
        self.len()
    }
}

impl EncodeBuf for BytesMut {
    fn reserve_for(&mut self, additional: usize) {
        self.reserve(additional);
    }

    #[inline]
    fn push_byte(&mut self, byte: u8) {
        self.put_u8(byte);
    }

    #[inline]
    fn append(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    fn written_len(&self) -> usize {
        self.len()
    }
}

/// Writes records into a buffer, through quick-protobuf's [`Writer`] for the values it knows.
///
/// The caller reserves [`Message::encoded_len`] bytes first, so writing never reallocates.
///
/// The common cases, most of every message, are written directly: a varint below 128 (every
/// key of a field numbered below 16, every length below 128) is one byte pushed, one below
/// 2^14 two bytes appended together; a `string` or `bytes` record is its key and length in one
/// append (`0a 05` for field 1, 5 bytes), then its payload in another. Longer varints go
/// through quick-protobuf's `write_varint`, as do the fixed-width values.
pub struct Encoder<'a, B: EncodeBuf = Vec<u8>> {
    buf: &'a mut B,
}

impl<B: EncodeBuf> std::fmt::Debug for Encoder<'_, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Encoder")
    }
}

/// quick-protobuf's `Writer` writes through a `WriterBackend`; this one appends to a buffer
/// that grows as needed, and so can never fail.
#[derive(Debug)]
pub(crate) struct Backend<'a, B>(&'a mut B);

impl<B: EncodeBuf> WriterBackend for Backend<'_, B> {
    #[inline]
    fn pb_write_u8(&mut self, x: u8) -> quick_protobuf::Result<()> {
        self.0.push_byte(x);
        Ok(())
    }
    #[inline]
    fn pb_write_u32(&mut self, x: u32) -> quick_protobuf::Result<()> {
        self.0.append(&x.to_le_bytes());
        Ok(())
    }
    #[inline]
    fn pb_write_i32(&mut self, x: i32) -> quick_protobuf::Result<()> {
        self.0.append(&x.to_le_bytes());
        Ok(())
    }
    #[inline]
    fn pb_write_f32(&mut self, x: f32) -> quick_protobuf::Result<()> {
        self.0.append(&x.to_le_bytes());
        Ok(())
    }
    #[inline]
    fn pb_write_u64(&mut self, x: u64) -> quick_protobuf::Result<()> {
        self.0.append(&x.to_le_bytes());
        Ok(())
    }
    #[inline]
    fn pb_write_i64(&mut self, x: i64) -> quick_protobuf::Result<()> {
        self.0.append(&x.to_le_bytes());
        Ok(())
    }
    #[inline]
    fn pb_write_f64(&mut self, x: f64) -> quick_protobuf::Result<()> {
        self.0.append(&x.to_le_bytes());
        Ok(())
    }
    #[inline]
    fn pb_write_all(&mut self, buf: &[u8]) -> quick_protobuf::Result<()> {
        self.0.append(buf);
        Ok(())
    }
}

impl<'a, B: EncodeBuf> Encoder<'a, B> {
    /// An encoder appending to `buf`.
    pub fn new(buf: &'a mut B) -> Self {
        Encoder { buf }
    }

    /// Runs one quick-protobuf writer primitive. The backend cannot fail, so neither can this.
    #[inline]
    pub(crate) fn primitive(
        &mut self,
        write: impl FnOnce(&mut Writer<Backend<'_, B>>) -> quick_protobuf::Result<()>,
    ) {
        let result = write(&mut Writer::new(Backend(&mut *self.buf)));
        debug_assert!(result.is_ok(), "the buffer backend never fails");
    }

    /// A varint: one byte pushed when it is below 128, else quick-protobuf's `write_varint`.
    ///
    /// Only the one-byte case is inlined: with the longer ones out of line, a field's code is
    /// a few instructions, and a message's `encode_fields` small enough to inline in turn.
    #[inline(always)]
    pub(crate) fn varint(&mut self, value: u64) {
        match u8::try_from(value) {
            Ok(byte) if byte < 0x80 => self.buf.push_byte(byte),
            _ => self.long_varint(value),
        }
    }

    /// A varint of two bytes or more: two (below 2^14: a length below 16 KiB, a key below
    /// field 2048) in one append, longer ones by quick-protobuf's `write_varint`.
    #[inline(never)]
    fn long_varint(&mut self, value: u64) {
        match u16::try_from(value) {
            Ok(value) if value < 0x4000 => self.buf.append(&varint2(value)),
            _ => self.primitive(|w| w.write_varint(value)),
        }
    }

    /// The key and length of a `string` or `bytes` record of `len` bytes. With a one-byte key
    /// and a length below 128 (the common case), they go in as one two-byte append.
    #[inline(always)]
    fn len_field_head(&mut self, number: u32, len: usize) {
        match (u8::try_from(WireType::Len.key(number)), u8::try_from(len)) {
            (Ok(key), Ok(len)) if key < 0x80 && len < 0x80 => self.buf.append(&[key, len]),
            _ => self.long_len_field_head(number, len),
        }
    }

    /// [`len_field_head`](Self::len_field_head) when the key or the length takes more than a
    /// byte.
    #[inline(never)]
    fn long_len_field_head(&mut self, number: u32, len: usize) {
        match (u8::try_from(WireType::Len.key(number)), u16::try_from(len)) {
            (Ok(key), Ok(len)) if key < 0x80 && len < 0x4000 => {
                let [low, high] = varint2(len);
                self.buf.append(&[key, low, high]);
            }
            _ => {
                self.key(number, WireType::Len);
                self.len_prefix(len);
            }
        }
    }

    /// A `string` record: key and length, then the bytes in one append.
    #[inline(always)]
    pub(crate) fn len_record(&mut self, number: u32, payload: &[u8]) {
        self.len_field_head(number, payload.len());
        self.buf.append(payload);
    }

    /// A `bytes` record: key and length, then the bytes, which the buffer may keep by
    /// reference ([`EncodeBuf::append_shared`]).
    #[inline(always)]
    pub(crate) fn len_record_shared(&mut self, number: u32, payload: &Bytes) {
        self.len_field_head(number, payload.len());
        self.buf.append_shared(payload);
    }

    /// A LEN payload: its length, then its bytes in one append.
    #[inline(always)]
    pub(crate) fn len_delimited(&mut self, payload: &[u8]) {
        self.len_prefix(payload.len());
        self.buf.append(payload);
    }

    /// A `bytes` payload: its length, then the bytes, which the buffer may keep by reference
    /// ([`EncodeBuf::append_shared`]).
    #[inline(always)]
    pub(crate) fn len_delimited_shared(&mut self, payload: &Bytes) {
        self.len_prefix(payload.len());
        self.buf.append_shared(payload);
    }
}

/// The two bytes of a varint in `0x80..0x4000`: the low seven bits with the continuation bit
/// set, then the next seven.
///
/// ```text
/// 300 = 0b10_0101100  ->  1010_1100 0000_0010  =  ac 02
/// ```
#[inline(always)]
fn varint2(value: u16) -> [u8; 2] {
    debug_assert!((0x80..0x4000).contains(&value));
    let [low, high] = ((value & 0x7f) | 0x80 | ((value << 1) & 0x7f00)).to_le_bytes();
    [low, high]
}

impl<B: EncodeBuf> FieldSink for Encoder<'_, B> {
    #[inline(always)]
    fn key(&mut self, number: u32, wire_type: WireType) {
        self.varint(wire_type.key(number).into());
    }
    #[inline(always)]
    fn value<K: Kind>(&mut self, value: &K::Value) {
        K::encode_value(value, self);
    }
    #[inline(always)]
    fn len_prefix(&mut self, len: usize) {
        self.varint(len as u64);
    }
    fn raw(&mut self, records: &[u8]) {
        self.buf.append(records);
    }
    #[inline(always)]
    fn record<K: Kind>(&mut self, number: u32, value: &K::Value) {
        K::encode_record(number, value, self);
    }
    // The text's representation is looked at once, not once for "is it empty" and again for
    // its bytes; the bytes written are those of `field`.
    #[inline(always)]
    fn string(&mut self, number: u32, value: &Text) {
        let bytes = value.as_bytes();
        if !bytes.is_empty() {
            self.len_record(number, bytes);
        }
    }
}

// ===== LenCounter =====

/// Adds up the encoded size of the fields it is given, writing nothing.
#[derive(Debug, Default)]
pub struct LenCounter(pub usize);

impl FieldSink for LenCounter {
    #[inline]
    fn key(&mut self, number: u32, wire_type: WireType) {
        self.0 += sizeof_varint(wire_type.key(number).into());
    }
    #[inline]
    fn value<K: Kind>(&mut self, value: &K::Value) {
        self.0 += K::value_len(value);
    }
    #[inline]
    fn len_prefix(&mut self, len: usize) {
        self.0 += sizeof_varint(len as u64);
    }
    fn raw(&mut self, records: &[u8]) {
        self.0 += records.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every varint the encoder writes by hand (one and two bytes, and the field heads that
    /// join key and length) is the bytes quick-protobuf's `write_varint` writes.
    #[test]
    fn hand_written_varints_are_quick_protobufs() {
        let reference = |value: u64| {
            let mut out = Vec::new();
            Writer::new(Backend(&mut out)).write_varint(value).unwrap();
            out
        };
        // Every value of one and two bytes, then both sides of every power of two (which
        // include every length boundary, 2^7k, up to ten bytes), and a timestamp's five bytes
        // checked by hand as well.
        let boundaries = (1..64).flat_map(|bit| {
            let power = 1_u64 << bit;
            [power - 1, power, power + 1]
        });
        for value in (0..0x8000)
            .chain(boundaries)
            .chain([u64::MAX, 1_700_000_000])
        {
            let mut out = Vec::new();
            Encoder::new(&mut out).varint(value);
            assert_eq!(out, reference(value), "{value:#x}");
        }
        let mut out = Vec::new();
        Encoder::new(&mut out).varint(1_700_000_000);
        assert_eq!(out, [0x80, 0xe2, 0xcf, 0xaa, 0x06]);
        for number in [1, 15, 16, 2047, 2048, 1 << 20] {
            for len in [1, 127, 128, 300, 0x3fff, 0x4000, 1 << 21] {
                let mut out = Vec::new();
                Encoder::new(&mut out).len_field_head(number, len);
                let mut expected = reference(WireType::Len.key(number).into());
                expected.extend(reference(len as u64));
                assert_eq!(out, expected, "field {number}, length {len}");
            }
        }
    }
}
