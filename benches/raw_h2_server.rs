//! The ceiling: a raw `h2` server that answers every request with the same fixed gRPC reply,
//! on a current-thread runtime. No routing, no decoding, no status logic: what anything built
//! on `h2` can at best do on one core.
//!
//! ```text
//! cargo bench --bench raw_h2_server -- --addr 127.0.0.1:50061
//! ```
//!
//! It reads the request body (and gives the window back), then sends `:status 200`,
//! `content-type: application/grpc`, the `HelloReply { message: "Hello, world!" }` message and
//! `grpc-status: 0`.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response};

const REPLY: &[u8] = b"\x00\x00\x00\x00\x0f\x0a\x0dHello, world!";

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
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        println!("listening on {}", listener.local_addr().unwrap());
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let _ = tcp.set_nodelay(true);
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
                        let _ = stream.send_data(Bytes::from_static(REPLY), false);
                        let mut trailers = HeaderMap::new();
                        trailers.insert("grpc-status", HeaderValue::from_static("0"));
                        let _ = stream.send_trailers(trailers);
                    });
                }
            });
        }
    });
}
