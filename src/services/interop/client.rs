//! The typed client of `grpc.testing.TestService` (and of the `UnimplementedService` no server
//! implements).

use super::messages::{
    EMPTY_CALL, Empty, FULL_DUPLEX_CALL, HALF_DUPLEX_CALL, STREAMING_INPUT_CALL,
    STREAMING_OUTPUT_CALL, SimpleRequest, SimpleResponse, StreamingInputCallRequest,
    StreamingInputCallResponse, StreamingOutputCallRequest, StreamingOutputCallResponse,
    UNARY_CALL, UNIMPLEMENTED_CALL, UNIMPLEMENTED_SERVICE_CALL,
};
use crate::client::{Channel, ClientStreamingCall};
use crate::rpc::{Request, Response, Sender, Streaming};
use crate::status::Status;

/// A typed client of `grpc.testing.TestService`: one method per RPC, over a [`Channel`].
///
/// ```no_run
/// use h2grpc::client::Channel;
/// use h2grpc::rpc::Request;
/// use h2grpc::services::interop::{Payload, SimpleRequest, TestServiceClient};
///
/// # async fn run() -> Result<(), h2grpc::status::Status> {
/// let client = TestServiceClient::new(Channel::connect("http://127.0.0.1:10000").await?);
/// let request = SimpleRequest {
///     response_size: 314_159,
///     payload: Some(Payload::zeros(271_828)),
///     ..SimpleRequest::default()
/// };
/// let response = client.unary_call(Request::new(request)).await?;
/// assert_eq!(response.get_ref().payload.as_ref().map(|p| p.body.len()), Some(314_159));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TestServiceClient {
    channel: Channel,
}

impl TestServiceClient {
    /// A client calling over `channel`.
    pub fn new(channel: Channel) -> Self {
        Self { channel }
    }

    /// The channel it calls over.
    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    /// Unary `EmptyCall`.
    ///
    /// # Errors
    /// The call's status when it is not OK.
    pub async fn empty_call(&self, request: Request<Empty>) -> Result<Response<Empty>, Status> {
        self.channel.unary(EMPTY_CALL, request).await
    }

    /// Unary `UnaryCall`.
    ///
    /// # Errors
    /// The call's status when it is not OK.
    pub async fn unary_call(
        &self,
        request: Request<SimpleRequest>,
    ) -> Result<Response<SimpleResponse>, Status> {
        self.channel.unary(UNARY_CALL, request).await
    }

    /// Server-streaming `StreamingOutputCall`.
    ///
    /// # Errors
    /// As [`Channel::server_streaming`].
    pub async fn streaming_output_call(
        &self,
        request: Request<StreamingOutputCallRequest>,
    ) -> Result<Streaming<StreamingOutputCallResponse>, Status> {
        self.channel
            .server_streaming(STREAMING_OUTPUT_CALL, request)
            .await
    }

    /// Client-streaming `StreamingInputCall`.
    ///
    /// # Errors
    /// As [`Channel::client_streaming`].
    pub async fn streaming_input_call(
        &self,
        request: Request<()>,
    ) -> Result<ClientStreamingCall<StreamingInputCallRequest, StreamingInputCallResponse>, Status>
    {
        self.channel
            .client_streaming(STREAMING_INPUT_CALL, request)
            .await
    }

    /// Bidirectional `FullDuplexCall`.
    ///
    /// # Errors
    /// As [`Channel::bidi_streaming`].
    pub async fn full_duplex_call(
        &self,
        request: Request<()>,
    ) -> Result<
        (
            Sender<StreamingOutputCallRequest>,
            Streaming<StreamingOutputCallResponse>,
        ),
        Status,
    > {
        self.channel.bidi_streaming(FULL_DUPLEX_CALL, request).await
    }

    /// Bidirectional `HalfDuplexCall`: the server answers once the requests are half-closed.
    ///
    /// # Errors
    /// As [`Channel::bidi_streaming`].
    pub async fn half_duplex_call(
        &self,
        request: Request<()>,
    ) -> Result<
        (
            Sender<StreamingOutputCallRequest>,
            Streaming<StreamingOutputCallResponse>,
        ),
        Status,
    > {
        self.channel.bidi_streaming(HALF_DUPLEX_CALL, request).await
    }

    /// Unary `UnimplementedCall`, which servers deliberately do not implement.
    ///
    /// # Errors
    /// UNIMPLEMENTED, from a conforming server.
    pub async fn unimplemented_call(
        &self,
        request: Request<Empty>,
    ) -> Result<Response<Empty>, Status> {
        self.channel.unary(UNIMPLEMENTED_CALL, request).await
    }

    /// `grpc.testing.UnimplementedService/UnimplementedCall`: a service no server implements.
    ///
    /// # Errors
    /// UNIMPLEMENTED, from a conforming server.
    pub async fn unimplemented_service_call(
        &self,
        request: Request<Empty>,
    ) -> Result<Response<Empty>, Status> {
        self.channel
            .unary(UNIMPLEMENTED_SERVICE_CALL, request)
            .await
    }
}
