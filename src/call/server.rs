//! The server's half of a call: check the Request-Headers, build the response.
//!
//! ```text
//!                 recv_request_headers
//!   (request) ──────────────────────────▶ RequestHead ──▶ handler
//!       │ refused: Rejection (HTTP 405/415/400, or Trailers-Only UNIMPLEMENTED)
//!       ▼
//!
//!   ServerCall:  AwaitingHeaders ──send_headers──▶ SendingMessages ──send_status──▶ Closed
//!                      │                               (Trailers)
//!                      └──────────────────send_status───────────────────────────▶ Closed
//!                                       (Trailers-Only: one HEADERS frame)
//! ```

use std::time::Duration;

use http::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};

use super::{CONTENT_TYPE_GRPC, is_grpc_content_type};
use crate::compression::{Encoding, EncodingSet, ResponseCompression};
use crate::metadata::{KeptHeaders, Metadata, is_protocol_header};
use crate::status::{Code, Status};
use crate::timeout;

/// `grpc-encoding`: the compression of the request messages.
pub const GRPC_ENCODING: &str = "grpc-encoding";
/// `grpc-accept-encoding`: the compressions a peer can read.
pub const GRPC_ACCEPT_ENCODING: &str = "grpc-accept-encoding";

/// What the server needs from valid Request-Headers.
#[derive(Debug)]
pub struct RequestHead {
    /// `:path`, e.g. `/hello.Greeter/SayHello` (parse it with [`super::MethodPath`]).
    pub path: http::uri::PathAndQuery,
    /// `grpc-timeout`, when the client set a deadline.
    pub timeout: Option<Duration>,
    /// Custom-Metadata and `user-agent`, without the protocol's own headers.
    pub metadata: Metadata,
    /// `grpc-encoding`: how the request messages flagged compressed are compressed (`None`
    /// for identity, or no header).
    pub encoding: Option<Encoding>,
    /// How the responses may be compressed: the server's preference and the client's
    /// `grpc-accept-encoding`, negotiated.
    pub response_compression: ResponseCompression,
}

/// Why a request is refused before any handler runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Rejection {
    /// Not a gRPC request as HTTP sees it: answered with this HTTP status, plus `content-type`
    /// and `grpc-status` so that a gRPC client still learns a precise code.
    Http(http::StatusCode, Status),
    /// A valid HTTP request that gRPC refuses: answered Trailers-Only (`:status 200`).
    Status(Status),
}

impl Rejection {
    /// The response that carries it: a single HEADERS frame with END_STREAM.
    pub fn into_response(self) -> http::Response<()> {
        match self {
            Self::Http(http_status, status) => {
                let mut response = trailers_only(&status);
                *response.status_mut() = http_status;
                response
            }
            Self::Status(status) => trailers_only(&status),
        }
    }
}

/// Checks the Request-Headers (PROTOCOL-HTTP2.md, "Requests") in the order a server meets them.
///
/// # Errors
/// - `:method` other than POST: HTTP 405 with INTERNAL, as grpc-go answers.
/// - `content-type` not `application/grpc…`: HTTP 415 ("gRPC servers SHOULD respond with HTTP
///   status of 415 (Unsupported Media Type)"; tonic does not check it). The gRPC code is
///   INTERNAL, since statuscodes.md never has the library generate INVALID_ARGUMENT.
/// - a malformed `grpc-timeout`: HTTP 400 with INTERNAL, as grpc-go (tonic ignores it; a
///   deadline silently dropped is a bug, so h2grpc refuses it).
/// - a `grpc-encoding` that is not in `accepted` (identity always is): Trailers-Only
///   UNIMPLEMENTED with `grpc-accept-encoding` listing `accepted` (compression.md: "the server
///   returns UNIMPLEMENTED with a grpc-accept-encoding header listing what it accepts").
///
/// `response_preference` is the encoding the server compresses responses with when the client
/// accepts it ([`ResponseCompression::negotiate`]).
pub fn recv_request_headers(
    parts: http::request::Parts,
    accepted: EncodingSet,
    response_preference: Option<Encoding>,
) -> Result<RequestHead, Rejection> {
    if parts.method != http::Method::POST {
        let message = format!("gRPC requires POST, got {}", parts.method);
        return Err(Rejection::Http(
            http::StatusCode::METHOD_NOT_ALLOWED,
            Status::new(Code::Internal, message),
        ));
    }
    let (protocol, metadata) = split_request_headers(parts.headers);
    let content_type = protocol.content_type.as_ref().map(HeaderValue::as_bytes);
    if !content_type.is_some_and(is_grpc_content_type) {
        let shown = content_type.map_or("none".into(), String::from_utf8_lossy);
        return Err(Rejection::Http(
            http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Status::new(
                Code::Internal,
                format!("invalid gRPC request content-type: {shown}"),
            ),
        ));
    }
    let timeout = match protocol.timeout {
        None => None,
        Some(value) => Some(timeout::parse(value.as_bytes()).map_err(|e| {
            Rejection::Http(
                http::StatusCode::BAD_REQUEST,
                Status::new(Code::Internal, format!("malformed grpc-timeout: {e}")),
            )
        })?),
    };
    let encoding = match protocol.encoding {
        None => None,
        Some(value) => match Encoding::parse(value.as_bytes()) {
            Some(encoding) if accepted.contains(encoding) => encoding.compressed(),
            _ => {
                let shown = String::from_utf8_lossy(value.as_bytes());
                let mut status = Status::new(
                    Code::Unimplemented,
                    format!("message compression {shown} is not supported by this server"),
                );
                let headers = status.metadata_mut().as_headers_mut();
                headers.insert(GRPC_ACCEPT_ENCODING, accepted.header_value());
                return Err(Rejection::Status(status));
            }
        },
    };
    let path = parts.uri.path_and_query().cloned().unwrap_or_else(|| {
        // h2 refuses a request without :path, so this only happens to hand-built requests.
        http::uri::PathAndQuery::from_static("/")
    });
    Ok(RequestHead {
        path,
        timeout,
        metadata,
        encoding,
        response_compression: ResponseCompression::negotiate(response_preference, protocol.accepts),
    })
}

/// The request headers the protocol reads; the first value of each, except
/// `grpc-accept-encoding`, whose values all count.
struct ProtocolHeaders {
    content_type: Option<HeaderValue>,
    timeout: Option<HeaderValue>,
    encoding: Option<HeaderValue>,
    accepts: EncodingSet,
}

/// Takes the protocol's headers out of `headers` and keeps the rest, in order, as the call's
/// metadata: one pass over the map, one classification per name (this runs for every call).
fn split_request_headers(headers: HeaderMap) -> (ProtocolHeaders, Metadata) {
    /// Where the values of the current name go.
    #[derive(Clone, Copy)]
    enum Slot {
        Metadata,
        Dropped,
        ContentType,
        Timeout,
        Encoding,
        AcceptEncoding,
    }
    let mut protocol = ProtocolHeaders {
        content_type: None,
        timeout: None,
        encoding: None,
        accepts: EncodingSet::IDENTITY,
    };
    let mut kept = KeptHeaders::default();
    let mut slot = Slot::Dropped;
    // `into_iter` names each key once, before its first value; `None` means "same key".
    for (name, value) in headers {
        if let Some(name) = name {
            slot = match name.as_str() {
                "content-type" => Slot::ContentType,
                timeout::GRPC_TIMEOUT => Slot::Timeout,
                GRPC_ENCODING => Slot::Encoding,
                GRPC_ACCEPT_ENCODING => Slot::AcceptEncoding,
                _ if is_protocol_header(&name) => Slot::Dropped,
                _ => Slot::Metadata,
            };
            match slot {
                Slot::Metadata => kept.keep_name(name),
                _ => kept.skip_name(),
            }
        }
        match slot {
            Slot::Metadata => kept.value(value),
            Slot::Dropped => {}
            Slot::ContentType => _ = protocol.content_type.get_or_insert(value),
            Slot::Timeout => _ = protocol.timeout.get_or_insert(value),
            Slot::Encoding => _ = protocol.encoding.get_or_insert(value),
            Slot::AcceptEncoding => {
                protocol.accepts = EncodingSet::parse_header(value.as_bytes())
                    .iter()
                    .fold(protocol.accepts, EncodingSet::with);
            }
        }
    }
    (protocol, kept.finish())
}

/// The status for a method path no handler is registered for (statuscodes.md "Method not found
/// at server": UNIMPLEMENTED), naming what was not found as grpc-go does.
pub fn unimplemented(path: &str, service_known: bool) -> Status {
    let message = match super::MethodPath::parse(path) {
        Some(m) if service_known => {
            format!("unknown method {} for service {}", m.method(), m.service())
        }
        Some(m) => format!("unknown service {}", m.service()),
        None => format!("malformed method name: {path:?}"),
    };
    Status::new(Code::Unimplemented, message)
}

/// A unary or server-streaming method received other than exactly one request message:
/// statuscodes.md "Request cardinality violation" is UNIMPLEMENTED (tonic says INTERNAL).
pub fn request_cardinality(received: u64) -> Status {
    Status::new(
        Code::Unimplemented,
        format!("expected exactly one request message, received {received}"),
    )
}

/// Response-Headers: `:status 200`, `grpc-encoding` when the responses are compressed,
/// `content-type: application/grpc`, then the handler's initial metadata, in the order of
/// PROTOCOL-HTTP2.md's grammar (`HTTP-Status [Message-Encoding] [Message-Accept-Encoding]
/// Content-Type *Custom-Metadata`). tonic sends the same fields with the metadata first
/// (`wire-tests/same_wire/responses.rs`).
pub fn response_headers(metadata: Metadata, encoding: Option<Encoding>) -> http::Response<()> {
    let mut headers = bounded(metadata).into_headers();
    let encoding = encoding.and_then(Encoding::compressed);
    // The protocol's headers go first: build a new map only when there is metadata to follow.
    if !headers.is_empty() || encoding.is_some() {
        let mut ordered = HeaderMap::with_capacity(headers.len() + 2);
        if let Some(encoding) = encoding {
            ordered.insert(GRPC_ENCODING, HeaderValue::from_static(encoding.name()));
        }
        ordered.insert(CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_GRPC));
        ordered.extend(headers);
        headers = ordered;
    } else {
        // The common case: sized for its one entry (an empty map's first insert would allocate
        // room for six).
        headers = HeaderMap::with_capacity(1);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_GRPC));
    }
    let mut response = http::Response::new(());
    *response.headers_mut() = headers;
    response
}

/// The largest header list a response's header or trailer block is let grow to: 16 KiB,
/// counted as RFC 9113 §6.5.2 counts `SETTINGS_MAX_HEADER_LIST_SIZE` (each field's name and
/// value, plus 32). `h2` does not tell what the peer advertised; 16 KiB is what h2grpc's own
/// client and hyper's (tonic's) advertise, and a block over the peer's limit costs the client
/// the whole call, so metadata that would not fit is dropped and the status goes alone.
pub const MAX_RESPONSE_HEADER_LIST: usize = 16 * 1024;

/// A header list's size as `SETTINGS_MAX_HEADER_LIST_SIZE` counts it.
fn list_size(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 32)
        .sum()
}

/// Room kept for the protocol's own fields next to the metadata: `grpc-status`,
/// `grpc-message` (at most 1 KiB encoded), `content-type`, `grpc-encoding`.
const PROTOCOL_FIELDS: usize = crate::status::MAX_STATUS_MESSAGE_LEN + 256;

/// `metadata`, or none if it would push the block past [`MAX_RESPONSE_HEADER_LIST`].
fn bounded(metadata: Metadata) -> Metadata {
    if metadata.is_empty() {
        return metadata;
    }
    let size = list_size(metadata.as_headers());
    if size + PROTOCOL_FIELDS > MAX_RESPONSE_HEADER_LIST {
        tracing::debug!(
            size,
            "response metadata over the header list bound: not sent"
        );
        return Metadata::new();
    }
    metadata
}

/// The status's fields after its metadata, or the status alone (code and message) when the
/// metadata or details would take the block past [`MAX_RESPONSE_HEADER_LIST`].
fn add_status(status: &Status, headers: &mut HeaderMap) {
    status.add_to_headers(headers);
    if list_size(headers) > MAX_RESPONSE_HEADER_LIST {
        tracing::debug!(
            size = list_size(headers),
            "status metadata or details over the header list bound: the status goes alone"
        );
        headers.clear();
        Status::new(status.code(), status.message()).add_to_headers(headers);
    }
}

/// Trailers: the status (`grpc-status`, `grpc-message` when non-empty,
/// `grpc-status-details-bin` when there are details) after the trailing metadata.
pub fn trailers(status: &Status) -> HeaderMap {
    let mut headers = HeaderMap::new();
    add_status(status, &mut headers);
    headers
}

/// The Trailers of a call that ended OK: the trailing metadata, then `grpc-status: 0` (and no
/// `grpc-message`, as tonic sends it). The common case, built without a [`Status`].
pub fn ok_trailers(metadata: Metadata) -> HeaderMap {
    let metadata = bounded(metadata);
    let mut headers = if metadata.is_empty() {
        HeaderMap::with_capacity(1)
    } else {
        metadata.into_headers()
    };
    headers.insert(STATUS_NAME, HeaderValue::from_static("0"));
    headers
}

const STATUS_NAME: HeaderName = HeaderName::from_static(crate::status::GRPC_STATUS);

/// Trailers-Only: `:status 200`, `content-type`, and the trailers, in one HEADERS frame that
/// ends the stream. Used when a call fails before any response header was sent.
pub fn trailers_only(status: &Status) -> http::Response<()> {
    let mut response = http::Response::new(());
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_GRPC));
    add_status(status, headers);
    if !headers.contains_key(CONTENT_TYPE) {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_GRPC));
    }
    response
}

/// Where the response of a call is (the state diagram in the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    AwaitingHeaders,
    SendingMessages,
    Closed,
}

/// How a call's response ends.
#[derive(Debug)]
pub enum End {
    /// Response-Headers were sent: the status goes in a trailing HEADERS frame.
    Trailers(HeaderMap),
    /// Nothing was sent yet: the whole response is this one HEADERS frame.
    TrailersOnly(http::Response<()>),
}

/// The response side of one call: makes sure the Response-Headers go out once and before any
/// message (the transport sends them first if a message comes before them), and that the status
/// is sent once, as Trailers or Trailers-Only. Messages are framed by [`super::encode_message`].
#[derive(Debug)]
pub struct ServerCall {
    state: State,
    encoding: Option<Encoding>,
}

impl Default for ServerCall {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerCall {
    /// A call with nothing sent yet, uncompressed.
    pub fn new() -> Self {
        Self {
            state: State::AwaitingHeaders,
            encoding: None,
        }
    }

    /// Compresses the responses with `encoding` (`None`: not at all), announced in the
    /// Response-Headers' `grpc-encoding`. Only possible before they are sent: returns whether
    /// the change took effect.
    pub fn set_encoding(&mut self, encoding: Option<Encoding>) -> bool {
        if self.state != State::AwaitingHeaders {
            return false;
        }
        self.encoding = encoding.and_then(Encoding::compressed);
        true
    }

    /// The response encoding (`None`: uncompressed).
    pub fn encoding(&self) -> Option<Encoding> {
        self.encoding
    }

    /// Whether Response-Headers went out.
    pub fn headers_sent(&self) -> bool {
        self.state != State::AwaitingHeaders
    }

    /// The Response-Headers, unless they were already sent.
    pub fn send_headers(&mut self, metadata: Metadata) -> Option<http::Response<()>> {
        if self.state != State::AwaitingHeaders {
            return None;
        }
        self.state = State::SendingMessages;
        Some(response_headers(metadata, self.encoding))
    }

    /// The end of a response that went well: Trailers with `grpc-status: 0` after `trailers`,
    /// or Trailers-Only if nothing was sent; `None` if the status was already sent.
    pub fn send_ok(&mut self, trailers: Metadata) -> Option<End> {
        let end = match self.state {
            State::AwaitingHeaders => {
                End::TrailersOnly(trailers_only(&Status::ok().with_metadata(trailers)))
            }
            State::SendingMessages => End::Trailers(ok_trailers(trailers)),
            State::Closed => return None,
        };
        self.state = State::Closed;
        Some(end)
    }

    /// The end of the response; `None` if the status was already sent.
    pub fn send_status(&mut self, status: &Status) -> Option<End> {
        let end = match self.state {
            State::AwaitingHeaders => End::TrailersOnly(trailers_only(status)),
            State::SendingMessages => End::Trailers(trailers(status)),
            State::Closed => return None,
        };
        self.state = State::Closed;
        Some(end)
    }
}

#[cfg(test)]
mod bound_tests {
    use super::*;

    fn big_metadata() -> Metadata {
        let mut metadata = Metadata::new();
        for i in 0..20 {
            metadata
                .insert(&format!("x-big-{i}"), &"v".repeat(1000))
                .expect("a valid entry");
        }
        metadata
    }

    #[test]
    fn metadata_over_the_bound_is_dropped_and_the_status_kept() {
        let ok = ok_trailers(big_metadata());
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[STATUS_NAME], "0");

        let status = Status::not_found("gone").with_metadata(big_metadata());
        let error = trailers(&status);
        assert_eq!(error.len(), 2, "{error:?}");
        assert_eq!(error[STATUS_NAME], "5");
        assert!(list_size(&error) <= MAX_RESPONSE_HEADER_LIST);

        let response = trailers_only(&status);
        assert_eq!(response.headers()[CONTENT_TYPE], CONTENT_TYPE_GRPC);
        assert_eq!(response.headers()[STATUS_NAME], "5");
        assert!(response.headers().get("x-big-0").is_none());

        let headers = response_headers(big_metadata(), None);
        assert_eq!(headers.headers().len(), 1, "content-type alone");
    }

    #[test]
    fn metadata_under_the_bound_is_sent() {
        let mut metadata = Metadata::new();
        metadata.insert("x-small", "1").unwrap();
        let trailers = ok_trailers(metadata);
        assert_eq!(trailers["x-small"], "1");
    }
}
