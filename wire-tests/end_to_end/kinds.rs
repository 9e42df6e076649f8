//! Every RPC kind, with empty messages, empty streams, large messages and the size limits.

use h2grpc::client::ChannelConfig;
use h2grpc::protobuf::Message;
use h2grpc::rpc::{Request, Response, Streaming};
use h2grpc::server::{Limits, Server};
use h2grpc::status::{Code, Status};

use super::{connect, connect_with};
use crate::support::messages::{Blob, Empty};
use crate::support::net::{TestServer, within};

const MIB: usize = 1024 * 1024;

/// Unary `Echo(Blob) -> Blob`; unary `Sized(Blob{id: n}) -> Blob` of `n` encoded bytes;
/// `Empty`; client-streaming `Sum` of the body lengths; server-streaming `Sizes` (the interop
/// sizes); bidi `PingPong`: one response of `id` body bytes per request.
fn blob_server() -> Server {
    Server::new()
        .unary("/test.Kinds/Empty", |_: Request<Empty>| async {
            Ok(Response::new(Empty {}))
        })
        .unary("/test.Kinds/Echo", |req: Request<Blob>| async move {
            Ok(Response::new(req.into_inner()))
        })
        .unary("/test.Kinds/Sized", |req: Request<Blob>| async move {
            let size = usize::try_from(req.get_ref().id).unwrap();
            Ok(Response::new(Blob::of_encoded_len(7, size)))
        })
        .client_streaming(
            "/test.Kinds/Sum",
            |req: Request<Streaming<Blob>>| async move {
                let mut stream = req.into_inner();
                let (mut count, mut total) = (0, 0);
                while let Some(blob) = stream.message().await? {
                    count += 1;
                    total += blob.body.len() as u64;
                }
                Ok(Response::new(Blob::with_body(total, count)))
            },
        )
        .server_streaming(
            "/test.Kinds/Sizes",
            |req: Request<Blob>, mut tx| async move {
                // `id` responses of the interop sizes, cycling.
                let sizes = [31_415, 9, 2_653, 58_979];
                for i in 0..req.get_ref().id {
                    let size = sizes[usize::try_from(i).unwrap() % sizes.len()];
                    tx.send(&Blob::with_body(i + 1, size)).await?;
                }
                Ok(())
            },
        )
        .bidi_streaming(
            "/test.Kinds/PingPong",
            |req: Request<Streaming<Blob>>, mut tx| async move {
                let mut stream = req.into_inner();
                while let Some(blob) = stream.message().await? {
                    let size = usize::try_from(blob.id).unwrap();
                    tx.send(&Blob::with_body(blob.id, size)).await?;
                }
                Ok(())
            },
        )
}

#[tokio::test]
async fn empty_unary() {
    let server = TestServer::start(blob_server()).await;
    let channel = connect(&server.target).await;
    let reply: Response<Empty> = channel
        .unary("/test.Kinds/Empty", Request::new(Empty {}))
        .await
        .unwrap();
    assert_eq!(reply.into_inner(), Empty {});
}

/// The interop sizes: 271,828 bytes up, 314,159 down (both beyond the 65,535-byte default
/// window), then 1 MiB each way.
#[tokio::test]
async fn large_unary() {
    let server = TestServer::start(blob_server()).await;
    let channel = connect(&server.target).await;
    let request = Blob::with_body(314_159, 271_828);
    let reply: Blob = channel
        .unary("/test.Kinds/Sized", Request::new(request))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reply.encoded_len(), 314_159);
    assert!(reply.is_intact());

    let big = Blob::of_encoded_len(3, MIB);
    let reply: Blob = channel
        .unary("/test.Kinds/Echo", Request::new(big.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reply, big);
}

/// Four 1 MiB messages each way on one bidi call: 4 MiB in each direction is twice the 2 MiB
/// connection window and four times the stream window, so this only completes if both sides
/// give every consumed byte back to the window.
#[tokio::test]
async fn large_messages_on_a_stream() {
    let server = TestServer::start(blob_server()).await;
    let channel = connect(&server.target).await;
    let (mut tx, mut rx) = channel
        .bidi_streaming::<Blob, Blob>("/test.Kinds/PingPong", Request::new(()))
        .await
        .unwrap();
    let sender = tokio::spawn(async move {
        for i in 1..=4u64 {
            let mut blob = Blob::with_body(i, MIB);
            blob.id = MIB as u64 + i; // the size asked for, and a distinct fill
            tx.send(&blob).await.unwrap();
        }
        tx.finish().await.unwrap();
    });
    let mut got = Vec::new();
    while let Some(blob) = within("a 1 MiB response", rx.message()).await.unwrap() {
        assert!(blob.is_intact());
        got.push((blob.id, blob.body.len()));
    }
    sender.await.unwrap();
    let expected: Vec<_> = (1..=4u64)
        .map(|i| (MIB as u64 + i, MIB + usize::try_from(i).unwrap()))
        .collect();
    assert_eq!(got, expected);
}

/// Interop: payloads of 27,182, 8, 1,828 and 45,904 bytes, then half-close: 74,922 in total.
#[tokio::test]
async fn client_streaming() {
    let server = TestServer::start(blob_server()).await;
    let channel = connect(&server.target).await;
    let mut call = channel
        .client_streaming::<Blob, Blob>("/test.Kinds/Sum", Request::new(()))
        .await
        .unwrap();
    for (i, size) in [27_182, 8, 1_828, 45_904].into_iter().enumerate() {
        call.send(&Blob::with_body(i as u64 + 1, size))
            .await
            .unwrap();
    }
    let sum = call.finish().await.unwrap().into_inner();
    assert_eq!((sum.id, sum.body.len()), (74_922, 4));
}

/// A client stream of zero requests: the handler sees the stream end at once.
#[tokio::test]
async fn client_streaming_with_no_requests() {
    let server = TestServer::start(blob_server()).await;
    let channel = connect(&server.target).await;
    let call = channel
        .client_streaming::<Blob, Blob>("/test.Kinds/Sum", Request::new(()))
        .await
        .unwrap();
    let sum = call.finish().await.unwrap().into_inner();
    assert_eq!((sum.id, sum.body.len()), (0, 0));
}

/// Interop: exactly four responses of 31,415, 9, 2,653 and 58,979 bytes, in order.
#[tokio::test]
async fn server_streaming() {
    let server = TestServer::start(blob_server()).await;
    let channel = connect(&server.target).await;
    let mut stream = channel
        .server_streaming::<Blob, Blob>("/test.Kinds/Sizes", Request::new(Blob::with_body(4, 0)))
        .await
        .unwrap();
    let mut got = Vec::new();
    while let Some(blob) = stream.message().await.unwrap() {
        assert!(blob.is_intact());
        got.push((blob.id, blob.body.len()));
    }
    assert_eq!(got, [(1, 31_415), (2, 9), (3, 2_653), (4, 58_979)]);
}

/// A server stream of zero responses: OK, nothing else.
#[tokio::test]
async fn server_streaming_with_no_responses() {
    let server = TestServer::start(blob_server()).await;
    let channel = connect(&server.target).await;
    let mut stream = channel
        .server_streaming::<Blob, Blob>("/test.Kinds/Sizes", Request::new(Blob::default()))
        .await
        .unwrap();
    assert_eq!(stream.message().await.unwrap(), None);
    // And it stays ended.
    assert_eq!(stream.message().await.unwrap(), None);
}

/// Interop: lock-step (31,415 ← 27,182), (9 ← 8), (2,653 ← 1,828), (58,979 ← 45,904).
#[tokio::test]
async fn ping_pong() {
    let server = TestServer::start(blob_server()).await;
    let channel = connect(&server.target).await;
    let (mut tx, mut rx) = channel
        .bidi_streaming::<Blob, Blob>("/test.Kinds/PingPong", Request::new(()))
        .await
        .unwrap();
    for (response_size, request_size) in
        [(31_415, 27_182), (9, 8), (2_653, 1_828), (58_979, 45_904)]
    {
        tx.send(&Blob::with_body(response_size, request_size))
            .await
            .unwrap();
        let blob = within("the pong", rx.message()).await.unwrap().unwrap();
        assert_eq!(blob.body.len() as u64, response_size);
        assert!(blob.is_intact());
    }
    tx.finish().await.unwrap();
    assert_eq!(rx.message().await.unwrap(), None);
}

/// Interop: a bidi call half-closed at once gets zero responses and OK.
#[tokio::test]
async fn empty_stream() {
    let server = TestServer::start(blob_server()).await;
    let channel = connect(&server.target).await;
    let (mut tx, mut rx) = channel
        .bidi_streaming::<Blob, Blob>("/test.Kinds/PingPong", Request::new(()))
        .await
        .unwrap();
    tx.finish().await.unwrap();
    assert_eq!(rx.message().await.unwrap(), None);
}

// ===== The 4 MiB default limit =====

fn config(max_recv: usize, max_send: usize) -> ChannelConfig {
    ChannelConfig {
        max_recv_message_size: max_recv,
        max_send_message_size: max_send,
        ..ChannelConfig::default()
    }
}

fn limits(max_recv: usize, max_send: usize) -> Limits {
    Limits {
        max_recv_message_size: max_recv,
        max_send_message_size: max_send,
    }
}

fn expect_resource_exhausted(result: Result<Response<Blob>, Status>) -> Status {
    let status = result.expect_err("a 5 MiB message passed a 4 MiB limit");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    status
}

/// The server refuses a 5 MiB request: RESOURCE_EXHAUSTED (statuscodes.md), which the client
/// must report even though it is still sending when the server answers.
#[tokio::test]
async fn request_over_the_server_limit() {
    let server = TestServer::start(blob_server()).await;
    let channel = connect_with(&server.target, config(8 * MIB, 8 * MIB)).await;
    let request = Request::new(Blob::of_encoded_len(1, 5 * MIB));
    let status = expect_resource_exhausted(channel.unary("/test.Kinds/Echo", request).await);
    assert!(status.message().contains("limit"), "{status:?}");
    // The connection is still good.
    let small: Blob = channel
        .unary("/test.Kinds/Echo", Request::new(Blob::with_body(1, 10)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(small.body.len(), 10);
}

/// The client refuses a 5 MiB response.
#[tokio::test]
async fn response_over_the_client_limit() {
    let server = TestServer::start(blob_server().limits(limits(4 * MIB, 8 * MIB))).await;
    let channel = connect(&server.target).await;
    let request = Request::new(Blob::with_body(5 * MIB as u64, 0));
    expect_resource_exhausted(channel.unary("/test.Kinds/Sized", request).await);
}

/// Each side also refuses to *send* over its own limit (4 MiB by default in h2grpc).
#[tokio::test]
async fn sending_over_the_own_limit() {
    let server = TestServer::start(blob_server()).await;
    let channel = connect(&server.target).await;
    let request = Request::new(Blob::with_body(5 * MIB as u64, 0));
    expect_resource_exhausted(channel.unary("/test.Kinds/Sized", request).await);
    let request = Request::new(Blob::of_encoded_len(1, 5 * MIB));
    expect_resource_exhausted(channel.unary("/test.Kinds/Echo", request).await);
}

/// With the limits raised on both sides, 5 MiB goes both ways.
#[tokio::test]
async fn raised_limits() {
    let server = TestServer::start(blob_server().limits(limits(8 * MIB, 8 * MIB))).await;
    let channel = connect_with(&server.target, config(8 * MIB, 8 * MIB)).await;
    let big = Blob::of_encoded_len(9, 5 * MIB);
    let reply: Blob = within(
        "a 5 MiB echo",
        channel.unary("/test.Kinds/Echo", Request::new(big.clone())),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(reply, big);
}
