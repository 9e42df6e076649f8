//! A decompression bomb cannot make a receiver allocate past its message-size limit.
//!
//! A test binary of its own, like `alloc.rs`: it installs a counting global allocator, and the
//! counts are only meaningful while nothing else runs, so it holds a single test.
//!
//! 10 MiB of zeros compress to about 10 KiB. Sent as one message against the default 4 MiB
//! receive limit, it must fail with RESOURCE_EXHAUSTED having allocated at most the limit (the
//! output buffer, capped at `limit + 1` bytes) plus the decoder's fixed state. The control: the
//! same message under a 16 MiB limit allocates its 10 MiB, so the counting does see a bomb.

use bytes::Bytes;
use h2grpc::call::Inbound;
use h2grpc::compression::Encoding;
use h2grpc::framing::{DEFAULT_MAX_MESSAGE_SIZE, encode_payload};
use h2grpc::protobuf::{DecodeError, Decoder, FieldSink, Message};
use h2grpc::status::Code;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// `message Zeros { bytes body = 1; }`, a bomb's payload once decoded.
#[derive(Debug, Default)]
struct Zeros {
    body: Bytes,
}

impl Message for Zeros {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.bytes(1, &self.body);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.bytes(&mut self.body),
            _ => d.skip(),
        }
    }
}

/// The bomb, framed: a `Zeros` of 10 MiB, compressed with `encoding`, Compressed-Flag 1.
fn framed_bomb(encoding: Encoding) -> Bytes {
    let zeros = Zeros {
        body: Bytes::from(vec![0u8; 10 * 1024 * 1024]),
    };
    let mut compressed = Vec::new();
    encoding.compress(&zeros.encode_to_vec(), &mut compressed);
    assert!(compressed.len() < 16 * 1024, "{} bytes", compressed.len());
    let mut wire = Vec::new();
    encode_payload(true, &compressed, &mut wire, usize::MAX).unwrap();
    Bytes::from(wire)
}

/// Receives `wire` under `limit`; returns the outcome's code and the bytes allocated meanwhile
/// (stats_alloc counts new allocations and growth by reallocation: what was ever asked for,
/// frees not subtracted, so at least the peak of what the receiver held).
fn receive(wire: Bytes, encoding: Encoding, limit: usize) -> (Code, usize) {
    let mut inbound = Inbound::new(limit).with_encoding(Some(encoding));
    let region = Region::new(GLOBAL);
    inbound.recv_data(wire);
    let outcome = inbound.next_message::<Zeros>();
    let change = region.change();
    let code = match &outcome {
        Ok(Some(_)) => Code::Ok,
        Ok(None) => panic!("the whole message was pushed"),
        Err(status) => status.code(),
    };
    drop(outcome);
    (code, change.bytes_allocated)
}

#[test]
fn a_bomb_allocates_no_more_than_the_limit() {
    const MIB: usize = 1024 * 1024;
    // The decoder's state: miniz_oxide's window, tables and (for gzip) the header parser.
    const DECODER: usize = 256 * 1024;
    for encoding in [Encoding::Gzip, Encoding::Deflate] {
        let wire = framed_bomb(encoding);

        let (code, allocated) = receive(wire.clone(), encoding, DEFAULT_MAX_MESSAGE_SIZE);
        assert_eq!(code, Code::ResourceExhausted, "{encoding}");
        assert!(
            allocated <= DEFAULT_MAX_MESSAGE_SIZE + 1 + DECODER,
            "{encoding}: {allocated} bytes allocated against a 4 MiB limit"
        );

        let (code, allocated) = receive(wire, encoding, 16 * MIB);
        assert_eq!(code, Code::Ok, "{encoding}");
        assert!(allocated >= 10 * MIB, "{encoding}: only {allocated} bytes");
    }
}
