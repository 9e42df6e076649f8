//! Decoding never allocates in proportion to a length the input only claims, and does not
//! allocate at all for short strings.
//!
//! A test binary of its own: it installs a counting global allocator, and counts are only
//! meaningful while nothing else runs, so it holds a single test.

use bytes::Bytes;
use h2grpc::protobuf::Message;
use h2grpc::services::users::User;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;

#[path = "support/everything.rs"]
mod everything;
use everything::Everything;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated while decoding `input` (the input itself is allocated before counting).
fn allocated_by_decode(input: Vec<u8>) -> usize {
    let input = Bytes::from(input);
    let region = Region::new(GLOBAL);
    let decoded = Everything::decode(input);
    let change = region.change();
    drop(decoded);
    change.bytes_allocated
}

#[test]
fn decoding_allocates_only_for_bytes_present() {
    // Claimed lengths far beyond the input: a string of 2^62 bytes, a packed field of 4 GiB, a
    // nested message of 1 GiB, a map entry of 2 GiB. Each is refused having allocated (almost)
    // nothing.
    let claims: [&[u8]; 4] = [
        &[0x7a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40],
        &[0x92, 0x01, 0x80, 0x80, 0x80, 0x80, 0x10, 0x01],
        &[0x8a, 0x01, 0x80, 0x80, 0x80, 0x80, 0x04, 0x08],
        &[0xda, 0x01, 0x80, 0x80, 0x80, 0x80, 0x08, 0x0a],
    ];
    for claim in claims {
        let allocated = allocated_by_decode(claim.to_vec());
        assert!(allocated < 4096, "{claim:02x?} allocated {allocated} bytes");
    }

    // Arbitrary input: what is allocated stays within a fixed multiple of the input. (The
    // multiple is large because a three-byte record, an empty nested message, becomes a whole
    // `Everything` struct; what matters is that no claimed length is ever trusted.)
    let mut runner = TestRunner::new(Config {
        cases: 2000,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(any::<u8>(), 0..512), |input| {
            let len = input.len();
            let allocated = allocated_by_decode(input);
            prop_assert!(
                allocated <= 4096 + 1024 * len,
                "{len} input bytes allocated {allocated}"
            );
            Ok(())
        })
        .unwrap();

    // Strings of up to 38 bytes are copied into their `Text`: a users.User (a UUID, a name, an
    // email) decodes with no allocation at all, not even the one a first slice of a fresh
    // `Bytes` costs (it moves the buffer to a shared, reference-counted block).
    let user = User {
        id: "7f3b1c2e-9a4d-4e8f-b6a1-2c3d4e5f6a7b".into(),
        name: "Alice".into(),
        email: "alice@example.com".into(),
        age: 30,
        created_at: 1_700_000_000,
    };
    let input = Bytes::from(user.encode_to_vec());
    let region = Region::new(GLOBAL);
    let decoded = User::decode(input);
    let allocations = region.change().allocations;
    assert_eq!(decoded.as_ref(), Ok(&user));
    assert_eq!(allocations, 0, "decoding a User allocated");
}
