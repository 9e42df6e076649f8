//! The buffers of full batches, recycled on each thread.
//!
//! A full batch is handed to `h2` whole, and `h2` drops it once written. Given back to the
//! allocator, the batch buffers would make the heap grow and shrink all the time (each regrowth a
//! run of page faults on fresh pages, and the data copied into cold memory); so the buffer goes
//! back to a small pool of the thread that drops it, and the next batch takes it from there.
//!
//! Every pooled buffer has one size, [`SIZE`]: room for a full batch ([`LIMIT`] queued plus the
//! message that crossed it, up to a frame). Buffers sized to each call's needs would miss the
//! pool whenever the next need is a few bytes larger than the buffer on top, and a buffer that a
//! batch outgrows would be reallocated out of it.

use std::cell::RefCell;

use bytes::Bytes;

use super::outbox::{FRAME, LIMIT};

/// Buffers kept per thread, at most (16 × 48 KiB).
const KEPT: usize = 16;

/// The one size of a pooled buffer: a full batch, [`LIMIT`] queued and the message that crossed
/// it, for messages up to a [`FRAME`].
pub(crate) const SIZE: usize = LIMIT + FRAME;

/// Needs up to this size get a buffer of their own from the allocator (its small-object caches
/// serve them well) rather than a pooled [`SIZE`] one.
const SMALL: usize = 4 * 1024;

thread_local! {
    static FREE: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// An empty buffer of at least `capacity` bytes: a pooled one of [`SIZE`] bytes for a need
/// between [`SMALL`] and [`SIZE`] (a new one if the pool is empty), or else one of its own.
pub(crate) fn take(capacity: usize) -> Vec<u8> {
    if capacity <= SMALL || capacity > SIZE {
        return Vec::with_capacity(capacity);
    }
    FREE.with_borrow_mut(Vec::pop)
        .unwrap_or_else(|| Vec::with_capacity(SIZE))
}

/// `buffer` as a `Bytes` that gives the buffer back to the pool when the last piece of it
/// is dropped, if it has the pool's size.
pub(crate) fn share(buffer: Vec<u8>) -> Bytes {
    Bytes::from_owner(Recycled(buffer))
}

struct Recycled(Vec<u8>);

impl AsRef<[u8]> for Recycled {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Recycled {
    fn drop(&mut self) {
        give(std::mem::take(&mut self.0));
    }
}

/// Gives `buffer` back to the pool if it has the pool's size (and the pool has room); drops it
/// otherwise.
pub(crate) fn give(mut buffer: Vec<u8>) {
    if buffer.capacity() != SIZE {
        return;
    }
    buffer.clear();
    // `try_with`: a thread being torn down has no pool left to give it to.
    let _ = FREE.try_with(|free| {
        if let Ok(mut free) = free.try_borrow_mut()
            && free.len() < KEPT
        {
            free.push(buffer);
        }
    });
}

/// How many buffers this thread's pool holds (for tests).
#[cfg(test)]
pub(crate) fn pooled() -> usize {
    FREE.with_borrow(Vec::len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_comes_back_once_its_last_piece_is_dropped() {
        let mut buffer = take(10_000);
        assert_eq!(buffer.capacity(), SIZE);
        buffer.extend_from_slice(&[7; 10_000]);
        let address = buffer.as_ptr();
        let batch = share(buffer);
        let piece = batch.slice(500..);
        drop(batch);
        assert_eq!(pooled(), 0, "still in use by `piece`");
        drop(piece);
        assert_eq!(pooled(), 1);
        // Any need up to SIZE takes it, emptied.
        let again = take(SIZE);
        assert_eq!(again.as_ptr(), address);
        assert!(again.is_empty());
        assert_eq!(pooled(), 0);
    }

    #[test]
    fn small_large_and_outgrown_buffers_are_not_pooled() {
        let small = take(100);
        assert!(small.capacity() < SIZE);
        let large = take(SIZE + 1);
        assert!(large.capacity() > SIZE);
        let mut outgrown = take(SMALL + 1);
        outgrown.extend_from_slice(&vec![1; SIZE + 1]);
        for buffer in [small, large, outgrown] {
            drop(share(buffer));
        }
        assert_eq!(pooled(), 0);
        drop(share(take(SIZE)));
        assert_eq!(pooled(), 1);
    }
}
