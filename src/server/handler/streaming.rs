//! Server- and bidi-streaming calls: the handler sends through a [`Sender`] into the call's
//! [`Outbox`], and returns the status.

use super::*;

impl<F, Fut, Req, Resp> Handler for ServerStreaming<F, Req, Resp>
where
    F: Fn(Request<Req>, Sender<Resp>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Status>> + Send + 'static,
    Req: Message + Send + 'static,
    Resp: Message + Send + 'static,
{
    /// The same fast path as [`Unary`]'s: a handler that sends its few responses and returns in
    /// its first poll has them, and its status, handed to `h2` right here.
    fn call(
        self: Arc<Self>,
        head: RequestHead,
        mut stream: ServerStream,
        limits: Limits,
        cx: &mut Context<'_>,
    ) -> Option<BoxFuture<()>> {
        let plan = CallPlan::new(&head, limits);
        let body = stream.take_body(limits.max_recv_message_size, head.encoding)?;
        let outbox = Arc::new(Outbox::default());
        let sender = Sender::server(
            outbox.clone(),
            limits.max_send_message_size,
            plan.compression,
        );
        let mut reading = OneRequest::new(body, head);
        let request = match reading.poll(cx) {
            Poll::Ready(Ok(request)) => request,
            Poll::Ready(Err(status)) => {
                stream.send_status(&mut ServerCall::new(), &status);
                return None;
            }
            Poll::Pending => {
                return Some(Box::pin(respond_streaming(
                    stream,
                    plan,
                    outbox,
                    move || async move { (self.0)(poll_fn(|cx| reading.poll(cx)).await?, sender).await },
                )));
            }
        };
        let mut handler = Box::pin((self.0)(request, sender));
        let Poll::Ready(outcome) = CatchUnwind(handler.as_mut()).poll_now(cx) else {
            return Some(Box::pin(respond_streaming(
                stream,
                plan,
                outbox,
                move || handler,
            )));
        };
        // Done in one poll: what it queued goes out now, with the status.
        let mut call = ServerCall::new();
        call.set_encoding(plan.compression.default);
        let batch = outbox.take();
        outbox.close();
        if let Err(status) = send_last_batch(&mut stream, &mut call, batch) {
            tracing::debug!(%status, "could not send a response message");
            return None;
        }
        let trailers = outbox.take_trailers();
        end_streaming(&mut stream, &mut call, outcome, trailers);
        None
    }
}

impl<F, Fut, Req, Resp> Handler for BidiStreaming<F, Req, Resp>
where
    F: Fn(Request<Streaming<Req>>, Sender<Resp>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Status>> + Send + 'static,
    Req: Message + Send + 'static,
    Resp: Message + Send + 'static,
{
    fn call(
        self: Arc<Self>,
        head: RequestHead,
        mut stream: ServerStream,
        limits: Limits,
        _: &mut Context<'_>,
    ) -> Option<BoxFuture<()>> {
        let plan = CallPlan::new(&head, limits);
        // The body is only ever taken once, here: a stream without one has nothing to run.
        let body = stream.take_body(limits.max_recv_message_size, head.encoding)?;
        let outbox = Arc::new(Outbox::default());
        let sender = Sender::server(
            outbox.clone(),
            limits.max_send_message_size,
            plan.compression,
        );
        let request = Request::from_parts(head.metadata, Streaming::requests(body), head.timeout)
            .with_received_compression(head.encoding, false);
        Some(Box::pin(respond_streaming(
            stream,
            plan,
            outbox,
            move || (self.0)(request, sender),
        )))
    }
}

/// Server- and bidi-streaming: the handler sends through a [`Sender`] into the call's
/// [`Outbox`], and returns the status. This task sends what the outbox holds whenever something
/// was queued, each time all of it at once (see `rpc/outbox.rs`).
async fn respond_streaming<Fut>(
    mut stream: ServerStream,
    plan: CallPlan,
    outbox: Arc<Outbox>,
    start: impl FnOnce() -> Fut,
) where
    Fut: Future<Output = Result<(), Status>>,
{
    // However this task ends, the handler's Sender learns that the call is over.
    let _closing = CloseOnDrop(&outbox);
    let mut call = ServerCall::new();
    call.set_encoding(plan.compression.default);
    let mut timer = plan.timer();
    let mut handler = pin!(CatchUnwind(pin!(start())));
    let outcome = loop {
        tokio::select! {
            biased;
            () = stream.reset() => return,
            () = expired(&mut timer) => {
                stream.send_status(&mut call, &deadline_status());
                return;
            }
            // The handler first: what it queues in this poll goes out in the same batch.
            result = &mut handler => break result,
            () = outbox.wait_queued() => {
                if let Err(status) = send_batch(&mut stream, &mut call, &outbox, &mut timer).await {
                    tracing::debug!(%status, "could not send a response message");
                    return;
                }
            }
        }
    };
    // The handler is done: what it queued still goes out, before the status. Nothing more
    // can be queued, so the rest goes to `h2` at once, as a unary response does.
    if send_last_batch(&mut stream, &mut call, outbox.take()).is_err() {
        return;
    }
    let trailers = outbox.take_trailers();
    end_streaming(&mut stream, &mut call, outcome, trailers);
}

/// Ends a server- or bidi-streaming call whose handler returned, its messages sent: OK, or
/// the handler's error, with the trailing metadata the handler set.
fn end_streaming(
    stream: &mut ServerStream,
    call: &mut ServerCall,
    outcome: Outcome<()>,
    trailers: Metadata,
) {
    let mut status = match outcome {
        Ok(Ok(())) => return stream.send_ok(call, trailers),
        Ok(Err(status)) => status,
        Err(panic) => panic_status(panic),
    };
    // The trailers set with `Sender::set_trailers` join whatever metadata the handler put on
    // its error status (`Status::with_metadata`): replacing it would lose the latter.
    let own = status.metadata_mut().as_headers_mut();
    for (name, value) in trailers.as_headers() {
        own.append(name, value.clone());
    }
    stream.send_status(call, &status);
}

/// Closes the outbox when the stream's task ends, however it ends.
struct CloseOnDrop<'a>(&'a Outbox);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// While the handler runs, sends what the outbox holds: the handler's choice of encoding and
/// initial metadata, then the queued messages as one piece (h2 cuts it into DATA frames of the
/// peer's frame size; a full outbox is taken in whole frames, [`Outbox::take_whole_frames`]),
/// waiting for flow control within the deadline. Once the handler has returned, the rest goes
/// with [`send_last_batch`].
async fn send_batch(
    stream: &mut ServerStream,
    call: &mut ServerCall,
    outbox: &Outbox,
    timer: &mut Option<Pin<Box<Sleep>>>,
) -> Result<(), Status> {
    let messages = send_batch_head(stream, call, outbox.take_whole_frames())?;
    if messages.is_empty() {
        return Ok(());
    }
    tokio::select! {
        biased;
        sent = stream.send_messages(call, messages) => sent,
        () = expired(timer) => Err(deadline_status()),
    }
}

/// Sends the last batch of a call whose handler has returned, all of it handed to `h2` at once
/// ([`ServerStream::send_final_messages`]): nothing more will be queued, so there is nothing
/// left to hold back.
fn send_last_batch(
    stream: &mut ServerStream,
    call: &mut ServerCall,
    batch: Batch,
) -> Result<(), Status> {
    let messages = send_batch_head(stream, call, batch)?;
    if messages.is_empty() {
        return Ok(());
    }
    stream.send_final_messages(call, Framed::Whole(messages))
}

/// What goes out before a batch's messages: the handler's encoding choice and the initial
/// metadata. Returns the messages.
fn send_batch_head(
    stream: &mut ServerStream,
    call: &mut ServerCall,
    batch: Batch,
) -> Result<Bytes, Status> {
    if let Some(encoding) = batch.encoding {
        call.set_encoding(encoding);
    }
    if let Some(metadata) = batch.headers {
        stream.send_headers(call, metadata)?;
    }
    Ok(batch.messages)
}
