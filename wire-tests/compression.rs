//! Message compression end to end (`src/compression.rs`): every pair of encodings over the four
//! kinds of call, negotiation, per-message choices, and what a peer can break: unknown
//! encodings both ways, corrupt payloads, decompression bombs.
//!
//! tonic, with its gzip and deflate features, is the independent peer here, both ways; grpcio's
//! compressed interop cases are in `wire-tests/interop.rs`; that a bomb cannot allocate past
//! the limit is counted in `wire-tests/bomb.rs`.

use bytes::Bytes;
use h2grpc::client::{Channel, ChannelConfig};
use h2grpc::compression::{Encoding, EncodingSet};
use h2grpc::metadata::Metadata;
use h2grpc::protobuf::Message;
use h2grpc::rpc::{Request, Response, Sender, Streaming};
use h2grpc::server::Server;
use h2grpc::status::{Code, Status};
use http::HeaderValue;

use crate::support::messages::Blob;
use crate::support::net::{TestServer, within};
use crate::support::raw_h2::{Answer, RawClient, RawServer, framed, trailers};

const ECHO: &str = "/test.Compress/Echo";
const STREAM: &str = "/test.Compress/Stream";
const COUNT: &str = "/test.Compress/Count";
const BIDI: &str = "/test.Compress/Bidi";

/// A message that compresses well: 20 KB of one byte.
fn compressible(id: u64) -> Blob {
    Blob::with_body(id, 20_000)
}

/// `x-compress: on|off` in the request metadata: the handler's per-call choice.
fn handler_choice(metadata: &Metadata) -> Option<bool> {
    match metadata.get("x-compress") {
        Some("on") => Some(true),
        Some("off") => Some(false),
        _ => None,
    }
}

/// How a request arrived, for the client to check: `x-request-compressed` (the message's
/// flag, or the number of flagged messages of a stream) and `x-request-encoding`.
fn report(compressed: impl ToString, encoding: Option<Encoding>) -> Metadata {
    let mut metadata = Metadata::new();
    metadata
        .insert("x-request-compressed", &compressed.to_string())
        .unwrap();
    metadata
        .insert(
            "x-request-encoding",
            encoding.map_or("identity", Encoding::name),
        )
        .unwrap();
    metadata
}

/// The test service, one method of each kind:
/// - Echo (unary): the blob back, compressed as `x-compress` says (or the server's default);
/// - Stream (server streaming): `id` blobs, every other one sent with `send_uncompressed`
///   when `x-mixed` is set;
/// - Count (client streaming): how many messages came, and how many were compressed;
/// - Bidi: each blob back, with the server's default compression.
fn service(server: Server) -> Server {
    server
        .unary(ECHO, |request: Request<Blob>| async move {
            let metadata = report(request.is_compressed(), request.compression());
            let choice = handler_choice(request.metadata());
            let mut response = Response::new(request.into_inner());
            *response.metadata_mut() = metadata;
            if let Some(compress) = choice {
                response.set_compressed(compress);
            }
            Ok(response)
        })
        .server_streaming(
            STREAM,
            |request: Request<Blob>, mut replies: Sender<Blob>| async move {
                if let Some(compress) = handler_choice(request.metadata()) {
                    replies.set_compressed(compress);
                }
                let mixed = request.metadata().get("x-mixed").is_some();
                for id in 0..request.get_ref().id {
                    if mixed && id % 2 == 1 {
                        replies.send_uncompressed(&compressible(id)).await?;
                    } else {
                        replies.send(&compressible(id)).await?;
                    }
                }
                Ok(())
            },
        )
        .client_streaming(COUNT, |request: Request<Streaming<Blob>>| async move {
            let encoding = request.compression();
            let mut blobs = request.into_inner();
            let (mut count, mut compressed) = (0, 0);
            while let Some(blob) = blobs.message().await? {
                assert!(blob.is_intact());
                count += 1;
                compressed += u64::from(blobs.last_compressed());
            }
            let mut response = Response::new(Blob::with_body(count, 0));
            *response.metadata_mut() = report(compressed, encoding);
            Ok(response)
        })
        .bidi_streaming(
            BIDI,
            |request: Request<Streaming<Blob>>, mut replies: Sender<Blob>| async move {
                let mut blobs = request.into_inner();
                while let Some(blob) = blobs.message().await? {
                    replies.send(&blob).await?;
                }
                Ok(())
            },
        )
}

fn channel(server: &TestServer, config: ChannelConfig) -> Channel {
    Channel::new(&server.target, config).unwrap()
}

fn sending(encoding: Option<Encoding>) -> ChannelConfig {
    ChannelConfig {
        send_compressed: encoding,
        ..ChannelConfig::default()
    }
}

fn name(encoding: Option<Encoding>) -> &'static str {
    encoding.map_or("identity", Encoding::name)
}

const ENCODINGS: [Option<Encoding>; 3] = [None, Some(Encoding::Gzip), Some(Encoding::Deflate)];

/// Every client encoding × every server encoding, over the four kinds of call: what each side
/// sent compressed arrives compressed, with the encoding it named, and intact.
#[tokio::test]
async fn every_pair_of_encodings() {
    for server_encoding in ENCODINGS {
        let mut server = service(Server::new());
        if let Some(encoding) = server_encoding {
            server = server.send_compressed(encoding);
        }
        let server = TestServer::start(server).await;
        for client_encoding in ENCODINGS {
            let case = format!(
                "client {} / server {}",
                name(client_encoding),
                name(server_encoding)
            );
            let channel = channel(&server, sending(client_encoding));
            let client_compresses = client_encoding.is_some().to_string();
            let server_compresses = server_encoding.is_some();

            // Unary.
            let response: Response<Blob> = channel
                .unary(ECHO, Request::new(compressible(1)))
                .await
                .unwrap_or_else(|status| panic!("{case}: {status}"));
            let metadata = response.metadata();
            assert_eq!(
                metadata.get("x-request-compressed"),
                Some(&*client_compresses),
                "{case}"
            );
            assert_eq!(
                metadata.get("x-request-encoding"),
                Some(name(client_encoding)),
                "{case}"
            );
            assert_eq!(response.compressed(), Some(server_compresses), "{case}");
            assert_eq!(response.get_ref(), &compressible(1), "{case}");

            // Server streaming: every message compressed as the server's default says.
            let mut replies: Streaming<Blob> = channel
                .server_streaming(STREAM, Request::new(Blob::with_body(3, 0)))
                .await
                .unwrap();
            let mut ids = Vec::new();
            while let Some(blob) = replies.message().await.unwrap() {
                assert_eq!(replies.last_compressed(), server_compresses, "{case}");
                assert!(blob.is_intact());
                ids.push(blob.id);
            }
            assert_eq!(ids, [0, 1, 2], "{case}");

            // Client streaming: every message compressed as the client's default says.
            let mut count = channel
                .client_streaming::<Blob, Blob>(COUNT, Request::new(()))
                .await
                .unwrap();
            for id in 0..3 {
                count.send(&compressible(id)).await.unwrap();
            }
            let response = count.finish().await.unwrap();
            let flagged = if client_encoding.is_some() { "3" } else { "0" };
            assert_eq!(
                response.metadata().get("x-request-compressed"),
                Some(flagged),
                "{case}"
            );
            assert_eq!(response.get_ref().id, 3, "{case}");
            assert_eq!(response.compressed(), Some(server_compresses), "{case}");

            // Bidi: both directions at once.
            let (mut blobs, mut replies) = channel
                .bidi_streaming::<Blob, Blob>(BIDI, Request::new(()))
                .await
                .unwrap();
            for id in 0..3 {
                blobs.send(&compressible(id)).await.unwrap();
                let reply = replies.message().await.unwrap().unwrap();
                assert_eq!(reply, compressible(id), "{case}");
                assert_eq!(replies.last_compressed(), server_compresses, "{case}");
            }
            blobs.finish().await.unwrap();
            assert_eq!(replies.message().await.unwrap(), None, "{case}");
        }
    }
}

/// A raw request that accepts `accept` (the whole `grpc-accept-encoding` value), with one
/// uncompressed Blob, and the answer.
async fn raw_echo(raw: &RawClient, accept: Option<&str>, compress: Option<&str>) -> Answer {
    let mut request = raw.request(ECHO);
    if let Some(accept) = accept {
        request.headers_mut().insert(
            "grpc-accept-encoding",
            HeaderValue::from_str(accept).unwrap(),
        );
    }
    if let Some(choice) = compress {
        request
            .headers_mut()
            .insert("x-compress", HeaderValue::from_str(choice).unwrap());
    }
    raw.call(request, framed(0, &compressible(7).encode_to_bytes()))
        .await
}

/// The one message of an OK answer: its Compressed-Flag and its bytes as sent.
fn only_message(answer: &Answer) -> (u8, Bytes) {
    assert_eq!(answer.grpc_status(), Some(Code::Ok), "{answer:#?}");
    let data = &answer.data;
    assert!(data.len() >= 5, "{answer:#?}");
    let len = u32::from_be_bytes([data[1], data[2], data[3], data[4]]) as usize;
    assert_eq!(data.len(), 5 + len, "one message only: {answer:#?}");
    (data[0], Bytes::copy_from_slice(&data[5..]))
}

/// On the wire, each algorithm is what its name says (gzip's `1f 8b 08`, zlib's `78 9c`), and
/// the server compresses only with an encoding the client listed: the server's own if listed,
/// otherwise (when the handler asks) the first h2grpc prefers among the listed ones.
#[tokio::test]
async fn the_server_answers_only_in_an_accepted_encoding() {
    let server = TestServer::start(service(Server::new()).send_compressed(Encoding::Gzip)).await;
    let raw = RawClient::connect(server.addr).await;
    let cases: [(Option<&str>, Option<&str>, Option<&str>); 8] = [
        // (grpc-accept-encoding, x-compress) → the response's grpc-encoding
        (Some("gzip"), None, Some("gzip")),
        (Some("deflate, gzip"), None, Some("gzip")),
        (Some("deflate"), None, None), // the server's gzip is not accepted: uncompressed
        (Some("deflate"), Some("on"), Some("deflate")), // the handler asks: deflate it is
        (Some("identity"), Some("on"), None),
        (Some("snappy,br"), Some("on"), None),
        (None, Some("on"), None), // no header: identity only
        (Some("gzip"), Some("off"), None),
    ];
    for (accept, compress, expected) in cases {
        let case = format!("accept {accept:?}, x-compress {compress:?}");
        let answer = raw_echo(&raw, accept, compress).await;
        let encoding = answer
            .headers
            .get("grpc-encoding")
            .map(|v| v.to_str().unwrap());
        assert_eq!(encoding, expected, "{case}: {answer:#?}");
        let (flag, body) = only_message(&answer);
        let blob = match expected {
            None => {
                assert_eq!(flag, 0, "{case}");
                Blob::decode(body).unwrap()
            }
            Some(name) => {
                assert_eq!(flag, 1, "{case}");
                let magic: &[u8] = if name == "gzip" {
                    &[0x1f, 0x8b, 0x08]
                } else {
                    &[0x78, 0x9c]
                };
                assert!(body.starts_with(magic), "{case}: {:02x?}", &body[..4]);
                assert!(body.len() < 1000, "{case}: {} bytes", body.len());
                let encoding = Encoding::parse(name.as_bytes()).unwrap();
                Blob::decode(Bytes::from(encoding.decompress(&body, 1 << 20).unwrap())).unwrap()
            }
        };
        assert_eq!(blob, compressible(7), "{case}");
    }
}

/// The h2grpc client advertises every encoding by default and decompresses whatever it
/// supports; with `accept_compressed` narrowed, the server picks within it.
#[tokio::test]
async fn the_client_advertises_what_it_accepts() {
    let server = TestServer::start(service(Server::new()).send_compressed(Encoding::Deflate)).await;
    for (accept, compressed) in [
        (EncodingSet::ALL, true),
        (EncodingSet::of(&[Encoding::Deflate]), true),
        (EncodingSet::of(&[Encoding::Gzip]), false),
        (EncodingSet::IDENTITY, false),
    ] {
        let config = ChannelConfig {
            accept_compressed: accept,
            ..ChannelConfig::default()
        };
        let response: Response<Blob> = channel(&server, config)
            .unary(ECHO, Request::new(compressible(2)))
            .await
            .unwrap();
        assert_eq!(response.compressed(), Some(compressed), "{accept:?}");
        assert_eq!(response.get_ref(), &compressible(2));
    }
}

/// A call can choose its own request compression over the channel's, identity included.
#[tokio::test]
async fn a_call_overrides_the_channel() {
    let server = TestServer::start(service(Server::new())).await;
    let channel = channel(&server, sending(Some(Encoding::Gzip)));
    for (choice, flagged, encoding) in [
        (None, "true", "gzip"),
        (Some(Encoding::Deflate), "true", "deflate"),
        (Some(Encoding::Identity), "false", "identity"),
    ] {
        let mut request = Request::new(compressible(3));
        if let Some(choice) = choice {
            request.set_compression(choice);
        }
        let response: Response<Blob> = channel.unary(ECHO, request).await.unwrap();
        assert_eq!(
            response.metadata().get("x-request-compressed"),
            Some(flagged)
        );
        assert_eq!(
            response.metadata().get("x-request-encoding"),
            Some(encoding)
        );
    }
}

/// Compression turned off for single messages, in both directions: one stream mixes
/// Compressed-Flag 1 and 0 (what the server_compressed_streaming interop case needs).
#[tokio::test]
async fn per_message_choice_mixes_flags_in_one_stream() {
    // Server to client: the handler turns compression on for the call, then sends every other
    // message uncompressed. The server itself does not compress by default.
    let server = TestServer::start(service(Server::new())).await;
    let channel = server.channel().await;
    let mut request = Request::new(Blob::with_body(4, 0));
    request.metadata_mut().insert("x-compress", "on").unwrap();
    request.metadata_mut().insert("x-mixed", "yes").unwrap();
    let mut replies: Streaming<Blob> = channel.server_streaming(STREAM, request).await.unwrap();
    let mut flags = Vec::new();
    while let Some(blob) = replies.message().await.unwrap() {
        assert!(blob.is_intact());
        flags.push(replies.last_compressed());
    }
    assert_eq!(flags, [true, false, true, false]);

    // The same on the wire, from a raw client.
    let raw = RawClient::connect(server.addr).await;
    let mut request = raw.request(STREAM);
    for (name, value) in [
        ("grpc-accept-encoding", "deflate"),
        ("x-compress", "on"),
        ("x-mixed", "1"),
    ] {
        request
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    let answer = raw
        .call(request, framed(0, &Blob::with_body(3, 0).encode_to_bytes()))
        .await;
    assert_eq!(answer.headers.get("grpc-encoding").unwrap(), "deflate");
    let mut data = &answer.data[..];
    let mut wire_flags = Vec::new();
    while !data.is_empty() {
        let len = u32::from_be_bytes([data[1], data[2], data[3], data[4]]) as usize;
        wire_flags.push(data[0]);
        data = &data[5 + len..];
    }
    assert_eq!(wire_flags, [1, 0, 1]);

    // Client to server: a gzip call whose second and fourth messages go uncompressed.
    let channel = Channel::new(&server.target, sending(Some(Encoding::Gzip))).unwrap();
    let mut count = channel
        .client_streaming::<Blob, Blob>(COUNT, Request::new(()))
        .await
        .unwrap();
    for id in 0..4 {
        if id % 2 == 1 {
            count.send_uncompressed(&compressible(id)).await.unwrap();
        } else {
            count.send(&compressible(id)).await.unwrap();
        }
    }
    let response = count.finish().await.unwrap();
    assert_eq!(response.get_ref().id, 4);
    assert_eq!(response.metadata().get("x-request-compressed"), Some("2"));
}

/// An encoding the server does not support: UNIMPLEMENTED, Trailers-Only, with the server's
/// `grpc-accept-encoding`, which does not list the refused one. `identity` always passes.
#[tokio::test]
async fn an_unsupported_request_encoding_is_unimplemented() {
    let only_gzip = service(Server::new()).accept_compressed(EncodingSet::of(&[Encoding::Gzip]));
    let server = TestServer::start(only_gzip).await;
    let raw = RawClient::connect(server.addr).await;
    for (encoding, accepted) in [("br", "gzip,identity"), ("deflate", "gzip,identity")] {
        let mut request = raw.request(ECHO);
        request
            .headers_mut()
            .insert("grpc-encoding", HeaderValue::from_static(encoding));
        let answer = raw.call(request, framed(1, b"whatever")).await;
        let message = answer.assert_trailers_only(200, Code::Unimplemented);
        assert!(message.contains(encoding), "{message}");
        assert_eq!(
            answer.headers.get("grpc-accept-encoding").unwrap(),
            accepted
        );
    }
    let mut request = raw.request(ECHO);
    request
        .headers_mut()
        .insert("grpc-encoding", HeaderValue::from_static("identity"));
    let answer = raw
        .call(request, framed(0, &compressible(1).encode_to_bytes()))
        .await;
    assert_eq!(only_message(&answer).0, 0);

    // The h2grpc client sees the code.
    let channel = channel(&server, sending(Some(Encoding::Deflate)));
    let status = channel
        .unary::<Blob, Blob>(ECHO, Request::new(compressible(1)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented, "{status}");
    let response: Response<Blob> = channel
        .unary(
            ECHO,
            Request::new(compressible(1)).with_compression(Encoding::Gzip),
        )
        .await
        .unwrap();
    assert_eq!(response.metadata().get("x-request-encoding"), Some("gzip"));
}

/// Requests the server cannot decompress: INTERNAL; over the limit once decompressed:
/// RESOURCE_EXHAUSTED (a 10 MiB gzip bomb of about 10 KiB against the default 4 MiB).
#[tokio::test]
async fn corrupt_and_oversized_requests() {
    let server = TestServer::start(service(Server::new())).await;
    let raw = RawClient::connect(server.addr).await;
    let plain = compressible(1).encode_to_vec();
    let mut gzip = Vec::new();
    Encoding::Gzip.compress(&plain, &mut gzip);
    let truncated = &gzip[..gzip.len() - 4];
    let mut zlib = Vec::new();
    Encoding::Deflate.compress(&plain, &mut zlib);
    let bomb = bomb(Encoding::Gzip);
    let cases: [(&'static str, u8, &[u8], Code); 6] = [
        ("gzip", 1, b"not gzip", Code::Internal),
        ("gzip", 1, truncated, Code::Internal),
        ("gzip", 1, &zlib, Code::Internal), // zlib bytes under a gzip name
        ("identity", 1, &gzip, Code::Internal), // flag 1 without an encoding
        ("gzip", 1, &bomb, Code::ResourceExhausted),
        ("gzip", 1, &gzip, Code::Ok), // the control
    ];
    for (encoding, flag, payload, code) in cases {
        let mut request = raw.request(ECHO);
        request
            .headers_mut()
            .insert("grpc-encoding", HeaderValue::from_static(encoding));
        let answer = raw.call(request, framed(flag, payload)).await;
        assert_eq!(
            answer.grpc_status(),
            Some(code),
            "{encoding} {} bytes: {answer:#?}",
            payload.len()
        );
    }
}

/// 10 MiB of zeros, compressed: about 10 KiB on the wire.
fn bomb(encoding: Encoding) -> Vec<u8> {
    let mut out = Vec::new();
    encoding.compress(&vec![0u8; 10 * 1024 * 1024], &mut out);
    assert!(out.len() < 16 * 1024, "{} bytes", out.len());
    out
}

/// A header field a raw server sends.
type Header = (&'static str, &'static str);

/// Answers one unary call from a raw server with Response-Headers `headers`, one message and OK.
async fn answer_raw(server: &mut RawServer, headers: &[Header], message: Bytes) {
    let mut call = server.next_call().await;
    let _ = call.body().await;
    let mut response = http::Response::builder();
    for (name, value) in headers {
        response = response.header(*name, *value);
    }
    let response = response.body(()).unwrap();
    // The client may have given up on the headers alone and reset the stream: errors from
    // here on are expected, not the test's concern.
    let Ok(mut stream) = call.respond.send_response(response, false) else {
        return;
    };
    let _ = stream.send_data(message, false);
    let _ = stream.send_trailers(trailers(&[("grpc-status", "0")]));
}

/// Responses the client cannot decompress: an encoding it does not support (INTERNAL, as the
/// spec says; tonic says UNIMPLEMENTED), corrupt bytes (INTERNAL), flag 1 without an encoding
/// (INTERNAL), a bomb (RESOURCE_EXHAUSTED).
#[tokio::test]
async fn responses_the_client_refuses() {
    let mut server = RawServer::start().await;
    let channel = within("connecting", Channel::connect(&server.target))
        .await
        .unwrap();
    let mut gzip = Vec::new();
    Encoding::Gzip.compress(&compressible(5).encode_to_vec(), &mut gzip);
    let bomb = bomb(Encoding::Deflate);
    let ct = ("content-type", "application/grpc");
    let cases: [(&[Header], Bytes, Code); 5] = [
        (
            &[ct, ("grpc-encoding", "snappy")],
            framed(1, &gzip),
            Code::Internal,
        ),
        (
            &[ct, ("grpc-encoding", "gzip")],
            framed(1, b"\x1f\x8b garbage"),
            Code::Internal,
        ),
        (&[ct], framed(1, &gzip), Code::Internal),
        (
            &[ct, ("grpc-encoding", "deflate")],
            framed(1, &bomb),
            Code::ResourceExhausted,
        ),
        (&[ct, ("grpc-encoding", "gzip")], framed(1, &gzip), Code::Ok), // the control
    ];
    for (headers, message, code) in cases {
        let call = {
            let channel = channel.clone();
            tokio::spawn(async move {
                channel
                    .unary::<Blob, Blob>(ECHO, Request::new(Blob::with_body(1, 0)))
                    .await
            })
        };
        answer_raw(&mut server, headers, message).await;
        let outcome = within("the call", call).await.unwrap();
        match outcome {
            Ok(response) => {
                assert_eq!(code, Code::Ok, "{headers:?}");
                assert_eq!(response.get_ref(), &compressible(5));
                assert_eq!(response.compressed(), Some(true));
            }
            Err(status) => assert_eq!(status.code(), code, "{headers:?}: {status}"),
        }
    }
}

/// The request headers the h2grpc client sends: `grpc-encoding` only when it compresses,
/// `grpc-accept-encoding` with what it accepts.
#[tokio::test]
async fn request_headers_on_the_wire() {
    let mut server = RawServer::start().await;
    for (config, encoding, accept) in [
        (
            ChannelConfig::default(),
            None,
            Some("gzip,deflate,identity"),
        ),
        (
            sending(Some(Encoding::Deflate)),
            Some("deflate"),
            Some("gzip,deflate,identity"),
        ),
        (
            ChannelConfig {
                accept_compressed: EncodingSet::IDENTITY,
                send_compressed: Some(Encoding::Gzip),
                ..ChannelConfig::default()
            },
            Some("gzip"),
            None,
        ),
    ] {
        let channel = Channel::new(&server.target, config).unwrap();
        let call = tokio::spawn(async move {
            channel
                .unary::<Blob, Blob>(ECHO, Request::new(compressible(1)))
                .await
        });
        let mut raw = server.next_call().await;
        let headers = raw.request.headers().clone();
        let get = |name| headers.get(name).map(|v: &HeaderValue| v.to_str().unwrap());
        assert_eq!(get("grpc-encoding"), encoding);
        assert_eq!(get("grpc-accept-encoding"), accept);
        let body = raw.body().await;
        assert_eq!(body[0], u8::from(encoding.is_some()));
        raw.send_headers_only(
            http::Response::builder()
                .header("content-type", "application/grpc")
                .header("grpc-status", "13")
                .body(())
                .unwrap(),
        );
        let status: Status = within("the call", call).await.unwrap().unwrap_err();
        assert_eq!(status.code(), Code::Internal);
    }
}

/// The receive limit bounds the decompressed size on the client as on the server, and a
/// message just under it passes.
#[tokio::test]
async fn the_limit_is_on_the_decompressed_size() {
    let limits = h2grpc::server::Limits {
        max_recv_message_size: 100_000,
        max_send_message_size: 1 << 20,
    };
    let server = TestServer::start(service(Server::new()).limits(limits)).await;
    let channel = channel(&server, sending(Some(Encoding::Gzip)));
    // 100,000 bytes of message pass; 100,001 do not, though each is a few hundred on the wire.
    let fits = Blob::of_encoded_len(1, 100_000);
    let response: Response<Blob> = channel
        .unary(ECHO, Request::new(fits.clone()))
        .await
        .unwrap();
    assert_eq!(response.get_ref(), &fits);
    let status = channel
        .unary::<Blob, Blob>(ECHO, Request::new(Blob::of_encoded_len(1, 100_001)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status}");
}

/// tonic (its `gzip` and `deflate` features) on the other side, both ways: a tonic client
/// sending compressed to an h2grpc server that answers compressed, and an h2grpc client sending
/// compressed to a tonic server that answers compressed.
#[tokio::test]
async fn tonic_both_ways() {
    use h2grpc::services::hello::{self, HelloReply, HelloRequest};
    use tonic_peer::pb::hello::greeter_client::GreeterClient;
    use tonic_peer::pb::hello::greeter_server::GreeterServer;
    use tonic_peer::tonic::codec::CompressionEncoding;
    use tonic_peer::tonic::transport::server::TcpIncoming;

    for (ours, theirs) in [
        (Encoding::Gzip, CompressionEncoding::Gzip),
        (Encoding::Deflate, CompressionEncoding::Deflate),
    ] {
        // tonic → h2grpc: the handler says whether the request came compressed.
        let server = Server::new().send_compressed(ours).unary(
            hello::SAY_HELLO,
            |request: Request<HelloRequest>| async move {
                let compressed = request.is_compressed();
                let encoding = request.compression().map_or("identity", Encoding::name);
                Ok(Response::new(HelloReply {
                    message: format!("{} {compressed} {encoding}", request.get_ref().name).into(),
                }))
            },
        );
        let server = TestServer::start(server).await;
        let mut client = GreeterClient::connect(server.target.clone())
            .await
            .unwrap()
            .send_compressed(theirs)
            .accept_compressed(theirs);
        let request = tonic_peer::pb::hello::HelloRequest {
            name: "tonic".repeat(100),
        };
        let reply = client.say_hello(request).await.unwrap();
        let expected = format!("{} true {}", "tonic".repeat(100), ours.name());
        assert_eq!(reply.get_ref().message, expected);

        // h2grpc → tonic: tonic decompresses the request and compresses its answer.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let service = GreeterServer::new(tonic_peer::HelloGreeter)
            .accept_compressed(theirs)
            .send_compressed(theirs);
        let tonic_server = tokio::spawn(
            tonic_peer::tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming_shutdown(TcpIncoming::from(listener), async {
                    let _ = stopped.await;
                }),
        );
        let channel = Channel::new(&target, sending(Some(ours))).unwrap();
        let request = Request::new(HelloRequest {
            name: "h2grpc".repeat(100).into(),
        });
        let reply: Response<HelloReply> = channel.unary(hello::SAY_HELLO, request).await.unwrap();
        assert_eq!(reply.compressed(), Some(true), "{ours}");
        assert_eq!(
            reply.get_ref().message,
            format!("Hello, {}!", "h2grpc".repeat(100))
        );
        let _ = stop.send(());
        within("the tonic server to stop", tonic_server)
            .await
            .unwrap()
            .unwrap();
    }
}
