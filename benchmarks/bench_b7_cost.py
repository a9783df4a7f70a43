"""B7 (cost): `agentctl cost --since 30d` on a store of 1,000,000 spans, start-up included.

Builds (once, cached under $TMPDIR) a store of synthetic traces spread over
the last 30 days: 100,000 runs of 10 spans each (an invoke_agent root, five
model calls across four models and three providers with cached tokens, four
tool calls), five agents in three teams. Then runs the real CLI in fresh
processes: once (the first report after the ingest: target 1 s), then in
rounds of `-o json`, the text report and a bare `python -c "import typer"`
(the peer), interleaved so that all three see the same load; it prints median
wall and CPU times against the 300 ms target, with the load average.

    python benchmarks/bench_b7_cost.py [--spans N] [--runs R] [--rebuild]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from child_env import installed_env

TARGET_S = 0.3  # a report
FIRST_TARGET_S = 1.0  # the first report after a bulk ingest
SPANS_PER_TRACE = 10
AGENTS = [("research-assistant", "search"), ("deep-research", "search"), ("daily-report", "finance"),
          ("currency-converter", "payments"), ("support-bot", "payments")]  # fmt: skip
MODELS = [("openai", "gpt-4.1-mini-2025-04-14"), ("openai", "gpt-4o"),
          ("anthropic", "claude-sonnet-4-20250514"), ("gcp.gemini", "gemini-2.5-flash")]  # fmt: skip


def make_store(
    path: Path, n_spans: int, *, now_ns: int | None = None, rollups: bool = True
) -> None:
    """Store the synthetic runs in batches; with ``rollups``, the cost rollups are kept in
    each batch's transaction, as `agentctl collector` keeps them."""
    from agentctl.cost.prices import Pricer
    from agentctl.spans import SpanRecord
    from agentctl.telemetry.rollup import CostRollup
    from agentctl.telemetry.store import TraceStore

    rng = random.Random(7)
    now_ns = now_ns or time.time_ns()
    window = 29 * 86400 * 10**9
    store = TraceStore(path)
    if rollups:
        store.after_insert = CostRollup(store.connection, Pricer()).catch_up
    batch: list[SpanRecord] = []
    resources = {
        a: {"service.name": a, "gen_ai.agent.name": a, "agentctl.team": t} for a, t in AGENTS
    }
    for t in range(n_spans // SPANS_PER_TRACE):
        agent, team = AGENTS[t % len(AGENTS)]
        start = now_ns - rng.randrange(window)
        trace_id = f"{t:032x}"
        root_id = f"{t * 16 + 1:016x}"
        dur = rng.randrange(2, 120) * 10**9
        status = "error" if rng.random() < 0.05 else "ok"
        common = {"trace_id": trace_id, "kind": 1, "agent_name": agent, "agent_version": "1.0.0",
                  "team": team, "resource": resources[agent]}  # fmt: skip
        batch.append(SpanRecord(span_id=root_id, parent_span_id=None, name=f"invoke_agent {agent}",
                                start_unix_nano=start, end_unix_nano=start + dur, status=status,
                                operation="invoke_agent", **common))  # fmt: skip
        for i in range(SPANS_PER_TRACE - 1):
            sid = f"{t * 16 + 2 + i:016x}"
            s0 = start + (i + 1) * dur // SPANS_PER_TRACE
            if i % 2 == 0 and i < 9:
                provider, model = MODELS[rng.randrange(len(MODELS))]
                inp = rng.randrange(500, 20000)
                batch.append(SpanRecord(span_id=sid, parent_span_id=root_id, name=f"chat {model}",
                                        start_unix_nano=s0, end_unix_nano=s0 + dur // 20, status="unset",
                                        operation="chat", provider=provider, request_model=model,
                                        input_tokens=inp, output_tokens=rng.randrange(50, 2000),
                                        cache_read_tokens=inp // 4, **common))  # fmt: skip
            else:
                batch.append(SpanRecord(span_id=sid, parent_span_id=root_id, name="execute_tool web-search",
                                        start_unix_nano=s0, end_unix_nano=s0 + dur // 50, status="unset",
                                        operation="execute_tool", tool_name="web-search", **common))  # fmt: skip
        if len(batch) >= 8_192:  # the most the collector stores in one transaction
            store.insert(batch)
            batch = []
    if batch:
        store.insert(batch)
    store.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spans", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument(
        "--no-ingest-rollups",
        action="store_true",
        help="build the store without keeping the rollups (the first cost then builds them)",
    )
    args = ap.parse_args()
    kind = "plain" if args.no_ingest_rollups else "rollups"
    path = Path(tempfile.gettempdir()) / f"agentctl-b7-cost-{args.spans}-{kind}.db"
    if args.rebuild or not path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        t0, c0 = time.perf_counter(), time.process_time()
        make_store(path, args.spans, rollups=not args.no_ingest_rollups)
        print(f"built {path} ({args.spans:,} spans, {kind}) in {time.perf_counter() - t0:.1f} s "
              f"wall, {time.process_time() - c0:.1f} s CPU")  # fmt: skip
    exe = str(Path(sys.executable).with_name("agentctl"))
    cmd = [exe, "cost", "--store", str(path), "--since", "30d", "-o", "json"]
    env = installed_env()

    cpu: dict[str, list[float]] = {}

    def timed(name: str, argv: list[str]) -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, env=env, check=False)
        elapsed = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        cpu.setdefault(name, []).append(used)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr.decode())
            raise SystemExit(1)
        return elapsed

    first = timed("first", cmd)  # builds or catches up the rollups and the rate cache
    walls: dict[str, list[float]] = {}
    loads = [os.getloadavg()[0]]
    for _ in range(args.runs):  # interleaved: each round sees about the same load
        for name, argv in (
            ("json", cmd),
            ("text", cmd[:-2]),
            ("peer", [sys.executable, "-c", "import typer"]),
        ):
            walls.setdefault(name, []).append(timed(name, argv))
        loads.append(os.getloadavg()[0])
    times, t_text, peer = walls["json"], walls["text"], walls["peer"]
    med, med_text = statistics.median(times), statistics.median(t_text)
    print(
        f"nproc {os.cpu_count()}, Python {sys.version.split()[0]}, load average {min(loads):.1f}-{max(loads):.1f}"
    )
    print(f"B7 cost first run on {args.spans:,} spans after the ingest ({kind}): {first:.3f} s wall, "
          f"{cpu['first'][0]:.3f} s CPU; ratio to the {FIRST_TARGET_S:.0f} s target {first / FIRST_TARGET_S:.2f}")  # fmt: skip
    print(
        f"B7 cost --since 30d -o json on {args.spans:,} spans: median {med:.3f} s wall "
        f"(min {min(times):.3f}, max {max(times):.3f}), median CPU {statistics.median(cpu['json']):.3f} s; "
        f"ratio to the {TARGET_S:.1f} s target {med / TARGET_S:.2f}"
    )
    print(
        f"B7 cost --since 30d (text) on {args.spans:,} spans: median {med_text:.3f} s wall, "
        f"median CPU {statistics.median(cpu['text']):.3f} s; ratio to the {TARGET_S:.1f} s target {med_text / TARGET_S:.2f}"
    )
    print(f"peer `python -c 'import typer'`: median {statistics.median(peer):.3f} s wall, "
          f"median CPU {statistics.median(cpu['peer']):.3f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
