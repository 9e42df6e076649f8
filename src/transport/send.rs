//! Sending on an `h2::SendStream` without unbounded buffering.

use std::future::poll_fn;

use bytes::Bytes;

use super::status_from_h2;
use crate::status::{Code, Status};

/// Hands `data` to `h2` whole, without waiting for capacity: for messages encoded already,
/// where waiting would bound no memory (`h2` holds them until the peer's window opens).
///
/// # Errors
/// The stream was reset or the connection failed.
pub(crate) fn send_whole(
    stream: &mut h2::SendStream<Bytes>,
    data: Bytes,
    end_of_stream: bool,
) -> Result<(), Status> {
    stream
        .send_data(data, end_of_stream)
        .map_err(|e| status_from_h2(&e))
}

/// Sends `data` on `stream`, in pieces no larger than the capacity `h2` assigned, waiting for
/// capacity (the peer's flow-control window, and h2's send buffer) before each piece.
///
/// `h2::SendStream::send_data` "does not check flow control": it queues whatever it is given.
/// This is the reserve → wait → send loop that keeps a slow reader from making the sender
/// buffer without bound (h2 `share.rs`).
///
/// With `end_of_stream`, the last piece carries END_STREAM (an empty DATA frame if `data` is
/// empty, as the spec requires of a request with nothing left to send).
///
/// # Errors
/// The stream was reset or the connection failed.
pub(crate) async fn send_data(
    stream: &mut h2::SendStream<Bytes>,
    mut data: Bytes,
    end_of_stream: bool,
) -> Result<(), Status> {
    if data.is_empty() {
        return if end_of_stream {
            stream.send_data(data, true).map_err(|e| status_from_h2(&e))
        } else {
            Ok(())
        };
    }
    while !data.is_empty() {
        stream.reserve_capacity(data.len());
        let mut capacity = stream.capacity();
        while capacity == 0 {
            capacity = match poll_fn(|cx| stream.poll_capacity(cx)).await {
                Some(Ok(capacity)) => capacity,
                Some(Err(error)) => return Err(status_from_h2(&error)),
                None => {
                    return Err(Status::new(
                        Code::Unavailable,
                        "the stream closed while sending",
                    ));
                }
            };
        }
        let piece = data.split_to(capacity.min(data.len()));
        stream
            .send_data(piece, end_of_stream && data.is_empty())
            .map_err(|e| status_from_h2(&e))?;
    }
    Ok(())
}
