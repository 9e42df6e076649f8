//! The HTTP/2 wire, read byte by byte: frames (RFC 9113) and header blocks (RFC 7541).
//!
//! [`transport`](crate::transport) lets `h2` speak HTTP/2 and never shows a frame. This module is
//! the other half: given a copy of the bytes of a connection, one direction at a time, it says
//! what each one means, down to the header fields inside HPACK. Like layers ① to ④ it is
//! *sans-IO*: bytes in, events out; no socket, no task, no clock, except [`proxy`], which moves
//! the bytes of `h2grpc inspect`.
//!
//! | module | reads | spec |
//! |--------|-------|------|
//! | [`reader`] | a direction of a connection, in chunks: the preface, then frames | [RFC 9113 §3.4, §4.1](https://www.rfc-editor.org/rfc/rfc9113#section-4.1) |
//! | [`frame`] | one frame: header, flags, payload fields and their positions | [RFC 9113 §4.1, §6, §7](https://www.rfc-editor.org/rfc/rfc9113#section-6) |
//! | [`blocks`] | the fragments of HEADERS or PUSH_PROMISE and its CONTINUATIONs, joined into one field block | [RFC 9113 §4.3, §6.10](https://www.rfc-editor.org/rfc/rfc9113#section-4.3) |
//! | [`hpack`] | a header block: representations, strings, the dynamic table | [RFC 7541](https://www.rfc-editor.org/rfc/rfc7541) |
//! | [`messages`] | a stream's DATA, cut into Length-Prefixed-Messages, with the frames each spans | [PROTOCOL-HTTP2.md](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests) |
//! | [`explain`] | a protobuf message or gRPC Length-Prefixed-Message, every byte annotated | [encoding guide](https://protobuf.dev/programming-guides/encoding/) |
//! | [`meaning`] | what a header field means to gRPC (`grpc-timeout: 5S` = 5 seconds) | [PROTOCOL-HTTP2.md](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md) |
//! | [`connection`] | both directions of a connection: calls, header block roles, flow-control windows, the spec lint | [RFC 9113 §5.1, §6.9](https://www.rfc-editor.org/rfc/rfc9113#section-6.9) |
//! | [`render`] | events as annotated text, JSON lines, or one line per call | |
//! | [`proxy`] | the one part with IO: a TCP proxy that forwards every byte and feeds a copy to the above | |
//!
//! # A PING, octet by octet
//!
//! ```text
//!  Length     Type  Flags  R+Stream Identifier   Opaque Data
//! +----------+-----+------+--------------------+-------------------------+
//! | 00 00 08 | 06  |  01  |    00 00 00 00     | 00 00 00 00 00 00 00 2a |
//! +----------+-----+------+--------------------+-------------------------+
//!   8 octets  PING   ACK    the connection        echoed from the PING
//! ```
//!
//! ```
//! use h2grpc::inspect::frame::Payload;
//! use h2grpc::inspect::reader::{Direction, FrameEvent, FrameReader};
//!
//! let mut reader = FrameReader::new(Direction::ServerToClient);
//! reader.push(&[0x00, 0x00, 0x08, 0x06, 0x01, 0x00, 0x00]); // 7 of the 9 header octets
//! assert_eq!(reader.next_event(), None);
//! reader.push(&[0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0x2a]);
//!
//! let Some(FrameEvent::Frame(ping)) = reader.next_event() else { panic!() };
//! assert_eq!(ping.header.flag_names(), ["ACK"]);
//! assert_eq!(ping.payload, Payload::Ping { opaque_data: [0, 0, 0, 0, 0, 0, 0, 0x2a] });
//! assert_eq!((ping.offset, ping.bytes.len()), (0, 17));
//! assert_eq!(reader.next_event(), None);
//! reader.finish()?; // the direction ended between frames
//! # Ok::<(), h2grpc::inspect::reader::ReaderError>(())
//! ```
//!
//! A HEADERS frame's fragment, with those of its CONTINUATION frames up to END_HEADERS, is one
//! header block ([`blocks::BlockAssembler`] joins them) for the [`hpack::Decoder`] of that
//! direction, which keeps the dynamic table from block to block.

pub mod blocks;
pub mod connection;
pub mod explain;
pub mod frame;
pub mod hpack;
pub mod meaning;
pub mod messages;
mod names;
pub mod proxy;
pub mod reader;
pub mod render;
