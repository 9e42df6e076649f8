//! Running the `h2grpc` binary: `serve` in the background, other commands to completion, each
//! bounded in time so a hung process fails its test instead of hanging it.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// The binary cargo built for this test run.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_h2grpc");

/// How long any one command may take before the test gives up on it.
const PATIENCE: Duration = Duration::from_secs(20);

/// What a finished command left.
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs `h2grpc <args>` to its end.
pub(crate) fn run(args: &[&str]) -> Finished {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn h2grpc");
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let status = wait(&mut child, PATIENCE)
        .unwrap_or_else(|| panic!("h2grpc {args:?} still running after {PATIENCE:?}"));
    Finished {
        status,
        stdout: take(&stdout, status),
        stderr: take(&stderr, status),
    }
}

/// A running `h2grpc serve`; killed if dropped while running.
pub(crate) struct Serving {
    child: Child,
    /// The address from the `listening on <addr>` line.
    pub(crate) addr: SocketAddr,
    stderr: Arc<Mutex<Vec<u8>>>,
}

/// Starts `h2grpc serve --addr 127.0.0.1:0 <args>` and waits for its `listening on` line.
pub(crate) fn serve(args: &[&str]) -> Serving {
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn h2grpc serve");
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let stdout = child.stdout.take().expect("piped stdout");
    let (line_tx, line_rx) = mpsc::channel();
    thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let _ = line_tx.send(lines.next());
        // Keep reading: anything more on stdout is a bug the tests would want to see, and the
        // pipe must not fill.
        for line in lines.map_while(Result::ok) {
            eprintln!("unexpected stdout from h2grpc serve: {line}");
        }
    });
    let line = match line_rx.recv_timeout(PATIENCE) {
        Ok(Some(Ok(line))) => line,
        other => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "no `listening on` line ({other:?}); stderr: {}",
                String::from_utf8_lossy(&stderr.lock().unwrap())
            );
        }
    };
    let addr = line
        .strip_prefix("listening on ")
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("first line {line:?} is not `listening on <addr>`"));
    Serving {
        child,
        addr,
        stderr,
    }
}

impl Serving {
    /// `http://<addr>`, for `demo --target`.
    pub(crate) fn target(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the server logged so far.
    pub(crate) fn logs(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Sends SIGTERM (with kill(1): the tests use no `unsafe`) and waits for the exit.
    pub(crate) fn terminate(mut self) -> ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        wait(&mut self.child, PATIENCE)
            .unwrap_or_else(|| panic!("still running after SIGTERM; logs: {}", self.logs()))
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads `from` to its end on a thread of its own, into a shared buffer.
pub(crate) fn drain(mut from: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let into = buffer.clone();
    thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = from.read(&mut chunk) {
            into.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    buffer
}

/// The whole text of a drained pipe, once the process has exited (giving the reader thread a
/// moment to see the end of the pipe).
pub(crate) fn take(buffer: &Arc<Mutex<Vec<u8>>>, _exited: ExitStatus) -> String {
    let deadline = Instant::now() + Duration::from_secs(2);
    while Arc::strong_count(buffer) > 1 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
    String::from_utf8_lossy(&buffer.lock().unwrap()).into_owned()
}

/// The exit status, or `None` (after killing it) if `child` runs longer than `limit`.
pub(crate) fn wait(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        thread::sleep(Duration::from_millis(10));
    }
}
