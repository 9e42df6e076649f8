//! The reflection service through h2grpc's own client, `v1` and `v1alpha`: every kind of
//! request on one open stream, one answer per request in order, errors as in-stream
//! `error_response`s after which the stream goes on, `host` and the request echoed.

use bytes::Bytes;
use h2grpc::protobuf::Text;
use h2grpc::rpc::{Request, Sender, Streaming};
use h2grpc::schema::Schema;
use h2grpc::server::Server;
use h2grpc::services::reflection::{
    ExtensionRequest, FileDescriptorResponse, MessageRequest, MessageResponse, Reflection,
    ReflectionClient, ServerReflectionRequest, ServerReflectionResponse, Version,
};
use h2grpc::services::{self, Options};
use h2grpc::status::Code;
use prost::Message as _;

use super::vs_protoc::corpus;
use crate::support::net::{TestServer, serve, within};

/// An open `ServerReflectionInfo` call.
struct Session {
    requests: Sender<ServerReflectionRequest>,
    responses: Streaming<ServerReflectionResponse>,
}

impl Session {
    async fn open(server: &TestServer, version: Version) -> Self {
        let client = ReflectionClient::new(server.channel().await, version);
        let (requests, responses) = client
            .server_reflection_info(Request::new(()))
            .await
            .expect("the call starts");
        Self {
            requests,
            responses,
        }
    }

    /// Sends one request (with `host` set) and waits for its answer: checks the echoes, and
    /// returns the answer.
    async fn ask(&mut self, request: MessageRequest) -> MessageResponse {
        let request = ServerReflectionRequest {
            host: "test.host:1234".into(),
            message_request: Some(request),
        };
        let response = within(
            "a reflection answer",
            ReflectionClient::ask(&mut self.requests, &mut self.responses, &request),
        )
        .await
        .expect("an answer");
        assert_eq!(response.valid_host, "test.host:1234");
        assert_eq!(response.original_request.as_ref(), Some(&request));
        response.message_response.expect("an answer is set")
    }

    /// The file names of a `file_descriptor_response`, decoded by prost-types.
    async fn files(&mut self, request: MessageRequest) -> Vec<String> {
        match self.ask(request.clone()).await {
            MessageResponse::FileDescriptorResponse(files) => files
                .file_descriptor_proto
                .iter()
                .map(|bytes| {
                    prost_types::FileDescriptorProto::decode(&bytes[..])
                        .expect("a FileDescriptorProto")
                        .name()
                        .to_owned()
                })
                .collect(),
            other => panic!("{request:?}: {other:?}"),
        }
    }

    /// The code and message of an `error_response`.
    async fn error(&mut self, request: MessageRequest) -> (i32, String) {
        match self.ask(request.clone()).await {
            MessageResponse::ErrorResponse(error) => {
                (error.error_code, error.error_message.to_string())
            }
            other => panic!("{request:?}: not an error: {other:?}"),
        }
    }

    /// Half-closes: the server ends the call OK.
    async fn close(mut self) {
        self.requests.finish().await.expect("half-close");
        let end = within("the end of the call", self.responses.message()).await;
        assert!(matches!(end, Ok(None)), "{end:?}");
    }
}

fn text(s: &str) -> Text {
    s.into()
}

/// Everything `h2grpc serve` serves.
async fn all_services() -> TestServer {
    serve(services::register_all(Server::new(), &Options::default())).await
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

async fn every_request_kind(version: Version) {
    let server = all_services().await;
    let mut session = Session::open(&server, version).await;

    // list_services: every service served, these two included.
    match session.ask(MessageRequest::ListServices(text("*"))).await {
        MessageResponse::ListServicesResponse(list) => {
            let names: Vec<&str> = list.service.iter().map(|s| &*s.name).collect();
            assert_eq!(names, SERVED);
        }
        other => panic!("list_services: {other:?}"),
    }

    // file_containing_symbol: services, methods, messages, nested names, enums, enum values,
    // fields, with or without a leading dot.
    for (symbol, file) in [
        ("hello.Greeter", "hello.proto"),
        ("helloworld.Greeter.SayHelloBidiStream", "helloworld.proto"),
        ("finance.CurrencyConverter", "finance.proto"),
        ("finance.ConvertRequest", "finance.proto"),
        (".finance.RateUpdate", "finance.proto"),
        ("users.UserService.ListUsers", "user_service.proto"),
        ("users.User.created_at", "user_service.proto"),
        ("grpc.health.v1.Health", "grpc/health/v1/health.proto"),
        (
            "grpc.health.v1.HealthCheckResponse.ServingStatus",
            "grpc/health/v1/health.proto",
        ),
        (
            "grpc.health.v1.HealthCheckResponse.SERVING",
            "grpc/health/v1/health.proto",
        ),
        (
            "grpc.health.v1.HealthListResponse.StatusesEntry",
            "grpc/health/v1/health.proto",
        ),
        (
            "grpc.reflection.v1.ServerReflection",
            "grpc/reflection/v1/reflection.proto",
        ),
        (
            "grpc.reflection.v1alpha.ServerReflectionRequest.message_request",
            "grpc/reflection/v1alpha/reflection.proto",
        ),
    ] {
        let files = session
            .files(MessageRequest::FileContainingSymbol(text(symbol)))
            .await;
        assert_eq!(files, [file], "{symbol}");
    }

    // file_by_filename: the bytes are the schema's, which the protoc tests pin down.
    match session
        .ask(MessageRequest::FileByFilename(text(
            "grpc/health/v1/health.proto",
        )))
        .await
    {
        MessageResponse::FileDescriptorResponse(files) => assert_eq!(
            files.file_descriptor_proto,
            [Schema::embedded()
                .encoded_file("grpc/health/v1/health.proto")
                .unwrap()
                .clone()]
        ),
        other => panic!("file_by_filename: {other:?}"),
    }

    // all_extension_numbers_of_type: none, for a message we have.
    match session
        .ask(MessageRequest::AllExtensionNumbersOfType(text(
            "finance.ConvertRequest",
        )))
        .await
    {
        MessageResponse::AllExtensionNumbersResponse(numbers) => {
            assert_eq!(numbers.base_type_name, "finance.ConvertRequest");
            assert!(numbers.extension_number.is_empty());
        }
        other => panic!("all_extension_numbers_of_type: {other:?}"),
    }

    // Errors: NOT_FOUND in the stream, which goes on.
    let not_found = Code::NotFound.as_i32();
    for request in [
        MessageRequest::FileContainingSymbol(text("nope.Nope")),
        MessageRequest::FileContainingSymbol(text("hello")), // a package is not a symbol
        MessageRequest::FileByFilename(text("nope.proto")),
        MessageRequest::AllExtensionNumbersOfType(text("nope.Nope")),
        MessageRequest::AllExtensionNumbersOfType(text("hello.Greeter")), // not a message
        MessageRequest::FileContainingExtension(ExtensionRequest {
            containing_type: text("finance.ConvertRequest"),
            extension_number: 100,
        }),
    ] {
        let (code, message) = session.error(request.clone()).await;
        assert_eq!(code, not_found, "{request:?}: {message}");
        assert!(!message.is_empty());
    }
    let (code, message) = session
        .error(MessageRequest::FileByFilename(text("nope.proto")))
        .await;
    assert_eq!(
        (code, message.as_str()),
        (not_found, "file not found: nope.proto")
    );

    // Still answering after the errors.
    let files = session
        .files(MessageRequest::FileContainingSymbol(text("users.User")))
        .await;
    assert_eq!(files, ["user_service.proto"]);
    session.close().await;
}

#[tokio::test]
async fn v1_answers_every_request_kind() {
    every_request_kind(Version::V1).await;
}

#[tokio::test]
async fn v1alpha_answers_every_request_kind() {
    every_request_kind(Version::V1Alpha).await;
}

#[tokio::test]
async fn a_request_without_a_question_is_an_invalid_argument_answer() {
    let server = all_services().await;
    let mut session = Session::open(&server, Version::V1).await;
    let request = ServerReflectionRequest::default();
    let response = ReflectionClient::ask(&mut session.requests, &mut session.responses, &request)
        .await
        .unwrap();
    assert_eq!(response.original_request, Some(request));
    match response.message_response {
        Some(MessageResponse::ErrorResponse(error)) => {
            assert_eq!(error.error_code, Code::InvalidArgument.as_i32());
        }
        other => panic!("{other:?}"),
    }
    // And an empty list_services value still lists.
    match session.ask(MessageRequest::ListServices(text(""))).await {
        MessageResponse::ListServicesResponse(list) => assert_eq!(list.service.len(), SERVED.len()),
        other => panic!("{other:?}"),
    }
    session.close().await;
}

/// Requests written back to back, before any answer is read, are answered in order.
#[tokio::test]
async fn pipelined_requests_are_answered_in_order() {
    let server = all_services().await;
    let mut session = Session::open(&server, Version::V1Alpha).await;
    let symbols = ["users.User", "hello.Greeter", "nope", "finance.BatchReply"];
    for (i, symbol) in symbols.iter().enumerate() {
        let request = ServerReflectionRequest {
            host: format!("host{i}").into(),
            message_request: Some(MessageRequest::FileContainingSymbol(text(symbol))),
        };
        session.requests.send(&request).await.unwrap();
    }
    session.requests.finish().await.unwrap();
    for (i, symbol) in symbols.iter().enumerate() {
        let response = within("an answer", session.responses.message())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(response.valid_host, format!("host{i}"));
        match response.original_request.and_then(|r| r.message_request) {
            Some(MessageRequest::FileContainingSymbol(asked)) => assert_eq!(asked, *symbol),
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(session.responses.message().await, Ok(None)));
}

/// A file's imports come with it, transitively (public imports included): grpcurl needs them all
/// to build the file. The corpus has `everything.proto` → `common.proto` → (public)
/// `shared.proto`.
#[tokio::test]
async fn the_dependencies_come_with_the_file() {
    let files = corpus();
    let schema = Schema::parse(files.iter().map(|(n, s)| (n.as_str(), s.as_str()))).unwrap();
    // A server lives as long as the program: so does the schema it describes.
    let schema: &'static Schema = Box::leak(Box::new(schema));
    let reflection = Reflection::new(schema, ["corpus.all.v1.Everything"]);
    let server = serve(reflection.register(Server::new())).await;
    let mut session = Session::open(&server, Version::V1).await;
    let everything = [
        "corpus/everything.proto",
        "corpus/deps/common.proto",
        "corpus/deps/shared.proto",
    ];
    for symbol in [
        "corpus.all.v1.Everything",
        "corpus.all.v1.Outer.Middle.Inner",
    ] {
        let names = session
            .files(MessageRequest::FileContainingSymbol(text(symbol)))
            .await;
        assert_eq!(names, everything, "{symbol}");
    }
    let names = session
        .files(MessageRequest::FileByFilename(text(
            "corpus/deps/common.proto",
        )))
        .await;
    assert_eq!(
        names,
        ["corpus/deps/common.proto", "corpus/deps/shared.proto"]
    );
    let names = session
        .files(MessageRequest::FileContainingSymbol(text("Shared")))
        .await;
    assert_eq!(names, ["corpus/deps/shared.proto"]);
    match session.ask(MessageRequest::ListServices(text("*"))).await {
        MessageResponse::ListServicesResponse(list) => {
            let names: Vec<&str> = list.service.iter().map(|s| &*s.name).collect();
            assert_eq!(
                names,
                [
                    "corpus.all.v1.Everything",
                    "grpc.reflection.v1.ServerReflection",
                    "grpc.reflection.v1alpha.ServerReflection",
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    session.close().await;
}

/// The answer logic, without a network: the bytes of a `file_descriptor_response` are the
/// schema's encoding, ready to send.
#[test]
fn answers_are_the_schemas_bytes() {
    let reflection = Reflection::new(Schema::embedded(), ["hello.Greeter"]);
    let response = reflection.answer(ServerReflectionRequest {
        host: "".into(),
        message_request: Some(MessageRequest::FileContainingSymbol(text(
            "hello.HelloReply",
        ))),
    });
    let expected: Vec<Bytes> = vec![
        Schema::embedded()
            .encoded_file("hello.proto")
            .unwrap()
            .clone(),
    ];
    assert_eq!(
        response.message_response,
        Some(MessageResponse::FileDescriptorResponse(
            FileDescriptorResponse {
                file_descriptor_proto: expected
            }
        ))
    );
    assert_eq!(response.valid_host, "");
}
