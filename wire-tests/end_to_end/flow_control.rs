//! Backpressure: a slow reader holds the sender back instead of making it buffer.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use h2grpc::rpc::{Request, Response, Streaming};
use h2grpc::server::Server;
use tokio::sync::Notify;

use super::connect;
use crate::support::messages::Blob;
use crate::support::net::{TestServer, within};

const MESSAGE: usize = 64 * 1024;
const TOTAL: u64 = 320; // 20 MiB

/// Waits until `count` has started and then held still for 300 ms; returns it.
async fn stalled(count: &AtomicU64) -> u64 {
    let mut last = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = count.load(Ordering::SeqCst);
        if now > 0 && now == last {
            return now;
        }
        last = now;
    }
}

/// A server-streaming handler sends 20 MiB in 64 KiB messages to a client that does not read
/// at first. `Sender::send` must block once the client's stream window (1 MiB, 16 messages) and
/// whatever h2grpc queues ahead of the network are full, so the count of messages the handler
/// got rid of stays bounded, far below the total; then the client reads everything, in order.
#[tokio::test]
async fn slow_reader_holds_the_sender_back() {
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    let server =
        Server::new().server_streaming("/test.Flow/Firehose", move |_: Request<Blob>, mut tx| {
            let counter = counter.clone();
            async move {
                for id in 1..=TOTAL {
                    tx.send(&Blob::with_body(id, MESSAGE)).await?;
                    counter.store(id, Ordering::SeqCst);
                }
                Ok(())
            }
        });
    let server = TestServer::start(server).await;
    let channel = connect(&server.target).await;
    let mut stream = channel
        .server_streaming::<_, Blob>("/test.Flow/Firehose", Request::new(Blob::default()))
        .await
        .unwrap();

    // Wait until the handler stops making progress (the count holds still for 300 ms).
    let last = within("the sender to stall", stalled(&sent)).await;
    // The window holds 16 messages; the handler's queue (OUTGOING_QUEUE, 16) could add as
    // many again. 80 leaves slack and is still a quarter of the total. (h2grpc observes 16:
    // the handler is not polled while a send waits for the window.)
    assert!(
        last < 80,
        "the handler sent {last} of {TOTAL} messages to a client that read none"
    );

    for id in 1..=TOTAL {
        let blob = within("the next message", stream.message())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("the stream ended before message {id}"));
        assert_eq!(blob.id, id, "out of order");
        assert_eq!(blob.body.len(), MESSAGE);
        assert!(blob.is_intact());
    }
    assert_eq!(stream.message().await.unwrap(), None);
    assert_eq!(sent.load(Ordering::SeqCst), TOTAL);
}

/// The other direction: a client-streaming handler that stops reading after the first message.
/// The client's `Sender::send` must block once the server's windows and the client's send
/// buffer are full; once the handler reads again, everything arrives, in order.
#[tokio::test]
async fn slow_handler_holds_the_client_back() {
    let resume = Arc::new(Notify::new());
    let wait = resume.clone();
    let server =
        Server::new().client_streaming("/test.Flow/Sink", move |req: Request<Streaming<Blob>>| {
            let wait = wait.clone();
            async move {
                let mut stream = req.into_inner();
                let mut expected = 1;
                while let Some(blob) = stream.message().await? {
                    assert_eq!(
                        (blob.id, blob.body.len()),
                        (expected, MESSAGE),
                        "out of order"
                    );
                    if expected == 1 {
                        wait.notified().await;
                    }
                    expected += 1;
                }
                Ok(Response::new(Blob::with_body(expected - 1, 0)))
            }
        });
    let server = TestServer::start(server).await;
    let channel = connect(&server.target).await;
    let mut call = channel
        .client_streaming::<Blob, Blob>("/test.Flow/Sink", Request::new(()))
        .await
        .unwrap();
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    let sender = tokio::spawn(async move {
        for id in 1..=TOTAL {
            call.send(&Blob::with_body(id, MESSAGE)).await.unwrap();
            counter.store(id, Ordering::SeqCst);
        }
        call.finish().await
    });

    let last = within("the client to stall", stalled(&sent)).await;
    // The server's 1 MiB stream window holds 16 messages (h2 gives a sender no capacity
    // beyond the window, so its 400 KiB send buffer adds nothing).
    assert!(
        last < 80,
        "the client sent {last} of {TOTAL} messages to a handler that read one"
    );

    resume.notify_one();
    let reply = within("the call to finish", sender).await.unwrap().unwrap();
    assert_eq!(reply.into_inner().id, TOTAL);
}

/// 10,000 small messages streamed by h2grpc's client, then 10,000 streamed back by its server,
/// with every setting at its default: both sides coalesce what is queued into few DATA frames.
/// Sent one DATA frame per message, as h2grpc once did, the receiving `h2` counts each small
/// frame against its budget for framing overhead and ends the connection (GOAWAY
/// ENHANCE_YOUR_CALM, "too_many_data_frames") when the reader falls behind.
#[tokio::test]
async fn ten_thousand_small_messages_each_way_with_default_settings() {
    use h2grpc::services::interop::{
        self, Payload, ResponseParameters, StreamingInputCallRequest, StreamingOutputCallRequest,
        TestServiceClient,
    };
    const COUNT: usize = 10_000;
    let server = TestServer::start(interop::register(Server::new())).await;
    let client = TestServiceClient::new(server.channel().await);

    let mut call = client.streaming_input_call(Request::new(())).await.unwrap();
    let request = StreamingInputCallRequest {
        payload: Some(Payload {
            body: vec![7; 16].into(),
            ..Payload::default()
        }),
        ..StreamingInputCallRequest::default()
    };
    for _ in 0..COUNT {
        within("a send", call.send(&request)).await.unwrap();
    }
    let response = within("the response", call.finish()).await.unwrap();
    assert_eq!(
        response.into_inner().aggregated_payload_size,
        i32::try_from(16 * COUNT).unwrap()
    );

    let request = StreamingOutputCallRequest {
        response_parameters: vec![
            ResponseParameters {
                size: 16,
                ..ResponseParameters::default()
            };
            COUNT
        ],
        ..StreamingOutputCallRequest::default()
    };
    let mut responses = client
        .streaming_output_call(Request::new(request))
        .await
        .unwrap();
    let mut received = 0;
    while let Some(response) = within("a response", responses.message()).await.unwrap() {
        assert_eq!(response.payload.unwrap().body.len(), 16);
        received += 1;
    }
    assert_eq!(received, COUNT);
}
