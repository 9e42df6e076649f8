//! Shared test helpers.

pub(crate) mod everything;
pub(crate) mod net;
pub(crate) mod process;
pub(crate) mod services;
