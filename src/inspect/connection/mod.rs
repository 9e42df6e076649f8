//! One connection, both directions, read as gRPC: frames, header blocks with their HPACK
//! representations, flow-control windows, messages cut out of DATA, and calls from their first
//! HEADERS to their summary.
//!
//! A [`Connection`] is sans-IO like the rest of [`inspect`](crate::inspect): the proxy pushes a
//! copy of each chunk it forwards, with the direction and the time, and gets back [`Event`]s in
//! wire order. Each direction has its own [`FrameReader`], [`BlockAssembler`] and HPACK
//! [`Decoder`](hpack::Decoder); what one side announces in SETTINGS changes how the other side's
//! bytes are read (the header table size of RFC 9113 §6.5.2, the initial window of §6.9.2).
//!
//! A call is a stream (RFC 9113 §5.1): the client's first header block opens it, and it ends
//! when both directions have ended (END_STREAM) or either side reset it (RST_STREAM), or the
//! connection closes; then [`EventKind::CallEnd`] sums it up.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use h2grpc::inspect::connection::{Connection, EventKind, Options};
//! use h2grpc::inspect::reader::Direction;
//!
//! let mut connection = Connection::new(Arc::default(), Options::default());
//! let mut events = Vec::new();
//! let preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
//! let settings = [0, 0, 0, 0x04, 0, 0, 0, 0, 0]; // an empty SETTINGS frame
//! connection.push(Direction::ClientToServer, preface, Duration::ZERO, &mut events);
//! connection.push(Direction::ClientToServer, &settings, Duration::ZERO, &mut events);
//! assert!(matches!(events[0].kind, EventKind::Preface { offset: 0 }));
//! assert!(matches!(&events[1].kind, EventKind::Frame { frame, .. } if frame.offset == 24));
//! ```

mod call;
pub mod flow;
pub mod lint;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::blocks::BlockAssembler;
use super::frame::{Frame, FrameError, FrameHeader, FrameType, Payload, SettingId, flags};
use super::hpack::{self, DEFAULT_HEADER_TABLE_SIZE, HpackError};
use super::messages::GrpcMessage;
use super::reader::{Direction, FrameEvent, FrameReader, ReaderError};
use crate::dynamic::MessageType;
use call::Call;
pub use call::CallSummary;
use flow::{Flow, Windows, opposite};
pub use lint::Lint;

/// The types of one method, from the schema.
#[derive(Debug, Clone)]
pub struct MethodTypes {
    /// The request message type.
    pub input: MessageType,
    /// The response message type.
    pub output: MessageType,
    /// Whether the client sends a stream.
    pub client_streaming: bool,
    /// Whether the server sends a stream.
    pub server_streaming: bool,
}

/// The methods of a schema by `:path` (`/package.Service/Method`).
pub type Methods = HashMap<String, MethodTypes>;

/// The bounds of a [`Connection`].
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The octets of a message kept for display (the rest is counted, not kept).
    pub max_display: usize,
    /// The calls followed at once on one connection; further streams are forwarded unread.
    pub max_calls: usize,
    /// The largest header block kept (the fragments of a larger one are dropped).
    pub max_header_block: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_display: 64 * 1024,
            max_calls: 1_000,
            max_header_block: 1024 * 1024,
        }
    }
}

/// The part a header block plays in a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockRole {
    /// The client's first block: the call's definition.
    RequestHeaders,
    /// A second block from the client (gRPC has no request trailers).
    RequestTrailers,
    /// The server's first block, with messages to follow.
    ResponseHeaders,
    /// The server's last block: the status.
    Trailers,
    /// The server's only block, with END_STREAM: headers and status at once, no messages.
    TrailersOnly,
    /// A PUSH_PROMISE's block (gRPC never pushes).
    PushPromise,
}

impl BlockRole {
    /// Its name, as printed.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::RequestHeaders => "request headers",
            Self::RequestTrailers => "request trailers",
            Self::ResponseHeaders => "response headers",
            Self::Trailers => "trailers",
            Self::TrailersOnly => "Trailers-Only",
            Self::PushPromise => "push promise",
        }
    }
}

/// A header block, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderBlock {
    /// Its stream.
    pub stream_id: u32,
    /// Its part in the call.
    pub role: BlockRole,
    /// The offsets of the HEADERS/PUSH_PROMISE and CONTINUATION frames that carried it.
    pub frame_offsets: Vec<u64>,
    /// The block, as sent.
    pub block: Vec<u8>,
    /// What HPACK decoding said, in order.
    pub events: Vec<hpack::Event>,
    /// Where and why decoding stopped, if it did.
    pub error: Option<(usize, HpackError)>,
    /// The dynamic table's size after the block.
    pub table_size: usize,
    /// Whether the HEADERS frame ended the direction.
    pub end_stream: bool,
}

impl HeaderBlock {
    /// The decoded fields, in order.
    pub fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.events.iter().filter_map(|event| match event {
            hpack::Event::Field(field) => Some((&field.name[..], &field.value[..])),
            _ => None,
        })
    }
}

/// A gRPC message and what it holds.
#[derive(Debug, Clone)]
pub struct MessageEvent {
    /// Its stream.
    pub stream_id: u32,
    /// Its place in its direction of the call, from 1.
    pub index: u64,
    /// The Length-Prefixed-Message as cut out of DATA.
    pub message: GrpcMessage,
    /// The `grpc-encoding` of its direction, when it is compressed.
    pub encoding: Option<String>,
    /// The protobuf bytes (decompressed when compressed), or why there are none.
    pub body: Result<Bytes, String>,
    /// Whether `body` holds only the first octets of the message.
    pub body_truncated: bool,
    /// The message type, when the schema knows the method.
    pub message_type: Option<MessageType>,
}

/// What happened, in wire order.
#[derive(Debug, Clone)]
pub struct Event {
    /// Which way.
    pub direction: Direction,
    /// When (the time given to [`Connection::push`]).
    pub at: Duration,
    /// What.
    pub kind: EventKind,
}

/// The kinds of [`Event`].
#[derive(Debug, Clone)]
pub enum EventKind {
    /// The client connection preface.
    Preface {
        /// Where (0).
        offset: u64,
    },
    /// A frame, with the sender's windows after it for DATA and WINDOW_UPDATE.
    Frame {
        /// The frame.
        frame: Frame,
        /// The windows it moved.
        flow: Option<Flow>,
    },
    /// A frame that breaks a rule of RFC 9113 §6; reading goes on.
    Malformed {
        /// Where it began.
        offset: u64,
        /// Its header.
        header: FrameHeader,
        /// The whole frame.
        bytes: Bytes,
        /// The rule.
        error: FrameError,
    },
    /// The direction cannot be read further (it is still forwarded).
    Stopped {
        /// Where.
        offset: u64,
        /// Why.
        error: ReaderError,
    },
    /// A complete header block.
    Headers(HeaderBlock),
    /// A complete gRPC message.
    Message(Box<MessageEvent>),
    /// A call ended.
    CallEnd(CallSummary),
    /// A rule of the gRPC spec broken.
    Lint {
        /// The stream.
        stream_id: u32,
        /// The rule.
        lint: Lint,
    },
    /// The direction's TCP stream ended (the proxy reports it: a clean FIN, or an error such as
    /// a reset). Not a fault of the protocol: a client may close with data still unread.
    Closed {
        /// The error that ended it, if it was not a clean end.
        error: Option<String>,
    },
    /// Something the inspector could not follow (the bytes are forwarded all the same).
    Problem {
        /// The stream, if one.
        stream_id: Option<u32>,
        /// What.
        text: String,
    },
}

/// Both directions of one connection.
#[derive(Debug)]
pub struct Connection {
    methods: Arc<Methods>,
    options: Options,
    readers: [FrameReader; 2],
    blocks: [BlockAssembler; 2],
    hpack: [hpack::Decoder; 2],
    /// END_STREAM of the HEADERS frame whose block is being assembled, per direction.
    block_ends_stream: [bool; 2],
    windows: Windows,
    calls: HashMap<u32, Call>,
}

fn side(direction: Direction) -> usize {
    match direction {
        Direction::ClientToServer => 0,
        Direction::ServerToClient => 1,
    }
}

impl Connection {
    /// A connection about to start, with the schema's methods.
    #[must_use]
    pub fn new(methods: Arc<Methods>, options: Options) -> Self {
        let decoder = hpack::Decoder::new(DEFAULT_HEADER_TABLE_SIZE);
        Self {
            methods,
            options,
            readers: [
                FrameReader::new(Direction::ClientToServer),
                FrameReader::new(Direction::ServerToClient),
            ],
            blocks: [
                BlockAssembler::new(options.max_header_block),
                BlockAssembler::new(options.max_header_block),
            ],
            hpack: [decoder.clone(), decoder],
            block_ends_stream: [false; 2],
            windows: Windows::default(),
            calls: HashMap::new(),
        }
    }

    /// The calls in progress.
    #[must_use]
    pub fn open_calls(&self) -> usize {
        self.calls.len()
    }

    /// Reads the next bytes sent `direction`, at time `at`; appends what they say to `out`.
    pub fn push(&mut self, direction: Direction, chunk: &[u8], at: Duration, out: &mut Vec<Event>) {
        self.readers[side(direction)].push(chunk);
        while let Some(event) = self.readers[side(direction)].next_event() {
            let kind = match event {
                FrameEvent::Preface { offset } => EventKind::Preface { offset },
                FrameEvent::Frame(frame) => {
                    self.frame(direction, frame, at, out);
                    continue;
                }
                FrameEvent::Malformed {
                    offset,
                    header,
                    bytes,
                    error,
                } => EventKind::Malformed {
                    offset,
                    header,
                    bytes,
                    error,
                },
                FrameEvent::Fatal { offset, error } => EventKind::Stopped { offset, error },
            };
            out.push(Event {
                direction,
                at,
                kind,
            });
        }
    }

    /// The connection closed at `at`: the calls still open end, unfinished frames are reported.
    pub fn close(&mut self, at: Duration, out: &mut Vec<Event>) {
        for direction in [Direction::ClientToServer, Direction::ServerToClient] {
            if let Err(error) = self.readers[side(direction)].finish() {
                out.push(Event {
                    direction,
                    at,
                    kind: EventKind::Problem {
                        stream_id: None,
                        text: error.to_string(),
                    },
                });
            }
        }
        let mut open: Vec<u32> = self.calls.keys().copied().collect();
        open.sort_unstable();
        for stream_id in open {
            self.end_call(
                stream_id,
                Direction::ServerToClient,
                at,
                Some("the connection closed"),
                out,
            );
        }
    }

    fn frame(&mut self, direction: Direction, frame: Frame, at: Duration, out: &mut Vec<Event>) {
        let stream_id = frame.header.stream_id;
        let end_stream = frame.header.flags & flags::END_STREAM != 0;
        let kind = frame.header.frame_type();
        let flow = match &frame.payload {
            Payload::Data { .. } => {
                Some(self.windows.data(direction, stream_id, frame.header.length))
            }
            Payload::WindowUpdate {
                window_size_increment,
            } => Some(
                self.windows
                    .update(direction, stream_id, *window_size_increment),
            ),
            Payload::Settings { settings } => {
                for setting in settings {
                    match setting.id {
                        SettingId::HEADER_TABLE_SIZE => {
                            let size = usize::try_from(setting.value).unwrap_or(usize::MAX);
                            self.hpack[side(opposite(direction))].set_header_table_size(size);
                        }
                        SettingId::INITIAL_WINDOW_SIZE => {
                            self.windows.initial_window(direction, setting.value);
                        }
                        _ => {}
                    }
                }
                None
            }
            _ => None,
        };
        if kind == Some(FrameType::Headers) {
            self.block_ends_stream[side(direction)] = end_stream;
        }
        let block = self.blocks[side(direction)].frame(&frame);
        let data = match &frame.payload {
            Payload::Data { data, .. } => {
                Some((frame.offset, Bytes::copy_from_slice(frame.part(data))))
            }
            _ => None,
        };
        let reset = match &frame.payload {
            Payload::RstStream { error_code } => Some(*error_code),
            _ => None,
        };
        out.push(Event {
            direction,
            at,
            kind: EventKind::Frame { frame, flow },
        });
        match block {
            Ok(Some(block)) => {
                let ends = self.block_ends_stream[side(direction)];
                self.header_block(direction, block, ends, at, out);
            }
            Ok(None) => {}
            Err(error) => out.push(Event {
                direction,
                at,
                kind: EventKind::Problem {
                    stream_id: Some(stream_id),
                    text: error.to_string(),
                },
            }),
        }
        if let Some((offset, data)) = data {
            self.data(direction, stream_id, offset, &data, end_stream, at, out);
        }
        if let Some(error_code) = reset
            && self.calls.contains_key(&stream_id)
        {
            let reason = format!(
                "reset by the {} with {}",
                match direction {
                    Direction::ClientToServer => "client",
                    Direction::ServerToClient => "server",
                },
                error_code.name().unwrap_or("an unknown error code")
            );
            if let Some(call) = self.calls.get_mut(&stream_id) {
                call.reset(direction, error_code);
            }
            self.end_call(stream_id, direction, at, Some(&reason), out);
        }
    }

    fn header_block(
        &mut self,
        direction: Direction,
        field_block: super::blocks::FieldBlock,
        end_stream: bool,
        at: Duration,
        out: &mut Vec<Event>,
    ) {
        let decoder = &mut self.hpack[side(direction)];
        let (events, error) = match decoder.decode(&field_block.block) {
            Ok(events) => (events, None),
            Err(error) => (error.events, Some((error.offset, error.error))),
        };
        let stream_id = field_block.stream_id;
        let mut block = HeaderBlock {
            stream_id,
            role: BlockRole::PushPromise,
            frame_offsets: field_block.frame_offsets,
            block: field_block.block,
            events,
            error,
            table_size: decoder.table_size(),
            end_stream,
        };
        if field_block.frame_type == FrameType::PushPromise {
            out.push(Event {
                direction,
                at,
                kind: EventKind::Headers(block),
            });
            return;
        }
        let mut lints = Vec::new();
        if direction == Direction::ClientToServer && !self.calls.contains_key(&stream_id) {
            if self.calls.len() >= self.options.max_calls {
                out.push(Event {
                    direction,
                    at,
                    kind: EventKind::Problem {
                        stream_id: Some(stream_id),
                        text: format!(
                            "{} calls are open on this connection: stream {stream_id} is forwarded, not followed",
                            self.calls.len()
                        ),
                    },
                });
                return;
            }
            self.windows.open(stream_id);
            let call = Call::new(stream_id, at, self.options.max_display);
            self.calls.insert(stream_id, call);
        }
        match self.calls.get_mut(&stream_id) {
            Some(call) => {
                block.role = call.header_block(direction, &block, &self.methods, &mut lints);
            }
            None => {
                block.role = match direction {
                    Direction::ClientToServer => BlockRole::RequestTrailers,
                    Direction::ServerToClient if end_stream => BlockRole::Trailers,
                    Direction::ServerToClient => BlockRole::ResponseHeaders,
                };
            }
        }
        out.push(Event {
            direction,
            at,
            kind: EventKind::Headers(block),
        });
        push_lints(direction, stream_id, at, lints, out);
        if end_stream {
            self.end_direction(direction, stream_id, at, out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn data(
        &mut self,
        direction: Direction,
        stream_id: u32,
        offset: u64,
        data: &[u8],
        end_stream: bool,
        at: Duration,
        out: &mut Vec<Event>,
    ) {
        let Some(call) = self.calls.get_mut(&stream_id) else {
            return;
        };
        let mut lints = Vec::new();
        let messages = call.data(direction, offset, data, &mut lints);
        push_lints(direction, stream_id, at, lints, out);
        for message in messages {
            let mut lints = Vec::new();
            let event = call.message(direction, message, &mut lints);
            out.push(Event {
                direction,
                at,
                kind: EventKind::Message(Box::new(event)),
            });
            push_lints(direction, stream_id, at, lints, out);
        }
        if end_stream {
            self.end_direction(direction, stream_id, at, out);
        }
    }

    fn end_direction(
        &mut self,
        direction: Direction,
        stream_id: u32,
        at: Duration,
        out: &mut Vec<Event>,
    ) {
        let Some(call) = self.calls.get_mut(&stream_id) else {
            return;
        };
        let mut lints = Vec::new();
        let both = call.end(direction, &mut lints);
        push_lints(direction, stream_id, at, lints, out);
        if both {
            self.end_call(stream_id, direction, at, None, out);
        }
    }

    fn end_call(
        &mut self,
        stream_id: u32,
        direction: Direction,
        at: Duration,
        cut_short: Option<&str>,
        out: &mut Vec<Event>,
    ) {
        if let Some(call) = self.calls.remove(&stream_id) {
            self.windows.close(stream_id);
            out.push(Event {
                direction,
                at,
                kind: EventKind::CallEnd(call.summary(at, cut_short)),
            });
        }
    }
}

fn push_lints(
    direction: Direction,
    stream_id: u32,
    at: Duration,
    lints: Vec<Lint>,
    out: &mut Vec<Event>,
) {
    out.extend(lints.into_iter().map(|lint| Event {
        direction,
        at,
        kind: EventKind::Lint { stream_id, lint },
    }));
}
