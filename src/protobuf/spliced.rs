//! [`SplicedBuf`]: an encoding that keeps large `bytes` fields by reference.
//!
//! A `bytes` field's payload appears on the wire exactly as it is in memory, after its key and
//! length (encoding.md, "Length-Delimited Fields"). Encoding into one contiguous buffer copies
//! it there, and a 1 MiB payload costs a fresh 1 MiB buffer and a 1 MiB copy before `h2` even
//! sees it. A [`SplicedBuf`] writes everything else into one buffer as usual, but where a
//! payload of at least [`MIN_SPLICED`] bytes comes, it cuts the buffer and keeps a reference
//! to the payload (a [`Bytes`] clone: a reference count) as a piece of its own. The pieces,
//! sent one after the other, are the same bytes as the contiguous encoding.
//!
//! ```
//! use bytes::Bytes;
//! use h2grpc::protobuf::{Message, SplicedBuf, MIN_SPLICED};
//! use h2grpc::services::interop::{Payload, SimpleRequest};
//!
//! let body = Bytes::from(vec![7; MIN_SPLICED]);
//! let request = SimpleRequest {
//!     response_size: 1,
//!     payload: Some(Payload { r#type: 0, body: body.clone() }),
//!     ..SimpleRequest::default()
//! };
//! let mut buf = SplicedBuf::for_message(&request);
//! request.encode(&mut buf);
//! let pieces = buf.into_pieces();
//! // The fields before the payload, then the payload itself (not a copy), and nothing after it.
//! assert_eq!(pieces.len(), 2);
//! assert_eq!(&pieces[0][..], [0x10, 0x01, 0x1a, 0x84, 0x80, 0x01, 0x12, 0x80, 0x80, 0x01]);
//! assert_eq!(pieces[1].as_ptr(), body.as_ptr());
//! assert_eq!(pieces.concat(), request.encode_to_vec());
//! ```

use bytes::{BufMut, Bytes, BytesMut};

use super::{EncodeBuf, FieldSink, Kind, Message, WireType};

/// The smallest `bytes` payload a [`SplicedBuf`] keeps by reference: 16 KiB, one HTTP/2 DATA
/// frame at the default SETTINGS_MAX_FRAME_SIZE. A smaller payload is cheaper to copy than to
/// send as a piece of its own.
pub const MIN_SPLICED: usize = 16 * 1024;

/// An [`EncodeBuf`] that keeps `bytes` payloads of at least [`MIN_SPLICED`] bytes by reference:
/// the encoding is a list of pieces ([`SplicedBuf::into_pieces`]), the large payloads among them
/// as they were given.
#[derive(Debug, Default)]
pub struct SplicedBuf {
    /// The pieces finished so far, in order.
    pieces: Vec<Bytes>,
    /// What was written since the last spliced payload.
    tail: BytesMut,
    /// Bytes written in all, spliced ones included.
    written: usize,
}

impl SplicedBuf {
    /// A buffer with room for `capacity` bytes written (not spliced), in one allocation.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            pieces: Vec::new(),
            tail: BytesMut::with_capacity(capacity),
            written: 0,
        }
    }

    /// A buffer sized for `message`: room for what it writes besides its spliced payloads.
    pub fn for_message<M: Message>(message: &M) -> Self {
        Self::with_capacity(message.encoded_len().saturating_sub(spliced_len(message)))
    }

    /// The pieces of the encoding, in order: written bytes and spliced payloads (none empty).
    pub fn into_pieces(mut self) -> Vec<Bytes> {
        if !self.tail.is_empty() {
            self.pieces.push(self.tail.freeze());
        }
        self.pieces
    }
}

impl EncodeBuf for SplicedBuf {
    /// Nothing: the buffer was sized when it was made ([`SplicedBuf::for_message`]), and the
    /// size a caller would reserve counts the spliced payloads, which are never copied.
    fn reserve_for(&mut self, _additional: usize) {}

    fn push_byte(&mut self, byte: u8) {
        self.tail.put_u8(byte);
        self.written += 1;
    }

    fn append(&mut self, bytes: &[u8]) {
        self.tail.extend_from_slice(bytes);
        self.written += bytes.len();
    }

    fn append_shared(&mut self, bytes: &Bytes) {
        if bytes.len() < MIN_SPLICED {
            return self.append(bytes);
        }
        if !self.tail.is_empty() {
            // The written bytes become a piece; the tail keeps the rest of the allocation.
            self.pieces.push(self.tail.split().freeze());
        }
        self.pieces.push(bytes.clone());
        self.written += bytes.len();
    }

    fn written_len(&self) -> usize {
        self.written
    }
}

/// How many bytes of `message`'s encoding a [`SplicedBuf`] keeps by reference: the sum of its
/// `bytes` payloads of at least [`MIN_SPLICED`] bytes, in nested messages too.
pub fn spliced_len<M: Message>(message: &M) -> usize {
    let mut counter = SplicedLen(0);
    message.encode_fields(&mut counter);
    counter.0
}

/// A [`FieldSink`] that adds up [`Kind::spliced_len`] of every value.
struct SplicedLen(usize);

impl FieldSink for SplicedLen {
    fn key(&mut self, _number: u32, _wire_type: WireType) {}
    fn value<K: Kind>(&mut self, value: &K::Value) {
        self.0 += K::spliced_len(value);
    }
    fn len_prefix(&mut self, _len: usize) {}
    fn raw(&mut self, _records: &[u8]) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::interop::{
        Payload, ResponseParameters, SimpleRequest, StreamingOutputCallRequest,
    };

    fn payload(len: usize, byte: u8) -> Payload {
        Payload {
            r#type: 0,
            body: Bytes::from(vec![byte; len]),
        }
    }

    /// The pieces, joined, are the contiguous encoding; the payloads of `MIN_SPLICED` bytes
    /// or more are pieces of their own, by reference; nothing else is copied more than once.
    #[test]
    fn pieces_join_into_the_contiguous_encoding() {
        for (len, spliced) in [
            (0, 0),
            (1, 0),
            (MIN_SPLICED - 1, 0),
            (MIN_SPLICED, MIN_SPLICED),
            (1 << 20, 1 << 20),
        ] {
            let message = SimpleRequest {
                response_size: 7,
                payload: Some(payload(len, 1)),
                fill_username: true,
                ..SimpleRequest::default()
            };
            assert_eq!(spliced_len(&message), spliced, "{len}");
            let mut buf = SplicedBuf::for_message(&message);
            let capacity = buf.tail.capacity();
            message.encode(&mut buf);
            assert_eq!(buf.written_len(), message.encoded_len());
            let pieces = buf.into_pieces();
            assert_eq!(pieces.concat(), message.encode_to_vec(), "{len}");
            assert!(pieces.iter().all(|piece| !piece.is_empty()));
            let body = &message.payload.as_ref().unwrap().body;
            let by_reference = pieces
                .iter()
                .any(|p| p.as_ptr() == body.as_ptr() && !p.is_empty());
            assert_eq!(by_reference, spliced > 0, "{len}");
            // Sized exactly: the written bytes fit the first allocation.
            let written: usize = pieces
                .iter()
                .filter(|p| p.as_ptr() != body.as_ptr())
                .map(Bytes::len)
                .sum();
            assert!(written <= capacity, "{written} > {capacity}");
        }
    }

    #[test]
    fn repeated_and_nested_payloads_are_counted_and_spliced() {
        let message = StreamingOutputCallRequest {
            response_parameters: vec![ResponseParameters::size(3); 2],
            payload: Some(payload(MIN_SPLICED + 5, 2)),
            ..StreamingOutputCallRequest::default()
        };
        assert_eq!(spliced_len(&message), MIN_SPLICED + 5);
        let mut buf = SplicedBuf::for_message(&message);
        message.encode(&mut buf);
        let pieces = buf.into_pieces();
        assert_eq!(pieces.len(), 2, "written fields, then the payload");
        assert_eq!(pieces.concat(), message.encode_to_vec());
    }
}
