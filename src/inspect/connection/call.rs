//! One call as the inspector follows it
//! ([PROTOCOL-HTTP2.md](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md)):
//!
//! > Request → Request-Headers \*Length-Prefixed-Message EOS
//! > Response → (Response-Headers \*Length-Prefixed-Message Trailers) / Trailers-Only
//!
//! It names each header block by its place in that grammar, counts the messages and octets of
//! each direction, and keeps what the summary needs: the method, the status, the reset.

use std::time::Duration;

use bytes::Bytes;

use super::lint::{Lint, field_lints, is_grpc_content_type};
use super::{BlockRole, HeaderBlock, MessageEvent, MethodTypes, Methods, side};
use crate::compression::{DecompressError, Encoding};
use crate::inspect::frame::ErrorCode;
use crate::inspect::messages::{GrpcMessage, MessageAssembler};
use crate::inspect::reader::Direction;
use crate::status::{Code, percent_decode};

/// A call, summed up when it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSummary {
    /// Its stream.
    pub stream_id: u32,
    /// `:path`, when the request headers carried one.
    pub method: Option<String>,
    /// `grpc-status` and the decoded `grpc-message`, when trailers carried them.
    pub status: Option<(i32, String)>,
    /// Whether the response was Trailers-Only.
    pub trailers_only: bool,
    /// Who reset the stream, and with what.
    pub reset: Option<(Direction, ErrorCode)>,
    /// Why it ended before both directions did (a reset, the connection closing).
    pub cut_short: Option<String>,
    /// From the request headers to the end.
    pub duration: Duration,
    /// Messages sent by the client and by the server.
    pub messages: [u64; 2],
    /// DATA octets (without padding) sent by the client and by the server.
    pub data_octets: [u64; 2],
}

#[derive(Debug)]
pub(super) struct Call {
    stream_id: u32,
    started: Duration,
    method: Option<String>,
    types: Option<MethodTypes>,
    blocks: [u32; 2],
    ended: [bool; 2],
    trailers: [bool; 2],
    messages: [u64; 2],
    data_octets: [u64; 2],
    assemblers: [MessageAssembler; 2],
    encodings: [Option<String>; 2],
    status: Option<(i32, String)>,
    trailers_only: bool,
    reset: Option<(Direction, ErrorCode)>,
    max_display: usize,
}

impl Call {
    pub(super) fn new(stream_id: u32, started: Duration, max_display: usize) -> Self {
        Self {
            stream_id,
            started,
            method: None,
            types: None,
            blocks: [0; 2],
            ended: [false; 2],
            trailers: [false; 2],
            messages: [0; 2],
            data_octets: [0; 2],
            assemblers: [
                MessageAssembler::new(max_display),
                MessageAssembler::new(max_display),
            ],
            encodings: [None, None],
            status: None,
            trailers_only: false,
            reset: None,
            max_display,
        }
    }

    /// Names a header block by its place in the call and reads what the call needs from it.
    pub(super) fn header_block(
        &mut self,
        direction: Direction,
        block: &HeaderBlock,
        methods: &Methods,
        lints: &mut Vec<Lint>,
    ) -> BlockRole {
        let i = side(direction);
        self.blocks[i] += 1;
        let first = self.blocks[i] == 1;
        let role = match (direction, first, block.end_stream) {
            (Direction::ClientToServer, true, _) => BlockRole::RequestHeaders,
            (Direction::ClientToServer, false, _) => BlockRole::RequestTrailers,
            (Direction::ServerToClient, true, true) => BlockRole::TrailersOnly,
            (Direction::ServerToClient, true, false) => BlockRole::ResponseHeaders,
            (Direction::ServerToClient, false, _) => BlockRole::Trailers,
        };
        let find = |name: &[u8]| block.fields().find(|(n, _)| *n == name).map(|(_, v)| v);
        for (name, value) in block.fields() {
            lints.extend(field_lints(name, value));
        }
        if !first || role == BlockRole::TrailersOnly {
            self.trailers[i] = true;
        }
        match role {
            BlockRole::RequestHeaders => {
                if find(b"te") != Some(b"trailers") {
                    lints.push(Lint::MissingTe);
                }
                self.check_content_type(find(b"content-type"), lints);
                self.method = find(b":path").map(|p| String::from_utf8_lossy(p).into_owned());
                self.types = self.method.as_ref().and_then(|m| methods.get(m)).cloned();
            }
            BlockRole::ResponseHeaders if find(b":status") == Some(b"200") => {
                self.check_content_type(find(b"content-type"), lints);
            }
            _ => {}
        }
        if let Some(encoding) = find(b"grpc-encoding") {
            self.encodings[i] = Some(String::from_utf8_lossy(encoding).into_owned());
        }
        if matches!(role, BlockRole::Trailers | BlockRole::TrailersOnly) {
            self.trailers_only = role == BlockRole::TrailersOnly;
            match find(b"grpc-status") {
                Some(status) => {
                    let code = Code::parse(status).as_i32();
                    let message = find(b"grpc-message")
                        .map(percent_decode)
                        .unwrap_or_default();
                    self.status = Some((code, message));
                }
                None => lints.push(Lint::MissingStatus),
            }
        }
        role
    }

    fn check_content_type(&self, value: Option<&[u8]>, lints: &mut Vec<Lint>) {
        if !value.is_some_and(is_grpc_content_type) {
            lints.push(Lint::NotGrpcContentType {
                found: value.map(|v| String::from_utf8_lossy(v).into_owned()),
            });
        }
    }

    /// The data of a DATA frame: the messages it completes.
    pub(super) fn data(
        &mut self,
        direction: Direction,
        offset: u64,
        data: &[u8],
        lints: &mut Vec<Lint>,
    ) -> Vec<GrpcMessage> {
        let i = side(direction);
        if self.trailers[i] && !data.is_empty() {
            lints.push(Lint::DataAfterTrailers);
        }
        self.data_octets[i] += u64::try_from(data.len()).unwrap_or(u64::MAX);
        self.assemblers[i].data(offset, data)
    }

    /// A complete message: decompressed and typed for display.
    pub(super) fn message(
        &mut self,
        direction: Direction,
        message: GrpcMessage,
        lints: &mut Vec<Lint>,
    ) -> MessageEvent {
        let i = side(direction);
        self.messages[i] += 1;
        let index = self.messages[i];
        let (message_type, streaming) = match (&self.types, direction) {
            (Some(t), Direction::ClientToServer) => (Some(t.input.clone()), t.client_streaming),
            (Some(t), Direction::ServerToClient) => (Some(t.output.clone()), t.server_streaming),
            (None, _) => (None, true),
        };
        if !streaming && index == 2 {
            lints.push(Lint::UnaryCardinality { count: index });
        }
        let encoding = self.encodings[i].clone().filter(|_| message.flag == 1);
        let body_truncated = message.is_truncated();
        let body = match message.flag {
            0 => Ok(message.data.clone()),
            1 => {
                let parsed = encoding.as_deref().map(|e| Encoding::parse(e.as_bytes()));
                match parsed {
                    None | Some(Some(Encoding::Identity)) => {
                        lints.push(Lint::CompressedWithoutEncoding);
                        Err("compressed, with no grpc-encoding to say how".to_owned())
                    }
                    Some(None) => Err(format!(
                        "compressed with {}, which the inspector cannot decompress",
                        encoding.as_deref().unwrap_or_default()
                    )),
                    Some(Some(_)) if body_truncated => Err(format!(
                        "compressed and longer than --max-display ({} octets): not decompressed",
                        self.max_display
                    )),
                    Some(Some(algorithm)) => {
                        match algorithm.decompress(&message.data, self.max_display) {
                            Ok(plain) => Ok(Bytes::from(plain)),
                            Err(DecompressError::TooLarge { limit }) => Err(format!(
                                "decompresses to more than --max-display ({limit} octets)"
                            )),
                            Err(DecompressError::Corrupt(why)) => {
                                Err(format!("not valid {algorithm}: {why}"))
                            }
                        }
                    }
                }
            }
            flag => {
                lints.push(Lint::BadCompressedFlag { flag });
                Err(format!("Compressed-Flag {flag} is neither 0 nor 1"))
            }
        };
        MessageEvent {
            stream_id: self.stream_id,
            index,
            message,
            encoding,
            body,
            body_truncated,
            message_type,
        }
    }

    /// END_STREAM in `direction`; whether both directions have now ended.
    pub(super) fn end(&mut self, direction: Direction, lints: &mut Vec<Lint>) -> bool {
        let i = side(direction);
        self.ended[i] = true;
        if !self.assemblers[i].is_between_messages() {
            lints.push(Lint::EndedInsideMessage {
                pending: self.assemblers[i].pending_len(),
            });
        }
        self.ended == [true, true]
    }

    pub(super) fn reset(&mut self, direction: Direction, error_code: ErrorCode) {
        self.reset = Some((direction, error_code));
    }

    pub(super) fn summary(self, at: Duration, cut_short: Option<&str>) -> CallSummary {
        CallSummary {
            stream_id: self.stream_id,
            method: self.method,
            status: self.status,
            trailers_only: self.trailers_only,
            reset: self.reset,
            cut_short: cut_short.map(str::to_owned),
            duration: at.saturating_sub(self.started),
            messages: self.messages,
            data_octets: self.data_octets,
        }
    }
}
