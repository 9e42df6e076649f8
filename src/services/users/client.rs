//! The typed client of `users.UserService`.

use super::messages::{
    BULK_CREATE_USERS, BulkCreateResponse, CREATE_USER, CreateUserRequest, GET_USER,
    GetUserRequest, LIST_USERS, ListUsersRequest, User,
};
use crate::client::{Channel, ClientStreamingCall};
use crate::rpc::{Request, Response, Streaming};
use crate::status::Status;

/// A typed client of `users.UserService`: one method per RPC, over a [`Channel`].
///
/// ```no_run
/// use h2grpc::client::Channel;
/// use h2grpc::rpc::Request;
/// use h2grpc::services::users::{CreateUserRequest, UserServiceClient};
///
/// # async fn run() -> Result<(), h2grpc::status::Status> {
/// let users = UserServiceClient::new(Channel::connect("http://127.0.0.1:50051").await?);
/// let request = CreateUserRequest {
///     name: "Alice".into(),
///     email: "alice@example.com".into(),
///     age: 30,
/// };
/// let user = users.create_user(Request::new(request)).await?.into_inner();
/// println!("Created: {} — {}", user.id, user.name);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct UserServiceClient {
    channel: Channel,
}

impl UserServiceClient {
    /// A client calling over `channel`.
    pub fn new(channel: Channel) -> Self {
        Self { channel }
    }

    /// Unary `GetUser`.
    ///
    /// # Errors
    /// NOT_FOUND for an unknown id; the call's status when it is not OK (see
    /// [`Channel::unary`]).
    pub async fn get_user(
        &self,
        request: Request<GetUserRequest>,
    ) -> Result<Response<User>, Status> {
        self.channel.unary(GET_USER, request).await
    }

    /// Unary `CreateUser`.
    ///
    /// # Errors
    /// INVALID_ARGUMENT for an email without `@`; as [`Channel::unary`].
    pub async fn create_user(
        &self,
        request: Request<CreateUserRequest>,
    ) -> Result<Response<User>, Status> {
        self.channel.unary(CREATE_USER, request).await
    }

    /// Server-streaming `ListUsers`.
    ///
    /// # Errors
    /// As [`Channel::server_streaming`].
    pub async fn list_users(
        &self,
        request: Request<ListUsersRequest>,
    ) -> Result<Streaming<User>, Status> {
        self.channel.server_streaming(LIST_USERS, request).await
    }

    /// Client-streaming `BulkCreateUsers`: send the requests, then
    /// [`ClientStreamingCall::finish`] for the [`BulkCreateResponse`]. If the server refuses
    /// one request, later sends may fail; `finish` still returns the server's status.
    ///
    /// # Errors
    /// As [`Channel::client_streaming`].
    pub async fn bulk_create_users(
        &self,
        request: Request<()>,
    ) -> Result<ClientStreamingCall<CreateUserRequest, BulkCreateResponse>, Status> {
        self.channel
            .client_streaming(BULK_CREATE_USERS, request)
            .await
    }
}
