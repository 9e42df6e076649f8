//! The PING policy of a server: a client that PINGs without doing anything else is stopped,
//! as [gRFC A8](https://github.com/grpc/proposal/blob/master/A8-client-side-keepalive.md)
//! describes for gRPC servers:
//!
//! > the server [...] may send a GOAWAY with ENHANCE_YOUR_CALM [...] if the client pings
//! > too frequently. [...] When the server receives a ping too frequently it increments a
//! > counter ("ping strikes") [...] and when the counter exceeds a limit, the server sends a GOAWAY
//! > with error code ENHANCE_YOUR_CALM and debug data of "too_many_pings".
//!
//! `h2` answers PINGs by itself and never shows them, so the server reads the frame headers of
//! what the client sends on the way in (`PingWatched`, which wraps the socket): no payload is
//! copied or parsed, only each frame's 9-octet header is looked at, both ways. A PING that comes
//! less than [`MIN_PING_INTERVAL`] after the previous one, with no HEADERS or DATA sent either way
//! in between, is a strike; the third strike ([`MAX_PING_STRIKES`] exceeded) marks the connection,
//! and the server's connection loop answers with GOAWAY `ENHANCE_YOUR_CALM` (`h2` sends no debug
//! data with it).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::lifetime::CallTracker;

/// PINGs closer together than this, with nothing else between, are strikes: 10 s, the shortest
/// keepalive time gRPC clients allow themselves (grpc-go clamps lower settings to it).
pub const MIN_PING_INTERVAL: Duration = Duration::from_secs(10);

/// Strikes allowed; one more and the connection gets GOAWAY: 2, as grpc-core and grpc-go.
pub const MAX_PING_STRIKES: u32 = 2;

/// The client connection preface, skipped before the first frame (RFC 9113 §3.4).
const PREFACE_LEN: usize = 24;
const FRAME_HEADER_LEN: usize = 9;
const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const PING: u8 = 0x6;
const ACK: u8 = 0x1;

/// Finds the frame headers in one direction of a connection, one chunk at a time.
#[derive(Debug)]
struct Headers {
    /// Octets still to skip: the preface, or the rest of a frame's payload.
    skip: usize,
    header: [u8; FRAME_HEADER_LEN],
    have: usize,
}

impl Headers {
    fn new(skip: usize) -> Self {
        Self {
            skip,
            header: [0; FRAME_HEADER_LEN],
            have: 0,
        }
    }

    /// Calls `frame(type, flags)` for each frame header that completes in `bytes`.
    fn feed(&mut self, mut bytes: &[u8], mut frame: impl FnMut(u8, u8)) {
        while !bytes.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(bytes.len());
                self.skip -= n;
                bytes = &bytes[n..];
                continue;
            }
            let n = (FRAME_HEADER_LEN - self.have).min(bytes.len());
            self.header[self.have..self.have + n].copy_from_slice(&bytes[..n]);
            self.have += n;
            bytes = &bytes[n..];
            if self.have == FRAME_HEADER_LEN {
                self.have = 0;
                let [l0, l1, l2, kind, flags, ..] = self.header;
                self.skip = usize::from(l0) << 16 | usize::from(l1) << 8 | usize::from(l2);
                frame(kind, flags);
            }
        }
    }
}

/// The PING policy of one connection, fed both directions (sans-IO but for the clock).
///
/// As in grpc-core, what clears the strikes is the server sending HEADERS or DATA (a call
/// making progress), and the client sending HEADERS or DATA too: a client that PINGs to
/// measure bandwidth while it receives a stream is not flooding.
#[derive(Debug)]
pub struct PingWatch {
    received: Headers,
    sent: Headers,
    strikes: u32,
    last_ping: Option<Instant>,
}

impl Default for PingWatch {
    fn default() -> Self {
        Self {
            received: Headers::new(PREFACE_LEN),
            sent: Headers::new(0),
            strikes: 0,
            last_ping: None,
        }
    }
}

impl PingWatch {
    /// Reads the next octets from the client; `true` once the strikes exceed the limit.
    pub fn read(&mut self, bytes: &[u8]) -> bool {
        let (strikes, last_ping) = (&mut self.strikes, &mut self.last_ping);
        self.received.feed(bytes, |kind, flags| match kind {
            HEADERS | DATA => (*strikes, *last_ping) = (0, None),
            PING if flags & ACK == 0 => {
                let now = Instant::now();
                if last_ping.is_some_and(|last| now.duration_since(last) < MIN_PING_INTERVAL) {
                    *strikes += 1;
                }
                *last_ping = Some(now);
            }
            _ => {}
        });
        self.strikes > MAX_PING_STRIKES
    }

    /// Reads the next octets the server wrote.
    pub fn wrote(&mut self, bytes: &[u8]) {
        let (strikes, last_ping) = (&mut self.strikes, &mut self.last_ping);
        self.sent.feed(bytes, |kind, _| {
            if matches!(kind, HEADERS | DATA) {
                (*strikes, *last_ping) = (0, None);
            }
        });
    }
}

/// A server socket whose incoming frame headers go through a [`PingWatch`]; too many strikes
/// are reported to the connection's [`CallTracker`].
#[derive(Debug)]
pub(crate) struct PingWatched<T> {
    io: T,
    watch: PingWatch,
    tracker: Arc<CallTracker>,
}

impl<T> PingWatched<T> {
    pub(crate) fn new(io: T, tracker: Arc<CallTracker>) -> Self {
        Self {
            io,
            watch: PingWatch::default(),
            tracker,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for PingWatched<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled
            && this.watch.read(&buf.filled()[before..])
        {
            this.tracker.too_many_pings();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for PingWatched<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = std::task::ready!(Pin::new(&mut this.io).poll_write(cx, buf))?;
        this.watch.wrote(&buf[..written]);
        Poll::Ready(Ok(written))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = std::task::ready!(Pin::new(&mut this.io).poll_write_vectored(cx, bufs))?;
        let mut left = written;
        for buf in bufs {
            let n = left.min(buf.len());
            this.watch.wrote(&buf[..n]);
            left -= n;
            if left == 0 {
                break;
            }
        }
        Poll::Ready(Ok(written))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(kind: u8, flags: u8, payload_len: usize) -> Vec<u8> {
        let len = u32::try_from(payload_len).unwrap().to_be_bytes();
        let mut out = vec![len[1], len[2], len[3], kind, flags, 0, 0, 0, 0];
        out.resize(FRAME_HEADER_LEN + payload_len, 0);
        out
    }

    #[test]
    fn a_ping_flood_strikes_out_in_any_chunking() {
        let mut wire = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
        wire.extend(frame(0x4, 0, 0));
        for _ in 0..4 {
            wire.extend(frame(PING, 0, 8));
        }
        for chunk in [1, 5, 9, 17, wire.len()] {
            let mut watch = PingWatch::default();
            let mut out = false;
            for c in wire.chunks(chunk) {
                out |= watch.read(c);
            }
            assert!(out, "chunks of {chunk}");
            assert_eq!(watch.strikes, 3);
        }
    }

    #[test]
    fn the_server_sending_data_clears_the_strikes() {
        let mut watch = PingWatch::default();
        assert!(!watch.read(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
        for _ in 0..10 {
            assert!(!watch.read(&frame(PING, 0, 8)));
            watch.wrote(&frame(PING, ACK, 8));
            // A DATA frame of a server stream, written in two pieces.
            let data = frame(DATA, 0, 100);
            watch.wrote(&data[..4]);
            watch.wrote(&data[4..]);
        }
        assert_eq!(watch.strikes, 0);
    }

    #[test]
    fn calls_between_pings_and_acks_are_no_strike() {
        let mut watch = PingWatch::default();
        assert!(!watch.read(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
        for _ in 0..10 {
            assert!(!watch.read(&frame(PING, 0, 8)));
            assert!(!watch.read(&frame(HEADERS, 0x4, 30)));
            assert!(!watch.read(&frame(PING, ACK, 8)));
            // A DATA frame whose payload holds PING-like octets is skipped, not read.
            let mut data = frame(DATA, 0, 9);
            data[FRAME_HEADER_LEN + 3] = PING;
            assert!(!watch.read(&data));
        }
        assert_eq!(watch.strikes, 0);
    }
}
