//! The spec lint: what passes through the proxy and breaks a rule of
//! [PROTOCOL-HTTP2.md](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md), each with
//! the sentence of the spec it breaks.
//!
//! The lint reports; it never changes what is forwarded.

use std::fmt;

/// A rule of the spec broken by a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lint {
    /// A request without `te: trailers`.
    MissingTe,
    /// A request or response whose `content-type` is not `application/grpc[+format]`.
    NotGrpcContentType {
        /// What it was, if present.
        found: Option<String>,
    },
    /// A metadata key with an octet outside `0-9 a-z _ - .`.
    BadHeaderName {
        /// The key.
        name: String,
    },
    /// A custom metadata key in the `grpc-` namespace.
    ReservedHeaderName {
        /// The key.
        name: String,
    },
    /// A `grpc-timeout` outside its grammar.
    MalformedTimeout {
        /// The value.
        value: String,
    },
    /// A `grpc-message` with octets that percent-encoding forbids.
    MessageNotPercentEncoded,
    /// Trailers (or Trailers-Only) without `grpc-status`.
    MissingStatus,
    /// DATA after the trailers of the same direction.
    DataAfterTrailers,
    /// More than one message where the method's schema says unary.
    UnaryCardinality {
        /// How many arrived so far.
        count: u64,
    },
    /// The direction ended inside a Length-Prefixed-Message.
    EndedInsideMessage {
        /// The octets of the unfinished prefix or message.
        pending: u64,
    },
    /// A message with Compressed-Flag 1 but no `grpc-encoding` (or `identity`).
    CompressedWithoutEncoding,
    /// A Compressed-Flag other than 0 or 1.
    BadCompressedFlag {
        /// The octet.
        flag: u8,
    },
}

impl Lint {
    /// The sentence of the spec the lint enforces.
    #[must_use]
    pub fn rule(&self) -> &'static str {
        match self {
            Self::MissingTe => {
                "Call-Definition → Method Scheme Path TE [Authority] [Timeout] Content-Type ...; \
                 TE → \"te\" \"trailers\" # Used to detect incompatible proxies"
            }
            Self::NotGrpcContentType { .. } => {
                "Content-Type → \"content-type\" \"application/grpc\" [(\"+proto\" / \"+json\" / {custom})]"
            }
            Self::BadHeaderName { .. } => {
                "Header-Name → 1*( %x30-39 / %x61-7A / \"_\" / \"-\" / \".\") ; 0-9 a-z _ - ."
            }
            Self::ReservedHeaderName { .. } => {
                "Note that header names starting with \"grpc-\" are reserved for future use."
            }
            Self::MalformedTimeout { .. } => {
                "Timeout → \"grpc-timeout\" TimeoutValue TimeoutUnit; TimeoutValue → {positive \
                 integer as ASCII string of at most 8 digits}; TimeoutUnit → Hour / Minute / \
                 Second / Millisecond / Microsecond / Nanosecond"
            }
            Self::MessageNotPercentEncoded => {
                "Percent-Byte-Unencoded → 1*( %x20-%x24 / %x26-%x7E ) ; space and VCHAR, except %"
            }
            Self::MissingStatus => "Trailers → Status [Status-Message] *Custom-Metadata",
            Self::DataAfterTrailers => {
                "Response → (Response-Headers *Length-Prefixed-Message Trailers) / Trailers-Only"
            }
            Self::UnaryCardinality { .. } => {
                "a unary method (no `stream` in the schema) carries exactly one message each way"
            }
            Self::EndedInsideMessage { .. } => {
                "Length-Prefixed-Message → Compressed-Flag Message-Length Message"
            }
            Self::CompressedWithoutEncoding => {
                "Compressed-Flag → 0 / 1 # encoded as 1 byte unsigned integer; a Compressed-Flag \
                 value of 1 indicates that the binary octet sequence of Message is compressed \
                 using the mechanism declared by the Message-Encoding header"
            }
            Self::BadCompressedFlag { .. } => {
                "Compressed-Flag → 0 / 1 # encoded as 1 byte unsigned integer"
            }
        }
    }
}

impl fmt::Display for Lint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingTe => write!(f, "the request has no `te: trailers`"),
            Self::NotGrpcContentType { found: Some(found) } => {
                write!(f, "content-type `{found}` is not gRPC's")
            }
            Self::NotGrpcContentType { found: None } => write!(f, "no content-type"),
            Self::BadHeaderName { name } => {
                write!(
                    f,
                    "metadata key `{name}` has characters outside 0-9 a-z _ - ."
                )
            }
            Self::ReservedHeaderName { name } => {
                write!(f, "metadata key `{name}` uses the reserved grpc- prefix")
            }
            Self::MalformedTimeout { value } => write!(f, "grpc-timeout `{value}` is malformed"),
            Self::MessageNotPercentEncoded => {
                write!(
                    f,
                    "grpc-message carries octets that must be percent-encoded"
                )
            }
            Self::MissingStatus => write!(f, "trailers without grpc-status"),
            Self::DataAfterTrailers => write!(f, "DATA after the trailers"),
            Self::UnaryCardinality { count } => {
                write!(f, "message {count} on a unary method")
            }
            Self::EndedInsideMessage { pending } => write!(
                f,
                "the stream ended {pending} octets into a Length-Prefixed-Message"
            ),
            Self::CompressedWithoutEncoding => {
                write!(f, "a compressed message with no grpc-encoding to say how")
            }
            Self::BadCompressedFlag { flag } => write!(f, "Compressed-Flag {flag}"),
        }
    }
}

/// The header names of the protocol itself; any other `grpc-` name is reserved.
const PROTOCOL_NAMES: &[&str] = &[
    "grpc-timeout",
    "grpc-encoding",
    "grpc-accept-encoding",
    "grpc-message-type",
    "grpc-status",
    "grpc-message",
    "grpc-status-details-bin",
    // Sent by grpc-core and grpc-go for their own use; common enough not to flag.
    "grpc-previous-rpc-attempts",
    "grpc-retry-pushback-ms",
    "grpc-trace-bin",
    "grpc-tags-bin",
    "grpc-server-stats-bin",
];

/// The lints of one header field of a gRPC request or response.
#[must_use]
pub fn field_lints(name: &[u8], value: &[u8]) -> Vec<Lint> {
    let mut lints = Vec::new();
    if name.first() == Some(&b':') {
        return lints;
    }
    let text = String::from_utf8_lossy(name).into_owned();
    if !name
        .iter()
        .all(|&b| b.is_ascii_digit() || b.is_ascii_lowercase() || b"_-.".contains(&b))
    {
        lints.push(Lint::BadHeaderName { name: text.clone() });
    }
    if text.starts_with("grpc-") && !PROTOCOL_NAMES.contains(&text.as_str()) {
        lints.push(Lint::ReservedHeaderName { name: text });
    }
    match name {
        b"grpc-timeout" if crate::timeout::parse(value).is_err() => {
            lints.push(Lint::MalformedTimeout {
                value: String::from_utf8_lossy(value).into_owned(),
            });
        }
        b"grpc-message" if !value.iter().all(|&b| (0x20..=0x7e).contains(&b)) => {
            lints.push(Lint::MessageNotPercentEncoded);
        }
        _ => {}
    }
    lints
}

/// Whether a content-type is gRPC's.
#[must_use]
pub fn is_grpc_content_type(value: &[u8]) -> bool {
    value == b"application/grpc" || value.starts_with(b"application/grpc+")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_and_values() {
        assert_eq!(field_lints(b"x-ok_1.2", b"v"), []);
        assert_eq!(
            field_lints(b"X-Bad", b"v"),
            [Lint::BadHeaderName {
                name: "X-Bad".into()
            }]
        );
        assert_eq!(
            field_lints(b"grpc-mine", b"v"),
            [Lint::ReservedHeaderName {
                name: "grpc-mine".into()
            }]
        );
        assert_eq!(
            field_lints(b"grpc-timeout", b"123456789S"),
            [Lint::MalformedTimeout {
                value: "123456789S".into()
            }]
        );
        assert_eq!(field_lints(b"grpc-timeout", b"5S"), []);
        assert_eq!(
            field_lints(b"grpc-message", "café".as_bytes()),
            [Lint::MessageNotPercentEncoded]
        );
        assert_eq!(field_lints(b"grpc-message", b"caf%C3%A9"), []);
        assert_eq!(field_lints(b":path", b"/a/b"), []);
        assert!(is_grpc_content_type(b"application/grpc+proto"));
        assert!(!is_grpc_content_type(b"application/json"));
    }
}
