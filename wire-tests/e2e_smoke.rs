//! First end-to-end checks: an h2grpc server and client over loopback TCP.

use std::time::Duration;

use h2grpc::client::Channel;
use h2grpc::rpc::{Request, Response};
use h2grpc::server::Server;
use h2grpc::services::hello::{HelloReply, HelloRequest};
use h2grpc::status::{Code, Status};

async fn start(server: Server) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve_with_shutdown(listener, async {
        let _ = stopped.await;
    }));
    (format!("http://{addr}"), stop)
}

fn greeter() -> Server {
    Server::new()
        .unary(
            "/hello.Greeter/SayHello",
            |req: Request<HelloRequest>| async move {
                let name = req.into_inner().name;
                if name == "fail" {
                    return Err(Status::new(Code::InvalidArgument, "bad name ☺"));
                }
                Ok(Response::new(HelloReply {
                    message: format!("Hello, {name}!").into(),
                }))
            },
        )
        .server_streaming(
            "/hello.Greeter/SayHelloStreamReply",
            |req: Request<HelloRequest>, mut tx| async move {
                let name = req.into_inner().name;
                for i in 1..=3 {
                    tx.send(&HelloReply {
                        message: format!("Hello, {name}! #{i}").into(),
                    })
                    .await?;
                }
                Ok(())
            },
        )
        .client_streaming(
            "/helloworld.Greeter/Count",
            |req: Request<h2grpc::rpc::Streaming<HelloRequest>>| async move {
                let mut stream = req.into_inner();
                let mut names = Vec::new();
                while let Some(m) = stream.message().await? {
                    names.push(m.name.to_string());
                }
                Ok(Response::new(HelloReply {
                    message: names.join(",").into(),
                }))
            },
        )
        .bidi_streaming(
            "/helloworld.Greeter/SayHelloBidiStream",
            |req: Request<h2grpc::rpc::Streaming<HelloRequest>>, mut tx| async move {
                let mut stream = req.into_inner();
                while let Some(m) = stream.message().await? {
                    tx.send(&HelloReply {
                        message: format!("Hello, {}!", m.name).into(),
                    })
                    .await?;
                }
                Ok(())
            },
        )
        .unary(
            "/hello.Greeter/Sleep",
            |_req: Request<HelloRequest>| async move {
                tokio::time::sleep(Duration::from_secs(5)).await;
                Ok(Response::new(HelloReply::default()))
            },
        )
        .unary(
            "/hello.Greeter/Panic",
            |_req: Request<HelloRequest>| async move {
                if true {
                    panic!("boom");
                }
                Ok(Response::new(HelloReply::default()))
            },
        )
}

#[tokio::test]
async fn all_four_kinds_and_errors() {
    let (target, _stop) = start(greeter()).await;
    let channel = Channel::connect(&target).await.unwrap();

    let reply: Response<HelloReply> = channel
        .unary(
            "/hello.Greeter/SayHello",
            Request::new(HelloRequest {
                name: "world".into(),
            }),
        )
        .await
        .unwrap();
    assert_eq!(reply.get_ref().message, "Hello, world!");

    let err = channel
        .unary::<_, HelloReply>(
            "/hello.Greeter/SayHello",
            Request::new(HelloRequest {
                name: "fail".into(),
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (Code::InvalidArgument, "bad name ☺")
    );

    let mut stream = channel
        .server_streaming::<_, HelloReply>(
            "/hello.Greeter/SayHelloStreamReply",
            Request::new(HelloRequest { name: "x".into() }),
        )
        .await
        .unwrap();
    let mut got = Vec::new();
    while let Some(m) = stream.message().await.unwrap() {
        got.push(m.message.to_string());
    }
    assert_eq!(got, ["Hello, x! #1", "Hello, x! #2", "Hello, x! #3"]);

    let mut call = channel
        .client_streaming::<HelloRequest, HelloReply>("/helloworld.Greeter/Count", Request::new(()))
        .await
        .unwrap();
    for name in ["a", "b", "c"] {
        call.send(&HelloRequest { name: name.into() })
            .await
            .unwrap();
    }
    assert_eq!(call.finish().await.unwrap().get_ref().message, "a,b,c");

    let (mut tx, mut rx) = channel
        .bidi_streaming::<HelloRequest, HelloReply>(
            "/helloworld.Greeter/SayHelloBidiStream",
            Request::new(()),
        )
        .await
        .unwrap();
    tx.send(&HelloRequest { name: "one".into() }).await.unwrap();
    assert_eq!(rx.message().await.unwrap().unwrap().message, "Hello, one!");
    tx.send(&HelloRequest { name: "two".into() }).await.unwrap();
    assert_eq!(rx.message().await.unwrap().unwrap().message, "Hello, two!");
    tx.finish().await.unwrap();
    assert!(rx.message().await.unwrap().is_none());

    let err = channel
        .unary::<_, HelloReply>("/hello.Greeter/Nope", Request::new(HelloRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unimplemented, "{err}");
    assert_eq!(
        err.message(),
        "unknown method Nope for service hello.Greeter"
    );

    let err = channel
        .unary::<_, HelloReply>(
            "/hello.Greeter/Sleep",
            Request::new(HelloRequest::default()).with_timeout(Duration::from_millis(100)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::DeadlineExceeded, "{err}");

    let err = channel
        .unary::<_, HelloReply>(
            "/hello.Greeter/Panic",
            Request::new(HelloRequest::default()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unknown, "{err}");

    // Still serving after the panic.
    let reply: Response<HelloReply> = channel
        .unary(
            "/hello.Greeter/SayHello",
            Request::new(HelloRequest {
                name: "again".into(),
            }),
        )
        .await
        .unwrap();
    assert_eq!(reply.get_ref().message, "Hello, again!");
}
