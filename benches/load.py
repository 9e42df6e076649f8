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
"""
import argparse
import os
import re
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


def run_load(target, path, connections, streams, duration, server_pid=None, load_cpu=None, warm_up=2):
    """One h2load run; returns a dict of figures."""
    h2load = shutil.which("h2load")
    if h2load is None:
        sys.exit("h2load not found: apt-get install nghttp2-client")
    with tempfile.TemporaryDirectory() as tmp:
        body = Path(tmp) / "request.bin"
        body.write_bytes(FRAME)
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


def compare(args):
    h2grpc = str(ROOT / "target" / "release" / "h2grpc")
    servers = {
        "h2grpc": [h2grpc, "serve", "--addr", "127.0.0.1:0"],
        "tonic current-thread": [bench_binary("tonic_server"), "--addr", "127.0.0.1:0", "--runtime", "current"],
        "tonic multi-thread": [bench_binary("tonic_server"), "--addr", "127.0.0.1:0", "--runtime", "multi"],
        "raw h2": [bench_binary("raw_h2_server"), "--addr", "127.0.0.1:0"],
    }
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="127.0.0.1:50051")
    parser.add_argument("--path", default="/hello.Greeter/SayHello")
    parser.add_argument("--connections", "-c", type=int, default=8)
    parser.add_argument("--streams", "-m", type=int, default=16)
    parser.add_argument("--duration", "-D", type=int, default=10)
    parser.add_argument("--server-pid", type=int)
    parser.add_argument("--load-cpu", type=int)
    parser.add_argument("--server-cpu", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args()
    if args.compare:
        if args.load_cpu is None:
            args.load_cpu = 1
        compare(args)
        return
    figures = run_load(args.target, args.path, args.connections, args.streams, args.duration,
                       server_pid=args.server_pid, load_cpu=args.load_cpu)
    for key, value in figures.items():
        print(f"{key:16} {value}")


if __name__ == "__main__":
    main()
