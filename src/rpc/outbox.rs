//! The outbox of a streaming call: where a [`Sender`] leaves its messages for the task that
//! owns the HTTP/2 stream. On the server, that task is the call's own (the handler's responses);
//! on the client, a task started with the call writes the requests ([`pump_requests`]), as the
//! caller may well be busy with something else when the network is ready.
//!
//! [`Sender::send`] frames each message (PROTOCOL-HTTP2.md's Length-Prefixed-Message) straight
//! onto the end of one buffer, and the stream's task takes the whole buffer at once and hands it
//! to `h2` as one piece. So messages a handler sends faster than the network takes them are
//! coalesced, with no copy and no allocation per message, into as few DATA frames as the peer's
//! frame size allows; a handler that sends slowly still has each message go out as soon as the
//! stream's task runs.
//!
//! The buffer is bounded: a sender waits while [`LIMIT`] bytes are queued (one message larger
//! than that is still accepted into an empty outbox, up to the send limit), so a client that
//! stops reading holds back the handler instead of growing the server's memory.
//!
//! [`Sender`]: super::Sender
//! [`Sender::send`]: super::Sender::send

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::{deadline_exceeded, under_deadline};

use crate::compression::Encoding;
use crate::metadata::Metadata;
use crate::protobuf::Message;
use crate::status::{Code, Status};
use crate::transport::client::RequestBody;

/// How many bytes of framed messages may wait in an outbox before [`Outbox::push`] waits: 32 KiB,
/// two default DATA frames. 64 KiB measured about 5% slower on the 1,000 × 1 KiB stream of
/// `benches/load.py --scenario stream1k` (CPU per call, six interleaved runs each), with two to
/// three times the page faults: the more a call has queued, the colder the memory each message
/// is copied into.
pub(crate) const LIMIT: usize = 32 * 1024;

/// The capacity a call's first batch buffer starts with (the allocator serves it from its
/// small-object cache).
const FIRST_CAPACITY: usize = 1024;

/// The capacity a batch's buffer starts with: the largest batch of the call so far, or else room
/// for 16 messages the size of the first (up to a full batch), so that a batch of large messages
/// grows by reallocating (copying what it holds) at most a couple of times.
fn first_capacity(peak: usize, first_len: impl FnOnce() -> usize) -> usize {
    if peak > 0 {
        return peak;
    }
    let framed = crate::framing::PREFIX_LEN.saturating_add(first_len());
    framed
        .saturating_mul(16)
        .min(LIMIT.saturating_add(framed))
        .max(FIRST_CAPACITY)
}

/// The unit a full batch is cut in ([`Outbox::take_whole_frames`]): 16 KiB, HTTP/2's default
/// SETTINGS_MAX_FRAME_SIZE and what most peers keep (h2 cuts DATA frames at the peer's size).
pub(crate) const FRAME: usize = 16 * 1024;

/// A buffer left larger than this after a small batch is given back rather than kept for the
/// rest of the call.
const KEPT_CAPACITY: usize = 32 * 1024;

/// A batch up to this size is copied out of the outbox's buffer, which stays for the next batch;
/// a larger one is handed over whole, without a copy.
const COPIED_BATCH: usize = 4 * 1024;

/// Shared by a call's [`super::Sender`] (the handler's side) and the stream's task.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    state: Mutex<State>,
    /// Signalled when something was queued: the stream's task has work.
    queued: Notify,
    /// Signalled when the stream's task took the messages, or the call ended: a waiting sender
    /// may go on.
    taken: Notify,
    /// Client side: signalled when the Sender was dropped unfinished, to stop a send that
    /// waits for flow control.
    abandoned: Notify,
}

#[derive(Debug, Default)]
struct State {
    /// Length-Prefixed-Messages, back to back.
    messages: Vec<u8>,
    /// The initial metadata, to go out in the Response-Headers before the messages.
    headers: Option<Metadata>,
    /// The response encoding the handler chose instead of the server's default.
    encoding: Option<Option<Encoding>>,
    /// The trailing metadata, to go out with the status.
    trailers: Option<Metadata>,
    /// The stream's task is gone: the call is over, nothing queued will be sent.
    closed: bool,
    /// Why the stream's task ended, if it failed: what senders get from then on.
    error: Option<Status>,
    /// Client side: how the request stream ends, once the Sender said.
    end: Option<End>,
    /// `queued` was signalled since the last take: a sender need not signal it again (one
    /// atomic operation less per message).
    signalled: bool,
    /// The largest batch handed over whole since the last small one (up to two [`LIMIT`]s):
    /// the capacity the next buffer starts with, so that a handler that fills batches does not
    /// grow each one again by reallocating (every doubling copies what is queued; for a stream
    /// of 1 KiB messages, that would be one more copy of every byte sent).
    peak: usize,
}

/// How a client's request stream ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// [`super::Sender::finish`]: END_STREAM after what is queued.
    Finish,
    /// The Sender was dropped unfinished: the call is cancelled (RST_STREAM(CANCEL)).
    Abandon,
}

/// What the stream's task takes from the outbox in one go, to send in this order.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// Set before the Response-Headers go out.
    pub(crate) encoding: Option<Option<Encoding>>,
    pub(crate) headers: Option<Metadata>,
    /// Framed messages; empty if none were queued.
    pub(crate) messages: Bytes,
    /// Client side: the request stream ends after these messages.
    pub(crate) end: Option<End>,
}

fn over(state: &State) -> Status {
    state
        .error
        .clone()
        .unwrap_or_else(|| Status::new(Code::Cancelled, "the call is over"))
}

impl Outbox {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding the lock; if something did, the state is still whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Frames `message` onto the queued messages, waiting while [`LIMIT`] bytes are queued.
    ///
    /// # Errors
    /// RESOURCE_EXHAUSTED for a message over `max_message_size`; CANCELLED once the call is
    /// over.
    pub(crate) async fn push<M: Message>(
        &self,
        message: &M,
        encoding: Option<Encoding>,
        max_message_size: usize,
    ) -> Result<(), Status> {
        loop {
            let taken = {
                let mut state = self.lock();
                if state.closed {
                    return Err(over(&state));
                }
                if state.end.is_some() {
                    return Err(Status::new(
                        Code::Internal,
                        "the request stream was already finished",
                    ));
                }
                if state.messages.len() < LIMIT {
                    if state.messages.capacity() == 0 {
                        let capacity = first_capacity(state.peak, || message.encoded_len());
                        state.messages = super::pool::take(capacity);
                    }
                    crate::call::encode_message(
                        message,
                        encoding,
                        max_message_size,
                        &mut state.messages,
                    )?;
                    let signal = !std::mem::replace(&mut state.signalled, true);
                    drop(state);
                    if signal {
                        self.queued.notify_one();
                    }
                    return Ok(());
                }
                // Full. Made while the state is locked, so the next take (which notifies after
                // unlocking it) cannot be missed.
                self.taken.notified()
            };
            taken.await;
        }
    }

    /// Queues the initial metadata. Only before the first message: the Response-Headers go out
    /// with (at the latest) the first message, so later metadata would have nowhere to go.
    pub(crate) fn set_headers(&self, metadata: Metadata) -> Result<(), Status> {
        self.update(|state| state.headers = Some(metadata))
    }

    /// Queues the handler's choice of response encoding (before any headers or message).
    pub(crate) fn set_encoding(&self, encoding: Option<Encoding>) -> Result<(), Status> {
        self.update(|state| state.encoding = Some(encoding))
    }

    /// Sets the trailing metadata (the last one set wins).
    pub(crate) fn set_trailers(&self, metadata: Metadata) -> Result<(), Status> {
        self.update(|state| state.trailers = Some(metadata))
    }

    fn update(&self, change: impl FnOnce(&mut State)) -> Result<(), Status> {
        let mut state = self.lock();
        if state.closed {
            return Err(over(&state));
        }
        change(&mut state);
        drop(state);
        self.queued.notify_one();
        Ok(())
    }

    /// Whether the call is over.
    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    // ===== The stream's side =====

    /// Resolves when something may have been queued since the last [`Outbox::take`].
    pub(crate) async fn wait_queued(&self) {
        self.queued.notified().await;
    }

    /// Takes everything queued but the trailers, and lets a waiting sender go on.
    pub(crate) fn take(&self) -> Batch {
        self.take_batch(false)
    }

    /// As [`Outbox::take`], but while the sender keeps the outbox full, only whole
    /// [`FRAME`]s of messages: the rest stays queued, to go out at the head of the next batch,
    /// and the outbox signals itself so that the stream's task looks again as soon as it has
    /// sent these. Cut at the limit instead, each batch would end in a short DATA frame of its
    /// own, one more write per batch.
    ///
    /// The rest is never held back for long: if the sender has not filled the outbox again by
    /// the time the stream's task looks, that next take has no full batch to cut and takes it
    /// all. Nothing is held back once the request stream is ending (client side).
    pub(crate) fn take_whole_frames(&self) -> Batch {
        self.take_batch(true)
    }

    fn take_batch(&self, whole_frames: bool) -> Batch {
        let mut state = self.lock();
        let len = state.messages.len();
        let cut = if whole_frames && len >= LIMIT && state.end.is_none() {
            len - len % FRAME
        } else {
            len
        };
        let messages = if len <= COPIED_BATCH {
            // A small copy, and the buffer is kept for the next batch: one allocation in all.
            // Unless it is large: the handler has slowed down, so the call's past peak no longer
            // tells the size of the next batches.
            let messages = Bytes::copy_from_slice(&state.messages);
            state.messages.clear();
            if state.messages.capacity() > KEPT_CAPACITY {
                // Usually a pooled buffer (a call of medium messages starts with one): back to
                // the pool, which the next push takes it from, rather than to the allocator.
                super::pool::give(std::mem::take(&mut state.messages));
            }
            state.peak = 0;
            messages
        } else {
            if len <= 2 * LIMIT {
                state.peak = state.peak.max(len);
            }
            let mut messages = std::mem::take(&mut state.messages);
            if cut < len {
                // The rest (less than a frame) is copied to the head of the next batch.
                // The next buffer comes from the pool, as in `push`: one from the allocator
                // per batch would make the heap grow and shrink (page faults on fresh pages).
                state.messages = super::pool::take(state.peak.max(len - cut));
                state.messages.extend_from_slice(&messages[cut..]);
                messages.truncate(cut);
            }
            super::pool::share(messages)
        };
        let rest = !state.messages.is_empty();
        state.signalled = rest;
        let batch = Batch {
            encoding: state.encoding.take(),
            headers: state.headers.take(),
            messages,
            end: state.end,
        };
        drop(state);
        if rest {
            self.queued.notify_one();
        }
        if !batch.messages.is_empty() {
            self.taken.notify_waiters();
        }
        batch
    }

    /// The trailing metadata, at the end of the call.
    pub(crate) fn take_trailers(&self) -> Metadata {
        self.lock().trailers.take().unwrap_or_default()
    }

    /// The call is over: whatever a sender queues from now on fails with CANCELLED.
    pub(crate) fn close(&self) {
        self.close_with(None);
    }

    /// The stream's task ended, failing with `error` if it is given: senders get it from now
    /// on.
    pub(crate) fn close_with(&self, error: Option<Status>) {
        let mut state = self.lock();
        state.closed = true;
        if state.error.is_none() {
            state.error = error;
        }
        drop(state);
        self.taken.notify_waiters();
    }

    // ===== The client's request stream =====

    /// Ends the request stream after what is queued (the first `end` said counts).
    pub(crate) fn end(&self, end: End) {
        let mut state = self.lock();
        if state.end.is_some() {
            return;
        }
        state.end = Some(end);
        drop(state);
        self.queued.notify_one();
        if end == End::Abandon {
            self.abandoned.notify_one();
        }
    }

    /// Whether the Sender said how the request stream ends.
    fn ended(&self) -> bool {
        self.lock().end.is_some()
    }

    /// Resolves once the stream's task has ended: `Err` with its failure, if it failed.
    pub(crate) async fn closed(&self) -> Result<(), Status> {
        loop {
            let taken = self.taken.notified();
            {
                let state = self.lock();
                if state.closed {
                    return state.error.clone().map_or(Ok(()), Err);
                }
            }
            taken.await;
        }
    }
}

/// Client side: writes the requests of a client- or bidi-streaming call, for as long as the
/// call's [`super::Sender`] lives. Each time it runs it sends everything queued as one piece
/// (many small requests become a few DATA frames, where one frame per message would soon
/// exhaust `h2`'s budget for small frames at the server), then END_STREAM once the Sender
/// finishes. Dropped unfinished, the Sender cancels the call: `body` is dropped without
/// END_STREAM, which resets the stream with CANCEL.
pub(crate) async fn pump_requests(
    outbox: Arc<Outbox>,
    mut body: RequestBody,
    deadline: Option<Instant>,
) {
    let result = loop {
        let batch = outbox.take_whole_frames();
        let sent = match batch.end {
            Some(End::Abandon) => break Ok(()),
            Some(End::Finish) => {
                tokio::select! {
                    sent = under_deadline(deadline, body.send_last(batch.messages)) => sent,
                    () = outbox.abandoned.notified() => break Ok(()),
                }
            }
            None if batch.messages.is_empty() => Ok(()),
            None => {
                tokio::select! {
                    sent = under_deadline(deadline, body.send(batch.messages)) => sent,
                    () = outbox.abandoned.notified() => break Ok(()),
                }
            }
        };
        if let Err(error) = sent {
            break Err(error);
        }
        if batch.end == Some(End::Finish) {
            break Ok(());
        }
        tokio::select! {
            () = outbox.wait_queued() => {}
            () = sleep_until(deadline) => break Err(deadline_exceeded()),
        }
    };
    outbox.close_with(result.err());
    // The stream stays open until the Sender is finished or dropped, as when the caller held it
    // itself: a reset now would also end the response, which may still be on its way (a
    // server's DEADLINE_EXCEEDED, say).
    while !outbox.ended() {
        outbox.wait_queued().await;
    }
    drop(body);
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::hello::HelloReply;
    use std::time::Duration;

    fn reply(message: &str) -> HelloReply {
        HelloReply {
            message: message.into(),
        }
    }

    #[tokio::test]
    async fn messages_are_framed_back_to_back_and_taken_at_once() {
        let outbox = Outbox::default();
        outbox.push(&reply("a"), None, 100).await.unwrap();
        outbox.push(&reply("bc"), None, 100).await.unwrap();
        let batch = outbox.take();
        assert_eq!(
            &batch.messages[..],
            b"\x00\x00\x00\x00\x03\x0a\x01a\x00\x00\x00\x00\x04\x0a\x02bc"
        );
        assert!(outbox.take().messages.is_empty());
    }

    /// A call of medium messages starts with a pooled buffer; a small batch is copied out of it,
    /// and the buffer, too large to keep for the call, goes back to the pool (not to the
    /// allocator), where the next message takes it from.
    #[tokio::test]
    async fn a_pooled_buffer_left_after_a_small_batch_goes_back_to_the_pool() {
        let outbox = Outbox::default();
        let before = super::super::pool::pooled();
        outbox
            .push(&reply(&"m".repeat(1000)), None, usize::MAX)
            .await
            .unwrap();
        assert_eq!(outbox.lock().messages.capacity(), super::super::pool::SIZE);
        assert_eq!(outbox.take().messages.len(), 1008);
        assert_eq!(super::super::pool::pooled(), before + 1);
        outbox
            .push(&reply(&"m".repeat(1000)), None, usize::MAX)
            .await
            .unwrap();
        assert_eq!(super::super::pool::pooled(), before);
    }

    #[tokio::test]
    async fn a_message_over_the_limit_is_refused_and_leaves_the_queue_as_it_was() {
        let outbox = Outbox::default();
        outbox.push(&reply("a"), None, 100).await.unwrap();
        let error = outbox.push(&reply("too long"), None, 5).await.unwrap_err();
        assert_eq!(error.code(), Code::ResourceExhausted);
        assert_eq!(outbox.take().messages.len(), 8);
    }

    #[tokio::test]
    async fn a_full_outbox_holds_the_sender_until_taken() {
        let outbox = Arc::new(Outbox::default());
        let big = reply(&"x".repeat(LIMIT));
        // One message over LIMIT goes into an empty outbox…
        outbox.push(&big, None, usize::MAX).await.unwrap();
        // …and the next waits until the stream's task takes the first.
        let pushing = tokio::spawn({
            let outbox = outbox.clone();
            async move { outbox.push(&reply("next"), None, usize::MAX).await }
        });
        tokio::task::yield_now().await;
        assert!(!pushing.is_finished());
        assert!(outbox.take().messages.len() > LIMIT);
        pushing.await.unwrap().unwrap();
        assert_eq!(outbox.take().messages.len(), 5 + 6);
    }

    #[tokio::test]
    async fn batch_buffers_are_sized_so_that_they_rarely_grow() {
        let outbox = Outbox::default();
        let message = reply(&"x".repeat(1000)); // 1,008 bytes framed
        // The first batch starts with room for 16 such messages.
        outbox.push(&message, None, usize::MAX).await.unwrap();
        assert!(outbox.lock().messages.capacity() >= 16 * 1008);
        while outbox.lock().messages.len() < LIMIT {
            outbox.push(&message, None, usize::MAX).await.unwrap();
        }
        let full = outbox.take().messages.len();
        // The next can fill up the same way without growing (no copy).
        outbox.push(&message, None, usize::MAX).await.unwrap();
        assert!(outbox.lock().messages.capacity() >= full);
        // A small batch is copied out; a large buffer is not kept for a handler that slowed.
        assert_eq!(outbox.take().messages.len(), 1008);
        assert_eq!(outbox.lock().messages.capacity(), 0);
        // Small messages: a small buffer, kept from batch to batch.
        outbox.push(&reply("a"), None, 100).await.unwrap();
        let small = outbox.lock().messages.capacity();
        assert_eq!(small, FIRST_CAPACITY);
        assert_eq!(outbox.take().messages.len(), 8);
        assert_eq!(outbox.lock().messages.capacity(), small);
        // A lone message larger than two batches says nothing about the next batch.
        let huge = reply(&"x".repeat(3 * LIMIT));
        outbox.push(&huge, None, usize::MAX).await.unwrap();
        outbox.take();
        outbox.push(&message, None, usize::MAX).await.unwrap();
        assert!(outbox.lock().messages.capacity() < 2 * LIMIT);
    }

    #[tokio::test]
    async fn a_full_outbox_is_taken_in_whole_frames_and_the_rest_soon_after() {
        let outbox = Outbox::default();
        let message = reply(&"x".repeat(1000)); // 1,008 bytes framed
        while outbox.lock().messages.len() < LIMIT {
            outbox.push(&message, None, usize::MAX).await.unwrap();
        }
        let queued = outbox.lock().messages.len();
        let frames = queued / FRAME;
        assert!(frames >= 1 && queued % FRAME != 0, "{queued} bytes queued");
        let batch = outbox.take_whole_frames();
        assert_eq!(batch.messages.len(), frames * FRAME);
        assert_eq!(&batch.messages[..5], b"\x00\x00\x00\x03\xeb");
        // The rest is still queued, and the outbox said so: the stream's task looks again.
        tokio::time::timeout(Duration::from_secs(5), outbox.wait_queued())
            .await
            .expect("the rest is signalled");
        let rest = outbox.take_whole_frames().messages;
        assert_eq!(rest.len(), queued - frames * FRAME);
        // A batch that is not full is never cut; nor one that ends the request stream.
        while outbox.lock().messages.len() < LIMIT {
            outbox.push(&message, None, usize::MAX).await.unwrap();
        }
        outbox.end(End::Finish);
        assert_eq!(outbox.take_whole_frames().messages.len(), queued);
    }

    #[tokio::test]
    async fn closing_fails_senders_now_and_later() {
        let outbox = Arc::new(Outbox::default());
        outbox
            .push(&reply(&"x".repeat(LIMIT)), None, usize::MAX)
            .await
            .unwrap();
        let waiting = tokio::spawn({
            let outbox = outbox.clone();
            async move { outbox.push(&reply("next"), None, usize::MAX).await }
        });
        tokio::task::yield_now().await;
        outbox.close();
        assert_eq!(waiting.await.unwrap().unwrap_err().code(), Code::Cancelled);
        assert!(outbox.is_closed());
        let error = outbox.set_trailers(Metadata::new()).unwrap_err();
        assert_eq!(error.code(), Code::Cancelled);
    }
}
