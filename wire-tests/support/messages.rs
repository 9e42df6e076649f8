//! Small test messages, written with the codec like the services' own.
//!
//! ```proto
//! message Empty {}
//! message Blob { uint64 id = 1; bytes body = 2; }
//! ```

use bytes::Bytes;
use h2grpc::protobuf::{DecodeError, Decoder, FieldSink, Message};

/// `message Empty {}`: encodes to zero bytes, framed as `00 00 00 00 00`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Empty {}

impl Message for Empty {
    fn encode_fields<S: FieldSink>(&self, _s: &mut S) {}
    fn merge_field(&mut self, _number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        d.skip()
    }
}

/// `message Blob { uint64 id = 1; bytes body = 2; }`: a numbered payload of any size.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Blob {
    pub(crate) id: u64,
    pub(crate) body: Bytes,
}

impl Blob {
    /// A blob whose encoded message is exactly `len` bytes long (for `len` >= 12), with a
    /// recognisable body (`id` in every byte, mod 251) so that reordering shows.
    pub(crate) fn of_encoded_len(id: u64, len: usize) -> Self {
        // Field 1 (left out when 0): key + varint(id); field 2: key + varint(body len) + body.
        let id_len = if id == 0 { 0 } else { 1 + varint_len(id) };
        let mut body_len = len.saturating_sub(id_len + 1);
        while id_len + 1 + varint_len(body_len as u64) + body_len > len {
            body_len -= 1;
        }
        let blob = Self::with_body(id, body_len);
        assert_eq!(
            blob.encoded_len(),
            len,
            "cannot build a Blob of {len} bytes"
        );
        blob
    }

    /// A blob with `body_len` bytes of body derived from `id`.
    pub(crate) fn with_body(id: u64, body_len: usize) -> Self {
        let fill = (id % 251) as u8;
        Self {
            id,
            body: Bytes::from(vec![fill; body_len]),
        }
    }

    /// Whether the body is what [`Blob::with_body`] made for this id.
    pub(crate) fn is_intact(&self) -> bool {
        let fill = (self.id % 251) as u8;
        self.body.iter().all(|&b| b == fill)
    }
}

fn varint_len(value: u64) -> usize {
    (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
}

impl Message for Blob {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.uint64(1, self.id);
        s.bytes(2, &self.body);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.uint64(&mut self.id),
            2 => d.bytes(&mut self.body),
            _ => d.skip(),
        }
    }
}

#[test]
fn blob_sizes_are_exact() {
    for len in [8, 100, 127, 128, 129, 16_384, 65_536, 1 << 20, 5 << 20] {
        assert_eq!(Blob::of_encoded_len(7, len).encoded_len(), len);
    }
    assert_eq!(Empty {}.encoded_len(), 0);
}
