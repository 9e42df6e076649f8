//! Framing benchmarks: how fast the [`Deframer`] turns DATA chunks into messages, and how fast
//! messages are framed.
//!
//! The receive streams are cut at pseudo-random points (1 byte to 16 KiB, HTTP/2's default
//! SETTINGS_MAX_FRAME_SIZE) by a fixed-seed generator, so every run sees the same chunks, and
//! also pushed as one chunk, the zero-copy best case. Throughput counts wire bytes, prefixes
//! included.
//!
//! Run with `cargo bench --bench framing` (add `-- --quick` for a fast look).

use std::hint::black_box;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::{BenchmarkId, Criterion, Throughput};
use h2grpc::framing::{DEFAULT_MAX_MESSAGE_SIZE, Deframer, encode_message, encode_payload};
use h2grpc::services::hello::HelloRequest;

/// HTTP/2's default SETTINGS_MAX_FRAME_SIZE: the largest DATA payload a peer sends by default.
const MAX_FRAME_SIZE: usize = 16 * 1024;

/// A linear congruential generator with Knuth's MMIX constants: reproducible chunk sizes
/// without a dependency.
struct Lcg(u64);

impl Lcg {
    /// A number in `1..=max`.
    fn next_in(&mut self, max: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let high_bits = usize::try_from(self.0 >> 33).expect("31 bits fit in a usize");
        high_bits % max + 1
    }
}

/// `count` messages of `len` bytes each, framed back to back.
fn stream(len: usize, count: usize) -> Bytes {
    let payload: Vec<u8> = (0..len).map(|i| i.to_le_bytes()[0]).collect();
    let mut wire = BytesMut::new();
    for _ in 0..count {
        encode_payload(false, &payload, &mut wire, DEFAULT_MAX_MESSAGE_SIZE)
            .expect("under the limit");
    }
    wire.freeze()
}

/// `wire` cut into chunks of pseudo-random sizes in `1..=max_chunk` (slices, not copies, as h2
/// hands out DATA payloads).
fn chunks(wire: &Bytes, max_chunk: usize) -> Vec<Bytes> {
    let mut lcg = Lcg(0x6772_7063); // "grpc"
    let mut chunks = Vec::new();
    let mut start = 0;
    while start < wire.len() {
        let end = (start + lcg.next_in(max_chunk)).min(wire.len());
        chunks.push(wire.slice(start..end));
        start = end;
    }
    chunks
}

/// Pushes every chunk, draining after each as the transport will; returns the message count.
fn deframe(chunks: &[Bytes]) -> usize {
    let mut deframer = Deframer::new(DEFAULT_MAX_MESSAGE_SIZE);
    let mut count = 0;
    for chunk in chunks {
        deframer.push(chunk.clone());
        while let Some(message) = deframer.next_message().expect("a valid stream") {
            black_box(message);
            count += 1;
        }
    }
    deframer.finish().expect("ends on a boundary");
    count
}

fn bench_deframer(c: &mut Criterion) {
    let mut group = c.benchmark_group("deframer");
    for (name, len, count) in [("20B", 20, 5_000), ("64KiB", 64 * 1024, 32)] {
        let wire = stream(len, count);
        group.throughput(Throughput::Bytes(u64::try_from(wire.len()).expect("small")));
        for (chunking, chunks) in [
            ("random_chunks", chunks(&wire, MAX_FRAME_SIZE)),
            ("one_chunk", vec![wire.clone()]),
        ] {
            assert_eq!(deframe(&chunks), count);
            group.bench_with_input(BenchmarkId::new(chunking, name), &chunks, |b, chunks| {
                b.iter(|| deframe(chunks));
            });
        }
    }
    group.finish();
}

fn bench_encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    let request = HelloRequest {
        name: "world".into(),
    };
    group.throughput(Throughput::Elements(1));
    group.bench_function("hello_request", |b| {
        let mut wire = BytesMut::with_capacity(64);
        b.iter(|| {
            wire.clear();
            encode_message(black_box(&request), &mut wire, DEFAULT_MAX_MESSAGE_SIZE)
                .expect("under the limit");
            black_box(&wire);
        });
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
        .configure_from_args();
    bench_deframer(&mut criterion);
    bench_encode(&mut criterion);
    criterion.final_summary();
}
