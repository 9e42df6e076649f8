//! h2grpc's side of the tonic peer (`wire-tests/tonic-peer`): the same four services with the
//! same simplified, deterministic behaviour and the same test knobs (the table in the peer's
//! crate docs), written as h2grpc handlers. Interop tests point tonic's clients at it; the
//! same-wire tests send one raw request to it and to the tonic peer and compare the answers.
//!
//! One knob is h2grpc's alone: `x-unary-trailer: v` makes a unary method answer trailing
//! metadata `x-trailer: v`. tonic has no API to set trailing metadata on a successful unary
//! response, so the tonic peer cannot mirror it; only tonic *clients* are pointed at it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use h2grpc::metadata::Metadata;
use h2grpc::rpc::{Request, Response, Sender, Streaming};
use h2grpc::server::Server;
use h2grpc::services::finance::{
    self, BatchReply, ConvertReply, ConvertRequest, RateUpdate, WatchRequest,
};
use h2grpc::services::hello::{self, HelloReply, HelloRequest};
use h2grpc::services::helloworld;
use h2grpc::services::users::{
    self, BulkCreateResponse, CreateUserRequest, GetUserRequest, ListUsersRequest, User,
};
use h2grpc::status::Status;
// The rate table and the id scheme are the peer's own functions, so the two servers cannot drift.
use tonic_peer::{rate, user_id};

/// A server on a loopback port, stopped (gracefully) when dropped.
#[derive(Debug)]
pub(crate) struct Running {
    pub(crate) addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Running {
    /// `http://127.0.0.1:<port>`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves `server` on `127.0.0.1:0` from a task of the current runtime.
pub(crate) async fn spawn(server: Server) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = server.grace_period(Duration::from_millis(100));
    tokio::spawn(server.serve_with_shutdown(listener, async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        stop: Some(stop),
    }
}

/// An h2grpc server with every service of the tonic peer, on a loopback port.
pub(crate) async fn spawn_all() -> Running {
    spawn(all(Server::new())).await
}

/// Registers hello.Greeter, helloworld.Greeter, finance.CurrencyConverter and users.UserService.
pub(crate) fn all(server: Server) -> Server {
    users(finance(greeters(server)))
}

// ===== The knobs =====

/// The response headers that echo a request (the peer's `echo::headers`). h2grpc hands the
/// handler the parsed `grpc-timeout`, so it is formatted again here: the value is the same as
/// long as h2grpc's format agrees with tonic's, which the tests check.
fn echo(request: &Metadata, timeout: Option<Duration>) -> Metadata {
    let mut echo = Metadata::new();
    if let Some(value) = request.get("x-custom") {
        echo.insert("x-custom-echo", value).unwrap();
    }
    if let Some(Ok(value)) = request.get_bin("x-bin-bin") {
        echo.insert_bin("x-bin-echo-bin", &value).unwrap();
    }
    if let Some(timeout) = timeout {
        let formatted = h2grpc::timeout::format(timeout);
        echo.insert("x-timeout-echo", formatted.to_str().unwrap())
            .unwrap();
    }
    echo
}

/// `message` as a response echoing `request`'s metadata, with the `x-unary-trailer` knob.
fn respond<Req, T>(request: &Request<Req>, message: T) -> Response<T> {
    let mut response = Response::new(message);
    *response.metadata_mut() = echo(request.metadata(), request.timeout());
    if let Some(value) = request.metadata().get("x-unary-trailer") {
        response.trailers_mut().insert("x-trailer", value).unwrap();
    }
    response
}

/// Sends the echo headers at once, as tonic sends Response-Headers as soon as a streaming
/// handler returns its stream.
async fn stream_headers<Req, T: h2grpc::protobuf::Message>(
    request: &Request<Req>,
    tx: &mut Sender<T>,
) -> Result<(), Status> {
    tx.send_headers(echo(request.metadata(), request.timeout()))
        .await
}

/// The trailer knob of streaming responses: `x-trailer: done` when the request had `x-custom`.
async fn stream_trailers<T: h2grpc::protobuf::Message>(
    request: &Metadata,
    tx: &mut Sender<T>,
) -> Result<(), Status> {
    if request.get("x-custom").is_some() {
        let mut trailers = Metadata::new();
        trailers.insert("x-trailer", "done").unwrap();
        tx.set_trailers(trailers).await?;
    }
    Ok(())
}

async fn sleep_if_asked(request: &Metadata) {
    if let Some(millis) = request.get("x-sleep-ms").and_then(|v| v.parse().ok()) {
        tokio::time::sleep(Duration::from_millis(millis)).await;
    }
}

// ===== hello.Greeter and helloworld.Greeter =====

fn greeters(server: Server) -> Server {
    let mut server = server;
    for (say_hello, again, stream_reply) in [
        (
            hello::SAY_HELLO,
            hello::SAY_HELLO_AGAIN,
            hello::SAY_HELLO_STREAM_REPLY,
        ),
        (
            helloworld::SAY_HELLO,
            helloworld::SAY_HELLO_AGAIN,
            helloworld::SAY_HELLO_STREAM_REPLY,
        ),
    ] {
        server = server
            .unary(say_hello, |request: Request<HelloRequest>| async move {
                sleep_if_asked(request.metadata()).await;
                let message = format!("Hello, {}!", request.get_ref().name).into();
                Ok(respond(&request, HelloReply { message }))
            })
            .unary(again, |request: Request<HelloRequest>| async move {
                let message = format!("Hello again, {}!", request.get_ref().name).into();
                Ok(respond(&request, HelloReply { message }))
            })
            .server_streaming(
                stream_reply,
                |request: Request<HelloRequest>, mut tx: Sender<HelloReply>| async move {
                    stream_headers(&request, &mut tx).await?;
                    for i in 1..=3 {
                        let message = format!("Hello, {}! #{i}", request.get_ref().name).into();
                        tx.send(&HelloReply { message }).await?;
                    }
                    stream_trailers(request.metadata(), &mut tx).await
                },
            );
    }
    server.bidi_streaming(
        helloworld::SAY_HELLO_BIDI_STREAM,
        |request: Request<Streaming<HelloRequest>>, mut tx: Sender<HelloReply>| async move {
            stream_headers(&request, &mut tx).await?;
            let (metadata, mut requests) = request.into_parts();
            while let Some(request) = requests.message().await? {
                let message = format!("Hello, {}!", request.name).into();
                tx.send(&HelloReply { message }).await?;
            }
            stream_trailers(&metadata, &mut tx).await
        },
    )
}

// ===== finance.CurrencyConverter =====

fn convert(request: &ConvertRequest) -> Result<ConvertReply, Status> {
    if !["USD", "EUR", "GBP", "JPY"].contains(&&*request.from_currency) {
        return Err(Status::invalid_argument(format!(
            "Unsupported currency: {}",
            request.from_currency
        )));
    }
    if request.amount <= 0.0 {
        return Err(Status::out_of_range(format!(
            "Amount must be positive, got: {:?}",
            request.amount
        )));
    }
    let rate = rate(&request.from_currency, &request.to_currency);
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    Ok(ConvertReply {
        converted_amount: request.amount * rate,
        rate,
        timestamp: seconds.to_string().into(),
    })
}

fn finance(server: Server) -> Server {
    server
        .unary(
            finance::CONVERT,
            |request: Request<ConvertRequest>| async move {
                let reply = convert(request.get_ref())?;
                Ok(respond(&request, reply))
            },
        )
        .server_streaming(
            finance::WATCH_RATES,
            |request: Request<WatchRequest>, mut tx: Sender<RateUpdate>| async move {
                stream_headers(&request, &mut tx).await?;
                let watch = request.into_inner();
                let mut interval = tokio::time::interval(tonic_peer::WATCH_INTERVAL);
                loop {
                    interval.tick().await;
                    for currency in &watch.target_currencies {
                        let rate = rate(&watch.base_currency, currency);
                        let currency = currency.clone();
                        // Fails once the client went away: the handler ends there.
                        tx.send(&RateUpdate { currency, rate }).await?;
                    }
                }
            },
        )
        .client_streaming(
            finance::BATCH_CONVERT,
            |request: Request<Streaming<ConvertRequest>>| async move {
                let headers = echo(request.metadata(), request.timeout());
                let mut requests = request.into_inner();
                let mut reply = BatchReply::default();
                while let Some(request) = requests.message().await? {
                    reply.total_converted +=
                        request.amount * rate(&request.from_currency, &request.to_currency);
                    reply.count += 1;
                }
                let mut response = Response::new(reply);
                *response.metadata_mut() = headers;
                Ok(response)
            },
        )
        .bidi_streaming(
            finance::LIVE_CONVERT,
            |request: Request<Streaming<ConvertRequest>>, mut tx: Sender<ConvertReply>| async move {
                stream_headers(&request, &mut tx).await?;
                let (metadata, mut requests) = request.into_parts();
                while let Some(request) = requests.message().await? {
                    tx.send(&convert(&request)?).await?;
                }
                stream_trailers(&metadata, &mut tx).await
            },
        )
}

// ===== users.UserService =====

fn check(request: &CreateUserRequest) -> Result<(), Status> {
    if request.email.is_empty() || !request.email.contains('@') {
        return Err(Status::invalid_argument("Invalid email address"));
    }
    Ok(())
}

/// Adds one user per request, all or none (the peer's `Users::create`).
fn create(store: &Mutex<Vec<User>>, requests: Vec<CreateUserRequest>) -> Result<Vec<User>, Status> {
    requests.iter().try_for_each(check)?;
    let mut users = store.lock().unwrap();
    let created_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap());
    let first = users.len() + 1;
    let created: Vec<User> = requests
        .into_iter()
        .enumerate()
        .map(|(i, request)| User {
            id: user_id(first + i).into(),
            name: request.name,
            email: request.email,
            age: request.age,
            created_at,
        })
        .collect();
    users.extend(created.iter().cloned());
    Ok(created)
}

fn users(server: Server) -> Server {
    let store: Arc<Mutex<Vec<User>>> = Arc::default();
    let (get, create_one, list, bulk) = (store.clone(), store.clone(), store.clone(), store);
    server
        .unary(users::GET_USER, move |request: Request<GetUserRequest>| {
            let store = get.clone();
            async move {
                let id = &request.get_ref().user_id;
                let found = store
                    .lock()
                    .unwrap()
                    .iter()
                    .find(|user| user.id == *id)
                    .cloned();
                match found {
                    Some(user) => Ok(respond(&request, user)),
                    None => Err(Status::not_found(format!("User '{id}' not found"))),
                }
            }
        })
        .unary(
            users::CREATE_USER,
            move |request: Request<CreateUserRequest>| {
                let store = create_one.clone();
                async move {
                    let mut created = create(&store, vec![request.get_ref().clone()])?;
                    Ok(respond(&request, created.pop().unwrap()))
                }
            },
        )
        .server_streaming(
            users::LIST_USERS,
            move |request: Request<ListUsersRequest>, mut tx: Sender<User>| {
                let store = list.clone();
                async move {
                    stream_headers(&request, &mut tx).await?;
                    let page_size = match request.get_ref().page_size {
                        0 => 10,
                        n => usize::try_from(n).unwrap_or(0),
                    };
                    let page: Vec<User> = store
                        .lock()
                        .unwrap()
                        .iter()
                        .take(page_size)
                        .cloned()
                        .collect();
                    for user in &page {
                        tx.send(user).await?;
                    }
                    stream_trailers(request.metadata(), &mut tx).await
                }
            },
        )
        .client_streaming(
            users::BULK_CREATE_USERS,
            move |request: Request<Streaming<CreateUserRequest>>| {
                let store = bulk.clone();
                async move {
                    let headers = echo(request.metadata(), request.timeout());
                    let mut stream = request.into_inner();
                    let mut requests = Vec::new();
                    while let Some(request) = stream.message().await? {
                        requests.push(request);
                    }
                    let created = create(&store, requests)?;
                    let mut response = Response::new(BulkCreateResponse {
                        created_count: i32::try_from(created.len()).unwrap(),
                        user_ids: created.into_iter().map(|user| user.id).collect(),
                    });
                    *response.metadata_mut() = headers;
                    Ok(response)
                }
            },
        )
}
