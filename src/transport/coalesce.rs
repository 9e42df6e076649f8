//! Fewer, larger writes: the DATA frames `h2` writes in one turn leave in one system call.
//!
//! `h2` writes a large DATA frame as two pieces, its 9-byte frame header (RFC 9113 §4.1) and
//! the payload the frame points into (a vectored write, no copy), and then flushes, to use the
//! same space for the next frame: one `writev` per frame. With the peer's default
//! SETTINGS_MAX_FRAME_SIZE of 16 KiB (§6.5.2), a server streaming 1 MiB would make 65 system
//! calls per call, and much of the kernel's work is per call, not per byte (a TCP segment, a
//! wake-up of the reader).
//!
//! [`Coalescing`] sits between `h2` and the socket, on both sides of a connection:
//!
//! - A small write (under [`HOLD_FROM`] bytes) passes straight through when nothing is held:
//!   `h2` already gathers small frames (HEADERS, a unary reply's DATA, trailers) in its own
//!   buffer and writes them together, so unary calls see no change.
//! - A large write (a DATA frame's header and payload) is copied into a buffer of up to
//!   [`CAPACITY`] bytes, whole frames only, and the flush `h2` makes right after it is put off:
//!   the connection's task wakes itself, and the held bytes leave at its next turn, the first
//!   thing `h2` does then being a read of the socket. Meanwhile the calls that were ready ran
//!   and queued more, so a busy connection writes three 16 KiB frames per system call.
//! - A frame that would overflow the buffer first writes what is held; a write of
//!   [`CAPACITY`] or more with nothing held passes through. Bytes never overtake held ones, and
//!   a shutdown writes them first.
//!
//! Nothing waits longer than one turn of the runtime. The price is one more copy of each large
//! frame (stream1k: user time +40 µs per call, kernel time −190 µs, in the same run) and a
//! buffer of [`CAPACITY`] per connection while it holds bytes. Once they are written the buffer
//! goes to its thread's spares (at most [`SPARES`]), where the next connection to hold bytes on
//! that thread takes it: memory follows the connections busy writing large frames, not every
//! connection that ever did (which kept 64 KiB each for its life, 625 MiB for 10,000 of them).
//!
//! Measured (`benches/load.py --compare --scenario stream1k`, 1,000 × 1 KiB per call, server
//! on one core): `sendto` per call 65 → 24, server CPU per call 600–690 → 540 µs, tonic
//! 815 µs. Holding up to 256 KiB (sixteen frames per write) measured worse than no coalescing
//! at all (930 µs per call), and so did writes of exactly 64 KiB that split a frame (1,100 µs):
//! on loopback a write over one 64 KiB segment costs the kernel more per byte, not less.

use std::cell::RefCell;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A write of at least this many bytes is held rather than passed through (unless it is
/// [`CAPACITY`] or more): `h2` copies frames under 256 bytes into its own 16 KiB buffer, so a
/// write this large is, in practice, a DATA frame's payload.
pub(crate) const HOLD_FROM: usize = 4 * 1024;

/// The most bytes held, and so written at once: 64 KiB, the most the kernel builds into one TCP
/// segment before cutting it for the wire (GSO), and on loopback one segment. Frames are held
/// whole, so three 16 KiB DATA frames leave together. Larger measured worse (module docs).
pub(crate) const CAPACITY: usize = 64 * 1024;

/// Empty buffers of [`CAPACITY`] kept per thread between uses, at most: enough for the
/// connections of a worker that are writing large frames in the same turn, in the common case.
pub(crate) const SPARES: usize = 4;

thread_local! {
    static SPARE: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// An empty buffer of [`CAPACITY`]: one of the thread's spares, or a new one.
fn take_spare() -> Vec<u8> {
    SPARE
        .try_with(|spare| spare.try_borrow_mut().ok()?.pop())
        .ok()
        .flatten()
        .unwrap_or_else(|| Vec::with_capacity(CAPACITY))
}

/// Keeps `buffer` among the thread's spares, emptied, if there is room; drops it otherwise.
fn give_spare(mut buffer: Vec<u8>) {
    if buffer.capacity() != CAPACITY {
        return;
    }
    buffer.clear();
    // `try_with`: a thread being torn down has no spares left to keep it in.
    let _ = SPARE.try_with(|spare| {
        if let Ok(mut spare) = spare.try_borrow_mut()
            && spare.len() < SPARES
        {
            spare.push(buffer);
        }
    });
}

/// An I/O object whose large writes are coalesced (see the module docs).
#[derive(Debug)]
pub(crate) struct Coalescing<T> {
    io: T,
    /// Bytes accepted from `h2`, not yet written; `held[sent..]` is what is left. No buffer
    /// (capacity 0) while nothing is held.
    held: Vec<u8>,
    sent: usize,
    /// A flush was put off: the held bytes go out at the next read, write or flush.
    deferred: bool,
}

impl<T> Coalescing<T> {
    pub(crate) fn new(io: T) -> Self {
        Self {
            io,
            held: Vec::new(),
            sent: 0,
            deferred: false,
        }
    }
}

impl<T: AsyncWrite + Unpin> Coalescing<T> {
    /// Writes every held byte, and flushes the I/O object (a TLS stream may hold bytes too).
    fn poll_write_held(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.held.len() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &self.held[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        give_spare(std::mem::take(&mut self.held));
        self.sent = 0;
        self.deferred = false;
        Pin::new(&mut self.io).poll_flush(cx)
    }
}

impl<T> Drop for Coalescing<T> {
    fn drop(&mut self) {
        give_spare(std::mem::take(&mut self.held));
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for Coalescing<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.deferred {
            // The turn that held them is over. If the socket is full, the bytes stay held and
            // the socket wakes the task when it has room; reading goes on meanwhile.
            if let Poll::Ready(Err(error)) = this.poll_write_held(cx) {
                return Poll::Ready(Err(error));
            }
        }
        Pin::new(&mut this.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Coalescing<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let len: usize = bufs.iter().map(|b| b.len()).sum();
        if this.held.is_empty() && !(HOLD_FROM..CAPACITY).contains(&len) {
            return Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        }
        if this.held.len() + len > CAPACITY {
            ready!(this.poll_write_held(cx))?;
            if len >= CAPACITY {
                return Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
            }
        }
        if this.held.capacity() == 0 {
            this.held = take_spare();
        }
        for buf in bufs {
            this.held.extend_from_slice(buf);
        }
        Poll::Ready(Ok(len))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.held.is_empty() {
            // Put off to the task's next turn, which this makes sure comes.
            if !this.deferred {
                this.deferred = true;
                cx.waker().wake_by_ref();
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_write_held(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    use proptest::prelude::*;

    use super::*;

    /// An I/O object that records each write it accepts, at most `limit` bytes per call, or none
    /// while `stalled`; it never has anything to read.
    #[derive(Debug, Default)]
    struct Recorder {
        writes: Vec<Vec<u8>>,
        limit: Option<usize>,
        stalled: bool,
        flushes: usize,
    }

    impl Recorder {
        fn all(&self) -> Vec<u8> {
            self.writes.concat()
        }
    }

    impl AsyncRead for Recorder {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Poll::Pending
        }
    }

    impl AsyncWrite for Recorder {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            let this = self.get_mut();
            if this.stalled {
                return Poll::Pending;
            }
            let n = buf.len().min(this.limit.unwrap_or(usize::MAX));
            this.writes.push(buf[..n].to_vec());
            Poll::Ready(Ok(n))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.get_mut().flushes += 1;
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// Counts its wake-ups.
    #[derive(Default)]
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    struct Turns {
        count: Arc<Count>,
        waker: Waker,
    }

    impl Turns {
        fn new() -> Self {
            let count = Arc::new(Count::default());
            let waker = Waker::from(count.clone());
            Self { count, waker }
        }
        fn woken(&self) -> usize {
            self.count.0.load(Ordering::Relaxed)
        }
        fn write(
            &self,
            io: &mut Coalescing<Recorder>,
            pieces: &[&[u8]],
        ) -> Poll<io::Result<usize>> {
            let slices: Vec<IoSlice<'_>> = pieces.iter().map(|p| IoSlice::new(p)).collect();
            Pin::new(io).poll_write_vectored(&mut Context::from_waker(&self.waker), &slices)
        }
        fn flush(&self, io: &mut Coalescing<Recorder>) -> Poll<io::Result<()>> {
            Pin::new(io).poll_flush(&mut Context::from_waker(&self.waker))
        }
        fn read(&self, io: &mut Coalescing<Recorder>) -> Poll<io::Result<()>> {
            let mut space = [0; 16];
            let mut buf = ReadBuf::new(&mut space);
            Pin::new(io).poll_read(&mut Context::from_waker(&self.waker), &mut buf)
        }
    }

    /// Writes a DATA frame as `h2` does (9-byte head and payload in one vectored write, every
    /// byte `byte`), then flushes as `h2` does after one; appends the frame to `sent`.
    fn send_frame(turns: &Turns, io: &mut Coalescing<Recorder>, byte: u8, sent: &mut Vec<u8>) {
        let (head, payload) = (vec![byte; 9], vec![byte; 16 * 1024]);
        let n = head.len() + payload.len();
        assert!(matches!(turns.write(io, &[&head, &payload]), Poll::Ready(Ok(m)) if m == n));
        assert!(matches!(turns.flush(io), Poll::Ready(Ok(()))));
        sent.extend_from_slice(&head);
        sent.extend_from_slice(&payload);
    }

    #[test]
    fn small_writes_go_straight_through() {
        let turns = Turns::new();
        let mut io = Coalescing::new(Recorder::default());
        assert!(matches!(
            turns.write(&mut io, &[b"HEADERS", b"+DATA"]),
            Poll::Ready(Ok(7))
        ));
        assert_eq!(io.io.writes, vec![b"HEADERS".to_vec()]);
        assert!(turns.flush(&mut io).is_ready());
        assert_eq!(io.io.flushes, 1);
        assert_eq!(turns.woken(), 0);
    }

    #[test]
    fn large_frames_leave_together_at_the_next_turn() {
        let turns = Turns::new();
        let mut io = Coalescing::new(Recorder::default());
        let mut sent = Vec::new();
        // h2 flushes after every large frame: each flush is put off, the task's next turn asked for.
        for byte in 1..=3 {
            send_frame(&turns, &mut io, byte, &mut sent);
        }
        assert!(io.io.writes.is_empty(), "nothing written within the turn");
        assert_eq!(turns.woken(), 1, "one wake-up for the turn's held bytes");
        // The next turn: h2 reads first, which writes what the last turn held, in one write.
        assert!(turns.read(&mut io).is_pending());
        assert_eq!(io.io.writes.len(), 1);
        assert_eq!(io.io.all(), sent);
        // Nothing held: a flush is a flush again, and nobody is woken.
        assert!(turns.flush(&mut io).is_ready());
        assert_eq!(turns.woken(), 1);
    }

    /// The thread's spare buffers, by address.
    fn spares() -> Vec<*const u8> {
        SPARE.with_borrow(|spare| spare.iter().map(|b| b.as_ptr()).collect())
    }

    #[test]
    fn a_connection_holds_a_buffer_only_while_it_holds_bytes() {
        let turns = Turns::new();
        let (mut first, mut second) = (
            Coalescing::new(Recorder::default()),
            Coalescing::new(Recorder::default()),
        );
        let mut sent = Vec::new();
        send_frame(&turns, &mut first, 1, &mut sent);
        assert_eq!(first.held.capacity(), CAPACITY);
        let buffer = first.held.as_ptr();
        assert!(turns.read(&mut first).is_pending());
        assert_eq!(first.io.all(), sent, "written at the next turn");
        // Written: the buffer is a spare of the thread's, and the next connection to hold
        // bytes takes that one.
        assert_eq!(first.held.capacity(), 0);
        assert_eq!(spares().last(), Some(&buffer));
        send_frame(&turns, &mut second, 2, &mut Vec::new());
        assert_eq!(second.held.as_ptr(), buffer);
        assert!(!spares().contains(&buffer));
        // Dropped while holding: the buffer goes back, emptied.
        drop(second);
        assert_eq!(spares().last(), Some(&buffer));
        assert!(SPARE.with_borrow(|spare| spare.iter().all(Vec::is_empty)));
    }

    #[test]
    fn the_spares_are_bounded() {
        let turns = Turns::new();
        let mut connections: Vec<_> = (0..SPARES + 3)
            .map(|_| Coalescing::new(Recorder::default()))
            .collect();
        for (byte, io) in (1..).zip(&mut connections) {
            send_frame(&turns, io, byte, &mut Vec::new());
        }
        for io in &mut connections {
            assert!(turns.read(io).is_pending());
            assert_eq!(io.held.capacity(), 0);
        }
        assert_eq!(spares().len(), SPARES);
    }

    #[test]
    fn a_full_buffer_is_written_before_the_frame_that_would_overflow_it() {
        let turns = Turns::new();
        let mut io = Coalescing::new(Recorder::default());
        let mut sent = Vec::new();
        for byte in 1..=5 {
            send_frame(&turns, &mut io, byte, &mut sent);
        }
        // Frames are held whole: three fit in 64 KiB, the fourth sent those three.
        let sizes: Vec<usize> = io.io.writes.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![3 * (9 + 16 * 1024)]);
        assert!(
            Pin::new(&mut io)
                .poll_shutdown(&mut Context::from_waker(&turns.waker))
                .is_ready()
        );
        assert_eq!(io.io.all(), sent, "shutdown writes what is held");
    }

    #[test]
    fn held_bytes_wait_for_a_full_socket_and_are_never_reordered() {
        let turns = Turns::new();
        let mut io = Coalescing::new(Recorder::default());
        let big = vec![7; HOLD_FROM];
        assert!(turns.write(&mut io, &[&big]).is_ready());
        assert!(turns.flush(&mut io).is_ready());
        io.io.stalled = true;
        // The next turn cannot write them: they stay held, and reading goes on.
        assert!(turns.read(&mut io).is_pending());
        assert!(io.io.writes.is_empty());
        // A small write now must not overtake them.
        assert!(turns.write(&mut io, &[b"small"]).is_ready());
        assert!(io.io.writes.is_empty());
        io.io.stalled = false;
        assert!(turns.read(&mut io).is_pending());
        let mut expected = big.clone();
        expected.extend_from_slice(b"small");
        assert_eq!(io.io.all(), expected);
    }

    proptest! {
        /// Whatever the sizes of the writes, the flushes and reads between them, and however
        /// little the socket takes per call, every byte arrives once and in order, no write
        /// but a pass-through one is larger than CAPACITY, and a shutdown leaves nothing held.
        #[test]
        fn every_byte_arrives_in_order(
            steps in proptest::collection::vec((0usize..80_000, 0u8..3), 1..40),
            limit in prop_oneof![Just(None), (1usize..70_000).prop_map(Some)],
        ) {
            let turns = Turns::new();
            let mut io = Coalescing::new(Recorder { limit, ..Recorder::default() });
            let mut sent = Vec::new();
            for (i, (len, then)) in steps.into_iter().enumerate() {
                let data: Vec<u8> = (0..len).map(|j| (i * 31 + j).to_le_bytes()[0]).collect();
                let mut rest = &data[..];
                while !rest.is_empty() {
                    match turns.write(&mut io, &[rest]) {
                        Poll::Ready(Ok(n)) => {
                            prop_assert!(n > 0 && n <= rest.len());
                            sent.extend_from_slice(&rest[..n]);
                            rest = &rest[n..];
                        }
                        other => prop_assert!(false, "write: {other:?}"),
                    }
                }
                match then {
                    0 => prop_assert!(turns.flush(&mut io).is_ready()),
                    1 => prop_assert!(turns.read(&mut io).is_pending()),
                    _ => {}
                }
            }
            prop_assert!(Pin::new(&mut io)
                .poll_shutdown(&mut Context::from_waker(&turns.waker))
                .is_ready());
            prop_assert_eq!(io.io.all(), sent);
        }
    }
}
