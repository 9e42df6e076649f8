//! `framing::Deframer` on an arbitrary stream cut into arbitrary chunks.
//!
//! Input: `[limit, flags, n, n chunk sizes..., stream...]`. The stream is pushed in chunks of
//! the given sizes (cycled; a size of 0 pushes an empty chunk), sometimes two pushes before
//! draining (flag bit 1). Asserts: no panic; every message is at most `limit` bytes; the
//! messages, the error and the end-of-stream verdict are exactly those of a whole-stream
//! reading written out below (so chunk boundaries never matter); an error repeats; what is
//! buffered never exceeds what was pushed and not handed out.
#![no_main]

use bytes::Bytes;
use h2grpc::framing::{Deframer, FramingError, PREFIX_LEN};
use libfuzzer_sys::fuzz_target;

/// What a whole-stream reading gives: the messages (flag, body), then an error or the
/// verdict of `finish` at the end.
struct Expected {
    messages: Vec<(bool, Vec<u8>)>,
    error: Option<FramingError>,
    finish: Result<(), FramingError>,
}

/// Reads `stream` as one buffer, message after message, by the spec's grammar.
fn read_whole(stream: &[u8], limit: usize, accept_compressed: bool) -> Expected {
    let mut messages = Vec::new();
    let mut rest = stream;
    loop {
        let Some(&[flag, a, b, c, d]) = rest.first_chunk::<PREFIX_LEN>() else {
            let finish = if rest.is_empty() {
                Ok(())
            } else {
                Err(FramingError::TruncatedMessage {
                    buffered: rest.len(),
                    expected: PREFIX_LEN,
                })
            };
            return Expected {
                messages,
                error: None,
                finish,
            };
        };
        let len = u32::from_be_bytes([a, b, c, d]) as usize;
        let error = match flag {
            0 | 1 if len > limit && (flag == 0 || accept_compressed) => {
                Some(FramingError::MessageTooLarge { len, limit })
            }
            0 => None,
            1 if accept_compressed => None,
            1 => Some(FramingError::CompressedWithoutEncoding),
            other => Some(FramingError::InvalidCompressedFlag(other)),
        };
        if let Some(error) = error {
            return Expected {
                messages,
                error: Some(error),
                finish: Ok(()),
            };
        }
        let body = &rest[PREFIX_LEN..];
        if body.len() < len {
            let finish = Err(FramingError::TruncatedMessage {
                buffered: rest.len(),
                expected: PREFIX_LEN + len,
            });
            return Expected {
                messages,
                error: None,
                finish,
            };
        }
        messages.push((flag == 1, body[..len].to_vec()));
        rest = &body[len..];
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&[limit, flags, n], rest)) = data.split_first_chunk::<3>() else {
        return;
    };
    let n = usize::from(n % 8).min(rest.len());
    let (sizes, stream) = rest.split_at(n);
    // Sizes of 0 alone would never get through the stream.
    let sizes = if sizes.iter().all(|&s| s == 0) {
        &[1][..]
    } else {
        sizes
    };
    let limit = usize::from(limit);
    let accept_compressed = flags & 1 != 0;
    let two_pushes = flags & 2 != 0;
    let expected = read_whole(stream, limit, accept_compressed);

    let mut deframer = Deframer::new(limit).accept_compressed(accept_compressed);
    let whole = Bytes::copy_from_slice(stream);
    let mut messages = Vec::new();
    let mut pushed = 0;
    let mut handed_out = 0;
    let mut error = None;
    let mut round = 0;
    'feed: while pushed < whole.len() || round == 0 {
        for _ in 0..if two_pushes { 2 } else { 1 } {
            let size = usize::from(sizes[round % sizes.len()]);
            round += 1;
            let end = (pushed + size).min(whole.len());
            deframer.push(whole.slice(pushed..end));
            pushed = end;
        }
        loop {
            match deframer.next_message() {
                Ok(Some(message)) => {
                    assert!(message.data.len() <= limit, "a message over the limit");
                    handed_out += PREFIX_LEN + message.data.len();
                    messages.push((message.compressed, message.data.to_vec()));
                }
                Ok(None) => break,
                Err(e) => {
                    assert_eq!(deframer.next_message(), Err(e.clone()), "errors repeat");
                    error = Some(e);
                    break 'feed;
                }
            }
            assert!(deframer.buffered_len() <= pushed - handed_out);
        }
        assert!(deframer.buffered_len() <= pushed - handed_out);
    }
    assert_eq!(messages, expected.messages);
    assert_eq!(error, expected.error);
    if error.is_none() {
        assert_eq!(deframer.finish(), expected.finish);
    }
});
