//! The web on the gRPC port: HTTP/1.1 requests, answered with hyper, for clients that cannot
//! speak gRPC over HTTP/2 — a browser, `curl` — in the [Connect protocol](https://connectrpc.com/docs/protocol)
//! (unary in `connect.rs`, server streaming in `stream.rs`) and in gRPC-Web (`grpc_web.rs`:
//! unary and server streaming, binary and `-text`); plus the tutorials' web app: `GET /`, a page
//! (`app/`, built into the binary) that creates users and shows them as `ListUsers` streams them
//! in, in Connect JSON from the browser, and `GET /users/`, the users as newline-delimited JSON. Cross-origin pages are let in only from the origins given
//! (`cors.rs`).
//!
//! # One port
//!
//! The server reads a new connection's first octets before choosing ([`sniff`]): the HTTP/2
//! client preface begins `PRI`, which no HTTP/1.x method does (`POST`, `PUT`, `GET`, ...), so three
//! octets tell the two apart. HTTP/2 goes to the gRPC path unchanged; HTTP/1.x to [`Web`].
//!
//! # Connect unary
//!
//! > Unary-Request → Unary-Request-Headers Bare-Message
//! > Unary-Request-Headers → Call-Specification Content-Type ...
//! > Content-Type → "content-type" "application/" Message-Codec
//!
//! A `POST /package.Service/Method` whose `content-type` is `application/json` or
//! `application/proto` carries one bare message (no 5-octet prefix); the answer is one bare
//! message with the same content-type and HTTP 200, or an error: an HTTP status from
//! `google/rpc/code.proto`'s mapping ([`http_status`]) and a JSON body
//! `{"code": "not_found", "message": "..."}`. `connect-timeout-ms` is the deadline; a body may
//! come gzip-compressed (`content-encoding: gzip`), and the answer is when the client accepts it.
//!
//! ```text
//! $ curl -H 'content-type: application/json' -d '{"name":"web"}' http://127.0.0.1:50051/hello.Greeter/SayHello
//! {"message":"Hello, web!"}
//! ```
//!
//! Each web call is made as a gRPC call on a [`Channel`] to the server's own port: the web layer
//! translates, the handlers and everything below them stay the one gRPC path. The JSON mapping is
//! [`crate::json`] on descriptor-driven messages ([`crate::dynamic`]) of the server's schema.

mod connect;
mod cors;
mod grpc_web;
mod stream;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;

use crate::client::Channel;
use crate::dynamic::{MessageType, Types};
use crate::schema::Schema;

pub use connect::http_status;

/// Headers of a web request that are HTTP's own, not the call's metadata.
const NOT_METADATA: &[&str] = &[
    "host",
    "content-type",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "upgrade",
    "accept",
    "accept-encoding",
    "user-agent",
    "connect-protocol-version",
    "connect-timeout-ms",
    "x-grpc-web",
    "x-user-agent",
    "origin",
    "referer",
];

/// The headers of a web request that are the call's metadata, added to `metadata` (a key or
/// value gRPC metadata cannot carry is left out; `grpc-` names are the protocol's own).
fn copy_metadata(headers: &http::HeaderMap, metadata: &mut crate::metadata::Metadata) {
    for (name, value) in headers {
        let name = name.as_str();
        if NOT_METADATA.contains(&name) || name.starts_with("grpc-") {
            continue;
        }
        if let Ok(value) = value.to_str() {
            let _ = metadata.append(name, value);
        }
    }
}

/// The body of every web response: whole (Connect unary, errors) or streamed (gRPC-Web).
pub(crate) type WebBody =
    http_body_util::combinators::UnsyncBoxBody<bytes::Bytes, std::convert::Infallible>;

/// A content-type's media type, parameters (`; charset=utf-8`) left out, in lower case: what
/// each protocol's content-type is recognised by.
fn media_type(content_type: Option<&http::HeaderValue>) -> Option<String> {
    let value = content_type?.to_str().ok()?;
    Some(
        value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
    )
}

/// A 5-octet envelope and its payload: the flag, the big-endian length, the octets. gRPC's
/// Length-Prefixed-Message, gRPC-Web's frames and Connect's envelopes all have this shape.
fn envelope(flag: u8, payload: &[u8]) -> bytes::Bytes {
    use bytes::BufMut;
    let mut out = bytes::BytesMut::with_capacity(5 + payload.len());
    out.put_u8(flag);
    out.put_u32(u32::try_from(payload.len()).unwrap_or(u32::MAX));
    out.put_slice(payload);
    out.freeze()
}

/// A response whose body a task writes as it goes: the sender, and the response (HTTP 200,
/// `content_type`) to hand hyper at once.
fn streaming(
    content_type: &'static str,
) -> (
    http_body_util::channel::Sender<bytes::Bytes, std::convert::Infallible>,
    http::Response<WebBody>,
) {
    use http_body_util::BodyExt;
    let (sender, body) =
        http_body_util::channel::Channel::<bytes::Bytes, std::convert::Infallible>::new(4);
    let mut response = http::Response::new(body.boxed_unsync());
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    (sender, response)
}

/// A method as the web sees it: its path and message types.
#[derive(Debug, Clone)]
struct WebMethod {
    input: MessageType,
    output: MessageType,
    client_streaming: bool,
    server_streaming: bool,
}

/// What answers the web requests of a server.
#[derive(Debug)]
pub struct Web {
    methods: HashMap<String, WebMethod>,
    channel: Channel,
    max_message_size: usize,
    /// The origins browsers may call from (CORS); none by default.
    cors_origins: Vec<http::HeaderValue>,
    /// How long a client has to send a request's headers (a slow or silent client is closed).
    header_timeout: Duration,
}

impl Web {
    /// The web front of the methods of `schema` served at `paths`, calling them on `channel`.
    ///
    /// # Errors
    /// A schema whose types do not resolve.
    pub fn new(
        schema: &Schema,
        paths: &[&str],
        channel: Channel,
        max_message_size: usize,
    ) -> Result<Self, String> {
        let types = Types::new(schema.files()).map_err(|error| error.to_string())?;
        let mut methods = HashMap::new();
        for service_name in schema.services() {
            let Some(service) = schema.service(&service_name) else {
                continue;
            };
            for method in &service.method {
                let path = format!(
                    "/{service_name}/{}",
                    method.name.as_deref().unwrap_or_default()
                );
                if !paths.contains(&path.as_str()) {
                    continue;
                }
                let message = |name: Option<&str>| {
                    MessageType::new(&types, name.unwrap_or_default().trim_start_matches('.'))
                };
                if let (Some(input), Some(output)) = (
                    message(method.input_type.as_deref()),
                    message(method.output_type.as_deref()),
                ) {
                    methods.insert(
                        path,
                        WebMethod {
                            input,
                            output,
                            client_streaming: method.client_streaming.unwrap_or(false),
                            server_streaming: method.server_streaming.unwrap_or(false),
                        },
                    );
                }
            }
        }
        Ok(Self {
            methods,
            channel,
            max_message_size,
            cors_origins: Vec::new(),
            header_timeout: crate::transport::settings::DEFAULT_HANDSHAKE_TIMEOUT,
        })
    }

    /// Sets how long a client has to send each request's headers (10 s by default, the
    /// server's HTTP/2 preface timeout).
    #[must_use]
    pub fn with_header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout;
        self
    }

    /// Lets web pages from these origins call (CORS, e.g. `https://example.org`): their
    /// preflight is answered, and the responses name them in `access-control-allow-origin`.
    #[must_use]
    pub fn with_cors_origins(mut self, origins: &[String]) -> Self {
        self.cors_origins = origins
            .iter()
            .filter_map(|origin| http::HeaderValue::from_str(origin).ok())
            .collect();
        self
    }

    /// Serves HTTP/1.1 on `tcp` until the client closes it.
    pub async fn serve_http1(self: Arc<Self>, tcp: TcpStream) {
        let timeout = self.header_timeout;
        let service = hyper::service::service_fn(move |request| {
            let web = Arc::clone(&self);
            async move { Ok::<_, std::convert::Infallible>(web.answer(request).await) }
        });
        let io = hyper_util::rt::TokioIo::new(tcp);
        if let Err(error) = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(timeout)
            .serve_connection(io, service)
            .await
        {
            tracing::debug!(%error, "HTTP/1.1 connection failed");
        }
    }
}

impl Web {
    /// Answers one HTTP/1.1 request: gRPC-Web by its content-type, else Connect.
    async fn answer(
        self: Arc<Self>,
        request: http::Request<hyper::body::Incoming>,
    ) -> http::Response<WebBody> {
        let origin = request
            .headers()
            .get(http::header::ORIGIN)
            .filter(|origin| self.cors_origins.iter().any(|allowed| allowed == origin))
            .cloned();
        if request.method() == http::Method::OPTIONS {
            return cors::preflight(origin.as_ref(), request.headers());
        }
        let content_type = request.headers().get(http::header::CONTENT_TYPE);
        let get = request.method() == http::Method::GET;
        let file = APP
            .iter()
            .find(|file| get && file.0 == request.uri().path());
        let mut response = if let Some(file) = file {
            static_file(file)
        } else if get && request.uri().path() == "/users/" {
            Arc::clone(&self).users_ndjson()
        } else if let Some(json) = stream::variant(content_type) {
            Arc::clone(&self).connect_stream(request, json)
        } else if let Some(text) = grpc_web::variant(content_type) {
            Arc::clone(&self).grpc_web(request, text)
        } else {
            self.connect_unary(request).await
        };
        if let Some(origin) = origin {
            cors::allow(origin, response.headers_mut());
        }
        response
    }
}

/// The users page (`src/web/app/`), built into the binary: path, content-type, contents.
const APP: [(&str, &str, &str); 3] = [
    (
        "/",
        "text/html; charset=utf-8",
        include_str!("app/index.html"),
    ),
    (
        "/app.js",
        "text/javascript; charset=utf-8",
        include_str!("app/app.js"),
    ),
    (
        "/app.css",
        "text/css; charset=utf-8",
        include_str!("app/app.css"),
    ),
];

fn static_file(
    (_, content_type, contents): &(&str, &'static str, &'static str),
) -> http::Response<WebBody> {
    use http_body_util::BodyExt;
    let mut response = http::Response::new(
        http_body_util::Full::new(bytes::Bytes::from_static(contents.as_bytes())).boxed_unsync(),
    );
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    response
}

/// The longest a new connection may take to send the three octets [`sniff`] needs.
const SNIFF_LIMIT: Duration = Duration::from_secs(10);

/// Whether the connection starts with the HTTP/2 preface (`PRI`), from its first octets, left
/// unread in the socket. `false` for anything else, including a connection that closes or says
/// nothing for 10 s (the HTTP/1.1 side then times it out or sees it close).
pub async fn sniff(tcp: &TcpStream) -> bool {
    let looked = tokio::time::timeout(SNIFF_LIMIT, async {
        let mut first = [0u8; 3];
        loop {
            let n = match tcp.peek(&mut first).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => n,
            };
            if first[..n] != b"PRI"[..n] {
                return false;
            }
            if n == 3 {
                return true;
            }
            // Fewer than three octets so far: the rest is on its way.
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
    looked.unwrap_or(false)
}
