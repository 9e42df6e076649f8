//! [`Text`]: the Rust value of a proto3 `string` field.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::str::Utf8Error;

use bytes::Bytes;
use bytestring::ByteString;

/// A proto3 `string` value: immutable UTF-8 text, cheap to clone, 40 bytes.
///
/// The encoding guide says a `string` "must always contain UTF-8 encoded or 7-bit ASCII text",
/// and that is checked once, when a `Text` is made: decoding refuses invalid UTF-8
/// ([`DecodeError::InvalidUtf8`](super::DecodeError::InvalidUtf8)), and so does
/// [`Text::try_from`] a [`Bytes`].
///
/// # Two representations
///
/// Most strings a service exchanges are short: a name, a currency code, a UUID. A `Text` of up
/// to [`Text::INLINE_CAPACITY`] bytes (38: the 36 of a UUID fit) keeps them **inline**, copied
/// into the value itself: making one allocates nothing, cloning it copies 40 bytes, dropping it
/// does nothing. A longer one is **shared**: a [`Bytes`] that decoding slices out of the
/// received message without copying it, and that `From<String>` makes from the `String`'s own
/// allocation.
///
/// Why not share every string? A slice of a shared buffer costs an atomic increment of its
/// reference count when it is taken and an atomic decrement when it is dropped, each through a
/// function pointer. For a five-byte name that is as dear as what prost pays (`malloc`, a copy,
/// `free`), while copying a few bytes is cheaper than either: the 36 bytes of a UUID take a
/// few moves (see `copy_short`). Decoding a `users.User` (three short strings) took 800
/// instructions where shared slices took 852 (callgrind), and none of them is atomic; an
/// atomic costs many times an ordinary instruction. Copied straight into the message's field
/// (`assign_utf8_within` says why that matters) and from a borrowed buffer, it is now 696.
///
/// # The price of `#![forbid(unsafe_code)]`
///
/// The only safe way from bytes to `&str` is [`std::str::from_utf8`], which checks them. So for
/// an inline text [`Text::as_str`], and through it `Deref`, `Display`, `Debug` and `Hash`,
/// checks its (at most 38) bytes again at each call (a check that cannot fail: the bytes were
/// checked when the value was made and never change). It costs about 60 to 80 instructions for a
/// string of 5 to 36 ASCII bytes (callgrind). A shared text is a `bytestring::ByteString`,
/// whose own type vouches for its UTF-8, so a long text is never scanned again. The codec never pays it: encoding
/// writes [`Text::as_bytes`], and equality and order compare bytes, which for UTF-8 is the same
/// as comparing the `str`s. Code that reads a field many times can take `as_str()` once.
///
/// ```
/// use h2grpc::protobuf::Text;
///
/// let id = Text::from("7f3b1c2e-9a4d-4e8f-b6a1-2c3d4e5f6a7b");
/// assert!(id.is_inline()); // 36 bytes: no allocation
/// assert_eq!(id, "7f3b1c2e-9a4d-4e8f-b6a1-2c3d4e5f6a7b");
/// assert!(id.starts_with("7f3b")); // every `str` method, through Deref
///
/// let long = Text::from("a string longer than thirty-eight bytes".to_owned());
/// assert!(!long.is_inline()); // the String's allocation, kept as a Bytes
/// assert_eq!(long.len(), 39);
/// ```
#[derive(Clone)]
pub struct Text(Repr);

/// The two representations. Every constructor checks UTF-8, and neither changes afterwards.
#[derive(Clone)]
enum Repr {
    /// `bytes[..len]` is the text; `len <= INLINE_CAPACITY`.
    Inline {
        len: u8,
        bytes: [u8; Text::INLINE_CAPACITY],
    },
    /// The text, longer than `INLINE_CAPACITY`, in a shared buffer: a `ByteString` is a
    /// `Bytes` known to be UTF-8, so reading it as a `&str` checks nothing again.
    Shared(ByteString),
}

// A `Bytes` is 32 bytes, and the enum's tag takes 8 more with alignment; the inline form uses
// the same 40 bytes: tag, length, 38 bytes of text.
const _: () = assert!(size_of::<Text>() == 40);

impl Text {
    /// The longest text kept inline: 38 bytes.
    pub const INLINE_CAPACITY: usize = 38;

    /// The empty string (the proto3 default).
    pub const fn new() -> Self {
        Self(Repr::Inline {
            len: 0,
            bytes: [0; Self::INLINE_CAPACITY],
        })
    }

    /// `text` copied inline, if it fits.
    #[inline]
    fn inline(text: &str) -> Option<Self> {
        let source = text.as_bytes();
        if source.len() > Self::INLINE_CAPACITY {
            return None;
        }
        let len = u8::try_from(source.len()).ok()?;
        let mut bytes = [0; Self::INLINE_CAPACITY];
        bytes[..source.len()].copy_from_slice(source);
        Some(Self(Repr::Inline { len, bytes }))
    }

    /// The `len` bytes of `buffer` from `start`, if they are UTF-8: copied inline if they are
    /// short, or else a zero-copy slice of `buffer`. What the decoder makes of a `string` field.
    ///
    /// # Errors
    /// The bytes are not UTF-8.
    ///
    /// # Panics
    /// `start..start + len` is not within `buffer` (a bug of the caller).
    #[inline]
    pub(crate) fn from_utf8_within(
        buffer: &Bytes,
        start: usize,
        len: usize,
    ) -> Result<Self, Utf8Error> {
        let mut text = Self::new();
        text.assign_utf8_within(buffer, start, len)?;
        Ok(text)
    }

    /// Makes `self` the `len` bytes of `buffer` from `start`, as
    /// [`from_utf8_within`](Self::from_utf8_within) would, but writing a short text into the
    /// inline bytes `self` already has: the decoder fills the field of the message in place.
    ///
    /// In place, not made and then moved, because of how a processor forwards stores to loads:
    /// a text made aside is written as a few narrow stores (the copy of a short text is two
    /// 4- or 8-byte moves) and then moved into the field by wider loads at other offsets (the
    /// inline bytes start at offset 2). A load that spans several recent stores cannot be
    /// answered from the store buffer and waits for them to reach the cache, some fifteen
    /// cycles each time: measured, a third of the time of decoding a `HelloRequest` made that way.
    ///
    /// When at least [`Text::INLINE_CAPACITY`] bytes of `buffer` follow `start`, a short text is
    /// copied as one fixed-size block (a few moves, where a copy of variable length is a call to
    /// `memcpy`); the bytes past `len` are then whatever followed the text in the message (or
    /// what the field held before), and are never read.
    ///
    /// # Errors
    /// The bytes are not UTF-8; `self` is then unchanged.
    ///
    /// # Panics
    /// `start..start + len` is not within `buffer` (a bug of the caller).
    #[inline]
    pub(crate) fn assign_utf8_within(
        &mut self,
        buffer: &Bytes,
        start: usize,
        len: usize,
    ) -> Result<(), Utf8Error> {
        if len > Self::INLINE_CAPACITY {
            let shared = ByteString::try_from(buffer.slice(start..start + len))?;
            *self = Self(Repr::Shared(shared));
            return Ok(());
        }
        let source = &buffer[start..start + len];
        check_utf8(source)?;
        if !self.is_inline() {
            *self = Self::new();
        }
        if let Repr::Inline { len: length, bytes } = &mut self.0 {
            match buffer[start..].first_chunk::<{ Self::INLINE_CAPACITY }>() {
                Some(block) => *bytes = *block,
                None => copy_short(bytes, source),
            }
            // `len <= INLINE_CAPACITY`, so this is never the default.
            *length = u8::try_from(len).unwrap_or_default();
        }
        Ok(())
    }

    /// The text as UTF-8 bytes, without any check: what the encoder writes.
    #[inline(always)]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            // `min` is a no-op (len <= INLINE_CAPACITY), but the compiler can't know it: a
            // conditional move where a bounds check would branch to a panic.
            Repr::Inline { len, bytes } => &bytes[..usize::from(*len).min(Self::INLINE_CAPACITY)],
            Repr::Shared(shared) => shared.as_bytes(),
        }
    }

    /// The text as a `&str`. An inline text's bytes are checked again (at most
    /// [`Text::INLINE_CAPACITY`] of them: see the type's docs for the cost); a shared one is
    /// read as it is.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { len, bytes } => match std::str::from_utf8(&bytes[..usize::from(*len)]) {
                Ok(text) => text,
                Err(_) => unreachable!("every constructor of Text checks UTF-8"),
            },
            Repr::Shared(shared) => shared,
        }
    }

    /// The length in bytes (not chars), without a UTF-8 check.
    #[inline(always)]
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Inline { len, .. } => usize::from(*len),
            Repr::Shared(shared) => shared.len(),
        }
    }

    /// Whether the text is empty (the proto3 default, which is not written).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the text is kept inline (at most [`Text::INLINE_CAPACITY`] bytes) rather than in a
    /// shared buffer.
    pub fn is_inline(&self) -> bool {
        matches!(self.0, Repr::Inline { .. })
    }

    /// The text as [`Bytes`]: the shared buffer itself, or a copy of an inline text.
    pub fn into_bytes(self) -> Bytes {
        match self.0 {
            Repr::Inline { .. } => Bytes::copy_from_slice(self.as_bytes()),
            Repr::Shared(shared) => shared.into_bytes(),
        }
    }
}

impl Default for Text {
    fn default() -> Self {
        Self::new()
    }
}

// ===== Conversions =====

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Self::inline(text).unwrap_or_else(|| Self(Repr::Shared(ByteString::from(text))))
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Self {
        Self::from(text.as_str())
    }
}

impl From<String> for Text {
    /// A short `String` is copied inline (and freed); a long one's allocation becomes the shared
    /// buffer, without a copy.
    fn from(text: String) -> Self {
        Self::inline(&text).unwrap_or_else(|| Self(Repr::Shared(ByteString::from(text))))
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.as_str().to_owned()
    }
}

impl TryFrom<Bytes> for Text {
    type Error = Utf8Error;

    /// Checks that `bytes` is UTF-8; keeps it as the shared buffer if it is long.
    fn try_from(bytes: Bytes) -> Result<Self, Utf8Error> {
        if bytes.len() <= Self::INLINE_CAPACITY {
            return Self::from_utf8_within(&bytes, 0, bytes.len());
        }
        Ok(Self(Repr::Shared(ByteString::try_from(bytes)?)))
    }
}

/// `source` (at most `INLINE_CAPACITY` bytes) copied to the start of `bytes`, for a text that
/// is not followed by a whole block in its buffer (one at the end of a small message). The bytes
/// after it are left as they were.
///
/// A `copy_from_slice` of variable length is a call to `memcpy`; this is at most three copies
/// of a fixed size, which the compiler turns into a few moves: the first and the last 16, 8 or 4
/// bytes (they overlap when the text is shorter than twice that), plus the middle 16 for a text
/// over 32 bytes.
#[inline]
fn copy_short(bytes: &mut [u8; Text::INLINE_CAPACITY], source: &[u8]) {
    let len = source.len();
    if len >= 16 {
        copy_at::<16>(bytes, source, 0);
        if len > 32 {
            copy_at::<16>(bytes, source, 16);
        }
        copy_at::<16>(bytes, source, len - 16);
    } else if len >= 8 {
        copy_at::<8>(bytes, source, 0);
        copy_at::<8>(bytes, source, len - 8);
    } else if len >= 4 {
        copy_at::<4>(bytes, source, 0);
        copy_at::<4>(bytes, source, len - 4);
    } else if len > 0 {
        // 1 to 3 bytes: the first, the middle and the last cover them.
        for at in [0, len / 2, len - 1] {
            bytes[at] = source[at];
        }
    }
}

/// Copies `source[at..at + N]` to the same place in `block` (both are in range: `copy_short`
/// only asks for what its `source` holds).
#[inline(always)]
fn copy_at<const N: usize>(block: &mut [u8; Text::INLINE_CAPACITY], source: &[u8], at: usize) {
    if let (Some(to), Some(from)) = (block.get_mut(at..at + N), source.get(at..at + N)) {
        to.copy_from_slice(from);
    }
}

/// Whether `bytes` is UTF-8: first the quick test for ASCII (a word at a time, inlined), which
/// most protocol strings are, then the full check.
#[inline]
fn check_utf8(bytes: &[u8]) -> Result<(), Utf8Error> {
    if !bytes.is_ascii() {
        std::str::from_utf8(bytes)?;
    }
    Ok(())
}

// ===== As a str =====

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

// ===== Comparisons, as the str they hold =====
//
// `str` compares and orders by its bytes, so comparing bytes agrees with it without a UTF-8
// check, whichever representation each side has. Hashing goes through `as_str`: `Borrow<str>`
// promises the same hash as the `str`, and a hasher may treat `str`s differently from bytes.

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;

    const N: usize = Text::INLINE_CAPACITY;

    fn hash_of<T: Hash + ?Sized>(value: &T) -> u64 {
        let mut hasher = DefaultHasher::new();
        value.hash(&mut hasher);
        hasher.finish()
    }

    #[test]
    fn forty_bytes_and_a_uuid_inline() {
        assert_eq!(size_of::<Text>(), 40);
        assert!(Text::from("7f3b1c2e-9a4d-4e8f-b6a1-2c3d4e5f6a7b").is_inline());
    }

    #[test]
    fn inline_up_to_capacity_shared_beyond() {
        let at = "x".repeat(N);
        let over = "x".repeat(N + 1);
        let makers: [fn(&str) -> Text; 2] = [|s| Text::from(s), |s| Text::from(s.to_owned())];
        for make in makers {
            let inline = make(&at);
            assert!(inline.is_inline());
            assert_eq!(inline.as_str(), at);
            let shared = make(&over);
            assert!(!shared.is_inline());
            assert_eq!(shared.as_str(), over);
        }
        // As the decoder makes them: with a whole block after the text, and at the very end.
        let buffer = Bytes::from(format!("{at}|{over}"));
        let inline = Text::from_utf8_within(&buffer, 0, N).unwrap();
        assert!(inline.is_inline());
        let shared = Text::from_utf8_within(&buffer, N + 1, N + 1).unwrap();
        assert!(!shared.is_inline());
        let last = Text::from_utf8_within(&buffer, 2 * N + 1 - 3, 3).unwrap();
        assert!(last.is_inline());
        assert_eq!(last, "xxx");
        assert_eq!(
            shared.as_bytes().as_ptr(),
            buffer[N + 1..].as_ptr(),
            "zero-copy"
        );
        assert_eq!((inline.as_str(), shared.as_str()), (&at[..], &over[..]));
    }

    #[test]
    fn every_inline_length_is_copied_exactly() {
        let source: String = ('a'..='z').chain('A'..='Z').take(N).collect();
        for len in 0..=N {
            // At the end of its buffer (the short copy), and followed by a whole block.
            let alone = Bytes::copy_from_slice(&source.as_bytes()[..len]);
            let followed = Bytes::from(format!("{}{}", &source[..len], "-".repeat(N)));
            for buffer in [alone, followed] {
                let text = Text::from_utf8_within(&buffer, 0, len).unwrap();
                assert!(text.is_inline());
                assert_eq!(text.as_str(), &source[..len], "length {len}");
            }
        }
    }

    #[test]
    fn assigned_in_place_over_what_the_field_held() {
        // A field that appears twice: the last value wins, whatever the first one left behind.
        let source: String = ('a'..='z').chain('A'..='Z').take(N).collect();
        let long = "z".repeat(N + 1);
        for len in 0..=N {
            let alone = Bytes::copy_from_slice(&source.as_bytes()[..len]);
            let followed = Bytes::from(format!("{}{}", &source[..len], "-".repeat(N)));
            for buffer in [alone, followed] {
                let longer_inline = Text::from("#".repeat(N).as_str());
                let shared = Text::from(long.clone());
                for mut text in [longer_inline, shared] {
                    text.assign_utf8_within(&buffer, 0, len).unwrap();
                    assert!(text.is_inline());
                    assert_eq!(text.as_str(), &source[..len], "length {len}");
                    assert_eq!(text, Text::from(&source[..len]), "equal to a fresh one");
                    assert_eq!(hash_of(&text), hash_of(&source[..len]));
                }
            }
        }
        // Refused bytes leave the field as it was.
        let mut text = Text::from("kept");
        let bad = Bytes::from_static(b"\xff\xfe");
        assert!(text.assign_utf8_within(&bad, 0, 2).is_err());
        assert_eq!(text, "kept");
    }

    #[test]
    fn empty_is_the_default() {
        let empty = Text::default();
        assert!(empty.is_empty() && empty.is_inline());
        assert_eq!(empty, "");
        assert_eq!(empty, Text::from(String::new()));
        assert_eq!(Text::try_from(Bytes::new()).unwrap(), Text::new());
    }

    #[test]
    fn non_ascii_at_the_boundary() {
        // 19 two-byte chars are exactly 38 bytes; one more char goes over.
        let at = "é".repeat(N / 2);
        let over = "é".repeat(N / 2 + 1);
        assert!(Text::from(&at).is_inline());
        assert!(!Text::from(&over).is_inline());
        assert_eq!(Text::from(&at).chars().count(), N / 2);
        assert_eq!(Text::from(&over).as_str(), over);
        assert_eq!(format!("{}", Text::from("naïve ☃")), "naïve ☃");
        assert_eq!(format!("{:?}", Text::from("a\"b")), r#""a\"b""#);
    }

    #[test]
    fn invalid_utf8_is_refused() {
        assert!(Text::try_from(Bytes::from_static(b"\xff")).is_err());
        assert!(Text::try_from(Bytes::from_static(b"caf\xc3")).is_err());
        let long = [&[b'x'; N][..], b"\xc3\x28"].concat();
        assert!(Text::try_from(Bytes::from(long)).is_err());
        let buffer = Bytes::from_static(b"ok\xff and more bytes after it, enough for a block");
        assert!(Text::from_utf8_within(&buffer, 0, 2).is_ok());
        assert!(Text::from_utf8_within(&buffer, 0, 3).is_err());
        let valid = Text::try_from(Bytes::from_static("café".as_bytes())).unwrap();
        assert_eq!(valid, "café");
    }

    #[test]
    fn equal_hash_and_order_across_representations() {
        let long = "y".repeat(N + 5);
        let buffer = Bytes::from(long.clone());
        let shared = Text::try_from(buffer).unwrap();
        let copied = Text::from(long.as_str());
        assert!(!shared.is_inline() && !copied.is_inline());
        assert_eq!(shared, copied);
        assert_eq!(hash_of(&shared), hash_of(long.as_str()));
        // The same content inline and shared (only reachable by construction here).
        let short = Text::from("abc");
        let short_shared = Text(Repr::Shared(ByteString::from_static("abc")));
        assert_eq!(short, short_shared);
        assert_eq!(hash_of(&short), hash_of(&short_shared));
        assert_eq!(hash_of(&short), hash_of("abc"));
        assert_eq!(short.cmp(&short_shared), Ordering::Equal);
        // Order is str's order: by bytes, a prefix first.
        let mut texts = [Text::from("b"), Text::from("ab"), shared, Text::from("a")];
        texts.sort();
        let strs: Vec<&str> = texts.iter().map(Text::as_str).collect();
        let mut expected = vec!["b", "ab", long.as_str(), "a"];
        expected.sort_unstable();
        assert_eq!(strs, expected);
        let (accented, z) = (Text::from("é"), Text::from("z"));
        assert!(accented > z, "UTF-8 bytes order, as str does");
    }

    #[test]
    fn str_comparisons_and_map_lookup() {
        let text = Text::from("hello");
        let owned = String::from("hello");
        assert_eq!(text, "hello");
        assert_eq!("hello", text);
        assert_eq!(text, *"hello");
        assert_eq!(*"hello", text);
        assert_eq!(text, owned);
        assert_eq!(owned, text);
        assert!(text != "hell");
        let mut map = std::collections::BTreeMap::new();
        map.insert(Text::from("key"), 1);
        assert_eq!(map.get("key"), Some(&1));
        let mut hashed = std::collections::HashMap::new();
        hashed.insert(Text::from("z".repeat(N + 1)), 2);
        assert_eq!(hashed.get("z".repeat(N + 1).as_str()), Some(&2));
    }

    #[test]
    fn clones_are_equal_and_independent_of_the_source() {
        let inline = Text::from("short");
        let shared = Text::from("s".repeat(N * 2));
        let (inline2, shared2) = (inline.clone(), shared.clone());
        drop((inline, shared));
        assert_eq!(inline2, "short");
        assert_eq!(shared2, "s".repeat(N * 2));
        assert_eq!(String::from(inline2.clone()), "short");
        assert_eq!(&inline2.into_bytes()[..], b"short");
    }
}
