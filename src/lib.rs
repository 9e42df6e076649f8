//! # h2grpc: gRPC by hand, on `h2`
//!
//! h2grpc is a gRPC implementation that hides nothing: the protobuf wire codec, the
//! Length-Prefixed-Message framing, the status and metadata headers are all written out here,
//! one protocol layer per module, so that a reader can learn gRPC from the bytes up.
//!
//! ## The layers, bottom-up
//!
//! | # | module | what it implements | spec |
//! |---|--------|--------------------|------|
//! | ① | [`protobuf`] | the protobuf binary wire format: varints, keys, fields, messages | [protobuf.dev/programming-guides/encoding](https://protobuf.dev/programming-guides/encoding/) |
//! | ② | [`framing`] | the 5-byte Length-Prefixed-Message around every message | [PROTOCOL-HTTP2.md, "Length-Prefixed-Message"](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests) |
//! | ③ | [`status`] | `grpc-status`, `grpc-message`, `grpc-status-details-bin` | [PROTOCOL-HTTP2.md, "Responses"](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#responses), [statuscodes.md](https://github.com/grpc/grpc/blob/master/doc/statuscodes.md) |
//! | ③ | [`metadata`] | Custom-Metadata: ASCII and `-bin` headers | [PROTOCOL-HTTP2.md, "Requests"](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests) |
//! | ③ | [`timeout`] | `grpc-timeout` ⇄ `Duration` | [PROTOCOL-HTTP2.md, "Timeout"](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests) |
//! | ③ | [`compression`] | `identity`, `gzip`, `deflate` per message; `grpc-encoding` negotiation; bounded decompression | [compression.md](https://github.com/grpc/grpc/blob/master/doc/compression.md) |
//! | ④ | [`call`] | the grammar of a call: headers, Trailers vs Trailers-Only, cardinality, every failure as a [`status::Status`] | [PROTOCOL-HTTP2.md](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md), [statuscodes.md](https://github.com/grpc/grpc/blob/master/doc/statuscodes.md) |
//! | ⑤ | [`transport`] | HTTP/2 on `h2`: flow control both ways, RST_STREAM and GOAWAY | [RFC 9113](https://www.rfc-editor.org/rfc/rfc9113) |
//! | ⑤ | [`tls`] | TLS under HTTP/2 for `https://`: rustls, ALPN `h2`, mutual TLS | [RFC 7301](https://www.rfc-editor.org/rfc/rfc7301), [RFC 9113 §3, §9.2](https://www.rfc-editor.org/rfc/rfc9113#section-3) |
//! | ⑥ | [`rpc`], [`server`], [`client`] | the typed API: `Request`, `Response`, `Streaming`, `Sender`; the four handler shapes; the `Channel` | |
//! | ⑦ | [`services`] | the tutorials' services, health and server reflection: messages encoded by hand, servers, typed clients | `proto/*.proto` |
//! |   | [`schema`] | the `.proto` files of `proto/`, parsed at run time into `FileDescriptorProto`s (what reflection serves) | [proto3 language spec](https://protobuf.dev/reference/protobuf/proto3-spec/) |
//! |   | [`dynamic`] | messages of any type, decoded and encoded from descriptors on the codec of ① | [encoding guide](https://protobuf.dev/programming-guides/encoding/) |
//! |   | [`json`] | the proto3 JSON mapping of dynamic messages, both ways, well-known types included | [ProtoJSON format](https://protobuf.dev/programming-guides/json/) |
//! |   | [`web`] | HTTP/1.1 on the gRPC port (hyper): Connect unary calls in JSON or protobuf | [Connect protocol](https://connectrpc.com/docs/protocol) |
//! |   | [`inspect`] | the HTTP/2 wire read byte by byte: frames, HPACK header blocks, the dynamic table | [RFC 9113](https://www.rfc-editor.org/rfc/rfc9113), [RFC 7541](https://www.rfc-editor.org/rfc/rfc7541) |
//!
//! Layers ① to ④ are *sans-IO*: they take bytes and header maps in and give values out. They never
//! await, never touch a socket and never read a clock, so every one of them is tested with byte
//! arrays alone. Only [`transport`] names `h2`.
//!
//! ## Reading order
//!
//! To learn the protocol from the code, read these files in this order (paths under `src/`).
//! Each step uses only what the steps before it explain.
//!
//! 1. `protobuf/wire_type.rs`: varints, field keys and the four wire types that matter.
//! 2. `protobuf/decoder.rs`, `protobuf/encoder.rs`: records in, field values out, and back.
//! 3. `protobuf/kinds.rs`, `protobuf/message.rs`: one marker per field type; the
//!    [`protobuf::Message`] trait (`encode_fields` is run twice, to size and then to write;
//!    `merge_field` reads one field).
//! 4. `services/hello.rs`: the smallest messages written by hand, a server and a client.
//! 5. `framing.rs`: the 5-byte prefix and the [`framing::Deframer`].
//! 6. `status.rs`, `metadata.rs`, `timeout.rs`, `compression.rs`: the headers of a call, one file
//!    per header family.
//! 7. `call/mod.rs`, then `call/method.rs`, `call/client.rs`, `call/server.rs`,
//!    `call/inbound.rs`: the grammar of a call, sans-IO, each failure a [`status::Status`].
//! 8. `transport/mod.rs`, then `transport/settings.rs`, `transport/recv.rs`,
//!    `transport/send.rs`, `transport/server.rs`, `transport/client.rs`: HTTP/2 on `h2`, flow
//!    control both ways.
//! 9. `rpc/mod.rs`, `server/mod.rs`, `server/router.rs`, `server/handler/`, `client/mod.rs`: the
//!    typed API a program uses.
//! 10. `services/finance/`, `services/users/`, `services/health/`, `services/reflection/`: the
//!     other services, each a `.proto` file of `proto/` written out by hand.
//!
//! [`schema`], [`dynamic`] and [`json`] come after: they build on the codec of step 3 for
//! messages whose types are only known at run time.
//!
//! A first reading can skip these files: they make h2grpc fast or robust, and the protocol reads
//! the same without them.
//!
//! | file | what it does |
//! |---|---|
//! | `protobuf/text.rs` | inline strings: a short `string` field is copied into the value itself, a long one is a slice of the received buffer |
//! | `protobuf/spliced.rs` | spliced buffers: a large `bytes` field is sent from where it is, not copied into the encode buffer |
//! | `protobuf/encoded.rs` | a message carried as its bytes, for code that never decodes it |
//! | `rpc/outbox.rs` | how a streaming call's messages are batched into few DATA frames (read [`rpc::Sender`]'s docs instead) |
//! | `rpc/pool.rs` | the per-thread pool of batch buffers |
//! | `transport/coalesce.rs` | write coalescing: the DATA frames of one turn leave in one system call |
//! | `server/workers.rs` | worker threads, each a current-thread runtime owning its connections |
//! | `client/backoff.rs` | reconnection backoff |
//! | `tls/` | TLS under HTTP/2 |
//!
//! ## A unary call on the wire
//!
//! `hello.Greeter/SayHello` with `HelloRequest { name: "world" }`, as HTTP/2 frames:
//!
//! ```text
//! client → server  HEADERS  :method POST  :scheme http  :path /hello.Greeter/SayHello
//!                           content-type application/grpc  te trailers
//! client → server  DATA     00 | 00 00 00 07 | 0a 05 77 6f 72 6c 64          (END_STREAM)
//!                           ^flag ^length=7    ^field 1, LEN, 5 bytes "world"
//! server → client  HEADERS  :status 200  content-type application/grpc
//! server → client  DATA     00 | 00 00 00 0f | 0a 0d 48 65 6c 6c 6f 2c 20 77 6f 72 6c 64 21
//!                                              ^field 1 "Hello, world!"
//! server → client  HEADERS  grpc-status 0                                     (END_STREAM)
//! ```
//!
//! The DATA payloads above are exactly what [`framing::encode_message`] produces:
//!
//! ```
//! use h2grpc::services::hello::{HelloReply, HelloRequest};
//! use h2grpc::framing::{encode_message, DEFAULT_MAX_MESSAGE_SIZE};
//!
//! let request = HelloRequest { name: "world".into() };
//! let mut wire = Vec::new();
//! encode_message(&request, &mut wire, DEFAULT_MAX_MESSAGE_SIZE).unwrap();
//! assert_eq!(wire, b"\x00\x00\x00\x00\x07\x0a\x05world");
//!
//! let reply = HelloReply { message: "Hello, world!".into() };
//! let mut wire = Vec::new();
//! encode_message(&reply, &mut wire, DEFAULT_MAX_MESSAGE_SIZE).unwrap();
//! assert_eq!(wire, b"\x00\x00\x00\x00\x0f\x0a\x0dHello, world!");
//! ```
#![forbid(unsafe_code)]

pub mod protobuf;

pub mod framing;

pub mod compression;
pub mod metadata;
pub mod status;
pub mod timeout;

pub mod call;

pub mod tls;
pub mod transport;

pub mod client;
pub mod rpc;
pub mod server;

pub mod dynamic;
pub mod inspect;
pub mod json;
pub mod schema;
pub mod services;
pub mod web;
