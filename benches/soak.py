#!/usr/bin/env python3
"""Soak: a mixed gRPC load on `h2grpc serve` for minutes, watching errors, p99 and memory.

    python3 benches/soak.py                                   # 10 minutes, the defaults
    python3 benches/soak.py --duration 60 --shutdown-at 30    # SIGTERM at 30 s, under load

Needs `cargo build --release` and the Python peers of the wire tests (`bash wire-tests/setup.sh`:
grpcio, grpcio-tools). The stubs of `proto/*.proto` are generated at start into a temporary
directory by `wire-tests/python/gen_stubs.py`.

The script starts `target/release/h2grpc serve --addr 127.0.0.1:0` pinned to `--server-cpu`
(reading the `listening on ADDR` line), pins itself to `--load-cpu`, and runs `--workers`
threads over `--channels` grpcio channels (each its own HTTP/2 connection). Each worker draws
calls from a weighted mix (`MIX`) over every seed service `h2grpc serve` registers:

- hello.Greeter SayHello, SayHelloAgain, SayHelloStreamReply;
- helloworld.Greeter SayHello, SayHelloStreamReply, SayHelloBidiStream;
- finance.CurrencyConverter Convert, WatchRates (cancelled by the client after a few updates),
  BatchConvert, LiveConvert;
- users.UserService CreateUser, GetUser, ListUsers, BulkCreateUsers;

and expected failures: Convert from an unsupported currency (INVALID_ARGUMENT) or of a negative
amount (OUT_OF_RANGE), GetUser of an unknown id (NOT_FOUND), an invalid email in CreateUser or
in a BulkCreateUsers batch (INVALID_ARGUMENT), ListUsers from an unknown page token
(INVALID_ARGUMENT), WatchRates with a 150 ms deadline (it never ends by itself:
DEADLINE_EXCEEDED), and client cancellations (a unary call cancelled at once, WatchRates and a
LiveConvert cancelled mid-stream: CANCELLED). Each call states the codes it expects; any other
outcome is an unexpected error. Every call has a 10 s deadline, so a hang is one too.

The users store only grows (users are never removed), so the users created are paced: at most
`--create-rate` users a second over the run (half for CreateUser, half for BulkCreateUsers;
when its budget is spent a worker calls GetUser instead), and the server gets `--max-users`
with room to spare. The per-minute line shows the users stored, so RSS growth can be set
against it.

Every 60 s one line: the minute, calls ended in it, unexpected errors, the p99 latency of the
unary calls that run to an answer (not the cancelled ones), the server's VmRSS
(`/proc/PID/status`) at the minute's end and the users stored. At the end a summary of outcomes
per method and code, then the checks; the exit status is 1 if one fails:

- no unexpected error;
- VmRSS from the end of minute 2 on stays within 10% (max over min);
- no minute's p99 above 3x the median of the minutes' p99.

`--shutdown-at SECS` sends SIGTERM to the server at that time, with the load still running, and
checks graceful shutdown instead of the minute checks that the shutdown cuts short: every call
in flight at the SIGTERM ends as it would have (OK or its expected error: none lost as
UNAVAILABLE, CANCELLED or INTERNAL), calls started after it end OK (the server accepted them
before its final GOAWAY reached the client) or UNAVAILABLE (refused), and the server exits 0
within its grace period (`--grace-period`, passed to `serve`). The load stops a second after the
server exits. The streaming calls that never end by themselves (WatchRates) are cancelled or
time out within ~200 ms, far inside the grace period (WatchRates rounds come every
`--watch-interval-ms`).
"""
import argparse
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CALL_TIMEOUT = 10.0  # seconds: the deadline of every call but the deadline probe
DEADLINE_PROBE = 0.15  # seconds: WatchRates's deadline in the DEADLINE_EXCEEDED probe
WATCH_UPDATES_BEFORE_CANCEL = 4  # WatchRates is cancelled after this many updates (2 rounds)
SEED_USERS = 10  # users created before the load starts


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def rss_kib(pid):
    """VmRSS of a process in KiB, or None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else None


def load_stubs(tmp):
    """Generates the stubs of proto/*.proto into `tmp` and imports the ones the mix uses."""
    output = subprocess.run(
        [sys.executable, str(ROOT / "wire-tests" / "python" / "gen_stubs.py"), str(ROOT / "proto"), tmp],
        capture_output=True, text=True, check=False)
    if output.returncode != 0:
        sys.exit(f"generating the stubs failed (bash wire-tests/setup.sh installs grpcio-tools):\n"
                 f"{output.stderr}")
    sys.path.insert(0, output.stdout.strip())
    import hello_pb2, hello_pb2_grpc, helloworld_pb2, helloworld_pb2_grpc  # noqa: E401
    import finance_pb2, finance_pb2_grpc, user_service_pb2, user_service_pb2_grpc  # noqa: E401
    return {name: module for name, module in locals().items() if name.endswith(("_pb2", "_pb2_grpc"))}


class CreateBudget:
    """Users the mix may still create: `rate` a second since the start (a token bucket that never
    holds more than a second's worth of unspent users beyond the pace)."""

    def __init__(self, rate):
        self.rate = rate
        self.start = time.monotonic()
        self.created = 0
        self.lock = threading.Lock()

    def take(self, count):
        with self.lock:
            allowed = self.rate * (time.monotonic() - self.start + 1)
            if self.created + count > allowed:
                return False
            self.created += count
            return True

    def give_back(self, count):
        """For a create that did not create (its call failed)."""
        with self.lock:
            self.created -= count


class Mix:
    """The calls of the soak: each method makes one call and returns its final status code
    (raising `grpc.RpcError` for a failed one), or, for a create the budget turned into a GetUser,
    the code and the name of the call made instead. `self.user_ids` holds ids of users known to
    exist."""

    def __init__(self, stubs, channel, budgets, user_ids, rng):
        s = stubs
        self.pb = s
        self.hello = s["hello_pb2_grpc"].GreeterStub(channel)
        self.helloworld = s["helloworld_pb2_grpc"].GreeterStub(channel)
        self.finance = s["finance_pb2_grpc"].CurrencyConverterStub(channel)
        self.users = s["user_service_pb2_grpc"].UserServiceStub(channel)
        self.create_budget, self.bulk_budget = budgets
        self.user_ids = user_ids
        self.rng = rng

    # -- hello.Greeter and helloworld.Greeter

    def hello_say_hello(self):
        reply = self.hello.SayHello(self.pb["hello_pb2"].HelloRequest(name="soak"), timeout=CALL_TIMEOUT)
        assert reply.message == "Hello, soak!", reply.message
        return OK

    def hello_say_hello_again(self):
        self.hello.SayHelloAgain(self.pb["hello_pb2"].HelloRequest(name="soak"), timeout=CALL_TIMEOUT)
        return OK

    def hello_stream_reply(self):
        replies = self.hello.SayHelloStreamReply(self.pb["hello_pb2"].HelloRequest(name="soak"),
                                                 timeout=CALL_TIMEOUT)
        assert sum(1 for _ in replies) > 0
        return OK

    def helloworld_say_hello(self):
        self.helloworld.SayHello(self.pb["helloworld_pb2"].HelloRequest(name="soak"), timeout=CALL_TIMEOUT)
        return OK

    def helloworld_stream_reply(self):
        replies = self.helloworld.SayHelloStreamReply(self.pb["helloworld_pb2"].HelloRequest(name="soak"),
                                                      timeout=CALL_TIMEOUT)
        assert sum(1 for _ in replies) > 0
        return OK

    def helloworld_bidi(self):
        count = self.rng.randint(1, 8)
        requests = (self.pb["helloworld_pb2"].HelloRequest(name=f"soak {i}") for i in range(count))
        replies = list(self.helloworld.SayHelloBidiStream(requests, timeout=CALL_TIMEOUT))
        assert len(replies) == count, (len(replies), count)
        return OK

    # -- finance.CurrencyConverter

    def _convert_request(self, from_currency="USD", amount=None):
        return self.pb["finance_pb2"].ConvertRequest(
            from_currency=from_currency, to_currency=self.rng.choice(["EUR", "GBP", "JPY"]),
            amount=amount if amount is not None else self.rng.uniform(1, 1000))

    def convert(self):
        self.finance.Convert(self._convert_request(), timeout=CALL_TIMEOUT)
        return OK

    def convert_unsupported(self):
        self.finance.Convert(self._convert_request(from_currency="BTC"), timeout=CALL_TIMEOUT)
        return OK

    def convert_negative(self):
        self.finance.Convert(self._convert_request(amount=-5.0), timeout=CALL_TIMEOUT)
        return OK

    def convert_cancelled(self):
        """A unary call cancelled as soon as it is sent: CANCELLED, or OK if the answer won."""
        future = self.finance.Convert.future(self._convert_request(), timeout=CALL_TIMEOUT)
        if future.cancel():
            return CANCELLED
        future.result()
        return OK

    def watch_rates_cancelled(self):
        request = self.pb["finance_pb2"].WatchRequest(base_currency="USD", target_currencies=["EUR", "GBP"])
        call = self.finance.WatchRates(request, timeout=CALL_TIMEOUT)
        received = 0
        for _ in call:
            received += 1
            if received == WATCH_UPDATES_BEFORE_CANCEL:
                call.cancel()
                break
        return call.code()

    def watch_rates_deadline(self):
        request = self.pb["finance_pb2"].WatchRequest(base_currency="EUR", target_currencies=["USD"])
        for _ in self.finance.WatchRates(request, timeout=DEADLINE_PROBE):
            pass
        return OK

    def batch_convert(self):
        count = self.rng.randint(1, 10)
        reply = self.finance.BatchConvert((self._convert_request() for _ in range(count)), timeout=CALL_TIMEOUT)
        assert reply.count == count, (reply.count, count)
        return OK

    def live_convert(self):
        count = self.rng.randint(1, 10)
        replies = list(self.finance.LiveConvert((self._convert_request() for _ in range(count)),
                                                timeout=CALL_TIMEOUT))
        assert len(replies) == count, (len(replies), count)
        return OK

    def live_convert_cancelled(self):
        """A LiveConvert whose client keeps sending, cancelled after two answers."""
        def requests():
            for _ in range(100):
                yield self._convert_request()
                time.sleep(0.002)

        call = self.finance.LiveConvert(requests(), timeout=CALL_TIMEOUT)
        received = 0
        for _ in call:
            received += 1
            if received == 2:
                call.cancel()
                break
        return call.code()

    # -- users.UserService

    def _create_request(self, email=None):
        n = self.rng.randrange(1_000_000)
        return self.pb["user_service_pb2"].CreateUserRequest(
            name=f"soak {n}", email=email if email is not None else f"soak{n}@example.com",
            age=self.rng.randint(18, 90))

    def create_user(self):
        if not self.create_budget.take(1):
            return self.get_user(), "users.GetUser"
        try:
            user = self.users.CreateUser(self._create_request(), timeout=CALL_TIMEOUT)
        except Exception:
            self.create_budget.give_back(1)
            raise
        self.user_ids.append(user.id)
        return OK

    def create_user_invalid(self):
        self.users.CreateUser(self._create_request(email="no-at-sign"), timeout=CALL_TIMEOUT)
        return OK

    def get_user(self):
        self.users.GetUser(self.pb["user_service_pb2"].GetUserRequest(user_id=self.rng.choice(self.user_ids)),
                           timeout=CALL_TIMEOUT)
        return OK

    def get_user_missing(self):
        self.users.GetUser(self.pb["user_service_pb2"].GetUserRequest(user_id=str(uuid.uuid4())),
                           timeout=CALL_TIMEOUT)
        return OK

    def list_users(self):
        token = self.rng.choice(self.user_ids) if self.rng.random() < 0.8 else ""
        request = self.pb["user_service_pb2"].ListUsersRequest(page_size=self.rng.randint(1, 20), page_token=token)
        for _ in self.users.ListUsers(request, timeout=CALL_TIMEOUT):
            pass
        return OK

    def list_users_bad_token(self):
        request = self.pb["user_service_pb2"].ListUsersRequest(page_size=5, page_token="no-such-user")
        for _ in self.users.ListUsers(request, timeout=CALL_TIMEOUT):
            pass
        return OK

    def bulk_create(self):
        count = self.rng.randint(2, 5)
        if not self.bulk_budget.take(count):
            return self.get_user(), "users.GetUser"
        try:
            reply = self.users.BulkCreateUsers((self._create_request() for _ in range(count)),
                                               timeout=CALL_TIMEOUT)
        except Exception:
            self.bulk_budget.give_back(count)
            raise
        assert reply.created_count == count, (reply.created_count, count)
        self.user_ids.extend(reply.user_ids)
        return OK

    def bulk_create_invalid(self):
        requests = [self._create_request() for _ in range(3)] + [self._create_request(email="")]
        self.users.BulkCreateUsers(iter(requests), timeout=CALL_TIMEOUT)
        return OK


# Named once here so the table below reads as a table.
OK, CANCELLED = "OK", "CANCELLED"

# (weight, method, name, expected codes, counted in the unary p99). The weights make about one
# call in four an expected error, a deadline or a cancellation.
MIX = [
    (10, Mix.hello_say_hello, "hello.SayHello", {"OK"}, True),
    (3, Mix.hello_say_hello_again, "hello.SayHelloAgain", {"OK"}, True),
    (5, Mix.hello_stream_reply, "hello.SayHelloStreamReply", {"OK"}, False),
    (5, Mix.helloworld_say_hello, "helloworld.SayHello", {"OK"}, True),
    (3, Mix.helloworld_stream_reply, "helloworld.SayHelloStreamReply", {"OK"}, False),
    (4, Mix.helloworld_bidi, "helloworld.SayHelloBidiStream", {"OK"}, False),
    (10, Mix.convert, "finance.Convert", {"OK"}, True),
    (3, Mix.convert_unsupported, "finance.Convert unsupported", {"INVALID_ARGUMENT"}, True),
    (2, Mix.convert_negative, "finance.Convert negative", {"OUT_OF_RANGE"}, True),
    (2, Mix.convert_cancelled, "finance.Convert cancelled", {"CANCELLED", "OK"}, False),
    (3, Mix.watch_rates_cancelled, "finance.WatchRates cancelled", {"CANCELLED"}, False),
    (1, Mix.watch_rates_deadline, "finance.WatchRates deadline", {"DEADLINE_EXCEEDED"}, False),
    (4, Mix.batch_convert, "finance.BatchConvert", {"OK"}, False),
    (4, Mix.live_convert, "finance.LiveConvert", {"OK"}, False),
    (1, Mix.live_convert_cancelled, "finance.LiveConvert cancelled", {"CANCELLED"}, False),
    (3, Mix.create_user, "users.CreateUser", {"OK"}, True),
    (1, Mix.create_user_invalid, "users.CreateUser invalid", {"INVALID_ARGUMENT"}, True),
    (6, Mix.get_user, "users.GetUser", {"OK"}, True),
    (3, Mix.get_user_missing, "users.GetUser missing", {"NOT_FOUND"}, True),
    (3, Mix.list_users, "users.ListUsers", {"OK"}, False),
    (1, Mix.list_users_bad_token, "users.ListUsers bad token", {"INVALID_ARGUMENT"}, False),
    (1, Mix.bulk_create, "users.BulkCreateUsers", {"OK"}, False),
    (1, Mix.bulk_create_invalid, "users.BulkCreateUsers invalid", {"INVALID_ARGUMENT"}, False),
]


class Record:
    """What the workers observed: per-minute figures, outcomes, unexpected errors, and every
    call that ended after the SIGTERM (for the shutdown report)."""

    def __init__(self, start):
        self.start = start
        self.lock = threading.Lock()
        self.minutes = {}  # minute index -> {"calls", "unexpected", "latencies"}
        self.outcomes = Counter()  # (name, code) -> calls
        self.unexpected = []  # (seconds since start, name, code, details), the first 20
        self.unexpected_count = 0
        self.sigterm_at = None  # time.monotonic() just before the SIGTERM
        self.after_sigterm = []  # (start, end, name, code, expected codes)

    def add(self, name, started, ended, code, details, expected, unary):
        ok = code in expected
        with self.lock:
            if self.sigterm_at is not None and ended >= self.sigterm_at:
                self.after_sigterm.append((started, ended, name, code, expected))
                # Judged by the shutdown rules, not here.
                ok = True
            minute = self.minutes.setdefault(int((ended - self.start) // 60),
                                             {"calls": 0, "unexpected": 0, "latencies": []})
            minute["calls"] += 1
            self.outcomes[(name, code)] += 1
            if unary and code in expected:
                minute["latencies"].append(ended - started)
            if not ok:
                minute["unexpected"] += 1
                self.unexpected_count += 1
                if len(self.unexpected) < 20:
                    self.unexpected.append((started - self.start, name, code, details))


def worker(index, stubs, channels, budgets, user_ids, record, stop):
    rng = random.Random(index)
    mix = Mix(stubs, channels[index % len(channels)], budgets, user_ids, rng)
    weights = [entry[0] for entry in MIX]
    import grpc
    while not stop.is_set():
        _, method, name, expected, unary = rng.choices(MIX, weights)[0]
        details = ""
        started = time.monotonic()
        try:
            code = method(mix)
            if isinstance(code, tuple):  # a create that the budget turned into a GetUser
                code, name = code
            code = code.name if isinstance(code, grpc.StatusCode) else code
        except grpc.RpcError as error:
            code, details = error.code().name, error.details()
        except grpc.FutureCancelledError:
            code = CANCELLED
        except Exception as error:  # a wrong answer (an assert) or a client failure
            code, details = "CLIENT:" + type(error).__name__, str(error)
        ended = time.monotonic()
        record.add(name, started, ended, code, details, expected, unary)
        if code == "UNAVAILABLE" and record.sigterm_at is not None:
            time.sleep(0.01)  # the server is going: do not spin on refusals


def start_server(args):
    binary = ROOT / "target" / "release" / "h2grpc"
    if not binary.exists():
        sys.exit("build it first: cargo build --release")
    command = ["taskset", "-c", str(args.server_cpu), str(binary), "serve", "--addr", "127.0.0.1:0",
               "--grace-period", str(args.grace_period), "--max-users", str(args.max_users),
               "--watch-interval-ms", str(args.watch_interval_ms)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    match = re.search(r"listening on (\S+)", line)
    if not match:
        process.kill()
        sys.exit(f"h2grpc serve did not start: {line!r}")
    return process, match.group(1)


def minute_line(record, minute, rss, users, partial=False):
    figures = record.minutes.get(minute, {"calls": 0, "unexpected": 0, "latencies": []})
    p99 = percentile(figures["latencies"], 0.99) * 1000
    rss_text = f"{rss / 1024:7.1f} MiB" if rss is not None else "   (gone)"
    tail = " (partial)" if partial else ""
    print(f"minute {minute + 1:2}: {figures['calls']:8} calls, {figures['unexpected']:4} unexpected, "
          f"unary p99 {p99:6.2f} ms, server RSS {rss_text}, users {users:6}{tail}", flush=True)
    return p99


def shutdown_report(record, exit_code, exit_seconds, grace_period):
    """Judges the calls that ended after the SIGTERM; returns the failed checks."""
    sigterm = record.sigterm_at
    in_flight = [c for c in record.after_sigterm if c[0] < sigterm]
    after = [c for c in record.after_sigterm if c[0] >= sigterm]
    kept = [c for c in in_flight if c[3] in c[4]]
    lost = [c for c in in_flight if c[3] not in c[4]]
    after_ok = [c for c in after if c[3] in c[4]]
    refused = [c for c in after if c[3] == "UNAVAILABLE" and c[3] not in c[4]]
    after_other = [c for c in after if c[3] not in c[4] and c[3] != "UNAVAILABLE"]
    print("\ngraceful shutdown (SIGTERM under load):")
    print(f"  calls in flight at SIGTERM: {len(in_flight)}; ended as expected: {len(kept)} "
          f"({Counter(c[3] for c in kept).most_common()}); lost: {len(lost)}")
    for started, ended, name, code, _ in lost[:10]:
        print(f"    lost: {name} {code}, started {(sigterm - started) * 1000:.1f} ms before SIGTERM, "
              f"ended {(ended - sigterm) * 1000:.1f} ms after")
    print(f"  calls started after SIGTERM: {len(after)}; accepted and ended as expected: {len(after_ok)}; "
          f"refused UNAVAILABLE: {len(refused)}; other: {len(after_other)}")
    for started, _, name, code, _ in after_other[:10]:
        print(f"    other: {name} {code}, started {(started - sigterm) * 1000:.1f} ms after SIGTERM")
    exit_text = f"{exit_seconds:.2f} s" if exit_seconds is not None else "did not exit"
    print(f"  server exit code: {exit_code}, exited {exit_text} after SIGTERM (grace period {grace_period} s)")
    failures = []
    if lost:
        failures.append(f"{len(lost)} calls in flight at SIGTERM lost")
    if after_other:
        failures.append(f"{len(after_other)} calls after SIGTERM neither OK nor UNAVAILABLE")
    if exit_code != 0 or exit_seconds is None or exit_seconds > grace_period:
        failures.append(f"server exit {exit_code} after {exit_text}")
    if not in_flight:
        failures.append("no call was in flight at SIGTERM: nothing was tested")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=600, help="seconds of load (default 600)")
    parser.add_argument("--workers", type=int, default=16, help="client threads (default 16)")
    parser.add_argument("--channels", type=int, default=4, help="grpcio channels, one connection each")
    parser.add_argument("--server-cpu", type=int, default=0)
    parser.add_argument("--load-cpu", type=int, default=1)
    parser.add_argument("--shutdown-at", type=float, help="send SIGTERM at this second, under load")
    parser.add_argument("--grace-period", type=float, default=10, help="serve --grace-period (default 10)")
    parser.add_argument("--create-rate", type=float, default=2,
                        help="users created per second at most (default 2)")
    parser.add_argument("--watch-interval-ms", type=int, default=50,
                        help="serve --watch-interval-ms: WatchRates's pace (default 50)")
    args = parser.parse_args()
    args.max_users = SEED_USERS + int(args.create_rate * (args.duration + 2)) + 1000

    os.sched_setaffinity(0, {args.load_cpu})
    with tempfile.TemporaryDirectory(prefix="soak-stubs-") as tmp:
        stubs = load_stubs(tmp)
        import grpc
        server, addr = start_server(args)
        print(f"h2grpc serve (pid {server.pid}, CPU {args.server_cpu}) on {addr}; {args.workers} workers on "
              f"{args.channels} channels (CPU {args.load_cpu}); {args.duration} s"
              + (f", SIGTERM at {args.shutdown_at} s" if args.shutdown_at is not None else ""), flush=True)
        # Distinct channel arguments: grpcio would otherwise share one connection between channels.
        channels = [grpc.insecure_channel(addr, options=[("soak.channel", i)]) for i in range(args.channels)]
        # A few users first, so that GetUser and ListUsers always have ids to ask for.
        users = stubs["user_service_pb2_grpc"].UserServiceStub(channels[0])
        user_ids = [users.CreateUser(stubs["user_service_pb2"].CreateUserRequest(
            name=f"seed {i}", email=f"seed{i}@example.com", age=30), timeout=CALL_TIMEOUT).id
            for i in range(SEED_USERS)]
        start = time.monotonic()
        record = Record(start)
        # CreateUser and BulkCreateUsers share the rate, half each.
        budgets = (CreateBudget(args.create_rate / 2), CreateBudget(args.create_rate / 2))
        stop = threading.Event()
        threads = [threading.Thread(target=worker, args=(i, stubs, channels, budgets, user_ids, record, stop),
                                    daemon=True) for i in range(args.workers)]
        for thread in threads:
            thread.start()

        p99s, rss_by_minute = [], []
        minute = 0
        exit_code = exit_seconds = None
        end = start + args.duration
        while True:
            now = time.monotonic()
            next_minute = start + (minute + 1) * 60
            if record.sigterm_at is None and args.shutdown_at is not None:
                wake = min(next_minute, end, start + args.shutdown_at)
            else:
                wake = min(next_minute, end)
            if exit_code is not None:
                wake = min(wake, server_gone + 1)
            time.sleep(max(0.0, wake - now))
            now = time.monotonic()
            if args.shutdown_at is not None and record.sigterm_at is None and now >= start + args.shutdown_at:
                rss_at_sigterm = rss_kib(server.pid)
                record.sigterm_at = time.monotonic()
                server.send_signal(signal.SIGTERM)
                try:
                    exit_code = server.wait(timeout=args.grace_period + 5)
                    server_gone = time.monotonic()
                    exit_seconds = server_gone - record.sigterm_at
                except subprocess.TimeoutExpired:
                    server_gone = time.monotonic()
                    exit_code = "still running"
                print(f"SIGTERM at {record.sigterm_at - start:.1f} s (server RSS {rss_at_sigterm / 1024:.1f} MiB); "
                      f"server exit {exit_code}", flush=True)
                continue
            if now >= next_minute - 0.001:
                rss = rss_kib(server.pid)
                p99 = minute_line(record, minute, rss, len(user_ids))
                if record.sigterm_at is None:
                    p99s.append(p99)
                    rss_by_minute.append(rss)
                minute += 1
            if now >= end - 0.001 or (exit_code is not None and now >= server_gone + 1):
                break
        stop.set()
        for thread in threads:
            thread.join(timeout=CALL_TIMEOUT + 5)
        if (time.monotonic() - start) % 60 > 1:
            minute_line(record, minute, rss_kib(server.pid), len(user_ids), partial=True)
        for channel in channels:
            channel.close()
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=args.grace_period + 5)

    total = sum(record.outcomes.values())
    print(f"\n{total} calls in {time.monotonic() - start:.0f} s ({total / (time.monotonic() - start):.0f}/s); "
          f"users created {sum(b.created for b in budgets)} (and {SEED_USERS} before the load)")
    by_name = {}
    for (name, code), calls in record.outcomes.items():
        by_name.setdefault(name, Counter())[code] = calls
    for name in sorted(by_name):
        print(f"  {name:32} " + ", ".join(f"{code} {calls}" for code, calls in by_name[name].most_common()))
    if record.unexpected:
        print("unexpected errors (the first 20):")
        for at, name, code, details in record.unexpected:
            print(f"  {at:7.2f} s {name}: {code} {details}")

    failures = []
    if record.unexpected_count:
        failures.append(f"{record.unexpected_count} unexpected errors")
    # Memory and latency: the complete minutes before any SIGTERM.
    steady = [rss for rss in rss_by_minute[1:] if rss is not None]
    if len(steady) >= 2:
        spread = max(steady) / min(steady) - 1
        print(f"RSS from minute 2: {min(steady) / 1024:.1f} to {max(steady) / 1024:.1f} MiB ({spread:.1%})")
        if spread > 0.10:
            failures.append(f"RSS varies by {spread:.1%} from minute 2")
    else:
        print("RSS check: fewer than 2 complete minutes from minute 2, not checked")
    valid = [p for p in p99s if p == p]
    if len(valid) >= 2:
        median = statistics.median(valid)
        print(f"unary p99 per minute: median {median:.2f} ms, max {max(valid):.2f} ms "
              f"({max(valid) / median:.2f}x the median)")
        if max(valid) > 3 * median:
            failures.append(f"a minute's p99 ({max(valid):.2f} ms) is above 3x the median ({median:.2f} ms)")
    else:
        print("p99 check: fewer than 2 complete minutes, not checked")
    if args.shutdown_at is not None:
        if record.sigterm_at is None:
            failures.append("the run ended before --shutdown-at")
        else:
            failures += shutdown_report(record, exit_code, exit_seconds, args.grace_period)
    print("PASS" if not failures else "FAIL: " + "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
