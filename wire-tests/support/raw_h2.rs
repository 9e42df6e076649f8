//! Peers scripted on the `h2` crate directly: a raw HTTP/2 client to poke an h2grpc server
//! with requests no h2grpc client would send, and a raw HTTP/2 server whose every answer the
//! test writes by hand, to see how an h2grpc client copes.

use std::net::SocketAddr;

use bytes::{BufMut, Bytes, BytesMut};
use h2grpc::protobuf::Message;
use h2grpc::status::{Code, percent_decode};
use http::{HeaderMap, HeaderValue};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};

use super::net::within;

// ===== gRPC bytes =====

/// A Length-Prefixed-Message with any Compressed-Flag and payload.
pub(crate) fn framed(flag: u8, payload: &[u8]) -> Bytes {
    let mut buf = BytesMut::with_capacity(5 + payload.len());
    buf.put_u8(flag);
    buf.put_u32(u32::try_from(payload.len()).unwrap());
    buf.put_slice(payload);
    buf.freeze()
}

/// `message` as a Length-Prefixed-Message with Compressed-Flag 0.
pub(crate) fn framed_message<M: Message>(message: &M) -> Bytes {
    framed(0, &message.encode_to_bytes())
}

/// The payloads of the Length-Prefixed-Messages in `data`; panics on anything else.
pub(crate) fn messages_in(mut data: &[u8]) -> Vec<Bytes> {
    let mut messages = Vec::new();
    while !data.is_empty() {
        assert!(data.len() >= 5, "a partial prefix: {data:?}");
        assert_eq!(data[0], 0, "Compressed-Flag");
        let len = u32::from_be_bytes(data[1..5].try_into().unwrap()) as usize;
        assert!(data.len() >= 5 + len, "a partial message");
        messages.push(Bytes::copy_from_slice(&data[5..5 + len]));
        data = &data[5 + len..];
    }
    messages
}

// ===== A raw client =====

/// An HTTP/2 connection to `addr`, made with `h2` alone.
#[derive(Debug, Clone)]
pub(crate) struct RawClient {
    addr: SocketAddr,
    send: h2::client::SendRequest<Bytes>,
}

impl RawClient {
    pub(crate) async fn connect(addr: SocketAddr) -> Self {
        let tcp = TcpStream::connect(addr).await.unwrap();
        let (send, connection) = h2::client::handshake(tcp).await.unwrap();
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Self { addr, send }
    }

    /// A well-formed gRPC request for `path`, to modify before sending.
    pub(crate) fn request(&self, path: &str) -> http::Request<()> {
        http::Request::builder()
            .method("POST")
            .uri(format!("http://{}{path}", self.addr))
            .header("content-type", "application/grpc")
            .header("te", "trailers")
            .body(())
            .unwrap()
    }

    /// Sends the request headers (with END_STREAM if `end_of_stream`).
    pub(crate) async fn start(
        &self,
        request: http::Request<()>,
        end_of_stream: bool,
    ) -> (h2::client::ResponseFuture, h2::SendStream<Bytes>) {
        let mut send = self.send.clone().ready().await.unwrap();
        send.send_request(request, end_of_stream).unwrap()
    }

    /// Sends `request` with `body` as one DATA frame ending the stream, and reads the answer.
    pub(crate) async fn call(&self, request: http::Request<()>, body: Bytes) -> Answer {
        let (response, mut stream) = self.start(request, false).await;
        stream.send_data(body, true).unwrap();
        read_answer(response).await
    }
}

/// Everything a server answered on one stream.
#[derive(Debug)]
pub(crate) struct Answer {
    /// `:status`, or `None` if the stream was reset before any response.
    pub(crate) status: Option<http::StatusCode>,
    pub(crate) headers: HeaderMap,
    /// The response HEADERS carried END_STREAM: Trailers-Only (or a bare HTTP error).
    pub(crate) headers_only: bool,
    pub(crate) data: BytesMut,
    pub(crate) trailers: Option<HeaderMap>,
    /// How the stream ended if not cleanly: RST_STREAM or a connection error.
    pub(crate) error: Option<h2::Error>,
}

impl Answer {
    /// Where the status is: the trailers, or the one HEADERS block of Trailers-Only.
    pub(crate) fn status_headers(&self) -> Option<&HeaderMap> {
        if self.headers_only {
            Some(&self.headers)
        } else {
            self.trailers.as_ref()
        }
    }

    pub(crate) fn grpc_status(&self) -> Option<Code> {
        let value = self.status_headers()?.get("grpc-status")?;
        Some(Code::parse(value.as_bytes()))
    }

    pub(crate) fn grpc_message(&self) -> String {
        self.status_headers()
            .and_then(|h| h.get("grpc-message"))
            .map(|v| percent_decode(v.as_bytes()))
            .unwrap_or_default()
    }

    /// Asserts the shape of a Trailers-Only answer with `code`, and returns its message.
    pub(crate) fn assert_trailers_only(&self, http_status: u16, code: Code) -> String {
        assert_eq!(
            self.status.map(|s| s.as_u16()),
            Some(http_status),
            "{self:#?}"
        );
        assert!(self.headers_only, "not a single HEADERS frame: {self:#?}");
        assert!(self.data.is_empty(), "{self:#?}");
        assert_eq!(
            self.headers.get("content-type"),
            Some(&HeaderValue::from_static("application/grpc")),
            "{self:#?}"
        );
        assert_eq!(self.grpc_status(), Some(code), "{self:#?}");
        self.grpc_message()
    }
}

/// Reads a whole response: headers, DATA (releasing flow control), trailers.
pub(crate) async fn read_answer(response: h2::client::ResponseFuture) -> Answer {
    within("the raw client's answer", async {
        let mut answer = Answer {
            status: None,
            headers: HeaderMap::new(),
            headers_only: false,
            data: BytesMut::new(),
            trailers: None,
            error: None,
        };
        let response = match response.await {
            Ok(response) => response,
            Err(error) => {
                answer.error = Some(error);
                return answer;
            }
        };
        let (parts, mut body) = response.into_parts();
        answer.status = Some(parts.status);
        answer.headers = parts.headers;
        answer.headers_only = body.is_end_stream();
        while let Some(chunk) = body.data().await {
            match chunk {
                Ok(chunk) => {
                    let _ = body.flow_control().release_capacity(chunk.len());
                    answer.data.extend_from_slice(&chunk);
                }
                Err(error) => {
                    answer.error = Some(error);
                    return answer;
                }
            }
        }
        match body.trailers().await {
            Ok(trailers) => answer.trailers = trailers,
            Err(error) => answer.error = Some(error),
        }
        answer
    })
    .await
}

// ===== A raw server =====

/// One request received by a [`RawServer`], for the test to answer by hand.
#[derive(Debug)]
pub(crate) struct RawCall {
    pub(crate) request: http::Request<h2::RecvStream>,
    pub(crate) respond: h2::server::SendResponse<Bytes>,
    /// Which connection it came on: 0 for the first accepted, then 1, ...
    pub(crate) connection: usize,
    pub(crate) control: ConnectionControl,
}

impl RawCall {
    /// Reads the whole request body (releasing flow control as it goes).
    pub(crate) async fn body(&mut self) -> Bytes {
        let body = self.request.body_mut();
        let mut data = BytesMut::new();
        while let Some(chunk) = within("the request body", body.data()).await {
            let chunk = chunk.unwrap();
            let _ = body.flow_control().release_capacity(chunk.len());
            data.extend_from_slice(&chunk);
        }
        data.freeze()
    }

    /// Sends Response-Headers `:status 200`, `content-type: application/grpc`.
    pub(crate) fn send_grpc_headers(&mut self) -> h2::SendStream<Bytes> {
        let response = http::Response::builder()
            .header("content-type", "application/grpc")
            .body(())
            .unwrap();
        self.respond.send_response(response, false).unwrap()
    }

    /// Answers with a single HEADERS frame ending the stream.
    pub(crate) fn send_headers_only(&mut self, response: http::Response<()>) {
        self.respond.send_response(response, true).unwrap();
    }
}

/// Trailers holding `grpc-status` and the other `fields`.
pub(crate) fn trailers(fields: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in fields {
        map.append(*name, HeaderValue::from_static(value));
    }
    map
}

/// What a test can do to the connection a call came on.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionControl(mpsc::UnboundedSender<Command>);

#[derive(Debug)]
enum Command {
    GracefulShutdown(oneshot::Sender<()>),
    Drop,
}

impl ConnectionControl {
    /// h2's graceful shutdown: GOAWAY covering every stream already open. Returns once h2 has
    /// it, so that frames queued afterwards go out after the GOAWAY.
    pub(crate) async fn graceful_shutdown(&self) {
        let (done, applied) = oneshot::channel();
        let _ = self.0.send(Command::GracefulShutdown(done));
        let _ = within("the GOAWAY to be queued", applied).await;
    }

    /// Drops the connection, closing the socket without GOAWAY.
    pub(crate) fn drop_connection(&self) {
        let _ = self.0.send(Command::Drop);
    }
}

/// An HTTP/2 server made with `h2` alone: every request is handed to the test as a [`RawCall`].
#[derive(Debug)]
pub(crate) struct RawServer {
    pub(crate) target: String,
    calls: mpsc::UnboundedReceiver<RawCall>,
    closed: mpsc::UnboundedReceiver<usize>,
}

impl RawServer {
    pub(crate) async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (calls_tx, calls) = mpsc::unbounded_channel();
        let (closed_tx, closed) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            for index in 0.. {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(tcp, index, calls_tx.clone(), closed_tx.clone()));
            }
        });
        Self {
            target: format!("http://{addr}"),
            calls,
            closed,
        }
    }

    /// The next request, on any connection.
    pub(crate) async fn next_call(&mut self) -> RawCall {
        within("a request at the raw server", self.calls.recv())
            .await
            .expect("the raw server stopped")
    }

    /// Waits for a connection to close; returns its index.
    pub(crate) async fn next_closed(&mut self) -> usize {
        within("a connection to close", self.closed.recv())
            .await
            .expect("the raw server stopped")
    }
}

async fn serve(
    tcp: TcpStream,
    index: usize,
    calls: mpsc::UnboundedSender<RawCall>,
    closed: mpsc::UnboundedSender<usize>,
) {
    let Ok(mut connection) = h2::server::handshake(tcp).await else {
        let _ = closed.send(index);
        return;
    };
    let (commands_tx, mut commands) = mpsc::unbounded_channel();
    let control = ConnectionControl(commands_tx);
    loop {
        tokio::select! {
            accepted = connection.accept() => match accepted {
                Some(Ok((request, respond))) => {
                    let call = RawCall { request, respond, connection: index, control: control.clone() };
                    let _ = calls.send(call);
                }
                Some(Err(_)) | None => break,
            },
            Some(command) = commands.recv() => match command {
                Command::GracefulShutdown(done) => {
                    connection.graceful_shutdown();
                    let _ = done.send(());
                }
                Command::Drop => break,
            },
        }
    }
    drop(connection);
    let _ = closed.send(index);
}
