//! The server of `users.UserService`: what it answers, fixed here where the users-service
//! tutorial leaves it open (`wire-tests/services.rs` checks each rule).
//!
//! - `CreateUser` checks the email: an empty one, or one without an `@`, is INVALID_ARGUMENT
//!   `Invalid email address`. Otherwise the new user gets a random UUID (v4) as id, the given
//!   name, email and age, and the current Unix time in seconds as `created_at`. Like the users
//!   demo's servicer, which reads `dict(context.invocation_metadata())`, it logs the request
//!   metadata at `debug`, as Python would print that dict (`RUST_LOG=h2grpc=debug` shows it).
//! - `GetUser` answers NOT_FOUND `User '{id}' not found` for an unknown id, the id quoted by
//!   Python's `repr` (the tutorial's `{request.user_id!r}`): see [`python::repr_str`].
//! - `ListUsers` sends one page: at most `page_size` users, in creation order. `page_size` 0
//!   means [`DEFAULT_PAGE_SIZE`] (the tutorial's `request.page_size or 10`), one above
//!   [`MAX_PAGE_SIZE`] is lowered to it, and a negative one is refused with INVALID_ARGUMENT.
//!   `page_token` is a cursor: see "Paging" in the docs of [`super`] (`mod.rs`).
//! - `BulkCreateUsers` checks every request as `CreateUser` does; the first invalid one ends the
//!   call with INVALID_ARGUMENT at once, and none of the batch is created (the users are only
//!   stored, with [`UserStore::create_many`], once the client half-closed).
//! - `CreateUser` and `BulkCreateUsers` answer RESOURCE_EXHAUSTED when the store has no room
//!   for the new users (a [`MemoryUserStore`] holds [`super::DEFAULT_MAX_USERS`] by default,
//!   `h2grpc serve --max-users N` sets another cap); a batch that does not fit whole creates
//!   no user.
//! - The users live as long as the server process, shared by every connection; concurrent
//!   calls lose no write.
//! - With [`auth`](crate::services::auth) installed (`h2grpc serve --auth-token`), a call without
//!   the configured bearer token is UNAUTHENTICATED `Missing or invalid token`.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use super::messages::{
    BULK_CREATE_USERS, BulkCreateResponse, CREATE_USER, CreateUserRequest, GET_USER,
    GetUserRequest, LIST_USERS, ListUsersRequest, User,
};
use super::store::{MemoryUserStore, UserStore};
use crate::metadata::Metadata;
use crate::rpc::{Request, Response, Sender, Streaming};
use crate::server::Server;
use crate::services::python;
use crate::status::Status;

/// How many users `ListUsers` sends when `page_size` is 0 (a count of users).
pub const DEFAULT_PAGE_SIZE: usize = 10;

/// The most users one `ListUsers` call sends (a count of users): a larger `page_size` is
/// lowered to it. Each call copies its page out of the store before sending, so this bounds
/// the memory and the lock time one call costs; clients page on with `page_token`.
pub const MAX_PAGE_SIZE: usize = 1_000;

/// The `users.UserService` service over a [`UserStore`]: register it on a [`Server`] with
/// [`UserService::register`].
#[derive(Clone)]
pub struct UserService {
    store: Arc<dyn UserStore>,
}

impl std::fmt::Debug for UserService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserService").finish_non_exhaustive()
    }
}

impl Default for UserService {
    fn default() -> Self {
        Self::in_memory()
    }
}

impl UserService {
    /// The service over `store`.
    pub fn new(store: Arc<dyn UserStore>) -> Self {
        Self { store }
    }

    /// The service over a new, empty [`MemoryUserStore`].
    pub fn in_memory() -> Self {
        Self::new(Arc::new(MemoryUserStore::new()))
    }

    /// The store the service reads and writes.
    pub fn store(&self) -> &Arc<dyn UserStore> {
        &self.store
    }

    /// `CreateUser`.
    ///
    /// # Errors
    /// INVALID_ARGUMENT `Invalid email address`; the store's error.
    pub fn create_user(&self, request: Request<CreateUserRequest>) -> Result<User, Status> {
        tracing::debug!(
            metadata = %invocation_metadata(request.metadata()),
            "CreateUser invocation metadata"
        );
        let user = new_user(request.get_ref())?;
        self.store.create(user.clone())?;
        Ok(user)
    }

    /// `GetUser`.
    ///
    /// # Errors
    /// NOT_FOUND `User 'x' not found` (the id as Python's `repr` quotes it).
    pub fn get_user(&self, request: &GetUserRequest) -> Result<User, Status> {
        self.store.get(&request.user_id).ok_or_else(|| {
            Status::not_found(format!(
                "User {} not found",
                python::repr_str(&request.user_id)
            ))
        })
    }

    /// The users `ListUsers` sends for `request`: one page (see the module docs on paging).
    ///
    /// # Errors
    /// INVALID_ARGUMENT for a negative `page_size`, or a `page_token` that is the id of no user.
    pub fn list_users(&self, request: &ListUsersRequest) -> Result<Vec<User>, Status> {
        let limit = match request.page_size {
            0 => DEFAULT_PAGE_SIZE,
            n => usize::try_from(n)
                .map_err(|_| {
                    Status::invalid_argument(format!(
                        "Invalid page_size {n}: it must be 0 or more \
                         (0 means {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE} are sent)"
                    ))
                })?
                .min(MAX_PAGE_SIZE),
        };
        let token = &*request.page_token;
        let after = (!token.is_empty()).then_some(token);
        self.store.list(after, limit).ok_or_else(|| {
            Status::invalid_argument(format!(
                "Invalid page_token {}: it must be the id of the last user of a page",
                python::repr_str(token)
            ))
        })
    }

    /// Adds the four methods to `server`.
    #[must_use]
    pub fn register(self, server: Server) -> Server {
        let (get, create, list, bulk) = (self.clone(), self.clone(), self.clone(), self);
        server
            .unary(GET_USER, move |request: Request<GetUserRequest>| {
                let reply = get.get_user(request.get_ref()).map(Response::new);
                async move { reply }
            })
            .unary(CREATE_USER, move |request: Request<CreateUserRequest>| {
                let reply = create.create_user(request).map(Response::new);
                async move { reply }
            })
            .server_streaming(
                LIST_USERS,
                move |request: Request<ListUsersRequest>, replies| {
                    // A snapshot: the store is not locked while the users go out.
                    let users = list.list_users(request.get_ref());
                    async move { send_all(users?, replies).await }
                },
            )
            .client_streaming(BULK_CREATE_USERS, move |requests| {
                bulk_create_users(bulk.store.clone(), requests)
            })
    }
}

/// Adds `users.UserService` over a new in-memory store to `server`.
#[must_use]
pub fn register(server: Server) -> Server {
    UserService::in_memory().register(server)
}

/// Checks an email address as the tutorial does: not empty, and with an `@`.
///
/// # Errors
/// INVALID_ARGUMENT `Invalid email address`.
pub fn validate_email(email: &str) -> Result<(), Status> {
    if email.is_empty() || !email.contains('@') {
        return Err(Status::invalid_argument("Invalid email address"));
    }
    Ok(())
}

/// The user `request` creates: checked, with a fresh UUID v4 id and `created_at` now.
///
/// # Errors
/// As [`validate_email`].
pub fn new_user(request: &CreateUserRequest) -> Result<User, Status> {
    validate_email(&request.email)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Ok(User {
        id: uuid::Uuid::new_v4().to_string().into(),
        name: request.name.clone(),
        email: request.email.clone(),
        age: request.age,
        created_at: i64::try_from(now.as_secs()).unwrap_or(i64::MAX),
    })
}

/// Request metadata as Python prints `dict(context.invocation_metadata())`:
/// `{'ip': '127.0.0.1', 'user-agent': 'h2grpc/0.1.0'}`. As in a dict, a key sent twice shows
/// once, with its last value, where it first appeared; `-bin` values show as their base64 text.
pub fn invocation_metadata(metadata: &Metadata) -> String {
    let mut entries: Vec<(&str, String)> = Vec::with_capacity(metadata.len());
    for (key, value) in metadata.iter() {
        let value = String::from_utf8_lossy(value).into_owned();
        match entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => entries.push((key, value)),
        }
    }
    let shown: Vec<String> = entries
        .iter()
        .map(|(k, v)| format!("{}: {}", python::repr_str(k), python::repr_str(v)))
        .collect();
    format!("{{{}}}", shown.join(", "))
}

/// `ListUsers`: sends the snapshot, one message per user.
async fn send_all(users: Vec<User>, mut replies: Sender<User>) -> Result<(), Status> {
    for user in &users {
        replies.send(user).await?;
    }
    Ok(())
}

/// `BulkCreateUsers`: every request checked as it arrives; all stored at the end, or none.
async fn bulk_create_users(
    store: Arc<dyn UserStore>,
    request: Request<Streaming<CreateUserRequest>>,
) -> Result<Response<BulkCreateResponse>, Status> {
    let mut requests = request.into_inner();
    let mut users = Vec::new();
    while let Some(request) = requests.message().await? {
        users.push(new_user(&request)?);
    }
    let created_count = i32::try_from(users.len())
        .map_err(|_| Status::out_of_range("a batch holds at most 2147483647 users"))?;
    let user_ids = users.iter().map(|user| user.id.clone()).collect();
    store.create_many(users)?;
    Ok(Response::new(BulkCreateResponse {
        created_count,
        user_ids,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protobuf::Text;

    #[test]
    fn emails() {
        for bad in ["", "alice", "alice.example.com"] {
            let status = validate_email(bad).unwrap_err();
            assert_eq!(status.code(), crate::status::Code::InvalidArgument);
            assert_eq!(status.message(), "Invalid email address");
        }
        for good in ["alice@example.com", "@", "a@b"] {
            validate_email(good).unwrap();
        }
    }

    #[test]
    fn new_users_get_a_uuid_v4_and_the_time() {
        let request = CreateUserRequest {
            name: "Alice".into(),
            email: "alice@example.com".into(),
            age: 30,
        };
        let (a, b) = (new_user(&request).unwrap(), new_user(&request).unwrap());
        assert_ne!(a.id, b.id);
        let id = uuid::Uuid::parse_str(&a.id).unwrap();
        assert_eq!(id.get_version_num(), 4);
        assert_eq!(a.id.len(), 36, "hyphenated, as str(uuid.uuid4())");
        assert!(a.created_at > 1_600_000_000);
        assert_eq!(
            (&*a.name, &*a.email, a.age),
            ("Alice", "alice@example.com", 30)
        );
    }

    #[test]
    fn metadata_as_a_python_dict() {
        let mut metadata = Metadata::new();
        metadata.insert("ip", "127.0.0.1").unwrap();
        metadata.insert("user-agent", "h2grpc/0.1.0").unwrap();
        metadata.append("ip", "10.0.0.1").unwrap();
        assert_eq!(
            invocation_metadata(&metadata),
            "{'ip': '10.0.0.1', 'user-agent': 'h2grpc/0.1.0'}"
        );
        assert_eq!(invocation_metadata(&Metadata::new()), "{}");
    }

    #[test]
    fn list_sizes() {
        let service = UserService::in_memory();
        for i in 0..12 {
            let request = CreateUserRequest {
                name: format!("u{i}").into(),
                email: "u@example.com".into(),
                age: 1,
            };
            service.create_user(Request::new(request)).unwrap();
        }
        let count = |page_size| {
            service
                .list_users(&ListUsersRequest {
                    page_size,
                    ..Default::default()
                })
                .map(|users| users.len())
        };
        assert_eq!(count(0), Ok(DEFAULT_PAGE_SIZE));
        assert_eq!(count(3), Ok(3));
        assert_eq!(count(100), Ok(12));
        for negative in [-1, i32::MIN] {
            let status = count(negative).unwrap_err();
            assert_eq!(status.code(), crate::status::Code::InvalidArgument);
            assert_eq!(
                status.message(),
                format!(
                    "Invalid page_size {negative}: it must be 0 or more \
                     (0 means 10, at most 1000 are sent)"
                )
            );
        }
    }

    fn service_with(users: usize) -> UserService {
        let service = UserService::in_memory();
        for i in 0..users {
            let request = CreateUserRequest {
                name: format!("u{i}").into(),
                email: "u@example.com".into(),
                age: 1,
            };
            service.create_user(Request::new(request)).unwrap();
        }
        service
    }

    #[test]
    fn page_size_is_capped() {
        let service = service_with(MAX_PAGE_SIZE + 5);
        for page_size in [1_001, i32::MAX] {
            let request = ListUsersRequest {
                page_size,
                ..Default::default()
            };
            assert_eq!(service.list_users(&request).unwrap().len(), MAX_PAGE_SIZE);
        }
    }

    #[test]
    fn page_token_is_the_last_id_seen() {
        let service = service_with(7);
        let all = service
            .list_users(&ListUsersRequest {
                page_size: 100,
                ..Default::default()
            })
            .unwrap();
        let mut token = Text::default();
        let mut paged = Vec::new();
        loop {
            let request = ListUsersRequest {
                page_size: 3,
                page_token: token.clone(),
            };
            let page = service.list_users(&request).unwrap();
            assert!(page.len() <= 3);
            let Some(last) = page.last() else { break };
            token = last.id.clone();
            paged.extend(page);
        }
        assert_eq!(paged, all);

        for bad in ["nonexistent", "it's"] {
            let request = ListUsersRequest {
                page_size: 3,
                page_token: bad.into(),
            };
            let status = service.list_users(&request).unwrap_err();
            assert_eq!(status.code(), crate::status::Code::InvalidArgument);
            assert_eq!(
                status.message(),
                format!(
                    "Invalid page_token {}: it must be the id of the last user of a page",
                    python::repr_str(bad)
                )
            );
        }
    }

    #[test]
    fn create_user_is_refused_when_the_store_is_full() {
        let service = UserService::new(Arc::new(MemoryUserStore::with_max_users(1)));
        let request = || {
            Request::new(CreateUserRequest {
                name: "Alice".into(),
                email: "alice@example.com".into(),
                age: 30,
            })
        };
        service.create_user(request()).unwrap();
        let status = service.create_user(request()).unwrap_err();
        assert_eq!(status.code(), crate::status::Code::ResourceExhausted);
        let bad = Request::new(CreateUserRequest::default());
        let status = service.create_user(bad).unwrap_err();
        assert_eq!(status.message(), "Invalid email address", "checked first");
    }
}
