//! The buffers of full batches, recycled on each thread.
//!
//! A full batch is handed to `h2` whole, and `h2` drops it once written. Given back to the
//! allocator, the batch buffers made the heap grow and shrink all the time (each regrowth a run of
//! page faults on fresh pages, and the data copied into cold memory); here the buffer goes back
//! to a small pool of the thread that drops it instead, and the next batch takes it from there.

use std::cell::RefCell;

use bytes::Bytes;

use super::outbox::LIMIT;

/// Buffers kept per thread, at most.
const KEPT: usize = 16;

/// The largest buffer kept: a batch is at most a message over [`LIMIT`], and rarely more.
const LARGEST: usize = 2 * LIMIT;

thread_local! {
    static FREE: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// An empty buffer of at least `capacity` bytes: a recycled one if the last one given back
/// is large enough, or else a new one.
pub(crate) fn take(capacity: usize) -> Vec<u8> {
    let recycled = FREE.with_borrow_mut(|free| match free.last() {
        Some(last) if last.capacity() >= capacity => free.pop(),
        _ => None,
    });
    recycled.unwrap_or_else(|| Vec::with_capacity(capacity))
}

/// `buffer` as a `Bytes` that gives the buffer back to the pool when the last piece of it
/// is dropped.
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
        let mut buffer = std::mem::take(&mut self.0);
        if buffer.capacity() > LARGEST {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_comes_back_once_its_last_piece_is_dropped() {
        let mut buffer = take(1000);
        buffer.extend_from_slice(&[7; 1000]);
        let address = buffer.as_ptr();
        let batch = share(buffer);
        let piece = batch.slice(500..);
        drop(batch);
        // Still in use by `piece`: a new buffer.
        let other = take(1000);
        assert_ne!(other.as_ptr(), address);
        drop(piece);
        let again = take(1000);
        assert_eq!(again.as_ptr(), address);
        assert!(again.is_empty());
        // Too small for what is asked: not taken.
        drop(share(again));
        let larger = take(4000);
        assert_ne!(larger.as_ptr(), address);
    }
}
