//! Reading varints and fixed-width values out of a span of the input, keeping their positions.
//!
//! [`crate::protobuf::Decoder`] reads values and forgets where they were; an annotation needs
//! the exact bytes of each key, length and value, so this reader hands back ranges.

use std::ops::Range;

/// The longest varint: ten bytes hold 64 bits, seven at a time.
pub(super) const MAX_VARINT_LEN: usize = 10;

/// A varint and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Varint {
    pub(super) value: u64,
    pub(super) at: Range<usize>,
}

/// A varint that could not be read, and the bytes it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum VarintError {
    /// The span ended while the last byte still had its continuation bit set.
    Truncated(Range<usize>),
    /// Ten bytes, and the tenth still says "more follow".
    TooLong(Range<usize>),
}

/// A position in `bytes`, and the end of the span being read.
#[derive(Debug)]
pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
    pub(super) end: usize,
}

impl<'a> Reader<'a> {
    /// A reader of `bytes[span]` (positions stay those of `bytes`); a span out of bounds is
    /// cut to fit.
    pub(super) fn new(bytes: &'a [u8], span: Range<usize>) -> Self {
        let end = span.end.min(bytes.len());
        Self {
            bytes,
            pos: span.start.min(end),
            end,
        }
    }

    /// How many bytes are left in the span.
    pub(super) fn remaining(&self) -> usize {
        self.end - self.pos
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos == self.end
    }

    /// Reads a varint. The tenth byte's bits beyond the 64th are dropped, as the C++ runtime
    /// does.
    pub(super) fn varint(&mut self) -> Result<Varint, VarintError> {
        let start = self.pos;
        let mut value = 0u64;
        let mut shift = 0u32;
        for (i, &byte) in self.bytes[start..self.end].iter().enumerate() {
            if i == MAX_VARINT_LEN {
                self.pos = start + MAX_VARINT_LEN;
                return Err(VarintError::TooLong(start..self.pos));
            }
            // Bits shifted past the 64th are dropped.
            value |= u64::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
            shift += 7;
            if byte & 0x80 == 0 {
                self.pos = start + i + 1;
                return Ok(Varint {
                    value,
                    at: start..self.pos,
                });
            }
        }
        let taken = (self.end - start).min(MAX_VARINT_LEN);
        self.pos = start + taken;
        if taken == MAX_VARINT_LEN {
            Err(VarintError::TooLong(start..self.pos))
        } else {
            Err(VarintError::Truncated(start..self.pos))
        }
    }

    /// Takes `n` bytes, if the span has them.
    pub(super) fn take(&mut self, n: usize) -> Option<Range<usize>> {
        if n > self.remaining() {
            return None;
        }
        let at = self.pos..self.pos + n;
        self.pos += n;
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_keep_their_bytes() {
        let bytes = [0x08, 0x96, 0x01, 0xff];
        let mut r = Reader::new(&bytes, 0..4);
        assert_eq!(r.varint(), Ok(Varint { value: 8, at: 0..1 }));
        assert_eq!(
            r.varint(),
            Ok(Varint {
                value: 150,
                at: 1..3
            })
        );
        assert_eq!(r.varint(), Err(VarintError::Truncated(3..4)));
        assert!(r.at_end());
    }

    #[test]
    fn ten_bytes_at_most() {
        let mut minus_one = [0xff; 10];
        minus_one[9] = 0x01;
        let mut r = Reader::new(&minus_one, 0..10);
        assert_eq!(r.varint().map(|v| v.value), Ok(u64::MAX));

        let eleven = [0xff; 11];
        let mut r = Reader::new(&eleven, 0..11);
        assert_eq!(r.varint(), Err(VarintError::TooLong(0..10)));
        assert_eq!(r.remaining(), 1);
        let ten = [0xff; 10];
        assert_eq!(
            Reader::new(&ten, 0..10).varint(),
            Err(VarintError::TooLong(0..10))
        );
    }

    #[test]
    fn spans_out_of_bounds_are_cut() {
        let r = Reader::new(&[1, 2], 5..9);
        assert_eq!((r.pos, r.end), (2, 2));
    }
}
