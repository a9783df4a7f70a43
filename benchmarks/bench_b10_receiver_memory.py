"""B10: the collector's peak RSS under hostile input and many concurrent senders.

`agentctl collector` runs in its own process with its default limits. Each
phase throws one kind of input at it from many threads at once and reports
what the collector answered and its peak RSS (VmHWM) afterwards; the goal is
that no input and no number of senders takes it past 150 MB.

Phases: gzip bodies of 1.1M minimal spans (2.9 MB on the wire, 33 MB
decompressed); 8 MiB plain bodies of 260k minimal spans; gzip bodies of 7,000
GenAI spans with 900-byte messages (8 MiB decompressed, the most one request
may carry); a 4 MiB OTLP/JSON body of numbers (the most Python objects the JSON
limits admit); JSON nested 1,000 levels deep; 3,000 connections that
send nothing; then 32 senders of ordinary 512-span batches. Last, in a fresh
collector, 4 senders of 8 MiB plain bodies of 8,192 named spans (both caps at
once: admitted and decoded).

    python benchmarks/bench_b10_receiver_memory.py [--senders K]
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import socket
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_b5_ingest import peak_rss_mb, start_collector, stop, stored

TARGET_RSS_MB = 150


def minimal(n: int) -> bytes:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    req = ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    tid = os.urandom(16)
    for i in range(n):
        sp = ss.spans.add()
        sp.trace_id = tid
        sp.span_id = (i + 1).to_bytes(8, "big")
    return req.SerializeToString()


def named(n: int, size: int) -> bytes:
    """n spans carrying their ids and a name: with n at the cap of spans per request,
    the names pad the body to ``size`` bytes (the most one plain body may carry)."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    req = ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    tid = os.urandom(16)
    name = "s" * ((size - 1024) // n - 40)
    for i in range(n):
        sp = ss.spans.add()
        sp.trace_id = tid
        sp.span_id = (i + 1).to_bytes(8, "big")
        sp.name = name
    return req.SerializeToString()


def genai(n: int, pad: int) -> bytes:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

    def kv(k: str, v: object) -> KeyValue:
        val = AnyValue(int_value=v) if isinstance(v, int) else AnyValue(string_value=str(v))
        return KeyValue(key=k, value=val)

    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(kv("service.name", "bench"))
    ss = rs.scope_spans.add()
    now = time.time_ns()
    for i in range(n):
        sp = ss.spans.add()
        sp.trace_id = os.urandom(16)
        sp.span_id = os.urandom(8)
        sp.name = "chat gpt-4o"
        sp.start_time_unix_nano, sp.end_time_unix_nano = now + i, now + i + 1_000_000
        sp.attributes.extend(
            [
                kv("gen_ai.operation.name", "chat"),
                kv("gen_ai.request.model", "gpt-4o"),
                kv("gen_ai.usage.input_tokens", 1200),
                kv("gen_ai.usage.output_tokens", 300),
            ]
        )
        ev = sp.events.add()
        ev.name = "gen_ai.user.message"
        ev.attributes.append(kv("content", "x" * pad))
    return req.SerializeToString()


def post(url: str, body: bytes, ctype: str, headers: dict[str, str]) -> str:
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=120)
    try:
        c.request("POST", "/v1/traces", body=body, headers={"Content-Type": ctype, **headers})
        r = c.getresponse()
        r.read()
        return str(r.status)
    except OSError as exc:
        return type(exc).__name__
    finally:
        c.close()


def phase(
    url: str,
    name: str,
    body: bytes,
    senders: int,
    ctype: str = "application/x-protobuf",
    gz: bool = False,
    repeat: int = 1,
) -> Counter[str]:
    headers = {"Content-Encoding": "gzip"} if gz else {}
    with ThreadPoolExecutor(senders) as pool:
        answers = Counter(
            pool.map(lambda _: post(url, body, ctype, headers), range(senders * repeat))
        )
    return answers


def idle_connections(url: str, n: int) -> Counter[str]:
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    held, answers = [], Counter[str]()
    for _ in range(n):
        try:
            held.append(socket.create_connection((host, int(port)), timeout=10))
        except OSError as exc:
            answers[type(exc).__name__] += 1
    time.sleep(2)
    for s in held:
        s.setblocking(False)
        try:
            answers["503" if s.recv(12).startswith(b"HTTP/1.1 503") else "closed"] += 1
        except BlockingIOError:
            answers["held open"] += 1
        except OSError:
            answers["reset"] += 1
        s.close()
    return answers


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--senders", type=int, default=16)
    args = ap.parse_args()
    k = args.senders
    phases = [
        (
            "gzip 1.1M minimal spans",
            gzip.compress(minimal(1_100_000)),
            "application/x-protobuf",
            True,
        ),
        ("8 MiB plain, 260k spans", minimal(260_000), "application/x-protobuf", False),
        (
            "8 MiB gzip, 7,000 GenAI spans",
            gzip.compress(genai(7_000, 900)),
            "application/x-protobuf",
            True,
        ),
        (
            "4 MiB OTLP/JSON of numbers",
            b'{"resourceSpans":[],"x":[' + b",".join([b"1000"] * 830_000) + b"]}",
            "application/json",
            False,
        ),
        (
            "JSON nested 1,000 deep",
            b'{"resourceSpans":' + b"[" * 1000 + b"]" * 1000 + b"}",
            "application/json",
            False,
        ),
    ]
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "traces.db"
        proc, url = start_collector(store)
        try:
            print(f"idle: peak RSS {peak_rss_mb(proc.pid):.0f} MB")
            for name, body, ctype, gz in phases:
                answers = phase(url, name, body, k, ctype, gz)
                print(
                    f"{name} x{k} ({len(body) / 1e6:.1f} MB each): {dict(answers)}; peak RSS {peak_rss_mb(proc.pid):.0f} MB",
                    flush=True,
                )
            answers = idle_connections(url, 3000)
            threads = len(os.listdir(f"/proc/{proc.pid}/task"))
            print(
                f"3,000 idle connections: {dict(answers)}; {threads} threads; peak RSS {peak_rss_mb(proc.pid):.0f} MB",
                flush=True,
            )
            batch = genai(512, 900)
            answers = phase(url, "ordinary", batch, 32, repeat=4)
            print(
                f"32 senders x 4 batches of 512 GenAI spans: {dict(answers)}; peak RSS {peak_rss_mb(proc.pid):.0f} MB",
                flush=True,
            )
            peak = peak_rss_mb(proc.pid)
        finally:
            stop(proc)
        n = stored(store)
        print(f"stored {n} spans; peak RSS {peak:.0f} MB (goal <= {TARGET_RSS_MB} MB)")
        failed = peak > TARGET_RSS_MB
        # admitted bodies at both caps, in a fresh collector so the peak is their own
        proc, url = start_collector(Path(tmp) / "caps.db")
        try:
            body = named(8192, 8 * 1024 * 1024)
            answers = phase(url, "at the caps", body, 4, repeat=2)
            peak = peak_rss_mb(proc.pid)
            print(
                f"fresh collector, 8 MiB plain bodies of 8,192 named spans (the caps) x4 senders x2 ({len(body) / 1e6:.1f} MB each): {dict(answers)}; peak RSS {peak:.0f} MB",
                flush=True,
            )
        finally:
            stop(proc)
        failed = failed or peak > TARGET_RSS_MB
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
