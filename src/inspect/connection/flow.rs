//! Flow-control windows, as each side's sender must count them
//! ([RFC 9113 §6.9](https://www.rfc-editor.org/rfc/rfc9113#section-6.9)):
//!
//! > A sender MUST NOT send a flow-controlled frame with a length that exceeds the space
//! > available in either of the flow-control windows advertised by the receiver.
//!
//! Only DATA is flow-controlled; its whole payload counts, padding included (§6.9.1). Both
//! windows start at 65,535 (§6.9.2); the receiver's SETTINGS_INITIAL_WINDOW_SIZE moves every
//! stream window by the difference (§6.9.2), WINDOW_UPDATE adds to one window. The proxy sees
//! each change when it passes by, a moment before the other side applies it.

use std::collections::HashMap;

use crate::inspect::reader::Direction;

/// The initial size of every window (§6.9.2).
pub const INITIAL_WINDOW: i64 = 65_535;

/// One sender's windows after a frame, as shown beside DATA and WINDOW_UPDATE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    /// The side whose send windows these are.
    pub sender: Direction,
    /// The octets a DATA frame charged (0 for WINDOW_UPDATE).
    pub charged: u32,
    /// The connection window afterwards.
    pub connection_window: i64,
    /// The stream window afterwards (`None` for the connection or a stream not tracked).
    pub stream_window: Option<i64>,
}

/// The send windows of one side.
#[derive(Debug)]
struct Side {
    connection: i64,
    initial_stream: i64,
    streams: HashMap<u32, i64>,
}

impl Side {
    fn new() -> Self {
        Self {
            connection: INITIAL_WINDOW,
            initial_stream: INITIAL_WINDOW,
            streams: HashMap::new(),
        }
    }
}

/// The windows of both sides of a connection.
#[derive(Debug)]
pub struct Windows {
    client: Side,
    server: Side,
}

impl Default for Windows {
    fn default() -> Self {
        Self {
            client: Side::new(),
            server: Side::new(),
        }
    }
}

impl Windows {
    fn side(&mut self, sender: Direction) -> &mut Side {
        match sender {
            Direction::ClientToServer => &mut self.client,
            Direction::ServerToClient => &mut self.server,
        }
    }

    /// A stream opened: its windows start at each receiver's initial size.
    pub fn open(&mut self, stream_id: u32) {
        for side in [&mut self.client, &mut self.server] {
            side.streams.entry(stream_id).or_insert(side.initial_stream);
        }
    }

    /// A stream closed: its windows are forgotten.
    pub fn close(&mut self, stream_id: u32) {
        self.client.streams.remove(&stream_id);
        self.server.streams.remove(&stream_id);
    }

    /// A DATA frame of `flow_len` octets sent by `sender` on `stream_id`.
    pub fn data(&mut self, sender: Direction, stream_id: u32, flow_len: u32) -> Flow {
        let side = self.side(sender);
        side.connection -= i64::from(flow_len);
        let stream_window = side.streams.get_mut(&stream_id).map(|window| {
            *window -= i64::from(flow_len);
            *window
        });
        Flow {
            sender,
            charged: flow_len,
            connection_window: side.connection,
            stream_window,
        }
    }

    /// A WINDOW_UPDATE sent by the receiver `from`: it widens the other side's window.
    pub fn update(&mut self, from: Direction, stream_id: u32, increment: u32) -> Flow {
        let sender = opposite(from);
        let side = self.side(sender);
        let stream_window = if stream_id == 0 {
            side.connection += i64::from(increment);
            None
        } else {
            side.streams.get_mut(&stream_id).map(|window| {
                *window += i64::from(increment);
                *window
            })
        };
        Flow {
            sender,
            charged: 0,
            connection_window: side.connection,
            stream_window,
        }
    }

    /// SETTINGS_INITIAL_WINDOW_SIZE sent by the receiver `from`: every stream window of the
    /// other side moves by the difference.
    pub fn initial_window(&mut self, from: Direction, value: u32) {
        let side = self.side(opposite(from));
        let delta = i64::from(value) - side.initial_stream;
        side.initial_stream = i64::from(value);
        for window in side.streams.values_mut() {
            *window += delta;
        }
    }
}

/// The other way.
#[must_use]
pub fn opposite(direction: Direction) -> Direction {
    match direction {
        Direction::ClientToServer => Direction::ServerToClient,
        Direction::ServerToClient => Direction::ClientToServer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Direction::{ClientToServer as C, ServerToClient as S};

    #[test]
    fn data_charges_both_windows_and_updates_refill_one() {
        let mut windows = Windows::default();
        windows.open(1);
        let flow = windows.data(S, 1, 1000);
        assert_eq!(
            (flow.connection_window, flow.stream_window),
            (64_535, Some(64_535))
        );
        let flow = windows.update(C, 0, 1000);
        assert_eq!(
            (flow.sender, flow.connection_window, flow.stream_window),
            (S, 65_535, None)
        );
        let flow = windows.update(C, 1, 500);
        assert_eq!(flow.stream_window, Some(65_035));
        // The client's own windows did not move.
        assert_eq!(windows.data(C, 1, 0).connection_window, 65_535);
    }

    #[test]
    fn initial_window_setting_moves_open_streams() {
        let mut windows = Windows::default();
        windows.open(1);
        windows.data(C, 1, 35);
        windows.initial_window(S, 1_048_576);
        assert_eq!(windows.data(C, 1, 0).stream_window, Some(1_048_576 - 35));
        windows.open(3);
        assert_eq!(windows.data(C, 3, 0).stream_window, Some(1_048_576));
        // The connection window is not moved by the setting (§6.9.2).
        assert_eq!(windows.data(C, 3, 0).connection_window, 65_500);
    }
}
