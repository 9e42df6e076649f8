//! The client's half of a call: build the Request-Headers, judge the response.
//!
//! ```text
//!   request_headers ──▶ (send messages, END_STREAM on the last DATA frame)
//!
//!   response:  recv_response_headers ──▶ Headers(metadata) ──▶ Inbound ──▶ recv_trailers ──▶ Status
//!                     │
//!                     └──▶ TrailersOnly(status)     (one HEADERS frame, END_STREAM)
//!
//!   at any point:  recv_reset(code) ──▶ Status      stream ends, no trailers ──▶ UNKNOWN
//! ```

use std::time::Duration;

use http::header::{CONTENT_TYPE, HeaderMap, HeaderValue, TE, USER_AGENT};

use super::server::{GRPC_ACCEPT_ENCODING, GRPC_ENCODING};
use super::{CONTENT_TYPE_GRPC, is_grpc_content_type};
use crate::compression::{Encoding, EncodingSet};
use crate::metadata::Metadata;
use crate::status::{Code, Status};
use crate::timeout;

/// The `user-agent` h2grpc sends: `h2grpc/<version>`, after any the caller set, as the spec
/// recommends (`grpc-<lang>/<version>`-like) and as tonic does with its own name.
pub const USER_AGENT_VALUE: &str = concat!("h2grpc/", env!("CARGO_PKG_VERSION"));

/// How a call compresses: what it sends, what it says it can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestCompression {
    /// The request messages' encoding, sent as `grpc-encoding` unless identity (`None`).
    pub encoding: Option<Encoding>,
    /// What the client can decompress, sent as `grpc-accept-encoding` unless identity alone.
    pub accept: EncodingSet,
}

impl Default for RequestCompression {
    /// Uncompressed requests; every supported encoding accepted in responses.
    fn default() -> Self {
        Self {
            encoding: None,
            accept: EncodingSet::ALL,
        }
    }
}

/// Request-Headers (PROTOCOL-HTTP2.md, "Requests"), with the same fields as tonic's client:
/// `:method POST`, `:scheme`, `:path`, `:authority`, then `te: trailers`, `content-type:
/// application/grpc`, `user-agent`, `grpc-timeout` when there is a deadline, `grpc-encoding`
/// and `grpc-accept-encoding` (which tonic only sends when compression is enabled), then the
/// Custom-Metadata.
///
/// `origin` gives the scheme and authority (`http://127.0.0.1:50051`).
pub fn request_headers(
    origin: &http::uri::Uri,
    path: &str,
    timeout: Option<Duration>,
    compression: RequestCompression,
    metadata: Metadata,
) -> Result<http::Request<()>, Status> {
    let mut builder = http::Uri::builder().path_and_query(path);
    if let Some(scheme) = origin.scheme() {
        builder = builder.scheme(scheme.clone());
    }
    if let Some(authority) = origin.authority() {
        builder = builder.authority(authority.clone());
    }
    let uri = builder.build().map_err(|e| {
        Status::new(
            Code::Internal,
            format!("invalid request URI for {path}: {e}"),
        )
    })?;

    let mut custom = metadata.into_headers();
    let mut headers = HeaderMap::with_capacity(custom.len() + 4);
    headers.insert(TE, HeaderValue::from_static("trailers"));
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_GRPC));
    // A caller's user-agent comes first, then ours, as tonic does ("<ua> tonic/<version>").
    let user_agent = match custom.remove(USER_AGENT) {
        Some(theirs) => {
            let mut value = theirs.as_bytes().to_vec();
            value.push(b' ');
            value.extend_from_slice(USER_AGENT_VALUE.as_bytes());
            HeaderValue::from_bytes(&value).unwrap_or(HeaderValue::from_static(USER_AGENT_VALUE))
        }
        None => HeaderValue::from_static(USER_AGENT_VALUE),
    };
    headers.insert(USER_AGENT, user_agent);
    if let Some(timeout) = timeout {
        headers.insert(timeout::GRPC_TIMEOUT, timeout::format(timeout));
    }
    if let Some(encoding) = compression.encoding.and_then(Encoding::compressed) {
        headers.insert(GRPC_ENCODING, HeaderValue::from_static(encoding.name()));
    }
    if compression.accept != EncodingSet::IDENTITY {
        headers.insert(GRPC_ACCEPT_ENCODING, compression.accept.header_value());
    }
    headers.extend(custom);

    let mut request = http::Request::new(());
    *request.method_mut() = http::Method::POST;
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    Ok(request)
}

/// How a response starts.
#[derive(Debug)]
pub enum ResponseStart {
    /// Response-Headers: messages and Trailers follow. Holds the initial metadata and the
    /// responses' `grpc-encoding` (`None` for identity).
    Headers(Metadata, Option<Encoding>),
    /// Trailers-Only: the call is over, with this status (which may be OK).
    TrailersOnly(Status),
}

/// Judges the first HEADERS frame of the response.
///
/// - `grpc-status` present: Trailers-Only, whatever the `:status` says.
/// - `:status` not 200: the http-grpc-status-mapping.md table (e.g. 503 → UNAVAILABLE), with a
///   message naming the HTTP status.
/// - a `content-type` that is not gRPC: INTERNAL (a proxy or a non-gRPC server answered).
/// - a `grpc-encoding` this client cannot decompress: INTERNAL (compression.md: "the server
///   compresses with an algorithm the client doesn't support"; tonic says UNIMPLEMENTED).
///
/// # Errors
/// The status that ends the call, for the last three cases.
pub fn recv_response_headers(parts: http::response::Parts) -> Result<ResponseStart, Status> {
    if let Some(status) = Status::from_headers(&parts.headers) {
        return Ok(ResponseStart::TrailersOnly(status));
    }
    if parts.status != http::StatusCode::OK {
        let code = Code::from_http_status(parts.status.as_u16());
        return Err(Status::new(
            code,
            format!(
                "unexpected HTTP status code received from server: {}",
                parts.status
            ),
        ));
    }
    let content_type = parts.headers.get(CONTENT_TYPE).map(HeaderValue::as_bytes);
    if !content_type.is_some_and(is_grpc_content_type) {
        let shown = content_type.map_or("none".into(), String::from_utf8_lossy);
        return Err(Status::new(
            Code::Internal,
            format!("the server answered with content-type {shown}, not application/grpc"),
        ));
    }
    let encoding = match parts.headers.get(GRPC_ENCODING) {
        None => None,
        Some(value) => match Encoding::parse(value.as_bytes()) {
            Some(encoding) => encoding.compressed(),
            None => {
                let shown = String::from_utf8_lossy(value.as_bytes());
                return Err(Status::new(
                    Code::Internal,
                    format!(
                        "the server compressed the response with {shown}, which this client does not support"
                    ),
                ));
            }
        },
    };
    Ok(ResponseStart::Headers(
        Metadata::from_headers(parts.headers),
        encoding,
    ))
}

/// The status carried by the Trailers. Without `grpc-status` the spec says the client "must
/// synthesize" one: UNKNOWN.
pub fn recv_trailers(trailers: &HeaderMap) -> Status {
    Status::from_headers(trailers).unwrap_or_else(|| {
        Status::new(
            Code::Unknown,
            "the server sent trailers without grpc-status",
        )
    })
}

/// The response stream ended (END_STREAM on a DATA frame) with no Trailers at all: UNKNOWN.
pub fn recv_end_without_trailers() -> Status {
    Status::new(
        Code::Unknown,
        "the response ended without trailers (no grpc-status)",
    )
}

/// The server reset the stream with HTTP/2 error `code` before sending a status: the RST_STREAM
/// table of PROTOCOL-HTTP2.md ("Errors").
pub fn recv_reset(code: u32) -> Status {
    let name = match code {
        0 => "NO_ERROR",
        1 => "PROTOCOL_ERROR",
        2 => "INTERNAL_ERROR",
        3 => "FLOW_CONTROL_ERROR",
        4 => "SETTINGS_TIMEOUT",
        5 => "STREAM_CLOSED",
        6 => "FRAME_SIZE_ERROR",
        7 => "REFUSED_STREAM",
        8 => "CANCEL",
        9 => "COMPRESSION_ERROR",
        10 => "CONNECT_ERROR",
        11 => "ENHANCE_YOUR_CALM",
        12 => "INADEQUATE_SECURITY",
        13 => "HTTP_1_1_REQUIRED",
        _ => "an unknown error code",
    };
    Status::new(
        Code::from_rst_stream(code),
        format!("the stream was reset with {name} ({code})"),
    )
}

/// A unary or client-streaming call got other than exactly one response message with an OK
/// status: statuscodes.md "Response cardinality violation" is UNIMPLEMENTED (tonic says
/// INTERNAL "Missing response message.").
pub fn response_cardinality(received: u64) -> Status {
    Status::new(
        Code::Unimplemented,
        format!("expected exactly one response message, received {received}"),
    )
}
