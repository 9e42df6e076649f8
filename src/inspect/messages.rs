//! gRPC messages cut out of a stream's DATA frames, with the frames each one spans
//! ([PROTOCOL-HTTP2.md, "Requests"](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests)):
//!
//! > Length-Prefixed-Message → Compressed-Flag Message-Length Message
//! > Compressed-Flag → 0 / 1 ; encoded as 1 byte unsigned integer
//! > Message-Length → {length of Message} ; encoded as 4 byte unsigned integer (big endian)
//!
//! The 5-octet prefix and the message it announces fall wherever the sender's DATA frames
//! happen to cut them: one frame may carry several messages, one message may span many frames,
//! and a prefix may itself be split. A [`MessageAssembler`] is given each DATA frame's data of
//! one direction of one stream and hands out each message when its last octet arrives, saying
//! which frames carried it. It keeps at most `max_display` octets of a message: a larger one is
//! counted to its end but not buffered, so memory does not follow what a peer announces.
//!
//! ```
//! use h2grpc::inspect::messages::MessageAssembler;
//!
//! let mut messages = MessageAssembler::new(64 * 1024);
//! // One HelloRequest { name: "world" } in two DATA frames, cut inside the prefix.
//! assert!(messages.data(100, &[0x00, 0x00, 0x00]).is_empty());
//! let done = messages.data(200, &[0x00, 0x07, 0x0a, 0x05, b'w', b'o', b'r', b'l', b'd']);
//! assert_eq!(done.len(), 1);
//! assert_eq!((done[0].flag, done[0].length), (0, 7));
//! assert_eq!(done[0].frames, [100, 200]);
//! assert_eq!(&done[0].data[..], b"\x0a\x05world");
//! assert!(messages.is_between_messages());
//! ```

use bytes::{Bytes, BytesMut};

use crate::framing::PREFIX_LEN;

/// At most this many frame offsets are listed per message; [`GrpcMessage::frame_count`] counts
/// them all.
pub const MAX_LISTED_FRAMES: usize = 16;

/// One Length-Prefixed-Message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrpcMessage {
    /// The Compressed-Flag octet (0 or 1; anything else breaks the grammar).
    pub flag: u8,
    /// The Message-Length.
    pub length: u32,
    /// The offsets of the first [`MAX_LISTED_FRAMES`] DATA frames that carried its prefix and
    /// octets, in order.
    pub frames: Vec<u64>,
    /// How many DATA frames carried it.
    pub frame_count: usize,
    /// Its first octets: all of them unless [`GrpcMessage::is_truncated`].
    pub data: Bytes,
}

impl GrpcMessage {
    /// Whether only the first octets were kept.
    #[must_use]
    pub fn is_truncated(&self) -> bool {
        u64::try_from(self.data.len()).unwrap_or(u64::MAX) < u64::from(self.length)
    }
}

#[derive(Debug)]
enum State {
    Prefix {
        prefix: [u8; PREFIX_LEN],
        have: usize,
    },
    Body {
        flag: u8,
        length: u32,
        remaining: u64,
    },
}

/// Reassembles the messages of one direction of one stream.
#[derive(Debug)]
pub struct MessageAssembler {
    state: State,
    kept: BytesMut,
    frames: Vec<u64>,
    frame_count: usize,
    max_display: usize,
}

impl MessageAssembler {
    /// An assembler that keeps at most `max_display` octets of each message.
    #[must_use]
    pub fn new(max_display: usize) -> Self {
        Self {
            state: State::Prefix {
                prefix: [0; PREFIX_LEN],
                have: 0,
            },
            kept: BytesMut::new(),
            frames: Vec::new(),
            frame_count: 0,
            max_display,
        }
    }

    /// Whether the data so far ended exactly at a message boundary (what END_STREAM needs).
    #[must_use]
    pub fn is_between_messages(&self) -> bool {
        matches!(self.state, State::Prefix { have: 0, .. })
    }

    /// How many octets of an unfinished prefix or message arrived.
    #[must_use]
    pub fn pending_len(&self) -> u64 {
        match &self.state {
            State::Prefix { have, .. } => u64::try_from(*have).unwrap_or(u64::MAX),
            State::Body {
                length, remaining, ..
            } => u64::try_from(PREFIX_LEN).unwrap_or(u64::MAX) + u64::from(*length) - remaining,
        }
    }

    fn note_frame(&mut self, offset: u64) {
        if self.frames.last() == Some(&offset) {
            return;
        }
        self.frame_count += 1;
        if self.frames.len() < MAX_LISTED_FRAMES {
            self.frames.push(offset);
        }
    }

    /// Takes the data of the DATA frame at `frame_offset` (padding excluded); returns the
    /// messages it completes.
    pub fn data(&mut self, frame_offset: u64, mut data: &[u8]) -> Vec<GrpcMessage> {
        let mut done = Vec::new();
        while !data.is_empty() {
            self.note_frame(frame_offset);
            match &mut self.state {
                State::Prefix { prefix, have } => {
                    let take = (PREFIX_LEN - *have).min(data.len());
                    prefix[*have..*have + take].copy_from_slice(&data[..take]);
                    *have += take;
                    data = &data[take..];
                    if *have == PREFIX_LEN {
                        let flag = prefix[0];
                        let length =
                            u32::from_be_bytes([prefix[1], prefix[2], prefix[3], prefix[4]]);
                        self.state = State::Body {
                            flag,
                            length,
                            remaining: u64::from(length),
                        };
                        self.kept = BytesMut::with_capacity(
                            usize::try_from(length)
                                .unwrap_or(usize::MAX)
                                .min(self.max_display),
                        );
                    }
                }
                State::Body { remaining, .. } => {
                    let take = usize::try_from(*remaining)
                        .unwrap_or(usize::MAX)
                        .min(data.len());
                    let room = self.max_display.saturating_sub(self.kept.len()).min(take);
                    self.kept.extend_from_slice(&data[..room]);
                    *remaining -= u64::try_from(take).unwrap_or(u64::MAX);
                    data = &data[take..];
                }
            }
            if let State::Body {
                flag,
                length,
                remaining: 0,
            } = self.state
            {
                done.push(GrpcMessage {
                    flag,
                    length,
                    frames: std::mem::take(&mut self.frames),
                    frame_count: std::mem::take(&mut self.frame_count),
                    data: std::mem::take(&mut self.kept).freeze(),
                });
                self.state = State::Prefix {
                    prefix: [0; PREFIX_LEN],
                    have: 0,
                };
            }
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(payload: &[u8]) -> Vec<u8> {
        let mut out = vec![0];
        out.extend_from_slice(&u32::try_from(payload.len()).unwrap().to_be_bytes());
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn every_cut_gives_the_same_messages() {
        let mut wire = message(b"first");
        wire.extend(message(b""));
        wire.extend(message(&[7; 300]));
        for cut in 1..wire.len() {
            let mut assembler = MessageAssembler::new(1024);
            let mut got = assembler.data(0, &wire[..cut]);
            got.extend(assembler.data(1, &wire[cut..]));
            let payloads: Vec<&[u8]> = got.iter().map(|m| &m.data[..]).collect();
            assert_eq!(
                payloads,
                [&b"first"[..], b"", &[7; 300][..]],
                "cut at {cut}"
            );
            assert!(assembler.is_between_messages());
        }
    }

    #[test]
    fn a_message_over_max_display_is_counted_not_kept() {
        let mut assembler = MessageAssembler::new(10);
        let wire = message(&[1; 1000]);
        let mut got = Vec::new();
        for (i, chunk) in wire.chunks(100).enumerate() {
            got.extend(assembler.data(u64::try_from(i).unwrap() * 1000, chunk));
        }
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].length, got[0].data.len()), (1000, 10));
        assert!(got[0].is_truncated());
        assert_eq!(got[0].frame_count, 11);
        assert_eq!(got[0].frames.len(), MAX_LISTED_FRAMES.min(11));
    }

    #[test]
    fn a_lying_length_allocates_nothing_it_has_not_seen() {
        let mut assembler = MessageAssembler::new(64 * 1024);
        assert!(
            assembler
                .data(0, &[0, 0xff, 0xff, 0xff, 0xff, 1, 2])
                .is_empty()
        );
        assert_eq!(assembler.pending_len(), 7);
        assert!(assembler.kept.capacity() <= 64 * 1024);
        assert!(!assembler.is_between_messages());
    }
}
