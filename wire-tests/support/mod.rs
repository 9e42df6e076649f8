//! Shared test helpers.

pub(crate) mod everything;
