//! The typed client of `grpc.reflection.{v1,v1alpha}.ServerReflection`.

use super::messages::{ServerReflectionRequest, ServerReflectionResponse};
use super::{V1_INFO, V1ALPHA_INFO};
use crate::client::Channel;
use crate::rpc::{Request, Sender, Streaming};
use crate::status::{Code, Status};

/// Which package of the reflection service to call: the two are the same on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `grpc.reflection.v1`: current (grpcurl 1.8.8 and later try it first).
    V1,
    /// `grpc.reflection.v1alpha`: deprecated, what grpcurl 1.8.0 to 1.8.7 call.
    V1Alpha,
}

/// A typed client of the reflection service, over a [`Channel`].
///
/// ```no_run
/// use h2grpc::client::Channel;
/// use h2grpc::rpc::Request;
/// use h2grpc::services::reflection::{MessageRequest, ReflectionClient, ServerReflectionRequest, Version};
///
/// # async fn run() -> Result<(), h2grpc::status::Status> {
/// let client = ReflectionClient::new(Channel::connect("http://127.0.0.1:50051").await?, Version::V1);
/// let (mut requests, mut responses) = client.server_reflection_info(Request::new(())).await?;
/// let list = ServerReflectionRequest {
///     host: "".into(),
///     message_request: Some(MessageRequest::ListServices("*".into())),
/// };
/// let response = ReflectionClient::ask(&mut requests, &mut responses, &list).await?;
/// println!("{:?}", response.message_response);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ReflectionClient {
    channel: Channel,
    version: Version,
}

impl ReflectionClient {
    /// A client of `version`, calling over `channel`.
    pub fn new(channel: Channel, version: Version) -> Self {
        Self { channel, version }
    }

    /// The bidirectional `ServerReflectionInfo` call: send requests, read one response each.
    ///
    /// # Errors
    /// As [`Channel::bidi_streaming`].
    pub async fn server_reflection_info(
        &self,
        request: Request<()>,
    ) -> Result<
        (
            Sender<ServerReflectionRequest>,
            Streaming<ServerReflectionResponse>,
        ),
        Status,
    > {
        let path = match self.version {
            Version::V1 => V1_INFO,
            Version::V1Alpha => V1ALPHA_INFO,
        };
        self.channel.bidi_streaming(path, request).await
    }

    /// Sends `request` on an open call and waits for its response, as grpcurl does.
    ///
    /// # Errors
    /// The call's status if it ended, INTERNAL if it ended OK without an answer.
    pub async fn ask(
        requests: &mut Sender<ServerReflectionRequest>,
        responses: &mut Streaming<ServerReflectionResponse>,
        request: &ServerReflectionRequest,
    ) -> Result<ServerReflectionResponse, Status> {
        requests.send(request).await?;
        responses.message().await?.ok_or_else(|| {
            Status::new(
                Code::Internal,
                "the reflection stream ended without an answer",
            )
        })
    }
}
