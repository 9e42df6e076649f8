//! The wire tests: one test binary, one module per layer or peer.

mod golden;
