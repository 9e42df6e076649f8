//! The `Message` trait.

use std::borrow::Borrow;

use bytes::Bytes;

use super::{DecodeError, Decoder, EncodeBuf, Encoder, FieldSink, LenCounter};

/// A protobuf message, encoded and decoded by hand.
///
/// An implementation is two short methods with one line per field:
/// [`encode_fields`](Message::encode_fields) names each field with its number and type, and
/// [`merge_field`](Message::merge_field) maps a field number back to the field. Everything else
/// is provided.
pub trait Message: Default {
    /// Gives every field, in field-number order, to `sink`.
    ///
    /// Called with an [`Encoder`] to write the message and with a [`LenCounter`] to size it.
    ///
    /// For a small message, mark the implementation `#[inline]`: the compiler then folds it
    /// into [`encode`](Message::encode) and its siblings, where on its own it would stay a call
    /// (it has several callers). For a `HelloRequest`, that call was a tenth of encoding it
    /// (`benches/codec.rs`).
    fn encode_fields<S: FieldSink>(&self, sink: &mut S);

    /// Decodes the value of field `number` (the key is already read) into `self`, or skips it
    /// with [`Decoder::skip`] if the number is unknown.
    ///
    /// # Errors
    /// The value is malformed or has a wire type the field cannot have.
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError>;

    /// The size of the encoded message in bytes.
    #[inline]
    fn encoded_len(&self) -> usize {
        let mut counter = LenCounter(0);
        self.encode_fields(&mut counter);
        counter.0
    }

    /// Appends the encoded message to `buf`, reserving its size first.
    #[inline]
    fn encode<B: EncodeBuf>(&self, buf: &mut B) {
        buf.reserve_for(self.encoded_len());
        self.encode_fields(&mut Encoder::new(buf));
    }

    /// The encoded message, in a `Vec` of exactly its size.
    ///
    /// Always inlined: with a small message's [`encode_fields`](Message::encode_fields) folded
    /// in, it grew past what the compiler inlines by itself and stayed a call of its own in
    /// callers' loops, where prost's smaller `encode_to_vec` was inlined.
    #[inline(always)]
    fn encode_to_vec(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(self.encoded_len());
        self.encode_fields(&mut Encoder::new(&mut buf));
        // Through a boxed slice and back, which costs one comparison (capacity == length, so
        // nothing is reallocated) and changes how the `Vec` leaves: as pointer and length in
        // registers, rather than copied out of the stack in one 16-byte load just after its
        // fields were stored in two 8-byte halves, which the CPU cannot forward and waits out
        // (a quarter of encoding a `HelloRequest`, in a profile).
        buf.into_boxed_slice().into_vec()
    }

    /// The encoded message, in a buffer of exactly its size.
    #[inline]
    fn encode_to_bytes(&self) -> Bytes {
        let mut buf = Vec::with_capacity(self.encoded_len());
        self.encode_fields(&mut Encoder::new(&mut buf));
        Bytes::from(buf)
    }

    /// Decodes every record of `d` into `self`.
    ///
    /// # Errors
    /// Any record is malformed.
    fn merge(&mut self, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        while let Some(number) = d.next_field()? {
            self.merge_field(number, d)?;
        }
        Ok(())
    }

    /// Decodes a message from `buf`. `bytes` fields and long `string` fields share `buf` instead
    /// of copying it; short strings are copied into their [`Text`](super::Text).
    ///
    /// `buf` is the [`Bytes`] or a reference to it. A message shares the buffer by taking a
    /// reference of its own ([`Bytes::slice`]) for each field that keeps a slice, so a caller that
    /// keeps its buffer anyway lends it (`decode(&buf)`) rather than cloning it: a clone and its
    /// drop are two atomic operations on the buffer's reference count, which for a small
    /// message cost more than decoding it.
    ///
    /// # Errors
    /// `buf` is not a valid encoding of this message.
    fn decode(buf: impl Borrow<Bytes>) -> Result<Self, DecodeError> {
        let mut message = Self::default();
        message.merge(&mut Decoder::new(buf.borrow()))?;
        Ok(message)
    }
}
