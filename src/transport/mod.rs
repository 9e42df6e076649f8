//! ⑤ HTTP/2: the only module that names `h2`.
//!
//! `grep h2:: src/` lands here and nowhere else. Above this module a call is header maps,
//! DATA payloads and [`Status`]es ([`crate::call`]); this module moves them over `h2` streams
//! and is responsible for the two things HTTP/2 adds on top of bytes, and for writing its frames
//! in few system calls:
//!
//! - **Flow control, receiving.** A peer may only send as many DATA bytes as the receiver's
//!   window allows, and `h2` never reopens the window by itself: every received chunk must be
//!   given back with `release_capacity` once consumed, or any message larger than the window
//!   (65,535 bytes by default) stalls forever. `RecvBody` releases each chunk as it is
//!   taken from `h2` and handed to the [`Deframer`](crate::framing::Deframer), whose buffer is
//!   itself bounded by the message-size limit; a handler that stops reading stops the release,
//!   and the window then stops the peer.
//! - **Flow control, sending.** `h2::SendStream::send_data` queues data without looking at the
//!   peer's window, so a slow reader would make a sender buffer without bound.
//!   `send_data` reserves capacity and waits for it before each piece it hands to `h2`.
//! - **Few writes.** `h2` writes each large DATA frame with a system call of its own;
//!   `coalesce::Coalescing`, between `h2` and the socket, holds such frames until the end of
//!   the connection task's turn and writes up to 64 KiB of them at once.
//!
//! It also maps HTTP/2 errors to gRPC codes (PROTOCOL-HTTP2.md, "Errors"): a stream reset by the
//! peer with RST_STREAM becomes the code of [`crate::call::client::recv_reset`], a broken
//! connection becomes UNAVAILABLE.

pub(crate) mod client;
mod coalesce;
pub mod lifetime;
pub mod pings;
pub(crate) mod recv;
pub(crate) mod send;
pub(crate) mod server;

pub mod settings;

use crate::status::{Code, Status};

/// The status for an `h2` error met in the middle of a call.
///
/// - the peer reset the stream: the RST_STREAM table;
/// - this side cancelled the call (RST_STREAM(CANCEL) sent when the caller dropped its half of
///   it): CANCELLED, statuscodes.md's "Client application cancelled the request";
/// - the connection failed (I/O error, GOAWAY with an error, protocol error): UNAVAILABLE, as
///   statuscodes.md says for "the connection broke" on the client;
/// - anything else: INTERNAL.
pub(crate) fn status_from_h2(error: &h2::Error) -> Status {
    if error.is_reset()
        && let Some(reason) = error.reason()
    {
        if error.is_remote() {
            return crate::call::client::recv_reset(reason.into());
        }
        if reason == h2::Reason::CANCEL && !error.is_library() {
            return Status::new(Code::Cancelled, "the call was cancelled");
        }
    }
    if error.is_io() || error.is_go_away() {
        return Status::new(Code::Unavailable, format!("connection lost: {error}"));
    }
    Status::new(Code::Internal, format!("HTTP/2 error: {error}"))
}
