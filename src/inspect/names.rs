//! The registries of RFC 9113: frame types (§6), flags, error codes (§7), settings (§6.5.2).

use std::fmt;

/// The flag bits of §6, by name; which ones a type defines is [`FrameType::defined_flags`].
pub mod flags {
    /// DATA, HEADERS: the last frame the sender sends on this stream.
    pub const END_STREAM: u8 = 0x01;
    /// SETTINGS, PING: an acknowledgement.
    pub const ACK: u8 = 0x01;
    /// HEADERS, PUSH_PROMISE, CONTINUATION: the field block ends in this frame.
    pub const END_HEADERS: u8 = 0x04;
    /// DATA, HEADERS, PUSH_PROMISE: a Pad Length octet and padding are present.
    pub const PADDED: u8 = 0x08;
    /// HEADERS: the stream priority fields are present.
    pub const PRIORITY: u8 = 0x20;
}

/// The frame types of §6 (the "Frame Type" registry of §11.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameType {
    /// 0x00, §6.1: a stream's content.
    Data,
    /// 0x01, §6.2: opens a stream, carries a field block.
    Headers,
    /// 0x02, §6.3: deprecated stream priority.
    Priority,
    /// 0x03, §6.4: ends a stream at once.
    RstStream,
    /// 0x04, §6.5: configuration of the connection.
    Settings,
    /// 0x05, §6.6: a server announces a stream it will push.
    PushPromise,
    /// 0x06, §6.7: round-trip measurement and liveness.
    Ping,
    /// 0x07, §6.8: the connection is shutting down.
    Goaway,
    /// 0x08, §6.9: flow-control credit.
    WindowUpdate,
    /// 0x09, §6.10: the rest of a field block.
    Continuation,
}

impl FrameType {
    /// The type for a Type octet, if §6 defines it.
    #[must_use]
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0x0 => Self::Data,
            0x1 => Self::Headers,
            0x2 => Self::Priority,
            0x3 => Self::RstStream,
            0x4 => Self::Settings,
            0x5 => Self::PushPromise,
            0x6 => Self::Ping,
            0x7 => Self::Goaway,
            0x8 => Self::WindowUpdate,
            0x9 => Self::Continuation,
            _ => return None,
        })
    }

    /// The name the RFC gives it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Data => "DATA",
            Self::Headers => "HEADERS",
            Self::Priority => "PRIORITY",
            Self::RstStream => "RST_STREAM",
            Self::Settings => "SETTINGS",
            Self::PushPromise => "PUSH_PROMISE",
            Self::Ping => "PING",
            Self::Goaway => "GOAWAY",
            Self::WindowUpdate => "WINDOW_UPDATE",
            Self::Continuation => "CONTINUATION",
        }
    }

    /// The flags this type defines, lowest bit first.
    #[must_use]
    pub fn defined_flags(self) -> &'static [(u8, &'static str)] {
        use flags::{ACK, END_HEADERS, END_STREAM, PADDED, PRIORITY};
        match self {
            Self::Data => &[(END_STREAM, "END_STREAM"), (PADDED, "PADDED")],
            Self::Headers => &[
                (END_STREAM, "END_STREAM"),
                (END_HEADERS, "END_HEADERS"),
                (PADDED, "PADDED"),
                (PRIORITY, "PRIORITY"),
            ],
            Self::Settings | Self::Ping => &[(ACK, "ACK")],
            Self::PushPromise => &[(END_HEADERS, "END_HEADERS"), (PADDED, "PADDED")],
            Self::Continuation => &[(END_HEADERS, "END_HEADERS")],
            Self::Priority | Self::RstStream | Self::Goaway | Self::WindowUpdate => &[],
        }
    }

    /// `Some(true)` if the type belongs to a stream (stream 0 is an error), `Some(false)` if it
    /// belongs to the connection (any other stream is an error), `None` if both are allowed.
    #[must_use]
    pub fn on_stream(self) -> Option<bool> {
        match self {
            Self::Settings | Self::Ping | Self::Goaway => Some(false),
            Self::WindowUpdate => None,
            _ => Some(true),
        }
    }
}

impl fmt::Display for FrameType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A 32-bit error code of RST_STREAM and GOAWAY (§7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorCode(pub u32);

impl ErrorCode {
    /// The name of §7, or `None` for a code it does not define ("MUST NOT trigger any special
    /// behavior": it is treated as INTERNAL_ERROR).
    #[must_use]
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x0 => "NO_ERROR",
            0x1 => "PROTOCOL_ERROR",
            0x2 => "INTERNAL_ERROR",
            0x3 => "FLOW_CONTROL_ERROR",
            0x4 => "SETTINGS_TIMEOUT",
            0x5 => "STREAM_CLOSED",
            0x6 => "FRAME_SIZE_ERROR",
            0x7 => "REFUSED_STREAM",
            0x8 => "CANCEL",
            0x9 => "COMPRESSION_ERROR",
            0xa => "CONNECT_ERROR",
            0xb => "ENHANCE_YOUR_CALM",
            0xc => "INADEQUATE_SECURITY",
            0xd => "HTTP_1_1_REQUIRED",
            _ => return None,
        })
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} (0x{:x})", self.0),
            None => write!(f, "unknown error code 0x{:x}", self.0),
        }
    }
}

/// The 16-bit identifier of a SETTINGS parameter (§6.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SettingId(pub u16);

impl SettingId {
    /// SETTINGS_HEADER_TABLE_SIZE: the HPACK dynamic table the sender's decoder allows.
    pub const HEADER_TABLE_SIZE: Self = Self(0x1);
    /// SETTINGS_ENABLE_PUSH: 0 or 1.
    pub const ENABLE_PUSH: Self = Self(0x2);
    /// SETTINGS_MAX_CONCURRENT_STREAMS.
    pub const MAX_CONCURRENT_STREAMS: Self = Self(0x3);
    /// SETTINGS_INITIAL_WINDOW_SIZE: at most 2^31 - 1.
    pub const INITIAL_WINDOW_SIZE: Self = Self(0x4);
    /// SETTINGS_MAX_FRAME_SIZE: 2^14 to 2^24 - 1.
    pub const MAX_FRAME_SIZE: Self = Self(0x5);
    /// SETTINGS_MAX_HEADER_LIST_SIZE.
    pub const MAX_HEADER_LIST_SIZE: Self = Self(0x6);

    /// The name of §6.5.2, or `None` ("An endpoint that receives a SETTINGS frame with any
    /// unknown or unsupported identifier MUST ignore that setting").
    #[must_use]
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::HEADER_TABLE_SIZE => "SETTINGS_HEADER_TABLE_SIZE",
            Self::ENABLE_PUSH => "SETTINGS_ENABLE_PUSH",
            Self::MAX_CONCURRENT_STREAMS => "SETTINGS_MAX_CONCURRENT_STREAMS",
            Self::INITIAL_WINDOW_SIZE => "SETTINGS_INITIAL_WINDOW_SIZE",
            Self::MAX_FRAME_SIZE => "SETTINGS_MAX_FRAME_SIZE",
            Self::MAX_HEADER_LIST_SIZE => "SETTINGS_MAX_HEADER_LIST_SIZE",
            _ => return None,
        })
    }

    /// Whether §6.5.2 allows `value` for this setting.
    #[must_use]
    pub fn allows(self, value: u32) -> bool {
        match self {
            Self::ENABLE_PUSH => value <= 1,
            Self::INITIAL_WINDOW_SIZE => value <= 0x7fff_ffff,
            Self::MAX_FRAME_SIZE => (1 << 14..1 << 24).contains(&value),
            _ => true,
        }
    }
}

impl fmt::Display for SettingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "unknown setting 0x{:x}", self.0),
        }
    }
}
