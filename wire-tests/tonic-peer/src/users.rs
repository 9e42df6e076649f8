//! users.UserService, with ids that count up (deterministic for tests).

use std::sync::{Arc, Mutex};

use tonic::{Request, Response, Status, Streaming};

use crate::echo;
use crate::greeter::BoxStream;
use crate::pb::users::user_service_server::UserService;
use crate::pb::users::{
    BulkCreateResponse, CreateUserRequest, GetUserRequest, ListUsersRequest, User,
};

/// `users.UserService`; clones share the users.
#[derive(Debug, Clone, Default)]
pub struct Users {
    users: Arc<Mutex<Vec<User>>>,
}

/// `00000000-0000-4000-8000-<n as 12 hex digits>`: UUID-shaped, and predictable.
pub fn user_id(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn check(request: &CreateUserRequest) -> Result<(), Status> {
    if request.email.is_empty() || !request.email.contains('@') {
        return Err(Status::invalid_argument("Invalid email address"));
    }
    Ok(())
}

fn seconds() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.map_or(0, |elapsed| {
        i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
    })
}

impl Users {
    /// Adds one user per request, all or none; returns their ids.
    fn create(&self, requests: Vec<CreateUserRequest>) -> Result<Vec<User>, Status> {
        requests.iter().try_for_each(check)?;
        let mut users = self.users.lock().expect("users lock");
        let created: Vec<User> = requests
            .into_iter()
            .enumerate()
            .map(|(i, request)| User {
                id: user_id(users.len() + i + 1),
                name: request.name,
                email: request.email,
                age: request.age,
                created_at: seconds(),
            })
            .collect();
        users.extend(created.iter().cloned());
        Ok(created)
    }
}

#[tonic::async_trait]
impl UserService for Users {
    async fn get_user(&self, request: Request<GetUserRequest>) -> Result<Response<User>, Status> {
        let id = &request.get_ref().user_id;
        let found = {
            let users = self.users.lock().expect("users lock");
            users.iter().find(|user| &user.id == id).cloned()
        };
        match found {
            Some(user) => Ok(echo::response(request.metadata(), user)),
            None => Err(Status::not_found(format!("User '{id}' not found"))),
        }
    }

    async fn create_user(
        &self,
        request: Request<CreateUserRequest>,
    ) -> Result<Response<User>, Status> {
        let (metadata, _, message) = request.into_parts();
        let mut created = self.create(vec![message])?;
        let user = created.pop().expect("one request, one user");
        Ok(echo::response(&metadata, user))
    }

    type ListUsersStream = BoxStream<User>;

    async fn list_users(
        &self,
        request: Request<ListUsersRequest>,
    ) -> Result<Response<Self::ListUsersStream>, Status> {
        let page_size = match request.get_ref().page_size {
            0 => 10,
            n => usize::try_from(n).unwrap_or(0),
        };
        let mut items: Vec<Result<User, Status>> = {
            let users = self.users.lock().expect("users lock");
            users.iter().take(page_size).cloned().map(Ok).collect()
        };
        items.extend(echo::trailer(request.metadata()).map(Err));
        let stream: BoxStream<User> = Box::pin(tokio_stream::iter(items));
        Ok(echo::response(request.metadata(), stream))
    }

    async fn bulk_create_users(
        &self,
        request: Request<Streaming<CreateUserRequest>>,
    ) -> Result<Response<BulkCreateResponse>, Status> {
        let headers = echo::headers(request.metadata());
        let mut stream = request.into_inner();
        let mut requests = Vec::new();
        while let Some(request) = stream.message().await? {
            requests.push(request);
        }
        let created = self.create(requests)?;
        let mut response = Response::new(BulkCreateResponse {
            created_count: i32::try_from(created.len()).unwrap_or(i32::MAX),
            user_ids: created.into_iter().map(|user| user.id).collect(),
        });
        *response.metadata_mut() = headers;
        Ok(response)
    }
}
