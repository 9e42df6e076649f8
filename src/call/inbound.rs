//! The receiving half of a call, on either side: DATA chunks in, typed messages out.

use bytes::Bytes;

use super::{decode_status, framing_status};
use crate::framing::Deframer;
use crate::protobuf::Message;
use crate::status::{Code, Status};

/// Deframes and decodes the messages of one direction of a call.
///
/// Feed it the payload of every DATA frame with [`recv_data`](Self::recv_data), take messages
/// with [`next_message`](Self::next_message), and call [`recv_end`](Self::recv_end) at
/// END_STREAM. Every failure is already the [`Status`] that ends the call.
#[derive(Debug)]
pub struct Inbound {
    deframer: Deframer,
    received: u64,
}

impl Inbound {
    /// Messages up to `max_message_size` bytes; compressed ones are refused (no `grpc-encoding`
    /// other than identity is negotiated).
    pub fn new(max_message_size: usize) -> Self {
        Self {
            deframer: Deframer::new(max_message_size),
            received: 0,
        }
    }

    /// The payload of one DATA frame.
    pub fn recv_data(&mut self, chunk: Bytes) {
        self.deframer.push(chunk);
    }

    /// The next whole message, decoded, or `None` until more data arrives.
    ///
    /// # Errors
    /// RESOURCE_EXHAUSTED for a message over the limit, INTERNAL for a bad prefix or a message
    /// that does not decode.
    pub fn next_message<M: Message>(&mut self) -> Result<Option<M>, Status> {
        let Some(received) = self
            .deframer
            .next_message()
            .map_err(|e| framing_status(&e))?
        else {
            return Ok(None);
        };
        if received.compressed {
            // The Deframer refuses the flag unless compression was negotiated, and it never is
            // yet; keep the check so that a later change cannot decode compressed bytes raw.
            return Err(Status::new(
                Code::Internal,
                "compressed message without grpc-encoding",
            ));
        }
        self.received += 1;
        M::decode(received.data)
            .map(Some)
            .map_err(|e| decode_status(&e))
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
}
