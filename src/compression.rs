//! ③ Message compression: `identity`, `gzip` and `deflate`, one message at a time.
//!
//! gRPC may compress each Length-Prefixed-Message on its own
//! ([compression.md](https://github.com/grpc/grpc/blob/master/doc/compression.md),
//! [PROTOCOL-HTTP2.md](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests)):
//!
//! > Message-Encoding → "grpc-encoding" Content-Coding
//! > Content-Coding → "identity" / "gzip" / "deflate" / "snappy" / {custom}
//! > Message-Accept-Encoding → "grpc-accept-encoding" Content-Coding *("," Content-Coding)
//!
//! A call names one algorithm per direction in its headers (`grpc-encoding`), and each message
//! says with its Compressed-Flag whether it was compressed with it ([`crate::framing`]). There is
//! no state across messages: every compressed message is a complete gzip or zlib stream.
//!
//! | [`Encoding`] | on the wire | RFC |
//! |---|---|---|
//! | `identity` | the protobuf bytes as they are | |
//! | `gzip` | a gzip member: 10-byte header `1f 8b 08 ..`, deflate data, CRC-32 and length | [RFC 1952](https://www.rfc-editor.org/rfc/rfc1952) |
//! | `deflate` | a **zlib** stream: 2-byte header (`78 9c` at level 6), deflate data, Adler-32 | [RFC 1950](https://www.rfc-editor.org/rfc/rfc1950) |
//!
//! "deflate" is HTTP's name for the zlib format, and gRPC follows HTTP: grpc-core, grpc-go and
//! tonic all write a zlib header, not raw deflate. `snappy` is named by the grammar but no
//! implementation in wide use sends it; h2grpc supports the three above, as grpc-core does.
//!
//! ```
//! use h2grpc::compression::Encoding;
//!
//! let message = vec![0u8; 1000];
//! let mut gzip = Vec::new();
//! Encoding::Gzip.compress(&message, &mut gzip);
//! assert_eq!(&gzip[..3], [0x1f, 0x8b, 0x08]); // gzip magic, method 8 (deflate)
//! assert!(gzip.len() < 50);
//! assert_eq!(Encoding::Gzip.decompress(&gzip, 4096).unwrap(), message);
//!
//! let mut zlib = Vec::new();
//! Encoding::Deflate.compress(&message, &mut zlib);
//! assert_eq!(&zlib[..2], [0x78, 0x9c]); // zlib header: deflate, 32 KiB window, level 6
//! assert_eq!(Encoding::Deflate.decompress(&zlib, 4096).unwrap(), message);
//! ```
//!
//! # Negotiation
//!
//! compression.md's rules, and where h2grpc applies them:
//!
//! - A client compresses with any algorithm it likes and says so in `grpc-encoding`; if the
//!   server does not support it, the call fails with **UNIMPLEMENTED** and the server's
//!   `grpc-accept-encoding` ([`crate::call::server::recv_request_headers`]).
//! - A client lists what it can read in `grpc-accept-encoding` (h2grpc's client sends
//!   `gzip,deflate,identity`). A server compresses a response only with an algorithm on that
//!   list ([`ResponseCompression`]); **`identity` is always acceptable**, listed or not.
//! - The response may use another algorithm than the request, or none.
//! - A client that receives an algorithm it does not support fails the call with **INTERNAL**
//!   ([`crate::call::client::recv_response_headers`]; tonic says UNIMPLEMENTED).
//! - Compression can be turned off for a single message, whatever the call's `grpc-encoding`:
//!   its Compressed-Flag is then 0 ([`crate::rpc::Sender::send_uncompressed`]). This is what
//!   keeps secrets out of compressed messages (the CRIME and BEAST attacks).
//!
//! # Decompression is bounded
//!
//! A few kilobytes of gzip can inflate to gigabytes (10 MiB of zeros is 10 KiB of gzip). The
//! receive limit is the limit on the *decompressed* message, so [`Encoding::decompress`] takes
//! it as an argument and never holds more than `limit + 1` bytes of output: the output buffer
//! grows by doubling but its capacity is capped at `limit + 1`, and once that many bytes came out
//! the message is refused ([`DecompressError::TooLarge`], RESOURCE_EXHAUSTED). Beside that
//! buffer only the decoder's own state is allocated (the 32 KiB window and tables of
//! `miniz_oxide`), whatever the input claims.

use std::fmt;
use std::io::{Read, Write};

/// A message compression algorithm: a `Content-Coding` of `grpc-encoding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// No compression.
    Identity,
    /// gzip (RFC 1952).
    Gzip,
    /// zlib (RFC 1950), which HTTP and gRPC call "deflate".
    Deflate,
}

/// The compression level of gzip and deflate: 6, zlib's default, as grpc-core and tonic use.
pub const LEVEL: u32 = 6;

impl Encoding {
    /// The algorithms h2grpc supports, in its order of preference.
    pub const ALL: [Self; 3] = [Self::Gzip, Self::Deflate, Self::Identity];

    /// The `Content-Coding` name: `identity`, `gzip` or `deflate`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Gzip => "gzip",
            Self::Deflate => "deflate",
        }
    }

    /// The algorithm a `Content-Coding` names, ignoring ASCII case and surrounding whitespace;
    /// `None` for one h2grpc does not support.
    ///
    /// ```
    /// use h2grpc::compression::Encoding;
    /// assert_eq!(Encoding::parse(b"gzip"), Some(Encoding::Gzip));
    /// assert_eq!(Encoding::parse(b" Deflate"), Some(Encoding::Deflate));
    /// assert_eq!(Encoding::parse(b"snappy"), None);
    /// ```
    pub fn parse(name: &[u8]) -> Option<Self> {
        let name = name.trim_ascii();
        Self::ALL
            .into_iter()
            .find(|encoding| name.eq_ignore_ascii_case(encoding.name().as_bytes()))
    }

    /// Whether this is `identity` (no compression).
    pub fn is_identity(self) -> bool {
        self == Self::Identity
    }

    /// `Some(self)` unless this is `identity`: "compressed with what", for fields where `None`
    /// means "not compressed".
    pub fn compressed(self) -> Option<Self> {
        (!self.is_identity()).then_some(self)
    }

    /// Appends `message`, compressed, to `dst` (for `identity`, as it is).
    pub fn compress(self, message: &[u8], dst: &mut Vec<u8>) {
        let level = flate2::Compression::new(LEVEL);
        // Writing into a Vec cannot fail: the encoders only pass on their writer's errors.
        let written = match self {
            Self::Identity => {
                dst.extend_from_slice(message);
                Ok(())
            }
            Self::Gzip => {
                let mut encoder = flate2::write::GzEncoder::new(dst, level);
                encoder
                    .write_all(message)
                    .and_then(|()| encoder.try_finish())
            }
            Self::Deflate => {
                let mut encoder = flate2::write::ZlibEncoder::new(dst, level);
                encoder
                    .write_all(message)
                    .and_then(|()| encoder.try_finish())
            }
        };
        debug_assert!(
            written.is_ok(),
            "compressing into a Vec failed: {written:?}"
        );
    }

    /// Decompresses one message of at most `limit` bytes (decompressed).
    ///
    /// At most `limit + 1` bytes of output are ever held (see the module documentation).
    ///
    /// # Errors
    /// - [`DecompressError::TooLarge`] when the message decompresses to more than `limit` bytes;
    /// - [`DecompressError::Corrupt`] when `data` is not one whole gzip member (CRC-32 and length
    ///   checked) or zlib stream (Adler-32 checked), or has bytes after it.
    pub fn decompress(self, data: &[u8], limit: usize) -> Result<Vec<u8>, DecompressError> {
        match self {
            Self::Identity if data.len() > limit => Err(DecompressError::TooLarge { limit }),
            Self::Identity => Ok(data.to_vec()),
            Self::Gzip => {
                let mut decoder = flate2::bufread::GzDecoder::new(data);
                let out = read_bounded(&mut decoder, limit, data.len())?;
                // One member, read to its trailer; nothing may follow it.
                if !decoder.into_inner().is_empty() {
                    return Err(DecompressError::corrupt(
                        "data after the end of the gzip member",
                    ));
                }
                Ok(out)
            }
            Self::Deflate => inflate_zlib(data, limit),
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a message could not be decompressed. [`crate::call`] maps it to a status:
/// RESOURCE_EXHAUSTED for `TooLarge` (statuscodes.md, the receive limit), INTERNAL for
/// `Corrupt` (statuscodes.md: "Error in decompressing").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecompressError {
    /// The decompressed message is larger than the limit.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The compressed bytes are not a valid stream of their algorithm.
    Corrupt(String),
}

impl DecompressError {
    fn corrupt(why: impl fmt::Display) -> Self {
        Self::Corrupt(why.to_string())
    }
}

impl fmt::Display for DecompressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { limit } => write!(
                f,
                "the message decompresses to more than the limit of {limit} bytes"
            ),
            Self::Corrupt(why) => write!(f, "the message could not be decompressed: {why}"),
        }
    }
}

impl std::error::Error for DecompressError {}

/// The first output buffer: room for a modest expansion of the input, at least 8 KiB.
fn first_capacity(input_len: usize) -> usize {
    input_len.saturating_mul(4).max(8 * 1024)
}

/// Reads `reader` to its end into a buffer whose capacity never exceeds `limit + 1`.
fn read_bounded(
    reader: &mut impl Read,
    limit: usize,
    input_len: usize,
) -> Result<Vec<u8>, DecompressError> {
    let cap = limit.saturating_add(1);
    let mut out: Vec<u8> = Vec::new();
    let mut filled = 0;
    loop {
        if filled == out.len() {
            if filled >= cap {
                return Err(DecompressError::TooLarge { limit });
            }
            let grown = if out.is_empty() {
                first_capacity(input_len)
            } else {
                out.len().saturating_mul(2)
            }
            .min(cap);
            // reserve_exact, then resize within it: the capacity is what is asked, not the
            // doubling that `resize` alone would choose.
            out.reserve_exact(grown - out.len());
            out.resize(grown, 0);
        }
        match reader.read(&mut out[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(DecompressError::corrupt(error)),
        }
    }
    if filled > limit {
        return Err(DecompressError::TooLarge { limit });
    }
    out.truncate(filled);
    Ok(out)
}

/// Inflates one zlib stream with the low-level API, which (unlike the `Read` adapters) says
/// whether the stream reached its end: a stream cut short is an error, not a shorter message.
fn inflate_zlib(data: &[u8], limit: usize) -> Result<Vec<u8>, DecompressError> {
    use flate2::{Decompress, FlushDecompress, Status};

    let cap = limit.saturating_add(1);
    let mut inflater = Decompress::new(true);
    let mut out: Vec<u8> = Vec::new();
    loop {
        if out.len() == out.capacity() {
            if out.len() >= cap {
                return Err(DecompressError::TooLarge { limit });
            }
            let grown = if out.capacity() == 0 {
                first_capacity(data.len())
            } else {
                out.capacity().saturating_mul(2)
            }
            .min(cap);
            out.reserve_exact(grown - out.len());
        }
        let consumed = usize::try_from(inflater.total_in()).unwrap_or(usize::MAX);
        let input = data.get(consumed..).unwrap_or_default();
        let (in_before, out_before) = (inflater.total_in(), inflater.total_out());
        // decompress_vec writes into the spare capacity only: it never grows `out`.
        let status = inflater
            .decompress_vec(input, &mut out, FlushDecompress::None)
            .map_err(DecompressError::corrupt)?;
        if status == Status::StreamEnd {
            break;
        }
        let progressed = inflater.total_in() != in_before || inflater.total_out() != out_before;
        if !progressed && out.len() < out.capacity() {
            // Room to write and nothing happened: the input ran out before the stream's end.
            return Err(DecompressError::corrupt("the zlib stream is truncated"));
        }
    }
    if out.len() > limit {
        return Err(DecompressError::TooLarge { limit });
    }
    if usize::try_from(inflater.total_in()).ok() != Some(data.len()) {
        return Err(DecompressError::corrupt(
            "data after the end of the zlib stream",
        ));
    }
    Ok(out)
}

// ===== What a peer accepts =====

/// A set of [`Encoding`]s: what a peer can read (`grpc-accept-encoding`), or what a server
/// accepts in requests. `identity` is always in it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EncodingSet(u8);

impl EncodingSet {
    /// `identity` alone.
    pub const IDENTITY: Self = Self(Self::bit(Encoding::Identity));

    /// Every encoding h2grpc supports: gzip, deflate and identity.
    pub const ALL: Self = Self(
        Self::bit(Encoding::Identity) | Self::bit(Encoding::Gzip) | Self::bit(Encoding::Deflate),
    );

    const fn bit(encoding: Encoding) -> u8 {
        match encoding {
            Encoding::Identity => 1,
            Encoding::Gzip => 2,
            Encoding::Deflate => 4,
        }
    }

    /// The set of `encodings`, plus identity.
    pub fn of(encodings: &[Encoding]) -> Self {
        encodings.iter().fold(Self::IDENTITY, |set, &e| set.with(e))
    }

    /// This set with `encoding` added.
    #[must_use]
    pub fn with(self, encoding: Encoding) -> Self {
        Self(self.0 | Self::bit(encoding))
    }

    /// Whether `encoding` is in the set (`identity` always is).
    pub fn contains(self, encoding: Encoding) -> bool {
        encoding.is_identity() || self.0 & Self::bit(encoding) != 0
    }

    /// The encodings of the set, in h2grpc's order of preference (gzip, deflate, identity).
    pub fn iter(self) -> impl Iterator<Item = Encoding> {
        Encoding::ALL.into_iter().filter(move |&e| self.contains(e))
    }

    /// The first compressing encoding of the set, in h2grpc's order of preference.
    pub fn preferred(self) -> Option<Encoding> {
        self.iter().find(|e| !e.is_identity())
    }

    /// Reads a `grpc-accept-encoding` value: comma-separated names; the ones h2grpc does not
    /// support are ignored (they can never be chosen), and identity is always in.
    ///
    /// ```
    /// use h2grpc::compression::{Encoding, EncodingSet};
    /// let set = EncodingSet::parse_header(b"snappy, deflate");
    /// assert!(set.contains(Encoding::Deflate) && set.contains(Encoding::Identity));
    /// assert!(!set.contains(Encoding::Gzip));
    /// ```
    pub fn parse_header(value: &[u8]) -> Self {
        value
            .split(|&b| b == b',')
            .filter_map(Encoding::parse)
            .fold(Self::IDENTITY, Self::with)
    }

    /// The `grpc-accept-encoding` value for this set: `gzip,deflate,identity` for
    /// [`EncodingSet::ALL`].
    pub fn header_value(self) -> http::HeaderValue {
        let names: Vec<&str> = self.iter().map(Encoding::name).collect();
        // Names from a fixed table of lowercase ASCII letters: always a valid header value.
        http::HeaderValue::from_str(&names.join(","))
            .unwrap_or(http::HeaderValue::from_static("identity"))
    }
}

impl Default for EncodingSet {
    /// Every supported encoding ([`EncodingSet::ALL`]).
    fn default() -> Self {
        Self::ALL
    }
}

impl fmt::Debug for EncodingSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(Encoding::name))
            .finish()
    }
}

// ===== Choosing a response's encoding =====

/// How a server may compress the responses of one call, decided when the call starts from the
/// client's `grpc-accept-encoding` and the server's own preference.
///
/// compression.md: "the server must send uncompressed any message the client did not advertise
/// in grpc-accept-encoding": both fields are always encodings the client accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResponseCompression {
    /// What the responses use unless the handler says otherwise: the server's configured
    /// encoding if the client accepts it, else none.
    pub default: Option<Encoding>,
    /// What they use when the handler asks for compression: the default if there is one, else
    /// the client's acceptable encoding h2grpc prefers (gzip, then deflate), else none.
    pub on_request: Option<Encoding>,
}

impl ResponseCompression {
    /// Negotiates: `server_preference` is the server's configured response encoding (if any),
    /// `client_accepts` the client's `grpc-accept-encoding`.
    ///
    /// ```
    /// use h2grpc::compression::{Encoding, EncodingSet, ResponseCompression};
    ///
    /// let client = EncodingSet::of(&[Encoding::Deflate]);
    /// let choice = ResponseCompression::negotiate(Some(Encoding::Gzip), client);
    /// assert_eq!(choice.default, None); // the client cannot read gzip
    /// assert_eq!(choice.on_request, Some(Encoding::Deflate));
    /// ```
    pub fn negotiate(server_preference: Option<Encoding>, client_accepts: EncodingSet) -> Self {
        let default = server_preference
            .and_then(Encoding::compressed)
            .filter(|&e| client_accepts.contains(e));
        Self {
            default,
            on_request: default.or_else(|| client_accepts.preferred()),
        }
    }

    /// The encoding for a handler's choice: `None` (no choice: the default), `Some(true)`
    /// (compress if the client allows it) or `Some(false)` (don't).
    pub fn resolve(self, compress: Option<bool>) -> Option<Encoding> {
        match compress {
            None => self.default,
            Some(true) => self.on_request,
            Some(false) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compressed(encoding: Encoding, message: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encoding.compress(message, &mut out);
        out
    }

    #[test]
    fn round_trips() {
        let message: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        for encoding in Encoding::ALL {
            let wire = compressed(encoding, &message);
            assert_eq!(encoding.decompress(&wire, message.len()).unwrap(), message);
            // One byte under the size: refused.
            assert_eq!(
                encoding.decompress(&wire, message.len() - 1),
                Err(DecompressError::TooLarge {
                    limit: message.len() - 1
                }),
                "{encoding}"
            );
        }
    }

    #[test]
    fn empty_messages() {
        for encoding in Encoding::ALL {
            let wire = compressed(encoding, b"");
            assert_eq!(encoding.decompress(&wire, 0).unwrap(), b"");
        }
    }

    #[test]
    fn deflate_is_zlib_and_gzip_is_gzip() {
        let zlib = compressed(Encoding::Deflate, b"hello");
        assert_eq!(zlib[0] & 0x0f, 8, "CM = 8 (deflate)");
        assert_eq!(u16::from_be_bytes([zlib[0], zlib[1]]) % 31, 0, "FCHECK");
        let gzip = compressed(Encoding::Gzip, b"hello");
        assert_eq!(&gzip[..3], [0x1f, 0x8b, 0x08]);
        // Each is refused as the other.
        assert!(matches!(
            Encoding::Gzip.decompress(&zlib, 100),
            Err(DecompressError::Corrupt(_))
        ));
        assert!(matches!(
            Encoding::Deflate.decompress(&gzip, 100),
            Err(DecompressError::Corrupt(_))
        ));
    }

    #[test]
    fn truncated_or_extended_streams_are_corrupt() {
        let message = b"a message long enough to be worth compressing, or nearly".repeat(20);
        for encoding in [Encoding::Gzip, Encoding::Deflate] {
            let wire = compressed(encoding, &message);
            for cut in [1, 2, 4, 8, wire.len() / 2, wire.len() - 1] {
                let result = encoding.decompress(&wire[..cut], 1 << 20);
                assert!(
                    matches!(result, Err(DecompressError::Corrupt(_))),
                    "{encoding} cut at {cut}: {result:?}"
                );
            }
            let mut longer = wire.clone();
            longer.extend_from_slice(b"junk");
            let result = encoding.decompress(&longer, 1 << 20);
            assert!(
                matches!(result, Err(DecompressError::Corrupt(_))),
                "{encoding} + junk: {result:?}"
            );
            let mut flipped = wire.clone();
            let last = flipped.len() - 1;
            flipped[last] ^= 0xff; // the checksum (or length) no longer matches
            let result = encoding.decompress(&flipped, 1 << 20);
            assert!(
                matches!(result, Err(DecompressError::Corrupt(_))),
                "{encoding} bad checksum: {result:?}"
            );
        }
        assert!(matches!(
            Encoding::Gzip.decompress(b"not gzip at all", 100),
            Err(DecompressError::Corrupt(_))
        ));
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        let zeros = vec![0u8; 10 * 1024 * 1024];
        for encoding in [Encoding::Gzip, Encoding::Deflate] {
            let wire = compressed(encoding, &zeros);
            assert!(wire.len() < 20 * 1024, "{encoding}: {} bytes", wire.len());
            assert_eq!(
                encoding.decompress(&wire, 4 * 1024 * 1024),
                Err(DecompressError::TooLarge {
                    limit: 4 * 1024 * 1024
                })
            );
        }
    }

    #[test]
    fn limit_edges() {
        let message = vec![7u8; 5000];
        for encoding in Encoding::ALL {
            let wire = compressed(encoding, &message);
            assert!(encoding.decompress(&wire, 5000).is_ok(), "{encoding}");
            assert!(encoding.decompress(&wire, 4999).is_err(), "{encoding}");
            assert!(encoding.decompress(&wire, usize::MAX).is_ok(), "{encoding}");
        }
    }

    #[test]
    fn names() {
        for encoding in Encoding::ALL {
            assert_eq!(Encoding::parse(encoding.name().as_bytes()), Some(encoding));
        }
        assert_eq!(Encoding::parse(b"GZIP"), Some(Encoding::Gzip));
        assert_eq!(Encoding::parse(b"x-gzip"), None);
        assert_eq!(Encoding::parse(b""), None);
        assert_eq!(Encoding::Identity.compressed(), None);
        assert_eq!(Encoding::Gzip.compressed(), Some(Encoding::Gzip));
    }

    #[test]
    fn sets() {
        assert_eq!(EncodingSet::ALL.header_value(), "gzip,deflate,identity");
        assert_eq!(EncodingSet::IDENTITY.header_value(), "identity");
        assert_eq!(EncodingSet::parse_header(b""), EncodingSet::IDENTITY);
        assert_eq!(
            EncodingSet::parse_header(b"identity,deflate,gzip"),
            EncodingSet::ALL
        );
        assert_eq!(
            EncodingSet::of(&[Encoding::Deflate]).header_value(),
            "deflate,identity"
        );
        assert_eq!(EncodingSet::ALL.preferred(), Some(Encoding::Gzip));
        assert_eq!(EncodingSet::IDENTITY.preferred(), None);
        assert_eq!(
            format!("{:?}", EncodingSet::ALL),
            r#"{"gzip", "deflate", "identity"}"#
        );
    }

    #[test]
    fn negotiation() {
        let all = EncodingSet::ALL;
        let none = EncodingSet::IDENTITY;
        let n = ResponseCompression::negotiate;
        assert_eq!(
            n(Some(Encoding::Deflate), all),
            ResponseCompression {
                default: Some(Encoding::Deflate),
                on_request: Some(Encoding::Deflate)
            }
        );
        assert_eq!(
            n(None, all),
            ResponseCompression {
                default: None,
                on_request: Some(Encoding::Gzip)
            }
        );
        assert_eq!(
            n(Some(Encoding::Gzip), none),
            ResponseCompression::default()
        );
        assert_eq!(n(Some(Encoding::Identity), all).default, None);
        let choice = n(None, all);
        assert_eq!(choice.resolve(None), None);
        assert_eq!(choice.resolve(Some(true)), Some(Encoding::Gzip));
        assert_eq!(choice.resolve(Some(false)), None);
    }
}
