//! Shared test helpers.

pub(crate) mod everything;
pub(crate) mod services;
