//! ③ Custom-Metadata: the application's own headers, ASCII and `-bin`.
//!
//! From [PROTOCOL-HTTP2.md, "Requests"](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests):
//!
//! > * **Custom-Metadata** → Binary-Header / ASCII-Header
//! > * **Binary-Header** → {Header-Name "-bin" } {_base64 encoded value_}
//! > * **ASCII-Header** → Header-Name ASCII-Value
//! > * **Header-Name** → 1\*( %x30-39 / %x61-7A / "\_" / "-" / ".") ; 0-9 a-z \_ - .
//! > * **ASCII-Value** → 1\*( %x20-%x7E ) ; space and printable ASCII
//!
//! Metadata travels in the request headers (after the call-definition headers), in the response
//! headers and in the trailers. A [`Metadata`] is a thin wrapper around the [`http::HeaderMap`]
//! that h2 sends and receives: it checks what goes in and decodes what comes out, and
//! [`Metadata::into_headers`] hands the map back without copying.
//!
//! ```
//! use h2grpc::metadata::Metadata;
//!
//! let mut metadata = Metadata::new();
//! metadata.insert("x-request-id", "42").unwrap();
//! metadata.insert_bin("trace-bin", &[0xff]).unwrap();
//!
//! // On the wire: `x-request-id: 42` and `trace-bin: /w` (base64, unpadded).
//! let headers = metadata.as_headers();
//! assert_eq!(headers["x-request-id"], "42");
//! assert_eq!(headers["trace-bin"], "/w");
//!
//! assert_eq!(metadata.get("x-request-id"), Some("42"));
//! assert_eq!(metadata.get_bin("trace-bin").unwrap().unwrap(), &[0xff][..]);
//! ```
//!
//! # Binary values
//!
//! > Note that HTTP2 does not allow arbitrary octet sequences for header values so binary header
//! > values must be encoded using Base64 as per <https://tools.ietf.org/html/rfc4648#section-4>.
//! > Implementations MUST accept padded and un-padded values and should emit un-padded values.
//!
//! > Duplicate header names may have their values joined with "," as the delimiter and be
//! > considered semantically equivalent. Implementations must split **Binary-Header**s on ","
//! > before decoding the Base64-encoded values.
//!
//! So [`Metadata::insert_bin`] writes unpadded base64 (`[0xff]` → `/w`), while
//! [`Metadata::get_all_bin`] splits every value on `,` and accepts `/w` and `/w==` alike. A value
//! that is not base64 gives an error *for that entry*; it never panics and never hides the others.
//!
//! # Reserved names
//!
//! > Header names starting with "grpc-" but not listed here are reserved for future GRPC use and
//! > should not be used by applications as **Custom-Metadata**.
//!
//! [`Metadata::insert`] refuses every `grpc-` name, `te` and `content-type` (the protocol's own
//! headers), and the connection-specific headers that HTTP/2 forbids ([RFC 9113 §8.2.2]) and h2
//! refuses to send: `connection`, `keep-alive`, `proxy-connection`, `transfer-encoding`,
//! `upgrade`, and `host` (HTTP/2 carries it as `:authority`). `user-agent` is allowed: a client may
//! put its own product in front of the library's.
//!
//! On the receiving side [`Metadata::from_headers`] removes the headers the protocol itself
//! consumes (`te`, `content-type`, `grpc-status`, `grpc-timeout`, ...), so a handler sees only
//! what the peer's application sent, plus `user-agent`.
//!
//! # Size
//!
//! > Servers may limit the size of **Request-Headers**, with a default of 8 KiB suggested.
//! > Implementations are encouraged to compute total header size like HTTP/2's
//! > `SETTINGS_MAX_HEADER_LIST_SIZE`: the sum of all header fields, for each field the sum of the
//! > uncompressed field name and value lengths plus 32, with binary values' lengths being
//! > post-Base64.
//!
//! That is [`Metadata::encoded_size`]; [`Metadata::check_size`] compares it with a limit such as
//! [`DEFAULT_MAX_METADATA_SIZE`].
//!
//! [RFC 9113 §8.2.2]: https://www.rfc-editor.org/rfc/rfc9113#section-8.2.2

use std::fmt;

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};

/// 8 KiB, the spec's suggested default limit for Request-Headers, Response-Headers and Trailers.
pub const DEFAULT_MAX_METADATA_SIZE: usize = 8 * 1024;

/// What HTTP/2 adds to the length of every header field when it counts a header list
/// (`SETTINGS_MAX_HEADER_LIST_SIZE`, [RFC 9113 §6.5.2](https://www.rfc-editor.org/rfc/rfc9113#section-6.5.2)).
pub const HEADER_FIELD_OVERHEAD: usize = 32;

/// The suffix of a Binary-Header name.
pub const BINARY_SUFFIX: &str = "-bin";

/// The crate's one base64 configuration, for `-bin` metadata and `grpc-status-details-bin`.
///
/// The standard alphabet of RFC 4648 §4, written without padding and read with or without it,
/// as the spec requires. Non-zero bits after the last full byte are tolerated on input, as
/// grpc-go's decoder does; being strict there would only reject values that other peers accept.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Names the protocol defines for itself, which an application may not set: `grpc-*` is reserved
/// as a whole (checked separately), these are the others.
const RESERVED: [&str; 8] = [
    "te",
    "content-type",
    // Connection-specific headers: "An endpoint MUST NOT generate an HTTP/2 message containing
    // connection-specific header fields" (RFC 9113 §8.2.2); h2 refuses to send them.
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    // HTTP/2 carries the host as `:authority`.
    "host",
];

/// Whether [`Metadata::from_headers`] removes `name`: the headers the protocol consumes, which
/// are not the peer application's metadata.
///
/// Other `grpc-` names pass through: grpc-go also delivers unknown `grpc-` headers (such as
/// `grpc-trace-bin`) to the application, and a future protocol header is better seen than lost.
///
/// Asked of every header of every call: a `match` on the name, which compiles to a switch on the
/// length and one comparison, not a scan of a list.
pub(crate) fn is_protocol_header(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "te" | "content-type"
            | "grpc-status"
            | "grpc-message"
            | "grpc-status-details-bin"
            | "grpc-timeout"
            | "grpc-encoding"
            | "grpc-accept-encoding"
            | "grpc-message-type"
            | "connection"
            | "keep-alive"
            | "proxy-connection"
            | "transfer-encoding"
            | "upgrade"
            | "host"
    )
}

// ===== MetadataError =====

/// Why a metadata entry was refused, or could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataError {
    /// The key is empty or has a character outside `0-9 a-z _ - .` (uppercase included).
    InvalidKey {
        /// The key as given.
        key: String,
    },
    /// An ASCII value has a byte outside `%x20-%x7E` (a control character or non-ASCII).
    InvalidValue {
        /// The key of the entry.
        key: String,
        /// The first byte that is not allowed.
        byte: u8,
    },
    /// The key is one the protocol reserves (`grpc-*`, `te`, `content-type`) or one HTTP/2
    /// forbids (`connection`, `host`, ...).
    Reserved {
        /// The key as given.
        key: String,
    },
    /// [`Metadata::insert`] or [`Metadata::append`] with a key ending in `-bin`: such values are
    /// base64 on the wire, use [`Metadata::insert_bin`].
    BinaryKeyForAscii {
        /// The key as given.
        key: String,
    },
    /// [`Metadata::insert_bin`] or [`Metadata::append_bin`] with a key not ending in `-bin`: the
    /// peer would not know to decode it.
    NotBinaryKey {
        /// The key as given.
        key: String,
    },
    /// A received `-bin` value is not base64.
    InvalidBase64 {
        /// The key of the entry.
        key: String,
        /// What the base64 decoder objected to.
        reason: String,
    },
    /// The metadata is larger than the limit, counted as HTTP/2 counts a header list.
    TooLarge {
        /// The size, from [`Metadata::encoded_size`].
        size: usize,
        /// The limit it exceeds.
        limit: usize,
    },
}

impl fmt::Display for MetadataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidKey { key } => write!(
                f,
                "invalid metadata key {key:?}: a key is one or more of 0-9 a-z _ - ."
            ),
            Self::InvalidValue { key, byte } => write!(
                f,
                "invalid value for metadata key {key:?}: byte {byte:#04x} is not printable ASCII"
            ),
            Self::Reserved { key } => {
                write!(f, "metadata key {key:?} is reserved by gRPC or HTTP/2")
            }
            Self::BinaryKeyForAscii { key } => write!(
                f,
                "metadata key {key:?} ends in \"-bin\": binary values need insert_bin/append_bin"
            ),
            Self::NotBinaryKey { key } => write!(
                f,
                "metadata key {key:?} does not end in \"-bin\", so it cannot hold a binary value"
            ),
            Self::InvalidBase64 { key, reason } => {
                write!(f, "metadata value of {key:?} is not base64: {reason}")
            }
            Self::TooLarge { size, limit } => write!(
                f,
                "metadata is {size} bytes (names + values + 32 per entry), over the limit of {limit}"
            ),
        }
    }
}

impl std::error::Error for MetadataError {}

// ===== Metadata =====

/// Custom-Metadata: ASCII and binary (`-bin`) entries over an [`http::HeaderMap`].
///
/// A key may hold several values, in order. Keys are the spec's `1*([0-9a-z_.-])`; lookups with
/// other keys simply find nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    headers: HeaderMap,
}

/// Builds the metadata of received headers one entry at a time, in their order, from the
/// entries of a consumed [`HeaderMap`]: the server's request path reads the protocol's headers
/// and keeps the others in the same pass.
///
/// A new map rather than `remove`s in place: `HeaderMap::remove` swaps the last entry into the
/// hole, which would reorder the application's entries. The map is only allocated once an entry
/// is kept, so a request with no metadata costs no allocation.
#[derive(Debug, Default)]
pub(crate) struct KeptHeaders {
    headers: HeaderMap,
    /// The name of the values that follow, when they are kept.
    current: Option<HeaderName>,
}

impl KeptHeaders {
    /// The values that follow are named `name`, and kept.
    pub(crate) fn keep_name(&mut self, name: HeaderName) {
        self.current = Some(name);
    }

    /// The values that follow are not metadata (the caller consumes them, or drops them).
    pub(crate) fn skip_name(&mut self) {
        self.current = None;
    }

    /// One value of the current name.
    pub(crate) fn value(&mut self, value: HeaderValue) {
        if let Some(name) = &self.current {
            self.headers.append(name.clone(), value);
        }
    }

    pub(crate) fn finish(self) -> Metadata {
        Metadata {
            headers: self.headers,
        }
    }
}

impl Metadata {
    /// Empty metadata.
    pub fn new() -> Self {
        Self::default()
    }

    /// The metadata of received headers: everything except the headers the protocol consumes
    /// (`te`, `content-type`, `grpc-status`, `grpc-message`, `grpc-status-details-bin`,
    /// `grpc-timeout`, `grpc-encoding`, `grpc-accept-encoding`, `grpc-message-type`) and the
    /// connection-specific ones. `user-agent` and all custom headers stay.
    ///
    /// Nothing is validated: a peer's values are kept as they came (the spec asks receivers not
    /// to fail on values that are valid HTTP but outside the ASCII-Value range).
    pub fn from_headers(headers: HeaderMap) -> Self {
        let mut kept = KeptHeaders::default();
        // `into_iter` names each key once, before its first value; `None` means "same key".
        for (name, value) in headers {
            match name {
                Some(name) if is_protocol_header(&name) => kept.skip_name(),
                Some(name) => kept.keep_name(name),
                None => {}
            }
            kept.value(value);
        }
        kept.finish()
    }

    /// The header map, ready to be merged into a request, a response or trailers.
    pub fn into_headers(self) -> HeaderMap {
        self.headers
    }

    /// The header map, borrowed.
    pub fn as_headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The header map, mutably, without the user-metadata checks: for the protocol's own
    /// headers that travel with a status (e.g. `grpc-accept-encoding` on an UNIMPLEMENTED
    /// compression error).
    pub(crate) fn as_headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The number of entries (values, not keys).
    pub fn len(&self) -> usize {
        self.headers.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.headers.is_empty()
    }

    /// Sets an ASCII entry, replacing every value `key` had.
    ///
    /// # Errors
    ///
    /// [`MetadataError::InvalidKey`], [`MetadataError::Reserved`],
    /// [`MetadataError::BinaryKeyForAscii`] or [`MetadataError::InvalidValue`] (a byte outside
    /// `%x20-%x7E`). An empty value is accepted, as grpc-go and tonic accept it.
    pub fn insert(&mut self, key: &str, value: &str) -> Result<(), MetadataError> {
        let (name, value) = ascii_entry(key, value)?;
        self.headers.insert(name, value);
        Ok(())
    }

    /// Adds an ASCII entry after the values `key` already has.
    ///
    /// # Errors
    ///
    /// As [`Metadata::insert`].
    pub fn append(&mut self, key: &str, value: &str) -> Result<(), MetadataError> {
        let (name, value) = ascii_entry(key, value)?;
        self.headers.append(name, value);
        Ok(())
    }

    /// The first value of an ASCII entry.
    ///
    /// `None` if the key is absent, ends in `-bin` (use [`Metadata::get_bin`]), or its first value
    /// is not visible ASCII (a peer may send such values; they stay reachable through
    /// [`Metadata::as_headers`]).
    pub fn get(&self, key: &str) -> Option<&str> {
        if is_binary_key(key) {
            return None;
        }
        self.headers.get(key)?.to_str().ok()
    }

    /// Every value of an ASCII entry, in order; values that are not visible ASCII are skipped.
    /// Empty for a `-bin` key.
    pub fn get_all<'a>(&'a self, key: &str) -> impl Iterator<Item = &'a str> + use<'a> {
        let values = (!is_binary_key(key)).then(|| self.headers.get_all(key));
        values
            .into_iter()
            .flatten()
            .filter_map(|value| value.to_str().ok())
    }

    /// Sets a binary entry, replacing every value `key` had. The bytes go on the wire as
    /// unpadded base64.
    ///
    /// # Errors
    ///
    /// [`MetadataError::InvalidKey`], [`MetadataError::Reserved`] or
    /// [`MetadataError::NotBinaryKey`].
    pub fn insert_bin(&mut self, key: &str, value: &[u8]) -> Result<(), MetadataError> {
        let name = binary_key(key)?;
        self.headers.insert(name, encode_base64(value));
        Ok(())
    }

    /// Adds a binary entry after the values `key` already has.
    ///
    /// # Errors
    ///
    /// As [`Metadata::insert_bin`].
    pub fn append_bin(&mut self, key: &str, value: &[u8]) -> Result<(), MetadataError> {
        let name = binary_key(key)?;
        self.headers.append(name, encode_base64(value));
        Ok(())
    }

    /// The first value of a binary entry, decoded.
    ///
    /// `None` if the key is absent or does not end in `-bin`. `Some(Err(_))` if the value is not
    /// base64. If an intermediary joined several values with `,`, this is the first of them.
    pub fn get_bin(&self, key: &str) -> Option<Result<Bytes, MetadataError>> {
        self.get_all_bin(key).next()
    }

    /// Every value of a binary entry, decoded, in order.
    ///
    /// Each header value is split on `,` first (spaces around a comma are ignored: the base64
    /// alphabet has none), so `AQ,Ag==` gives the two values `[1]` and `[2]`. A piece that is
    /// not base64 yields an `Err` in its place; the other pieces still decode.
    pub fn get_all_bin<'a>(
        &'a self,
        key: &'a str,
    ) -> impl Iterator<Item = Result<Bytes, MetadataError>> + 'a {
        let values = is_binary_key(key).then(|| self.headers.get_all(key));
        values
            .into_iter()
            .flatten()
            .flat_map(|value| value.as_bytes().split(|&byte| byte == b','))
            .map(move |piece| {
                decode_base64(piece.trim_ascii()).map_err(|error| MetadataError::InvalidBase64 {
                    key: key.to_owned(),
                    reason: error.to_string(),
                })
            })
    }

    /// Removes every value of `key`; returns whether there was any.
    pub fn remove(&mut self, key: &str) -> bool {
        self.headers.remove(key).is_some()
    }

    /// Every entry as `(key, value)`, values as they go on the wire: `-bin` values are their
    /// base64 text (see [`is_binary_key`]).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
    }

    /// The size HTTP/2 counts for these entries: name length + value length + 32 per entry,
    /// binary values counted as their base64 text.
    ///
    /// ```
    /// use h2grpc::metadata::Metadata;
    ///
    /// let mut metadata = Metadata::new();
    /// metadata.insert("x-id", "42").unwrap(); // 4 + 2 + 32
    /// assert_eq!(metadata.encoded_size(), 38);
    /// ```
    pub fn encoded_size(&self) -> usize {
        self.iter()
            .map(|(name, value)| name.len() + value.len() + HEADER_FIELD_OVERHEAD)
            .sum()
    }

    /// Checks [`Metadata::encoded_size`] against `limit` (e.g. [`DEFAULT_MAX_METADATA_SIZE`]).
    ///
    /// # Errors
    ///
    /// [`MetadataError::TooLarge`] when the size is over the limit.
    pub fn check_size(&self, limit: usize) -> Result<(), MetadataError> {
        let size = self.encoded_size();
        if size > limit {
            return Err(MetadataError::TooLarge { size, limit });
        }
        Ok(())
    }
}

// ===== keys and values =====

/// Whether values under `key` are binary, i.e. base64 on the wire: the key ends in `-bin`.
pub fn is_binary_key(key: &str) -> bool {
    key.ends_with(BINARY_SUFFIX)
}

/// Whether an application may not set `key`: every `grpc-` name, `te`, `content-type` and the
/// connection-specific headers of HTTP/2.
pub fn is_reserved(key: &str) -> bool {
    key.starts_with("grpc-") || RESERVED.contains(&key)
}

/// Checks a key against the spec's Header-Name and the reserved names.
fn valid_key(key: &str) -> Result<HeaderName, MetadataError> {
    let allowed = |byte: &u8| matches_header_name(*byte);
    if key.is_empty() || !key.as_bytes().iter().all(allowed) {
        return Err(MetadataError::InvalidKey {
            key: key.to_owned(),
        });
    }
    if is_reserved(key) {
        return Err(MetadataError::Reserved {
            key: key.to_owned(),
        });
    }
    // Every byte of the spec's Header-Name is a valid lowercase HTTP token character, so this
    // only fails if the two grammars disagree; report it as an invalid key rather than panic.
    HeaderName::from_bytes(key.as_bytes()).map_err(|_| MetadataError::InvalidKey {
        key: key.to_owned(),
    })
}

/// `Header-Name → 1*( %x30-39 / %x61-7A / "_" / "-" / ".")`: one byte of it.
fn matches_header_name(byte: u8) -> bool {
    byte.is_ascii_digit()
        || byte.is_ascii_lowercase()
        || byte == b'_'
        || byte == b'-'
        || byte == b'.'
}

fn ascii_entry(key: &str, value: &str) -> Result<(HeaderName, HeaderValue), MetadataError> {
    let name = valid_key(key)?;
    if is_binary_key(key) {
        return Err(MetadataError::BinaryKeyForAscii {
            key: key.to_owned(),
        });
    }
    // `ASCII-Value → 1*( %x20-%x7E )`: stricter than HTTP, which also allows tab and obs-text.
    if let Some(&byte) = value
        .as_bytes()
        .iter()
        .find(|b| !(0x20..=0x7e).contains(*b))
    {
        return Err(MetadataError::InvalidValue {
            key: key.to_owned(),
            byte,
        });
    }
    let value = HeaderValue::from_str(value)
        .expect("checked above: printable ASCII is a valid header value");
    Ok((name, value))
}

fn binary_key(key: &str) -> Result<HeaderName, MetadataError> {
    let name = valid_key(key)?;
    if !is_binary_key(key) {
        return Err(MetadataError::NotBinaryKey {
            key: key.to_owned(),
        });
    }
    Ok(name)
}

// ===== base64, shared with `status` =====

/// Encodes bytes as an unpadded base64 header value.
pub(crate) fn encode_base64(bytes: &[u8]) -> HeaderValue {
    HeaderValue::try_from(BASE64.encode(bytes))
        .expect("the base64 alphabet is visible ASCII, a valid header value")
}

/// Decodes one base64 value, padded or not.
pub(crate) fn decode_base64(text: &[u8]) -> Result<Bytes, base64::DecodeError> {
    BASE64.decode(text).map(Bytes::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(key: &str) -> String {
        key.to_owned()
    }

    #[test]
    fn ascii_insert_get_append() {
        let mut metadata = Metadata::new();
        metadata.insert("x-user", "ada").unwrap();
        assert_eq!(metadata.get("x-user"), Some("ada"));
        metadata.append("x-user", "grace").unwrap();
        assert_eq!(
            metadata.get_all("x-user").collect::<Vec<_>>(),
            ["ada", "grace"]
        );
        assert_eq!(metadata.len(), 2);
        metadata.insert("x-user", "linus").unwrap();
        assert_eq!(metadata.get_all("x-user").collect::<Vec<_>>(), ["linus"]);
        assert_eq!(metadata.get("absent"), None);
        assert_eq!(metadata.get_all("absent").count(), 0);
        assert!(metadata.remove("x-user"));
        assert!(!metadata.remove("x-user"));
        assert!(metadata.is_empty());
    }

    #[test]
    fn every_key_character_of_the_grammar() {
        let mut metadata = Metadata::new();
        metadata
            .insert("0123456789abcdefghijklmnopqrstuvwxyz_-.", "ok")
            .unwrap();
        metadata.insert("user-agent", "my-app/1.0").unwrap();
        metadata.insert("x-empty", "").unwrap();
        assert_eq!(metadata.get("x-empty"), Some(""));
    }

    #[test]
    fn invalid_keys_are_refused() {
        let mut metadata = Metadata::new();
        for bad in ["", "X-User", "x user", "x:user", ":authority", "x/y", "é"] {
            assert_eq!(
                metadata.insert(bad, "v"),
                Err(MetadataError::InvalidKey { key: key(bad) }),
                "{bad:?}"
            );
        }
        assert!(metadata.is_empty());
    }

    #[test]
    fn invalid_values_are_refused() {
        let mut metadata = Metadata::new();
        for (bad, byte) in [
            ("a\tb", b'\t'),
            ("a\nb", b'\n'),
            ("a\r", b'\r'),
            ("\x7f", 0x7f),
            ("é", 0xc3),
        ] {
            assert_eq!(
                metadata.insert("x-v", bad),
                Err(MetadataError::InvalidValue {
                    key: key("x-v"),
                    byte
                }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn reserved_keys_are_refused() {
        let mut metadata = Metadata::new();
        for reserved in [
            "grpc-status",
            "grpc-message",
            "grpc-timeout",
            "grpc-anything",
            "te",
            "content-type",
            "connection",
            "keep-alive",
            "proxy-connection",
            "transfer-encoding",
            "upgrade",
            "host",
        ] {
            assert_eq!(
                metadata.insert(reserved, "v"),
                Err(MetadataError::Reserved { key: key(reserved) })
            );
        }
        assert_eq!(
            metadata.insert_bin("grpc-status-details-bin", b"x"),
            Err(MetadataError::Reserved {
                key: key("grpc-status-details-bin")
            })
        );
    }

    #[test]
    fn ascii_and_binary_keys_do_not_mix() {
        let mut metadata = Metadata::new();
        assert_eq!(
            metadata.insert("trace-bin", "abc"),
            Err(MetadataError::BinaryKeyForAscii {
                key: key("trace-bin")
            })
        );
        assert_eq!(
            metadata.insert_bin("trace", b"abc"),
            Err(MetadataError::NotBinaryKey { key: key("trace") })
        );
        metadata.insert("x-a", "1").unwrap();
        metadata.insert_bin("x-b-bin", b"1").unwrap();
        assert_eq!(metadata.get_bin("x-a"), None);
        assert_eq!(metadata.get("x-b-bin"), None);
        assert_eq!(metadata.get_all("x-b-bin").count(), 0);
    }

    #[test]
    fn binary_values_are_unpadded_base64() {
        let mut metadata = Metadata::new();
        metadata.insert_bin("a-bin", &[0xff]).unwrap();
        metadata.insert_bin("b-bin", &[]).unwrap();
        metadata
            .insert_bin("c-bin", b"\x08\x03\x12\x03bad")
            .unwrap();
        assert_eq!(metadata.as_headers()["a-bin"], "/w");
        assert_eq!(metadata.as_headers()["b-bin"], "");
        assert_eq!(metadata.as_headers()["c-bin"], "CAMSA2JhZA");
        assert_eq!(
            metadata.get_bin("a-bin"),
            Some(Ok(Bytes::from_static(&[0xff])))
        );
        assert_eq!(metadata.get_bin("b-bin"), Some(Ok(Bytes::new())));
        assert_eq!(metadata.get_bin("absent-bin"), None);
    }

    fn received(name: &'static str, value: &'static str) -> Metadata {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_static(value));
        Metadata::from_headers(headers)
    }

    #[test]
    fn padded_and_unpadded_input_are_accepted() {
        assert_eq!(
            received("a-bin", "/w==").get_bin("a-bin"),
            Some(Ok(Bytes::from_static(&[0xff])))
        );
        assert_eq!(
            received("a-bin", "/w").get_bin("a-bin"),
            Some(Ok(Bytes::from_static(&[0xff])))
        );
        // Non-zero bits after the last byte, as a lenient encoder may leave them.
        assert_eq!(
            received("a-bin", "/x").get_bin("a-bin"),
            Some(Ok(Bytes::from_static(&[0xff])))
        );
    }

    #[test]
    fn joined_values_are_split_on_commas() {
        let metadata = received("a-bin", "AQ,Ag==");
        let values: Vec<_> = metadata.get_all_bin("a-bin").collect();
        assert_eq!(
            values,
            [Ok(Bytes::from_static(&[1])), Ok(Bytes::from_static(&[2]))]
        );
        let metadata = received("a-bin", "AQ, Ag");
        assert_eq!(metadata.get_all_bin("a-bin").count(), 2);
        assert_eq!(
            metadata.get_bin("a-bin"),
            Some(Ok(Bytes::from_static(&[1])))
        );
    }

    #[test]
    fn multiple_header_values_in_order() {
        let mut metadata = Metadata::new();
        metadata.append_bin("a-bin", &[1]).unwrap();
        metadata.append_bin("a-bin", &[2, 3]).unwrap();
        let values: Vec<_> = metadata.get_all_bin("a-bin").map(Result::unwrap).collect();
        assert_eq!(values, [&[1][..], &[2, 3][..]]);
    }

    #[test]
    fn bad_base64_is_an_error_for_that_entry_only() {
        let metadata = received("a-bin", "AQ,!!!,Ag");
        let values: Vec<_> = metadata.get_all_bin("a-bin").collect();
        assert_eq!(values.len(), 3);
        assert_eq!(values[0], Ok(Bytes::from_static(&[1])));
        let Err(MetadataError::InvalidBase64 { key, reason }) = &values[1] else {
            panic!("expected InvalidBase64, got {:?}", values[1]);
        };
        assert_eq!(key, "a-bin");
        assert!(!reason.is_empty());
        assert_eq!(values[2], Ok(Bytes::from_static(&[2])));
        assert!(received("a-bin", "A").get_bin("a-bin").unwrap().is_err());
    }

    #[test]
    fn from_headers_keeps_only_application_metadata() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("te", "trailers"),
            ("content-type", "application/grpc"),
            ("grpc-status", "0"),
            ("grpc-message", "ok"),
            ("grpc-status-details-bin", "CAMSA2JhZA"),
            ("grpc-timeout", "1S"),
            ("grpc-encoding", "gzip"),
            ("grpc-accept-encoding", "gzip"),
            ("grpc-message-type", "x.Y"),
            ("connection", "close"),
            ("keep-alive", "1"),
            ("proxy-connection", "x"),
            ("transfer-encoding", "chunked"),
            ("upgrade", "h2c"),
            ("host", "example.com"),
            ("user-agent", "grpc-go/1.57.0"),
            ("x-request-id", "42"),
            ("trace-bin", "AQ"),
            ("grpc-trace-bin", "AQ"),
        ] {
            headers.append(name, HeaderValue::from_static(value));
        }
        let metadata = Metadata::from_headers(headers);
        let names: Vec<_> = metadata.iter().map(|(name, _)| name).collect();
        assert_eq!(
            names,
            ["user-agent", "x-request-id", "trace-bin", "grpc-trace-bin"]
        );
        assert_eq!(metadata.get("user-agent"), Some("grpc-go/1.57.0"));
    }

    #[test]
    fn from_headers_keeps_duplicates_in_order() {
        let mut headers = HeaderMap::new();
        headers.append("x-a", HeaderValue::from_static("1"));
        headers.append("te", HeaderValue::from_static("trailers"));
        headers.append("x-b", HeaderValue::from_static("b"));
        headers.append("x-a", HeaderValue::from_static("2"));
        let metadata = Metadata::from_headers(headers);
        assert_eq!(metadata.get_all("x-a").collect::<Vec<_>>(), ["1", "2"]);
        let entries: Vec<_> = metadata.iter().collect();
        assert_eq!(entries, [("x-a", &b"1"[..]), ("x-a", b"2"), ("x-b", b"b")]);
    }

    #[test]
    fn received_values_outside_ascii_value_are_kept() {
        let mut headers = HeaderMap::new();
        headers.insert("x-v", HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap());
        let metadata = Metadata::from_headers(headers);
        // Not visible ASCII, so not a &str; still there to be echoed back.
        assert_eq!(metadata.get("x-v"), None);
        assert_eq!(metadata.iter().next(), Some(("x-v", &b"caf\xc3\xa9"[..])));
        assert_eq!(metadata.len(), 1);
    }

    #[test]
    fn lookups_with_odd_keys_find_nothing_and_do_not_panic() {
        let metadata = received("x-a", "1");
        for odd in ["", " ", "x a", "\u{0}", ":path", "é"] {
            assert_eq!(metadata.get(odd), None);
            assert_eq!(metadata.get_bin(odd), None);
        }
    }

    #[test]
    fn encoded_size_counts_like_settings_max_header_list_size() {
        let mut metadata = Metadata::new();
        metadata.insert("x-id", "42").unwrap(); // 4 + 2 + 32 = 38
        metadata.append("x-id", "7").unwrap(); // 4 + 1 + 32 = 37
        metadata.insert_bin("trace-bin", &[1, 2, 3]).unwrap(); // "AQID": 9 + 4 + 32 = 45
        assert_eq!(metadata.encoded_size(), 38 + 37 + 45);
        assert_eq!(metadata.check_size(120), Ok(()));
        assert_eq!(
            metadata.check_size(119),
            Err(MetadataError::TooLarge {
                size: 120,
                limit: 119
            })
        );
    }

    #[test]
    fn the_8_kib_limit() {
        let mut metadata = Metadata::new();
        // 1 + 8,159 + 32 = 8,192 exactly.
        metadata.insert("x", &"v".repeat(8_159)).unwrap();
        assert_eq!(metadata.check_size(DEFAULT_MAX_METADATA_SIZE), Ok(()));
        metadata.insert("x", &"v".repeat(8_160)).unwrap();
        assert_eq!(
            metadata.check_size(DEFAULT_MAX_METADATA_SIZE),
            Err(MetadataError::TooLarge {
                size: 8_193,
                limit: 8_192
            })
        );
    }

    #[test]
    fn error_messages_quote_the_key() {
        assert_eq!(
            MetadataError::InvalidKey { key: key("X-Id") }.to_string(),
            "invalid metadata key \"X-Id\": a key is one or more of 0-9 a-z _ - ."
        );
        assert_eq!(
            MetadataError::InvalidValue {
                key: key("x-id"),
                byte: b'\n'
            }
            .to_string(),
            "invalid value for metadata key \"x-id\": byte 0x0a is not printable ASCII"
        );
        assert_eq!(
            MetadataError::Reserved { key: key("grpc-x") }.to_string(),
            "metadata key \"grpc-x\" is reserved by gRPC or HTTP/2"
        );
    }

    proptest! {
        #[test]
        fn binary_round_trip(value in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut metadata = Metadata::new();
            metadata.insert_bin("x-bin", &value).unwrap();
            prop_assert!(!metadata.as_headers()["x-bin"].as_bytes().contains(&b'='));
            prop_assert_eq!(metadata.get_bin("x-bin"), Some(Ok(Bytes::from(value))));
        }

        #[test]
        fn get_bin_never_panics(value in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(value) = HeaderValue::from_bytes(&value) {
                let mut headers = HeaderMap::new();
                headers.insert("x-bin", value);
                let metadata = Metadata::from_headers(headers);
                let _ = metadata.get_all_bin("x-bin").count();
            }
        }

        #[test]
        fn valid_ascii_entries_are_accepted(
            key in "[0-9a-z_.]{1,8}",
            value in "[ -~]{0,32}",
        ) {
            // "te", "host", "upgrade"… fit the pattern but are reserved (tested on their own).
            prop_assume!(!is_reserved(&key));
            let mut metadata = Metadata::new();
            metadata.insert(&key, &value).unwrap();
            prop_assert_eq!(metadata.get(&key), Some(value.as_str()));
        }
    }
}
