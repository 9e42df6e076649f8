//! The transparent proxy: every byte forwarded unchanged, a copy of each read by the inspector.
//!
//! ```text
//!  client ──TCP──▶ [ forward: read, write on, copy ] ──TCP──▶ server
//!         ◀──────  [ forward: read, write on, copy ] ◀──────
//!                              │ copies (Bytes), bounded by MAX_BACKLOG
//!                              ▼
//!                  inspector thread: Connection per TCP connection → Event → text / JSON
//! ```
//!
//! Forwarding never waits for display. Each direction of each connection is a task that reads,
//! writes what it read to the other side, and hands a copy to the inspector thread, which owns
//! every [`Connection`] and writes the output. If the inspector falls [`MAX_BACKLOG`] octets
//! behind (a slow terminal under heavy load), the connections that push further stop being
//! inspected, with a line saying so, and are still forwarded. A half-close is passed on as a
//! half-close; a reset or error on either side closes both.

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

use super::connection::{BlockRole, Connection, Event, EventKind, Methods, Options};
use super::reader::Direction;
use super::render::{Style, calls_line, json, stream_of, text};

/// How far (in octets of copies not yet read) the inspector may fall behind the forwarding.
pub const MAX_BACKLOG: usize = 256 * 1024 * 1024;

/// The size of each read.
const READ_SIZE: usize = 64 * 1024;

/// What the inspector prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Annotated text, every event.
    Text(Style),
    /// One JSON object per event.
    Json,
    /// One line per call.
    Calls(Style),
}

/// What to print and how to read it.
#[derive(Debug, Clone)]
pub struct Display {
    /// The format.
    pub output: Output,
    /// Only the calls of these methods (full `/pkg.Service/Method`, `pkg.Service/Method`,
    /// `pkg.Service` or `Method`); all when empty.
    pub methods_shown: Vec<String>,
    /// The schema's methods, to decode messages.
    pub methods: Arc<Methods>,
    /// The bounds of each connection's reading.
    pub options: Options,
}

enum Copy {
    Opened {
        conn: u64,
        at: Duration,
        peer: SocketAddr,
    },
    Bytes {
        conn: u64,
        direction: Direction,
        at: Duration,
        bytes: Bytes,
    },
    Closed {
        conn: u64,
        direction: Direction,
        at: Duration,
        error: Option<String>,
    },
    Dropped {
        conn: u64,
        at: Duration,
    },
    Refused {
        conn: u64,
        error: String,
    },
}

/// The shared state of the forwarding side.
struct Shared {
    start: Instant,
    backlog: AtomicUsize,
    copies: mpsc::Sender<Copy>,
}

/// Accepts connections on `listener` and forwards each to `target` until the process ends;
/// prints to `out` on a thread of its own.
pub async fn run(
    listener: TcpListener,
    target: String,
    display: Display,
    out: Box<dyn Write + Send>,
) -> std::io::Result<()> {
    let (copies, inbox) = mpsc::channel();
    let shared = Arc::new(Shared {
        start: Instant::now(),
        backlog: AtomicUsize::new(0),
        copies,
    });
    let inspector_shared = Arc::clone(&shared);
    std::thread::Builder::new()
        .name("inspector".into())
        .spawn(move || inspect(inbox, &inspector_shared.backlog, display, out))?;
    let mut next = 0u64;
    loop {
        let (client, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // EMFILE and friends: the connections already proxied carry on; wait a moment
                // rather than spin.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        next += 1;
        let conn = next;
        let shared = Arc::clone(&shared);
        let target = target.clone();
        tokio::spawn(async move {
            let at = shared.start.elapsed();
            let _ = shared.copies.send(Copy::Opened { conn, at, peer });
            match TcpStream::connect(&target).await {
                Ok(server) => splice(conn, client, server, shared).await,
                Err(error) => {
                    let error = format!("cannot reach the target {target}: {error}");
                    let _ = shared.copies.send(Copy::Refused { conn, error });
                }
            }
        });
    }
}

async fn splice(conn: u64, client: TcpStream, server: TcpStream, shared: Arc<Shared>) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let inspected = Arc::new(AtomicBool::new(true));
    let up = forward(
        conn,
        Direction::ClientToServer,
        client_read,
        server_write,
        Arc::clone(&shared),
        Arc::clone(&inspected),
    );
    let down = forward(
        conn,
        Direction::ServerToClient,
        server_read,
        client_write,
        shared,
        inspected,
    );
    tokio::join!(up, down);
}

async fn forward(
    conn: u64,
    direction: Direction,
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    shared: Arc<Shared>,
    inspected: Arc<AtomicBool>,
) {
    let mut buffer = vec![0u8; READ_SIZE];
    let error = loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) => break None,
            Ok(n) => n,
            Err(error) => break Some(error.to_string()),
        };
        if let Err(error) = to.write_all(&buffer[..n]).await {
            break Some(format!("writing on: {error}"));
        }
        if inspected.load(Ordering::Relaxed) {
            let at = shared.start.elapsed();
            if shared.backlog.fetch_add(n, Ordering::Relaxed) + n > MAX_BACKLOG {
                shared.backlog.fetch_sub(n, Ordering::Relaxed);
                inspected.store(false, Ordering::Relaxed);
                let _ = shared.copies.send(Copy::Dropped { conn, at });
            } else {
                let bytes = Bytes::copy_from_slice(&buffer[..n]);
                let _ = shared.copies.send(Copy::Bytes {
                    conn,
                    direction,
                    at,
                    bytes,
                });
            }
        }
    };
    // Pass the end on: a clean end as a half-close; an error by dropping `to` (both halves
    // dropped close the socket).
    if error.is_none() {
        let _ = to.shutdown().await;
    }
    let at = shared.start.elapsed();
    let _ = shared.copies.send(Copy::Closed {
        conn,
        direction,
        at,
        error,
    });
}

/// Per connection: its reading, whether it is still read, and the method of each stream.
struct Inspected {
    connection: Connection,
    closed: [bool; 2],
    methods: HashMap<u32, String>,
}

fn inspect(
    inbox: mpsc::Receiver<Copy>,
    backlog: &AtomicUsize,
    display: Display,
    mut out: Box<dyn Write + Send>,
) {
    let mut connections: HashMap<u64, Inspected> = HashMap::new();
    let mut events = Vec::new();
    let mut text_out = String::new();
    while let Ok(first) = inbox.recv() {
        let mut next = Some(first);
        while let Some(copy) = next {
            match copy {
                Copy::Opened { conn, at, peer } => {
                    connections.insert(
                        conn,
                        Inspected {
                            connection: Connection::new(
                                Arc::clone(&display.methods),
                                display.options,
                            ),
                            closed: [false; 2],
                            methods: HashMap::new(),
                        },
                    );
                    match display.output {
                        Output::Text(_) => {
                            text_out.push_str(&format!("conn {conn} opened by {peer}\n"));
                        }
                        Output::Json => {
                            text_out.push_str(&json::opened(conn, at, peer));
                            text_out.push('\n');
                        }
                        Output::Calls(_) => {}
                    }
                }
                Copy::Refused { conn, error } => {
                    connections.remove(&conn);
                    let event = Event {
                        direction: Direction::ClientToServer,
                        at: Duration::ZERO,
                        kind: EventKind::Problem {
                            stream_id: None,
                            text: error,
                        },
                    };
                    render(conn, &event, &display, &mut text_out);
                }
                Copy::Bytes {
                    conn,
                    direction,
                    at,
                    bytes,
                } => {
                    backlog.fetch_sub(bytes.len(), Ordering::Relaxed);
                    if let Some(inspected) = connections.get_mut(&conn) {
                        inspected
                            .connection
                            .push(direction, &bytes, at, &mut events);
                        show(conn, inspected, &mut events, &display, &mut text_out);
                    }
                }
                Copy::Dropped { conn, at } => {
                    if let Some(mut inspected) = connections.remove(&conn) {
                        events.push(Event {
                            direction: Direction::ClientToServer,
                            at,
                            kind: EventKind::Problem {
                                stream_id: None,
                                text: format!(
                                    "the display fell {} MiB behind: this connection is forwarded but no longer inspected",
                                    MAX_BACKLOG >> 20
                                ),
                            },
                        });
                        show(conn, &mut inspected, &mut events, &display, &mut text_out);
                    }
                }
                Copy::Closed {
                    conn,
                    direction,
                    at,
                    error,
                } => {
                    if let Some(inspected) = connections.get_mut(&conn) {
                        events.push(Event {
                            direction,
                            at,
                            kind: EventKind::Closed { error },
                        });
                        let i = usize::from(direction == Direction::ServerToClient);
                        inspected.closed[i] = true;
                        if inspected.closed == [true, true] {
                            inspected.connection.close(at, &mut events);
                        }
                        show(conn, inspected, &mut events, &display, &mut text_out);
                        if inspected.closed == [true, true] {
                            connections.remove(&conn);
                        }
                    }
                }
            }
            if text_out.len() > 64 * 1024 {
                let _ = out.write_all(text_out.as_bytes());
                text_out.clear();
            }
            next = inbox.try_recv().ok();
        }
        let _ = out.write_all(text_out.as_bytes());
        text_out.clear();
        let _ = out.flush();
    }
}

/// Whether a method matches one of the filters.
fn method_matches(path: &str, filters: &[String]) -> bool {
    let trimmed = path.trim_start_matches('/');
    let (service, method) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    filters
        .iter()
        .any(|f| f == path || f == trimmed || f == service || f == method)
}

fn show(
    conn: u64,
    inspected: &mut Inspected,
    events: &mut Vec<Event>,
    display: &Display,
    out: &mut String,
) {
    for event in events.iter() {
        if let EventKind::Headers(block) = &event.kind
            && block.role == BlockRole::RequestHeaders
            && let Some((_, path)) = block.fields().find(|(name, _)| *name == b":path")
        {
            inspected
                .methods
                .insert(block.stream_id, String::from_utf8_lossy(path).into_owned());
        }
    }
    for event in events.drain(..) {
        if !display.methods_shown.is_empty() {
            let shown = inspected
                .methods
                .get(&stream_of(&event))
                .is_some_and(|path| method_matches(path, &display.methods_shown));
            if !shown {
                continue;
            }
        }
        if let EventKind::CallEnd(summary) = &event.kind {
            inspected.methods.remove(&summary.stream_id);
        }
        render(conn, &event, display, out);
    }
}

fn render(conn: u64, event: &Event, display: &Display, out: &mut String) {
    match display.output {
        Output::Text(style) => out.push_str(&text::render(conn, event, style)),
        Output::Json => {
            out.push_str(&json::render(conn, event));
            out.push('\n');
        }
        Output::Calls(style) => {
            if let EventKind::CallEnd(summary) = &event.kind {
                out.push_str(&calls_line(conn, summary, style));
                out.push('\n');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::method_matches;

    #[test]
    fn method_filters() {
        let filters = |f: &[&str]| f.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let path = "/hello.Greeter/SayHello";
        for filter in [
            "/hello.Greeter/SayHello",
            "hello.Greeter/SayHello",
            "hello.Greeter",
            "SayHello",
        ] {
            assert!(method_matches(path, &filters(&[filter])), "{filter}");
        }
        assert!(!method_matches(path, &filters(&["Greeter", "hello"])));
    }
}
