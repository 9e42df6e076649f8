//! Field blocks: the fragments of a HEADERS or PUSH_PROMISE frame and of its CONTINUATION
//! frames, joined into the one header block HPACK decodes (RFC 9113 §4.3, §6.10).
//!
//! > A field block [...] is divided into one or more octet sequences, called field block
//! > fragments, and transmitted within the frame payload of HEADERS or PUSH_PROMISE, each of
//! > which could be followed by CONTINUATION frames. [...] Field blocks MUST be transmitted as
//! > a contiguous sequence of frames, with no interleaved frames of any other type or from any
//! > other stream. The last frame in a sequence of HEADERS or CONTINUATION frames has the
//! > END_HEADERS flag set.
//!
//! ```text
//!  HEADERS (stream 1)          CONTINUATION (stream 1)     CONTINUATION (stream 1)
//!  flags: -                    flags: -                    flags: END_HEADERS
//!  [ fragment 1 ]              [ fragment 2 ]              [ fragment 3 ]
//!        \___________________________|___________________________/
//!                  one field block: fragment 1 ++ 2 ++ 3, for the HPACK decoder
//! ```
//!
//! A [`BlockAssembler`] is given every frame of a direction in order and hands out each
//! complete [`FieldBlock`]. Breaking the rule above is a [`BlockError`]; the block in progress
//! is then dropped. The joined block is bounded ([`BlockAssembler::new`]): the fragments of a
//! block that grows past the bound are not kept.

use std::fmt;

use super::frame::{Frame, FrameType, flags};

/// A complete field block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldBlock {
    /// The stream of the HEADERS or PUSH_PROMISE frame.
    pub stream_id: u32,
    /// HEADERS or PUSH_PROMISE.
    pub frame_type: FrameType,
    /// The fragments, joined.
    pub block: Vec<u8>,
    /// The offsets of the frames that carried it, the first first.
    pub frame_offsets: Vec<u64>,
}

/// A break of the contiguity rule of §4.3, or a block over the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockError {
    /// A CONTINUATION with no field block open (§6.10).
    ContinuationWithoutBlock {
        /// Where the CONTINUATION began.
        offset: u64,
    },
    /// Another frame, or a frame of another stream, while a field block is open (§4.3).
    Interleaved {
        /// Where the interleaved frame began.
        offset: u64,
        /// The stream whose block is open.
        open_stream_id: u32,
    },
    /// A field block longer than the assembler's bound.
    TooLarge {
        /// Where the frame that crossed the bound began.
        offset: u64,
        /// The bound.
        max: usize,
    },
}

impl fmt::Display for BlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ContinuationWithoutBlock { offset } => {
                write!(f, "CONTINUATION at {offset} with no field block open")
            }
            Self::Interleaved {
                offset,
                open_stream_id,
            } => write!(
                f,
                "frame at {offset} interleaved in the field block of stream {open_stream_id}"
            ),
            Self::TooLarge { offset, max } => {
                write!(f, "field block longer than {max} octets at {offset}")
            }
        }
    }
}

impl std::error::Error for BlockError {}

/// Joins field block fragments, one direction of a connection at a time.
#[derive(Debug)]
pub struct BlockAssembler {
    open: Option<FieldBlock>,
    max_block_len: usize,
}

impl BlockAssembler {
    /// An assembler that keeps field blocks of at most `max_block_len` octets.
    #[must_use]
    pub fn new(max_block_len: usize) -> Self {
        Self {
            open: None,
            max_block_len,
        }
    }

    /// Whether a field block is waiting for its END_HEADERS.
    #[must_use]
    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// Takes the next frame of the direction: a field block if it completes one.
    ///
    /// # Errors
    /// A [`BlockError`]; the block in progress, if any, is dropped.
    pub fn frame(&mut self, frame: &Frame) -> Result<Option<FieldBlock>, BlockError> {
        let kind = frame.header.frame_type();
        let offset = frame.offset;
        let fragment = frame.fragment();
        let mut block = match (self.open.take(), kind, fragment) {
            (None, Some(FrameType::Continuation), _) => {
                return Err(BlockError::ContinuationWithoutBlock { offset });
            }
            (None, Some(frame_type @ (FrameType::Headers | FrameType::PushPromise)), _) => {
                FieldBlock {
                    stream_id: frame.header.stream_id,
                    frame_type,
                    block: Vec::new(),
                    frame_offsets: Vec::new(),
                }
            }
            (None, _, _) => return Ok(None),
            (Some(open), Some(FrameType::Continuation), _)
                if open.stream_id == frame.header.stream_id =>
            {
                open
            }
            (Some(open), _, _) => {
                return Err(BlockError::Interleaved {
                    offset,
                    open_stream_id: open.stream_id,
                });
            }
        };
        let fragment = fragment.unwrap_or_default();
        if block.block.len().saturating_add(fragment.len()) > self.max_block_len {
            return Err(BlockError::TooLarge {
                offset,
                max: self.max_block_len,
            });
        }
        block.block.extend_from_slice(fragment);
        block.frame_offsets.push(offset);
        if frame.header.flags & flags::END_HEADERS != 0 {
            Ok(Some(block))
        } else {
            self.open = Some(block);
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::inspect::frame::tests::frame;

    fn parsed(offset: u64, type_code: u8, flags: u8, stream_id: u32, payload: &[u8]) -> Frame {
        let bytes = Bytes::from(frame(type_code, flags, stream_id, payload));
        Frame::parse(offset, bytes).unwrap()
    }

    #[test]
    fn headers_alone_and_with_continuations() {
        let mut assembler = BlockAssembler::new(1024);
        let headers = parsed(0, 0x1, flags::END_HEADERS, 1, b"\x82\x86");
        let block = assembler.frame(&headers).unwrap().unwrap();
        assert_eq!((block.stream_id, &block.block[..]), (1, &b"\x82\x86"[..]));

        assert_eq!(
            assembler.frame(&parsed(11, 0x1, 0x01, 3, b"\x82")),
            Ok(None)
        );
        assert_eq!(assembler.frame(&parsed(21, 0x9, 0, 3, b"\x86")), Ok(None));
        assert!(assembler.is_open());
        let last = parsed(31, 0x9, flags::END_HEADERS, 3, b"\x84");
        let block = assembler.frame(&last).unwrap().unwrap();
        assert_eq!(block.block, b"\x82\x86\x84");
        assert_eq!(block.frame_offsets, [11, 21, 31]);
        assert_eq!(block.frame_type, FrameType::Headers);
        assert!(!assembler.is_open());

        // Frames outside a block pass by.
        assert_eq!(assembler.frame(&parsed(41, 0x0, 0, 1, b"data")), Ok(None));
    }

    #[test]
    fn the_contiguity_rule() {
        let mut assembler = BlockAssembler::new(1024);
        let continuation = parsed(0, 0x9, flags::END_HEADERS, 1, b"");
        assert_eq!(
            assembler.frame(&continuation),
            Err(BlockError::ContinuationWithoutBlock { offset: 0 })
        );

        let promise = parsed(10, 0x5, 0, 1, b"\x00\x00\x00\x02\x82");
        assert_eq!(assembler.frame(&promise), Ok(None));
        let other_stream = parsed(24, 0x9, flags::END_HEADERS, 3, b"");
        assert_eq!(
            assembler.frame(&other_stream),
            Err(BlockError::Interleaved {
                offset: 24,
                open_stream_id: 1
            })
        );
        assert!(!assembler.is_open()); // dropped

        assert_eq!(assembler.frame(&parsed(33, 0x1, 0, 1, b"")), Ok(None));
        let ping = parsed(42, 0x6, 0, 0, &[0; 8]);
        assert!(matches!(
            assembler.frame(&ping),
            Err(BlockError::Interleaved { .. })
        ));
    }

    #[test]
    fn the_bound() {
        let mut assembler = BlockAssembler::new(4);
        assert_eq!(assembler.frame(&parsed(0, 0x1, 0, 1, b"abc")), Ok(None));
        assert_eq!(
            assembler.frame(&parsed(12, 0x9, flags::END_HEADERS, 1, b"de")),
            Err(BlockError::TooLarge { offset: 12, max: 4 })
        );
        assert!(!assembler.is_open());
    }
}
