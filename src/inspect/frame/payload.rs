//! The payloads of the ten frame types of RFC 9113 §6, with the position of each field.

use std::ops::Range;

use super::{ErrorCode, SettingId};

/// The Pad Length field and the padding it announces (DATA, HEADERS, PUSH_PROMISE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Padding {
    /// The Pad Length octet, always at [`FRAME_HEADER_LEN`](super::FRAME_HEADER_LEN).
    pub pad_length: u8,
    /// Where the padding octets lie (the end of the frame).
    pub padding: Range<usize>,
}

/// The stream priority fields of PRIORITY and of HEADERS with the PRIORITY flag (§5.3.2, §6.3),
/// which RFC 9113 deprecates but still parses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityFields {
    /// The E bit.
    pub exclusive: bool,
    /// The Stream Dependency (31 bits).
    pub stream_dependency: u32,
    /// The Weight octet; the weight is this plus one.
    pub weight: u8,
    /// Where the 5 octets lie.
    pub at: Range<usize>,
}

/// One parameter of a SETTINGS frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The Identifier (16 bits).
    pub id: SettingId,
    /// The Value (32 bits).
    pub value: u32,
    /// Where the 6 octets lie.
    pub at: Range<usize>,
}

/// The payload of a frame, by type; every range is relative to the start of the frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// §6.1 DATA.
    Data {
        /// Present with the PADDED flag.
        padding: Option<Padding>,
        /// The data.
        data: Range<usize>,
    },
    /// §6.2 HEADERS.
    Headers {
        /// Present with the PADDED flag.
        padding: Option<Padding>,
        /// Present with the PRIORITY flag.
        priority: Option<PriorityFields>,
        /// The Field Block Fragment (HPACK).
        fragment: Range<usize>,
    },
    /// §6.3 PRIORITY.
    Priority(PriorityFields),
    /// §6.4 RST_STREAM.
    RstStream {
        /// Why the stream ends.
        error_code: ErrorCode,
    },
    /// §6.5 SETTINGS (no parameters with ACK).
    Settings {
        /// The parameters, in order.
        settings: Vec<Setting>,
    },
    /// §6.6 PUSH_PROMISE.
    PushPromise {
        /// Present with the PADDED flag.
        padding: Option<Padding>,
        /// The Promised Stream ID (31 bits).
        promised_stream_id: u32,
        /// The Field Block Fragment (HPACK).
        fragment: Range<usize>,
    },
    /// §6.7 PING.
    Ping {
        /// The 8 octets the ACK echoes.
        opaque_data: [u8; 8],
    },
    /// §6.8 GOAWAY.
    Goaway {
        /// The Last-Stream-ID (31 bits): the highest stream the sender may have processed.
        last_stream_id: u32,
        /// Why the connection ends.
        error_code: ErrorCode,
        /// The Additional Debug Data.
        debug_data: Range<usize>,
    },
    /// §6.9 WINDOW_UPDATE.
    WindowUpdate {
        /// The Window Size Increment (31 bits).
        window_size_increment: u32,
    },
    /// §6.10 CONTINUATION.
    Continuation {
        /// The Field Block Fragment (HPACK).
        fragment: Range<usize>,
    },
    /// A type §6 does not define, kept as raw bytes (§5.5: "MUST ignore and discard").
    Unknown {
        /// The payload.
        payload: Range<usize>,
    },
}
