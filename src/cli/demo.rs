//! `h2grpc demo`: the client programs of the tutorials (named in [`h2grpc::services`]), on
//! h2grpc's typed clients, printing line for line what the Python programs print.
//!
//! | program | tutorial | the Python it replays |
//! |---|---|---|
//! | `hello` | the grpcio tutorial | `client.py`: one `SayHello` |
//! | `helloworld` | the Python quickstart | `greeter_client.py`: `SayHello`, then `SayHelloAgain` |
//! | `finance` | the grpcio tutorial | `finance_client.py`: one call of each of the four kinds |
//! | `users` | the users-service tutorial | `demo()`: create, a failing get, list, bulk create |
//!
//! Where a tutorial's text and its code disagree, the output is what the code prints:
//!
//! - finance: the rate updates are printed with `{update.rate:.4f}`, so the JPY line reads
//!   `USD/JPY = 149.8213`, where the article's sample output shows `149.82` (the sample was
//!   not produced by that code; its batch total, 412.37, is not what the rates give either).
//! - users: the code as scraped reads `print(f"\\nAll users:")`. In a real program that would
//!   print a backslash and an `n`; the tutorial meant `"\nAll users:"` (the backslash was
//!   doubled by the page's escaping), so an empty line comes before `All users:` and before
//!   `Bulk created 2 users`.
//! - users: the page shows the emails as `[email protected]`, a CDN's email obfuscation; the
//!   demo uses `alice@example.com`, `bob@example.com` and `carol@example.com`.
//!
//! Before the first call the demo waits for the channel to connect, for at most
//! `--connect-timeout` seconds, like the users demo's `grpc.channel_ready_future(channel).result(...)`,
//! and exits 1 with `error connecting to server ...` if it does not.

use std::time::Duration;

use clap::{Args, ValueEnum};
use h2grpc::client::{Channel, ChannelConfig};
use h2grpc::rpc::Request;
use h2grpc::services::finance::{ConvertRequest, CurrencyConverterClient, WatchRequest};
use h2grpc::services::hello::{self, HelloRequest};
use h2grpc::services::python::format_fixed;
use h2grpc::services::users::{
    CreateUserRequest, GetUserRequest, ListUsersRequest, UserServiceClient,
};
use h2grpc::services::{auth, helloworld};
use h2grpc::status::Status;

use super::channel::ChannelArgs;
use super::{Failure, parse_seconds, say};

/// The flags of `h2grpc demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Which tutorial's client to run.
    #[arg(value_enum)]
    program: Program,

    /// The server, and TLS.
    #[command(flatten)]
    channel: ChannelArgs,

    /// Send `authorization: Bearer <TOKEN>` with every call (for `serve --auth-token`).
    #[arg(long, value_name = "TOKEN")]
    auth_token: Option<String>,

    /// Seconds to wait for the server to accept the connection.
    #[arg(long, value_name = "SECS", allow_negative_numbers = true, value_parser = parse_seconds, default_value = "5")]
    connect_timeout: Duration,
}

/// The tutorials' client programs.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Program {
    /// The grpcio tutorial's hello client: `Server replied: Hello, World!`.
    Hello,
    /// The Python quickstart's greeter_client.py: SayHello and SayHelloAgain.
    Helloworld,
    /// The grpcio tutorial's finance_client.py: Convert, WatchRates, BatchConvert, LiveConvert.
    Finance,
    /// The users-service tutorial's demo(): CreateUser, GetUser (NOT_FOUND), ListUsers, BulkCreateUsers.
    Users,
}

/// Runs `h2grpc demo`.
pub(crate) async fn run(args: DemoArgs) -> Result<(), Failure> {
    if let Program::Helloworld = args.program {
        // greeter_client.py prints this before it opens its channel.
        say("Will try to greet world ...")?;
    }
    let demo = Demo::connect(&args).await?;
    match args.program {
        Program::Hello => demo.hello().await,
        Program::Helloworld => demo.helloworld().await,
        Program::Finance => demo.finance().await,
        Program::Users => demo.users().await,
    }
}

/// A connected channel, and the token to send.
struct Demo {
    channel: Channel,
    token: Option<String>,
}

/// `Err(Failure::rpc)` naming the method.
fn failed(method: &'static str) -> impl Fn(Status) -> Failure {
    move |status| Failure::rpc(method, &status)
}

impl Demo {
    async fn connect(args: &DemoArgs) -> Result<Self, Failure> {
        let channel = args.channel.channel(ChannelConfig {
            connect_timeout: args.connect_timeout,
            ..ChannelConfig::default()
        })?;
        channel
            .ready(args.connect_timeout)
            .await
            .map_err(|status| {
                Failure::runtime(format!(
                    "error connecting to server at {}: {}",
                    args.channel.target,
                    status.message()
                ))
            })?;
        Ok(Self {
            channel,
            token: args.auth_token.clone(),
        })
    }

    /// A request carrying the token, if there is one.
    fn request<T>(&self, message: T) -> Result<Request<T>, Failure> {
        let mut request = Request::new(message);
        if let Some(token) = &self.token {
            auth::authorize(request.metadata_mut(), token)
                .map_err(|error| Failure::usage(format!("--auth-token: {error}")))?;
        }
        Ok(request)
    }

    /// The grpcio tutorial's `client.py`.
    async fn hello(&self) -> Result<(), Failure> {
        let stub = hello::GreeterClient::new(self.channel.clone());
        let request = self.request(HelloRequest {
            name: "World".into(),
        })?;
        let response = stub.say_hello(request).await.map_err(failed("SayHello"))?;
        say(format_args!(
            "Server replied: {}",
            response.get_ref().message
        ))
    }

    /// The Python quickstart's `greeter_client.py`, with `SayHelloAgain`.
    async fn helloworld(&self) -> Result<(), Failure> {
        let stub = helloworld::GreeterClient::new(self.channel.clone());
        let you = || HelloRequest { name: "you".into() };
        let response = stub
            .say_hello(self.request(you())?)
            .await
            .map_err(failed("SayHello"))?;
        say(format_args!(
            "Greeter client received: {}",
            response.get_ref().message
        ))?;
        let response = stub
            .say_hello_again(self.request(you())?)
            .await
            .map_err(failed("SayHelloAgain"))?;
        say(format_args!(
            "Greeter client received: {}",
            response.get_ref().message
        ))
    }

    /// The grpcio tutorial's `finance_client.py`.
    async fn finance(&self) -> Result<(), Failure> {
        let stub = CurrencyConverterClient::new(self.channel.clone());
        let convert = |from: &str, to: &str, amount: f64| ConvertRequest {
            from_currency: from.into(),
            to_currency: to.into(),
            amount,
        };

        // 1. Unary call
        let reply = stub
            .convert(self.request(convert("USD", "EUR", 100.0))?)
            .await
            .map_err(failed("Convert"))?
            .into_inner();
        say(format_args!(
            "Unary: $100 USD = €{} EUR (rate: {})",
            format_fixed(reply.converted_amount, 2),
            format_fixed(reply.rate, 4)
        ))?;

        // 2. Server streaming: receive 6 rate updates then cancel
        let watch = WatchRequest {
            base_currency: "USD".into(),
            target_currencies: vec!["EUR".into(), "GBP".into(), "JPY".into()],
        };
        let mut updates = stub
            .watch_rates(self.request(watch)?)
            .await
            .map_err(failed("WatchRates"))?;
        let mut update_count = 0;
        while let Some(update) = updates.message().await.map_err(failed("WatchRates"))? {
            say(format_args!(
                "Rate update: USD/{} = {}",
                update.currency,
                format_fixed(update.rate, 4)
            ))?;
            update_count += 1;
            if update_count >= 6 {
                break;
            }
        }
        // Dropping the stream resets it with CANCEL: the server stops the watch.
        drop(updates);

        // 3. Client streaming: send a batch of conversions
        let mut batch = stub
            .batch_convert(self.request(())?)
            .await
            .map_err(failed("BatchConvert"))?;
        for (from, to, amount) in [
            ("USD", "EUR", 100.0),
            ("USD", "GBP", 250.0),
            ("EUR", "USD", 80.0),
        ] {
            // A failed send means the server ended the call: `finish` reports its status.
            if batch.send(&convert(from, to, amount)).await.is_err() {
                break;
            }
        }
        let batch_reply = batch
            .finish()
            .await
            .map_err(failed("BatchConvert"))?
            .into_inner();
        say(format_args!(
            "Batch: {} conversions, total = {}",
            batch_reply.count,
            format_fixed(batch_reply.total_converted, 2)
        ))?;

        // 4. Bidirectional streaming: each reply as its request is answered
        let (mut requests, mut replies) = stub
            .live_convert(self.request(())?)
            .await
            .map_err(failed("LiveConvert"))?;
        for amount in [50.0, 100.0, 200.0] {
            requests
                .send(&convert("USD", "JPY", amount))
                .await
                .map_err(failed("LiveConvert"))?;
            let Some(reply) = replies.message().await.map_err(failed("LiveConvert"))? else {
                break;
            };
            say(format_args!(
                "Live: ${} JPY at rate {}",
                format_fixed(reply.converted_amount, 2),
                format_fixed(reply.rate, 2)
            ))?;
        }
        requests.finish().await.map_err(failed("LiveConvert"))?;
        while let Some(reply) = replies.message().await.map_err(failed("LiveConvert"))? {
            say(format_args!(
                "Live: ${} JPY at rate {}",
                format_fixed(reply.converted_amount, 2),
                format_fixed(reply.rate, 2)
            ))?;
        }
        Ok(())
    }

    /// The users-service tutorial's `demo()`.
    async fn users(&self) -> Result<(), Failure> {
        let stub = UserServiceClient::new(self.channel.clone());

        // Unary RPC, with the metadata the users demo's client sends (the server logs it at debug).
        let mut request = self.request(CreateUserRequest {
            name: "Alice".into(),
            email: "alice@example.com".into(),
            age: 30,
        })?;
        request
            .metadata_mut()
            .insert("ip", "127.0.0.1")
            .map_err(Failure::runtime)?;
        let user = stub
            .create_user(request)
            .await
            .map_err(failed("CreateUser"))?
            .into_inner();
        say(format_args!("Created: {} — {}", user.id, user.name))?;

        // Unary RPC with error handling: `except grpc.RpcError as e`
        let missing = GetUserRequest {
            user_id: "nonexistent".into(),
        };
        if let Err(e) = stub.get_user(self.request(missing)?).await {
            say(format_args!(
                "Error [StatusCode.{}]: {}",
                e.code().as_str(),
                e.message()
            ))?;
        }

        // Server-side streaming
        say("\nAll users:")?;
        let list = ListUsersRequest {
            page_size: 100,
            ..ListUsersRequest::default()
        };
        let mut users = stub
            .list_users(self.request(list)?)
            .await
            .map_err(failed("ListUsers"))?;
        while let Some(u) = users.message().await.map_err(failed("ListUsers"))? {
            say(format_args!(" - {} ({})", u.name, u.email))?;
        }

        // Client-side streaming
        let mut bulk = stub
            .bulk_create_users(self.request(())?)
            .await
            .map_err(failed("BulkCreateUsers"))?;
        for (name, email) in [("Bob", "bob@example.com"), ("Carol", "carol@example.com")] {
            let request = CreateUserRequest {
                name: name.into(),
                email: email.into(),
                age: 25,
            };
            if bulk.send(&request).await.is_err() {
                break;
            }
        }
        let result = bulk
            .finish()
            .await
            .map_err(failed("BulkCreateUsers"))?
            .into_inner();
        say(format_args!(
            "\nBulk created {} users",
            result.created_count
        ))
    }
}
