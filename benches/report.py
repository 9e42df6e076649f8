#!/usr/bin/env python3
"""Prints criterion's medians for each h2grpc/prost (or h2grpc/tonic) pair, with the ratio.

    cargo bench --bench codec && python3 benches/report.py codec

Reads target/criterion/<group>/<operation>/<implementation>/new/estimates.json.
"""
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"
prefix = sys.argv[1] if len(sys.argv) > 1 else ""
rows = []
for estimates in sorted(root.glob("*/*/*/new/estimates.json")):
    implementation = estimates.parent.parent.name
    operation = estimates.parent.parent.parent.name
    group = estimates.parent.parent.parent.parent.name
    if not group.startswith(prefix):
        continue
    median = json.loads(estimates.read_text())["median"]["point_estimate"]
    rows.append((group, operation, implementation, median))

pairs = {}
for group, operation, implementation, median in rows:
    pairs.setdefault((group, operation), {})[implementation] = median
print(f"{'benchmark':45} {'h2grpc':>12} {'other':>12} {'speed-up':>9}")
for (group, operation), times in sorted(pairs.items()):
    ours = times.get("h2grpc")
    other_name, other = next(((k, v) for k, v in times.items() if k != "h2grpc"), ("-", None))
    if ours is None or other is None:
        continue
    print(f"{group + '/' + operation:45} {ours:10.1f}ns {other:10.1f}ns {other / ours:8.2f}x  (vs {other_name})")
