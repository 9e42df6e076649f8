//! HTTP/2 frames (RFC 9113 §4.1 and §6), parsed with the position of every part.
//!
//! > All frames begin with a fixed 9-octet header followed by a variable-length frame payload.
//!
//! ```text
//!  HTTP Frame {
//!    Length (24),                    bytes 0-2: the payload's length, header excluded
//!    Type (8),                       byte  3:   DATA = 0 ... CONTINUATION = 9
//!    Flags (8),                      byte  4:   meaning depends on the type
//!    Reserved (1),                   byte  5:   top bit, "MUST remain unset (0x0) when sending"
//!    Stream Identifier (31),         bytes 5-8: 0 for the connection itself
//!    Frame Payload (..),             bytes 9-:  Length octets
//!  }
//! ```
//!
//! [`Frame::parse`] reads one whole frame into a [`Frame`]: the header, the flags by name, the
//! payload's fields ([`Payload`]), and for every part its byte range *within the frame* (so
//! `frame.bytes[range]` is that part, and a display can line up hex and annotations). Error
//! codes ([`ErrorCode`], §7) and settings ([`SettingId`], §6.5.2) carry their names.
//!
//! A frame whose payload breaks a rule of §6 (padding longer than the payload, a SETTINGS
//! length not a multiple of 6, a WINDOW_UPDATE not 4 octets long, a stream identifier where the
//! frame type forbids one...) is a [`FrameError`]: an HTTP/2 peer would end the connection, an
//! inspector reports it and, the frame's length being known, reads on.

use std::fmt;
use std::ops::Range;

use bytes::Bytes;

pub use super::names::{ErrorCode, FrameType, SettingId, flags};
pub use payload::{Padding, Payload, PriorityFields, Setting};

mod payload;
#[cfg(test)]
pub(crate) mod tests;

/// The length of the frame header (§4.1).
pub const FRAME_HEADER_LEN: usize = 9;

/// The 9-octet frame header, field by field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// The payload's length (24 bits).
    pub length: u32,
    /// The frame type code; [`FrameHeader::frame_type`] names it.
    pub type_code: u8,
    /// The flags octet.
    pub flags: u8,
    /// The reserved bit (the top bit of byte 5), which a sender leaves unset.
    pub reserved: bool,
    /// The stream identifier (31 bits).
    pub stream_id: u32,
}

impl FrameHeader {
    /// Reads the 9 header octets.
    ///
    /// ```
    /// use h2grpc::inspect::frame::{FrameHeader, FrameType};
    ///
    /// // A HEADERS frame of 16 octets on stream 1, END_STREAM | END_HEADERS.
    /// let header = FrameHeader::parse([0x00, 0x00, 0x10, 0x01, 0x05, 0x00, 0x00, 0x00, 0x01]);
    /// assert_eq!((header.length, header.stream_id), (16, 1));
    /// assert_eq!(header.frame_type(), Some(FrameType::Headers));
    /// assert_eq!(header.flag_names(), ["END_STREAM", "END_HEADERS"]);
    /// ```
    #[must_use]
    pub fn parse(bytes: [u8; FRAME_HEADER_LEN]) -> Self {
        let [l0, l1, l2, type_code, flags, s0, s1, s2, s3] = bytes;
        let word = u32::from_be_bytes([s0, s1, s2, s3]);
        Self {
            length: u32::from_be_bytes([0, l0, l1, l2]),
            type_code,
            flags,
            reserved: word >> 31 == 1,
            stream_id: word & 0x7fff_ffff,
        }
    }

    /// The frame type, if §6 defines it.
    #[must_use]
    pub fn frame_type(&self) -> Option<FrameType> {
        FrameType::from_code(self.type_code)
    }

    /// The names of the set flags this frame type defines, lowest bit first.
    #[must_use]
    pub fn flag_names(&self) -> Vec<&'static str> {
        self.frame_type()
            .map(|kind| {
                kind.defined_flags()
                    .iter()
                    .filter(|(bit, _)| self.flags & bit != 0)
                    .map(|&(_, name)| name)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The set flag bits this frame type does not define (§4.1: "MUST be ignored on receipt").
    #[must_use]
    pub fn undefined_flags(&self) -> u8 {
        let defined = self.frame_type().map_or(0, |kind| {
            kind.defined_flags()
                .iter()
                .fold(0, |all, (bit, _)| all | bit)
        });
        self.flags & !defined
    }

    fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// One frame: where it was, its header, its parsed payload and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The offset of its first octet in the direction's byte stream.
    pub offset: u64,
    /// The frame header.
    pub header: FrameHeader,
    /// The payload, parsed.
    pub payload: Payload,
    /// The whole frame, header included: the ranges of [`Payload`] index into it.
    pub bytes: Bytes,
}

/// A rule of RFC 9113 §6 that a frame's payload breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// Fewer octets than the header's Length (only for bytes not cut by a reader).
    Incomplete,
    /// A length this frame type does not allow.
    Length {
        /// The frame type.
        frame_type: FrameType,
        /// The Length field.
        length: u32,
        /// What the type requires.
        expected: &'static str,
    },
    /// A Pad Length larger than what remains of the payload.
    PaddingTooLong {
        /// The Pad Length field.
        pad_length: u8,
        /// The octets left for padding after the fixed fields.
        available: usize,
    },
    /// Stream 0 on a frame that belongs to a stream.
    StreamIdZero(FrameType),
    /// A stream identifier on a frame of the connection (SETTINGS, PING, GOAWAY).
    StreamIdNotZero(FrameType),
    /// A WINDOW_UPDATE with an increment of 0 (§6.9: a PROTOCOL_ERROR).
    ZeroWindowIncrement,
    /// A setting outside its allowed values (§6.5.2).
    SettingValue {
        /// The setting.
        id: SettingId,
        /// The value sent.
        value: u32,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Incomplete => f.write_str("fewer octets than the frame's Length"),
            Self::Length {
                frame_type,
                length,
                expected,
            } => write!(f, "{frame_type} of length {length}: it must be {expected}"),
            Self::PaddingTooLong {
                pad_length,
                available,
            } => write!(
                f,
                "Pad Length {pad_length} is longer than the {available} octets left for it"
            ),
            Self::StreamIdZero(kind) => write!(f, "{kind} on stream 0"),
            Self::StreamIdNotZero(kind) => write!(f, "{kind} on a stream other than 0"),
            Self::ZeroWindowIncrement => f.write_str("WINDOW_UPDATE with an increment of 0"),
            Self::SettingValue { id, value } => write!(f, "{id} = {value} is not allowed"),
        }
    }
}

impl std::error::Error for FrameError {}

fn be_u32(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    if let Some(source) = bytes.get(at..at + 4) {
        word.copy_from_slice(source);
    }
    u32::from_be_bytes(word)
}

impl Frame {
    /// Parses one whole frame (header and payload) that began at `offset` of its stream.
    ///
    /// # Errors
    /// The rule of §6 the frame breaks.
    pub fn parse(offset: u64, bytes: Bytes) -> Result<Self, FrameError> {
        let head: [u8; FRAME_HEADER_LEN] = bytes
            .get(..FRAME_HEADER_LEN)
            .and_then(|head| head.try_into().ok())
            .ok_or(FrameError::Incomplete)?;
        let header = FrameHeader::parse(head);
        let end = usize::try_from(header.length)
            .ok()
            .and_then(|length| length.checked_add(FRAME_HEADER_LEN))
            .filter(|&end| end == bytes.len())
            .ok_or(FrameError::Incomplete)?;
        let payload = parse_payload(&header, &bytes, end)?;
        Ok(Self {
            offset,
            header,
            payload,
            bytes,
        })
    }

    /// The octets of a part, by its range (empty if the range is not within the frame).
    #[must_use]
    pub fn part(&self, range: &Range<usize>) -> &[u8] {
        self.bytes.get(range.clone()).unwrap_or_default()
    }

    /// The Field Block Fragment of a HEADERS, PUSH_PROMISE or CONTINUATION frame.
    #[must_use]
    pub fn fragment(&self) -> Option<&[u8]> {
        match &self.payload {
            Payload::Headers { fragment, .. }
            | Payload::PushPromise { fragment, .. }
            | Payload::Continuation { fragment } => Some(self.part(fragment)),
            _ => None,
        }
    }
}

/// The Pad Length and padding of a PADDED frame, given the length of the fixed fields after
/// the Pad Length; returns them with the range between fixed fields and padding.
fn padded(
    header: &FrameHeader,
    kind: FrameType,
    end: usize,
    fixed: usize,
    bytes: &[u8],
) -> Result<(Option<Padding>, Range<usize>), FrameError> {
    let pad_field = usize::from(header.has(flags::PADDED));
    let start = FRAME_HEADER_LEN + pad_field + fixed;
    if start > end {
        return Err(FrameError::Length {
            frame_type: kind,
            length: header.length,
            expected: "long enough for its Pad Length and fixed fields",
        });
    }
    if !header.has(flags::PADDED) {
        return Ok((None, start..end));
    }
    let pad_length = bytes[FRAME_HEADER_LEN];
    let available = end - start;
    let content_end = available
        .checked_sub(usize::from(pad_length))
        .map(|content| start + content)
        .ok_or(FrameError::PaddingTooLong {
            pad_length,
            available,
        })?;
    let padding = Padding {
        pad_length,
        padding: content_end..end,
    };
    Ok((Some(padding), start..content_end))
}

fn priority(bytes: &[u8], at: usize) -> PriorityFields {
    let word = be_u32(bytes, at);
    PriorityFields {
        exclusive: word >> 31 == 1,
        stream_dependency: word & 0x7fff_ffff,
        weight: bytes.get(at + 4).copied().unwrap_or_default(),
        at: at..at + 5,
    }
}

fn parse_payload(header: &FrameHeader, bytes: &[u8], end: usize) -> Result<Payload, FrameError> {
    let Some(kind) = header.frame_type() else {
        return Ok(Payload::Unknown {
            payload: FRAME_HEADER_LEN..end,
        });
    };
    match (kind.on_stream(), header.stream_id) {
        (Some(true), 0) => return Err(FrameError::StreamIdZero(kind)),
        (Some(false), 1..) => return Err(FrameError::StreamIdNotZero(kind)),
        _ => {}
    }
    let length = header.length;
    let exact = |expected_len: u32, expected: &'static str| {
        if length == expected_len {
            Ok(())
        } else {
            Err(FrameError::Length {
                frame_type: kind,
                length,
                expected,
            })
        }
    };
    let start = FRAME_HEADER_LEN;
    Ok(match kind {
        FrameType::Data => {
            let (padding, data) = padded(header, kind, end, 0, bytes)?;
            Payload::Data { padding, data }
        }
        FrameType::Headers => {
            let fixed = if header.has(flags::PRIORITY) { 5 } else { 0 };
            let (padding, rest) = padded(header, kind, end, fixed, bytes)?;
            let priority = (fixed > 0).then(|| priority(bytes, rest.start - fixed));
            Payload::Headers {
                padding,
                priority,
                fragment: rest,
            }
        }
        FrameType::Priority => {
            exact(5, "exactly 5")?;
            Payload::Priority(priority(bytes, start))
        }
        FrameType::RstStream => {
            exact(4, "exactly 4")?;
            Payload::RstStream {
                error_code: ErrorCode(be_u32(bytes, start)),
            }
        }
        FrameType::Settings => {
            if header.has(flags::ACK) {
                exact(0, "0 with ACK")?;
            } else if !length.is_multiple_of(6) {
                return Err(FrameError::Length {
                    frame_type: kind,
                    length,
                    expected: "a multiple of 6",
                });
            }
            let settings = (start..end)
                .step_by(6)
                .map(|at| setting(bytes, at))
                .collect::<Result<_, _>>()?;
            Payload::Settings { settings }
        }
        FrameType::PushPromise => {
            let (padding, rest) = padded(header, kind, end, 4, bytes)?;
            Payload::PushPromise {
                padding,
                promised_stream_id: be_u32(bytes, rest.start - 4) & 0x7fff_ffff,
                fragment: rest,
            }
        }
        FrameType::Ping => {
            exact(8, "exactly 8")?;
            let mut opaque_data = [0u8; 8];
            opaque_data.copy_from_slice(&bytes[start..end]);
            Payload::Ping { opaque_data }
        }
        FrameType::Goaway => {
            if length < 8 {
                exact(8, "at least 8")?;
            }
            Payload::Goaway {
                last_stream_id: be_u32(bytes, start) & 0x7fff_ffff,
                error_code: ErrorCode(be_u32(bytes, start + 4)),
                debug_data: start + 8..end,
            }
        }
        FrameType::WindowUpdate => {
            exact(4, "exactly 4")?;
            let window_size_increment = be_u32(bytes, start) & 0x7fff_ffff;
            if window_size_increment == 0 {
                return Err(FrameError::ZeroWindowIncrement);
            }
            Payload::WindowUpdate {
                window_size_increment,
            }
        }
        FrameType::Continuation => Payload::Continuation {
            fragment: start..end,
        },
    })
}

fn setting(bytes: &[u8], at: usize) -> Result<Setting, FrameError> {
    let id = SettingId(u16::from_be_bytes([bytes[at], bytes[at + 1]]));
    let value = be_u32(bytes, at + 2);
    if !id.allows(value) {
        return Err(FrameError::SettingValue { id, value });
    }
    Ok(Setting {
        id,
        value,
        at: at..at + 6,
    })
}
