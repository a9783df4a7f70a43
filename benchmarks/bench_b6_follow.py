"""B6: time from a span's export to its line in `agentctl trace --follow`.

`agentctl collector` and `agentctl trace --follow -o json` run as separate
processes on one store, as a user would run them. This process exports one
span at a time with the real SDK and OTLP/HTTP exporter (SimpleSpanProcessor:
the export starts when the span ends) and waits for that span to come out of
the tail. Prints the median, p90 and max over the samples against the targets
(median 500 ms, p90 100 ms). The gap between samples is random (uniform over
0-250 ms, seeded): a fixed gap can lock in phase with the tail's 100 ms poll
and make every sample land at the same point of its cycle.

    python benchmarks/bench_b6_follow.py [--samples N]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from child_env import installed_env

TARGET_S = 0.5
TARGET_P90_S = 0.1


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=30)
    args = ap.parse_args()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    env = installed_env(PYTHONUNBUFFERED="1")
    with tempfile.TemporaryDirectory() as tmp:
        store = str(Path(tmp) / "traces.db")
        collector = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "agentctl",
                "collector",
                "--listen",
                "127.0.0.1:0",
                "--store",
                store,
            ],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert collector.stderr is not None
        url = collector.stderr.readline().split()[-1]
        follow = subprocess.Popen(
            [sys.executable, "-m", "agentctl", "trace", "--follow", "-o", "json", "--store", store],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert follow.stderr is not None and follow.stdout is not None
        follow.stderr.readline()  # "following ..."
        arrivals: queue.Queue[tuple[float, str]] = queue.Queue()

        def pump() -> None:
            assert follow.stdout is not None
            for line in follow.stdout:
                arrivals.put((time.perf_counter(), json.loads(line)["data"]["name"]))

        threading.Thread(target=pump, daemon=True).start()
        tp = TracerProvider(
            resource=Resource.create({"service.name": "b6", "gen_ai.agent.name": "b6"})
        )
        tp.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=url)))
        tracer = tp.get_tracer("b6")
        latencies = []
        gaps = random.Random(6)
        try:
            for i in range(args.samples + 1):
                span = tracer.start_span(
                    f"chat sample-{i}", attributes={"gen_ai.operation.name": "chat"}
                )
                t0 = time.perf_counter()
                span.end()  # exports now
                while True:
                    t1, name = arrivals.get(timeout=30)
                    if name == f"chat sample-{i}":
                        break
                if i:  # the first sample warms both processes up
                    latencies.append(t1 - t0)
                time.sleep(gaps.uniform(0.0, 0.25))
        finally:
            tp.shutdown()
            for p in (follow, collector):
                p.send_signal(2)
                p.wait(timeout=30)
    latencies.sort()
    med = statistics.median(latencies)
    p90 = latencies[int(0.9 * (len(latencies) - 1))]
    print(f"B6 export -> `trace --follow` line ({len(latencies)} samples, nproc={os.cpu_count()}, "
          f"Python {sys.version.split()[0]}): median {med * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, "
          f"max {latencies[-1] * 1000:.0f} ms; ratio to target {med / TARGET_S:.2f} (median), "
          f"{p90 / TARGET_P90_S:.2f} (p90)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
