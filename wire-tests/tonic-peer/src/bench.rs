//! Lean tonic services for h2grpc's benchmarks (`benches/rpc.rs`, `benches/tonic_server.rs`):
//! the same work as h2grpc's handlers, nothing more.
//!
//! [`HelloGreeter`](crate::HelloGreeter) answers the test knobs (it looks up `x-custom`,
//! `x-bin-bin`, `grpc-timeout` and `x-sleep-ms` in every request), which h2grpc's
//! `services::hello` does not: comparing the two would charge tonic for work h2grpc skips.
//! [`LeanGreeter`] does exactly what `h2grpc::services::hello` does: one `format!` per reply.
//!
//! [`LeanTestService`] serves the three `grpc.testing.TestService` methods the benchmarks call,
//! as the benchmarks' h2grpc handlers do: `UnaryCall` and `StreamingOutputCall` answer payloads
//! of zeros (one fresh buffer per message), `StreamingInputCall` sums the payload sizes. No
//! echoed metadata, statuses or compression. The other methods are UNIMPLEMENTED.

use tonic::{Request, Response, Status, Streaming};

use crate::greeter::BoxStream;
use crate::pb::grpc::testing::{
    self as testing, Empty, Payload, SimpleRequest, SimpleResponse, StreamingInputCallRequest,
    StreamingInputCallResponse, StreamingOutputCallRequest, StreamingOutputCallResponse,
};
use crate::pb::hello;

/// `hello.Greeter` doing what h2grpc's does: `"Hello, {name}!"`, three streamed replies.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeanGreeter;

#[tonic::async_trait]
impl hello::greeter_server::Greeter for LeanGreeter {
    async fn say_hello(
        &self,
        request: Request<hello::HelloRequest>,
    ) -> Result<Response<hello::HelloReply>, Status> {
        let message = format!("Hello, {}!", request.get_ref().name);
        Ok(Response::new(hello::HelloReply { message }))
    }

    async fn say_hello_again(
        &self,
        request: Request<hello::HelloRequest>,
    ) -> Result<Response<hello::HelloReply>, Status> {
        let message = format!("Hello again, {}!", request.get_ref().name);
        Ok(Response::new(hello::HelloReply { message }))
    }

    type SayHelloStreamReplyStream = BoxStream<hello::HelloReply>;

    /// The three replies, ready at once (tonic's cheapest response stream: no channel, no task).
    async fn say_hello_stream_reply(
        &self,
        request: Request<hello::HelloRequest>,
    ) -> Result<Response<Self::SayHelloStreamReplyStream>, Status> {
        let name = request.into_inner().name;
        let replies = (1..=3).map(move |n| {
            Ok(hello::HelloReply {
                message: format!("Hello, {name}! #{n}"),
            })
        });
        Ok(Response::new(Box::pin(tokio_stream::iter(replies))))
    }
}

/// A payload of `size` zeros, in a fresh buffer (as h2grpc's `Payload::zeros`).
fn zeros(size: i32) -> Payload {
    let size = usize::try_from(size).unwrap_or(0);
    Payload {
        r#type: testing::PayloadType::Compressable as i32,
        body: vec![0; size].into(),
    }
}

/// `grpc.testing.TestService`: `UnaryCall`, `StreamingOutputCall` and `StreamingInputCall`.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeanTestService;

fn unimplemented<T>() -> Result<T, Status> {
    Err(Status::unimplemented("not served by the benchmarks"))
}

#[tonic::async_trait]
impl testing::test_service_server::TestService for LeanTestService {
    async fn empty_call(&self, _: Request<Empty>) -> Result<Response<Empty>, Status> {
        unimplemented()
    }

    /// A payload of `response_size` zeros.
    async fn unary_call(
        &self,
        request: Request<SimpleRequest>,
    ) -> Result<Response<SimpleResponse>, Status> {
        let payload = zeros(request.get_ref().response_size);
        Ok(Response::new(SimpleResponse {
            payload: Some(payload),
            ..SimpleResponse::default()
        }))
    }

    async fn cacheable_unary_call(
        &self,
        _: Request<SimpleRequest>,
    ) -> Result<Response<SimpleResponse>, Status> {
        unimplemented()
    }

    type StreamingOutputCallStream = BoxStream<StreamingOutputCallResponse>;

    /// One payload of zeros per `ResponseParameters`, produced as tonic pulls them (an
    /// iterator stream: no channel, no task).
    async fn streaming_output_call(
        &self,
        request: Request<StreamingOutputCallRequest>,
    ) -> Result<Response<Self::StreamingOutputCallStream>, Status> {
        let parameters = request.into_inner().response_parameters;
        let responses = parameters.into_iter().map(|parameters| {
            Ok(StreamingOutputCallResponse {
                payload: Some(zeros(parameters.size)),
            })
        });
        Ok(Response::new(Box::pin(tokio_stream::iter(responses))))
    }

    /// The sum of the payload sizes received.
    async fn streaming_input_call(
        &self,
        request: Request<Streaming<StreamingInputCallRequest>>,
    ) -> Result<Response<StreamingInputCallResponse>, Status> {
        let mut requests = request.into_inner();
        let mut total: i32 = 0;
        while let Some(message) = requests.message().await? {
            let size = message.payload.map_or(0, |payload| payload.body.len());
            total = i32::try_from(size)
                .ok()
                .and_then(|size| total.checked_add(size))
                .ok_or_else(|| Status::invalid_argument("aggregated size overflows int32"))?;
        }
        Ok(Response::new(StreamingInputCallResponse {
            aggregated_payload_size: total,
        }))
    }

    type FullDuplexCallStream = BoxStream<StreamingOutputCallResponse>;

    async fn full_duplex_call(
        &self,
        _: Request<Streaming<StreamingOutputCallRequest>>,
    ) -> Result<Response<Self::FullDuplexCallStream>, Status> {
        unimplemented()
    }

    type HalfDuplexCallStream = BoxStream<StreamingOutputCallResponse>;

    async fn half_duplex_call(
        &self,
        _: Request<Streaming<StreamingOutputCallRequest>>,
    ) -> Result<Response<Self::HalfDuplexCallStream>, Status> {
        unimplemented()
    }

    async fn unimplemented_call(&self, _: Request<Empty>) -> Result<Response<Empty>, Status> {
        unimplemented()
    }
}
