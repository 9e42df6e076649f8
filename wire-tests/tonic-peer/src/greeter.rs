//! hello.Greeter and helloworld.Greeter: the same behaviour under two packages.

use std::pin::Pin;
use std::time::Duration;

use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::metadata::MetadataMap;
use tonic::{Request, Response, Status, Streaming};

use crate::echo;
use crate::pb::{hello, helloworld};

/// A response stream of a streaming method.
pub(crate) type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// `hello.Greeter`.
#[derive(Debug, Clone, Copy, Default)]
pub struct HelloGreeter;

/// `helloworld.Greeter`.
#[derive(Debug, Clone, Copy, Default)]
pub struct HelloWorldGreeter;

/// `x-sleep-ms`: the slow-method knob.
async fn sleep_if_asked(metadata: &MetadataMap) {
    let millis = metadata
        .get("x-sleep-ms")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if let Some(millis) = millis {
        tokio::time::sleep(Duration::from_millis(millis)).await;
    }
}

/// The three replies of `SayHelloStreamReply`, then the trailer knob: all ready at once.
fn three_greetings<T: Send + 'static>(
    metadata: &MetadataMap,
    name: &str,
    reply: fn(String) -> T,
) -> Response<BoxStream<T>> {
    let mut items: Vec<Result<T, Status>> = (1..=3)
        .map(|i| Ok(reply(format!("Hello, {name}! #{i}"))))
        .collect();
    items.extend(echo::trailer(metadata).map(Err));
    let stream: BoxStream<T> = Box::pin(tokio_stream::iter(items));
    echo::response(metadata, stream)
}

#[tonic::async_trait]
impl hello::greeter_server::Greeter for HelloGreeter {
    async fn say_hello(
        &self,
        request: Request<hello::HelloRequest>,
    ) -> Result<Response<hello::HelloReply>, Status> {
        sleep_if_asked(request.metadata()).await;
        let message = format!("Hello, {}!", request.get_ref().name);
        Ok(echo::response(
            request.metadata(),
            hello::HelloReply { message },
        ))
    }

    async fn say_hello_again(
        &self,
        request: Request<hello::HelloRequest>,
    ) -> Result<Response<hello::HelloReply>, Status> {
        let message = format!("Hello again, {}!", request.get_ref().name);
        Ok(echo::response(
            request.metadata(),
            hello::HelloReply { message },
        ))
    }

    type SayHelloStreamReplyStream = BoxStream<hello::HelloReply>;

    async fn say_hello_stream_reply(
        &self,
        request: Request<hello::HelloRequest>,
    ) -> Result<Response<Self::SayHelloStreamReplyStream>, Status> {
        Ok(three_greetings(
            request.metadata(),
            &request.get_ref().name,
            |message| hello::HelloReply { message },
        ))
    }
}

#[tonic::async_trait]
impl helloworld::greeter_server::Greeter for HelloWorldGreeter {
    async fn say_hello(
        &self,
        request: Request<helloworld::HelloRequest>,
    ) -> Result<Response<helloworld::HelloReply>, Status> {
        sleep_if_asked(request.metadata()).await;
        let message = format!("Hello, {}!", request.get_ref().name);
        Ok(echo::response(
            request.metadata(),
            helloworld::HelloReply { message },
        ))
    }

    async fn say_hello_again(
        &self,
        request: Request<helloworld::HelloRequest>,
    ) -> Result<Response<helloworld::HelloReply>, Status> {
        let message = format!("Hello again, {}!", request.get_ref().name);
        Ok(echo::response(
            request.metadata(),
            helloworld::HelloReply { message },
        ))
    }

    type SayHelloStreamReplyStream = BoxStream<helloworld::HelloReply>;

    async fn say_hello_stream_reply(
        &self,
        request: Request<helloworld::HelloRequest>,
    ) -> Result<Response<Self::SayHelloStreamReplyStream>, Status> {
        Ok(three_greetings(
            request.metadata(),
            &request.get_ref().name,
            |message| helloworld::HelloReply { message },
        ))
    }

    type SayHelloBidiStreamStream = BoxStream<helloworld::HelloReply>;

    async fn say_hello_bidi_stream(
        &self,
        request: Request<Streaming<helloworld::HelloRequest>>,
    ) -> Result<Response<Self::SayHelloBidiStreamStream>, Status> {
        let trailer = echo::trailer(request.metadata());
        let headers = echo::headers(request.metadata());
        let mut requests = request.into_inner();
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        tokio::spawn(async move {
            loop {
                let item = match requests.message().await {
                    Ok(Some(request)) => Ok(helloworld::HelloReply {
                        message: format!("Hello, {}!", request.name),
                    }),
                    Ok(None) => break,
                    Err(status) => Err(status),
                };
                let failed = item.is_err();
                if tx.send(item).await.is_err() || failed {
                    return;
                }
            }
            if let Some(trailer) = trailer {
                let _ = tx.send(Err(trailer)).await;
            }
        });
        let stream: BoxStream<_> = Box::pin(ReceiverStream::new(rx));
        let mut response = Response::new(stream);
        *response.metadata_mut() = headers;
        Ok(response)
    }
}
