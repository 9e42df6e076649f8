//! ③ How every call ends: `grpc-status`, `grpc-message` and `grpc-status-details-bin`.
//!
//! From [PROTOCOL-HTTP2.md, "Responses"](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#responses):
//!
//! > * **Trailers** → Status [Status-Message] \*Custom-Metadata
//! > * **Status** → "grpc-status" 1\*DIGIT ; 0-9
//! > * **Status-Message** → "grpc-message" Percent-Encoded
//! > * **Percent-Encoded** → 1\*(Percent-Byte-Unencoded / Percent-Byte-Encoded)
//! > * **Percent-Byte-Unencoded** → 1\*( %x20-%x24 / %x26-%x7E ) ; space and VCHAR, except %
//! > * **Percent-Byte-Encoded** → "%" 2HEXDIGIT ; 0-9 A-F
//! >
//! > Status must be sent in **Trailers** even if the status code is OK.
//!
//! A [`Status`] is a [`Code`] (one of the 17 of
//! [statuscodes.md](https://github.com/grpc/grpc/blob/master/doc/statuscodes.md)), a message for
//! humans, optional opaque details, and the trailer metadata. It is the one error of an RPC:
//! whatever fails inside a call ends as a `Status`, because that is what goes on the wire.
//!
//! ```
//! use h2grpc::status::{Code, Status};
//!
//! let status = Status::invalid_argument("amount must be > 0 ☺");
//! let mut trailers = http::HeaderMap::new();
//! status.add_to_headers(&mut trailers);
//!
//! // On the wire: the code in decimal, the message as UTF-8, percent-encoded.
//! assert_eq!(trailers["grpc-status"], "3");
//! assert_eq!(trailers["grpc-message"], "amount must be > 0 %E2%98%BA");
//!
//! let received = Status::from_headers(&trailers).unwrap();
//! assert_eq!(received.code(), Code::InvalidArgument);
//! assert_eq!(received.message(), "amount must be > 0 ☺");
//! ```
//!
//! # Reading a status leniently
//!
//! > When decoding invalid values, implementations MUST NOT error or throw away the message. At
//! > worst, the implementation can abort decoding the status message altogether such that the
//! > user would received the raw percent-encoded form. Alternatively, the implementation can
//! > decode valid portions while leaving broken %-encodings as-is or replacing them with a
//! > replacement character (e.g., '?' or the Unicode replacement character).
//!
//! [`percent_decode`] decodes every valid `%XX`, keeps a broken `%` sequence as it is, and
//! replaces bytes that do not form UTF-8 with U+FFFD. *Here we differ from tonic*, which turns the
//! whole status into `UNKNOWN` when the decoded message is not UTF-8.
//!
//! A `grpc-status` that is not a known code becomes [`Code::Unknown`] ([`Code::parse`]). A
//! `grpc-status-details-bin` that is not base64 is dropped with a `debug` log. *Here we differ from
//! tonic too*, which panics on it.
//!
//! # Bounding the message
//!
//! A handler often quotes its input in a message (`User '…' not found`), and that input may be
//! megabytes. The grammar puts no bound on Status-Message, but a peer does: a header block over
//! its `SETTINGS_MAX_HEADER_LIST_SIZE` (16 KiB for most) is refused. So the message a status puts
//! on the wire is at most [`MAX_STATUS_MESSAGE_LEN`] bytes once percent-encoded, cut between two
//! characters and ended with [`TRUNCATION_MARKER`] when longer ([`encode_message`]). Every
//! status goes through [`Status::add_to_headers`], so every service is bounded the same way.
//!
//! # When there is no `grpc-status`
//!
//! > Implementations must synthesize a **Status** & **Status-Message** to propagate to the
//! > application layer when this occurs.
//!
//! Two tables say which code to synthesize. [`Code::from_http_status`] covers a response whose HTTP
//! status is not 200 (a proxy's error page). [`Code::from_rst_stream`] covers a stream the peer
//! reset.
//!
//! # Rich error details
//!
//! `grpc-status-details-bin` is not in the spec's grammar, but every major implementation sends
//! and reads it. It holds a serialized `google.rpc.Status { int32 code = 1; string message = 2;
//! repeated google.protobuf.Any details = 3; }` as base64. This module carries it as opaque bytes
//! ([`Status::details`]); decoding it is the protobuf layer's job.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::metadata::{self, Metadata};

/// The trailer that carries the [`Code`], as a decimal number.
pub const GRPC_STATUS: &str = "grpc-status";

/// The trailer that carries the message, percent-encoded ([`percent_encode`]).
pub const GRPC_MESSAGE: &str = "grpc-message";

/// The trailer that carries a serialized `google.rpc.Status`, base64 without padding.
pub const GRPC_STATUS_DETAILS_BIN: &str = "grpc-status-details-bin";

// The same names as `HeaderName`s, built at compile time: a map lookup or insert with a `&str`
// parses and validates the name every time, on every call.
const STATUS_NAME: HeaderName = HeaderName::from_static(GRPC_STATUS);
const MESSAGE_NAME: HeaderName = HeaderName::from_static(GRPC_MESSAGE);
const DETAILS_NAME: HeaderName = HeaderName::from_static(GRPC_STATUS_DETAILS_BIN);

// ===== Code =====

/// The 17 status codes of [statuscodes.md](https://github.com/grpc/grpc/blob/master/doc/statuscodes.md),
/// with their numbers on the wire.
///
/// [`Display`](fmt::Display) prints the spec's name, as in `RESOURCE_EXHAUSTED`.
///
/// The library itself only ever generates `CANCELLED`, `UNKNOWN`, `DEADLINE_EXCEEDED`,
/// `RESOURCE_EXHAUSTED`, `UNIMPLEMENTED`, `INTERNAL`, `UNAVAILABLE` and `UNAUTHENTICATED`. The
/// others belong to applications, so a client that sees one knows a handler chose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Code {
    /// Not an error: the call succeeded.
    Ok = 0,
    /// The call was cancelled, usually by the caller.
    Cancelled = 1,
    /// An error with no better code, for example a status that could not be parsed, or a handler
    /// that failed without returning a status.
    Unknown = 2,
    /// The request is wrong whatever the state of the system (a malformed argument).
    InvalidArgument = 3,
    /// The deadline passed before the call completed.
    DeadlineExceeded = 4,
    /// A requested entity does not exist.
    NotFound = 5,
    /// The entity a client tried to create exists already.
    AlreadyExists = 6,
    /// The caller may not do this (authenticated, but not authorized).
    PermissionDenied = 7,
    /// A resource ran out: a quota, memory, a message size limit.
    ResourceExhausted = 8,
    /// The system is not in the state the operation needs; retrying as is will not help.
    FailedPrecondition = 9,
    /// The operation was aborted, typically by a concurrency conflict; retry at a higher level.
    Aborted = 10,
    /// The request went past a valid range (reading past the end of a file).
    OutOfRange = 11,
    /// The method is not implemented or not supported by the server.
    Unimplemented = 12,
    /// An invariant of the system is broken: a bug or a protocol violation.
    Internal = 13,
    /// The service is unavailable right now; retrying with backoff may succeed.
    Unavailable = 14,
    /// Data was lost or corrupted beyond recovery.
    DataLoss = 15,
    /// The request has no valid credentials.
    Unauthenticated = 16,
}

/// The decimal form of each code, indexed by number, so that writing `grpc-status` allocates
/// nothing.
const NUMBERS: [&str; 17] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
];

/// HTTP/2 error codes carried by RST_STREAM and GOAWAY, from
/// [RFC 9113 §7](https://www.rfc-editor.org/rfc/rfc9113#section-7). Numbers, not `h2::Reason`,
/// so this module stays free of the transport.
mod http2_error {
    pub(super) const NO_ERROR: u32 = 0x0;
    pub(super) const PROTOCOL_ERROR: u32 = 0x1;
    pub(super) const INTERNAL_ERROR: u32 = 0x2;
    pub(super) const FLOW_CONTROL_ERROR: u32 = 0x3;
    pub(super) const SETTINGS_TIMEOUT: u32 = 0x4;
    pub(super) const STREAM_CLOSED: u32 = 0x5;
    pub(super) const FRAME_SIZE_ERROR: u32 = 0x6;
    pub(super) const REFUSED_STREAM: u32 = 0x7;
    pub(super) const CANCEL: u32 = 0x8;
    pub(super) const COMPRESSION_ERROR: u32 = 0x9;
    pub(super) const CONNECT_ERROR: u32 = 0xa;
    pub(super) const ENHANCE_YOUR_CALM: u32 = 0xb;
    pub(super) const INADEQUATE_SECURITY: u32 = 0xc;
    pub(super) const HTTP_1_1_REQUIRED: u32 = 0xd;
}

impl Code {
    /// The code's number on the wire.
    pub const fn as_i32(self) -> i32 {
        self as i32
    }

    /// The spec's name: `OK`, `CANCELLED`, ... `UNAUTHENTICATED`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::Cancelled => "CANCELLED",
            Self::Unknown => "UNKNOWN",
            Self::InvalidArgument => "INVALID_ARGUMENT",
            Self::DeadlineExceeded => "DEADLINE_EXCEEDED",
            Self::NotFound => "NOT_FOUND",
            Self::AlreadyExists => "ALREADY_EXISTS",
            Self::PermissionDenied => "PERMISSION_DENIED",
            Self::ResourceExhausted => "RESOURCE_EXHAUSTED",
            Self::FailedPrecondition => "FAILED_PRECONDITION",
            Self::Aborted => "ABORTED",
            Self::OutOfRange => "OUT_OF_RANGE",
            Self::Unimplemented => "UNIMPLEMENTED",
            Self::Internal => "INTERNAL",
            Self::Unavailable => "UNAVAILABLE",
            Self::DataLoss => "DATA_LOSS",
            Self::Unauthenticated => "UNAUTHENTICATED",
        }
    }

    /// The code with this number; numbers outside 0 to 16 are [`Code::Unknown`].
    pub const fn from_i32(number: i32) -> Self {
        match number {
            0 => Self::Ok,
            1 => Self::Cancelled,
            3 => Self::InvalidArgument,
            4 => Self::DeadlineExceeded,
            5 => Self::NotFound,
            6 => Self::AlreadyExists,
            7 => Self::PermissionDenied,
            8 => Self::ResourceExhausted,
            9 => Self::FailedPrecondition,
            10 => Self::Aborted,
            11 => Self::OutOfRange,
            12 => Self::Unimplemented,
            13 => Self::Internal,
            14 => Self::Unavailable,
            15 => Self::DataLoss,
            16 => Self::Unauthenticated,
            _ => Self::Unknown,
        }
    }

    /// The code of a received `grpc-status` value: decimal ASCII digits.
    ///
    /// Anything else, an empty value, a sign, a space, a non-ASCII digit, or a number outside 0 to
    /// 16, is [`Code::Unknown`]. statuscodes.md lists "Error parsing returned status" as a case
    /// where the client library itself produces `UNKNOWN`, and a call must end with *some* status.
    ///
    /// The spec writes the value "without any leading zeros". We still read `00` as 0 and `03` as 3,
    /// as grpc-go and tonic do: the meaning is not in doubt.
    ///
    /// ```
    /// use h2grpc::status::Code;
    ///
    /// assert_eq!(Code::parse(b"5"), Code::NotFound);
    /// assert_eq!(Code::parse(b"17"), Code::Unknown);
    /// assert_eq!(Code::parse(b"-1"), Code::Unknown);
    /// ```
    pub fn parse(value: &[u8]) -> Self {
        parse_known(value).unwrap_or(Self::Unknown)
    }

    /// The code for a response that ended without `grpc-status`, from its HTTP status.
    ///
    /// The table of [http-grpc-status-mapping.md](https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md),
    /// which is "to be used _only_ for clients that received a response that did not include
    /// grpc-status". Its converse does not hold: "Servers _must not_ use this table to determine
    /// an HTTP status code to use".
    ///
    /// 200 is `UNKNOWN` too: "200 is UNKNOWN because there should be a grpc-status in case of truly
    /// OK response." (1xx responses are to be skipped by the caller, not mapped.)
    pub const fn from_http_status(status: u16) -> Self {
        match status {
            400 => Self::Internal,          // Bad Request
            401 => Self::Unauthenticated,   // Unauthorized
            403 => Self::PermissionDenied,  // Forbidden
            404 => Self::Unimplemented,     // Not Found
            429 => Self::Unavailable,       // Too Many Requests
            431 => Self::Internal,          // Request Header Fields Too Large (grpc-go lacks it)
            502..=504 => Self::Unavailable, // Bad Gateway, Service Unavailable, Gateway Timeout
            _ => Self::Unknown,
        }
    }

    /// The code for a stream reset by the peer, from the RST_STREAM error code.
    ///
    /// The table of [PROTOCOL-HTTP2.md, "Errors"](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#errors).
    /// Where it gives no code, we choose `INTERNAL`, as grpc-go does:
    ///
    /// * `STREAM_CLOSED`: "No mapping as there is no open stream to propagate to. Implementations
    ///   should log."
    /// * `HTTP_1_1_REQUIRED` (added by RFC 8740, after the table was written).
    /// * Codes unknown to HTTP/2: "Unknown or unsupported error codes MUST NOT trigger any special
    ///   behavior. These MAY be treated by an implementation as being equivalent to
    ///   INTERNAL_ERROR." ([RFC 9113 §7](https://www.rfc-editor.org/rfc/rfc9113#section-7))
    ///
    /// `CANCEL` is `CANCELLED` in both directions. The spec calls a client's CANCEL "call
    /// cancellation", which a server reports as `CANCELLED` too.
    pub const fn from_rst_stream(error_code: u32) -> Self {
        use http2_error::*;
        match error_code {
            // "An explicit GRPC status of OK should have been sent but this might be used to
            // aggressively lameduck in some scenarios."
            NO_ERROR => Self::Internal,
            PROTOCOL_ERROR | INTERNAL_ERROR | FLOW_CONTROL_ERROR | SETTINGS_TIMEOUT => {
                Self::Internal
            }
            STREAM_CLOSED => Self::Internal,
            FRAME_SIZE_ERROR | COMPRESSION_ERROR | CONNECT_ERROR => Self::Internal,
            // "Indicates that no processing occurred and the request can be retried."
            REFUSED_STREAM => Self::Unavailable,
            CANCEL => Self::Cancelled,
            // "...the exhausted resource is bandwidth."
            ENHANCE_YOUR_CALM => Self::ResourceExhausted,
            // "...permission was denied as protocol is not secure enough for call."
            INADEQUATE_SECURITY => Self::PermissionDenied,
            HTTP_1_1_REQUIRED => Self::Internal,
            _ => Self::Internal,
        }
    }

    /// The decimal `grpc-status` value, as a static string.
    fn number(self) -> &'static str {
        // The discriminants are 0 to 16, the indices of NUMBERS.
        NUMBERS[self as usize]
    }
}

/// `Some` code if `value` is decimal ASCII digits naming one of the 17 codes.
fn parse_known(value: &[u8]) -> Option<Code> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = value.iter().try_fold(0i32, |acc, digit| {
        acc.checked_mul(10)?.checked_add(i32::from(digit - b'0'))
    })?;
    let code = Code::from_i32(number);
    // from_i32 maps out-of-range numbers to Unknown; only a real 2 is a known UNKNOWN.
    (code != Code::Unknown || number == Code::Unknown.as_i32()).then_some(code)
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ===== Status =====

/// A [`Code`], a message, opaque details and trailer metadata: how a call ended.
///
/// `Display` is `CODE: message` (only `CODE` when the message is empty). `Debug` shows the
/// length of the details, not their bytes.
///
/// The fields live behind one `Box` so that a `Status` is one pointer wide. Every fallible call
/// returns `Result<T, Status>`, and a large error would make every such `Result` large
/// (clippy's `result_large_err`), as tonic also found.
#[derive(Clone, PartialEq, Eq)]
pub struct Status(Box<Inner>);

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    code: Code,
    message: String,
    details: Bytes,
    metadata: Metadata,
}

impl Status {
    /// A status with this code and message, no details and no metadata.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self(Box::new(Inner {
            code,
            message: message.into(),
            details: Bytes::new(),
            metadata: Metadata::new(),
        }))
    }

    /// `OK` with no message: the status of a call that succeeded.
    pub fn ok() -> Self {
        Self::new(Code::Ok, String::new())
    }

    /// `CANCELLED`: the call was cancelled, usually by the caller.
    pub fn cancelled(message: impl Into<String>) -> Self {
        Self::new(Code::Cancelled, message)
    }

    /// `UNKNOWN`: an error with no better code.
    pub fn unknown(message: impl Into<String>) -> Self {
        Self::new(Code::Unknown, message)
    }

    /// `INVALID_ARGUMENT`: the request is malformed.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(Code::InvalidArgument, message)
    }

    /// `DEADLINE_EXCEEDED`: the deadline passed.
    pub fn deadline_exceeded(message: impl Into<String>) -> Self {
        Self::new(Code::DeadlineExceeded, message)
    }

    /// `NOT_FOUND`: a requested entity does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Code::NotFound, message)
    }

    /// `ALREADY_EXISTS`: the entity to create exists already.
    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new(Code::AlreadyExists, message)
    }

    /// `PERMISSION_DENIED`: the caller may not do this.
    pub fn permission_denied(message: impl Into<String>) -> Self {
        Self::new(Code::PermissionDenied, message)
    }

    /// `RESOURCE_EXHAUSTED`: a quota or limit ran out.
    pub fn resource_exhausted(message: impl Into<String>) -> Self {
        Self::new(Code::ResourceExhausted, message)
    }

    /// `FAILED_PRECONDITION`: the system is not in the state the operation needs.
    pub fn failed_precondition(message: impl Into<String>) -> Self {
        Self::new(Code::FailedPrecondition, message)
    }

    /// `ABORTED`: a concurrency conflict aborted the operation.
    pub fn aborted(message: impl Into<String>) -> Self {
        Self::new(Code::Aborted, message)
    }

    /// `OUT_OF_RANGE`: the request went past a valid range.
    pub fn out_of_range(message: impl Into<String>) -> Self {
        Self::new(Code::OutOfRange, message)
    }

    /// `UNIMPLEMENTED`: the method is not implemented.
    pub fn unimplemented(message: impl Into<String>) -> Self {
        Self::new(Code::Unimplemented, message)
    }

    /// `INTERNAL`: a broken invariant or a protocol violation.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Code::Internal, message)
    }

    /// `UNAVAILABLE`: the service cannot be reached right now.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(Code::Unavailable, message)
    }

    /// `DATA_LOSS`: data was lost or corrupted.
    pub fn data_loss(message: impl Into<String>) -> Self {
        Self::new(Code::DataLoss, message)
    }

    /// `UNAUTHENTICATED`: the request has no valid credentials.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(Code::Unauthenticated, message)
    }

    /// The same status with these details: a serialized `google.rpc.Status`, sent as
    /// `grpc-status-details-bin`. Its code and message should match this status's; if they
    /// differ, peers believe `grpc-status` and `grpc-message`.
    pub fn with_details(mut self, details: Bytes) -> Self {
        self.0.details = details;
        self
    }

    /// The same status with this trailer metadata.
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        self.0.metadata = metadata;
        self
    }

    /// The code.
    pub fn code(&self) -> Code {
        self.0.code
    }

    /// The message, decoded (never percent-encoded).
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The details (`grpc-status-details-bin`), empty if there are none.
    pub fn details(&self) -> &Bytes {
        &self.0.details
    }

    /// The trailer metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.0.metadata
    }

    /// The trailer metadata, to add entries to.
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        &mut self.0.metadata
    }

    /// Writes this status into trailers (or into the single header block of a Trailers-Only
    /// response): the metadata first, then `grpc-status`, then `grpc-message` if the message is
    /// not empty, then `grpc-status-details-bin` if there are details.
    ///
    /// `grpc-message` is at most [`MAX_STATUS_MESSAGE_LEN`] bytes: a longer message is cut on a
    /// character boundary and ends with [`TRUNCATION_MARKER`] ([`encode_message`]). The status
    /// itself keeps its whole message.
    ///
    /// The three `grpc-` headers replace any value `headers` already has for them. An empty
    /// message is left out, as tonic does (grpc-go always sends it); "[Status-Message]" is
    /// optional in the grammar and a receiver reads its absence as "".
    ///
    /// ```
    /// use bytes::Bytes;
    /// use h2grpc::status::Status;
    ///
    /// // google.rpc.Status { code: 3, message: "bad" }
    /// let details = Bytes::from_static(b"\x08\x03\x12\x03bad");
    /// let mut status = Status::invalid_argument("bad").with_details(details);
    /// status.metadata_mut().insert("x-field", "amount").unwrap();
    ///
    /// let mut trailers = http::HeaderMap::new();
    /// status.add_to_headers(&mut trailers);
    /// let lines: Vec<_> = trailers.iter().map(|(k, v)| format!("{k}: {}", v.to_str().unwrap())).collect();
    /// assert_eq!(lines, [
    ///     "x-field: amount",
    ///     "grpc-status: 3",
    ///     "grpc-message: bad",
    ///     "grpc-status-details-bin: CAMSA2JhZA",
    /// ]);
    /// ```
    pub fn add_to_headers(&self, headers: &mut HeaderMap) {
        let inner = &*self.0;
        for (name, value) in inner.metadata.as_headers() {
            headers.append(name, value.clone());
        }
        headers.insert(STATUS_NAME, HeaderValue::from_static(inner.code.number()));
        if !inner.message.is_empty() {
            let encoded = HeaderValue::try_from(encode_message(&inner.message))
                .expect("percent_encode only writes %x20-%x7E, a valid header value");
            headers.insert(MESSAGE_NAME, encoded);
        }
        if !inner.details.is_empty() {
            headers.insert(DETAILS_NAME, metadata::encode_base64(&inner.details));
        }
    }

    /// Reads a status from received trailers (or a Trailers-Only header block).
    ///
    /// `None` if there is no `grpc-status`: the caller must then synthesize one
    /// ([`Code::from_http_status`], or `UNKNOWN` for a 200 response). Otherwise this never fails:
    /// an unparseable code is [`Code::Unknown`], a broken message is decoded leniently
    /// ([`percent_decode`]), details that are not base64 are dropped (logged at `debug`). Every
    /// other header, except those the protocol consumes, becomes the status's metadata
    /// ([`Metadata::from_headers`]).
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let status = headers.get(STATUS_NAME)?.as_bytes();
        let code = parse_known(status).unwrap_or_else(|| {
            tracing::debug!(
                grpc_status = %String::from_utf8_lossy(status),
                "grpc-status is not a known code; reading it as UNKNOWN"
            );
            Code::Unknown
        });
        let message = headers
            .get(MESSAGE_NAME)
            .map(|value| percent_decode(value.as_bytes()))
            .unwrap_or_default();
        let details = match headers.get(DETAILS_NAME) {
            None => Bytes::new(),
            Some(value) => metadata::decode_base64(value.as_bytes()).unwrap_or_else(|error| {
                // tonic `expect`s here and panics on a peer's garbage; a lost detail is better.
                tracing::debug!(%error, "grpc-status-details-bin is not base64; details dropped");
                Bytes::new()
            }),
        };
        let metadata = Metadata::from_headers(headers.clone());
        Some(
            Self::new(code, message)
                .with_details(details)
                .with_metadata(metadata),
        )
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Status")
            .field("code", &self.0.code)
            .field("message", &self.0.message)
            .field("details", &format_args!("{} bytes", self.0.details.len()))
            .field("metadata", &self.0.metadata)
            .finish()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.message.is_empty() {
            write!(f, "{}", self.0.code)
        } else {
            write!(f, "{}: {}", self.0.code, self.0.message)
        }
    }
}

impl std::error::Error for Status {}

// ===== grpc-message =====

/// The most bytes of `grpc-message` a status puts on the wire, counted after percent-encoding:
/// 1 KiB.
///
/// Handlers build messages from request input (`User '…' not found`), and a request may be as
/// large as the message limit, 4 MiB. Echoed whole, such a message would make a trailer block of
/// megabytes, far over the 16 KiB header lists peers accept by default
/// (`SETTINGS_MAX_HEADER_LIST_SIZE`, [RFC 9113 §6.5.2](https://www.rfc-editor.org/rfc/rfc9113#section-6.5.2)),
/// and percent-encoding triples every non-ASCII byte. A message is for humans: 1 KiB says what
/// went wrong and leaves most of a 16 KiB header list to the trailing metadata.
pub const MAX_STATUS_MESSAGE_LEN: usize = 1024;

/// What ends a `grpc-message` cut to [`MAX_STATUS_MESSAGE_LEN`]. Printable ASCII, so it is the
/// same on the wire as decoded.
pub const TRUNCATION_MARKER: &str = " [truncated]";

/// The `grpc-message` value for `message`: [`percent_encode`]d, and at most
/// [`MAX_STATUS_MESSAGE_LEN`] bytes.
///
/// A message whose encoding fits is encoded whole. A longer one keeps the longest prefix, cut
/// between two characters (never inside one, nor inside a `%XX`), whose encoding leaves room for
/// [`TRUNCATION_MARKER`], which follows it. The receiver decodes a valid UTF-8 message that
/// ends in the marker.
///
/// ```
/// use h2grpc::status::{MAX_STATUS_MESSAGE_LEN, TRUNCATION_MARKER, encode_message, percent_decode};
///
/// assert_eq!(encode_message("no user ☺"), "no user %E2%98%BA");
///
/// let echoed = format!("User '{}' not found", "é".repeat(1_000_000));
/// let wire = encode_message(&echoed);
/// assert!(wire.len() <= MAX_STATUS_MESSAGE_LEN);
/// let read = percent_decode(wire.as_bytes());
/// assert!(read.starts_with("User 'éé"));
/// assert!(read.ends_with(TRUNCATION_MARKER));
/// ```
pub fn encode_message(message: &str) -> String {
    let bytes = message.as_bytes();
    let escaped = bytes.iter().filter(|&&byte| !is_unencoded(byte)).count();
    if bytes.len() + 2 * escaped <= MAX_STATUS_MESSAGE_LEN {
        return percent_encode(message);
    }
    let budget = MAX_STATUS_MESSAGE_LEN - TRUNCATION_MARKER.len();
    let mut used = 0;
    let mut cut = 0;
    for (index, character) in message.char_indices() {
        let mut buffer = [0; 4];
        let width: usize = character
            .encode_utf8(&mut buffer)
            .bytes()
            .map(|byte| if is_unencoded(byte) { 1 } else { 3 })
            .sum();
        if used + width > budget {
            break;
        }
        used += width;
        cut = index + character.len_utf8();
    }
    let mut encoded = percent_encode(&message[..cut]);
    encoded.push_str(TRUNCATION_MARKER);
    encoded
}

/// Percent-encodes a message for `grpc-message`: its UTF-8 bytes in `%x20-%x24 / %x26-%x7E`
/// (space and printable ASCII except `%`) stay as they are, every other byte becomes `%XX` with
/// uppercase hex.
///
/// This is the spec's minimal encoding, byte for byte what grpc-go sends. tonic encodes a few
/// more characters (space as `%20`, for one); every decoder reads both.
///
/// ```
/// use h2grpc::status::percent_encode;
///
/// assert_eq!(percent_encode("50% off ☺"), "50%25 off %E2%98%BA");
/// assert_eq!(percent_encode("line 1\nline 2"), "line 1%0Aline 2");
/// ```
pub fn percent_encode(message: &str) -> String {
    const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = message.as_bytes();
    let escaped = bytes.iter().filter(|&&byte| !is_unencoded(byte)).count();
    if escaped == 0 {
        return message.to_owned();
    }
    let mut encoded = String::with_capacity(bytes.len() + 2 * escaped);
    for &byte in bytes {
        if is_unencoded(byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push('%');
            encoded.push(char::from(HEX_DIGITS[usize::from(byte >> 4)]));
            encoded.push(char::from(HEX_DIGITS[usize::from(byte & 0x0f)]));
        }
    }
    encoded
}

/// `Percent-Byte-Unencoded → %x20-%x24 / %x26-%x7E`.
fn is_unencoded(byte: u8) -> bool {
    (0x20..=0x7e).contains(&byte) && byte != b'%'
}

/// Decodes a received `grpc-message`, and never fails.
///
/// Each `%XX` (either case of hex) becomes its byte. A `%` not followed by two hex digits is kept
/// as it is. Bytes that do not form UTF-8 once decoded become U+FFFD. The spec asks exactly this:
/// "When decoding invalid values, implementations MUST NOT error or throw away the message."
///
/// ```
/// use h2grpc::status::percent_decode;
///
/// assert_eq!(percent_decode(b"50%25 off %E2%98%BA"), "50% off ☺");
/// assert_eq!(percent_decode(b"100%"), "100%");           // broken sequence: kept
/// assert_eq!(percent_decode(b"bad %FF byte"), "bad \u{FFFD} byte"); // not UTF-8: replaced
/// ```
pub fn percent_decode(value: &[u8]) -> String {
    let mut decoded = Vec::with_capacity(value.len());
    let mut rest = value;
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%'
            && let [high, low, after @ ..] = tail
            && let (Some(high), Some(low)) = (hex_value(*high), hex_value(*low))
        {
            decoded.push((high << 4) | low);
            rest = after;
            continue;
        }
        decoded.push(byte);
        rest = tail;
    }
    match String::from_utf8(decoded) {
        Ok(message) => message,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every code with its number and name, as statuscodes.md lists them.
    const CODES: [(Code, i32, &str); 17] = [
        (Code::Ok, 0, "OK"),
        (Code::Cancelled, 1, "CANCELLED"),
        (Code::Unknown, 2, "UNKNOWN"),
        (Code::InvalidArgument, 3, "INVALID_ARGUMENT"),
        (Code::DeadlineExceeded, 4, "DEADLINE_EXCEEDED"),
        (Code::NotFound, 5, "NOT_FOUND"),
        (Code::AlreadyExists, 6, "ALREADY_EXISTS"),
        (Code::PermissionDenied, 7, "PERMISSION_DENIED"),
        (Code::ResourceExhausted, 8, "RESOURCE_EXHAUSTED"),
        (Code::FailedPrecondition, 9, "FAILED_PRECONDITION"),
        (Code::Aborted, 10, "ABORTED"),
        (Code::OutOfRange, 11, "OUT_OF_RANGE"),
        (Code::Unimplemented, 12, "UNIMPLEMENTED"),
        (Code::Internal, 13, "INTERNAL"),
        (Code::Unavailable, 14, "UNAVAILABLE"),
        (Code::DataLoss, 15, "DATA_LOSS"),
        (Code::Unauthenticated, 16, "UNAUTHENTICATED"),
    ];

    /// The interop test `special_status_message`, and its spec-minimal wire form.
    const SPECIAL_MESSAGE: &str =
        "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n";
    const SPECIAL_WIRE: &str =
        "%09%0Atest with whitespace%0D%0Aand Unicode BMP %E2%98%BA and non-BMP %F0%9F%98%88%09%0A";

    #[test]
    fn every_code_number_and_name() {
        for (code, number, name) in CODES {
            assert_eq!(code.as_i32(), number);
            assert_eq!(code.as_str(), name);
            assert_eq!(code.to_string(), name);
            assert_eq!(Code::from_i32(number), code);
            assert_eq!(Code::parse(number.to_string().as_bytes()), code);
            assert_eq!(code.number(), number.to_string());
        }
    }

    #[test]
    fn unknown_numbers() {
        for number in [-1, 17, 100, i32::MIN, i32::MAX] {
            assert_eq!(Code::from_i32(number), Code::Unknown);
        }
    }

    #[test]
    fn unparseable_grpc_status_is_unknown() {
        for value in [
            &b""[..],
            b"-1",
            b"17",
            b"1a",
            "٣".as_bytes(),
            b" 0",
            b"0 ",
            b"+1",
            b"99999999999999999999",
            b"\xff",
        ] {
            assert_eq!(Code::parse(value), Code::Unknown, "{value:?}");
            assert_eq!(parse_known(value), None, "{value:?}");
        }
        assert_eq!(parse_known(b"2"), Some(Code::Unknown));
    }

    #[test]
    fn leading_zeros_are_read_leniently() {
        assert_eq!(Code::parse(b"00"), Code::Ok);
        assert_eq!(Code::parse(b"03"), Code::InvalidArgument);
        assert_eq!(Code::parse(b"0016"), Code::Unauthenticated);
    }

    #[test]
    fn http_status_table() {
        let table = [
            (400, Code::Internal),
            (401, Code::Unauthenticated),
            (403, Code::PermissionDenied),
            (404, Code::Unimplemented),
            (429, Code::Unavailable),
            (431, Code::Internal),
            (502, Code::Unavailable),
            (503, Code::Unavailable),
            (504, Code::Unavailable),
            (200, Code::Unknown),
            (405, Code::Unknown),
            (415, Code::Unknown),
            (500, Code::Unknown),
            (501, Code::Unknown),
            (505, Code::Unknown),
            (0, Code::Unknown),
            (u16::MAX, Code::Unknown),
        ];
        for (http, code) in table {
            assert_eq!(Code::from_http_status(http), code, "HTTP {http}");
        }
    }

    #[test]
    fn rst_stream_table() {
        let table = [
            (0x0, Code::Internal),          // NO_ERROR
            (0x1, Code::Internal),          // PROTOCOL_ERROR
            (0x2, Code::Internal),          // INTERNAL_ERROR
            (0x3, Code::Internal),          // FLOW_CONTROL_ERROR
            (0x4, Code::Internal),          // SETTINGS_TIMEOUT
            (0x5, Code::Internal),          // STREAM_CLOSED
            (0x6, Code::Internal),          // FRAME_SIZE_ERROR
            (0x7, Code::Unavailable),       // REFUSED_STREAM
            (0x8, Code::Cancelled),         // CANCEL
            (0x9, Code::Internal),          // COMPRESSION_ERROR
            (0xa, Code::Internal),          // CONNECT_ERROR
            (0xb, Code::ResourceExhausted), // ENHANCE_YOUR_CALM
            (0xc, Code::PermissionDenied),  // INADEQUATE_SECURITY
            (0xd, Code::Internal),          // HTTP_1_1_REQUIRED
            (0xe, Code::Internal),          // unknown
            (u32::MAX, Code::Internal),     // unknown
        ];
        for (reason, code) in table {
            assert_eq!(
                Code::from_rst_stream(reason),
                code,
                "RST_STREAM {reason:#x}"
            );
        }
    }

    type Constructor = fn(&'static str) -> Status;

    #[test]
    fn one_constructor_per_code() {
        let constructors: [(Constructor, Code); 16] = [
            (Status::cancelled, Code::Cancelled),
            (Status::unknown, Code::Unknown),
            (Status::invalid_argument, Code::InvalidArgument),
            (Status::deadline_exceeded, Code::DeadlineExceeded),
            (Status::not_found, Code::NotFound),
            (Status::already_exists, Code::AlreadyExists),
            (Status::permission_denied, Code::PermissionDenied),
            (Status::resource_exhausted, Code::ResourceExhausted),
            (Status::failed_precondition, Code::FailedPrecondition),
            (Status::aborted, Code::Aborted),
            (Status::out_of_range, Code::OutOfRange),
            (Status::unimplemented, Code::Unimplemented),
            (Status::internal, Code::Internal),
            (Status::unavailable, Code::Unavailable),
            (Status::data_loss, Code::DataLoss),
            (Status::unauthenticated, Code::Unauthenticated),
        ];
        for (constructor, code) in constructors {
            let status = constructor("m");
            assert_eq!(status.code(), code);
            assert_eq!(status.message(), "m");
        }
        assert_eq!(Status::ok().code(), Code::Ok);
        assert_eq!(Status::ok().message(), "");
    }

    #[test]
    fn status_is_one_pointer_wide() {
        assert_eq!(size_of::<Status>(), size_of::<usize>());
    }

    #[test]
    fn display_and_debug() {
        assert_eq!(
            Status::not_found("no user 7").to_string(),
            "NOT_FOUND: no user 7"
        );
        assert_eq!(Status::ok().to_string(), "OK");
        let status = Status::internal("x").with_details(Bytes::from_static(b"\x08\x03secret"));
        let debug = format!("{status:?}");
        assert!(debug.contains("details: 8 bytes"), "{debug}");
        assert!(!debug.contains("secret"), "{debug}");
    }

    #[test]
    fn special_status_message() {
        assert_eq!(percent_encode(SPECIAL_MESSAGE), SPECIAL_WIRE);
        assert_eq!(percent_decode(SPECIAL_WIRE.as_bytes()), SPECIAL_MESSAGE);
    }

    #[test]
    fn percent_sign_and_unencoded_set() {
        assert_eq!(percent_encode("100%"), "100%25");
        let printable: String = (0x20u8..=0x7e).map(char::from).collect();
        assert_eq!(percent_encode(&printable), printable.replace('%', "%25"));
        assert_eq!(percent_encode("\x7f\x00\x1f"), "%7F%00%1F");
        assert_eq!(percent_encode(""), "");
    }

    /// The length of `message` once percent-encoded.
    fn encoded_len(message: &str) -> usize {
        percent_encode(message).len()
    }

    #[test]
    fn message_exactly_at_the_cap_is_whole() {
        let message = "a".repeat(MAX_STATUS_MESSAGE_LEN);
        assert_eq!(encode_message(&message), message);
        // 1015 ASCII bytes and a ☺ (9 bytes encoded): exactly 1024 on the wire.
        let message = format!("{}☺", "a".repeat(MAX_STATUS_MESSAGE_LEN - 9));
        assert_eq!(encoded_len(&message), MAX_STATUS_MESSAGE_LEN);
        assert_eq!(encode_message(&message), percent_encode(&message));
    }

    #[test]
    fn one_byte_over_the_cap_is_truncated() {
        let message = "a".repeat(MAX_STATUS_MESSAGE_LEN + 1);
        let wire = encode_message(&message);
        assert_eq!(wire.len(), MAX_STATUS_MESSAGE_LEN);
        let kept = MAX_STATUS_MESSAGE_LEN - TRUNCATION_MARKER.len();
        assert_eq!(wire, format!("{}{TRUNCATION_MARKER}", "a".repeat(kept)));
    }

    #[test]
    fn a_character_straddling_the_cap_is_dropped_whole() {
        let kept = MAX_STATUS_MESSAGE_LEN - TRUNCATION_MARKER.len();
        let more = "b".repeat(100);
        // ☺ is 3 bytes, 9 once encoded: after kept - 5 bytes it would end 4 past the budget.
        let message = format!("{}☺{more}", "a".repeat(kept - 5));
        let wire = encode_message(&message);
        assert_eq!(wire, format!("{}{TRUNCATION_MARKER}", "a".repeat(kept - 5)));
        let read = percent_decode(wire.as_bytes());
        assert!(!read.contains('\u{FFFD}'), "{read}");
        // With room for exactly the ☺, it stays, and the marker ends the value at the cap.
        let message = format!("{}☺{more}", "a".repeat(kept - 9));
        let wire = encode_message(&message);
        assert_eq!(wire.len(), MAX_STATUS_MESSAGE_LEN);
        assert!(
            wire.ends_with(&format!("a%E2%98%BA{TRUNCATION_MARKER}")),
            "{wire}"
        );
    }

    #[test]
    fn the_cap_counts_encoded_bytes() {
        // 400 é are 800 bytes of UTF-8, under the cap, but 2400 bytes encoded.
        let message = "é".repeat(400);
        assert!(message.len() < MAX_STATUS_MESSAGE_LEN);
        let wire = encode_message(&message);
        assert!(wire.len() <= MAX_STATUS_MESSAGE_LEN, "{}", wire.len());
        // Each é is `%C3%A9`, 6 bytes: as many as fit before the marker.
        let kept = (MAX_STATUS_MESSAGE_LEN - TRUNCATION_MARKER.len()) / 6;
        assert_eq!(
            percent_decode(wire.as_bytes()),
            format!("{}{TRUNCATION_MARKER}", "é".repeat(kept))
        );
        // `%` is escaped too: 3 bytes each.
        let wire = encode_message(&"%".repeat(MAX_STATUS_MESSAGE_LEN));
        assert!(wire.len() <= MAX_STATUS_MESSAGE_LEN);
        assert!(wire.starts_with("%25%25"), "{wire}");
    }

    #[test]
    fn trailers_carry_the_capped_message() {
        let status = Status::not_found(format!("User '{}' not found", "x".repeat(1 << 20)));
        let mut trailers = HeaderMap::new();
        status.add_to_headers(&mut trailers);
        let wire = trailers[GRPC_MESSAGE].as_bytes();
        assert_eq!(wire.len(), MAX_STATUS_MESSAGE_LEN);
        let read = Status::from_headers(&trailers).unwrap();
        assert_eq!(read.code(), Code::NotFound);
        assert!(read.message().starts_with("User 'xxx"));
        assert!(read.message().ends_with(TRUNCATION_MARKER));
        // The status itself is unchanged.
        assert_eq!(status.message().len(), (1 << 20) + 17);
    }

    #[test]
    fn lenient_decoding_keeps_the_text() {
        assert_eq!(percent_decode(b"%"), "%");
        assert_eq!(percent_decode(b"%4"), "%4");
        assert_eq!(percent_decode(b"a%zzb"), "a%zzb");
        assert_eq!(percent_decode(b"%%41"), "%A");
        assert_eq!(percent_decode(b"%FF"), "\u{FFFD}");
        assert_eq!(percent_decode(b"ok %E2%98 cut"), "ok \u{FFFD} cut");
        assert_eq!(percent_decode(b"%e2%98%ba"), "☺"); // lowercase hex
        assert_eq!(percent_decode("raw ☺".as_bytes()), "raw ☺");
        assert_eq!(
            percent_decode(b"raw \xff obs-text"),
            "raw \u{FFFD} obs-text"
        );
    }

    #[test]
    fn tonics_over_encoding_decodes() {
        assert_eq!(
            percent_decode(b"hello%20world%3F%7B%7D%22%23%3C%3E%60"),
            "hello world?{}\"#<>`"
        );
    }

    #[test]
    fn headers_round_trip() {
        let mut status = Status::invalid_argument(SPECIAL_MESSAGE)
            .with_details(Bytes::from_static(b"\x08\x03\x12\x03bad"));
        status.metadata_mut().insert("x-a", "1").unwrap();
        status
            .metadata_mut()
            .insert_bin("x-b-bin", &[0, 1, 2])
            .unwrap();

        let mut trailers = HeaderMap::new();
        status.add_to_headers(&mut trailers);
        assert_eq!(trailers[GRPC_STATUS], "3");
        assert_eq!(trailers[GRPC_MESSAGE], SPECIAL_WIRE);
        assert_eq!(trailers[GRPC_STATUS_DETAILS_BIN], "CAMSA2JhZA");
        let names: Vec<_> = trailers.keys().map(|name| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "x-a",
                "x-b-bin",
                "grpc-status",
                "grpc-message",
                "grpc-status-details-bin"
            ]
        );

        assert_eq!(Status::from_headers(&trailers), Some(status));
    }

    #[test]
    fn ok_is_just_grpc_status_0() {
        let mut trailers = HeaderMap::new();
        Status::ok().add_to_headers(&mut trailers);
        assert_eq!(trailers.len(), 1);
        assert_eq!(trailers[GRPC_STATUS], "0");
        assert_eq!(Status::from_headers(&trailers), Some(Status::ok()));
    }

    #[test]
    fn trailers_only_strips_content_type() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/grpc"));
        Status::unimplemented("").add_to_headers(&mut headers);
        let status = Status::from_headers(&headers).unwrap();
        assert_eq!(status.code(), Code::Unimplemented);
        assert!(status.metadata().is_empty());
    }

    #[test]
    fn add_to_headers_replaces_earlier_grpc_headers() {
        let mut headers = HeaderMap::new();
        Status::internal("first").add_to_headers(&mut headers);
        Status::ok().add_to_headers(&mut headers);
        assert_eq!(headers.get_all(GRPC_STATUS).iter().count(), 1);
        assert_eq!(headers[GRPC_STATUS], "0");
    }

    fn trailers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn no_grpc_status_is_none() {
        assert_eq!(Status::from_headers(&HeaderMap::new()), None);
        assert_eq!(
            Status::from_headers(&trailers(&[("grpc-message", "x")])),
            None
        );
    }

    #[test]
    fn details_padded_unpadded_and_garbage() {
        let expected = Bytes::from_static(b"\x08\x03\x12\x03bad");
        for value in ["CAMSA2JhZA", "CAMSA2JhZA=="] {
            let status = Status::from_headers(&trailers(&[
                ("grpc-status", "3"),
                ("grpc-status-details-bin", value),
            ]))
            .unwrap();
            assert_eq!(status.details(), &expected, "{value}");
        }
        for garbage in ["!!!", "A", "CAMSA2JhZA,CAMSA2JhZA", "CAMSA2JhZA==="] {
            let status = Status::from_headers(&trailers(&[
                ("grpc-status", "3"),
                ("grpc-message", "bad"),
                ("grpc-status-details-bin", garbage),
            ]))
            .unwrap();
            assert_eq!(status.code(), Code::InvalidArgument);
            assert_eq!(status.message(), "bad");
            assert!(status.details().is_empty(), "{garbage}");
        }
    }

    #[test]
    fn broken_status_is_still_a_status() {
        let status = Status::from_headers(&trailers(&[
            ("grpc-status", "42"),
            ("grpc-message", "50% off"),
            ("x-custom", "kept"),
        ]))
        .unwrap();
        assert_eq!(status.code(), Code::Unknown);
        assert_eq!(status.message(), "50% off");
        assert_eq!(status.metadata().get("x-custom"), Some("kept"));
        assert_eq!(status.metadata().len(), 1);
    }

    proptest! {
        #[test]
        fn percent_round_trip(message in any::<String>()) {
            let encoded = percent_encode(&message);
            prop_assert!(HeaderValue::from_str(&encoded).is_ok());
            prop_assert!(encoded.bytes().all(|byte| (0x20..=0x7e).contains(&byte)));
            prop_assert_eq!(percent_decode(encoded.as_bytes()), message);
        }

        #[test]
        fn capped_message_is_a_prefix_and_valid(message in "\\PC{0,600}") {
            let wire = encode_message(&message);
            prop_assert!(wire.len() <= MAX_STATUS_MESSAGE_LEN);
            prop_assert!(HeaderValue::from_str(&wire).is_ok());
            let read = percent_decode(wire.as_bytes());
            match read.strip_suffix(TRUNCATION_MARKER) {
                Some(prefix) if wire.len() < percent_encode(&message).len() => {
                    prop_assert!(message.starts_with(prefix));
                }
                _ => prop_assert_eq!(read, message),
            }
        }

        #[test]
        fn percent_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = percent_decode(&bytes);
        }

        #[test]
        fn code_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..12)) {
            let _ = Code::parse(&bytes);
        }

        // At most 80 characters, 960 bytes encoded: under MAX_STATUS_MESSAGE_LEN, so whole.
        #[test]
        fn status_round_trips_through_headers(code in 0i32..=16, message in "\\PC{0,80}",
                                              details in proptest::collection::vec(any::<u8>(), 0..32)) {
            let status = Status::new(Code::from_i32(code), message).with_details(Bytes::from(details));
            let mut headers = HeaderMap::new();
            status.add_to_headers(&mut headers);
            prop_assert_eq!(Status::from_headers(&headers), Some(status));
        }
    }
}
