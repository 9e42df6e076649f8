//! ① The protobuf binary wire format, and nothing of gRPC.
//!
//! Implements <https://protobuf.dev/programming-guides/encoding/> for proto3 messages, on top of
//! [`quick_protobuf`]'s `BytesReader` and `Writer` primitives (varints, tags, fixed-width values).
//! There is no code generator: every message of the crate implements [`Message`] by hand, one
//! short line per field.
//!
//! # The encoding in five rules
//!
//! 1. A message is a sequence of *records*: a **key** followed by a **value**. Fields may come in
//!    any order and any number of times; unknown ones are skipped.
//! 2. The key is a varint `(field_number << 3) | wire_type` ([`WireType`]): `0x0a` is field 1,
//!    wire type 2 (LEN).
//! 3. A **varint** stores 7 bits per byte, least significant group first, the top bit saying
//!    "more bytes follow": 150 is `96 01`. Negative `int32`/`int64` take ten bytes; `sint32`/
//!    `sint64` use ZigZag (`0 → 0, -1 → 1, 1 → 2, -2 → 3 …`) to keep small negatives short.
//! 4. **LEN** values (`string`, `bytes`, nested messages, packed repeated scalars, map entries)
//!    are a varint length followed by that many bytes.
//! 5. proto3 does not write a field that holds its default value (0, `false`, `""`, empty), except
//!    a message field that is present: presence is the point of it.
//!
//! ```
//! use h2grpc::protobuf::{FieldSink, Message, DecodeError, Decoder};
//!
//! /// message Test1 { int32 a = 1; }, the example of the protobuf encoding guide.
//! #[derive(Debug, Default, PartialEq)]
//! struct Test1 { a: i32 }
//!
//! impl Message for Test1 {
//!     fn encode_fields<S: FieldSink>(&self, s: &mut S) {
//!         s.int32(1, self.a);
//!     }
//!     fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
//!         match number {
//!             1 => d.int32(&mut self.a),
//!             _ => d.skip(),
//!         }
//!     }
//! }
//!
//! let bytes = Test1 { a: 150 }.encode_to_bytes();
//! assert_eq!(&bytes[..], [0x08, 0x96, 0x01]);
//! assert_eq!(Test1::decode(bytes).unwrap(), Test1 { a: 150 });
//! ```
//!
//! # Field types
//!
//! Each protobuf field type is a [`Kind`]: a zero-sized marker that knows the Rust type of its
//! values, its wire type and how to encode and decode one value. The generic [`FieldSink`] and
//! [`Decoder`] methods (`field`, `optional`, `repeated`, `map`) take the kind as a type parameter;
//! the common singular ones also have a named shortcut (`s.string(1, &self.name)`).
//!
//! | proto3 | [`Kind`] | Rust value |
//! |---|---|---|
//! | `int32`, `sint32`, `sfixed32` | [`Int32`], [`Sint32`], [`Sfixed32`] | `i32` |
//! | `int64`, `sint64`, `sfixed64` | [`Int64`], [`Sint64`], [`Sfixed64`] | `i64` |
//! | `uint32`, `fixed32` | [`Uint32`], [`Fixed32`] | `u32` |
//! | `uint64`, `fixed64` | [`Uint64`], [`Fixed64`] | `u64` |
//! | `bool` | [`Bool`] | `bool` |
//! | enum (open) | [`Enum`] | `i32` (unknown numbers are kept) |
//! | `float`, `double` | [`Float`], [`Double`] | `f32`, `f64` |
//! | `string` | [`Str`] | [`Text`] (up to 38 bytes copied inline, longer a zero-copy slice of the received bytes) |
//! | `bytes` | [`Bin`] | [`bytes::Bytes`] (a zero-copy slice) |
//! | a message `M` | [`Msg<M>`] | `M` (singular fields are `Option<M>`: absent ≠ empty) |
//! | `repeated T` | `T` with [`FieldSink::repeated`] | `Vec<T>` (scalars packed) |
//! | `map<K, V>` | `K`, `V` with [`FieldSink::map`] | `BTreeMap<K, V>` (sorted, so encoding is deterministic) |
//! | `oneof` | the arm's kind with [`Decoder::value`] | an `Option<enum>` |
//!
//! # Limits
//!
//! Decoding never panics, never reads past its input and never allocates more than the input
//! holds: lengths are checked against the bytes actually present before anything is sliced, and
//! nested messages may be at most [`RECURSION_LIMIT`] deep.

mod decoder;
mod encoded;
mod encoder;
mod error;
mod kinds;
mod message;
mod spliced;
mod text;
mod wire_type;

pub use decoder::{Decoder, RECURSION_LIMIT};
pub use encoded::Encoded;
pub use encoder::{EncodeBuf, Encoder, FieldSink, LenCounter};
pub use error::DecodeError;
pub use kinds::{
    Bin, Bool, Double, Enum, Fixed32, Fixed64, Float, Int32, Int64, Kind, Msg, Sfixed32, Sfixed64,
    Sint32, Sint64, Str, Uint32, Uint64,
};
pub use message::Message;
pub use spliced::{MIN_SPLICED, SplicedBuf, spliced_len};
pub use text::Text;
pub use wire_type::{MAX_FIELD_NUMBER, WireType};
