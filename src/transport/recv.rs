//! Receiving a call's messages from an `h2::RecvStream`.

use std::future::poll_fn;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::HeaderMap;

use super::status_from_h2;
use crate::call::Inbound;
use crate::compression::Encoding;
use crate::protobuf::Message;
use crate::status::Status;

/// One direction of a call, being received: DATA frames from `h2`, messages out.
#[derive(Debug)]
pub(crate) struct RecvBody {
    stream: h2::RecvStream,
    inbound: Inbound,
    /// END_STREAM was seen (on a DATA frame, or the trailers).
    ended: bool,
}

impl RecvBody {
    /// Messages of at most `max_message_size` bytes (decompressed), compressed ones with
    /// `encoding` (the direction's `grpc-encoding`; `None`: none may be).
    pub(crate) fn new(
        stream: h2::RecvStream,
        max_message_size: usize,
        encoding: Option<Encoding>,
    ) -> Self {
        Self {
            stream,
            inbound: Inbound::new(max_message_size).with_encoding(encoding),
            ended: false,
        }
    }

    /// Whether the last message returned arrived compressed.
    pub(crate) fn last_compressed(&self) -> bool {
        self.inbound.last_compressed()
    }

    /// The next message, or `None` at END_STREAM.
    ///
    /// # Errors
    /// The status that ends the call: a bad message (see [`Inbound`]), the stream ending
    /// inside a message, or an HTTP/2 error.
    pub(crate) async fn message<M: Message>(&mut self) -> Result<Option<M>, Status> {
        poll_fn(|cx| self.poll_message(cx)).await
    }

    /// [`RecvBody::message`], polled: for a caller that can use a message at once if one is
    /// there, and otherwise has something else to do (the server's unary fast path).
    pub(crate) fn poll_message<M: Message>(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<M>, Status>> {
        loop {
            if let Some(message) = self.inbound.next_message()? {
                return Poll::Ready(Ok(Some(message)));
            }
            if self.ended {
                return Poll::Ready(Ok(None));
            }
            match ready!(self.stream.poll_data(cx)) {
                Some(Ok(chunk)) => self.recv_chunk(chunk),
                Some(Err(error)) => return Poll::Ready(Err(status_from_h2(&error))),
                None => {
                    self.ended = true;
                    self.inbound.recv_end()?;
                }
            }
        }
    }

    fn recv_chunk(&mut self, chunk: Bytes) {
        // Give the bytes back to the peer's window now that they left h2's buffer: from here
        // on they are bounded by the Deframer's message-size limit, not by the window.
        // release_capacity only fails for a stream h2 already closed, where it does not matter.
        let _ = self.stream.flow_control().release_capacity(chunk.len());
        self.inbound.recv_data(chunk);
    }

    /// The trailers, after every message was taken (`None` if the stream ended on a DATA frame).
    ///
    /// # Errors
    /// An HTTP/2 error.
    pub(crate) async fn trailers(&mut self) -> Result<Option<HeaderMap>, Status> {
        self.stream.trailers().await.map_err(|e| status_from_h2(&e))
    }
}
