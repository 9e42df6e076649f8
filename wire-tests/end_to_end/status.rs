//! Status codes and messages: every code, the interop special message, errors after messages,
//! unknown methods and services.

use h2grpc::rpc::{Request, Response, Streaming};
use h2grpc::server::Server;
use h2grpc::services::hello::{HelloReply, HelloRequest};
use h2grpc::status::{Code, Status};

use super::{connect, hello, reply};
use crate::support::net::{TestServer, within};
use crate::support::raw_h2::{RawClient, framed_message};

/// The interop `special_status_message`.
const SPECIAL: &str = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n";

/// `name` is `"<code> <message>"`: the handlers fail with that status.
fn parse(request: &HelloRequest) -> Status {
    let (code, message) = request.name.split_once(' ').unwrap();
    Status::new(Code::from_i32(code.parse().unwrap()), message)
}

fn server() -> Server {
    Server::new()
        .unary(
            "/test.Status/Unary",
            |req: Request<HelloRequest>| async move {
                Err::<Response<HelloReply>, _>(parse(req.get_ref()))
            },
        )
        .bidi_streaming(
            "/test.Status/Bidi",
            |req: Request<Streaming<HelloRequest>>, _tx: h2grpc::rpc::Sender<HelloReply>| async move {
                let mut stream = req.into_inner();
                let first = stream.message().await?.unwrap();
                Err(parse(&first))
            },
        )
        .server_streaming(
            "/test.Status/AfterMessages",
            |req: Request<HelloRequest>, mut tx| async move {
                for i in 0..3 {
                    tx.send(&reply(&format!("m{i}"))).await?;
                }
                Err(parse(req.get_ref()))
            },
        )
        .server_streaming(
            "/test.Status/Ok",
            |_: Request<HelloRequest>, _tx: h2grpc::rpc::Sender<HelloReply>| async move {
                Err(Status::new(Code::Ok, "all good ☺"))
            },
        )
}

/// Every code from 1 to 16 returned by a unary and by a bidi handler reaches the client with
/// its message (interop `status_code_and_message` does code 2 on both kinds).
#[tokio::test]
async fn status_code_and_message() {
    let server = TestServer::start(server()).await;
    let channel = connect(&server.target).await;
    for number in 1..=16 {
        let code = Code::from_i32(number);
        let message = format!("test status message {code}");
        let request = Request::new(hello(&format!("{number} {message}")));
        let status = within(
            "a unary status",
            channel.unary::<_, HelloReply>("/test.Status/Unary", request),
        )
        .await
        .unwrap_err();
        assert_eq!((status.code(), status.message()), (code, message.as_str()));

        let (mut tx, mut rx) = within(
            "a bidi call",
            channel
                .bidi_streaming::<HelloRequest, HelloReply>("/test.Status/Bidi", Request::new(())),
        )
        .await
        .unwrap();
        within("a send", tx.send(&hello(&format!("{number} {message}"))))
            .await
            .unwrap();
        within("the half-close", tx.finish()).await.unwrap();
        let status = within("a bidi status", rx.message()).await.unwrap_err();
        assert_eq!((status.code(), status.message()), (code, message.as_str()));
    }
}

/// Code 0 with a message: the client API reports OK as the end of the stream, so read the
/// wire: `grpc-status: 0` and the message, percent-encoded.
#[tokio::test]
async fn ok_with_a_message_on_the_wire() {
    let server = TestServer::start(server()).await;
    let channel = connect(&server.target).await;
    let mut stream = channel
        .server_streaming::<_, HelloReply>("/test.Status/Ok", Request::new(hello("x")))
        .await
        .unwrap();
    assert_eq!(stream.message().await.unwrap(), None);

    let raw = RawClient::connect(server.addr).await;
    let answer = raw
        .call(raw.request("/test.Status/Ok"), framed_message(&hello("x")))
        .await;
    assert_eq!(answer.assert_trailers_only(200, Code::Ok), "all good ☺");
    assert_eq!(
        answer.headers.get("grpc-message").unwrap(),
        "all good %E2%98%BA"
    );
}

/// Interop `special_status_message`: whitespace and non-ASCII survive exactly.
#[tokio::test]
async fn special_status_message() {
    let server = TestServer::start(server()).await;
    let channel = connect(&server.target).await;
    let request = Request::new(hello(&format!("2 {SPECIAL}")));
    let status = channel
        .unary::<_, HelloReply>("/test.Status/Unary", request)
        .await
        .unwrap_err();
    assert_eq!((status.code(), status.message()), (Code::Unknown, SPECIAL));

    // And its spec-minimal wire form.
    let raw = RawClient::connect(server.addr).await;
    let body = framed_message(&hello(&format!("2 {SPECIAL}")));
    let answer = raw.call(raw.request("/test.Status/Unary"), body).await;
    assert_eq!(answer.assert_trailers_only(200, Code::Unknown), SPECIAL);
    assert_eq!(
        answer.headers.get("grpc-message").unwrap(),
        "%09%0Atest with whitespace%0D%0Aand Unicode BMP %E2%98%BA and non-BMP %F0%9F%98%88%09%0A"
    );
}

/// An error after streamed messages arrives after them: messages first, then the status.
#[tokio::test]
async fn error_after_messages() {
    let server = TestServer::start(server()).await;
    let channel = connect(&server.target).await;
    let mut stream = channel
        .server_streaming::<_, HelloReply>(
            "/test.Status/AfterMessages",
            Request::new(hello("10 stopped here")),
        )
        .await
        .unwrap();
    for i in 0..3 {
        assert_eq!(
            stream.message().await.unwrap().unwrap().message,
            format!("m{i}")
        );
    }
    let status = stream.message().await.unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::Aborted, "stopped here")
    );
    // The call stays over with that status.
    assert_eq!(stream.message().await.unwrap_err().code(), Code::Aborted);
}

/// Interop `unimplemented_method`: a method the service does not have.
#[tokio::test]
async fn unimplemented_method() {
    let server = TestServer::start(server()).await;
    let channel = connect(&server.target).await;
    let status = channel
        .unary::<_, HelloReply>("/test.Status/UnimplementedCall", Request::new(hello("x")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    assert_eq!(
        status.message(),
        "unknown method UnimplementedCall for service test.Status"
    );
}

/// Interop `unimplemented_service`, for each kind of call.
#[tokio::test]
async fn unimplemented_service() {
    let server = TestServer::start(server()).await;
    let channel = connect(&server.target).await;
    let path = "/grpc.testing.UnimplementedService/UnimplementedCall";
    let status = channel
        .unary::<_, HelloReply>(path, Request::new(hello("x")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    assert_eq!(
        status.message(),
        "unknown service grpc.testing.UnimplementedService"
    );

    let status = channel
        .server_streaming::<_, HelloReply>(path, Request::new(hello("x")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);

    let call = channel
        .client_streaming::<HelloRequest, HelloReply>(path, Request::new(()))
        .await
        .unwrap();
    assert_eq!(call.finish().await.unwrap_err().code(), Code::Unimplemented);

    let (_tx, mut rx) = channel
        .bidi_streaming::<HelloRequest, HelloReply>(path, Request::new(()))
        .await
        .unwrap();
    assert_eq!(rx.message().await.unwrap_err().code(), Code::Unimplemented);
}
