"""B5 (receiver alone): spans/s of `agentctl collector` on pre-encoded GenAI protobuf bodies.

Realistic GenAI agent spans (see ``genai_payloads.py``: usage attributes,
content-bearing events, tool arguments and results, one message in twenty
quoting a credential) are encoded before the clock starts and posted over
``--connections`` keep-alive connections to the collector running in its own
process, with redaction on and content capture allowed (``--capture-content``,
the most work per span; ``--drop-content`` measures the collector's default,
which drops content while decoding). Reported: spans/s from the first post to the last acknowledgement, the
collector's CPU-seconds (user + system, its children included) and spans per
CPU-second, which load on a shared machine stretches far less than wall time,
its peak RSS (VmHWM, summed over its processes), and whether every span was
acknowledged, stored and queryable by trace id (`agentctl trace --trace-id`
semantics: the store's ``trace``) right after its acknowledgement.

``--in-process`` also splits the collector's work per span into decoding
(protobuf, normalisation, redaction) and storing (SQLite, trace summaries,
cost rollups) in this process.

    python benchmarks/bench_b5_receiver.py [--spans N] [--connections K] [--runs R] [--in-process]
                                           [--drop-content]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from genai_payloads import SPANS_PER_RUN, make_bodies

TARGET_SPANS_S = 100_000
TARGET_RSS_MB = 150
BATCH = 512


def tree(pid: int) -> list[int]:
    """pid and its descendants."""
    out = [pid]
    for child in Path(f"/proc/{pid}/task").glob("*/children"):
        for c in child.read_text().split():
            out += tree(int(c))
    return out


def peak_rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and of its waited-for children."""
    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in f[11:15]) / os.sysconf("SC_CLK_TCK")


def start_collector(store: Path, capture: bool) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "agentctl", "collector", "--listen", "127.0.0.1:0",
         "--store", str(store), "--capture-content" if capture else "--no-capture-content"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    assert proc.stderr is not None
    line = proc.stderr.readline()
    if "receiving OTLP/HTTP on" not in line:
        proc.kill()
        raise SystemExit(f"collector did not start: {line}{proc.stderr.read()}")
    return proc, int(line.split()[-1].rsplit("/v1/traces", 1)[0].rsplit(":", 1)[1])


def post_all(port: int, bodies: list[bytes], connections: int) -> tuple[float, float, int]:
    """Post every body (split over the connections); (start, end, bodies not acknowledged)."""
    failed = [0]
    lock = threading.Lock()
    go = threading.Event()

    def send(share: list[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        go.wait()
        for body in share:
            while True:
                conn.request("POST", "/v1/traces", body=body,
                             headers={"Content-Type": "application/x-protobuf"})  # fmt: skip
                r = conn.getresponse()
                r.read()
                if r.status in (429, 503):  # back off as an exporter would
                    time.sleep(float(r.getheader("Retry-After") or 1))
                    continue
                if r.status != 200:
                    with lock:
                        failed[0] += 1
                break
        conn.close()

    threads = [
        threading.Thread(target=send, args=(bodies[i::connections],)) for i in range(connections)
    ]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    go.set()
    for t in threads:
        t.join()
    return t0, time.perf_counter(), failed[0]


def run_collector(n: int, connections: int, seed: int, capture: bool) -> dict[str, float | bool]:
    from agentctl.telemetry.store import TraceStore

    bodies = make_bodies(n, batch=BATCH, seed=seed)
    spans = (n // SPANS_PER_RUN) * SPANS_PER_RUN
    with tempfile.TemporaryDirectory() as tmp:
        store_path = Path(tmp) / "traces.db"
        proc, port = start_collector(store_path, capture)
        # One body first, off the clock: the collector's one-time work (importing the
        # price data for the cost rollups, about half a CPU-second) is not per span.
        post_all(port, make_bodies(BATCH, batch=BATCH, seed=seed + 1000), 1)
        cpu0 = cpu_seconds(proc.pid)
        t0, t1, failed = post_all(port, bodies, connections)
        pids = tree(proc.pid)
        rss = peak_rss_mb(pids)
        cpu = cpu_seconds(proc.pid) - cpu0
        # every acknowledged span is queryable now, while the collector still runs
        store = TraceStore(store_path)
        try:
            stored = store.count() - BATCH  # less the warm-up body
            traces = [r[0] for r in store.connection.execute("SELECT trace_id FROM traces")]
            sample = random.Random(seed).sample(traces, min(50, len(traces)))
            whole = all(len(store.trace(t)) == SPANS_PER_RUN for t in sample)
        finally:
            store.close()
        proc.send_signal(2)
        proc.wait(timeout=60)
    return {
        "rate": spans / (t1 - t0),
        "cpu": cpu,
        "per_cpu": spans / cpu if cpu else float("nan"),
        "rss": rss,
        "ok": failed == 0 and stored == spans and whole,
    }


def in_process(n: int, capture: bool) -> None:
    from agentctl.telemetry.otlp import parse_protobuf
    from agentctl.telemetry.receiver import OtlpReceiver
    from agentctl.telemetry.store import TraceStore

    bodies = make_bodies(n, batch=BATCH, seed=int(time.time()))
    with tempfile.TemporaryDirectory() as tmp:
        store = TraceStore(Path(tmp) / "traces.db")
        rx = OtlpReceiver(store, port=0, capture_content=capture)
        keep = getattr(rx, "_keep_rollups", None)  # what the collector's writer does first
        if keep is not None:
            keep()
        # off the clock, as in the collector runs: the first batch imports the price data
        store.insert(parse_protobuf(make_bodies(BATCH, batch=BATCH, seed=0)[0]).spans)
        decode = write = 0.0
        for body in bodies:
            c0 = time.process_time()
            result = parse_protobuf(body, max_spans=rx.max_spans_per_request, keep_content=capture)
            c1 = time.process_time()
            store.insert(result.spans)
            write += time.process_time() - c1
            decode += c1 - c0
        count = store.count() - BATCH
        store.close()
    print(f"  in process, {count:,} spans: decode {decode / count * 1e6:.1f} µs/span, "
          f"store {write / count * 1e6:.1f} µs/span "
          f"({count / (decode + write):,.0f} spans per CPU-second)")  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spans", type=int, default=40_000)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--in-process", action="store_true")
    ap.add_argument("--drop-content", action="store_true", help="the collector's default")
    args = ap.parse_args()
    capture = not args.drop_content
    print(f"B5 receiver alone: {args.spans:,} GenAI spans per run in bodies of {BATCH}, "
          f"{args.connections} connections, nproc={os.cpu_count()}, Python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.1f}, content {'kept' if capture else 'dropped'}")  # fmt: skip
    if args.in_process:
        in_process(args.spans, capture)
    runs = [
        run_collector(args.spans, args.connections, seed, capture)
        for seed in range(1, args.runs + 1)
    ]
    med = statistics.median(float(r["rate"]) for r in runs)
    per_cpu = statistics.median(float(r["per_cpu"]) for r in runs)
    rss = max(float(r["rss"]) for r in runs)
    each = ", ".join(f"{float(r['rate']):,.0f}" for r in runs)
    print(f"  wall: median {med:,.0f} spans/s (runs: {each}); "
          f"ratio to the {TARGET_SPANS_S:,} target {med / TARGET_SPANS_S:.2f}")  # fmt: skip
    print(f"  collector CPU: median {per_cpu:,.0f} spans per CPU-second "
          f"({1e6 / per_cpu:.0f} µs per span)")  # fmt: skip
    print(f"  collector peak RSS (all its processes): {rss:.0f} MB; "
          f"ratio to the {TARGET_RSS_MB} MB bound {rss / TARGET_RSS_MB:.2f}")  # fmt: skip
    ok = all(bool(r["ok"]) for r in runs)
    print(f"  every span acknowledged, stored and queryable by trace: {'yes' if ok else 'NO'}")
    print(f"  load average after: {os.getloadavg()[0]:.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
