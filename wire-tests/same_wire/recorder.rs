//! Raw `h2` peers that write down what the other side put on the wire.
//!
//! [`RecordingServer`] accepts any call, records the request and answers with a fixed, valid
//! response; [`record_response`] sends one raw request and records the response. Both read
//! through `h2` alone, so what they see is what HPACK decoded and the DATA frames carried:
//!
//! - header *order* is observable: `h2` decodes a header block into an `http::HeaderMap` in
//!   the order the fields came, and a map whose names are all distinct iterates in that order;
//! - pseudo-headers are not: `h2` hands them over as the method and URI, whatever their order
//!   (both peers encode them with `h2` anyway, in `h2`'s fixed order);
//! - every DATA frame is one chunk of `RecvStream::data()`, empty ones included; right after a
//!   chunk, `RecvStream::is_end_stream()` tells whether that frame carried END_STREAM (later
//!   frames would still be queued, keeping it false).

use std::net::SocketAddr;

use bytes::Bytes;
use http::HeaderMap;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// A header block as a list of `(name, value)`, in wire order.
pub(crate) type Fields = Vec<(String, String)>;

fn fields(headers: &HeaderMap) -> Fields {
    headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), value)
        })
        .collect()
}

/// One DATA frame: its payload and whether it carried END_STREAM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DataFrame {
    pub(crate) payload: Bytes,
    pub(crate) end_stream: bool,
}

/// What a stream's body carried after its first HEADERS frame.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Body {
    /// The DATA frames, in order.
    pub(crate) frames: Vec<DataFrame>,
    /// The trailing HEADERS frame, if the stream ended with one.
    pub(crate) trailers: Option<Fields>,
    /// The HTTP/2 error that ended the stream instead (e.g. RST_STREAM), if any.
    pub(crate) error: Option<String>,
}

impl Body {
    /// Reads a body to its end, releasing flow-control capacity as it goes.
    async fn read(mut stream: h2::RecvStream) -> Self {
        let mut body = Self::default();
        while let Some(chunk) = stream.data().await {
            match chunk {
                Ok(payload) => {
                    let _ = stream.flow_control().release_capacity(payload.len());
                    let end_stream = stream.is_end_stream();
                    body.frames.push(DataFrame {
                        payload,
                        end_stream,
                    });
                }
                Err(error) => {
                    body.error = Some(error.to_string());
                    return body;
                }
            }
        }
        match stream.trailers().await {
            Ok(trailers) => body.trailers = trailers.as_ref().map(fields),
            Err(error) => body.error = Some(error.to_string()),
        }
        body
    }

    /// The DATA payloads concatenated: the gRPC messages, whatever the frame boundaries.
    pub(crate) fn data(&self) -> Vec<u8> {
        self.frames
            .iter()
            .flat_map(|frame| frame.payload.iter().copied())
            .collect()
    }

    /// The payload length of each DATA frame.
    pub(crate) fn frame_lengths(&self) -> Vec<usize> {
        self.frames
            .iter()
            .map(|frame| frame.payload.len())
            .collect()
    }

    /// Whether END_STREAM came on the last DATA frame (not on trailers, not on HEADERS).
    pub(crate) fn ended_on_data(&self) -> bool {
        self.frames.last().is_some_and(|frame| frame.end_stream)
    }
}

/// The value of the first field called `name`.
pub(crate) fn get<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The names, in order.
pub(crate) fn names(fields: &Fields) -> Vec<&str> {
    fields.iter().map(|(name, _)| name.as_str()).collect()
}

/// The fields without those called one of `names`, sorted: the block as a multimap.
pub(crate) fn sorted_without(fields: &Fields, names: &[&str]) -> Fields {
    let mut kept: Fields = fields
        .iter()
        .filter(|(name, _)| !names.contains(&name.as_str()))
        .cloned()
        .collect();
    kept.sort();
    kept
}

// ===== Recording server =====

/// A request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordedRequest {
    pub(crate) method: String,
    pub(crate) scheme: Option<String>,
    pub(crate) path: String,
    pub(crate) authority: Option<String>,
    /// Every regular header, in wire order.
    pub(crate) headers: Fields,
    /// Whether the request HEADERS frame itself carried END_STREAM.
    pub(crate) headers_end_stream: bool,
    pub(crate) body: Body,
}

/// Answers every call with `:status 200`, `content-type: application/grpc`, the DATA that
/// `answer` gives for the path, and `grpc-status: 0`; records each request first.
#[derive(Debug)]
pub(crate) struct RecordingServer {
    pub(crate) addr: SocketAddr,
    recorded: mpsc::UnboundedReceiver<RecordedRequest>,
}

impl RecordingServer {
    pub(crate) async fn start(answer: fn(&str) -> Bytes) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, recorded) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let Ok(mut connection) = h2::server::handshake(tcp).await else {
                        return;
                    };
                    while let Some(Ok((request, respond))) = connection.accept().await {
                        tokio::spawn(record_and_answer(request, respond, answer, tx.clone()));
                    }
                });
            }
        });
        Self { addr, recorded }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The next request recorded.
    pub(crate) async fn next(&mut self) -> RecordedRequest {
        self.recorded.recv().await.unwrap()
    }
}

async fn record_and_answer(
    request: http::Request<h2::RecvStream>,
    mut respond: h2::server::SendResponse<Bytes>,
    answer: fn(&str) -> Bytes,
    recorded: mpsc::UnboundedSender<RecordedRequest>,
) {
    let (parts, stream) = request.into_parts();
    let headers_end_stream = stream.is_end_stream();
    let body = Body::read(stream).await;
    let path = parts.uri.path().to_owned();
    let _ = recorded.send(RecordedRequest {
        method: parts.method.to_string(),
        scheme: parts.uri.scheme_str().map(str::to_owned),
        path: path.clone(),
        authority: parts.uri.authority().map(ToString::to_string),
        headers: fields(&parts.headers),
        headers_end_stream,
        body,
    });

    let response = http::Response::builder()
        .header("content-type", "application/grpc")
        .body(())
        .unwrap();
    let Ok(mut stream) = respond.send_response(response, false) else {
        return;
    };
    let _ = stream.send_data(answer(&path), false);
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
    let _ = stream.send_trailers(trailers);
}

// ===== Recording client =====

/// A response as the client received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordedResponse {
    /// `:status`; 0 if no response HEADERS arrived (`body.error` then says why, e.g. a
    /// RST_STREAM).
    pub(crate) status: u16,
    /// The first HEADERS frame's regular headers, in wire order.
    pub(crate) headers: Fields,
    /// Trailers-Only: the first HEADERS frame carried END_STREAM and is the whole response.
    pub(crate) trailers_only: bool,
    pub(crate) body: Body,
}

/// Sends one request to `addr` on a new connection: POST `path` with `headers` (after the
/// pseudo-headers, in this order) and `body` in one DATA frame with END_STREAM.
pub(crate) async fn record_response(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    body: Bytes,
) -> RecordedResponse {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (client, connection) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(connection);
    let mut client = client.ready().await.unwrap();
    let mut request = http::Request::builder()
        .method("POST")
        .uri(format!("http://{addr}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let (response, mut send) = client
        .send_request(request.body(()).unwrap(), false)
        .unwrap();
    send.send_data(body, true).unwrap();
    let response = match response.await {
        Ok(response) => response,
        Err(error) => {
            return RecordedResponse {
                status: 0,
                headers: Fields::new(),
                trailers_only: false,
                body: Body {
                    error: Some(error.to_string()),
                    ..Body::default()
                },
            };
        }
    };
    let (parts, stream) = response.into_parts();
    let trailers_only = stream.is_end_stream();
    RecordedResponse {
        status: parts.status.as_u16(),
        headers: fields(&parts.headers),
        trailers_only,
        body: Body::read(stream).await,
    }
}
