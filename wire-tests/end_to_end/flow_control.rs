//! Backpressure: a slow reader holds the sender back instead of making it buffer.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use h2grpc::rpc::Request;
use h2grpc::server::Server;

use super::connect;
use crate::support::messages::Blob;
use crate::support::net::{TestServer, within};

const MESSAGE: usize = 64 * 1024;
const TOTAL: u64 = 320; // 20 MiB

/// A server-streaming handler sends 20 MiB in 64 KiB messages to a client that does not read
/// at first. `Sender::send` must block once the windows (1 MiB stream, 2 MiB connection), h2's
/// send buffer (400 KiB) and the handler's queue (16 messages) are full, so the count of
/// messages the handler got rid of stays bounded, far below the total; then the client reads
/// everything, in order.
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
    let mut last = u64::MAX;
    within("the sender to stall", async {
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let now = sent.load(Ordering::SeqCst);
            if now == last {
                break;
            }
            last = now;
        }
    })
    .await;
    // 1 MiB + 400 KiB + 16 queued + 1 in hand is about 39 messages; 80 leaves slack for
    // h2's accounting and is still a quarter of the total.
    assert!(last > 0, "nothing was sent at all");
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
