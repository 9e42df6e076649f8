//! [`FrameReader`]: a connection's bytes, in chunks of any size, in; frames out.
//!
//! Each direction of a connection is read by its own reader. The client→server direction opens
//! with the connection preface (RFC 9113 §3.4):
//!
//! > In HTTP/2, each endpoint is required to send a connection preface [...] The client
//! > connection preface starts with a sequence of 24 octets, which in hex notation is:
//! >
//! >   `0x505249202a20485454502f322e300d0a0d0a534d0d0a0d0a`
//! >
//! > That is, the connection preface starts with the string `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`.
//! > This sequence MUST be followed by a SETTINGS frame [...]
//!
//! and the server's preface is just its first SETTINGS frame. After that both directions are a
//! sequence of frames, each announcing its own length in its first three octets, so the reader
//! works in the two states of the [`Deframer`](crate::framing::Deframer) of framing.rs:
//!
//! ```text
//!              9 header octets buffered: check the Length against the maximum
//!   +--------+ ---------------------------------------------------------> +-----------+
//!   | Header |                                                           |  Payload  |
//!   +--------+ <--------------------------------------------------------- +-----------+
//!              Length octets buffered: parse the frame, yield it
//! ```
//!
//! # Errors and bounds
//!
//! A frame that breaks a rule of §6 is a [`FrameEvent::Malformed`]: its length is known, so the
//! reader yields its bytes and the rule, and reads on. Two errors stop the reader for good, as
//! [`FrameEvent::Fatal`]: a client preface that is not the 24 octets above, and a Length above
//! the reader's maximum ([`DEFAULT_MAX_FRAME_LEN`], 16 MiB, unless set with
//! [`FrameReader::with_max_frame_len`]); the latter is refused on the 9 header octets alone,
//! before any payload is buffered. After a fatal error the reader ignores what it is given.

use std::fmt;

use bytes::{Bytes, BytesMut};

use super::frame::{FRAME_HEADER_LEN, Frame, FrameError, FrameHeader};

#[cfg(test)]
mod tests;

/// The client connection preface (§3.4).
pub const CONNECTION_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The default largest frame payload a [`FrameReader`] accepts: 16 MiB, more than the 24-bit
/// Length field can say (2^24 - 1), so by default every frame is read.
pub const DEFAULT_MAX_FRAME_LEN: usize = 16 * 1024 * 1024;

/// Which way the bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the client: the preface, then frames.
    ClientToServer,
    /// From the server: frames from the first byte.
    ServerToClient,
}

/// Why a [`FrameReader`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderError {
    /// The client's first 24 octets are not [`CONNECTION_PREFACE`].
    BadPreface {
        /// The octet that differs.
        found: u8,
    },
    /// A frame Length above the reader's maximum.
    FrameTooLarge {
        /// The Length field.
        length: usize,
        /// The maximum.
        max: usize,
    },
    /// The stream ended inside the preface or a frame ([`FrameReader::finish`]).
    Truncated {
        /// How many octets of it arrived.
        buffered: usize,
    },
}

impl fmt::Display for ReaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadPreface { found } => {
                write!(
                    f,
                    "not the HTTP/2 connection preface: found octet 0x{found:02x}"
                )
            }
            Self::FrameTooLarge { length, max } => {
                write!(f, "frame of length {length} is above the maximum of {max}")
            }
            Self::Truncated { buffered } => {
                write!(
                    f,
                    "the connection ended inside a frame, {buffered} octets into it"
                )
            }
        }
    }
}

impl std::error::Error for ReaderError {}

/// What a [`FrameReader`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameEvent {
    /// The 24 octets of the client preface, at `offset`.
    Preface {
        /// Where they began (0).
        offset: u64,
    },
    /// A frame.
    Frame(Frame),
    /// A frame that breaks a rule of §6; the reader reads on.
    Malformed {
        /// Where the frame began.
        offset: u64,
        /// Its header.
        header: FrameHeader,
        /// The whole frame.
        bytes: Bytes,
        /// The rule it breaks.
        error: FrameError,
    },
    /// The reader stopped.
    Fatal {
        /// Where the fault lies: the differing preface octet, or the oversized frame's start.
        offset: u64,
        /// Why.
        error: ReaderError,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Preface,
    Frames,
    Stopped,
}

/// A sans-IO reader of one direction of an HTTP/2 connection.
#[derive(Debug)]
pub struct FrameReader {
    buffer: BytesMut,
    /// The stream offset of `buffer[0]`.
    offset: u64,
    state: State,
    max_frame_len: usize,
}

impl FrameReader {
    /// A reader for `direction`, expecting the preface if it is [`Direction::ClientToServer`].
    #[must_use]
    pub fn new(direction: Direction) -> Self {
        Self {
            buffer: BytesMut::new(),
            offset: 0,
            state: match direction {
                Direction::ClientToServer => State::Preface,
                Direction::ServerToClient => State::Frames,
            },
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
        }
    }

    /// Sets the largest payload accepted.
    #[must_use]
    pub fn with_max_frame_len(mut self, max_frame_len: usize) -> Self {
        self.max_frame_len = max_frame_len;
        self
    }

    /// Appends the next bytes of the direction (ignored once the reader has stopped).
    pub fn push(&mut self, chunk: &[u8]) {
        if self.state != State::Stopped {
            self.buffer.extend_from_slice(chunk);
        }
    }

    /// The octets pushed and not yet yielded.
    #[must_use]
    pub fn buffered_len(&self) -> usize {
        self.buffer.len()
    }

    /// Checks that the direction ended between frames.
    ///
    /// # Errors
    /// [`ReaderError::Truncated`] if it ended inside the preface or a frame.
    pub fn finish(&self) -> Result<(), ReaderError> {
        match self.buffer.len() {
            0 => Ok(()),
            buffered => Err(ReaderError::Truncated { buffered }),
        }
    }

    fn stop(&mut self, offset: u64, error: ReaderError) -> Option<FrameEvent> {
        self.state = State::Stopped;
        self.buffer = BytesMut::new();
        Some(FrameEvent::Fatal { offset, error })
    }

    fn take(&mut self, len: usize) -> (u64, Bytes) {
        let offset = self.offset;
        self.offset = self
            .offset
            .saturating_add(u64::try_from(len).unwrap_or(u64::MAX));
        (offset, self.buffer.split_to(len).freeze())
    }

    /// The next event, or `None` until more bytes are pushed.
    pub fn next_event(&mut self) -> Option<FrameEvent> {
        match self.state {
            State::Stopped => None,
            State::Preface => {
                let seen = self.buffer.len().min(CONNECTION_PREFACE.len());
                let differs = (0..seen).find(|&i| self.buffer[i] != CONNECTION_PREFACE[i]);
                if let Some(i) = differs {
                    let found = self.buffer[i];
                    let offset = self
                        .offset
                        .saturating_add(u64::try_from(i).unwrap_or(u64::MAX));
                    return self.stop(offset, ReaderError::BadPreface { found });
                }
                if seen < CONNECTION_PREFACE.len() {
                    return None;
                }
                let (offset, _) = self.take(CONNECTION_PREFACE.len());
                self.state = State::Frames;
                Some(FrameEvent::Preface { offset })
            }
            State::Frames => {
                let head: [u8; FRAME_HEADER_LEN] =
                    self.buffer.get(..FRAME_HEADER_LEN)?.try_into().ok()?;
                let header = FrameHeader::parse(head);
                let length = usize::try_from(header.length).unwrap_or(usize::MAX);
                if length > self.max_frame_len {
                    let error = ReaderError::FrameTooLarge {
                        length,
                        max: self.max_frame_len,
                    };
                    return self.stop(self.offset, error);
                }
                let total = FRAME_HEADER_LEN + length;
                if self.buffer.len() < total {
                    // Room for the rest of this frame only: memory follows what arrived.
                    return None;
                }
                let (offset, bytes) = self.take(total);
                Some(match Frame::parse(offset, bytes.clone()) {
                    Ok(frame) => FrameEvent::Frame(frame),
                    Err(error) => FrameEvent::Malformed {
                        offset,
                        header,
                        bytes,
                        error,
                    },
                })
            }
        }
    }
}
