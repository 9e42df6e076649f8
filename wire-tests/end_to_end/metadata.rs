//! Custom-Metadata both ways: ASCII and `-bin`, initial and trailing, and on error statuses.

use h2grpc::metadata::Metadata;
use h2grpc::rpc::{Request, Response, Streaming};
use h2grpc::server::Server;
use h2grpc::services::hello::{HelloReply, HelloRequest};
use h2grpc::status::{Code, Status};

use super::{connect, hello, reply};
use crate::support::net::TestServer;

/// The interop `custom_metadata` keys, and 0xababab as the binary value.
const INITIAL_KEY: &str = "x-grpc-test-echo-initial";
const INITIAL_VALUE: &str = "test_initial_metadata_value";
const TRAILING_KEY: &str = "x-grpc-test-echo-trailing-bin";
const TRAILING_VALUE: &[u8] = &[0xab, 0xab, 0xab];

/// What a handler saw of the request metadata, as text: `key=value` lines, `-bin` values in hex.
fn describe(metadata: &Metadata) -> String {
    let mut lines = Vec::new();
    for key in ["x-ascii", "x-two"] {
        let values: Vec<_> = metadata.get_all(key).collect();
        lines.push(format!("{key}={}", values.join("|")));
    }
    let bin: Vec<String> = metadata
        .get_all_bin("x-raw-bin")
        .map(|v| hex(&v.unwrap()))
        .collect();
    lines.push(format!("x-raw-bin={}", bin.join("|")));
    let user_agent = metadata.get("user-agent").unwrap_or("(none)");
    lines.push(format!("h2grpc-ua={}", user_agent.starts_with("h2grpc/")));
    for reserved in ["te", "content-type", "grpc-timeout"] {
        lines.push(format!(
            "{reserved}={:?}",
            metadata.as_headers().get(reserved)
        ));
    }
    lines.join("\n")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Copies the interop echo keys: the ASCII one into the initial metadata, the `-bin` one into
/// the trailing metadata.
fn echo(request: &Metadata) -> (Metadata, Metadata) {
    let mut initial = Metadata::new();
    if let Some(value) = request.get(INITIAL_KEY) {
        initial.insert(INITIAL_KEY, value).unwrap();
    }
    let mut trailing = Metadata::new();
    if let Some(value) = request.get_bin(TRAILING_KEY) {
        trailing.insert_bin(TRAILING_KEY, &value.unwrap()).unwrap();
    }
    (initial, trailing)
}

fn server() -> Server {
    Server::new()
        .unary(
            "/test.Metadata/Describe",
            |req: Request<HelloRequest>| async move {
                Ok(Response::new(reply(&describe(req.metadata()))))
            },
        )
        .unary(
            "/test.Metadata/Echo",
            |req: Request<HelloRequest>| async move {
                let (initial, trailing) = echo(req.metadata());
                let mut response = Response::new(reply("echo"));
                *response.metadata_mut() = initial;
                *response.trailers_mut() = trailing;
                Ok(response)
            },
        )
        .bidi_streaming(
            "/test.Metadata/EchoStream",
            |req: Request<Streaming<HelloRequest>>, mut tx| async move {
                let (initial, trailing) = echo(req.metadata());
                tx.send_headers(initial).await?;
                let mut stream = req.into_inner();
                while let Some(m) = stream.message().await? {
                    tx.send(&reply(&m.name)).await?;
                }
                tx.set_trailers(trailing).await?;
                Ok(())
            },
        )
        .unary(
            "/test.Metadata/Fail",
            |_: Request<HelloRequest>| async move {
                let mut metadata = Metadata::new();
                metadata.insert("x-reason", "quota").unwrap();
                metadata
                    .insert_bin("x-detail-bin", &[0, 1, 2, 255])
                    .unwrap();
                Err::<Response<HelloReply>, _>(
                    Status::new(Code::FailedPrecondition, "no").with_metadata(metadata),
                )
            },
        )
        .unary(
            "/test.Metadata/Flood",
            |_: Request<HelloRequest>| async move {
                let mut response = Response::new(reply("flood"));
                *response.metadata_mut() = flood();
                Ok(response)
            },
        )
        .server_streaming(
            "/test.Metadata/FailStream",
            |_: Request<HelloRequest>, mut tx| async move {
                tx.send(&reply("first")).await?;
                let mut metadata = Metadata::new();
                metadata.insert("x-reason", "quota").unwrap();
                metadata
                    .insert_bin("x-detail-bin", &[0, 1, 2, 255])
                    .unwrap();
                Err(Status::new(Code::FailedPrecondition, "no").with_metadata(metadata))
            },
        )
}

/// The handler sees ASCII and `-bin` metadata, repeated keys in order, and `user-agent`
/// starting with `h2grpc/`; it does not see the protocol's own headers.
#[tokio::test]
async fn request_metadata_reaches_the_handler() {
    let server = TestServer::start(server()).await;
    let channel = connect(&server.target).await;
    let mut request = Request::new(hello("x"));
    let metadata = request.metadata_mut();
    metadata.insert("x-ascii", "plain value").unwrap();
    metadata.append("x-two", "1").unwrap();
    metadata.append("x-two", "2").unwrap();
    metadata
        .append_bin("x-raw-bin", &[0x00, 0xff, 0x10])
        .unwrap();
    metadata.append_bin("x-raw-bin", b"").unwrap();
    let request = request.with_timeout(std::time::Duration::from_secs(30));
    let described = channel
        .unary::<_, HelloReply>("/test.Metadata/Describe", request)
        .await
        .unwrap()
        .into_inner()
        .message;
    assert_eq!(
        described,
        "x-ascii=plain value\nx-two=1|2\nx-raw-bin=00ff10|\nh2grpc-ua=true\n\
         te=None\ncontent-type=None\ngrpc-timeout=None"
    );
}

/// Interop `custom_metadata`, unary: the initial value comes back in the initial metadata, the
/// `-bin` value in the trailing metadata, exactly once each.
#[tokio::test]
async fn custom_metadata_unary() {
    let server = TestServer::start(server()).await;
    let channel = connect(&server.target).await;
    let mut request = Request::new(hello("x"));
    request
        .metadata_mut()
        .insert(INITIAL_KEY, INITIAL_VALUE)
        .unwrap();
    request
        .metadata_mut()
        .insert_bin(TRAILING_KEY, TRAILING_VALUE)
        .unwrap();
    let response: Response<HelloReply> =
        channel.unary("/test.Metadata/Echo", request).await.unwrap();
    assert_eq!(
        response.metadata().get_all(INITIAL_KEY).collect::<Vec<_>>(),
        [INITIAL_VALUE]
    );
    assert_eq!(
        response.metadata().get_bin(TRAILING_KEY).map(Result::ok),
        None
    );
    let trailing: Vec<_> = response.trailers().get_all_bin(TRAILING_KEY).collect();
    assert_eq!(trailing, [Ok(bytes::Bytes::from_static(TRAILING_VALUE))]);
    assert_eq!(response.trailers().get(INITIAL_KEY), None);
}

/// Interop `custom_metadata`, bidi: `Sender::send_headers` and `Sender::set_trailers`.
#[tokio::test]
async fn custom_metadata_streaming() {
    let server = TestServer::start(server()).await;
    let channel = connect(&server.target).await;
    let mut request = Request::new(());
    request
        .metadata_mut()
        .insert(INITIAL_KEY, INITIAL_VALUE)
        .unwrap();
    request
        .metadata_mut()
        .insert_bin(TRAILING_KEY, TRAILING_VALUE)
        .unwrap();
    let (mut tx, mut rx) = channel
        .bidi_streaming::<HelloRequest, HelloReply>("/test.Metadata/EchoStream", request)
        .await
        .unwrap();
    tx.send(&hello("a")).await.unwrap();
    tx.finish().await.unwrap();
    let initial = rx.headers().await.unwrap().clone();
    assert_eq!(
        initial.get_all(INITIAL_KEY).collect::<Vec<_>>(),
        [INITIAL_VALUE]
    );
    assert_eq!(rx.message().await.unwrap().unwrap().message, "a");
    assert!(rx.trailers().is_none(), "trailers before the end");
    assert_eq!(rx.message().await.unwrap(), None);
    let trailers = rx.trailers().expect("trailers after the end");
    let trailing: Vec<_> = trailers.get_all_bin(TRAILING_KEY).collect();
    assert_eq!(trailing, [Ok(bytes::Bytes::from_static(TRAILING_VALUE))]);
}

/// `Status::with_metadata` on a unary error (sent Trailers-Only) reaches the client.
#[tokio::test]
async fn metadata_on_an_error_status() {
    let server = TestServer::start(server()).await;
    let channel = connect(&server.target).await;
    let status = channel
        .unary::<_, HelloReply>("/test.Metadata/Fail", Request::new(hello("x")))
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::FailedPrecondition, "no")
    );
    assert_eq!(status.metadata().get("x-reason"), Some("quota"));
    let detail = status.metadata().get_bin("x-detail-bin").unwrap().unwrap();
    assert_eq!(&detail[..], [0, 1, 2, 255]);
}

/// The same from a streaming handler, after a message (sent in the Trailers).
#[tokio::test]
async fn metadata_on_an_error_status_after_messages() {
    let server = TestServer::start(server()).await;
    let channel = connect(&server.target).await;
    let mut stream = channel
        .server_streaming::<_, HelloReply>("/test.Metadata/FailStream", Request::new(hello("x")))
        .await
        .unwrap();
    assert_eq!(stream.message().await.unwrap().unwrap().message, "first");
    let status = stream.message().await.unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::FailedPrecondition, "no")
    );
    assert_eq!(
        status.metadata().get("x-reason"),
        Some("quota"),
        "{status:?}"
    );
    let detail = status.metadata().get_bin("x-detail-bin").unwrap().unwrap();
    assert_eq!(&detail[..], [0, 1, 2, 255]);
}

/// 20 entries of 1 KiB: more than the 16 KiB SETTINGS_MAX_HEADER_LIST_SIZE both sides set.
fn flood() -> Metadata {
    let mut metadata = Metadata::new();
    for i in 0..20 {
        metadata
            .insert(&format!("x-flood-{i}"), &"v".repeat(1024))
            .unwrap();
    }
    metadata
}

/// Request metadata over the server's header list limit: h2 answers HTTP 431 before h2grpc
/// sees the request, and the client maps it (http-grpc-status-mapping.md) to INTERNAL. The
/// channel stays usable.
#[tokio::test]
async fn request_metadata_over_the_header_list_limit() {
    let server = TestServer::start(server()).await;
    let channel = connect(&server.target).await;
    let mut request = Request::new(hello("x"));
    *request.metadata_mut() = flood();
    let status = channel
        .unary::<_, HelloReply>("/test.Metadata/Describe", request)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Internal, "{status:?}");
    assert!(status.message().contains("431"), "{status:?}");
    let after = channel
        .unary::<_, HelloReply>("/test.Metadata/Echo", Request::new(hello("x")))
        .await
        .unwrap();
    assert_eq!(after.into_inner().message, "echo");
}

/// Response metadata over the header list bound (`call::server::MAX_RESPONSE_HEADER_LIST`,
/// the 16 KiB clients advertise): the server leaves the metadata out rather than send a block
/// the client would refuse, and the call succeeds with its message; the connection carries on.
#[tokio::test]
async fn response_metadata_over_the_header_list_limit() {
    let server = TestServer::start(server()).await;
    let channel = connect(&server.target).await;
    let response = channel
        .unary::<_, HelloReply>("/test.Metadata/Flood", Request::new(hello("x")))
        .await
        .unwrap();
    assert!(response.metadata().is_empty(), "{response:?}");
    assert_eq!(response.into_inner().message, "flood");
    let after = channel
        .unary::<_, HelloReply>("/test.Metadata/Echo", Request::new(hello("x")))
        .await
        .unwrap();
    assert_eq!(after.into_inner().message, "echo");
}
