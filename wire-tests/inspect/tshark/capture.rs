//! Running tshark: a live capture on the loopback interface, then its dissection as JSON.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::peers::{repo, run_command};

/// How to get tshark, and what capturing needs.
const HINT: &str = "tshark captures the proxy's traffic on `lo`: install it with \
    `bash wire-tests/setup.sh`, and run the tests as root (or give dumpcap CAP_NET_RAW)";

/// How long tshark may take to start capturing, and to stop.
const PATIENCE: Duration = Duration::from_secs(20);

/// `tshark -i lo -f "tcp port <port> or tcp port <probe>" -w <file> -P -l`, running; killed if
/// dropped. Its stdout has a summary line per packet, which is how the test knows it captures.
pub(super) struct Capture {
    child: Child,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Capture {
    /// Starts capturing the TCP traffic to and from `port` into `file`, and returns once
    /// tshark has captured a connection to a probe port of its own (tshark says "Capturing on"
    /// a little before it really does); fails the test if it cannot capture.
    #[track_caller]
    pub(super) fn start(port: u16, file: &Path) -> Self {
        let _ = std::fs::remove_file(file);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a probe port");
        let probe = listener.local_addr().expect("the probe's address");
        let filter = format!("tcp port {port} or tcp port {}", probe.port());
        let mut child = tshark()
            .args(["-i", "lo", "-f", &filter, "-P", "-l", "-w"])
            .arg(file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot run tshark: {error}\n{HINT}"));
        let stdout = drain(child.stdout.take().expect("piped stdout"));
        let stderr = drain(child.stderr.take().expect("piped stderr"));
        let mut capture = Self {
            child,
            stdout,
            stderr,
        };
        // The probe's connections are not HTTP/2: the dissection leaves them out.
        capture.wait_until(|capture| {
            let _ = TcpStream::connect(probe);
            !capture.stdout.lock().unwrap().is_empty()
        });
        capture
    }

    /// What tshark printed on stderr so far.
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Waits until `ready`, polled every 50 ms; fails the test if tshark exits first.
    #[track_caller]
    fn wait_until(&mut self, ready: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while !ready(self) {
            let exited = self.child.try_wait().expect("try_wait");
            assert!(
                exited.is_none() && Instant::now() < deadline,
                "tshark did not capture on lo ({exited:?}):\n{}\n{HINT}",
                self.stderr()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the capture with SIGINT (tshark then writes out what it holds and exits).
    #[track_caller]
    pub(super) fn stop(mut self) {
        let sent = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -INT tshark failed");
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                assert!(status.success(), "tshark: {status}\n{}", self.stderr());
                return;
            }
            assert!(
                Instant::now() < deadline,
                "tshark still running after SIGINT"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `tshark`, with an empty directory of personal settings (`WIRESHARK_CONFIG_DIR`), so that
/// only the preferences given on its command line change its reading.
fn tshark() -> Command {
    let settings = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wireshark-settings");
    std::fs::create_dir_all(&settings).expect("create the settings directory");
    let mut command = Command::new("tshark");
    command.env("WIRESHARK_CONFIG_DIR", settings);
    command
}

/// A pipe read to its end by a thread of its own.
fn drain(mut pipe: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let into = Arc::clone(&buffer);
    thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = pipe.read(&mut chunk) {
            into.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    buffer
}

impl Drop for Capture {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `tshark -r <file> -T json`, with the traffic of `port` read as HTTP/2, the gRPC messages
/// under their HTTP/2 frame, and the protobuf fields decoded with `proto/`: the packets that
/// hold HTTP/2, as tshark's JSON (`[{"_source": {"layers": {...}}}]`), with repeated keys made
/// arrays (`--no-duplicate-keys`).
#[track_caller]
pub(super) fn dissect(file: &Path, port: u16) -> Vec<Value> {
    let search_path = format!(
        r#"uat:protobuf_search_paths:"{}","TRUE""#,
        repo().join("proto").display()
    );
    let mut command = tshark();
    command.arg("-r").arg(file).args([
        "-n",
        "-d",
        &format!("tcp.port=={port},http2"),
        "-o",
        &search_path,
        "-o",
        "protobuf.pbf_as_hf:TRUE",
        "-o",
        "grpc.embedded_under_http2:TRUE",
        "-Y",
        "http2",
        "-T",
        "json",
        "--no-duplicate-keys",
    ]);
    let finished = run_command(command, None)
        .unwrap_or_else(|error| panic!("cannot run tshark: {error}\n{HINT}"));
    assert!(finished.status.success(), "tshark -r: {finished:?}");
    serde_json::from_str(&finished.stdout)
        .unwrap_or_else(|error| panic!("tshark's JSON: {error}\n{}", finished.stderr))
}
