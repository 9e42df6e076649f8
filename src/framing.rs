//! ② The Length-Prefixed-Message: five bytes in front of every gRPC message.
//!
//! gRPC sends each protobuf message inside the HTTP/2 DATA frames of its stream, behind a small
//! prefix that says whether the message is compressed and how long it is. From
//! [PROTOCOL-HTTP2.md, "Requests"](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests):
//!
//! > * **Length-Prefixed-Message** → Compressed-Flag Message-Length Message
//! > * **Compressed-Flag** → 0 / 1   # encoded as 1 byte unsigned integer
//! > * **Message-Length** → {_length of Message_}  # encoded as 4 byte unsigned integer (big endian)
//! > * **Message** → \*{binary octet}
//!
//! Responses use the same rule. This module writes it ([`encode_message`], [`encode_payload`])
//! and reads it back ([`Deframer`]). It knows nothing of HTTP/2, of sockets or of gRPC status
//! codes: bytes in, bytes out.
//!
//! # The prefix, byte by byte
//!
//! `HelloRequest { name: "world" }` is 7 bytes of protobuf (`0a 05 77 6f 72 6c 64`: field 1,
//! LEN, 5 bytes). On the wire it becomes 12 bytes:
//!
//! ```text
//!  Compressed-Flag   Message-Length           Message
//!      1 byte       4 bytes, big-endian   Message-Length bytes
//! +------------+---------------------+------------------------+
//! |     00     |     00 00 00 07     |  0a 05 77 6f 72 6c 64  |
//! +------------+---------------------+------------------------+
//!  ^ 0: not     ^ 7 bytes follow      ^ the protobuf encoding,
//!    compressed                         untouched
//! |<------ PREFIX_LEN = 5 ---------->|
//! ```
//!
//! - **Compressed-Flag** (byte 0): `0` means the Message is the plain protobuf encoding; `1`
//!   means it was compressed with the algorithm named by the stream's `grpc-encoding` header.
//!   Any other value is a protocol error ([`FramingError::InvalidCompressedFlag`]).
//! - **Message-Length** (bytes 1 to 4): the number of bytes of Message that follow, as an
//!   unsigned 32-bit big-endian integer. It counts the Message only, not the prefix, so no
//!   message can be longer than `u32::MAX` bytes (4 GiB - 1).
//! - **Message** (the rest): exactly Message-Length bytes. An empty message (`grpc.testing.Empty`,
//!   or any message whose fields all hold their defaults) is a prefix alone: `00 00 00 00 00`.
//!
//! # Encoding
//!
//! [`encode_message`] sizes the message with [`Message::encoded_len`] first, so the prefix is
//! written before the body and never patched afterwards, and the output buffer grows once:
//!
//! ```
//! use bytes::BytesMut;
//! use h2grpc::framing::{encode_message, DEFAULT_MAX_MESSAGE_SIZE};
//! use h2grpc::services::hello::HelloRequest;
//!
//! let mut wire = BytesMut::new();
//! let request = HelloRequest { name: "world".into() };
//! encode_message(&request, &mut wire, DEFAULT_MAX_MESSAGE_SIZE)?;
//! assert_eq!(
//!     &wire[..],
//!     [0x00, 0x00, 0x00, 0x00, 0x07, 0x0a, 0x05, b'w', b'o', b'r', b'l', b'd'],
//! );
//!
//! // A message with every field at its default encodes to nothing: the prefix stands alone.
//! wire.clear();
//! encode_message(&HelloRequest::default(), &mut wire, DEFAULT_MAX_MESSAGE_SIZE)?;
//! assert_eq!(&wire[..], [0x00, 0x00, 0x00, 0x00, 0x00]);
//! # Ok::<(), h2grpc::framing::FramingError>(())
//! ```
//!
//! Several messages may be encoded back to back into one buffer and sent as one DATA frame.
//!
//! # Decoding: DATA frames are not messages
//!
//! The spec is explicit that the two layers do not line up
//! ([PROTOCOL-HTTP2.md, "Data Frames"](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#data-frames)):
//!
//! > DATA frame boundaries have no relation to **Length-Prefixed-Message** boundaries and
//! > implementations should make no assumptions about their alignment.
//!
//! One DATA frame may hold several messages, the end of one and the start of the next, or only
//! two bytes of a prefix; one message may span many DATA frames (16 KiB each by default). The
//! [`Deframer`] therefore takes chunks of bytes in as they arrive ([`Deframer::push`]) and gives
//! whole messages out ([`Deframer::next_message`]), in two states, like tokio-util's
//! `LengthDelimitedCodec`:
//!
//! ```text
//!              5 bytes buffered: check flag and length
//!   +--------+ ----------------------------------------> +------------------+
//!   | Prefix |                                            | Body { len, .. } |
//!   +--------+ <---------------------------------------- +------------------+
//!              len bytes buffered: yield the message
//! ```
//!
//! Here `HelloRequest { name: "world" }` arrives cut in two, in the middle of its prefix:
//!
//! ```
//! use bytes::Bytes;
//! use h2grpc::framing::{Deframer, DEFAULT_MAX_MESSAGE_SIZE};
//!
//! let mut deframer = Deframer::new(DEFAULT_MAX_MESSAGE_SIZE);
//!
//! deframer.push(Bytes::from_static(&[0x00, 0x00, 0x00]));
//! assert_eq!(deframer.next_message()?, None); // 3 of the 5 prefix bytes: wait
//!
//! deframer.push(Bytes::from_static(&[0x00, 0x07, 0x0a, 0x05, b'w', b'o', b'r', b'l', b'd']));
//! let message = deframer.next_message()?.expect("all 12 bytes are here");
//! assert!(!message.compressed);
//! assert_eq!(&message.data[..], [0x0a, 0x05, b'w', b'o', b'r', b'l', b'd']);
//!
//! assert_eq!(deframer.next_message()?, None);
//! deframer.finish()?; // END_STREAM on a message boundary: a clean end
//! # Ok::<(), h2grpc::framing::FramingError>(())
//! ```
//!
//! The intended loop is: push a chunk, call [`Deframer::next_message`] until it returns
//! `Ok(None)`, push the next chunk; at END_STREAM call [`Deframer::finish`], which fails if the
//! stream stopped inside a message.
//!
//! # The Compressed-Flag rule
//!
//! > A **Compressed-Flag** value of 1 indicates that the binary octet sequence of **Message** is
//! > compressed using the mechanism declared by the **Message-Encoding** header. A value of 0
//! > indicates that no encoding of **Message** bytes has occurred. [...] If the
//! > **Message-Encoding** header is omitted then the **Compressed-Flag** must be 0.
//!
//! A [`Deframer`] rejects flag 1 unless it was told that a `grpc-encoding` other than `identity`
//! is in force ([`Deframer::accept_compressed`]); [compression.md, test case
//! 6](https://github.com/grpc/grpc/blob/master/doc/compression.md#test-cases) requires that such
//! an "ill-constructed message" fail. Decompressing is not this module's job: a compressed
//! message comes out with [`ReceivedMessage::compressed`] set and its bytes as received.
//!
//! # Limits and memory
//!
//! A receiver bounds the size of the messages it accepts ([`DEFAULT_MAX_MESSAGE_SIZE`], 4 MiB).
//! The [`Deframer`] checks the declared Message-Length against that limit as soon as the five
//! prefix bytes are in, before it keeps a single byte of the body, and it never allocates on the
//! word of a prefix: memory follows the bytes that actually arrived, so a 5-byte prefix that
//! claims 4 MiB costs nothing. The limit applies to the bytes on the wire; the limit on a
//! *decompressed* message belongs to the compression layer.
//!
//! Received messages are not copied when they can be shared: a message that lies within one
//! pushed chunk comes out as a [`Bytes`] slice of that chunk. Only a message that spans chunks is
//! copied, once, into contiguous memory.
//!
//! # Errors, for the next layer
//!
//! [`FramingError`] knows nothing of gRPC status codes. The call layer maps it, following
//! [statuscodes.md](https://github.com/grpc/grpc/blob/master/doc/statuscodes.md):
//!
//! | [`FramingError`] | status | statuscodes.md |
//! |---|---|---|
//! | [`MessageTooLarge`](FramingError::MessageTooLarge) | `RESOURCE_EXHAUSTED` | "Sent or received message was larger than configured limit" (tonic says `OUT_OF_RANGE`: don't) |
//! | [`InvalidCompressedFlag`](FramingError::InvalidCompressedFlag) | `INTERNAL` | a corrupt message stream; tonic does the same |
//! | [`CompressedWithoutEncoding`](FramingError::CompressedWithoutEncoding) | `INTERNAL` | compression.md, test case 6 |
//! | [`TruncatedMessage`](FramingError::TruncatedMessage) | `INTERNAL` | END_STREAM inside a message; tonic: "Unexpected EOF decoding stream." |

use std::fmt;

use bytes::{Buf, Bytes, BytesMut};

use crate::protobuf::{EncodeBuf, Encoder, Message};

/// The size of the prefix in front of every message: one byte of Compressed-Flag and four bytes
/// of Message-Length (tonic's `HEADER_SIZE`).
pub const PREFIX_LEN: usize = 5;

/// The default limit on the size of a received message: 4 MiB, the default receive limit of
/// grpc-core, grpc-go and tonic.
///
/// Senders are usually not limited by default (tonic: `usize::MAX`; grpc-go: `i32::MAX`); the
/// caller of [`encode_message`] chooses.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 4 * 1024 * 1024;

// ===== FramingError =====

/// Why a message could not be framed or deframed.
///
/// It knows nothing of gRPC codes; the module documentation lists the status each variant
/// becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FramingError {
    /// A Compressed-Flag other than 0 or 1.
    InvalidCompressedFlag(u8),
    /// Compressed-Flag 1, but no `grpc-encoding` other than `identity` was negotiated.
    CompressedWithoutEncoding,
    /// A message longer than the limit, received (the declared Message-Length) or to be sent.
    ///
    /// When sending, `limit` is also capped at `u32::MAX`, the largest Message-Length there is.
    MessageTooLarge {
        /// The length of the Message, without the prefix.
        len: usize,
        /// The largest length allowed.
        limit: usize,
    },
    /// The stream ended inside a Length-Prefixed-Message. Both counts include the prefix.
    TruncatedMessage {
        /// How many bytes of the message arrived.
        buffered: usize,
        /// How many it needed: [`PREFIX_LEN`] while the prefix itself is incomplete, else
        /// `PREFIX_LEN` + Message-Length.
        expected: usize,
    },
}

impl fmt::Display for FramingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidCompressedFlag(flag) => {
                write!(f, "invalid Compressed-Flag {flag} (it must be 0 or 1)")
            }
            Self::CompressedWithoutEncoding => f.write_str(
                "received a compressed message (Compressed-Flag 1) \
                 but no grpc-encoding other than identity is in use",
            ),
            Self::MessageTooLarge { len, limit } => {
                write!(
                    f,
                    "message of {len} bytes is larger than the limit of {limit} bytes"
                )
            }
            Self::TruncatedMessage { buffered, .. } if *buffered < PREFIX_LEN => write!(
                f,
                "the stream ended inside a message prefix: {buffered} of {PREFIX_LEN} bytes arrived"
            ),
            Self::TruncatedMessage { buffered, expected } => write!(
                f,
                "the stream ended inside a message: {buffered} of {expected} bytes arrived"
            ),
        }
    }
}

impl std::error::Error for FramingError {}

// ===== Encoding =====

/// Appends `message` to `dst` as a Length-Prefixed-Message with Compressed-Flag 0.
///
/// The message is sized once with [`Message::encoded_len`]; `dst` then grows once, by
/// [`PREFIX_LEN`] plus that size, the prefix is written from the size, and the fields are encoded
/// after it. Nothing is written back afterwards.
///
/// ```
/// use bytes::BytesMut;
/// use h2grpc::framing::{encode_message, FramingError};
/// use h2grpc::services::hello::HelloRequest;
///
/// let request = HelloRequest { name: "world".into() };
/// let mut wire = BytesMut::new();
/// assert_eq!(
///     encode_message(&request, &mut wire, 6),
///     Err(FramingError::MessageTooLarge { len: 7, limit: 6 }),
/// );
/// assert!(wire.is_empty()); // nothing written on failure
/// ```
///
/// # Errors
/// [`FramingError::MessageTooLarge`] if the encoded message is longer than `max_message_size` or
/// than `u32::MAX` bytes; `dst` is then left untouched.
pub fn encode_message<M: Message, B: EncodeBuf>(
    message: &M,
    dst: &mut B,
    max_message_size: usize,
) -> Result<(), FramingError> {
    encode_message_of_len(message, message.encoded_len(), dst, max_message_size)
}

/// [`encode_message`] for a caller that has `message`'s `encoded_len()` already.
pub(crate) fn encode_message_of_len<M: Message, B: EncodeBuf>(
    message: &M,
    len: usize,
    dst: &mut B,
    max_message_size: usize,
) -> Result<(), FramingError> {
    let length_field = message_length(len, max_message_size)?;
    dst.reserve_for(PREFIX_LEN.saturating_add(len));
    put_prefix(dst, false, length_field);
    let body_start = dst.written_len();
    message.encode_fields(&mut Encoder::new(dst));
    debug_assert_eq!(
        dst.written_len() - body_start,
        len,
        "encoded_len() disagrees with what encode_fields() wrote"
    );
    Ok(())
}

/// Appends an already encoded body (for example a compressed one) to `dst` as a
/// Length-Prefixed-Message, with Compressed-Flag 1 if `compressed`.
///
/// ```
/// use bytes::BytesMut;
/// use h2grpc::framing::{encode_payload, DEFAULT_MAX_MESSAGE_SIZE};
///
/// let mut wire = BytesMut::new();
/// encode_payload(true, &[0xca, 0xfe], &mut wire, DEFAULT_MAX_MESSAGE_SIZE)?;
/// assert_eq!(&wire[..], [0x01, 0x00, 0x00, 0x00, 0x02, 0xca, 0xfe]);
/// # Ok::<(), h2grpc::framing::FramingError>(())
/// ```
///
/// # Errors
/// [`FramingError::MessageTooLarge`] if `payload` is longer than `max_message_size` or than
/// `u32::MAX` bytes; `dst` is then left untouched.
pub fn encode_payload<B: EncodeBuf>(
    compressed: bool,
    payload: &[u8],
    dst: &mut B,
    max_message_size: usize,
) -> Result<(), FramingError> {
    let length_field = message_length(payload.len(), max_message_size)?;
    dst.reserve_for(PREFIX_LEN.saturating_add(payload.len()));
    put_prefix(dst, compressed, length_field);
    dst.append(payload);
    Ok(())
}

/// Checks a Message length against the sender's limit and the 4 bytes of Message-Length.
fn message_length(len: usize, max_message_size: usize) -> Result<u32, FramingError> {
    if len > max_message_size {
        return Err(FramingError::MessageTooLarge {
            len,
            limit: max_message_size,
        });
    }
    u32::try_from(len).map_err(|_| FramingError::MessageTooLarge {
        len,
        // Only reachable where usize is wider than u32, so u32::MAX fits.
        limit: usize::try_from(u32::MAX).unwrap_or(usize::MAX),
    })
}

/// Writes the five prefix bytes.
fn put_prefix(dst: &mut impl EncodeBuf, compressed: bool, length_field: u32) {
    dst.push_byte(u8::from(compressed));
    dst.append(&length_field.to_be_bytes()); // big-endian, as the spec says
}

// ===== Deframer =====

/// One message taken out of the stream by a [`Deframer`].
#[derive(Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// Its Compressed-Flag: the bytes must be decompressed with the stream's `grpc-encoding`
    /// before they are decoded.
    pub compressed: bool,
    /// The Message bytes, without the prefix. A slice of the pushed chunk whenever the message
    /// lay within one chunk.
    pub data: Bytes,
}

impl fmt::Debug for ReceivedMessage {
    /// Shows the length, never the payload (which may be large or sensitive).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceivedMessage")
            .field("compressed", &self.compressed)
            .field("len", &self.data.len())
            .finish()
    }
}

/// Turns the chunks of a gRPC stream (the payloads of its DATA frames, in order) into whole
/// messages.
///
/// Sans-IO: [`push`](Self::push) the bytes as they arrive, then call
/// [`next_message`](Self::next_message) until it returns `Ok(None)`; at END_STREAM, call
/// [`finish`](Self::finish). See the [module documentation](self) for an example.
///
/// Errors are sticky: the offending prefix stays buffered, so once `next_message` has failed it
/// keeps failing the same way. The stream cannot be resynchronised; the call ends.
pub struct Deframer {
    max_message_size: usize,
    accept_compressed: bool,
    state: State,
    /// Bytes copied out of earlier chunks: the start of a prefix or body whose end had not
    /// arrived yet (or, after two pushes in a row, the older chunk's unread rest). In stream
    /// order, `carry` comes before `chunk`.
    carry: BytesMut,
    /// The unread rest of the most recently pushed chunk. Messages that lie within it are sliced
    /// out of it without a copy.
    chunk: Bytes,
}

/// What the [`Deframer`] waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// The [`PREFIX_LEN`] bytes of the next prefix.
    Prefix,
    /// The `len` bytes of a Message whose prefix was read and accepted.
    Body { compressed: bool, len: usize },
}

impl Deframer {
    /// A deframer that accepts messages of at most `max_message_size` bytes (the Message-Length,
    /// prefix excluded; [`DEFAULT_MAX_MESSAGE_SIZE`] is the usual value) and no compressed ones.
    pub fn new(max_message_size: usize) -> Self {
        Self {
            max_message_size,
            accept_compressed: false,
            state: State::Prefix,
            carry: BytesMut::new(),
            chunk: Bytes::new(),
        }
    }

    /// Whether Compressed-Flag 1 is allowed: true once a `grpc-encoding` other than `identity`
    /// was negotiated for the stream. It is false by default, since "if the Message-Encoding
    /// header is omitted then the Compressed-Flag must be 0".
    #[must_use]
    pub fn accept_compressed(mut self, accept: bool) -> Self {
        self.accept_compressed = accept;
        self
    }

    /// Appends the next chunk of the stream: the payload of a DATA frame, in order.
    ///
    /// Pushing costs nothing but bookkeeping when the previous chunks were drained with
    /// [`next_message`](Self::next_message) first; pushing twice in a row is allowed but copies
    /// the unread rest of the earlier chunk.
    pub fn push(&mut self, chunk: Bytes) {
        if chunk.is_empty() {
            return;
        }
        if !self.chunk.is_empty() {
            // Only one chunk is kept as is; the older one's unread bytes join `carry`, which is
            // ahead of it in the stream.
            self.carry.extend_from_slice(&self.chunk);
        }
        self.chunk = chunk;
    }

    /// The next whole message, or `Ok(None)` if its bytes have not all arrived yet.
    ///
    /// # Errors
    /// The prefix of the next message is invalid: [`FramingError::InvalidCompressedFlag`],
    /// [`FramingError::CompressedWithoutEncoding`] or [`FramingError::MessageTooLarge`], the last
    /// one reported as soon as the prefix is in, before any of the body is kept.
    pub fn next_message(&mut self) -> Result<Option<ReceivedMessage>, FramingError> {
        let (compressed, len) = match self.state {
            State::Body { compressed, len } => (compressed, len),
            State::Prefix => match self.take_prefix()? {
                Some(prefix) => prefix,
                None => return Ok(None),
            },
        };
        match self.take_body(len) {
            Some(data) => {
                self.state = State::Prefix;
                Ok(Some(ReceivedMessage { compressed, data }))
            }
            None => {
                self.state = State::Body { compressed, len };
                Ok(None)
            }
        }
    }

    /// Checks that the stream may end here, at END_STREAM: on a message boundary, with nothing
    /// buffered. Call it after [`next_message`](Self::next_message) has returned `Ok(None)`.
    ///
    /// # Errors
    /// [`FramingError::TruncatedMessage`] if part of a prefix or of a body is left over.
    pub fn finish(&self) -> Result<(), FramingError> {
        let held = self.buffered_len();
        let (buffered, expected) = match self.state {
            State::Prefix if held == 0 => return Ok(()),
            State::Prefix => match self.peek_prefix() {
                // Only after an error (or without draining) can a whole prefix still be here.
                Some([_, length @ ..]) => (held, declared_len(length).saturating_add(PREFIX_LEN)),
                None => (held, PREFIX_LEN),
            },
            State::Body { len, .. } => (held + PREFIX_LEN, len.saturating_add(PREFIX_LEN)),
        };
        Err(FramingError::TruncatedMessage { buffered, expected })
    }

    /// How many received bytes are held and not yet handed out (in a message or as a consumed
    /// prefix). It never exceeds what was pushed.
    ///
    /// Memory follows it: the Deframer holds these bytes and nothing a prefix merely announced.
    /// A transport that releases HTTP/2 flow-control capacity as bytes are consumed can release
    /// the drop in this value after each call.
    pub fn buffered_len(&self) -> usize {
        self.carry.len() + self.chunk.len()
    }

    /// Reads and checks the next prefix, if all of it is here; it is consumed only if valid.
    fn take_prefix(&mut self) -> Result<Option<(bool, usize)>, FramingError> {
        // Fast path: nothing carried over and the whole prefix in the current chunk.
        let from_chunk = self.carry.is_empty() && self.chunk.len() >= PREFIX_LEN;
        if !from_chunk {
            self.carry_from_chunk(PREFIX_LEN);
        }
        let source: &[u8] = if from_chunk { &self.chunk } else { &self.carry };
        let Some(&[flag, length @ ..]) = source.first_chunk::<PREFIX_LEN>() else {
            return Ok(None);
        };
        let prefix = self.check_prefix(flag, declared_len(length))?;
        if from_chunk {
            self.chunk.advance(PREFIX_LEN);
        } else {
            self.carry.advance(PREFIX_LEN);
        }
        Ok(Some(prefix))
    }

    /// The three checks on a prefix, in wire order.
    fn check_prefix(&self, flag: u8, len: usize) -> Result<(bool, usize), FramingError> {
        let compressed = match flag {
            0 => false,
            1 if self.accept_compressed => true,
            1 => return Err(FramingError::CompressedWithoutEncoding),
            other => return Err(FramingError::InvalidCompressedFlag(other)),
        };
        if len > self.max_message_size {
            return Err(FramingError::MessageTooLarge {
                len,
                limit: self.max_message_size,
            });
        }
        Ok((compressed, len))
    }

    /// Takes the `len` bytes of a body, if they are all here.
    fn take_body(&mut self, len: usize) -> Option<Bytes> {
        if self.carry.is_empty() && self.chunk.len() >= len {
            // The zero-copy path: the body lies within the chunk, share it.
            return Some(self.chunk.split_to(len));
        }
        // The body spans chunks: gather it in `carry`, one copy, as far as the bytes go.
        self.carry_from_chunk(len);
        if self.carry.len() < len {
            return None;
        }
        Some(self.carry.split_to(len).freeze())
    }

    /// Moves bytes from `chunk` to `carry` until `carry` holds `target` bytes or `chunk` is
    /// empty. `carry` grows by what arrived, never by what a prefix announced.
    fn carry_from_chunk(&mut self, target: usize) {
        let n = target
            .saturating_sub(self.carry.len())
            .min(self.chunk.len());
        if n > 0 {
            self.carry.extend_from_slice(&self.chunk[..n]);
            self.chunk.advance(n);
        }
    }

    /// The next prefix without consuming it, wherever its bytes are.
    fn peek_prefix(&self) -> Option<[u8; PREFIX_LEN]> {
        let mut prefix = [0; PREFIX_LEN];
        let mut bytes = self.carry.iter().chain(self.chunk.iter());
        for slot in &mut prefix {
            *slot = *bytes.next()?;
        }
        Some(prefix)
    }
}

impl fmt::Debug for Deframer {
    /// Shows the state and how much is buffered, never the bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deframer")
            .field("max_message_size", &self.max_message_size)
            .field("accept_compressed", &self.accept_compressed)
            .field("state", &self.state)
            .field("buffered_len", &self.buffered_len())
            .finish()
    }
}

/// The Message-Length field as a `usize`.
fn declared_len(length_field: [u8; 4]) -> usize {
    // A u32 fits in the usize of every target with 32-bit or wider pointers; if it did not, the
    // saturated value is still larger than any limit and is rejected as such.
    usize::try_from(u32::from_be_bytes(length_field)).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::hello::HelloRequest;

    /// HelloRequest { name: "world" }, framed: the spec's test vector.
    const HELLO_WORLD: &[u8] = b"\x00\x00\x00\x00\x07\x0a\x05world";
    const HELLO_BODY: &[u8] = b"\x0a\x05world";

    fn plain(data: &'static [u8]) -> ReceivedMessage {
        ReceivedMessage {
            compressed: false,
            data: Bytes::from_static(data),
        }
    }

    /// Pushes `chunks` one by one, draining after each; returns the messages.
    fn deframe(
        deframer: &mut Deframer,
        chunks: &[&[u8]],
    ) -> Result<Vec<ReceivedMessage>, FramingError> {
        let mut messages = Vec::new();
        for chunk in chunks {
            deframer.push(Bytes::copy_from_slice(chunk));
            while let Some(message) = deframer.next_message()? {
                messages.push(message);
            }
        }
        Ok(messages)
    }

    // ----- encoding -----

    #[test]
    fn encode_hello_world() {
        let mut wire = BytesMut::new();
        let request = HelloRequest {
            name: "world".into(),
        };
        encode_message(&request, &mut wire, DEFAULT_MAX_MESSAGE_SIZE).unwrap();
        assert_eq!(&wire[..], HELLO_WORLD);
    }

    #[test]
    fn encode_empty_message() {
        let mut wire = BytesMut::new();
        encode_message(&HelloRequest::default(), &mut wire, 0).unwrap();
        assert_eq!(&wire[..], [0, 0, 0, 0, 0]);
    }

    #[test]
    fn encode_appends_back_to_back() {
        let mut wire = BytesMut::new();
        let request = HelloRequest {
            name: "world".into(),
        };
        encode_message(&request, &mut wire, 7).unwrap(); // exactly at the limit
        encode_payload(false, HELLO_BODY, &mut wire, 7).unwrap();
        assert_eq!(&wire[..], [HELLO_WORLD, HELLO_WORLD].concat());
    }

    #[test]
    fn encode_over_the_limit_is_refused() {
        let mut wire = BytesMut::from(&b"kept"[..]);
        let request = HelloRequest {
            name: "world".into(),
        };
        let too_large = FramingError::MessageTooLarge { len: 7, limit: 6 };
        assert_eq!(
            encode_message(&request, &mut wire, 6),
            Err(too_large.clone())
        );
        assert_eq!(
            encode_payload(true, HELLO_BODY, &mut wire, 6),
            Err(too_large)
        );
        assert_eq!(&wire[..], b"kept");
    }

    #[test]
    fn encode_compressed_payload_sets_the_flag() {
        let mut wire = BytesMut::new();
        encode_payload(true, b"zz", &mut wire, DEFAULT_MAX_MESSAGE_SIZE).unwrap();
        assert_eq!(&wire[..], b"\x01\x00\x00\x00\x02zz");
    }

    // ----- decoding -----

    #[test]
    fn decode_hello_world() {
        let mut deframer = Deframer::new(DEFAULT_MAX_MESSAGE_SIZE);
        assert_eq!(
            deframe(&mut deframer, &[HELLO_WORLD]),
            Ok(vec![plain(HELLO_BODY)])
        );
        assert_eq!(deframer.finish(), Ok(()));
    }

    #[test]
    fn decode_empty_message() {
        let mut deframer = Deframer::new(DEFAULT_MAX_MESSAGE_SIZE);
        assert_eq!(deframe(&mut deframer, &[&[0; 5]]), Ok(vec![plain(b"")]));
        assert_eq!(deframer.finish(), Ok(()));
    }

    #[test]
    fn two_messages_in_one_chunk() {
        let mut deframer = Deframer::new(DEFAULT_MAX_MESSAGE_SIZE);
        let wire = [HELLO_WORLD, &[0; 5]].concat();
        assert_eq!(
            deframe(&mut deframer, &[&wire]),
            Ok(vec![plain(HELLO_BODY), plain(b"")])
        );
        assert_eq!(deframer.finish(), Ok(()));
    }

    #[test]
    fn one_message_in_one_byte_chunks() {
        let mut deframer = Deframer::new(DEFAULT_MAX_MESSAGE_SIZE);
        let chunks: Vec<&[u8]> = HELLO_WORLD.chunks(1).collect();
        assert_eq!(deframe(&mut deframer, &chunks), Ok(vec![plain(HELLO_BODY)]));
        assert_eq!(deframer.finish(), Ok(()));
    }

    #[test]
    fn prefix_split_across_chunks() {
        let mut deframer = Deframer::new(DEFAULT_MAX_MESSAGE_SIZE);
        let (head, tail) = HELLO_WORLD.split_at(2);
        assert_eq!(deframe(&mut deframer, &[head]), Ok(vec![]));
        assert_eq!(deframer.buffered_len(), 2);
        // Only the prefix is carried over; the body, whole in the second chunk, is shared.
        let tail = Bytes::from_static(tail);
        deframer.push(tail.clone());
        let message = deframer.next_message().unwrap().unwrap();
        assert_eq!(message, plain(HELLO_BODY));
        assert!(shares(&tail, &message.data));
        assert_eq!(deframer.buffered_len(), 0);
    }

    #[test]
    fn pushing_twice_without_draining() {
        let mut deframer = Deframer::new(DEFAULT_MAX_MESSAGE_SIZE);
        let (head, tail) = HELLO_WORLD.split_at(8);
        deframer.push(Bytes::from_static(head));
        deframer.push(Bytes::from_static(tail));
        deframer.push(Bytes::from_static(HELLO_WORLD));
        assert_eq!(deframer.next_message(), Ok(Some(plain(HELLO_BODY))));
        assert_eq!(deframer.next_message(), Ok(Some(plain(HELLO_BODY))));
        assert_eq!(deframer.next_message(), Ok(None));
        assert_eq!(deframer.finish(), Ok(()));
    }

    #[test]
    fn flag_2_is_invalid() {
        let mut deframer = Deframer::new(DEFAULT_MAX_MESSAGE_SIZE).accept_compressed(true);
        let wire = b"\x02\x00\x00\x00\x00";
        assert_eq!(
            deframe(&mut deframer, &[wire]),
            Err(FramingError::InvalidCompressedFlag(2))
        );
        // Sticky: the prefix stays, and so does the error.
        assert_eq!(
            deframer.next_message(),
            Err(FramingError::InvalidCompressedFlag(2))
        );
    }

    #[test]
    fn flag_1_needs_a_negotiated_encoding() {
        let wire = b"\x01\x00\x00\x00\x02zz";
        let mut deframer = Deframer::new(DEFAULT_MAX_MESSAGE_SIZE);
        assert_eq!(
            deframe(&mut deframer, &[wire]),
            Err(FramingError::CompressedWithoutEncoding)
        );

        let mut deframer = Deframer::new(DEFAULT_MAX_MESSAGE_SIZE).accept_compressed(true);
        let expected = ReceivedMessage {
            compressed: true,
            data: Bytes::from_static(b"zz"),
        };
        assert_eq!(deframe(&mut deframer, &[wire]), Ok(vec![expected]));
    }

    #[test]
    fn too_large_is_refused_on_the_prefix_alone() {
        let mut deframer = Deframer::new(1024);
        // Only the five prefix bytes, declaring 1025 bytes: no body has arrived.
        deframer.push(Bytes::from_static(&[0x00, 0x00, 0x00, 0x04, 0x01]));
        assert_eq!(
            deframer.next_message(),
            Err(FramingError::MessageTooLarge {
                len: 1025,
                limit: 1024
            })
        );
    }

    #[test]
    fn too_large_prefix_claiming_u32_max_costs_nothing() {
        let mut deframer = Deframer::new(DEFAULT_MAX_MESSAGE_SIZE);
        deframer.push(Bytes::from_static(&[0x00, 0xff, 0xff, 0xff, 0xff]));
        assert!(matches!(
            deframer.next_message(),
            Err(FramingError::MessageTooLarge { .. })
        ));
        assert_eq!(deframer.carry.capacity(), 0);
    }

    #[test]
    fn exactly_at_the_limit_is_accepted() {
        let mut deframer = Deframer::new(7);
        assert_eq!(
            deframe(&mut deframer, &[HELLO_WORLD]),
            Ok(vec![plain(HELLO_BODY)])
        );
    }

    #[test]
    fn a_large_declared_length_does_not_reserve() {
        let mut deframer = Deframer::new(DEFAULT_MAX_MESSAGE_SIZE);
        // A prefix announcing 4 MiB, then 3 bytes of body, each in its own chunk.
        assert_eq!(
            deframe(&mut deframer, &[&[0x00, 0x00, 0x40, 0x00], &[0x00], b"abc"]),
            Ok(vec![])
        );
        assert_eq!(deframer.buffered_len(), 3);
        assert!(deframer.carry.capacity() < 1024);
    }

    #[test]
    fn finish_inside_a_prefix() {
        let mut deframer = Deframer::new(DEFAULT_MAX_MESSAGE_SIZE);
        deframe(&mut deframer, &[&HELLO_WORLD[..3]]).unwrap();
        let error = deframer.finish().unwrap_err();
        assert_eq!(
            error,
            FramingError::TruncatedMessage {
                buffered: 3,
                expected: 5
            }
        );
        assert_eq!(
            error.to_string(),
            "the stream ended inside a message prefix: 3 of 5 bytes arrived"
        );
    }

    #[test]
    fn finish_inside_a_body() {
        let mut deframer = Deframer::new(DEFAULT_MAX_MESSAGE_SIZE);
        deframe(&mut deframer, &[&HELLO_WORLD[..9]]).unwrap();
        let error = deframer.finish().unwrap_err();
        assert_eq!(
            error,
            FramingError::TruncatedMessage {
                buffered: 9,
                expected: 12
            }
        );
        assert_eq!(
            error.to_string(),
            "the stream ended inside a message: 9 of 12 bytes arrived"
        );
    }

    #[test]
    fn finish_on_a_boundary() {
        let mut deframer = Deframer::new(DEFAULT_MAX_MESSAGE_SIZE);
        assert_eq!(deframer.finish(), Ok(()));
        deframe(&mut deframer, &[HELLO_WORLD, HELLO_WORLD]).unwrap();
        assert_eq!(deframer.finish(), Ok(()));
    }

    /// Whether `inner` lies within `outer` in memory.
    fn shares(outer: &Bytes, inner: &Bytes) -> bool {
        let (outer, inner) = (outer.as_ptr_range(), inner.as_ptr_range());
        outer.start <= inner.start && inner.end <= outer.end
    }

    #[test]
    fn a_message_within_one_chunk_is_not_copied() {
        // Chunk a: one whole message, then the prefix and 3 body bytes of the next;
        // chunk b: the rest of that body, and a third message.
        let wire = [HELLO_WORLD, HELLO_WORLD, HELLO_WORLD].concat();
        let a = Bytes::copy_from_slice(&wire[..20]);
        let b = Bytes::copy_from_slice(&wire[20..]);
        let mut deframer = Deframer::new(DEFAULT_MAX_MESSAGE_SIZE);

        deframer.push(a.clone());
        let first = deframer.next_message().unwrap().unwrap();
        assert!(shares(&a, &first.data));
        assert_eq!(deframer.next_message(), Ok(None));

        deframer.push(b.clone());
        let second = deframer.next_message().unwrap().unwrap();
        assert!(!shares(&a, &second.data) && !shares(&b, &second.data)); // spans: copied once
        let third = deframer.next_message().unwrap().unwrap();
        assert!(shares(&b, &third.data));

        for message in [first, second, third] {
            assert_eq!(message, plain(HELLO_BODY));
        }
    }

    #[test]
    fn debug_shows_lengths_not_bytes() {
        let message = plain(HELLO_BODY);
        assert_eq!(
            format!("{message:?}"),
            "ReceivedMessage { compressed: false, len: 7 }"
        );
    }

    // ----- properties -----

    mod properties {
        use proptest::collection::vec;
        use proptest::prelude::*;

        use super::*;

        /// Splits `wire` at `cuts` (each taken modulo `wire.len() + 1`), empty chunks included.
        fn split(wire: &[u8], mut cuts: Vec<usize>) -> Vec<Bytes> {
            let wire = Bytes::copy_from_slice(wire);
            for cut in &mut cuts {
                *cut %= wire.len() + 1;
            }
            cuts.sort_unstable();
            let mut chunks = Vec::new();
            let mut start = 0;
            for cut in cuts.into_iter().chain([wire.len()]) {
                chunks.push(wire.slice(start..cut));
                start = cut;
            }
            chunks
        }

        /// Prefixes with flags 0 to 2 and lengths around the 1 KiB limit, each followed by bytes
        /// whose count is unrelated to the declared length: deeper paths than random bytes reach.
        fn plausible_wire() -> impl Strategy<Value = Vec<u8>> {
            vec((0u8..3, 0u32..1100, vec(any::<u8>(), 0..400)), 0..10).prop_map(|parts| {
                let mut wire = Vec::new();
                for (flag, len, junk) in parts {
                    wire.push(flag);
                    wire.extend_from_slice(&len.to_be_bytes());
                    wire.extend_from_slice(&junk);
                }
                wire
            })
        }

        proptest! {
            #[test]
            fn chunking_does_not_matter(
                messages in vec((any::<bool>(), vec(any::<u8>(), 0..300)), 0..8),
                cuts in vec(any::<usize>(), 0..40),
            ) {
                let mut wire = BytesMut::new();
                for (compressed, payload) in &messages {
                    encode_payload(*compressed, payload, &mut wire, 300).unwrap();
                }
                let mut deframer = Deframer::new(300).accept_compressed(true);
                let mut received = Vec::new();
                for chunk in split(&wire, cuts) {
                    deframer.push(chunk);
                    while let Some(message) = deframer.next_message().unwrap() {
                        received.push((message.compressed, message.data.to_vec()));
                    }
                }
                prop_assert_eq!(received, messages);
                prop_assert_eq!(deframer.finish(), Ok(()));
                prop_assert_eq!(deframer.buffered_len(), 0);
            }

            #[test]
            fn arbitrary_bytes_never_panic_nor_hoard(
                wire in prop_oneof![vec(any::<u8>(), 0..3000), plausible_wire()],
                cuts in vec(any::<usize>(), 0..40),
                accept_compressed in any::<bool>(),
                drain_every_push in any::<bool>(),
            ) {
                let mut deframer = Deframer::new(1024).accept_compressed(accept_compressed);
                let (mut pushed, mut handed_out) = (0, 0);
                let chunks = split(&wire, cuts);
                let last = chunks.len() - 1;
                for (i, chunk) in chunks.into_iter().enumerate() {
                    pushed += chunk.len();
                    deframer.push(chunk);
                    prop_assert!(deframer.buffered_len() <= pushed - handed_out);
                    if !drain_every_push && i != last {
                        continue; // several pushes in a row: the copying path
                    }
                    let error = loop {
                        match deframer.next_message() {
                            Ok(Some(message)) => {
                                prop_assert!(message.data.len() <= 1024);
                                handed_out += PREFIX_LEN + message.data.len();
                                prop_assert_eq!(deframer.buffered_len(), pushed - handed_out);
                            }
                            Ok(None) => break None,
                            Err(error) => break Some(error),
                        }
                    };
                    if let Some(error) = error {
                        // Sticky: the same error again, and nothing consumed.
                        let held = deframer.buffered_len();
                        prop_assert_eq!(deframer.next_message(), Err(error));
                        prop_assert_eq!(deframer.buffered_len(), held);
                        break;
                    }
                }
                let _ = deframer.finish();
            }

            #[test]
            fn encoded_prefix_gives_the_length(
                name in "\\PC{0,200}",
                payload in vec(any::<u8>(), 0..300),
                compressed in any::<bool>(),
            ) {
                let request = HelloRequest { name: name.as_str().into() };
                let mut wire = BytesMut::new();
                encode_message(&request, &mut wire, usize::MAX).unwrap();
                let len = request.encoded_len();
                prop_assert_eq!(wire.len(), PREFIX_LEN + len);
                prop_assert_eq!(wire[0], 0);
                prop_assert_eq!(declared_len([wire[1], wire[2], wire[3], wire[4]]), len);

                wire.clear();
                encode_payload(compressed, &payload, &mut wire, usize::MAX).unwrap();
                prop_assert_eq!(wire.len(), PREFIX_LEN + payload.len());
                prop_assert_eq!(wire[0], u8::from(compressed));
                prop_assert_eq!(declared_len([wire[1], wire[2], wire[3], wire[4]]), payload.len());
                prop_assert_eq!(&wire[PREFIX_LEN..], &payload[..]);
            }
        }
    }
}
