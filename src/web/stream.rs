//! Streams over HTTP/1.1: Connect's streaming protocol for server-streaming methods, and the
//! tutorials' `GET /users/`, the users as newline-delimited JSON.
//!
//! Connect (<https://connectrpc.com/docs/protocol>, "Streaming-Request"):
//!
//! > Content-Type → "content-type" "application/connect+" Message-Codec
//! > Enveloped-Message → Envelope-Flags Message-Length Message
//! > End-Stream-Message → Envelope-Flags(0x02) Message-Length {JSON: "error", "metadata"}
//!
//! The same 5-octet envelope as gRPC's prefix; the response is always HTTP 200, its last envelope
//! (flag `0x02`) holds `{}` or `{"error": {"code": ..., "message": ...}}` in JSON.

use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use http::{HeaderValue, Response};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use serde_json::json;

use super::{Web, WebBody, WebMethod, envelope, streaming};
use crate::dynamic::DynamicMessage;
use crate::framing::Deframer;
use crate::json::{ParseOptions, PrintOptions};
use crate::protobuf::{Encoded, Message};
use crate::rpc::Request;
use crate::services::users::{ListUsersRequest, MAX_PAGE_SIZE};
use crate::status::{Code, Status};

/// The flag of Connect's end-of-stream envelope.
const END_STREAM: u8 = 0x02;

/// Whether a content-type is Connect's streaming one, and whether its codec is JSON.
pub(super) fn variant(content_type: Option<&HeaderValue>) -> Option<bool> {
    match super::media_type(content_type)?.as_str() {
        "application/connect+json" => Some(true),
        "application/connect+proto" => Some(false),
        _ => None,
    }
}

/// The end-of-stream envelope: `{}` after success, the error otherwise.
fn end_stream(status: &Status) -> Bytes {
    let body = if status.code() == Code::Ok {
        json!({})
    } else {
        let mut error = json!({ "code": super::connect::code_name(status.code()) });
        if !status.message().is_empty() {
            error["message"] = json!(status.message());
        }
        json!({ "error": error })
    };
    envelope(END_STREAM, body.to_string().as_bytes())
}

impl Web {
    /// Answers a Connect streaming request (server-streaming methods).
    pub(super) fn connect_stream(
        self: Arc<Self>,
        request: http::Request<Incoming>,
        json: bool,
    ) -> Response<WebBody> {
        let content_type = if json {
            "application/connect+json"
        } else {
            "application/connect+proto"
        };
        let (mut sender, response) = streaming(content_type);
        tokio::spawn(async move {
            let status = match self.connect_stream_call(request, json).await {
                Ok((method, mut replies)) => loop {
                    match replies.message().await {
                        Ok(Some(Encoded(reply))) => {
                            let Ok(reply) = encode(&method, json, reply) else {
                                break Status::internal("a reply that does not decode");
                            };
                            if sender.send_data(envelope(0, &reply)).await.is_err() {
                                return;
                            }
                        }
                        Ok(None) => break Status::ok(),
                        Err(status) => break status,
                    }
                },
                Err(status) => status,
            };
            let _ = sender.send_data(end_stream(&status)).await;
        });
        response
    }

    async fn connect_stream_call(
        &self,
        request: http::Request<Incoming>,
        json: bool,
    ) -> Result<(WebMethod, crate::rpc::Streaming<Encoded>), Status> {
        let (parts, body) = request.into_parts();
        let path = parts.uri.path().to_owned();
        let method = self
            .methods
            .get(&path)
            .ok_or_else(|| Status::unimplemented(format!("no method {path}")))?
            .clone();
        if method.client_streaming || !method.server_streaming {
            return Err(Status::unimplemented(format!(
                "{path}: only server-streaming methods are served with Connect's streaming protocol over HTTP/1.1"
            )));
        }
        let body = Limited::new(body, self.max_message_size.saturating_add(5))
            .collect()
            .await
            .map_err(|error| Status::resource_exhausted(format!("request body: {error}")))?
            .to_bytes();
        let mut deframer = Deframer::new(self.max_message_size);
        deframer.push(body);
        let message = deframer
            .next_message()
            .map_err(|error| Status::invalid_argument(error.to_string()))?
            .ok_or_else(|| Status::invalid_argument("the request carries no message"))?;
        if message.compressed {
            return Err(Status::unimplemented("compressed envelopes are not served"));
        }
        let request = if json {
            let text = std::str::from_utf8(&message.data)
                .map_err(|_| Status::invalid_argument("the JSON request is not UTF-8"))?;
            crate::json::from_str(&method.input, text, &ParseOptions::default())
                .map_err(|error| Status::invalid_argument(error.to_string()))?
                .encode_to_vec()
                .into()
        } else {
            message.data
        };
        let mut call = Request::new(Encoded(request));
        super::copy_metadata(&parts.headers, call.metadata_mut());
        let replies = self
            .channel
            .server_streaming::<Encoded, Encoded>(&path, call)
            .await?;
        Ok((method, replies))
    }

    /// `GET /users/`: `users.UserService/ListUsers` with the largest page, one JSON object per
    /// line (`application/x-ndjson`), each sent as it arrives.
    pub(super) fn users_ndjson(self: Arc<Self>) -> Response<WebBody> {
        let (mut sender, response) = streaming("application/x-ndjson");
        tokio::spawn(async move {
            const PATH: &str = "/users.UserService/ListUsers";
            let Some(method) = self.methods.get(PATH).cloned() else {
                let _ = sender
                    .send_data(Bytes::from_static(
                        b"{\"error\":\"users.UserService is not served\"}\n",
                    ))
                    .await;
                return;
            };
            let request = ListUsersRequest {
                page_size: i32::try_from(MAX_PAGE_SIZE).unwrap_or(i32::MAX),
                ..ListUsersRequest::default()
            };
            let call = Request::new(Encoded(Bytes::from(request.encode_to_vec())));
            let outcome = self
                .channel
                .server_streaming::<Encoded, Encoded>(PATH, call)
                .await;
            let mut replies = match outcome {
                Ok(replies) => replies,
                Err(status) => {
                    let line = format!("{}\n", json!({ "error": status.to_string() }));
                    let _ = sender.send_data(Bytes::from(line)).await;
                    return;
                }
            };
            while let Ok(Some(Encoded(user))) = replies.message().await {
                let Ok(line) = encode(&method, true, user) else {
                    return;
                };
                let mut bytes = BytesMut::from(&line[..]);
                bytes.put_u8(b'\n');
                if sender.send_data(bytes.freeze()).await.is_err() {
                    return;
                }
            }
        });
        response
    }
}

/// A reply in the codec asked for.
fn encode(method: &WebMethod, json: bool, reply: Bytes) -> Result<Bytes, Status> {
    if !json {
        return Ok(reply);
    }
    let message = DynamicMessage::decode(&method.output, reply)
        .map_err(|error| Status::internal(error.to_string()))?;
    crate::json::to_string(&message, &PrintOptions::default())
        .map(Bytes::from)
        .map_err(|error| Status::internal(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_of_stream_envelopes() {
        assert_eq!(&end_stream(&Status::ok())[..], b"\x02\x00\x00\x00\x02{}");
        let error = end_stream(&Status::not_found("gone"));
        assert_eq!(error[0], END_STREAM);
        assert_eq!(
            &error[5..],
            br#"{"error":{"code":"not_found","message":"gone"}}"#
        );
    }
}
