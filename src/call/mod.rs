//! ④ The rules of a call, sans-IO: which headers, in which order, how it ends.
//!
//! [PROTOCOL-HTTP2.md](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md) gives a
//! call's grammar in ABNF:
//!
//! ```text
//! Request  → Request-Headers *Length-Prefixed-Message EOS
//! Response → (Response-Headers *Length-Prefixed-Message Trailers) / Trailers-Only
//! ```
//!
//! This module turns that grammar into code that never touches a socket: header maps and
//! DATA payloads go in, validated heads, decoded messages and [`Status`]es come out. The
//! [`server`] half checks what a client sent and builds what the server answers; the [`client`]
//! half does the opposite. [`Inbound`] is the shared receiving side: DATA chunks in, typed
//! messages out. [`crate::transport`] moves these values to and from `h2`.
//!
//! Every failure below the call (a [`FramingError`], a [`DecodeError`]) becomes a [`Status`]
//! here, where the context is known, with the code `statuscodes.md` names for it.

mod inbound;
mod method;

pub mod client;
pub mod server;

pub use inbound::Inbound;
pub use method::MethodPath;

use crate::framing::FramingError;
use crate::protobuf::DecodeError;
use crate::status::{Code, Status};

/// `content-type` of every gRPC request and response; `application/grpc+proto` and other
/// `application/grpc+…`/`application/grpc;…` subtypes are accepted on receipt.
pub const CONTENT_TYPE_GRPC: &str = "application/grpc";

/// The status for a message that could not be deframed.
///
/// statuscodes.md: a message over the receive limit is RESOURCE_EXHAUSTED (tonic says
/// OUT_OF_RANGE, which statuscodes.md reserves for applications); every other framing fault is
/// a protocol violation, INTERNAL.
pub fn framing_status(error: &FramingError) -> Status {
    let code = match error {
        FramingError::MessageTooLarge { .. } => Code::ResourceExhausted,
        _ => Code::Internal,
    };
    Status::new(code, error.to_string())
}

/// The status for a message that could not be decoded: INTERNAL (statuscodes.md, "Error
/// parsing request proto" / "Error parsing response proto").
pub fn decode_status(error: &DecodeError) -> Status {
    Status::new(
        Code::Internal,
        format!("failed to decode the protobuf message: {error}"),
    )
}

/// Whether a `content-type` is gRPC's: `application/grpc`, optionally followed by `+subtype`
/// or `;parameters` (grpc-go accepts both; `application/grpcx` is not gRPC).
pub fn is_grpc_content_type(value: &[u8]) -> bool {
    match value.strip_prefix(CONTENT_TYPE_GRPC.as_bytes()) {
        Some(rest) => rest.is_empty() || rest[0] == b'+' || rest[0] == b';',
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_content_types() {
        for ok in [
            "application/grpc",
            "application/grpc+proto",
            "application/grpc;charset=x",
        ] {
            assert!(is_grpc_content_type(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "application/json",
            "application/grpcx",
            "application/grp",
            "",
        ] {
            assert!(!is_grpc_content_type(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn framing_codes() {
        let too_large = FramingError::MessageTooLarge { len: 5, limit: 4 };
        assert_eq!(framing_status(&too_large).code(), Code::ResourceExhausted);
        let flag = FramingError::InvalidCompressedFlag(2);
        assert_eq!(framing_status(&flag).code(), Code::Internal);
        assert_eq!(
            decode_status(&DecodeError::Truncated).code(),
            Code::Internal
        );
    }
}
