//! The typed client of `grpc.reflection.{v1,v1alpha}.ServerReflection`.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};

use super::messages::{
    MessageRequest, MessageResponse, ServerReflectionRequest, ServerReflectionResponse,
};
use super::{V1_INFO, V1ALPHA_INFO};
use crate::client::Channel;
use crate::protobuf::Message;
use crate::rpc::{Request, Sender, Streaming};
use crate::schema::Schema;
use crate::schema::descriptor::FileDescriptorProto;
use crate::status::{Code, Status};

/// Which package of the reflection service to call: the two are the same on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `grpc.reflection.v1`: current (grpcurl 1.8.8 and later try it first).
    V1,
    /// `grpc.reflection.v1alpha`: deprecated, what grpcurl 1.8.0 to 1.8.7 call.
    V1Alpha,
}

/// A typed client of the reflection service, over a [`Channel`].
///
/// ```no_run
/// use h2grpc::client::Channel;
/// use h2grpc::rpc::Request;
/// use h2grpc::services::reflection::{MessageRequest, ReflectionClient, ServerReflectionRequest, Version};
///
/// # async fn run() -> Result<(), h2grpc::status::Status> {
/// let client = ReflectionClient::new(Channel::connect("http://127.0.0.1:50051").await?, Version::V1);
/// let (mut requests, mut responses) = client.server_reflection_info(Request::new(())).await?;
/// let list = ServerReflectionRequest {
///     host: "".into(),
///     message_request: Some(MessageRequest::ListServices("*".into())),
/// };
/// let response = ReflectionClient::ask(&mut requests, &mut responses, &list).await?;
/// println!("{:?}", response.message_response);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ReflectionClient {
    channel: Channel,
    version: Version,
}

impl ReflectionClient {
    /// A client of `version`, calling over `channel`.
    pub fn new(channel: Channel, version: Version) -> Self {
        Self { channel, version }
    }

    /// The bidirectional `ServerReflectionInfo` call: send requests, read one response each.
    ///
    /// # Errors
    /// As [`Channel::bidi_streaming`].
    pub async fn server_reflection_info(
        &self,
        request: Request<()>,
    ) -> Result<
        (
            Sender<ServerReflectionRequest>,
            Streaming<ServerReflectionResponse>,
        ),
        Status,
    > {
        let path = match self.version {
            Version::V1 => V1_INFO,
            Version::V1Alpha => V1ALPHA_INFO,
        };
        self.channel.bidi_streaming(path, request).await
    }

    /// Sends `request` on an open call and waits for its response, as grpcurl does.
    ///
    /// # Errors
    /// The call's status if it ended, INTERNAL if it ended OK without an answer.
    pub async fn ask(
        requests: &mut Sender<ServerReflectionRequest>,
        responses: &mut Streaming<ServerReflectionResponse>,
        request: &ServerReflectionRequest,
    ) -> Result<ServerReflectionResponse, Status> {
        requests.send(request).await?;
        responses.message().await?.ok_or_else(|| {
            Status::new(
                Code::Internal,
                "the reflection stream ended without an answer",
            )
        })
    }
}

/// The schema a server describes through reflection: the services it lists, and every file
/// that defines one of them or is imported by one, as resolved descriptors.
#[derive(Debug)]
pub struct ServedSchema {
    /// The full names of the services, as the server lists them.
    pub services: Vec<String>,
    /// The files, checked and indexed (a file is named once even when several services share it).
    pub schema: Schema,
}

/// Asks the server at `channel` for its schema, as grpcurl does: `list_services`, then
/// `file_containing_symbol` for each service, then `file_by_filename` for any import the
/// server did not send along. `grpc.reflection.v1` first; `v1alpha` when the server answers
/// UNIMPLEMENTED.
///
/// # Errors
/// A failed call, an error response, a file that does not decode, or files that do not fit
/// together (a missing import, a type that names nothing) as INTERNAL.
pub async fn fetch_schema(channel: &Channel) -> Result<ServedSchema, Status> {
    let mut session = match Session::open(channel, Version::V1).await {
        Err(status) if status.code() == Code::Unimplemented => {
            Session::open(channel, Version::V1Alpha).await
        }
        other => other,
    }?;
    let services = session.list_services().await?;
    let mut files: HashMap<String, FileDescriptorProto> = HashMap::new();
    let mut order = Vec::new();
    for service in &services {
        let found = session
            .ask(MessageRequest::FileContainingSymbol(
                service.as_str().into(),
            ))
            .await?;
        add_files(found, &mut files, &mut order)?;
    }
    loop {
        let missing: BTreeSet<String> = files
            .values()
            .flat_map(|f| f.dependency.iter().map(ToString::to_string))
            .filter(|d| !files.contains_key(d))
            .collect();
        if missing.is_empty() {
            break;
        }
        for name in missing {
            let found = session
                .ask(MessageRequest::FileByFilename(name.as_str().into()))
                .await?;
            add_files(found, &mut files, &mut order)?;
            if !files.contains_key(&name) {
                return Err(Status::internal(format!(
                    "server reflection did not send {name}"
                )));
            }
        }
    }
    let files = order
        .into_iter()
        .filter_map(|name| files.remove(&name))
        .collect();
    let schema = Schema::from_files(files).map_err(|error| {
        Status::internal(format!(
            "the server's reflection describes files that do not fit together: {error}"
        ))
    })?;
    Ok(ServedSchema { services, schema })
}

/// One open `ServerReflectionInfo` call, asked one question at a time.
struct Session {
    requests: Sender<ServerReflectionRequest>,
    responses: Streaming<ServerReflectionResponse>,
}

impl Session {
    async fn open(channel: &Channel, version: Version) -> Result<Self, Status> {
        let client = ReflectionClient::new(channel.clone(), version);
        let (requests, responses) = client.server_reflection_info(Request::new(())).await?;
        let mut session = Self {
            requests,
            responses,
        };
        // A server without this version answers UNIMPLEMENTED to the first question.
        session.list_services().await?;
        Ok(session)
    }

    async fn ask(&mut self, request: MessageRequest) -> Result<MessageResponse, Status> {
        let request = ServerReflectionRequest {
            host: "".into(),
            message_request: Some(request),
        };
        let response =
            ReflectionClient::ask(&mut self.requests, &mut self.responses, &request).await?;
        match response.message_response {
            Some(MessageResponse::ErrorResponse(error)) => Err(Status::new(
                Code::from_i32(error.error_code),
                error.error_message.to_string(),
            )),
            Some(response) => Ok(response),
            None => Err(Status::internal("an empty reflection response")),
        }
    }

    async fn list_services(&mut self) -> Result<Vec<String>, Status> {
        match self.ask(MessageRequest::ListServices("*".into())).await? {
            MessageResponse::ListServicesResponse(list) => {
                Ok(list.service.iter().map(|s| s.name.to_string()).collect())
            }
            _ => Err(Status::internal(
                "reflection answered list_services with something else",
            )),
        }
    }
}

/// Adds the files of a `FileDescriptorResponse`, each once, in the order first seen.
fn add_files(
    response: MessageResponse,
    files: &mut HashMap<String, FileDescriptorProto>,
    order: &mut Vec<String>,
) -> Result<(), Status> {
    let MessageResponse::FileDescriptorResponse(found) = response else {
        return Err(Status::internal("reflection answered with no file"));
    };
    for bytes in found.file_descriptor_proto {
        let file = FileDescriptorProto::decode(bytes).map_err(|e| {
            Status::internal(format!("reflection sent a file that does not decode: {e}"))
        })?;
        let name = file.name.as_deref().unwrap_or_default().to_owned();
        if let Entry::Vacant(slot) = files.entry(name) {
            order.push(slot.key().clone());
            slot.insert(file);
        }
    }
    Ok(())
}
