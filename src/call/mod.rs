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
//! Every failure below the call (a [`FramingError`], a [`DecompressError`], a [`DecodeError`])
//! becomes a [`Status`] here, where the context is known, with the code `statuscodes.md` names
//! for it. The headers' `grpc-encoding` and `grpc-accept-encoding` are read and written here
//! too; [`encode_message`] and [`Inbound`] compress and decompress each message with the
//! call's [`Encoding`].

mod inbound;
mod method;

pub mod client;
pub mod server;

pub use inbound::Inbound;
pub use method::MethodPath;

use crate::compression::{DecompressError, Encoding};
use crate::framing::{self, FramingError};
use bytes::Bytes;

use crate::protobuf::{DecodeError, MIN_SPLICED, Message, SplicedBuf, spliced_len};
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

/// The status for a message that could not be decompressed.
///
/// statuscodes.md: over the receive limit once decompressed is RESOURCE_EXHAUSTED (grpc-go:
/// "message after decompression larger than max"); "Error in decompressing" is INTERNAL.
pub fn decompress_status(error: &DecompressError) -> Status {
    let code = match error {
        DecompressError::TooLarge { .. } => Code::ResourceExhausted,
        DecompressError::Corrupt(_) => Code::Internal,
    };
    Status::new(code, error.to_string())
}

/// Appends `message` to `dst` as a Length-Prefixed-Message, compressed with `encoding` (its
/// Compressed-Flag then 1) unless that is `None` or identity.
///
/// The limit applies to the message before compression (what the receiver's limit will see
/// once it has decompressed it) and to the bytes on the wire.
///
/// # Errors
/// RESOURCE_EXHAUSTED over `max_message_size` (statuscodes.md); `dst` is then untouched.
pub fn encode_message<M: Message>(
    message: &M,
    encoding: Option<Encoding>,
    max_message_size: usize,
    dst: &mut Vec<u8>,
) -> Result<(), Status> {
    let Some(encoding) = encoding.and_then(Encoding::compressed) else {
        return framing::encode_message(message, dst, max_message_size)
            .map_err(|e| framing_status(&e));
    };
    let len = message.encoded_len();
    if len > max_message_size {
        let error = FramingError::MessageTooLarge {
            len,
            limit: max_message_size,
        };
        return Err(framing_status(&error));
    }
    let plain = message.encode_to_vec();
    let mut compressed = Vec::with_capacity(len / 2 + 64);
    encoding.compress(&plain, &mut compressed);
    framing::encode_payload(true, &compressed, dst, max_message_size)
        .map_err(|e| framing_status(&e))
}

/// One message framed for sending whole: one buffer, or, for a message with large `bytes`
/// fields, the pieces of a [`SplicedBuf`] (which keep those fields by reference), to be sent one
/// after the other.
#[derive(Debug, Clone)]
pub enum Framed {
    /// The Length-Prefixed-Message in one buffer.
    Whole(Bytes),
    /// The Length-Prefixed-Message in pieces; none is empty.
    Spliced(Vec<Bytes>),
}

impl Framed {
    /// The pieces, in order.
    pub fn pieces(&self) -> &[Bytes] {
        match self {
            Self::Whole(bytes) => std::slice::from_ref(bytes),
            Self::Spliced(pieces) => pieces,
        }
    }
}

/// `message` as a [`Framed`] Length-Prefixed-Message, as [`encode_message`] frames it: in
/// pieces if it is sent uncompressed and has `bytes` payloads of [`MIN_SPLICED`] bytes or
/// more, which are then sent from where they are rather than copied (a 1 MiB response costs
/// no 1 MiB buffer); in one buffer otherwise.
///
/// # Errors
/// As [`encode_message`].
pub fn encode_framed<M: Message>(
    message: &M,
    encoding: Option<Encoding>,
    max_message_size: usize,
) -> Result<Framed, Status> {
    if encoding.and_then(Encoding::compressed).is_none() {
        let len = message.encoded_len();
        let spliced = if len >= MIN_SPLICED {
            spliced_len(message)
        } else {
            0
        };
        let written = framing::PREFIX_LEN.saturating_add(len.saturating_sub(spliced));
        let result = if spliced > 0 {
            let mut buf = SplicedBuf::with_capacity(written);
            framing::encode_message_of_len(message, len, &mut buf, max_message_size)
                .map(|()| Framed::Spliced(buf.into_pieces()))
        } else {
            let mut buf = Vec::with_capacity(written);
            framing::encode_message_of_len(message, len, &mut buf, max_message_size)
                .map(|()| Framed::Whole(buf.into()))
        };
        return result.map_err(|e| framing_status(&e));
    }
    let mut buf = Vec::new();
    encode_message(message, encoding, max_message_size, &mut buf)?;
    Ok(Framed::Whole(buf.into()))
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

    /// Small messages and compressed ones are framed in one buffer; an uncompressed message with
    /// a large `bytes` payload in pieces, the payload by reference. Either way the bytes are
    /// those of `encode_message`, and the send limit still applies.
    #[test]
    fn framed_whole_or_in_pieces() {
        use crate::services::interop::{Payload, SimpleRequest};
        let request = |len: usize| SimpleRequest {
            response_size: 3,
            payload: Some(Payload {
                r#type: 0,
                body: Bytes::from(vec![5; len]),
            }),
            ..SimpleRequest::default()
        };
        for (len, encoding, spliced) in [
            (10, None, false),
            (MIN_SPLICED, None, true),
            (MIN_SPLICED, Some(Encoding::Identity), true),
            (MIN_SPLICED, Some(Encoding::Gzip), false),
        ] {
            let message = request(len);
            let framed = encode_framed(&message, encoding, usize::MAX).unwrap();
            assert_eq!(
                matches!(framed, Framed::Spliced(_)),
                spliced,
                "{len} {encoding:?}"
            );
            let mut expected = Vec::new();
            encode_message(&message, encoding, usize::MAX, &mut expected).unwrap();
            assert_eq!(framed.pieces().concat(), expected, "{len} {encoding:?}");
            let body = &message.payload.as_ref().unwrap().body;
            let by_reference = framed.pieces().iter().any(|p| p.as_ptr() == body.as_ptr());
            assert_eq!(by_reference, spliced);
        }
        let status = encode_framed(&request(MIN_SPLICED), None, MIN_SPLICED).unwrap_err();
        assert_eq!(status.code(), Code::ResourceExhausted);
    }

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
        let bomb = DecompressError::TooLarge { limit: 4 };
        assert_eq!(decompress_status(&bomb).code(), Code::ResourceExhausted);
        let corrupt = DecompressError::Corrupt("bad".into());
        assert_eq!(decompress_status(&corrupt).code(), Code::Internal);
    }

    #[test]
    fn encode_compressed() {
        use crate::services::hello::HelloRequest;
        let request = HelloRequest {
            name: "world".repeat(100).into(),
        };
        let mut plain = Vec::new();
        encode_message(&request, None, 1000, &mut plain).unwrap();
        assert_eq!(plain[0], 0);
        let mut identity = Vec::new();
        encode_message(&request, Some(Encoding::Identity), 1000, &mut identity).unwrap();
        assert_eq!(identity, plain);

        for encoding in [Encoding::Gzip, Encoding::Deflate] {
            let mut wire = Vec::new();
            encode_message(&request, Some(encoding), 1000, &mut wire).unwrap();
            assert_eq!(wire[0], 1, "{encoding}: Compressed-Flag");
            let len = u32::from_be_bytes([wire[1], wire[2], wire[3], wire[4]]) as usize;
            assert_eq!(len, wire.len() - framing::PREFIX_LEN);
            assert!(len < 100, "{encoding}: {len} bytes");
            let body = encoding.decompress(&wire[5..], 1000).unwrap();
            assert_eq!(body, &plain[5..]);

            // The limit is on the message, not on its smaller compressed form.
            let mut refused = Vec::new();
            let status = encode_message(&request, Some(encoding), 500, &mut refused).unwrap_err();
            assert_eq!(status.code(), Code::ResourceExhausted);
            assert!(refused.is_empty());
        }
    }
}
