"""B5: OTLP/HTTP ingest rate of `agentctl collector` and its peak RSS.

The collector runs in its own process (as users run it). Senders are separate
processes using the real ``opentelemetry-exporter-otlp-proto-http`` exporter
with batches of 512 spans; the spans are GenAI agent-loop spans (invoke_agent,
chat with model/usage attributes, execute_tool) made by the real SDK before
the clock starts; each collector first receives one batch off the clock (its
one-time work, importing the price data for the cost rollups, is not a cost per
span). Reported per run: spans/s from the first export to the last
acknowledgement, the collector's peak RSS (VmHWM), and whether every span
reached the store. A second figure posts the same exporter-encoded payloads
from one lean HTTP client, to show the receiver's own ceiling.

    python benchmarks/bench_b5_ingest.py [--spans N] [--senders K] [--runs R]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

TARGET_SPANS_S = 20_000
TARGET_RATIO = 0.8  # of the same exporters into a receiver that stores nothing
EXPORTER_CPU: list[float] = []  # exporter CPU seconds per span, per run
TARGET_RSS_MB = 150
BATCH = 512


def make_spans(n: int, seed: int) -> list:
    """n finished SDK spans shaped like an instrumented agent loop (4 spans per run)."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

    class Keep(SpanProcessor):
        def __init__(self) -> None:
            self.spans: list = []

        def on_end(self, span) -> None:  # type: ignore[no-untyped-def]
            self.spans.append(span)

    keep = Keep()
    tp = TracerProvider(
        resource=Resource.create(
            {
                "service.name": f"bench-agent-{seed}",
                "gen_ai.agent.name": f"bench-agent-{seed}",
                "agentctl.team": "perf",
            }
        )
    )
    tp.add_span_processor(keep)
    tracer = tp.get_tracer("bench")
    chat = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.response.finish_reasons": ("stop",),
        "server.address": "api.openai.com",
        "server.port": 443,
    }
    i = 0
    while len(keep.spans) < n:
        i += 1
        with tracer.start_as_current_span(
            "invoke_agent bench",
            attributes={
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.conversation.id": f"c-{i % 50}",
            },
        ):
            with tracer.start_as_current_span("chat gpt-4o-mini", attributes=chat) as s:
                s.set_attribute("gen_ai.usage.input_tokens", 800 + i % 300)
                s.set_attribute("gen_ai.usage.output_tokens", 40 + i % 60)
                s.set_attribute("gen_ai.response.id", f"chatcmpl-{seed}-{i}")
            with tracer.start_as_current_span(
                "execute_tool web_search",
                attributes={
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "web_search",
                    "gen_ai.tool.call.id": f"call_{i}",
                },
            ):
                pass
            with tracer.start_as_current_span("chat gpt-4o-mini", attributes=chat) as s:
                s.set_attribute("gen_ai.usage.input_tokens", 1200 + i % 300)
                s.set_attribute("gen_ai.usage.output_tokens", 120 + i % 60)
    return keep.spans[:n]


def sender(url: str, n: int, seed: int, ready, go, results) -> None:  # type: ignore[no-untyped-def]
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import SpanExportResult

    spans = make_spans(n, seed)
    exporter = OTLPSpanExporter(endpoint=url + "/v1/traces", timeout=60)
    ready.put(seed)
    go.wait()
    t0 = time.perf_counter()
    c0 = time.process_time()
    failed = 0
    for i in range(0, len(spans), BATCH):
        if exporter.export(spans[i : i + BATCH]) is not SpanExportResult.SUCCESS:
            failed += len(spans[i : i + BATCH])
    results.put((t0, time.perf_counter(), failed, time.process_time() - c0))
    exporter.shutdown()


def start_collector(store: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agentctl",
            "collector",
            "--listen",
            "127.0.0.1:0",
            "--store",
            str(store),
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    if "receiving OTLP/HTTP on" not in line:
        proc.kill()
        raise SystemExit(f"collector did not start: {line}{proc.stderr.read()}")
    return proc, line.split()[-1].rsplit("/v1/traces", 1)[0]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (load on a shared machine stretches wall time, not this)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stored(store: Path) -> int:
    from agentctl.telemetry.store import TraceStore

    s = TraceStore(store)
    try:
        return s.count()
    finally:
        s.close()


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(2)
    proc.wait(timeout=60)


def null_receiver(ports) -> None:  # type: ignore[no-untyped-def]
    """A receiver that stores nothing: reads each body and answers 200 (the peer)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ports.put(server.server_address[1])
    server.serve_forever()


def run_null(n_spans: int, senders: int) -> float:
    """spans/s of the same exporters into the do-nothing receiver."""
    ctx = mp.get_context("spawn")
    ports = ctx.Queue()
    server = ctx.Process(target=null_receiver, args=(ports,), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{ports.get(timeout=60)}"
    try:
        t0, t1, _failed, _ = export_all(url, n_spans, senders)
    finally:
        server.kill()
        server.join()
    return (n_spans // senders) * senders / (t1 - t0)


def export_all(url: str, n_spans: int, senders: int) -> tuple[float, float, int, float]:
    """Run the exporter processes against url: (first start, last end, failed, exporter CPU)."""
    ctx = mp.get_context("spawn")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    per = n_spans // senders
    procs = [
        ctx.Process(target=sender, args=(url, per, k, ready, go, results)) for k in range(senders)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=600)
    go.set()
    out = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    return (
        min(o[0] for o in out),
        max(o[1] for o in out),
        sum(o[2] for o in out),
        sum(o[3] for o in out),
    )


def warm_up(url: str) -> int:
    """Post one exporter-encoded batch off the clock and return its span count: the
    collector's one-time work (importing the price data for the cost rollups, about half
    a CPU-second) is not a cost per span."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    spans = make_spans(BATCH, 1000)
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    conn.request(
        "POST",
        "/v1/traces",
        body=encode_spans(spans).SerializeToString(),
        headers={"Content-Type": "application/x-protobuf"},
    )
    r = conn.getresponse()
    r.read()
    conn.close()
    if r.status != 200:
        raise SystemExit(f"warm-up export answered {r.status}")
    return len(spans)


def run_exporters(n_spans: int, senders: int) -> tuple[float, float, bool, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "traces.db"
        proc, url = start_collector(store)
        warm = warm_up(url)
        idle_cpu = cpu_seconds(proc.pid)
        t0, t1, failed, exporter_cpu = export_all(url, n_spans, senders)
        rss = peak_rss_mb(proc.pid)
        cpu = cpu_seconds(proc.pid) - idle_cpu
        stop(proc)
        total = stored(store) - warm
        n = (n_spans // senders) * senders
        EXPORTER_CPU.append(exporter_cpu / n)
        return n / (t1 - t0), rss, total == n and failed == 0, n / cpu


def run_lean(n_spans: int) -> tuple[float, float, bool, float]:
    """The same exporter-encoded payloads, posted from one keep-alive connection."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    spans = make_spans(n_spans, 99)
    bodies = [
        encode_spans(spans[i : i + BATCH]).SerializeToString() for i in range(0, len(spans), BATCH)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "traces.db"
        proc, url = start_collector(store)
        warm = warm_up(url)
        idle_cpu = cpu_seconds(proc.pid)
        u = urllib.parse.urlparse(url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        t0 = time.perf_counter()
        ok = True
        for body in bodies:
            conn.request(
                "POST", "/v1/traces", body=body, headers={"Content-Type": "application/x-protobuf"}
            )
            r = conn.getresponse()
            r.read()
            ok &= r.status == 200
        rate = len(spans) / (time.perf_counter() - t0)
        conn.close()
        rss = peak_rss_mb(proc.pid)
        cpu = cpu_seconds(proc.pid) - idle_cpu
        stop(proc)
        return rate, rss, ok and stored(store) - warm == len(spans), len(spans) / cpu


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spans", type=int, default=100_000)
    ap.add_argument("--senders", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    print(f"B5 ingest: {args.spans:,} spans per run, batches of {BATCH}, {args.senders} exporter processes, "
          f"nproc={os.cpu_count()}, Python {sys.version.split()[0]}")  # fmt: skip
    rates, rss, per_cpu, complete, null = [], [], [], True, []
    for _ in range(args.runs):  # interleaved with the peer, so both see the same load
        null.append(run_null(args.spans, args.senders))
        r, m, ok, c = run_exporters(args.spans, args.senders)
        rates.append(r)
        rss.append(m)
        per_cpu.append(c)
        complete &= ok
    med = statistics.median(rates)
    nmed = statistics.median(null)
    print(f"  do-nothing receiver, same exporters: median {nmed:,.0f} spans/s; "
          f"collector / do-nothing = {med / nmed:.2f} (target >= {TARGET_RATIO})")  # fmt: skip
    print(f"  real exporter: median {med:,.0f} spans/s (min {min(rates):,.0f}, max {max(rates):,.0f}); "
          f"ratio to target {med / TARGET_SPANS_S:.2f}")  # fmt: skip
    print(f"  collector peak RSS: median {statistics.median(rss):.0f} MB (max {max(rss):.0f}); "
          f"ratio to target {max(rss) / TARGET_RSS_MB:.2f}")  # fmt: skip
    print(f"  collector CPU: median {statistics.median(per_cpu):,.0f} spans per CPU-second "
          "(its capacity when it has a core to itself)")  # fmt: skip
    exp = statistics.median(EXPORTER_CPU)
    rcv = 1 / statistics.median(per_cpu)
    print(f"  exporter CPU: {exp * 1e6:.0f} µs per span; collector CPU: {rcv * 1e6:.0f} µs per span; "
          f"so 2 cores shared by both sides top out near {2 / (exp + rcv):,.0f} spans/s")  # fmt: skip
    print(f"  every span stored: {'yes' if complete else 'NO'}")
    lean = [run_lean(args.spans) for _ in range(args.runs)]
    lmed = statistics.median(x[0] for x in lean)
    lcpu = statistics.median(x[3] for x in lean)
    print(f"  receiver ceiling (pre-encoded payloads, one connection): median {lmed:,.0f} spans/s, "
          f"{lcpu:,.0f} spans per collector CPU-second, peak RSS {max(x[1] for x in lean):.0f} MB, "
          f"every span stored: {'yes' if all(x[2] for x in lean) else 'NO'}")  # fmt: skip
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
