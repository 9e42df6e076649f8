//! The ceiling: a raw `h2` server that answers every request with the same fixed gRPC reply,
//! on a current-thread runtime. No routing, no decoding, no status logic: what anything built
//! on `h2` can at best do on one core.
//!
//! ```text
//! cargo bench --bench raw_h2_server -- --addr 127.0.0.1:50061
//! ```
//!
//! It reads the request body (and gives the window back), then sends `:status 200`,
//! `content-type: application/grpc`, a fixed reply chosen by the request's path, and
//! `grpc-status: 0`:
//!
//! | path | reply (one DATA write, prebuilt) |
//! |---|---|
//! | `/hello.Greeter/SayHelloStreamReply` | the three `HelloReply`s `"Hello, world! #1"` to `#3` |
//! | `/grpc.testing.TestService/StreamingOutputCall` | 1,000 `StreamingOutputCallResponse`s of 1 KiB payloads (whatever the request asked) |
//! | any other | `HelloReply { message: "Hello, world!" }` |

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response};

const REPLY: &[u8] = b"\x00\x00\x00\x00\x0f\x0a\x0dHello, world!";

/// Messages of the `StreamingOutputCall` reply, and the payload size of each.
const STREAM_1K: (usize, usize) = (1000, 1024);

/// The three replies of `SayHelloStreamReply`, framed back to back.
fn stream3() -> Bytes {
    let mut wire = Vec::new();
    for n in 1..=3 {
        let greeting = format!("Hello, world! #{n}");
        let message_len = u8::try_from(greeting.len() + 2).expect("short");
        wire.extend_from_slice(&[0, 0, 0, 0, message_len, 0x0a, message_len - 2]);
        wire.extend_from_slice(greeting.as_bytes());
    }
    Bytes::from(wire)
}

/// `StreamingOutputCallResponse { payload: { body: 1024 zeros } }`, 1,000 times, framed.
fn stream1k() -> Bytes {
    let (count, size) = STREAM_1K;
    // Payload: field 2 (body), length 1024 = varint 80 08.
    let mut payload = vec![0x12, 0x80, 0x08];
    payload.resize(payload.len() + size, 0);
    // Response: field 1 (payload), length 1027 = varint 83 08.
    let mut message = vec![0x0a, 0x83, 0x08];
    message.extend_from_slice(&payload);
    let len = u32::try_from(message.len()).expect("small");
    let mut wire = Vec::with_capacity(count * (5 + message.len()));
    for _ in 0..count {
        wire.push(0);
        wire.extend_from_slice(&len.to_be_bytes());
        wire.extend_from_slice(&message);
    }
    Bytes::from(wire)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(addr) = args
        .iter()
        .position(|a| a == "--addr")
        .and_then(|i| args.get(i + 1))
    else {
        // `cargo bench` and `cargo test --benches` run every bench target: nothing to measure.
        eprintln!("raw_h2_server: pass --addr HOST:PORT to serve");
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (three, thousand) = (stream3(), stream1k());
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        println!("listening on {}", listener.local_addr().unwrap());
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let _ = tcp.set_nodelay(true);
            let (three, thousand) = (three.clone(), thousand.clone());
            tokio::spawn(async move {
                let Ok(mut connection) = h2::server::Builder::new()
                    .initial_window_size(1024 * 1024)
                    .initial_connection_window_size(2 * 1024 * 1024)
                    .handshake::<_, Bytes>(tcp)
                    .await
                else {
                    return;
                };
                while let Some(Ok((request, mut respond))) = connection.accept().await {
                    let reply = match request.uri().path() {
                        "/hello.Greeter/SayHelloStreamReply" => three.clone(),
                        "/grpc.testing.TestService/StreamingOutputCall" => thousand.clone(),
                        _ => Bytes::from_static(REPLY),
                    };
                    tokio::spawn(async move {
                        let mut body = request.into_body();
                        while let Some(Ok(chunk)) = body.data().await {
                            let _ = body.flow_control().release_capacity(chunk.len());
                        }
                        let mut response = Response::new(());
                        response
                            .headers_mut()
                            .insert("content-type", HeaderValue::from_static("application/grpc"));
                        let Ok(mut stream) = respond.send_response(response, false) else {
                            return;
                        };
                        let _ = stream.send_data(reply, false);
                        let mut trailers = HeaderMap::new();
                        trailers.insert("grpc-status", HeaderValue::from_static("0"));
                        let _ = stream.send_trailers(trailers);
                    });
                }
            });
        }
    });
}
