//! Codec benchmarks: h2grpc's hand-written messages against prost, in the same group.
//!
//! ```text
//! cargo bench --bench codec
//! ```
//!
//! Both sides encode into a fresh `Vec` sized by `encoded_len`, and decode from a received buffer
//! they borrow: h2grpc from `&Bytes`, prost from `&[u8]` (tonic's decoder also hands prost a
//! borrowed buffer). The input is not cloned for each decode: a `Bytes` clone and its drop are
//! two atomic operations that belong to neither codec, and on this machine they took longer
//! than decoding a `HelloRequest`. prost uses its defaults (`String`, `Vec<u8>`), as
//! tonic-build generates them. h2grpc's `bytes` fields and long `string` fields are zero-copy
//! slices of the received buffer, and short strings are copied into the `Text` value itself: no
//! allocation for either, which is where its decoding advantage comes from.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};

#[path = "interleave.rs"]
mod interleave;
use h2grpc::protobuf::{DecodeError, Decoder, FieldSink, Message};
use h2grpc::services::finance::ConvertRequest;
use h2grpc::services::hello::HelloRequest;
use h2grpc::services::users::{BulkCreateResponse, User};
use interleave::alternate;

// ===== prost mirrors (derive macros, no protoc) =====

#[derive(Clone, PartialEq, prost::Message)]
struct PHelloRequest {
    #[prost(string, tag = "1")]
    name: String,
}

#[derive(Clone, PartialEq, prost::Message)]
struct PConvertRequest {
    #[prost(string, tag = "1")]
    from_currency: String,
    #[prost(string, tag = "2")]
    to_currency: String,
    #[prost(double, tag = "3")]
    amount: f64,
}

#[derive(Clone, PartialEq, prost::Message)]
struct PUser {
    #[prost(string, tag = "1")]
    id: String,
    #[prost(string, tag = "2")]
    name: String,
    #[prost(string, tag = "3")]
    email: String,
    #[prost(int32, tag = "4")]
    age: i32,
    #[prost(int64, tag = "5")]
    created_at: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
struct PBulkCreateResponse {
    #[prost(int32, tag = "1")]
    created_count: i32,
    #[prost(string, repeated, tag = "2")]
    user_ids: Vec<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct PPayload {
    #[prost(bytes = "vec", tag = "1")]
    body: Vec<u8>,
}

/// `message Payload { bytes body = 1; }` (the shape of grpc.testing.Payload's body).
#[derive(Debug, Clone, Default, PartialEq)]
struct Payload {
    body: Bytes,
}

impl Message for Payload {
    #[inline]
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

// ===== The cases =====

fn bench_pair<O, P>(c: &mut Criterion, name: &str, ours: &O, theirs: &P)
where
    O: Message,
    P: prost::Message + Default,
{
    let wire = ours.encode_to_bytes();
    assert_eq!(
        &wire[..],
        &theirs.encode_to_vec()[..],
        "{name}: h2grpc and prost must agree"
    );
    let mut group = c.benchmark_group(format!("codec/{name}"));
    group.throughput(Throughput::Bytes(wire.len() as u64));
    group.bench_function(BenchmarkId::new("encode", "h2grpc"), |b| {
        b.iter(|| black_box(to_vec_ours(black_box(ours))));
    });
    group.bench_function(BenchmarkId::new("encode", "prost"), |b| {
        b.iter(|| black_box(to_vec_theirs(black_box(theirs))));
    });
    // As a gRPC transport encodes: into a buffer it already has (tonic's and h2grpc's both do).
    group.bench_function(BenchmarkId::new("encode_buf", "h2grpc"), |b| {
        let mut buf = Vec::with_capacity(wire.len());
        b.iter(|| encode_ours(black_box(ours), &mut buf));
    });
    group.bench_function(BenchmarkId::new("encode_buf", "prost"), |b| {
        let mut buf = Vec::with_capacity(wire.len());
        b.iter(|| encode_theirs(black_box(theirs), &mut buf));
    });
    group.bench_function(BenchmarkId::new("decode", "h2grpc"), |b| {
        b.iter(|| black_box(O::decode(black_box(&wire)).unwrap()));
    });
    group.bench_function(BenchmarkId::new("decode", "prost"), |b| {
        b.iter(|| black_box(P::decode(black_box(&wire[..])).unwrap()));
    });
    group.finish();
}

/// `encode`: a fresh `Vec` of the message's size. Never inlined, either side, for the reason
/// below and one more: left to the compiler, prost's `encode_to_vec` was inlined into the
/// timing loop (criterion's, or the interleaved batch) and h2grpc's stayed a call, with its
/// frame and six saved registers, which is the benchmark's code and not the codec's
/// (`HelloRequest` measured 0.90× that way, 1.01× with both behind a call).
#[inline(never)]
fn to_vec_ours<O: Message>(message: &O) -> Vec<u8> {
    message.encode_to_vec()
}

/// prost's `encode`.
#[inline(never)]
fn to_vec_theirs<P: prost::Message>(message: &P) -> Vec<u8> {
    message.encode_to_vec()
}

/// `encode_buf`: encodes into `buf`, emptied first and kept from call to call. Never inlined,
/// either side, so that both are the same call and each can be found in a profile.
#[inline(never)]
fn encode_ours<O: Message>(message: &O, buf: &mut Vec<u8>) {
    buf.clear();
    message.encode(buf);
    black_box(buf);
}

/// prost's `encode_buf`.
#[inline(never)]
fn encode_theirs<P: prost::Message>(message: &P, buf: &mut Vec<u8>) {
    buf.clear();
    message.encode(buf).unwrap();
    black_box(buf);
}

fn codec(c: &mut Criterion) {
    let ours = Samples::new();
    bench_pair(
        c,
        "HelloRequest",
        &ours.hello,
        &PHelloRequest {
            name: "world".into(),
        },
    );
    bench_pair(
        c,
        "ConvertRequest",
        &ours.convert,
        &PConvertRequest {
            from_currency: "USD".into(),
            to_currency: "EUR".into(),
            amount: 100.0,
        },
    );
    let id = "7f3b1c2e-9a4d-4e8f-b6a1-2c3d4e5f6a7b";
    bench_pair(
        c,
        "User",
        &ours.user,
        &PUser {
            id: id.into(),
            name: "Alice".into(),
            email: "alice@example.com".into(),
            age: 30,
            created_at: 1_700_000_000,
        },
    );
    bench_pair(
        c,
        "BulkCreateResponse",
        &ours.bulk,
        &PBulkCreateResponse {
            created_count: 10,
            user_ids: (0..10).map(|i| format!("{id}-{i}")).collect(),
        },
    );
    for size in [1024, 64 * 1024] {
        bench_pair(
            c,
            &format!("Payload{}KiB", size / 1024),
            &Samples::payload(size),
            &PPayload {
                body: vec![0xa5; size],
            },
        );
    }
}

/// h2grpc's values of the cases, for the modes below (criterion's builds prost's alongside).
struct Samples {
    hello: HelloRequest,
    convert: ConvertRequest,
    user: User,
    bulk: BulkCreateResponse,
}

impl Samples {
    fn new() -> Self {
        let id = "7f3b1c2e-9a4d-4e8f-b6a1-2c3d4e5f6a7b";
        Self {
            hello: HelloRequest {
                name: "world".into(),
            },
            convert: ConvertRequest {
                from_currency: "USD".into(),
                to_currency: "EUR".into(),
                amount: 100.0,
            },
            user: User {
                id: id.into(),
                name: "Alice".into(),
                email: "alice@example.com".into(),
                age: 30,
                created_at: 1_700_000_000,
            },
            bulk: BulkCreateResponse {
                created_count: 10,
                user_ids: (0..10).map(|i| format!("{id}-{i}").into()).collect(),
            },
        }
    }

    fn payload(size: usize) -> Payload {
        Payload {
            body: Bytes::from(vec![0xa5; size]),
        }
    }
}

/// `H2GRPC_COUNT=<case> cargo bench --bench codec` runs one case 100,000 times with no
/// measurement, for an instruction counter (`valgrind --tool=callgrind`): case is e.g.
/// `decode/User/h2grpc`. Instruction counts are exact and repeatable where times are noisy.
fn count(case: &str) {
    const N: usize = 100_000;
    let Samples {
        hello,
        convert,
        user,
        bulk,
    } = Samples::new();
    fn run<O: Message, P: prost::Message + Default>(what: &str, ours: &O, n: usize) {
        let wire = ours.encode_to_bytes();
        let theirs = P::decode(wire.clone()).unwrap();
        let mut buf = Vec::with_capacity(wire.len());
        for _ in 0..n {
            match what {
                "encode/h2grpc" => drop(black_box(to_vec_ours(black_box(ours)))),
                "encode/prost" => drop(black_box(to_vec_theirs(black_box(&theirs)))),
                "encode_buf/h2grpc" => encode_ours(black_box(ours), &mut buf),
                "encode_buf/prost" => encode_theirs(black_box(&theirs), &mut buf),
                "decode/h2grpc" => drop(black_box(O::decode(black_box(&wire)).unwrap())),
                "decode/prost" => drop(black_box(P::decode(black_box(&wire[..])).unwrap())),
                _ => panic!("unknown operation {what}"),
            }
        }
    }
    let (operation, rest) = case
        .split_once('/')
        .expect("case: <encode|decode>/<Message>/<impl>");
    let (message, implementation) = rest.split_once('/').expect("case: <op>/<Message>/<impl>");
    let what = format!("{operation}/{implementation}");
    match message {
        "HelloRequest" => run::<_, PHelloRequest>(&what, &hello, N),
        "ConvertRequest" => run::<_, PConvertRequest>(&what, &convert, N),
        "User" => run::<_, PUser>(&what, &user, N),
        "BulkCreateResponse" => run::<_, PBulkCreateResponse>(&what, &bulk, N),
        "Payload1KiB" => run::<_, PPayload>(&what, &Samples::payload(1024), N),
        "Payload64KiB" => run::<_, PPayload>(&what, &Samples::payload(64 * 1024), N),
        _ => panic!("unknown message {message}"),
    }
}

/// `H2GRPC_INTERLEAVE=1 cargo bench --bench codec` times the two codecs in alternation instead
/// of one after the other: 2,000 rounds per case, each a batch of h2grpc's calls and a batch of
/// prost's (about 20 µs each, the order swapped every round), and prints the medians and the
/// median of the per-round ratios. On a shared VM whose speed changes from one second to the
/// next, criterion's ratio compares two different moments; here both sides get the same ones.
///
/// `H2GRPC_INTERLEAVE=<name>` runs only the cases whose name contains `<name>` (for a profiler).
fn interleaved(only: &str) {
    let samples = Samples::new();
    let run = |name: &str| only == "1" || name.contains(only);
    println!(
        "codec, interleaved: median ns per call (h2grpc, prost), median ratio of 2,000 rounds"
    );
    if run("HelloRequest") {
        interleave::<_, PHelloRequest>("HelloRequest", &samples.hello);
    }
    if run("ConvertRequest") {
        interleave::<_, PConvertRequest>("ConvertRequest", &samples.convert);
    }
    if run("User") {
        interleave::<_, PUser>("User", &samples.user);
    }
    if run("BulkCreateResponse") {
        interleave::<_, PBulkCreateResponse>("BulkCreateResponse", &samples.bulk);
    }
    for size in [1024, 64 * 1024] {
        let name = format!("Payload{}KiB", size / 1024);
        if run(&name) {
            interleave::<_, PPayload>(&name, &Samples::payload(size));
        }
    }
}

/// One message's encode and decode, h2grpc against prost (the same values: prost decodes
/// h2grpc's encoding), interleaved.
fn interleave<O: Message, P: prost::Message + Default>(name: &str, ours: &O) {
    let wire = ours.encode_to_bytes();
    let theirs = P::decode(&wire[..]).unwrap();
    assert_eq!(
        theirs.encode_to_vec(),
        wire,
        "{name}: h2grpc and prost must agree"
    );
    let (e_ours, e_theirs, e_ratio) = alternate(
        || drop(black_box(to_vec_ours(black_box(ours)))),
        || drop(black_box(to_vec_theirs(black_box(&theirs)))),
    );
    let (mut ours_buf, mut theirs_buf) = (Vec::new(), Vec::new());
    let (b_ours, b_theirs, b_ratio) = alternate(
        || encode_ours(black_box(ours), &mut ours_buf),
        || encode_theirs(black_box(&theirs), &mut theirs_buf),
    );
    let (d_ours, d_theirs, d_ratio) = alternate(
        || drop(black_box(O::decode(black_box(&wire)).unwrap())),
        || drop(black_box(P::decode(black_box(&wire[..])).unwrap())),
    );
    println!(
        "{name:>20}  encode {e_ours:7.1} {e_theirs:7.1} ns {e_ratio:5.2}x   \
         encode_buf {b_ours:7.1} {b_theirs:7.1} ns {b_ratio:5.2}x   \
         decode {d_ours:7.1} {d_theirs:7.1} ns {d_ratio:5.2}x"
    );
}

criterion_group!(benches, codec);

fn main() {
    if let Ok(case) = std::env::var("H2GRPC_COUNT") {
        count(&case);
        return;
    }
    if let Ok(only) = std::env::var("H2GRPC_INTERLEAVE") {
        interleaved(&only);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
