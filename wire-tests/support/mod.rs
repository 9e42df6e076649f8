//! Shared test helpers.

pub(crate) mod everything;
pub(crate) mod messages;
pub(crate) mod net;
pub(crate) mod peers;
pub(crate) mod process;
pub(crate) mod raw_frames;
pub(crate) mod raw_h2;
pub(crate) mod services;
