//! Shared test helpers.

pub(crate) mod everything;
pub(crate) mod net;
pub(crate) mod peers;
pub(crate) mod process;
