//! `grpc.health.v1.Health`: Check, List and Watch over loopback, the reporter's changes pushed
//! to watchers, graceful shutdown (NOT_SERVING, and watches that end instead of holding the
//! server), and the `h2grpc health` command against `h2grpc serve`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use h2grpc::protobuf::Text;
use h2grpc::rpc::{Request, Streaming};
use h2grpc::server::Server;
use h2grpc::services::health::{
    self, HealthCheckRequest, HealthCheckResponse, HealthClient, HealthListRequest, HealthReporter,
    ServingStatus,
};
use h2grpc::services::{self, Options, hello};
use h2grpc::status::Code;

use crate::support::net::{TestServer, serve, within};
use crate::support::process::{self, BIN};

fn check_request(service: &str) -> Request<HealthCheckRequest> {
    Request::new(HealthCheckRequest {
        service: service.into(),
    })
    .with_timeout(Duration::from_secs(5))
}

/// Every service, as `h2grpc serve` has them, reporting through `health`.
async fn all_services(health: &HealthReporter) -> (TestServer, HealthClient) {
    let options = Options {
        health: health.clone(),
        ..Options::default()
    };
    let server = serve(services::register_all(Server::new(), &options)).await;
    let client = HealthClient::new(server.channel().await);
    (server, client)
}

async fn check(client: &HealthClient, service: &str) -> Result<ServingStatus, Code> {
    match client.check(check_request(service)).await {
        Ok(response) => Ok(response
            .into_inner()
            .serving_status()
            .expect("a known status")),
        Err(status) => Err(status.code()),
    }
}

async fn next_status(watch: &mut Streaming<HealthCheckResponse>) -> ServingStatus {
    within("a Watch message", watch.message())
        .await
        .expect("the watch goes on")
        .expect("a message, not the end")
        .serving_status()
        .expect("a known status")
}

const SERVED: [&str; 7] = [
    "finance.CurrencyConverter",
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
    "hello.Greeter",
    "helloworld.Greeter",
    "users.UserService",
];

#[tokio::test]
async fn check_knows_the_server_and_every_service() {
    let health = HealthReporter::new();
    let (_server, client) = all_services(&health).await;
    assert_eq!(check(&client, "").await, Ok(ServingStatus::Serving));
    for service in SERVED {
        assert_eq!(
            check(&client, service).await,
            Ok(ServingStatus::Serving),
            "{service}"
        );
    }
    let refused = client.check(check_request("nope.Nope")).await.unwrap_err();
    assert_eq!(refused.code(), Code::NotFound);
    assert_eq!(refused.message(), "unknown service: nope.Nope");

    health.set_not_serving("users.UserService");
    assert_eq!(
        check(&client, "users.UserService").await,
        Ok(ServingStatus::NotServing)
    );
    health.clear("users.UserService");
    assert_eq!(
        check(&client, "users.UserService").await,
        Err(Code::NotFound)
    );
}

#[tokio::test]
async fn list_returns_every_status() {
    let health = HealthReporter::new();
    let (_server, client) = all_services(&health).await;
    health.set_not_serving("hello.Greeter");
    let list = client
        .list(Request::new(HealthListRequest {}))
        .await
        .unwrap()
        .into_inner();
    let mut expected: Vec<(Text, ServingStatus)> = vec![(Text::new(), ServingStatus::Serving)];
    for service in SERVED {
        let status = if service == "hello.Greeter" {
            ServingStatus::NotServing
        } else {
            ServingStatus::Serving
        };
        expected.push((service.into(), status));
    }
    let listed: Vec<(Text, ServingStatus)> = list
        .statuses
        .into_iter()
        .map(|(name, response)| (name, response.serving_status().unwrap()))
        .collect();
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn list_refuses_more_than_100_services() {
    let health = HealthReporter::new();
    for n in 0..health::MAX_LIST {
        health.set_serving(&format!("s{n}"));
    }
    let server = serve(health::register(Server::new(), &health)).await;
    let client = HealthClient::new(server.channel().await);
    let refused = client
        .list(Request::new(HealthListRequest {}))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused}");
    health.clear("s0");
    let list = client
        .list(Request::new(HealthListRequest {}))
        .await
        .unwrap();
    assert_eq!(list.into_inner().statuses.len(), health::MAX_LIST);
}

#[tokio::test]
async fn watch_sends_the_status_then_every_change() {
    let health = HealthReporter::new();
    let (_server, client) = all_services(&health).await;
    let mut watch = client
        .watch(check_request("users.UserService"))
        .await
        .unwrap();
    assert_eq!(next_status(&mut watch).await, ServingStatus::Serving);
    health.set_not_serving("users.UserService");
    assert_eq!(next_status(&mut watch).await, ServingStatus::NotServing);
    // A "change" to the same status, and a change of another service: nothing to send. The next
    // message is the next real change.
    health.set_not_serving("users.UserService");
    health.set_not_serving("hello.Greeter");
    health.set_serving("users.UserService");
    assert_eq!(next_status(&mut watch).await, ServingStatus::Serving);
    health.clear("users.UserService");
    assert_eq!(next_status(&mut watch).await, ServingStatus::ServiceUnknown);
}

#[tokio::test]
async fn watch_of_an_unknown_service_stays_open_until_it_appears() {
    let health = HealthReporter::new();
    let (_server, client) = all_services(&health).await;
    let mut watch = client.watch(check_request("later.Service")).await.unwrap();
    assert_eq!(next_status(&mut watch).await, ServingStatus::ServiceUnknown);
    // Still open: no end of stream while nothing changes.
    let quiet = tokio::time::timeout(Duration::from_millis(100), watch.message()).await;
    assert!(quiet.is_err(), "the watch said something: {quiet:?}");
    health.set_serving("later.Service");
    assert_eq!(next_status(&mut watch).await, ServingStatus::Serving);
}

#[tokio::test]
async fn shutdown_turns_everything_not_serving_and_ends_the_watches() {
    let health = HealthReporter::new();
    let (_server, client) = all_services(&health).await;
    let mut whole = client.watch(check_request("")).await.unwrap();
    let mut users = client
        .watch(check_request("users.UserService"))
        .await
        .unwrap();
    let mut unknown = client.watch(check_request("nope")).await.unwrap();
    assert_eq!(next_status(&mut whole).await, ServingStatus::Serving);
    assert_eq!(next_status(&mut users).await, ServingStatus::Serving);
    assert_eq!(
        next_status(&mut unknown).await,
        ServingStatus::ServiceUnknown
    );

    health.set_all_not_serving();
    for watch in [&mut whole, &mut users] {
        assert_eq!(next_status(watch).await, ServingStatus::NotServing);
    }
    for watch in [&mut whole, &mut users, &mut unknown] {
        let end = within("the end of the watch", watch.message()).await;
        assert!(matches!(end, Ok(None)), "{end:?}");
    }
    assert_eq!(check(&client, "").await, Ok(ServingStatus::NotServing));
    for service in SERVED {
        assert_eq!(
            check(&client, service).await,
            Ok(ServingStatus::NotServing),
            "{service}"
        );
    }
    // For good: nothing turns SERVING again during the shutdown.
    health.set_serving("hello.Greeter");
    assert_eq!(
        check(&client, "hello.Greeter").await,
        Ok(ServingStatus::NotServing)
    );
    // A watch started now sees NOT_SERVING, and ends.
    let mut late = client.watch(check_request("")).await.unwrap();
    assert_eq!(next_status(&mut late).await, ServingStatus::NotServing);
    assert!(matches!(late.message().await, Ok(None)));
}

/// A watcher does not hold the server's shutdown for the grace period: the watch ends at
/// NOT_SERVING, and the server stops long before its 60 s grace period.
#[tokio::test]
async fn open_watches_do_not_hold_a_graceful_shutdown() {
    let health = HealthReporter::new();
    health.set_serving(hello::SERVICE);
    let server = hello::register(Server::new()).grace_period(Duration::from_secs(60));
    let mut server = serve(health::register(server, &health)).await;
    let client = HealthClient::new(server.channel().await);
    let mut watch = client.watch(check_request(hello::SERVICE)).await.unwrap();
    assert_eq!(next_status(&mut watch).await, ServingStatus::Serving);

    health.set_all_not_serving();
    server.signal_shutdown();
    assert_eq!(next_status(&mut watch).await, ServingStatus::NotServing);
    assert!(matches!(watch.message().await, Ok(None)));
    // `join` gives up (and fails the test) after 10 s.
    server.join().await.unwrap();
}

// ===== The `h2grpc health` command, against `h2grpc serve` =====

#[test]
fn health_command_exit_codes() {
    let server = process::serve(&[]);
    let target = server.target();

    let ok = process::run(&["health", "--target", &target]);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert_eq!(ok.stdout, "SERVING\n");

    let ok = process::run(&[
        "health",
        "--target",
        &target,
        "--service",
        "users.UserService",
    ]);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert_eq!(ok.stdout, "SERVING\n");

    let unknown = process::run(&["health", "--target", &target, "--service", "nope"]);
    assert_eq!(unknown.status.code(), Some(64 + 5), "{unknown:?}");
    assert_eq!(unknown.stdout, "");
    assert_eq!(
        unknown.stderr,
        "h2grpc: Check failed: NOT_FOUND: unknown service: nope\n"
    );

    drop(server);
    let unreachable = process::run(&["health", "--target", &target, "--timeout", "1"]);
    assert_eq!(unreachable.status.code(), Some(1), "{unreachable:?}");
    assert!(
        unreachable
            .stderr
            .starts_with("h2grpc: error connecting to server"),
        "{unreachable:?}"
    );
}

/// `h2grpc health --watch` prints SERVING, then NOT_SERVING when the server gets SIGTERM, and
/// exits 3 (not SERVING) when the server ends the watch.
#[test]
fn health_watch_sees_the_server_shut_down() {
    let server = process::serve(&[]);
    let mut watcher = Command::new(BIN)
        .args([
            "health",
            "--target",
            &server.target(),
            "--watch",
            "--service",
            "hello.Greeter",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn h2grpc health --watch");
    // Lines arrive through a thread, so that a watch that never ends fails the test instead of
    // hanging it.
    let stdout = watcher.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap_or_default());
        }
    });
    let next = || lines.recv_timeout(Duration::from_secs(20));
    assert_eq!(next().as_deref(), Ok("SERVING"));

    let status = server.terminate();
    assert_eq!(status.code(), Some(0));
    assert_eq!(next().as_deref(), Ok("NOT_SERVING"));
    let end = next();
    if end.is_ok() {
        let _ = watcher.kill();
    }
    assert_eq!(
        end,
        Err(mpsc::RecvTimeoutError::Disconnected),
        "the watch ended"
    );
    let exit = watcher.wait().unwrap();
    assert_eq!(exit.code(), Some(3), "{exit:?}");
}
