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

/// How many bytes of framed messages may wait in an outbox before [`Outbox::push`] waits.
pub(crate) const LIMIT: usize = 64 * 1024;

/// The capacity a batch's buffer starts with (the allocator serves it from its small-object
/// cache).
const FIRST_CAPACITY: usize = 1024;

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
            // Registered before looking, so that a take between the look and the wait is seen.
            let taken = self.taken.notified();
            {
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
                        // A batch usually holds several messages: start at a size that grows
                        // rarely, rather than at one message's.
                        state.messages.reserve(FIRST_CAPACITY);
                    }
                    crate::call::encode_message(
                        message,
                        encoding,
                        max_message_size,
                        &mut state.messages,
                    )?;
                    drop(state);
                    self.queued.notify_one();
                    return Ok(());
                }
            }
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
        let mut state = self.lock();
        let batch = Batch {
            encoding: state.encoding.take(),
            headers: state.headers.take(),
            messages: Bytes::from(std::mem::take(&mut state.messages)),
            end: state.end,
        };
        drop(state);
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
        let batch = outbox.take();
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
