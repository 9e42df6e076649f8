//! Where `h2grpc call` gets its schema: the server's reflection, `.proto` files, or a
//! `FileDescriptorSet`; in every case a list of resolved `FileDescriptorProto`s and the
//! [`Types`] index built on them.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use h2grpc::client::Channel;
use h2grpc::dynamic::{MessageType, Types};
use h2grpc::protobuf::Message;
use h2grpc::rpc::{Request, Sender, Streaming};
use h2grpc::schema::Schema;
use h2grpc::schema::descriptor::{
    FileDescriptorProto, FileDescriptorSet, MethodDescriptorProto, ServiceDescriptorProto,
};
use h2grpc::services::reflection::{
    MessageRequest, MessageResponse, ReflectionClient, ServerReflectionRequest,
    ServerReflectionResponse, Version,
};
use h2grpc::status::{Code, Status};

use crate::cli::Failure;

/// The files of a schema, and their types indexed.
#[derive(Debug)]
pub(crate) struct Descriptors {
    pub(crate) files: Vec<FileDescriptorProto>,
    pub(crate) types: Arc<Types>,
    /// The services to list: from reflection, what the server says it serves.
    listed: Option<Vec<String>>,
}

/// A method of the schema, resolved.
#[derive(Debug)]
pub(crate) struct Method<'a> {
    /// `/package.Service/Method`.
    pub(crate) path: String,
    pub(crate) descriptor: &'a MethodDescriptorProto,
    pub(crate) input: MessageType,
    pub(crate) output: MessageType,
}

fn package_of(file: &FileDescriptorProto) -> &str {
    file.package.as_deref().unwrap_or_default()
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_owned()
    } else {
        format!("{scope}.{name}")
    }
}

impl Descriptors {
    fn new(files: Vec<FileDescriptorProto>, listed: Option<Vec<String>>) -> Result<Self, Failure> {
        let types = Types::new(&files)
            .map_err(|error| Failure::runtime(format!("the schema is incomplete: {error}")))?;
        Ok(Self {
            files,
            types,
            listed,
        })
    }

    /// A `FileDescriptorSet` file.
    pub(crate) fn from_protoset(path: &Path) -> Result<Self, Failure> {
        let bytes = std::fs::read(path)
            .map_err(|e| Failure::runtime(format!("cannot read {}: {e}", path.display())))?;
        let set = FileDescriptorSet::decode(Bytes::from(bytes)).map_err(|e| {
            Failure::runtime(format!(
                "{} is not a FileDescriptorSet: {e}",
                path.display()
            ))
        })?;
        let schema = Schema::from_files(set.file)
            .map_err(|e| Failure::runtime(format!("{}: {e}", path.display())))?;
        Self::new(schema.files().to_vec(), None)
    }

    /// `.proto` files, found in `import_paths`.
    pub(crate) fn from_protos(
        import_paths: &[PathBuf],
        files: &[PathBuf],
    ) -> Result<Self, Failure> {
        let schema = Schema::load(import_paths, files).map_err(Failure::runtime)?;
        Self::new(schema.files().to_vec(), None)
    }

    /// The server's reflection: the list of services, then the file defining each and the
    /// files they import. `v1` first; `v1alpha` if the server does not have `v1`.
    pub(crate) async fn from_reflection(channel: &Channel, target: &str) -> Result<Self, Failure> {
        let failed =
            |status: Status| Failure::rpc(&format!("server reflection at {target}"), &status);
        let mut session = match Reflection::open(channel, Version::V1).await {
            Err(status) if status.code() == Code::Unimplemented => {
                Reflection::open(channel, Version::V1Alpha).await
            }
            other => other,
        }
        .map_err(failed)?;
        let services = session.list_services().await.map_err(failed)?;
        let mut files: HashMap<String, FileDescriptorProto> = HashMap::new();
        let mut order = Vec::new();
        for service in &services {
            let found = session
                .ask(MessageRequest::FileContainingSymbol(
                    service.as_str().into(),
                ))
                .await
                .map_err(failed)?;
            session.add(found, &mut files, &mut order)?;
        }
        // The imports the server did not send along.
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
                    .await
                    .map_err(failed)?;
                session.add(found, &mut files, &mut order)?;
                if !files.contains_key(&name) {
                    return Err(Failure::runtime(format!(
                        "server reflection at {target} did not send {name}"
                    )));
                }
            }
        }
        let files = order
            .into_iter()
            .filter_map(|name| files.remove(&name))
            .collect();
        Self::new(files, Some(services))
    }

    /// The full names of the services, sorted.
    pub(crate) fn services(&self) -> Vec<String> {
        let mut names: Vec<String> = match &self.listed {
            Some(listed) => listed.clone(),
            None => self
                .files
                .iter()
                .flat_map(|file| {
                    file.service
                        .iter()
                        .map(|s| join(package_of(file), s.name.as_deref().unwrap_or_default()))
                })
                .collect(),
        };
        names.sort();
        names.dedup();
        names
    }

    /// The service called `name`, and its package.
    pub(crate) fn service(&self, name: &str) -> Option<(&str, &ServiceDescriptorProto)> {
        self.files.iter().find_map(|file| {
            let package = package_of(file);
            file.service
                .iter()
                .find(|s| join(package, s.name.as_deref().unwrap_or_default()) == name)
                .map(|s| (package, s))
        })
    }

    /// `package.Service.Method` for each method of `service`, sorted.
    pub(crate) fn methods(&self, service: &str) -> Result<Vec<String>, Failure> {
        let (_, descriptor) = self
            .service(service)
            .ok_or_else(|| Failure::runtime(format!("service {service:?} not found")))?;
        let mut names: Vec<String> = descriptor
            .method
            .iter()
            .map(|m| join(service, m.name.as_deref().unwrap_or_default()))
            .collect();
        names.sort();
        Ok(names)
    }

    /// The method `package.Service/Method` (or `package.Service.Method`).
    pub(crate) fn method(&self, name: &str) -> Result<Method<'_>, Failure> {
        let (service, method) = name
            .rsplit_once('/')
            .or_else(|| name.rsplit_once('.'))
            .ok_or_else(|| {
                Failure::usage(format!(
                    "{name:?} is not a method: write package.Service/Method"
                ))
            })?;
        let (_, descriptor) = self
            .service(service)
            .ok_or_else(|| Failure::runtime(format!("service {service:?} not found")))?;
        let descriptor = descriptor
            .method
            .iter()
            .find(|m| m.name.as_deref() == Some(method))
            .ok_or_else(|| {
                Failure::runtime(format!("service {service:?} has no method {method:?}"))
            })?;
        let message = |name: Option<&str>| {
            let name = name.unwrap_or_default();
            MessageType::new(&self.types, name)
                .ok_or_else(|| Failure::runtime(format!("message type {name} not found")))
        };
        Ok(Method {
            path: format!("/{service}/{method}"),
            input: message(descriptor.input_type.as_deref())?,
            output: message(descriptor.output_type.as_deref())?,
            descriptor,
        })
    }
}

/// One open `ServerReflectionInfo` call, asked one question at a time as grpcurl does.
struct Reflection {
    requests: Sender<ServerReflectionRequest>,
    responses: Streaming<ServerReflectionResponse>,
}

impl Reflection {
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
            None => Err(Status::new(Code::Internal, "an empty reflection response")),
        }
    }

    async fn list_services(&mut self) -> Result<Vec<String>, Status> {
        match self.ask(MessageRequest::ListServices("*".into())).await? {
            MessageResponse::ListServicesResponse(list) => {
                Ok(list.service.iter().map(|s| s.name.to_string()).collect())
            }
            _ => Err(Status::new(Code::Internal, "not a list of services")),
        }
    }

    /// Adds the files of a `FileDescriptorResponse`.
    fn add(
        &self,
        response: MessageResponse,
        files: &mut HashMap<String, FileDescriptorProto>,
        order: &mut Vec<String>,
    ) -> Result<(), Failure> {
        let MessageResponse::FileDescriptorResponse(found) = response else {
            return Err(Failure::runtime("reflection answered with no file"));
        };
        for bytes in found.file_descriptor_proto {
            let file = FileDescriptorProto::decode(bytes).map_err(|e| {
                Failure::runtime(format!("reflection sent a file that does not decode: {e}"))
            })?;
            let name = file.name.as_deref().unwrap_or_default().to_owned();
            if let std::collections::hash_map::Entry::Vacant(slot) = files.entry(name) {
                order.push(slot.key().clone());
                slot.insert(file);
            }
        }
        Ok(())
    }
}
