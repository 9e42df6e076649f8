//! Cross-origin calls from web pages ([Fetch standard, CORS protocol](https://fetch.spec.whatwg.org/#http-cors-protocol)):
//! a browser first asks with `OPTIONS` (the preflight) whether a page from `Origin` may POST
//! with its headers, then reads a response only if it names that origin. Only the origins the
//! server was given (`serve --cors-allow-origin`) are named; every other page's calls are left
//! to fail in its browser.
//!
//! > Access-Control-Expose-Headers: indicates which headers can be exposed as part of the
//! > response by listing their names.
//!
//! gRPC-Web and Connect clients read `grpc-status`, `grpc-message` and the call's metadata from
//! response headers, so every header of the response is exposed.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};

use super::WebBody;

/// How long a browser may cache a preflight's answer: 2 hours, Chromium's own cap.
const MAX_AGE: &str = "7200";

/// The answer to a preflight: 204, with the CORS headers when `origin` is allowed.
pub(super) fn preflight(origin: Option<&HeaderValue>, request: &HeaderMap) -> Response<WebBody> {
    let mut response = Response::new(Full::new(Bytes::new()).boxed_unsync());
    *response.status_mut() = StatusCode::NO_CONTENT;
    if let Some(origin) = origin {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("POST, GET, OPTIONS"),
        );
        if let Some(asked) = request.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
        }
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(MAX_AGE),
        );
        headers.insert(header::VARY, HeaderValue::from_static("origin"));
    }
    response
}

/// Names `origin` in a response and exposes its headers (the gRPC status and the metadata).
pub(super) fn allow(origin: HeaderValue, headers: &mut HeaderMap) {
    let mut exposed: Vec<&str> = vec!["grpc-status", "grpc-message", "grpc-status-details-bin"];
    for name in headers.keys() {
        let name = name.as_str();
        if name != "content-type" && name != "content-length" && !exposed.contains(&name) {
            exposed.push(name);
        }
    }
    if let Ok(exposed) = HeaderValue::from_str(&exposed.join(", ")) {
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, exposed);
    }
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(header::VARY, HeaderValue::from_static("origin"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preflight_names_only_an_allowed_origin() {
        let mut request = HeaderMap::new();
        request.insert(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            HeaderValue::from_static("content-type, x-grpc-web"),
        );
        let origin = HeaderValue::from_static("https://app.example");
        let allowed = preflight(Some(&origin), &request);
        assert_eq!(allowed.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            allowed.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            origin
        );
        assert_eq!(
            allowed.headers()[header::ACCESS_CONTROL_ALLOW_HEADERS],
            "content-type, x-grpc-web"
        );
        let refused = preflight(None, &request);
        assert!(
            refused
                .headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .is_none()
        );
    }

    #[test]
    fn responses_expose_the_status_and_the_metadata() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert("x-request-id", HeaderValue::from_static("42"));
        allow(
            HeaderValue::from_static("https://app.example"),
            &mut headers,
        );
        assert_eq!(
            headers[header::ACCESS_CONTROL_EXPOSE_HEADERS],
            "grpc-status, grpc-message, grpc-status-details-bin, x-request-id"
        );
    }
}
