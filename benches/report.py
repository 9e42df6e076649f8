#!/usr/bin/env python3
"""Prints criterion's medians for each h2grpc/prost (or h2grpc/tonic) pair, with the ratio.

    cargo bench --bench codec && python3 benches/report.py codec
    cargo bench --bench rpc && python3 benches/report.py rpc

Reads target/criterion/<group>/<operation>/<implementation>/new/estimates.json, and the
benchmark's throughput from benchmark.json next to it: where there is one (the rpc groups:
calls, messages or bytes per iteration), the two rates are printed after the ratio.
"""
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"
prefix = sys.argv[1] if len(sys.argv) > 1 else ""


def duration(ns):
    """A time per iteration in ns, in a unit that keeps it short."""
    if ns < 100_000:
        return f"{ns:10.1f}ns"
    if ns < 100_000_000:
        return f"{ns / 1e3:10.1f}us"
    return f"{ns / 1e6:10.1f}ms"


def rate(throughput, ns):
    """Elements or bytes per second, from criterion's throughput of one iteration."""
    if not throughput:
        return None
    (kind, amount), = throughput.items()
    per_second = amount * 1e9 / ns
    if kind == "Bytes":
        return f"{per_second / 2**20:.1f} MiB/s"
    if kind == "Elements":
        return f"{per_second / 1e3:.1f}k/s"
    return None


rows = []
for estimates in sorted(root.glob("*/*/*/new/estimates.json")):
    implementation = estimates.parent.parent.name
    operation = estimates.parent.parent.parent.name
    group = estimates.parent.parent.parent.parent.name
    if not group.startswith(prefix):
        continue
    median = json.loads(estimates.read_text())["median"]["point_estimate"]
    benchmark = estimates.parent / "benchmark.json"
    throughput = json.loads(benchmark.read_text()).get("throughput") if benchmark.exists() else None
    rows.append((group, operation, implementation, median, throughput))

pairs = {}
for group, operation, implementation, median, throughput in rows:
    pairs.setdefault((group, operation), {})[implementation] = (median, throughput)
print(f"{'benchmark':45} {'h2grpc':>12} {'other':>12} {'speed-up':>9}")
for (group, operation), times in sorted(pairs.items()):
    ours = times.get("h2grpc")
    other_name, other = next(((k, v) for k, v in times.items() if k != "h2grpc"), ("-", None))
    if ours is None or other is None:
        continue
    line = (f"{group + '/' + operation:45} {duration(ours[0])} {duration(other[0])} "
            f"{other[0] / ours[0]:8.2f}x  (vs {other_name})")
    ours_rate, other_rate = rate(ours[1], ours[0]), rate(other[1], other[0])
    if ours_rate and other_rate:
        line += f"  {ours_rate} vs {other_rate}"
    print(line)
