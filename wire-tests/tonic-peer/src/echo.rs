//! The test knobs of the crate docs: what every RPC echoes of its request metadata.

use tonic::metadata::MetadataMap;
use tonic::{Code, Response, Status};

/// The response headers that echo `request`: `x-custom-echo`, `x-bin-echo-bin`,
/// `x-timeout-echo`, each only if the request had its source.
pub(crate) fn headers(request: &MetadataMap) -> MetadataMap {
    let mut echo = MetadataMap::new();
    if let Some(value) = request.get("x-custom") {
        echo.insert("x-custom-echo", value.clone());
    }
    if let Some(value) = request.get_bin("x-bin-bin") {
        echo.insert_bin("x-bin-echo-bin", value.clone());
    }
    if let Some(value) = request.get("grpc-timeout") {
        echo.insert("x-timeout-echo", value.clone());
    }
    echo
}

/// `message` as a response whose headers echo `request`.
pub(crate) fn response<T>(request: &MetadataMap, message: T) -> Response<T> {
    let mut response = Response::new(message);
    *response.metadata_mut() = headers(request);
    response
}

/// The last item of a streaming response when the request had `x-custom`: an OK status with
/// `x-trailer: done`. tonic writes a status item as the trailers (`EncodeBody`), which is the
/// only way a tonic handler sets trailing metadata on a successful call.
pub(crate) fn trailer(request: &MetadataMap) -> Option<Status> {
    request.get("x-custom")?;
    let mut metadata = MetadataMap::new();
    metadata.insert("x-trailer", "done".parse().expect("an ASCII value"));
    Some(Status::with_metadata(Code::Ok, "", metadata))
}
