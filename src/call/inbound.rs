//! The receiving half of a call, on either side: DATA chunks in, typed messages out.

use bytes::Bytes;

use super::{decode_status, decompress_status, framing_status};
use crate::compression::Encoding;
use crate::framing::Deframer;
use crate::protobuf::Message;
use crate::status::{Code, Status};

/// Deframes, decompresses and decodes the messages of one direction of a call.
///
/// Feed it the payload of every DATA frame with [`recv_data`](Self::recv_data), take messages
/// with [`next_message`](Self::next_message), and call [`recv_end`](Self::recv_end) at
/// END_STREAM. Every failure is already the [`Status`] that ends the call.
///
/// The size limit holds for every message twice: on the wire (checked by the [`Deframer`] on
/// the prefix alone) and once decompressed (checked by [`Encoding::decompress`] as it inflates,
/// so a decompression bomb stops at the limit).
#[derive(Debug)]
pub struct Inbound {
    deframer: Deframer,
    max_message_size: usize,
    encoding: Option<Encoding>,
    received: u64,
    last_compressed: bool,
}

impl Inbound {
    /// Messages up to `max_message_size` bytes; compressed ones are refused (no `grpc-encoding`
    /// other than identity is negotiated) until [`with_encoding`](Self::with_encoding).
    pub fn new(max_message_size: usize) -> Self {
        Self {
            deframer: Deframer::new(max_message_size),
            max_message_size,
            encoding: None,
            received: 0,
            last_compressed: false,
        }
    }

    /// The stream's `grpc-encoding`: messages with Compressed-Flag 1 are decompressed with it.
    /// `None` or identity: the flag must be 0 (INTERNAL otherwise, compression.md test case 6).
    #[must_use]
    pub fn with_encoding(mut self, encoding: Option<Encoding>) -> Self {
        self.encoding = encoding.and_then(Encoding::compressed);
        self.deframer = self.deframer.accept_compressed(self.encoding.is_some());
        self
    }

    /// The payload of one DATA frame.
    pub fn recv_data(&mut self, chunk: Bytes) {
        self.deframer.push(chunk);
    }

    /// The next whole message, decoded, or `None` until more data arrives.
    ///
    /// # Errors
    /// RESOURCE_EXHAUSTED for a message over the limit (on the wire or decompressed), INTERNAL
    /// for a bad prefix, a message that does not decompress or one that does not decode.
    pub fn next_message<M: Message>(&mut self) -> Result<Option<M>, Status> {
        let Some(received) = self
            .deframer
            .next_message()
            .map_err(|e| framing_status(&e))?
        else {
            return Ok(None);
        };
        let data = if received.compressed {
            // The Deframer refuses the flag unless an encoding was set; keep the check so that
            // a later change cannot decode compressed bytes raw.
            let Some(encoding) = self.encoding else {
                return Err(Status::new(
                    Code::Internal,
                    "compressed message without grpc-encoding",
                ));
            };
            let inflated = encoding
                .decompress(&received.data, self.max_message_size)
                .map_err(|e| decompress_status(&e))?;
            Bytes::from(inflated)
        } else {
            received.data
        };
        self.received += 1;
        self.last_compressed = received.compressed;
        M::decode(data).map(Some).map_err(|e| decode_status(&e))
    }

    /// The stream ended (END_STREAM): it must not end inside a message.
    ///
    /// # Errors
    /// INTERNAL when a partial message remains.
    pub fn recv_end(&self) -> Result<(), Status> {
        self.deframer.finish().map_err(|e| framing_status(&e))
    }

    /// How many messages were taken out so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Whether the last message taken out arrived compressed (Compressed-Flag 1).
    pub fn last_compressed(&self) -> bool {
        self.last_compressed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::encode_payload;
    use crate::services::hello::HelloRequest;

    fn compressed_frame(encoding: Encoding, body: &[u8]) -> Bytes {
        let mut compressed = Vec::new();
        encoding.compress(body, &mut compressed);
        let mut wire = Vec::new();
        encode_payload(true, &compressed, &mut wire, usize::MAX).unwrap();
        Bytes::from(wire)
    }

    #[test]
    fn mixed_flags_in_one_stream() {
        let request = HelloRequest {
            name: "world".into(),
        };
        let body = request.encode_to_vec();
        let mut plain = Vec::new();
        encode_payload(false, &body, &mut plain, usize::MAX).unwrap();
        let mut inbound = Inbound::new(1024).with_encoding(Some(Encoding::Gzip));
        inbound.recv_data(compressed_frame(Encoding::Gzip, &body));
        inbound.recv_data(Bytes::from(plain));
        assert_eq!(inbound.next_message(), Ok(Some(request.clone())));
        assert!(inbound.last_compressed());
        assert_eq!(inbound.next_message(), Ok(Some(request)));
        assert!(!inbound.last_compressed());
        assert_eq!(inbound.received(), 2);
    }

    #[test]
    fn flag_1_under_identity_is_internal() {
        for encoding in [None, Some(Encoding::Identity)] {
            let mut inbound = Inbound::new(1024).with_encoding(encoding);
            inbound.recv_data(compressed_frame(Encoding::Gzip, b"\x0a\x01x"));
            let status = inbound.next_message::<HelloRequest>().unwrap_err();
            assert_eq!(status.code(), Code::Internal, "{status}");
        }
    }

    #[test]
    fn decompressed_size_limit_and_corruption() {
        let big = vec![0u8; 2000];
        let mut inbound = Inbound::new(1024).with_encoding(Some(Encoding::Deflate));
        inbound.recv_data(compressed_frame(Encoding::Deflate, &big));
        let status = inbound.next_message::<HelloRequest>().unwrap_err();
        assert_eq!(status.code(), Code::ResourceExhausted, "{status}");

        // Gzip bytes under a deflate header: corrupt.
        let mut inbound = Inbound::new(1024).with_encoding(Some(Encoding::Deflate));
        inbound.recv_data(compressed_frame(Encoding::Gzip, b"\x0a\x01x"));
        let status = inbound.next_message::<HelloRequest>().unwrap_err();
        assert_eq!(status.code(), Code::Internal, "{status}");
    }
}
