//! Connect's unary protocol over HTTP/1.1 (<https://connectrpc.com/docs/protocol>): one bare
//! message each way, errors as JSON with an HTTP status.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde_json::json;

use super::{Web, WebBody, WebMethod};
use crate::compression::Encoding;
use crate::dynamic::DynamicMessage;
use crate::json::{ParseOptions, PrintOptions};
use crate::protobuf::Encoded;
use crate::rpc::Request;
use crate::status::{Code, Status};

/// The two codecs of Connect's unary protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codec {
    Json,
    Proto,
}

impl Codec {
    /// `application/json` or `application/proto`, parameters (`; charset=utf-8`) aside.
    fn of(content_type: Option<&HeaderValue>) -> Option<Self> {
        match super::media_type(content_type)?.as_str() {
            "application/json" => Some(Self::Json),
            "application/proto" => Some(Self::Proto),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Proto => "application/proto",
        }
    }
}

/// The HTTP status of a gRPC code, as `google/rpc/code.proto` maps them (and Connect uses).
///
/// ```
/// use h2grpc::status::Code;
/// use h2grpc::web::http_status;
///
/// assert_eq!(http_status(Code::NotFound), 404);
/// assert_eq!(http_status(Code::ResourceExhausted), 429);
/// assert_eq!(http_status(Code::Cancelled), 499);
/// ```
#[must_use]
pub fn http_status(code: Code) -> u16 {
    match code {
        Code::Ok => 200,
        Code::Cancelled => 499,
        Code::Unknown | Code::Internal | Code::DataLoss => 500,
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => 400,
        Code::DeadlineExceeded => 504,
        Code::NotFound => 404,
        Code::AlreadyExists | Code::Aborted => 409,
        Code::PermissionDenied => 403,
        Code::Unauthenticated => 401,
        Code::ResourceExhausted => 429,
        Code::Unimplemented => 501,
        Code::Unavailable => 503,
    }
}

/// An error as Connect writes it: the HTTP status of its code, and
/// `{"code": "not_found", "message": "..."}`.
/// A code's name in Connect: `not_found`, `invalid_argument`, ... (and `canceled`, spelled the
/// American way).
pub(super) fn code_name(code: Code) -> String {
    match code {
        Code::Cancelled => "canceled".to_owned(),
        code => code.as_str().to_ascii_lowercase(),
    }
}

pub(super) fn error(status: &Status) -> Response<WebBody> {
    let code = status.code();
    let mut body = json!({ "code": code_name(code) });
    if !status.message().is_empty() {
        body["message"] = json!(status.message());
    }
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())).boxed_unsync());
    *response.status_mut() =
        StatusCode::from_u16(http_status(code)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

impl Web {
    /// Answers a Connect unary call.
    pub(super) async fn connect_unary(
        &self,
        request: http::Request<Incoming>,
    ) -> Response<WebBody> {
        match self.unary(request).await {
            Ok(response) => response,
            Err(status) => error(&status),
        }
    }

    async fn unary(&self, request: http::Request<Incoming>) -> Result<Response<WebBody>, Status> {
        let (parts, body) = request.into_parts();
        let path = parts.uri.path().to_owned();
        let method = self.methods.get(&path).ok_or_else(|| {
            Status::unimplemented(format!(
                "no method {path} (Connect calls are POST /package.Service/Method)"
            ))
        })?;
        if parts.method != Method::POST {
            return Err(Status::unimplemented(format!(
                "{} {path}: Connect unary calls are POST",
                parts.method
            )));
        }
        if method.client_streaming || method.server_streaming {
            return Err(Status::unimplemented(format!(
                "{path} streams: only unary methods are served over HTTP/1.1"
            )));
        }
        let Some(codec) = Codec::of(parts.headers.get(header::CONTENT_TYPE)) else {
            // "If the server doesn't support the specified Message-Codec, it must respond with an
            // HTTP status code of 415 Unsupported Media Type."
            let mut response = Response::new(
                Full::new(Bytes::from_static(
                    b"content-type must be application/json or application/proto\n",
                ))
                .boxed_unsync(),
            );
            *response.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
            response.headers_mut().insert(
                "accept-post",
                HeaderValue::from_static("application/json, application/proto"),
            );
            return Ok(response);
        };
        let body = Limited::new(body, self.max_message_size)
            .collect()
            .await
            .map_err(|error| {
                Status::resource_exhausted(format!(
                    "request body not read: {error} (limit {} bytes)",
                    self.max_message_size
                ))
            })?
            .to_bytes();
        // "Content-Encoding → "content-encoding" Content-Coding": gzip (or identity).
        let body = match parts
            .headers
            .get(header::CONTENT_ENCODING)
            .map(HeaderValue::as_bytes)
        {
            None | Some(b"identity") => body,
            Some(b"gzip") => Encoding::Gzip
                .decompress(&body, self.max_message_size)
                .map(Bytes::from)
                .map_err(|error| Status::invalid_argument(format!("gzip request body: {error}")))?,
            Some(other) => {
                return Err(Status::unimplemented(format!(
                    "content-encoding {}: only gzip and identity are served",
                    String::from_utf8_lossy(other)
                )));
            }
        };
        let gzip_reply = parts
            .headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| {
                value
                    .split(',')
                    .any(|coding| coding.trim().starts_with("gzip"))
            });
        let message = decode(method, codec, &body)?;
        let mut call = Request::new(Encoded(message));
        super::copy_metadata(&parts.headers, call.metadata_mut());
        if let Some(timeout) = parts.headers.get("connect-timeout-ms") {
            let millis = timeout
                .to_str()
                .ok()
                .and_then(|t| t.parse::<u64>().ok())
                .filter(|_| timeout.len() <= 10)
                .ok_or_else(|| {
                    Status::invalid_argument("connect-timeout-ms must be 1 to 10 digits")
                })?;
            call.set_timeout(Duration::from_millis(millis));
        }
        let response = self.channel.unary::<Encoded, Encoded>(&path, call).await?;
        let Encoded(reply) = response.get_ref().clone();
        let mut body = encode(method, codec, reply)?;
        if gzip_reply {
            let mut compressed = Vec::new();
            Encoding::Gzip.compress(&body, &mut compressed);
            body = Bytes::from(compressed);
        }
        let mut answer = Response::new(Full::new(body).boxed_unsync());
        if gzip_reply {
            answer
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        answer.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(codec.content_type()),
        );
        for (name, value) in response.metadata().iter() {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(value),
            ) {
                answer.headers_mut().append(name, value);
            }
        }
        Ok(answer)
    }
}

/// The request message as protobuf octets.
fn decode(method: &WebMethod, codec: Codec, body: &Bytes) -> Result<Bytes, Status> {
    match codec {
        Codec::Proto => Ok(body.clone()),
        Codec::Json => {
            let text = std::str::from_utf8(body)
                .map_err(|_| Status::invalid_argument("the JSON request is not UTF-8"))?;
            let message = crate::json::from_str(&method.input, text, &ParseOptions::default())
                .map_err(|error| {
                    Status::invalid_argument(format!(
                        "not a {} in JSON: {error}",
                        method.input.full_name()
                    ))
                })?;
            Ok(Bytes::from(message.encode_to_vec()))
        }
    }
}

/// The response message in the request's codec.
fn encode(method: &WebMethod, codec: Codec, reply: Bytes) -> Result<Bytes, Status> {
    match codec {
        Codec::Proto => Ok(reply),
        Codec::Json => {
            let message = DynamicMessage::decode(&method.output, reply).map_err(|error| {
                Status::internal(format!(
                    "the reply is not a {}: {error}",
                    method.output.full_name()
                ))
            })?;
            let json = crate::json::to_string(&message, &PrintOptions::default())
                .map_err(|error| Status::internal(error.to_string()))?;
            Ok(Bytes::from(json))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_an_http_status() {
        for number in 0..17 {
            let code = Code::from_i32(number);
            let status = http_status(code);
            assert!((200..600).contains(&status), "{code:?}");
            assert_eq!(status == 200, code == Code::Ok);
        }
    }

    #[test]
    fn codecs_by_content_type() {
        let value = |v: &'static str| HeaderValue::from_static(v);
        assert_eq!(
            Codec::of(Some(&value("application/json"))),
            Some(Codec::Json)
        );
        assert_eq!(
            Codec::of(Some(&value("Application/JSON; charset=utf-8"))),
            Some(Codec::Json)
        );
        assert_eq!(
            Codec::of(Some(&value("application/proto"))),
            Some(Codec::Proto)
        );
        assert_eq!(Codec::of(Some(&value("application/grpc"))), None);
        assert_eq!(Codec::of(None), None);
    }

    #[test]
    fn errors_are_connect_json() {
        let response = error(&Status::not_found("User 'x' not found"));
        assert_eq!(response.status(), 404);
        let response = error(&Status::cancelled(""));
        assert_eq!(response.status().as_u16(), 499);
    }
}
