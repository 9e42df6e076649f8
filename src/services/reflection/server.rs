//! The reflection server: one answer per request, computed from the [`Schema`] by
//! [`Reflection::answer`] (no I/O, so tests call it directly), sent on the open stream.

use std::sync::Arc;

use super::messages::{
    ErrorResponse, ExtensionNumberResponse, FileDescriptorResponse, ListServiceResponse,
    MessageRequest, MessageResponse, ServerReflectionRequest, ServerReflectionResponse,
    ServiceResponse,
};
use super::{V1_INFO, V1_SERVICE, V1ALPHA_INFO, V1ALPHA_SERVICE};
use crate::rpc::{Request, Sender, Streaming};
use crate::schema::{Schema, SymbolKind};
use crate::server::Server;
use crate::status::{Code, Status};

/// The reflection service: the schema it describes, and the services it lists.
#[derive(Debug, Clone)]
pub struct Reflection {
    schema: &'static Schema,
    /// Sorted, each once; the reflection services themselves included.
    services: Arc<[String]>,
}

impl Reflection {
    /// Describes `schema`, listing `services` (the full names of the services the server
    /// serves) and the two reflection services.
    pub fn new(
        schema: &'static Schema,
        services: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        let mut names: Vec<String> = services.into_iter().map(Into::into).collect();
        names.extend([V1_SERVICE.to_owned(), V1ALPHA_SERVICE.to_owned()]);
        names.sort();
        names.dedup();
        Self {
            schema,
            services: names.into(),
        }
    }

    /// The services `list_services` answers.
    pub fn services(&self) -> &[String] {
        &self.services
    }

    /// Adds `grpc.reflection.v1.ServerReflection` and `grpc.reflection.v1alpha.ServerReflection`
    /// to `server`.
    #[must_use]
    pub fn register(self, server: Server) -> Server {
        let v1alpha = self.clone();
        server
            .bidi_streaming(V1_INFO, move |requests, replies| {
                self.clone().server_reflection_info(requests, replies)
            })
            .bidi_streaming(V1ALPHA_INFO, move |requests, replies| {
                v1alpha.clone().server_reflection_info(requests, replies)
            })
    }

    /// `ServerReflectionInfo`: one response per request, in order, each sent as soon as its
    /// request has arrived (grpcurl waits for each answer before it asks again). Errors are
    /// answers (`error_response`), not the end of the stream, which ends OK when the client
    /// half-closes.
    ///
    /// # Errors
    /// A malformed request stream, or CANCELLED when the client is gone.
    pub async fn server_reflection_info(
        self,
        requests: Request<Streaming<ServerReflectionRequest>>,
        mut replies: Sender<ServerReflectionResponse>,
    ) -> Result<(), Status> {
        let mut requests = requests.into_inner();
        while let Some(request) = requests.message().await? {
            replies.send(&self.answer(request)).await?;
        }
        Ok(())
    }

    /// The response to one request, `host` and the request echoed.
    pub fn answer(&self, request: ServerReflectionRequest) -> ServerReflectionResponse {
        let response = match &request.message_request {
            None => error(
                Code::InvalidArgument,
                "the request sets no message_request".into(),
            ),
            Some(MessageRequest::FileByFilename(name)) => {
                match self.schema.encoded_with_dependencies(name) {
                    Some(files) => files_response(files),
                    None => error(Code::NotFound, format!("file not found: {name}")),
                }
            }
            Some(MessageRequest::FileContainingSymbol(symbol)) => {
                self.file_containing_symbol(symbol)
            }
            Some(MessageRequest::FileContainingExtension(extension)) => error(
                Code::NotFound,
                format!(
                    "extension not found: {} of {} (proto3 declares no extensions)",
                    extension.extension_number, extension.containing_type
                ),
            ),
            Some(MessageRequest::AllExtensionNumbersOfType(name)) => {
                // A proto3 message has no extension ranges: an empty list, which grpcurl
                // accepts (UNIMPLEMENTED here would make it give up on reflection).
                if self.schema.symbol_kind(name) == Some(SymbolKind::Message) {
                    MessageResponse::AllExtensionNumbersResponse(ExtensionNumberResponse {
                        base_type_name: name.clone(),
                        extension_number: Vec::new(),
                    })
                } else {
                    error(Code::NotFound, format!("type not found: {name}"))
                }
            }
            Some(MessageRequest::ListServices(_)) => {
                MessageResponse::ListServicesResponse(ListServiceResponse {
                    service: self
                        .services
                        .iter()
                        .map(|name| ServiceResponse {
                            name: name.as_str().into(),
                        })
                        .collect(),
                })
            }
        };
        ServerReflectionResponse {
            valid_host: request.host.clone(),
            original_request: Some(request),
            message_response: Some(response),
        }
    }

    /// The file defining `symbol` (a service, method, message, enum, enum value, field or
    /// oneof; with or without a leading dot), and every file it imports.
    fn file_containing_symbol(&self, symbol: &str) -> MessageResponse {
        let name = symbol.strip_prefix('.').unwrap_or(symbol);
        let files = self
            .schema
            .file_defining(name)
            .and_then(|file| self.schema.encoded_with_dependencies(file.name.as_deref()?));
        match files {
            Some(files) => files_response(files),
            None => error(Code::NotFound, format!("symbol not found: {symbol}")),
        }
    }
}

fn files_response(files: Vec<bytes::Bytes>) -> MessageResponse {
    MessageResponse::FileDescriptorResponse(FileDescriptorResponse {
        file_descriptor_proto: files,
    })
}

fn error(code: Code, message: String) -> MessageResponse {
    MessageResponse::ErrorResponse(ErrorResponse {
        error_code: code.as_i32(),
        error_message: message.into(),
    })
}

/// Adds both reflection services to `server`, describing [`Schema::embedded`] and listing
/// `services` (the full names of the services `server` serves; the reflection services are
/// added to the list).
#[must_use]
pub fn register(server: Server, services: impl IntoIterator<Item = impl Into<String>>) -> Server {
    Reflection::new(Schema::embedded(), services).register(server)
}
