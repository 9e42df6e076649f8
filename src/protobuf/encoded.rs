//! [`Encoded`]: a message carried as its bytes, for code that holds messages it does not
//! decode itself (a descriptor-driven client, a proxy).

use bytes::Bytes;

use super::{DecodeError, Decoder, FieldSink, Message};

/// A message as its encoded bytes: written as they are, read whole, never looked into.
///
/// The client and server APIs move any [`Message`]; this one lets them move bytes that were
/// encoded elsewhere, for instance by a [`DynamicMessage`](crate::dynamic::DynamicMessage).
///
/// ```
/// use bytes::Bytes;
/// use h2grpc::protobuf::{Encoded, Message};
///
/// let hello = Encoded(Bytes::from_static(b"\x0a\x05world"));
/// assert_eq!(hello.encode_to_vec(), b"\x0a\x05world");
/// assert_eq!(Encoded::decode(Bytes::from_static(b"\x08\x01")).unwrap().0, &b"\x08\x01"[..]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Encoded(pub Bytes);

impl Message for Encoded {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.raw(&self.0);
    }

    /// Never called: [`merge`](Message::merge) takes the whole input at once.
    fn merge_field(&mut self, _number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        d.skip()
    }

    /// Takes every byte that remains (a zero-copy slice); a second merge appends, as merging
    /// two encodings of a message concatenates them.
    fn merge(&mut self, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        let more = d.take_remaining();
        if self.0.is_empty() {
            self.0 = more;
        } else {
            let mut joined = Vec::with_capacity(self.0.len() + more.len());
            joined.extend_from_slice(&self.0);
            joined.extend_from_slice(&more);
            self.0 = Bytes::from(joined);
        }
        Ok(())
    }
}
