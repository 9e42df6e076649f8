#!/usr/bin/env python3
"""Out-of-process load: h2load drives a gRPC server with N connections x M streams for D seconds.

    python3 benches/load.py --target 127.0.0.1:50051 --connections 8 --streams 16 --duration 10 \
        [--server-pid PID] [--path /hello.Greeter/SayHello] [--load-cpu 1]

Prints requests/s, latency percentiles (p50/p90/p99/max, from h2load's per-request log) and,
given the server's pid, the server's CPU time per call (utime + stime from /proc/PID/stat over
the measured window). h2load (Debian's nghttp2-client) counts only HTTP :status, never
grpc-status, so the script also checks one call's trailers with nghttp... (see --check).

`--compare` runs the three servers of the issue's table one after another, each pinned to CPU 0
with h2load on CPU 1, three rounds interleaved, and prints medians and ratios:

    python3 benches/load.py --compare

Other comparisons (each server pinned to --server-cpu, the load on --load-cpu, --rounds rounds
interleaved, medians and ratios against tonic on a current-thread runtime):

    python3 benches/load.py --compare --scenario stream3    # SayHelloStreamReply: 3 replies per call, 8x16, calls/s
    python3 benches/load.py --compare --scenario stream1k   # TestService/StreamingOutputCall: 1,000 x 1 KiB per call, 4x4, payload bytes/s
    python3 benches/load.py --compare --scenario latency    # SayHello, 1 call in flight, the servers called in turn: mean and p99
    python3 benches/load.py --rss          # VmRSS of each server idle and with 1,000 idle HTTP/2 connections
    python3 benches/load.py --clients      # h2grpc's vs tonic's client (benches/client_load.rs) against the raw h2 server
    python3 benches/load.py --inspect      # SayHello 8x16 direct vs through `h2grpc inspect --json`, every call logged

Build first: `cargo build --release && cargo bench --no-run` (the servers, client_load and latency are
bench targets). stream1k serves h2grpc from `benches/h2grpc_server.rs` (h2grpc's hello and
interop services in `h2grpc serve`'s runtime shape), since `h2grpc serve` has no TestService.
"""
import argparse
import os
import re
import resource
import socket
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# HelloRequest { name: "world" } as a Length-Prefixed-Message.
HELLO = bytes.fromhex("0a05776f726c64")
FRAME = b"\x00" + struct.pack(">I", len(HELLO)) + HELLO
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def length_prefixed(message):
    """A gRPC Length-Prefixed-Message: flag 0, 4-byte big-endian length, the message."""
    return b"\x00" + struct.pack(">I", len(message)) + message


# StreamingOutputCallRequest { response_parameters: [{ size: 1024 }] x 1000 }: each entry is
# field 2 (LEN, 3 bytes) holding field 1 = varint 1024 (80 08).
STREAM1K_MESSAGES, STREAM1K_SIZE = 1000, 1024
STREAM1K = length_prefixed(bytes.fromhex("1203088008") * STREAM1K_MESSAGES)


def cpu_seconds(pid):
    """utime + stime of a process, in seconds (fields 14 and 15 of /proc/PID/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def percentile(sorted_values, fraction):
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, int(len(sorted_values) * fraction))
    return sorted_values[index]


def run_load(target, path, connections, streams, duration, server_pid=None, load_cpu=None, warm_up=2,
             frame=FRAME):
    """One h2load run; returns a dict of figures."""
    h2load = shutil.which("h2load")
    if h2load is None:
        sys.exit("h2load not found: apt-get install nghttp2-client")
    with tempfile.TemporaryDirectory() as tmp:
        body = Path(tmp) / "request.bin"
        body.write_bytes(frame)
        log = Path(tmp) / "requests.log"
        command = [
            h2load, "-c", str(connections), "-m", str(streams), "-t", "1",
            "-D", str(duration), "--warm-up-time", str(warm_up),
            "-d", str(body), "--log-file", str(log),
            "-H", "content-type: application/grpc", "-H", "te: trailers",
            f"http://{target}{path}",
        ]
        if load_cpu is not None:
            command = ["taskset", "-c", str(load_cpu)] + command
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # The measured window starts after the warm-up.
        time.sleep(warm_up)
        cpu_before = cpu_seconds(server_pid) if server_pid else None
        output, _ = process.communicate()
        cpu_after = cpu_seconds(server_pid) if server_pid else None
        if process.returncode != 0:
            sys.exit(f"h2load failed:\n{output}")
        done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed", output)
        rate = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", output)
        latencies = sorted(
            int(line.split()[2]) for line in log.read_text().splitlines() if len(line.split()) >= 3
        )
    succeeded, failed = int(done.group(2)), int(done.group(3))
    figures = {
        "req/s": float(rate.group(1)),
        "succeeded": succeeded,
        "failed": failed,
        "p50_us": percentile(latencies, 0.50),
        "p90_us": percentile(latencies, 0.90),
        "p99_us": percentile(latencies, 0.99),
        "max_us": latencies[-1] if latencies else float("nan"),
        "mean_us": statistics.fmean(latencies) if latencies else float("nan"),
    }
    if server_pid:
        figures["cpu_us_per_call"] = (cpu_after - cpu_before) * 1e6 / max(1, succeeded)
    return figures


def start_server(command, cpu):
    """Starts a server pinned to `cpu`, waits for its 'listening on ADDR' line."""
    process = subprocess.Popen(["taskset", "-c", str(cpu)] + command, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    match = re.search(r"listening on (\S+)", line)
    if not match:
        process.kill()
        sys.exit(f"{command[0]} did not start: {line!r}")
    return process, match.group(1)


def bench_binary(name):
    """The newest built bench target `name` (cargo bench --no-run builds them)."""
    candidates = sorted((ROOT / "target" / "release" / "deps").glob(f"{name}-*"), key=os.path.getmtime)
    candidates = [c for c in candidates if c.suffix == "" and os.access(c, os.X_OK)]
    if not candidates:
        sys.exit(f"build it first: cargo bench --bench {name} --no-run")
    return str(candidates[-1])


def hello_servers():
    """The four servers of the unary comparison, serving hello.Greeter."""
    h2grpc = str(ROOT / "target" / "release" / "h2grpc")
    return {
        "h2grpc": [h2grpc, "serve", "--addr", "127.0.0.1:0"],
        "tonic current-thread": [bench_binary("tonic_server"), "--addr", "127.0.0.1:0", "--runtime", "current"],
        "tonic multi-thread": [bench_binary("tonic_server"), "--addr", "127.0.0.1:0", "--runtime", "multi"],
        "raw h2": [bench_binary("raw_h2_server"), "--addr", "127.0.0.1:0"],
    }


def compare(args):
    servers = hello_servers()
    results = {name: [] for name in servers}
    for round_ in range(args.rounds):
        for name, command in servers.items():
            process, addr = start_server(command, args.server_cpu)
            try:
                figures = run_load(addr, args.path, args.connections, args.streams, args.duration,
                                   server_pid=process.pid, load_cpu=args.load_cpu)
            finally:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=15)
            results[name].append(figures)
            print(f"round {round_ + 1} {name:22} {figures['req/s']:10.0f} req/s "
                  f"cpu/call {figures.get('cpu_us_per_call', 0):6.1f} us  p99 {figures['p99_us']} us  "
                  f"failed {figures['failed']}", file=sys.stderr)
    print(f"\n{args.connections} connections x {args.streams} streams, {args.duration} s, "
          f"server on CPU {args.server_cpu}, h2load on CPU {args.load_cpu}, medians of {args.rounds} rounds")
    print(f"{'server':22} {'req/s':>10} {'vs tonic-ct':>11} {'vs raw h2':>9} {'CPU us/call':>11} "
          f"{'p50 us':>7} {'p99 us':>7}")
    median = {name: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
              for name, runs in results.items()}
    for name, figures in median.items():
        print(f"{name:22} {figures['req/s']:10.0f} "
              f"{figures['req/s'] / median['tonic current-thread']['req/s']:10.2f}x "
              f"{figures['req/s'] / median['raw h2']['req/s']:8.2f}x "
              f"{figures.get('cpu_us_per_call', 0):11.1f} {figures['p50_us']:7.0f} {figures['p99_us']:7.0f}")


# ===== Scenarios beyond --compare's unary run =====

SCENARIOS = {
    # name: (path, request frame, default connections, default streams)
    "unary": ("/hello.Greeter/SayHello", FRAME, 8, 16),
    "stream3": ("/hello.Greeter/SayHelloStreamReply", FRAME, 8, 16),
    "stream1k": ("/grpc.testing.TestService/StreamingOutputCall", STREAM1K, 4, 4),
    "latency": ("/hello.Greeter/SayHello", FRAME, 1, 1),
}


def scenario_servers(scenario):
    servers = hello_servers()
    if scenario == "stream1k":
        # `h2grpc serve` has no grpc.testing.TestService: the same runtime shape from a bench bin.
        servers["h2grpc"] = [bench_binary("h2grpc_server"), "--addr", "127.0.0.1:0"]
    return servers


def run_rounds(args, servers, run):
    """`run(addr, process)` for each server, --rounds rounds interleaved; medians per server."""
    results = {name: [] for name in servers}
    for round_ in range(args.rounds):
        for name, command in servers.items():
            process, addr = start_server(command, args.server_cpu)
            try:
                figures = run(addr, process)
            finally:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=15)
            results[name].append(figures)
            shown = "  ".join(f"{key} {value:.6g}" for key, value in figures.items())
            print(f"round {round_ + 1} {name:22} {shown}", file=sys.stderr)
    return {name: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            for name, runs in results.items()}


LATENCY_LINE = re.compile(
    r"latency (?P<name>.+?): (?P<calls>\d+) calls, mean (?P<mean_us>[\d.]+) us, p50 (?P<p50_us>\d+) us, "
    r"p90 (?P<p90_us>\d+) us, p99 (?P<p99_us>\d+) us, max (?P<max_us>\d+) us, (?P<failed>\d+) failed")


def compare_latency(args):
    """--compare --scenario latency: every server started at once (each pinned to --server-cpu),
    and one client (benches/latency.rs, on --load-cpu) calling them in turn, one call each, for
    --rounds x --duration seconds. Alternating call by call gives every server the same moments
    of a machine whose wake-up latency drifts (see benches/latency.rs)."""
    servers = hello_servers()
    started = {}
    try:
        for name, command in servers.items():
            started[name] = start_server(command, args.server_cpu)
        command = ["taskset", "-c", str(args.load_cpu), bench_binary("latency"),
                   "--duration", str(args.duration * args.rounds), "--warm-up", "1"]
        for name, (_, addr) in started.items():
            command += ["--target", f"{name}={addr}"]
        output = subprocess.run(command, capture_output=True, text=True, check=False)
    finally:
        for process, _ in started.values():
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)
    figures = {}
    for line in output.stdout.splitlines():
        match = LATENCY_LINE.fullmatch(line.strip())
        if match:
            figures[match["name"]] = {k: float(v) for k, v in match.groupdict().items() if k != "name"}
    if output.returncode != 0 or set(figures) != set(servers):
        sys.exit(f"latency client failed ({output.returncode}):\n{output.stdout}{output.stderr}")
    base = figures["tonic current-thread"]
    print(f"latency: /hello.Greeter/SayHello, 1 call in flight, the servers called in turn for "
          f"{args.duration * args.rounds} s, servers on CPU {args.server_cpu}, client on CPU {args.load_cpu}")
    print(f"{'server':22} {'calls':>7} {'mean us':>8} {'vs tonic-ct':>11} {'p50 us':>7} {'p90 us':>7} "
          f"{'p99 us':>7} {'vs tonic-ct':>11} {'max us':>7} {'failed':>6}")
    for name, f in figures.items():
        print(f"{name:22} {f['calls']:7.0f} {f['mean_us']:8.1f} {f['mean_us'] / base['mean_us']:10.2f}x "
              f"{f['p50_us']:7.0f} {f['p90_us']:7.0f} {f['p99_us']:7.0f} "
              f"{f['p99_us'] / base['p99_us']:10.2f}x {f['max_us']:7.0f} {f['failed']:6.0f}")
    print("(latency ratios: lower is better; the target is h2grpc <= 0.9x tonic)")


def compare_scenario(args):
    """--compare --scenario stream3|stream1k."""
    if args.scenario == "latency":
        compare_latency(args)
        return
    path, frame, _, _ = SCENARIOS[args.scenario]
    servers = scenario_servers(args.scenario)

    def run(addr, process):
        return run_load(addr, path, args.connections, args.streams, args.duration,
                        server_pid=process.pid, load_cpu=args.load_cpu, frame=frame)

    median = run_rounds(args, servers, run)
    base = median["tonic current-thread"]
    print(f"\n{args.scenario}: {path}, {args.connections} connections x {args.streams} streams, "
          f"{args.duration} s, server on CPU {args.server_cpu}, h2load on CPU {args.load_cpu}, "
          f"medians of {args.rounds} rounds")
    if args.scenario == "stream1k":
        payload = STREAM1K_MESSAGES * STREAM1K_SIZE
        print(f"{'server':22} {'calls/s':>9} {'payload MB/s':>12} {'vs tonic-ct':>11} {'vs raw h2':>9} "
              f"{'CPU us/call':>11} {'p50 us':>7} {'p99 us':>7}")
        for name, f in median.items():
            print(f"{name:22} {f['req/s']:9.1f} {f['req/s'] * payload / 1e6:12.1f} "
                  f"{f['req/s'] / base['req/s']:10.2f}x {f['req/s'] / median['raw h2']['req/s']:8.2f}x "
                  f"{f.get('cpu_us_per_call', 0):11.1f} "
                  f"{f['p50_us']:7.0f} {f['p99_us']:7.0f}")
        print(f"(payload: {STREAM1K_MESSAGES} x {STREAM1K_SIZE} B of response payload bodies per call)")
        return
    print(f"{'server':22} {'calls/s':>10} {'vs tonic-ct':>11} {'vs raw h2':>9} {'CPU us/call':>11} "
          f"{'p50 us':>7} {'p99 us':>7}")
    for name, f in median.items():
        print(f"{name:22} {f['req/s']:10.0f} {f['req/s'] / base['req/s']:10.2f}x "
              f"{f['req/s'] / median['raw h2']['req/s']:8.2f}x {f.get('cpu_us_per_call', 0):11.1f} "
              f"{f['p50_us']:7.0f} {f['p99_us']:7.0f}")


# ===== --rss: memory with idle connections =====

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
SETTINGS_EMPTY = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"  # length 0, type SETTINGS, no flags
SETTINGS_ACK = b"\x00\x00\x00\x04\x01\x00\x00\x00\x00"  # length 0, type SETTINGS, ACK


def raise_nofile(needed):
    """Raises RLIMIT_NOFILE's soft limit (servers started later inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            sys.exit(f"RLIMIT_NOFILE hard limit {hard} < {needed}: raise it (ulimit -Hn) first")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def vm_rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def read_server_settings(sock):
    """Reads frames until the server's own SETTINGS (not an ACK) arrived."""
    buffer = b""
    while True:
        while len(buffer) >= 9:
            length = int.from_bytes(buffer[0:3], "big")
            if len(buffer) < 9 + length:
                break
            frame_type, flags = buffer[3], buffer[4]
            buffer = buffer[9 + length:]
            if frame_type == 0x4 and not flags & 0x1:
                return
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection before its SETTINGS")
        buffer += chunk


def open_idle_connections(addr, count, batch=100):
    """`count` HTTP/2 connections: preface + SETTINGS sent, the server's SETTINGS read and
    acknowledged; then idle."""
    host, port = addr.rsplit(":", 1)
    sockets = []
    while len(sockets) < count:
        opened = []
        for _ in range(min(batch, count - len(sockets))):
            sock = socket.create_connection((host, int(port)), timeout=10)
            sock.sendall(PREFACE + SETTINGS_EMPTY)
            opened.append(sock)
        for sock in opened:
            read_server_settings(sock)
            sock.sendall(SETTINGS_ACK)
        sockets.extend(opened)
    return sockets


def rss(args):
    raise_nofile(args.rss_connections + 256)
    # Compared with the same services: `h2grpc_server` serves hello and TestService, as
    # `tonic_server` does. `h2grpc serve` (every service, reflection's descriptors, the log
    # subscriber) is shown too.
    servers = hello_servers()
    servers = {
        "h2grpc": [bench_binary("h2grpc_server"), "--addr", "127.0.0.1:0"],
        "h2grpc serve (all)": servers["h2grpc"],
        **{name: command for name, command in servers.items() if name != "h2grpc"},
    }

    def run(addr, process):
        time.sleep(0.5)
        idle = vm_rss_kib(process.pid)
        sockets = open_idle_connections(addr, args.rss_connections)
        try:
            time.sleep(1.0)
            loaded = vm_rss_kib(process.pid)
        finally:
            for sock in sockets:
                sock.close()
        return {"idle_kib": idle, "loaded_kib": loaded}

    median = run_rounds(args, servers, run)
    base = median["tonic current-thread"]
    n = args.rss_connections
    print(f"\nVmRSS, idle and with {n} idle HTTP/2 connections (preface + SETTINGS exchanged), "
          f"server on CPU {args.server_cpu}, medians of {args.rounds} rounds")
    print(f"{'server':22} {'idle MiB':>9} {f'{n} conns MiB':>14} {'vs tonic-ct':>11} {'KiB/conn':>9}")
    for name, f in median.items():
        per_connection = (f["loaded_kib"] - f["idle_kib"]) / n
        print(f"{name:22} {f['idle_kib'] / 1024:9.1f} {f['loaded_kib'] / 1024:14.1f} "
              f"{f['loaded_kib'] / base['loaded_kib']:10.2f}x {per_connection:9.1f}")
    print("(target: h2grpc's RSS with the connections <= tonic's)")


# ===== --clients: h2grpc's client vs tonic's =====

def run_client(client, addr, args):
    command = ["taskset", "-c", str(args.load_cpu), bench_binary("client_load"), "--client", client,
               "--addr", addr, "--connections", str(args.connections), "--streams", str(args.streams),
               "--duration", str(args.duration), "--warm-up", "2"]
    output = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 60)
    match = re.search(r"([\d.]+) calls/s, ([\d.]+) us CPU per call, (\d+) failed", output.stdout)
    if output.returncode != 0 or not match:
        sys.exit(f"client_load failed:\n{output.stdout}{output.stderr}")
    return {"calls/s": float(match.group(1)), "cpu_us_per_call": float(match.group(2)),
            "failed": int(match.group(3))}


def clients(args):
    if args.clients_server == "raw":
        server = [bench_binary("raw_h2_server"), "--addr", "127.0.0.1:0"]
    else:
        server = [str(ROOT / "target" / "release" / "h2grpc"), "serve", "--addr", "127.0.0.1:0"]
    results = {"h2grpc": [], "tonic": []}
    for round_ in range(args.rounds):
        for client in results:
            process, addr = start_server(server, args.server_cpu)
            try:
                figures = run_client(client, addr, args)
            finally:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=15)
            results[client].append(figures)
            print(f"round {round_ + 1} client {client:7} {figures['calls/s']:10.0f} calls/s "
                  f"client cpu/call {figures['cpu_us_per_call']:6.1f} us  failed {figures['failed']}",
                  file=sys.stderr)
    median = {name: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
              for name, runs in results.items()}
    base = median["tonic"]
    print(f"\nclients (benches/client_load.rs, one current-thread runtime) against the "
          f"{args.clients_server} server on CPU {args.server_cpu}, client on CPU {args.load_cpu}, "
          f"{args.connections} connections x {args.streams} streams, {args.duration} s, "
          f"medians of {args.rounds} rounds")
    print(f"{'client':8} {'calls/s':>10} {'vs tonic':>9} {'CPU us/call':>11} {'vs tonic':>9} {'client CPU':>10}")
    for name, f in median.items():
        busy = f["calls/s"] * f["cpu_us_per_call"] / 1e4
        print(f"{name:8} {f['calls/s']:10.0f} {f['calls/s'] / base['calls/s']:8.2f}x "
              f"{f['cpu_us_per_call']:11.1f} {f['cpu_us_per_call'] / base['cpu_us_per_call']:8.2f}x "
              f"{busy:9.0f}%")
    print("(target: h2grpc's calls/s >= 1.3x tonic's; CPU per call: lower is better. calls/s measures\n"
          " the client only when its CPU is near 100%: below, the server or other load bound it)")


def start_inspector(target, cpu, log_path):
    """`h2grpc inspect --json` in front of `target`, pinned to `cpu`, its output in `log_path`."""
    h2grpc = str(ROOT / "target" / "release" / "h2grpc")
    log = open(log_path, "w")
    process = subprocess.Popen(["taskset", "-c", str(cpu), h2grpc, "inspect", "--listen", "127.0.0.1:0",
                                "--target", target, "--json"], stdout=log, stderr=subprocess.DEVNULL)
    deadline = time.time() + 15
    while time.time() < deadline:
        first = Path(log_path).read_text().split("\n", 1)[0]
        match = re.search(r'"addr":"([^"]+)"', first)
        if match:
            return process, match.group(1)
        time.sleep(0.05)
    process.kill()
    sys.exit("h2grpc inspect did not start")


def logged_calls(log_path):
    """(calls logged OK, calls logged in all, complaints) once the log stops growing."""
    size = -1
    while Path(log_path).stat().st_size != size:
        size = Path(log_path).stat().st_size
        time.sleep(0.5)
    ok = total = complaints = 0
    with open(log_path) as log:
        for line in log:
            if '"event":"call"' in line:
                total += 1
                ok += '"status":0,' in line
            elif re.search(r'"event":"(problem|stopped|malformed|lint)"', line):
                complaints += 1
    return ok, total, complaints


def inspect(args):
    """--inspect: `h2grpc serve` and the proxy both pinned to --server-cpu, h2load on --load-cpu;
    the same load direct and through the proxy, --rounds rounds interleaved."""
    h2grpc = str(ROOT / "target" / "release" / "h2grpc")
    server, addr = start_server([h2grpc, "serve", "--addr", "127.0.0.1:0"], args.server_cpu)
    direct, proxied = [], []
    try:
        for round_ in range(args.rounds):
            figures = run_load(addr, args.path, args.connections, args.streams, args.duration,
                               load_cpu=args.load_cpu)
            direct.append(figures["req/s"])
            print(f"round {round_ + 1} direct        {figures['req/s']:.0f} req/s, "
                  f"{figures['failed']} failed", file=sys.stderr)
            with tempfile.TemporaryDirectory() as tmp:
                log_path = Path(tmp) / "inspect.jsonl"
                proxy, proxy_addr = start_inspector(addr, args.server_cpu, log_path)
                try:
                    figures = run_load(proxy_addr, args.path, args.connections, args.streams,
                                       args.duration, load_cpu=args.load_cpu)
                    ok, total, complaints = logged_calls(log_path)
                finally:
                    proxy.send_signal(signal.SIGTERM)
                    proxy.wait(timeout=15)
            proxied.append(figures["req/s"])
            print(f"round {round_ + 1} through inspect {figures['req/s']:.0f} req/s, {figures['failed']} failed; "
                  f"h2load counted {figures['succeeded']} (after warm-up), the log has {ok} OK calls of "
                  f"{total}, {complaints} complaints", file=sys.stderr)
            if figures["failed"] or ok < figures["succeeded"] or complaints:
                sys.exit("calls failed or missing from the log")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)
    d, p = statistics.median(direct), statistics.median(proxied)
    print(f"direct {d:.0f} req/s, through h2grpc inspect --json {p:.0f} req/s: {p / d:.2f}x "
          f"(median of {args.rounds} rounds, {args.connections}x{args.streams})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="127.0.0.1:50051")
    parser.add_argument("--path", default="/hello.Greeter/SayHello")
    parser.add_argument("--connections", "-c", type=int,
                        help="default 8 (with --compare, the scenario's: stream1k 4, latency 1)")
    parser.add_argument("--streams", "-m", type=int,
                        help="default 16 (with --compare, the scenario's: stream1k 4, latency 1)")
    parser.add_argument("--duration", "-D", type=int, default=10)
    parser.add_argument("--server-pid", type=int)
    parser.add_argument("--load-cpu", type=int)
    parser.add_argument("--server-cpu", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compare", action="store_true")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="unary",
                        help="with --compare: what to drive (default unary, the original comparison)")
    parser.add_argument("--rss", action="store_true",
                        help="VmRSS of each server idle and with --rss-connections idle connections")
    parser.add_argument("--rss-connections", type=int, default=1000)
    parser.add_argument("--clients", action="store_true",
                        help="h2grpc's client vs tonic's (client_load) against a pinned server")
    parser.add_argument("--clients-server", choices=["raw", "h2grpc"], default="raw",
                        help="the server --clients drives: the raw h2 ceiling (default) or h2grpc serve")
    parser.add_argument("--inspect", action="store_true",
                        help="SayHello direct vs through `h2grpc inspect --json`, every call checked in the log")
    args = parser.parse_args()
    _, _, default_connections, default_streams = SCENARIOS[args.scenario]
    if args.connections is None:
        args.connections = default_connections if args.compare else 8
    if args.streams is None:
        args.streams = default_streams if args.compare else 16
    if args.compare or args.rss or args.clients or args.inspect:
        if args.load_cpu is None:
            args.load_cpu = 1
    if args.rss:
        rss(args)
        return
    if args.clients:
        clients(args)
        return
    if args.inspect:
        inspect(args)
        return
    if args.compare:
        if args.scenario == "unary":
            compare(args)
        else:
            compare_scenario(args)
        return
    figures = run_load(args.target, args.path, args.connections, args.streams, args.duration,
                       server_pid=args.server_pid, load_cpu=args.load_cpu)
    for key, value in figures.items():
        print(f"{key:16} {value}")


if __name__ == "__main__":
    main()
