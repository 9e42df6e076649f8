//! gRPC-Web over HTTP/1.1 ([PROTOCOL-WEB.md](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md)):
//! the gRPC framing in an HTTP/1.1 body, the trailers as one more frame at its end.
//!
//! > Content-Type: application/grpc-web, application/grpc-web+proto, application/grpc-web-text
//! > [...] the most significant bit of the 8-bit gRPC frame header [is] used to indicate that a
//! > frame contains trailers: 0x80 [...] the trailers are sent [...] as HTTP/1.1 headers
//! > [...] `-text`: the request and response bodies are base64 encoded.
//!
//! ```text
//!  00 00 00 00 0f  0a 0d "Hello, world!"                 a message, as in gRPC
//!  80 00 00 00 0f  "grpc-status:0\r\n"                   the trailers frame
//! ```
//!
//! Unary and server-streaming methods are served (an HTTP/1.1 request body is whole before the
//! answer starts, so a client stream has nothing to gain); the response streams as the messages
//! come.

use std::convert::Infallible;
use std::sync::Arc;

use base64::Engine;
use bytes::Bytes;
use http::{HeaderValue, Response, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;

use super::{Web, WebBody, envelope, streaming};
use crate::framing::Deframer;
use crate::metadata::Metadata;
use crate::protobuf::Encoded;
use crate::rpc::Request;
use crate::status::{Status, percent_encode};

/// The Compressed-Flag octet of a trailers frame.
const TRAILERS_FLAG: u8 = 0x80;

/// Whether a content-type is gRPC-Web's, and whether it is the base64 (`-text`) variant.
#[must_use]
pub(super) fn variant(content_type: Option<&HeaderValue>) -> Option<bool> {
    match super::media_type(content_type)?.as_str() {
        "application/grpc-web" | "application/grpc-web+proto" => Some(false),
        "application/grpc-web-text" | "application/grpc-web-text+proto" => Some(true),
        _ => None,
    }
}

/// The trailers frame: flag 0x80, the length, then `name:value\r\n` lines.
fn trailers_frame(status: &Status, metadata: Option<&Metadata>) -> Bytes {
    let mut lines = format!("grpc-status:{}\r\n", status.code().as_i32());
    if !status.message().is_empty() {
        lines.push_str(&format!(
            "grpc-message:{}\r\n",
            percent_encode(status.message())
        ));
    }
    for (name, value) in metadata.into_iter().flat_map(Metadata::iter) {
        if let Ok(value) = std::str::from_utf8(value) {
            lines.push_str(&format!("{name}:{value}\r\n"));
        }
    }
    envelope(TRAILERS_FLAG, lines.as_bytes())
}

/// Decodes a `-text` body: base64, possibly several padded pieces one after the other.
fn decode_text(body: &[u8]) -> Result<Vec<u8>, Status> {
    let clean: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    for piece in clean.split_inclusive(|&b| b == b'=').filter(|p| *p != b"=") {
        let piece_end = piece.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode_vec(&piece[..piece_end], &mut out)
            .map_err(|error| Status::invalid_argument(format!("grpc-web-text body: {error}")))?;
    }
    Ok(out)
}

impl Web {
    /// Answers a gRPC-Web request (`text`: the `-text` variant): the response starts at once,
    /// and a task makes the call and writes its messages and trailers as they come.
    pub(super) fn grpc_web(
        self: Arc<Self>,
        request: http::Request<Incoming>,
        text: bool,
    ) -> Response<WebBody> {
        let content_type = if text {
            "application/grpc-web-text+proto"
        } else {
            "application/grpc-web+proto"
        };
        let (sender, response) = streaming(content_type);
        tokio::spawn(async move { self.grpc_web_answer(request, text, sender).await });
        response
    }

    async fn grpc_web_answer(
        &self,
        request: http::Request<Incoming>,
        text: bool,
        mut sender: http_body_util::channel::Sender<Bytes, Infallible>,
    ) {
        let encode = |bytes: Bytes| {
            if text {
                Bytes::from(base64::engine::general_purpose::STANDARD.encode(&bytes))
            } else {
                bytes
            }
        };
        let trailers = match self.grpc_web_call(request).await {
            Ok((mut replies, first)) => {
                let mut next = first;
                let status = loop {
                    match next {
                        Some(Ok(message)) => {
                            if sender
                                .send_data(encode(envelope(0, &message)))
                                .await
                                .is_err()
                            {
                                // The client went away: dropping `replies` cancels the call.
                                return;
                            }
                        }
                        Some(Err(status)) => break status,
                        None => break Status::ok(),
                    }
                    next = replies.next().await;
                };
                trailers_frame(&status, replies.trailers())
            }
            Err(status) => trailers_frame(&status, None),
        };
        let _ = sender.send_data(encode(trailers)).await;
    }

    async fn grpc_web_call(
        &self,
        request: http::Request<Incoming>,
    ) -> Result<(Replies, Option<Result<Bytes, Status>>), Status> {
        let (parts, body) = request.into_parts();
        let path = parts.uri.path().to_owned();
        let method = self
            .methods
            .get(&path)
            .ok_or_else(|| Status::unimplemented(format!("no method {path}")))?;
        if method.client_streaming {
            return Err(Status::unimplemented(format!(
                "{path} takes a client stream: not served over HTTP/1.1"
            )));
        }
        let body = Limited::new(body, self.max_message_size.saturating_mul(2))
            .collect()
            .await
            .map_err(|error| Status::resource_exhausted(format!("request body: {error}")))?
            .to_bytes();
        let text = variant(parts.headers.get(header::CONTENT_TYPE)) == Some(true);
        let body = if text {
            Bytes::from(decode_text(&body)?)
        } else {
            body
        };
        let mut deframer = Deframer::new(self.max_message_size);
        deframer.push(body);
        let message = deframer
            .next_message()
            .map_err(|error| Status::invalid_argument(error.to_string()))?
            .ok_or_else(|| Status::invalid_argument("the request carries no message"))?;
        if message.compressed {
            return Err(Status::unimplemented(
                "compressed gRPC-Web requests are not served",
            ));
        }
        let mut call = Request::new(Encoded(message.data));
        super::copy_metadata(&parts.headers, call.metadata_mut());
        if let Some(timeout) = parts.headers.get("grpc-timeout") {
            let timeout = crate::timeout::parse(timeout.as_bytes())
                .map_err(|error| Status::invalid_argument(format!("grpc-timeout: {error}")))?;
            call.set_timeout(timeout);
        }
        if method.server_streaming {
            let mut stream = self
                .channel
                .server_streaming::<Encoded, Encoded>(&path, call)
                .await?;
            let first = stream
                .message()
                .await
                .transpose()
                .map(|r| r.map(|Encoded(b)| b));
            Ok((Replies::Stream(Box::new(stream)), first))
        } else {
            let response = self.channel.unary::<Encoded, Encoded>(&path, call).await?;
            let Encoded(reply) = response.get_ref().clone();
            Ok((Replies::One(response.metadata().clone()), Some(Ok(reply))))
        }
    }
}

/// The replies still to come after the first.
enum Replies {
    One(Metadata),
    Stream(Box<crate::rpc::Streaming<Encoded>>),
}

impl Replies {
    async fn next(&mut self) -> Option<Result<Bytes, Status>> {
        match self {
            Self::One(_) => None,
            Self::Stream(stream) => stream
                .message()
                .await
                .transpose()
                .map(|r| r.map(|Encoded(b)| b)),
        }
    }

    fn trailers(&self) -> Option<&Metadata> {
        match self {
            Self::One(metadata) => Some(metadata),
            Self::Stream(stream) => stream.trailers(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trailers_frame() {
        let frame = trailers_frame(&Status::ok(), None);
        assert_eq!(&frame[..], b"\x80\x00\x00\x00\x0fgrpc-status:0\r\n");
        let frame = trailers_frame(&Status::not_found("no café"), None);
        assert!(
            frame.ends_with(b"grpc-message:no caf%C3%A9\r\n"),
            "{frame:?}"
        );
    }

    #[test]
    fn text_bodies_in_padded_pieces() {
        // "hi" and "!" encoded separately, then joined, as a client may stream them.
        assert_eq!(decode_text(b"aGk=IQ==").unwrap(), b"hi!");
        assert_eq!(decode_text(b"aGkh").unwrap(), b"hi!");
        assert!(decode_text(b"a$==").is_err());
    }

    #[test]
    fn variants() {
        let v = |s: &'static str| variant(Some(&HeaderValue::from_static(s)));
        assert_eq!(v("application/grpc-web"), Some(false));
        assert_eq!(v("application/grpc-web+proto"), Some(false));
        assert_eq!(v("application/grpc-web-text"), Some(true));
        assert_eq!(v("application/grpc"), None);
    }
}
