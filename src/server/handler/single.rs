//! Unary and client-streaming calls: the handler returns one response.

use super::*;

/// The unary fast path. Most unary calls need no waiting at all: their request is in `h2`'s
/// buffers by the time the call starts (see [`crate::transport::server::Dispatch::dispatch`]),
/// the handler answers in its first poll and a small response goes to `h2` without waiting for
/// flow control. Such a call runs to its end right here, as plain function calls: no state
/// machine is built for it, and only the handler's own future is allocated. At the first thing
/// that would wait, the call continues as a future ([`respond_single`]) from where it is.
impl<F, Fut, Req, Resp> Handler for Unary<F, Req, Resp>
where
    F: Fn(Request<Req>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Resp>, Status>> + Send + 'static,
    Req: Message + Send + 'static,
    Resp: Message + Send + 'static,
{
    fn call(
        self: Arc<Self>,
        head: RequestHead,
        mut stream: ServerStream,
        limits: Limits,
        cx: &mut Context<'_>,
    ) -> Option<BoxFuture<()>> {
        let plan = CallPlan::new(&head, limits);
        let body = stream.take_body(limits.max_recv_message_size, head.encoding)?;
        let mut reading = OneRequest::new(body, head);
        let request = match reading.poll(cx) {
            Poll::Ready(Ok(request)) => request,
            Poll::Ready(Err(status)) => {
                stream.send_status(&mut ServerCall::new(), &status);
                return None;
            }
            Poll::Pending => {
                return Some(Box::pin(respond_single(stream, plan, move || async move {
                    (self.0)(poll_fn(|cx| reading.poll(cx)).await?).await
                })));
            }
        };
        let mut handler = Box::pin((self.0)(request));
        match CatchUnwind(handler.as_mut()).poll_now(cx) {
            Poll::Ready(outcome) => {
                finish_single(stream, ServerCall::new(), outcome, plan);
                None
            }
            Poll::Pending => Some(Box::pin(respond_single(stream, plan, move || handler))),
        }
    }
}

impl<F, Fut, Req, Resp> Handler for ClientStreaming<F, Req, Resp>
where
    F: Fn(Request<Streaming<Req>>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Resp>, Status>> + Send + 'static,
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
        let request = Request::from_parts(head.metadata, Streaming::requests(body), head.timeout)
            .with_received_compression(head.encoding, false);
        Some(Box::pin(respond_single(stream, plan, move || {
            (self.0)(request)
        })))
    }
}

/// Unary and client-streaming: the handler returns one response.
async fn respond_single<Resp, Fut>(
    mut stream: ServerStream,
    plan: CallPlan,
    start: impl FnOnce() -> Fut,
) where
    Resp: Message,
    Fut: Future<Output = Result<Response<Resp>, Status>>,
{
    let mut call = ServerCall::new();
    let mut timer = plan.timer();
    let outcome = {
        let handler = pin!(CatchUnwind(pin!(start())));
        tokio::select! {
            // Most handlers answer on their first poll: try them first, before the reset
            // check (which takes the connection's lock).
            biased;
            result = handler => result,
            () = stream.reset() => return,
            () = expired(&mut timer) => {
                stream.send_status(&mut call, &deadline_status());
                return;
            }
        }
    };
    finish_single(stream, call, outcome, plan);
}

/// Ends a unary or client-streaming call whose handler has finished: the response and OK, or
/// the error status, all handed to `h2` at once ([`ServerStream::send_final_messages`]).
fn finish_single<Resp: Message>(
    mut stream: ServerStream,
    mut call: ServerCall,
    outcome: Outcome<Response<Resp>>,
    plan: CallPlan,
) {
    let status = match outcome {
        Ok(Ok(response)) => {
            let encoding = plan.compression.resolve(response.compressed());
            let (metadata, message, trailers) = response.into_parts();
            call.set_encoding(encoding);
            let sent =
                crate::call::encode_framed(&message, encoding, plan.limits.max_send_message_size)
                    .and_then(|framed| {
                        stream.send_headers(&mut call, metadata)?;
                        stream.send_final_messages(&mut call, framed)
                    });
            match sent {
                Ok(()) => {
                    stream.send_ok(&mut call, trailers);
                    return;
                }
                // Nothing was sent yet if encoding failed (e.g. the message is over the send
                // limit); otherwise the stream is gone and this status goes nowhere.
                Err(status) => status,
            }
        }
        Ok(Err(status)) => status,
        Err(panic) => panic_status(panic),
    };
    stream.send_status(&mut call, &status);
}
