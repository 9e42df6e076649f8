//! A whole server connection (`Server::serve_connection`, every service of
//! `services::register_all`) fed arbitrary bytes over an in-memory stream.
//!
//! Input: `[flags, bytes...]`. When bit 0 of `flags` is set, the HTTP/2 client preface goes
//! first, so the fuzzer starts past it; then the bytes, then the client's end of the stream.
//! The server's answers are read and dropped. The connection has 200 ms (real time) to end.
//! Asserts: no panic, in the connection's task or in any handler (libFuzzer's panic hook
//! aborts on a panic in any thread or task).
#![no_main]

use std::sync::Arc;
use std::time::Duration;

use h2grpc::server::Server;
use h2grpc::services::{self, Options};
use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// RFC 9113 §3.4: what a client sends first.
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// How long one input may keep the connection open.
const TIME_LIMIT: Duration = Duration::from_millis(200);

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let mut input = Vec::with_capacity(PREFACE.len() + rest.len());
    if flags & 1 != 0 {
        input.extend_from_slice(PREFACE);
    }
    input.extend_from_slice(rest);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async move {
        // A new server each time, so that no input sees what an earlier one stored.
        let server = Arc::new(services::register_all(Server::new(), &Options::default()));
        let (client, server_io) = tokio::io::duplex(64 * 1024);
        let connection = tokio::spawn(server.serve_connection(server_io));
        let (mut reader, mut writer) = tokio::io::split(client);
        let write = async move {
            let _ = writer.write_all(&input).await;
            let _ = writer.shutdown().await;
        };
        let drain = async move {
            let mut buf = vec![0; 16 * 1024];
            while let Ok(1..) = reader.read(&mut buf).await {}
        };
        let run = async move {
            let ((), (), ended) = tokio::join!(write, drain, connection);
            if let Err(error) = ended {
                if error.is_panic() {
                    std::panic::resume_unwind(error.into_panic());
                }
            }
        };
        let _ = tokio::time::timeout(TIME_LIMIT, run).await;
    });
});
