//! The messages of `proto/grpc/reflection/v1/reflection.proto`, which `v1alpha` declares with
//! the same names and numbers (one set of Rust types serves both packages).
//!
//! The two `oneof`s are Rust enums in an `Option`: `None` when no member is set. A member that
//! is set is written even when it holds its default (`list_services: ""` still says "list the
//! services"), so members are written with [`FieldSink::optional`].

use bytes::Bytes;

use crate::protobuf::{Bin, DecodeError, Decoder, FieldSink, Int32, Message, Msg, Str, Text};

/// `message ServerReflectionRequest { string host = 1; oneof message_request { ... } }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerReflectionRequest {
    /// `string host = 1;`
    pub host: Text,
    /// `oneof message_request`: what is asked.
    pub message_request: Option<MessageRequest>,
}

/// `oneof message_request` of [`ServerReflectionRequest`].
#[derive(Debug, Clone, PartialEq)]
pub enum MessageRequest {
    /// `string file_by_filename = 3;` a file by name (`grpc/health/v1/health.proto`).
    FileByFilename(Text),
    /// `string file_containing_symbol = 4;` the file defining a full name (`pkg.Service`,
    /// `pkg.Service.Method`, `pkg.Message`, `pkg.Enum`, ...).
    FileContainingSymbol(Text),
    /// `ExtensionRequest file_containing_extension = 5;`
    FileContainingExtension(ExtensionRequest),
    /// `string all_extension_numbers_of_type = 6;` a message type's extension numbers.
    AllExtensionNumbersOfType(Text),
    /// `string list_services = 7;` the services served (the value is not checked).
    ListServices(Text),
}

impl Message for ServerReflectionRequest {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.string(1, &self.host);
        match &self.message_request {
            None => {}
            Some(MessageRequest::FileByFilename(name)) => s.optional::<Str>(3, Some(name)),
            Some(MessageRequest::FileContainingSymbol(name)) => s.optional::<Str>(4, Some(name)),
            Some(MessageRequest::FileContainingExtension(request)) => {
                s.optional::<Msg<ExtensionRequest>>(5, Some(request));
            }
            Some(MessageRequest::AllExtensionNumbersOfType(name)) => {
                s.optional::<Str>(6, Some(name));
            }
            Some(MessageRequest::ListServices(value)) => s.optional::<Str>(7, Some(value)),
        }
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        let request = match number {
            1 => return d.string(&mut self.host),
            3 => MessageRequest::FileByFilename(d.value::<Str>()?),
            4 => MessageRequest::FileContainingSymbol(d.value::<Str>()?),
            // A message member seen twice merges, as any message field does.
            5 => match &mut self.message_request {
                Some(MessageRequest::FileContainingExtension(request)) => {
                    return d.field::<Msg<ExtensionRequest>>(request);
                }
                _ => MessageRequest::FileContainingExtension(d.value::<Msg<ExtensionRequest>>()?),
            },
            6 => MessageRequest::AllExtensionNumbersOfType(d.value::<Str>()?),
            7 => MessageRequest::ListServices(d.value::<Str>()?),
            _ => return d.skip(),
        };
        self.message_request = Some(request);
        Ok(())
    }
}

/// `message ExtensionRequest { string containing_type = 1; int32 extension_number = 2; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExtensionRequest {
    /// `string containing_type = 1;` the extended message type, fully qualified.
    pub containing_type: Text,
    /// `int32 extension_number = 2;`
    pub extension_number: i32,
}

impl Message for ExtensionRequest {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.string(1, &self.containing_type);
        s.int32(2, self.extension_number);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.string(&mut self.containing_type),
            2 => d.int32(&mut self.extension_number),
            _ => d.skip(),
        }
    }
}

/// `message ServerReflectionResponse { string valid_host = 1; ServerReflectionRequest
/// original_request = 2; oneof message_response { ... } }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerReflectionResponse {
    /// `string valid_host = 1;` the request's `host`, echoed.
    pub valid_host: Text,
    /// `ServerReflectionRequest original_request = 2;` the request answered, echoed.
    pub original_request: Option<ServerReflectionRequest>,
    /// `oneof message_response`: the answer.
    pub message_response: Option<MessageResponse>,
}

/// `oneof message_response` of [`ServerReflectionResponse`].
#[derive(Debug, Clone, PartialEq)]
pub enum MessageResponse {
    /// `FileDescriptorResponse file_descriptor_response = 4;`
    FileDescriptorResponse(FileDescriptorResponse),
    /// `ExtensionNumberResponse all_extension_numbers_response = 5;`
    AllExtensionNumbersResponse(ExtensionNumberResponse),
    /// `ListServiceResponse list_services_response = 6;`
    ListServicesResponse(ListServiceResponse),
    /// `ErrorResponse error_response = 7;`
    ErrorResponse(ErrorResponse),
}

impl Message for ServerReflectionResponse {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.string(1, &self.valid_host);
        s.message(2, self.original_request.as_ref());
        match &self.message_response {
            None => {}
            Some(MessageResponse::FileDescriptorResponse(m)) => s.message(4, Some(m)),
            Some(MessageResponse::AllExtensionNumbersResponse(m)) => s.message(5, Some(m)),
            Some(MessageResponse::ListServicesResponse(m)) => s.message(6, Some(m)),
            Some(MessageResponse::ErrorResponse(m)) => s.message(7, Some(m)),
        }
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        use MessageResponse as R;
        // A member seen twice merges into the first; another member replaces it.
        match (number, &mut self.message_response) {
            (1, _) => return d.string(&mut self.valid_host),
            (2, _) => return d.message(&mut self.original_request),
            (4, Some(R::FileDescriptorResponse(m))) => return d.field::<Msg<_>>(m),
            (5, Some(R::AllExtensionNumbersResponse(m))) => return d.field::<Msg<_>>(m),
            (6, Some(R::ListServicesResponse(m))) => return d.field::<Msg<_>>(m),
            (7, Some(R::ErrorResponse(m))) => return d.field::<Msg<_>>(m),
            _ => {}
        }
        let response = match number {
            4 => R::FileDescriptorResponse(d.value::<Msg<_>>()?),
            5 => R::AllExtensionNumbersResponse(d.value::<Msg<_>>()?),
            6 => R::ListServicesResponse(d.value::<Msg<_>>()?),
            7 => R::ErrorResponse(d.value::<Msg<_>>()?),
            _ => return d.skip(),
        };
        self.message_response = Some(response);
        Ok(())
    }
}

/// `message FileDescriptorResponse { repeated bytes file_descriptor_proto = 1; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileDescriptorResponse {
    /// `repeated bytes file_descriptor_proto = 1;` serialized `google.protobuf.FileDescriptorProto`s:
    /// the file asked for, then the files it imports.
    pub file_descriptor_proto: Vec<Bytes>,
}

impl Message for FileDescriptorResponse {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.repeated::<Bin>(1, &self.file_descriptor_proto);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.repeated::<Bin>(&mut self.file_descriptor_proto),
            _ => d.skip(),
        }
    }
}

/// `message ExtensionNumberResponse { string base_type_name = 1; repeated int32
/// extension_number = 2; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExtensionNumberResponse {
    /// `string base_type_name = 1;`
    pub base_type_name: Text,
    /// `repeated int32 extension_number = 2;` (packed, proto3's default).
    pub extension_number: Vec<i32>,
}

impl Message for ExtensionNumberResponse {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.string(1, &self.base_type_name);
        s.repeated::<Int32>(2, &self.extension_number);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.string(&mut self.base_type_name),
            2 => d.repeated::<Int32>(&mut self.extension_number),
            _ => d.skip(),
        }
    }
}

/// `message ListServiceResponse { repeated ServiceResponse service = 1; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListServiceResponse {
    /// `repeated ServiceResponse service = 1;`
    pub service: Vec<ServiceResponse>,
}

impl Message for ListServiceResponse {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.repeated::<Msg<ServiceResponse>>(1, &self.service);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.repeated::<Msg<ServiceResponse>>(&mut self.service),
            _ => d.skip(),
        }
    }
}

/// `message ServiceResponse { string name = 1; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceResponse {
    /// `string name = 1;` a full service name.
    pub name: Text,
}

impl Message for ServiceResponse {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.string(1, &self.name);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.string(&mut self.name),
            _ => d.skip(),
        }
    }
}

/// `message ErrorResponse { int32 error_code = 1; string error_message = 2; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorResponse {
    /// `int32 error_code = 1;` a gRPC status code (NOT_FOUND = 5).
    pub error_code: i32,
    /// `string error_message = 2;`
    pub error_message: Text,
}

impl Message for ErrorResponse {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.int32(1, self.error_code);
        s.string(2, &self.error_message);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.int32(&mut self.error_code),
            2 => d.string(&mut self.error_message),
            _ => d.skip(),
        }
    }
}
