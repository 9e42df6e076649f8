//! The `h2grpc` binary: `serve` prints where it listens and stops on SIGTERM, `demo` prints
//! what the tutorials' clients print, and every failure is one line and a non-zero exit.

use std::time::{Duration, Instant};

use h2grpc::client::Channel;
use h2grpc::rpc::Request;
use h2grpc::services::finance::{CurrencyConverterClient, WatchRequest};
use h2grpc::services::users::{CreateUserRequest, UserServiceClient};
use h2grpc::status::Code;

use crate::support::process::{Finished, run, serve};

#[track_caller]
fn assert_success(finished: &Finished) {
    assert!(
        finished.status.success(),
        "{:?}\nstdout:\n{}\nstderr:\n{}",
        finished.status,
        finished.stdout,
        finished.stderr
    );
}

/// A failure: this exit code and exactly one line on stderr, `h2grpc: ...`, which is returned.
#[track_caller]
fn assert_one_line_failure(finished: &Finished, code: i32) -> String {
    assert_eq!(finished.status.code(), Some(code), "{finished:?}");
    let lines: Vec<&str> = finished.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "not one line: {:?}", finished.stderr);
    assert!(lines[0].starts_with("h2grpc: "), "{:?}", lines[0]);
    assert!(!finished.stderr.contains("panicked"), "{}", finished.stderr);
    lines[0].to_owned()
}

/// `prefix<number>suffix`: the number, checked to have `decimals` digits after the point.
#[track_caller]
fn number_between(line: &str, prefix: &str, suffix: &str, decimals: usize) -> f64 {
    let number = line
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .unwrap_or_else(|| panic!("{line:?} is not {prefix:?}<number>{suffix:?}"));
    let (_, fraction) = number.split_once('.').expect("a decimal point");
    assert_eq!(fraction.len(), decimals, "{line:?}");
    number.parse().unwrap()
}

#[track_caller]
fn assert_near(value: f64, expected: f64) {
    // The jitter (±0.2 %) and the rounding of the printed digits.
    assert!(
        (value - expected).abs() <= expected * 0.0021 + 0.01,
        "{value} not near {expected}"
    );
}

#[test]
fn serve_listens_and_stops_on_sigterm() {
    let server = serve(&[]);
    assert!(server.addr.ip().is_loopback());
    assert_ne!(server.addr.port(), 0, "the port actually bound");
    let status = server.terminate();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn demo_hello_and_helloworld() {
    let server = serve(&[]);
    let target = server.target();
    let hello = run(&["demo", "hello", "--target", &target]);
    assert_success(&hello);
    assert_eq!(hello.stdout, "Server replied: Hello, World!\n");

    let helloworld = run(&["demo", "helloworld", "--target", &target]);
    assert_success(&helloworld);
    assert_eq!(
        helloworld.stdout,
        "Will try to greet world ...\n\
         Greeter client received: Hello, you!\n\
         Greeter client received: Hello again, you!\n"
    );
}

#[test]
fn demo_users() {
    let server = serve(&[]);
    let users = run(&["demo", "users", "--target", &server.target()]);
    assert_success(&users);
    let lines: Vec<&str> = users.stdout.lines().collect();
    assert_eq!(lines.len(), 7, "{}", users.stdout);
    let id = lines[0]
        .strip_prefix("Created: ")
        .and_then(|rest| rest.strip_suffix(" — Alice"))
        .unwrap_or_else(|| panic!("{:?}", lines[0]));
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_eq!(
        lines[1..],
        [
            "Error [StatusCode.NOT_FOUND]: User 'nonexistent' not found",
            "",
            "All users:",
            " - Alice (alice@example.com)",
            "",
            "Bulk created 2 users",
        ]
    );

    // The server keeps its users: a second run lists Alice, Bob, Carol and the new Alice.
    let again = run(&["demo", "users", "--target", &server.target()]);
    assert_success(&again);
    let listed: Vec<&str> = again
        .stdout
        .lines()
        .filter(|l| l.starts_with(" - "))
        .collect();
    assert_eq!(
        listed,
        [
            " - Alice (alice@example.com)",
            " - Bob (bob@example.com)",
            " - Carol (carol@example.com)",
            " - Alice (alice@example.com)",
        ]
    );
}

#[test]
fn demo_finance() {
    let server = serve(&["--watch-interval-ms", "50"]);
    let started = Instant::now();
    let finance = run(&["demo", "finance", "--target", &server.target()]);
    assert_success(&finance);
    assert!(started.elapsed() < Duration::from_secs(10));
    let lines: Vec<&str> = finance.stdout.lines().collect();
    assert_eq!(lines.len(), 11, "{}", finance.stdout);

    let unary = lines[0];
    let (amount, rate) = unary
        .strip_prefix("Unary: $100 USD = €")
        .and_then(|rest| rest.strip_suffix(")"))
        .and_then(|rest| rest.split_once(" EUR (rate: "))
        .unwrap_or_else(|| panic!("{unary:?}"));
    assert_eq!(amount.split_once('.').unwrap().1.len(), 2, "{unary}");
    assert_eq!(rate.split_once('.').unwrap().1.len(), 4, "{unary}");
    assert_near(amount.parse().unwrap(), 92.0);
    assert_near(rate.parse().unwrap(), 0.92);

    let bases = [("EUR", 0.92), ("GBP", 0.79), ("JPY", 149.5)];
    for (line, (currency, base)) in lines[1..7].iter().zip(bases.iter().cycle()) {
        let prefix = format!("Rate update: USD/{currency} = ");
        assert_near(number_between(line, &prefix, "", 4), *base);
    }

    let total = number_between(lines[7], "Batch: 3 conversions, total = ", "", 2);
    assert_near(total, 100.0 * 0.92 + 250.0 * 0.79 + 80.0 * 1.09);

    for (line, amount) in lines[8..].iter().zip([50.0, 100.0, 200.0]) {
        let (converted, rate) = line
            .strip_prefix("Live: $")
            .and_then(|rest| rest.split_once(" JPY at rate "))
            .unwrap_or_else(|| panic!("{line:?}"));
        assert_eq!(converted.split_once('.').unwrap().1.len(), 2, "{line}");
        assert_eq!(rate.split_once('.').unwrap().1.len(), 2, "{line}");
        assert_near(converted.parse().unwrap(), amount * 149.5);
        assert_near(rate.parse().unwrap(), 149.5);
    }
}

#[test]
fn demo_with_the_auth_token() {
    let server = serve(&["--auth-token", "s3cret"]);
    let target = server.target();
    let refused = run(&["demo", "hello", "--target", &target]);
    let line = assert_one_line_failure(&refused, 64 + 16);
    assert_eq!(
        line,
        "h2grpc: SayHello failed: UNAUTHENTICATED: Missing or invalid token"
    );
    let wrong = run(&[
        "demo",
        "hello",
        "--target",
        &target,
        "--auth-token",
        "guess",
    ]);
    assert_one_line_failure(&wrong, 64 + 16);
    let accepted = run(&[
        "demo",
        "hello",
        "--target",
        &target,
        "--auth-token",
        "s3cret",
    ]);
    assert_success(&accepted);
    assert_eq!(accepted.stdout, "Server replied: Hello, World!\n");
}

#[test]
fn demo_without_a_server() {
    // Port 1 on loopback: nothing listens there.
    let args = [
        "demo",
        "hello",
        "--target",
        "http://127.0.0.1:1",
        "--connect-timeout",
        "0.3",
    ];
    let finished = run(&args);
    let line = assert_one_line_failure(&finished, 1);
    assert!(
        line.starts_with("h2grpc: error connecting to server at http://127.0.0.1:1"),
        "{line}"
    );
    assert!(finished.stdout.is_empty());
}

#[test]
fn bad_command_lines_are_one_line_and_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["serve", "--bogus"], "--bogus"),
        (&["serve", "--max-concurrent-streams", "lots"], "lots"),
        (
            &["serve", "--max-concurrent-streams", "0"],
            "--max-concurrent-streams",
        ),
        (
            &["serve", "--max-recv-message-size", "-1"],
            "--max-recv-message-size",
        ),
        (&["serve", "--grace-period", "soon"], "soon"),
        (&["serve", "--auth-token", "two words"], "--auth-token"),
        (
            &["serve", "--watch-interval-ms", "0"],
            "--watch-interval-ms",
        ),
        (&["demo", "nosuch"], "nosuch"),
        (
            &["demo", "hello", "--target", "ftp://127.0.0.1:50051"],
            "ftp",
        ),
        (&["nosuch"], "nosuch"),
    ];
    for &(args, mentioned) in cases {
        let finished = run(args);
        let line = assert_one_line_failure(&finished, 2);
        assert!(line.contains(mentioned), "{args:?}: {line}");
        assert!(finished.stdout.is_empty(), "{args:?}: {}", finished.stdout);
    }
    let help = run(&["serve", "--help"]);
    assert_success(&help);
    assert!(
        help.stdout.contains("--max-header-list-size"),
        "{}",
        help.stdout
    );
}

/// `--max-users 2`: the third CreateUser is refused, and the flag is checked like the others.
#[tokio::test]
async fn serve_caps_the_users_at_max_users() {
    let server = serve(&["--max-users", "2"]);
    let users = UserServiceClient::new(Channel::connect(&server.target()).await.unwrap());
    let create = || {
        Request::new(CreateUserRequest {
            name: "Alice".into(),
            email: "alice@example.com".into(),
            age: 30,
        })
    };
    users.create_user(create()).await.unwrap();
    users.create_user(create()).await.unwrap();
    let status = users.create_user(create()).await.unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (
            Code::ResourceExhausted,
            "The user store is full: it holds 2 of at most 2 users, no room for 1 more user"
        )
    );

    for bad in ["0", "-1", "many"] {
        let finished = run(&["serve", "--max-users", bad]);
        let line = assert_one_line_failure(&finished, 2);
        assert!(line.contains(bad), "{line}");
    }
    let help = run(&["serve", "--help"]);
    assert!(help.stdout.contains("--max-users"), "{}", help.stdout);
    assert!(help.stdout.contains("[default: 100000]"), "{}", help.stdout);
}

#[test]
fn unusable_addresses_fail_cleanly() {
    let server = serve(&[]);
    let taken = server.addr.to_string();
    let finished = run(&["serve", "--addr", &taken]);
    let line = assert_one_line_failure(&finished, 1);
    assert!(
        line.starts_with(&format!("h2grpc: cannot listen on {taken}: ")),
        "{line}"
    );
    assert!(line.to_lowercase().contains("in use"), "{line}");

    let finished = run(&["serve", "--addr", "not an address"]);
    let line = assert_one_line_failure(&finished, 1);
    assert!(
        line.starts_with("h2grpc: cannot listen on not an address: "),
        "{line}"
    );
}

/// SIGTERM with a watch in flight: GOAWAY, the grace period, then exit 0.
#[tokio::test]
async fn sigterm_waits_out_the_grace_period() {
    let server = serve(&["--grace-period", "0.5", "--watch-interval-ms", "20"]);
    let finance = CurrencyConverterClient::new(Channel::connect(&server.target()).await.unwrap());
    let watch = WatchRequest {
        base_currency: "USD".into(),
        target_currencies: vec!["EUR".into()],
    };
    let mut updates = finance.watch_rates(Request::new(watch)).await.unwrap();
    assert!(updates.message().await.unwrap().is_some());

    let started = Instant::now();
    let stopped = tokio::task::spawn_blocking(move || {
        let status = server.terminate();
        (status, started.elapsed())
    });
    // The watch goes on during the grace period, then the call is cut.
    let ended = loop {
        match updates.message().await {
            Ok(Some(_)) => continue,
            other => break other,
        }
    };
    let (status, elapsed) = stopped.await.unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(elapsed >= Duration::from_millis(450), "{elapsed:?}");
    assert!(ended.is_err(), "{ended:?}");
}
