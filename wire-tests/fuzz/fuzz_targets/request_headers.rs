//! Header parsing, both sides: the server's Request-Headers check
//! (`call::server::recv_request_headers`), the client's reading of response headers and
//! trailers (`call::client`), `grpc-timeout` (`timeout::parse`), `grpc-message`
//! (`status::percent_decode`) and `-bin` metadata values (`Metadata::get_all_bin`).
//!
//! Input: `[flags, text...]`, the text being lines: the first is `:path`, each other
//! `name:value` (lines that are not a valid header name and value are skipped). `flags` picks
//! the `:method`, the `:status` of the response, and the encodings the server accepts.
//! Asserts: no panic; a request accepted keeps none of the protocol's headers in its metadata;
//! a rejection turns into a response; a timeout that parses formats to one that parses to at
//! most it; a message percent-encoded decodes back to itself; a `-bin` value inserted reads
//! back as the same bytes.
#![no_main]

use bytes::Bytes;
use h2grpc::call::MethodPath;
use h2grpc::call::{client, server};
use h2grpc::compression::{Encoding, EncodingSet};
use h2grpc::metadata::{Metadata, is_binary_key};
use h2grpc::status::{Code, encode_message, percent_decode, percent_encode};
use h2grpc::timeout;
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;

/// The headers `recv_request_headers` consumes or drops: none may reach the metadata.
const PROTOCOL: [&str; 8] = [
    "te",
    "content-type",
    "grpc-timeout",
    "grpc-encoding",
    "grpc-accept-encoding",
    "connection",
    "transfer-encoding",
    "host",
];

fn headers_of(lines: &[&[u8]]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for line in lines {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name),
            HeaderValue::from_bytes(value.trim_ascii_start()),
        ) else {
            continue;
        };
        headers.append(name, value);
    }
    headers
}

fn check_value(value: &HeaderValue) {
    let bytes = value.as_bytes();
    if let Ok(timeout) = timeout::parse(bytes) {
        let formatted = timeout::format(timeout);
        match timeout::parse(formatted.as_bytes()) {
            Ok(again) => assert!(again <= timeout, "{timeout:?} formatted as {formatted:?}"),
            Err(error) => panic!("{timeout:?} formatted as {formatted:?}, which fails: {error}"),
        }
    }
    let _ = Code::parse(bytes);
    let message = percent_decode(bytes);
    assert_eq!(percent_decode(percent_encode(&message).as_bytes()), message);
    let _ = percent_decode(encode_message(&message).as_bytes());
    let _ = Encoding::parse(bytes);
    let _ = EncodingSet::parse_header(bytes);
    let mut metadata = Metadata::new();
    metadata
        .insert_bin("x-fuzz-bin", bytes)
        .expect("a valid binary key takes any bytes");
    match metadata.get_bin("x-fuzz-bin") {
        Some(Ok(back)) => assert_eq!(back, Bytes::copy_from_slice(bytes)),
        other => panic!("{bytes:?} inserted as -bin reads back as {other:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let path = lines.remove(0);
    let headers = headers_of(&lines);
    for value in headers.values() {
        check_value(value);
    }

    // The client's side: the same block as response headers, and as trailers.
    let status = match flags >> 4 {
        0..=9 => 200,
        10 => 204,
        11 => 400,
        12 => 404,
        13 => 429,
        14 => 503,
        _ => 100 + u16::from(flags & 0x0f) * 31,
    };
    let mut response = http::Response::builder().status(status).body(()).unwrap();
    *response.headers_mut() = headers.clone();
    let (parts, ()) = response.into_parts();
    if let Ok(client::ResponseStart::Headers(metadata, _)) = client::recv_response_headers(parts) {
        for (key, _) in metadata.iter() {
            if is_binary_key(key) {
                metadata.get_all_bin(key).for_each(drop);
            }
        }
    }
    let _ = client::recv_trailers(&headers);

    // The server's side.
    let method = match flags & 3 {
        0 | 1 => http::Method::POST,
        2 => http::Method::GET,
        _ => http::Method::PUT,
    };
    let uri = http::Uri::try_from(path).unwrap_or_else(|_| http::Uri::from_static("/"));
    let mut request = http::Request::builder()
        .method(method)
        .uri(uri)
        .body(())
        .unwrap();
    *request.headers_mut() = headers;
    let (parts, ()) = request.into_parts();
    let accepted = if flags & 4 != 0 {
        EncodingSet::ALL
    } else {
        EncodingSet::IDENTITY
    };
    let preference = (flags & 8 != 0).then_some(Encoding::Gzip);
    match server::recv_request_headers(parts, accepted, preference) {
        Ok(head) => {
            let _ = MethodPath::parse(head.path.path());
            for (key, _) in head.metadata.iter() {
                assert!(!PROTOCOL.contains(&key), "{key} kept as metadata");
                if is_binary_key(key) {
                    head.metadata.get_all_bin(key).for_each(drop);
                }
            }
            let _ = head.metadata.encoded_size();
        }
        Err(rejection) => drop(rejection.into_response()),
    }
});
