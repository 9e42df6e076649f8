//! An HTTP/2 server peer at the byte level, for what `h2` will not do on request: a GOAWAY
//! whose last stream id is below a stream the client already opened, and seeing exactly which
//! frames (and flags) the client sent.
//!
//! RFC 9113 §4.1 frame layout: Length (24 bits), Type (8), Flags (8), R + Stream Identifier (31),
//! then the payload.

use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub(crate) const DATA: u8 = 0x0;
pub(crate) const HEADERS: u8 = 0x1;
pub(crate) const SETTINGS: u8 = 0x4;
pub(crate) const PING: u8 = 0x6;
pub(crate) const GOAWAY: u8 = 0x7;

pub(crate) const END_STREAM: u8 = 0x1;
pub(crate) const ACK: u8 = 0x1;

/// The client connection preface (RFC 9113 §3.4).
const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// One HTTP/2 frame.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub(crate) kind: u8,
    pub(crate) flags: u8,
    pub(crate) stream_id: u32,
    pub(crate) payload: Bytes,
}

/// The server end of one connection, driven frame by frame.
#[derive(Debug)]
pub(crate) struct FramePeer {
    tcp: TcpStream,
}

impl FramePeer {
    /// Accepts a connection, checks the client preface and sends an empty SETTINGS frame.
    pub(crate) async fn accept(listener: &TcpListener) -> Self {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut preface = [0u8; 24];
        tcp.read_exact(&mut preface).await.unwrap();
        assert_eq!(&preface, PREFACE);
        let mut peer = Self { tcp };
        peer.write(SETTINGS, 0, 0, &[]).await;
        peer
    }

    pub(crate) async fn write(&mut self, kind: u8, flags: u8, stream_id: u32, payload: &[u8]) {
        let mut buf = BytesMut::with_capacity(9 + payload.len());
        let len = u32::try_from(payload.len()).unwrap();
        buf.put_slice(&len.to_be_bytes()[1..]);
        buf.put_u8(kind);
        buf.put_u8(flags);
        buf.put_u32(stream_id);
        buf.put_slice(payload);
        self.tcp.write_all(&buf).await.unwrap();
    }

    /// GOAWAY with this last stream id and error code.
    pub(crate) async fn goaway(&mut self, last_stream_id: u32, error_code: u32) {
        let mut payload = [0u8; 8];
        payload[..4].copy_from_slice(&last_stream_id.to_be_bytes());
        payload[4..].copy_from_slice(&error_code.to_be_bytes());
        self.write(GOAWAY, 0, 0, &payload).await;
    }

    /// The next frame that is not connection housekeeping: SETTINGS are acknowledged and PINGs
    /// answered on the way. `None` when the client closed the connection.
    pub(crate) async fn next_frame(&mut self) -> Option<Frame> {
        loop {
            let mut head = [0u8; 9];
            self.tcp.read_exact(&mut head).await.ok()?;
            let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
            let frame = Frame {
                kind: head[3],
                flags: head[4],
                stream_id: u32::from_be_bytes(head[5..9].try_into().unwrap()) & 0x7fff_ffff,
                payload: {
                    let mut payload = vec![0u8; len];
                    self.tcp.read_exact(&mut payload).await.ok()?;
                    payload.into()
                },
            };
            match (frame.kind, frame.flags & ACK) {
                (SETTINGS, 0) => self.write(SETTINGS, ACK, 0, &[]).await,
                (PING, 0) => {
                    let payload = frame.payload.clone();
                    self.write(PING, ACK, 0, &payload).await;
                }
                (SETTINGS | PING, _) => {}
                // WINDOW_UPDATE, PRIORITY: nothing to do.
                (0x8 | 0x2, _) => {}
                _ => return Some(frame),
            }
        }
    }
}
