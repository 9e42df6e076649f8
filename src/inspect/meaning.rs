//! What a header field means to gRPC
//! ([PROTOCOL-HTTP2.md](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md)):
//! the sentence an inspector prints beside `grpc-timeout: 5S` or `grpc-status: 5`.
//!
//! ```
//! use h2grpc::inspect::meaning::meaning;
//!
//! assert_eq!(meaning(b"grpc-timeout", b"5S").as_deref(), Some("the deadline: 5 seconds from now"));
//! assert_eq!(meaning(b"grpc-status", b"5").as_deref(), Some("status code 5 = NOT_FOUND"));
//! assert_eq!(
//!     meaning(b"grpc-message", b"user %22x%22 not found").as_deref(),
//!     Some("status message, percent-decoded: \"user \\\"x\\\" not found\""),
//! );
//! assert_eq!(meaning(b"trace-bin", b"AQID").as_deref(), Some("binary metadata, base64 of 01 02 03"));
//! ```

use std::time::Duration;

use base64::Engine;
use bytes::Bytes;

use crate::protobuf::{DecodeError, Decoder, Text};
use crate::status::{Code, percent_decode};

/// At most this many octets of a decoded binary value are shown as hex.
const MAX_SHOWN: usize = 64;

/// The sentence for one field, or `None` for a field gRPC gives no meaning to.
#[must_use]
pub fn meaning(name: &[u8], value: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(value);
    Some(match name {
        b":method" => match value {
            b"POST" => "every gRPC call is a POST".into(),
            _ => format!("HTTP method {text} (gRPC uses POST)"),
        },
        b":scheme" => format!("the URI scheme: {text}"),
        b":path" => path_meaning(&text),
        b":authority" => format!("the target host: {text}"),
        b":status" => match value {
            b"200" => {
                "HTTP 200: the call reached a gRPC handler; grpc-status tells how it ended".into()
            }
            _ => {
                let code = std::str::from_utf8(value)
                    .ok()
                    .and_then(|s| s.parse::<u16>().ok())
                    .map(Code::from_http_status);
                match code {
                    Some(code) => format!(
                        "HTTP {text}: not 200, so a gRPC client reports {} ({})",
                        code.as_str(),
                        code.as_i32()
                    ),
                    None => format!("HTTP status {text}"),
                }
            }
        },
        b"te" => match value {
            b"trailers" => {
                "required: says the client understands trailers, where gRPC puts the status".into()
            }
            _ => format!("te must be \"trailers\" in a gRPC request, not \"{text}\""),
        },
        b"content-type" => content_type_meaning(&text),
        b"grpc-timeout" => match crate::timeout::parse(value) {
            Ok(timeout) => format!("the deadline: {} from now", words(timeout)),
            Err(error) => format!("malformed timeout: {error}"),
        },
        b"grpc-encoding" => {
            format!("the messages with Compressed-Flag 1 are compressed with {text}")
        }
        b"grpc-accept-encoding" => format!("the sender can decompress: {text}"),
        b"grpc-status" => match std::str::from_utf8(value)
            .ok()
            .and_then(|s| s.parse::<i32>().ok())
        {
            Some(number) => {
                let code = Code::from_i32(number);
                if code.as_i32() == number {
                    format!("status code {number} = {}", code.as_str())
                } else {
                    format!("status code {number}: not one of the 17, read as UNKNOWN")
                }
            }
            None => format!("malformed status code {text:?}: read as UNKNOWN"),
        },
        b"grpc-message" => format!(
            "status message, percent-decoded: {:?}",
            percent_decode(value)
        ),
        b"grpc-status-details-bin" => match decode_base64(value) {
            Ok(details) => details_meaning(&details),
            Err(()) => "not valid base64".into(),
        },
        b"user-agent" => format!("the client library: {text}"),
        b"grpc-message-type" => format!("the message type: {text}"),
        _ if name.ends_with(b"-bin") => match decode_base64(value) {
            Ok(decoded) => format!("binary metadata, base64 of {}", hex(&decoded)),
            Err(()) => "binary metadata that is not valid base64".into(),
        },
        _ => return None,
    })
}

fn path_meaning(path: &str) -> String {
    match path.strip_prefix('/').and_then(|p| p.split_once('/')) {
        Some((service, method)) if !service.is_empty() && !method.is_empty() => {
            format!("the method: service {service}, method {method}")
        }
        _ => format!("{path}: not a gRPC path (/service/method)"),
    }
}

fn content_type_meaning(text: &str) -> String {
    match text {
        "application/grpc" | "application/grpc+proto" => {
            "gRPC, messages in protobuf (the default)".into()
        }
        _ => match text.strip_prefix("application/grpc+") {
            Some(codec) => format!("gRPC, messages in {codec}"),
            None => format!("{text}: not a gRPC content-type (application/grpc[+format])"),
        },
    }
}

/// A duration in words: `5 seconds`, `100 milliseconds`, `1.5 seconds`.
fn words(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    let (value, unit) = [
        (3_600_000_000_000, "hour"),
        (60_000_000_000, "minute"),
        (1_000_000_000, "second"),
        (1_000_000, "millisecond"),
        (1_000, "microsecond"),
        (1, "nanosecond"),
    ]
    .into_iter()
    .find(|&(unit, _)| nanos >= unit)
    .map_or((0.0, "nanosecond"), |(size, unit)| {
        (nanos as f64 / size as f64, unit)
    });
    let plural = if value == 1.0 { "" } else { "s" };
    format!("{value} {unit}{plural}")
}

fn decode_base64(value: &[u8]) -> Result<Vec<u8>, ()> {
    let trimmed = value.trim_ascii();
    let unpadded = trimmed
        .strip_suffix(b"==")
        .or_else(|| trimmed.strip_suffix(b"="));
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(unpadded.unwrap_or(trimmed))
        .map_err(|_| ())
}

/// Octets as hex, at most [`MAX_SHOWN`] of them.
pub(crate) fn hex(octets: &[u8]) -> String {
    let mut out: Vec<String> = octets
        .iter()
        .take(MAX_SHOWN)
        .map(|b| format!("{b:02x}"))
        .collect();
    if octets.len() > MAX_SHOWN {
        out.push(format!("… ({} octets)", octets.len()));
    }
    out.join(" ")
}

/// `grpc-status-details-bin` is a `google.rpc.Status`:
/// `{ int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }`.
fn details_meaning(details: &[u8]) -> String {
    match decode_rpc_status(&Bytes::copy_from_slice(details)) {
        Ok((code, message, any)) => {
            let mut out = format!(
                "google.rpc.Status {{ code: {code} ({}), message: {message:?}",
                Code::from_i32(code).as_str()
            );
            for (type_url, value) in any {
                out.push_str(&format!(
                    ", details: Any {{ type_url: {type_url:?}, value: {} }}",
                    hex(&value)
                ));
            }
            out.push_str(" }");
            out
        }
        Err(error) => format!("not a google.rpc.Status ({error}): {}", hex(details)),
    }
}

type RpcStatus = (i32, String, Vec<(String, Bytes)>);

fn decode_rpc_status(bytes: &Bytes) -> Result<RpcStatus, DecodeError> {
    let (mut code, mut message, mut details) = (0, Text::default(), Vec::new());
    let mut decoder = Decoder::new(bytes);
    while let Some(number) = decoder.next_field()? {
        match number {
            1 => decoder.int32(&mut code)?,
            2 => decoder.string(&mut message)?,
            3 => {
                let mut any = Bytes::new();
                decoder.bytes(&mut any)?;
                let (mut type_url, mut value) = (Text::default(), Bytes::new());
                let mut inner = Decoder::new(&any);
                while let Some(number) = inner.next_field()? {
                    match number {
                        1 => inner.string(&mut type_url)?,
                        2 => inner.bytes(&mut value)?,
                        _ => inner.skip()?,
                    }
                }
                details.push((type_url.to_string(), value));
            }
            _ => decoder.skip()?,
        }
    }
    Ok((code, message.to_string(), details))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_words() {
        assert_eq!(words(Duration::from_millis(1500)), "1.5 seconds");
        assert_eq!(words(Duration::from_millis(100)), "100 milliseconds");
        assert_eq!(words(Duration::from_secs(60)), "1 minute");
        assert_eq!(words(Duration::ZERO), "0 nanoseconds");
    }

    #[test]
    fn status_details_decoded() {
        // code 3, message "bad", one Any { type_url "t", value 01 }
        let details = [
            0x08, 0x03, 0x12, 0x03, b'b', b'a', b'd', 0x1a, 0x06, 0x0a, 0x01, b't', 0x12, 0x01,
            0x01,
        ];
        let value = base64::engine::general_purpose::STANDARD.encode(details);
        assert_eq!(
            meaning(b"grpc-status-details-bin", value.as_bytes()).unwrap(),
            "google.rpc.Status { code: 3 (INVALID_ARGUMENT), message: \"bad\", \
             details: Any { type_url: \"t\", value: 01 } }"
        );
        let broken = base64::engine::general_purpose::STANDARD.encode([0x08]);
        assert!(
            meaning(b"grpc-status-details-bin", broken.as_bytes())
                .unwrap()
                .starts_with("not a google.rpc.Status")
        );
    }

    #[test]
    fn status_codes_and_http() {
        assert_eq!(
            meaning(b"grpc-status", b"99").unwrap(),
            "status code 99: not one of the 17, read as UNKNOWN"
        );
        assert_eq!(
            meaning(b":status", b"503").unwrap(),
            "HTTP 503: not 200, so a gRPC client reports UNAVAILABLE (14)"
        );
        assert_eq!(meaning(b"x-custom", b"1"), None);
        assert_eq!(
            meaning(b":path", b"/hello.Greeter/SayHello").unwrap(),
            "the method: service hello.Greeter, method SayHello"
        );
    }
}
