//! Calling a method: JSON requests in, one bidirectional call on the wire (every RPC kind is
//! one on HTTP/2), JSON responses out.

use std::io::{Read, Write};

use base64::Engine;
use bytes::Bytes;
use h2grpc::client::Channel;
use h2grpc::dynamic::DynamicMessage;
use h2grpc::json::{self, ParseOptions, PrintOptions};
use h2grpc::metadata::{Metadata, is_binary_key};
use h2grpc::protobuf::Encoded;
use h2grpc::rpc::Request;
use h2grpc::status::{Code, Status};
use serde::de::IgnoredAny;

use super::schema::Method;
use super::{CallArgs, Descriptors, describe};
use crate::cli::{Failure, say};

/// Calls `method` with the requests of `--data` and prints each response.
pub(crate) async fn call(
    channel: &Channel,
    descriptors: &Descriptors,
    method: &str,
    args: &CallArgs,
) -> Result<(), Failure> {
    let method = descriptors.method(method)?;
    let requests = requests(&method, args)?;
    let client_streaming = method.descriptor.client_streaming == Some(true);
    let server_streaming = method.descriptor.server_streaming == Some(true);
    if !client_streaming && requests.len() != 1 {
        return Err(Failure::usage(format!(
            "{} takes exactly one request, and -d gave {}",
            method.path,
            requests.len()
        )));
    }
    let metadata = metadata(&args.headers)?;
    if args.verbose {
        let name = method.path.trim_start_matches('/').replace('/', ".");
        say(format!(
            "\nResolved method descriptor:\n{}\n\nRequest metadata to send:\n{}",
            describe::describe(descriptors, &name)?
                .lines()
                .skip(1)
                .collect::<Vec<_>>()
                .join("\n"),
            metadata_text(&metadata)
        ))?;
    }
    let mut request = Request::new(());
    *request.metadata_mut() = metadata;
    if let Some(max_time) = args.max_time {
        request.set_timeout(max_time);
    }
    let print = PrintOptions {
        emit_defaults: args.emit_defaults,
        pretty: true,
        ..PrintOptions::default()
    };

    let outcome = async {
        let (mut sender, mut responses) = channel
            .bidi_streaming::<Encoded, Encoded>(&method.path, request)
            .await?;
        // A server may answer (and end the call) before it has read every request: the
        // response says how the call went, so a failure to send is not reported by itself.
        let mut sent = 0;
        for message in &requests {
            if sender.send(&Encoded(Bytes::from(message.encode_to_vec()))).await.is_err() {
                break;
            }
            sent += 1;
        }
        let _ = sender.finish().await;
        let headers = responses.headers().await?.clone();
        if args.verbose {
            say(format!("\nResponse headers received:\n{}", metadata_text(&headers)))?;
        }
        let mut received = 0;
        while let Some(Encoded(bytes)) = responses.message().await? {
            received += 1;
            let response = DynamicMessage::decode(&method.output, bytes).map_err(|e| {
                Failure::runtime(format!("a response does not decode: {e}"))
            })?;
            let text = json::to_string(&response, &print).map_err(|e| {
                Failure::runtime(format!("a response cannot be printed as JSON: {e}"))
            })?;
            if args.verbose && received == 1 {
                say("\nResponse contents:")?;
            }
            say(text)?;
        }
        if !server_streaming && received != 1 {
            return Err(Status::new(
                Code::Unimplemented,
                format!("expected 1 response, received {received}"),
            )
            .into());
        }
        if args.verbose {
            let trailers = responses.trailers().cloned().unwrap_or_default();
            say(format!(
                "\nResponse trailers received:\n{}\nSent {sent} request{} and received {received} response{}",
                metadata_text(&trailers),
                if sent == 1 { "" } else { "s" },
                if received == 1 { "" } else { "s" },
            ))?;
        }
        Ok::<(), Stop>(())
    }
    .await;
    match outcome {
        Ok(()) => Ok(()),
        Err(Stop::Status(status)) => Err(report(&status, args.verbose)),
        Err(Stop::Failure(failure)) => Err(failure),
    }
}

/// Why a call stopped early: a status to report as grpcurl does, or the command's own failure
/// (a response that cannot be printed, stdout closed).
enum Stop {
    Status(Status),
    Failure(Failure),
}

impl From<Status> for Stop {
    fn from(status: Status) -> Self {
        Self::Status(status)
    }
}

impl From<Failure> for Stop {
    fn from(failure: Failure) -> Self {
        Self::Failure(failure)
    }
}

/// grpcurl's report of a failed call, on stderr, and exit code 64 + the code.
fn report(status: &Status, verbose: bool) -> Failure {
    let mut stderr = std::io::stderr().lock();
    if verbose {
        let _ = writeln!(
            stderr,
            "\nResponse trailers received:\n{}",
            metadata_text(status.metadata())
        );
    }
    let _ = write!(
        stderr,
        "ERROR:\n  Code: {}\n  Message: {}\n",
        camel_case(status.code()),
        status.message()
    );
    let _ = stderr.flush();
    Failure::reported(64 + u8::try_from(status.code().as_i32()).unwrap_or(2))
}

/// The code's name as Go's `codes.Code` prints it (what grpcurl shows): `NotFound`.
fn camel_case(code: Code) -> String {
    match code {
        Code::Ok => return "OK".to_owned(),
        // Go spells it with one L.
        Code::Cancelled => return "Canceled".to_owned(),
        _ => {}
    }
    code.as_str()
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_string() + &chars.as_str().to_ascii_lowercase()
            })
        })
        .collect()
}

/// The requests of `--data` (`@`: stdin), one JSON value after the other; none given is one
/// empty request.
fn requests(method: &Method<'_>, args: &CallArgs) -> Result<Vec<DynamicMessage>, Failure> {
    let text = match args.data.as_deref() {
        None => return Ok(vec![DynamicMessage::new(&method.input)]),
        Some("@") => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|e| {
                Failure::runtime(format!("cannot read the request from stdin: {e}"))
            })?;
            text
        }
        Some(text) => text.to_owned(),
    };
    // Each value is only delimited here (its bytes skipped over); the JSON mapping reads it.
    let mut messages = Vec::new();
    let mut values = serde_json::Deserializer::from_str(&text).into_iter::<IgnoredAny>();
    let mut start = 0;
    while let Some(value) = values.next() {
        let index = messages.len() + 1;
        value.map_err(|e| Failure::usage(format!("request {index}: not JSON: {e}")))?;
        let end = values.byte_offset();
        let message = json::from_str(&method.input, &text[start..end], &ParseOptions::default())
            .map_err(|e| {
                Failure::usage(format!(
                    "request {index} is not a {}: {e}",
                    method.input.full_name()
                ))
            })?;
        messages.push(message);
        start = end;
    }
    Ok(messages)
}

/// The metadata of `-H 'key: value'` flags.
fn metadata(headers: &[String]) -> Result<Metadata, Failure> {
    let mut metadata = Metadata::new();
    for header in headers {
        let (key, value) = header
            .split_once(':')
            .ok_or_else(|| Failure::usage(format!("-H {header:?}: write it as 'key: value'")))?;
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        let added = if is_binary_key(&key) {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(value)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(value))
                .map_err(|e| Failure::usage(format!("-H {key}: the value is not base64: {e}")))?;
            metadata.append_bin(&key, &bytes)
        } else {
            metadata.append(&key, value)
        };
        added.map_err(|e| Failure::usage(format!("-H {header:?}: {e}")))?;
    }
    Ok(metadata)
}

/// `key: value` lines, sorted by key; `(empty)` when there are none.
fn metadata_text(metadata: &Metadata) -> String {
    let mut lines: Vec<String> = metadata
        .iter()
        .map(|(key, value)| format!("{key}: {}", String::from_utf8_lossy(value)))
        .collect();
    if lines.is_empty() {
        return "(empty)".to_owned();
    }
    lines.sort();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_names_are_gos() {
        assert_eq!(camel_case(Code::NotFound), "NotFound");
        assert_eq!(camel_case(Code::Ok), "OK");
        assert_eq!(camel_case(Code::Cancelled), "Canceled");
        assert_eq!(camel_case(Code::DeadlineExceeded), "DeadlineExceeded");
        assert_eq!(camel_case(Code::Unauthenticated), "Unauthenticated");
    }

    #[test]
    fn headers_need_a_colon_and_bin_values_base64() {
        let parsed = metadata(&["x-a: 1".to_owned(), "x-b-bin: AQI=".to_owned()]).unwrap();
        assert_eq!(parsed.get("x-a"), Some("1"));
        assert_eq!(
            parsed.get_bin("x-b-bin").unwrap().unwrap(),
            Bytes::from_static(&[1, 2])
        );
        assert!(metadata(&["x-a".to_owned()]).is_err());
        assert!(metadata(&["x-b-bin: %%".to_owned()]).is_err());
    }
}
