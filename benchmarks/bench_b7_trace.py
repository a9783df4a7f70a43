"""B7 (trace): `agentctl trace --last 20` on a store of 1,000,000 spans, start-up included.

Uses the same cached synthetic store as bench_b7_cost.py (100,000 agent runs
of 10 spans over 30 days; built once under $TMPDIR). Each figure is the
median wall and CPU time of a fresh `agentctl` process; the peer, a bare
`python -c "import typer"`, runs in the same rounds, interleaved with the
commands, so that both see the same load (printed with the figures). The
first run after the store is built prices the listed traces (from the rates
the store's cost rollups keep) and caches the result in the store; later
runs read the cache, so both are shown.

    python benchmarks/bench_b7_trace.py [--spans N] [--runs R] [--rebuild]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_b7_cost import make_store
from child_env import installed_env

TARGET_S = 0.15


CPU: dict[str, list[float]] = {}


def wall(cmd: list[str], runs: int, env: dict[str, str]) -> list[float]:
    """Wall times of fresh processes; their CPU times (user + sys) go to CPU[cmd]."""
    out = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env, check=True)
        out.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        CPU.setdefault(" ".join(cmd), []).append(cpu)
    return out


def cpu_of(cmd: list[str]) -> float:
    return statistics.median(CPU[" ".join(cmd)])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spans", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    shared = Path(tempfile.gettempdir()) / f"agentctl-b7-cost-{args.spans}-rollups.db"
    if args.rebuild or not shared.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{shared}{suffix}").unlink(missing_ok=True)
        t0 = time.perf_counter()
        make_store(shared, args.spans)
        print(f"built {shared} ({args.spans:,} spans) in {time.perf_counter() - t0:.1f} s")
    env = installed_env()
    exe = str(Path(sys.executable).with_name("agentctl"))
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "traces.db"
        shutil.copyfile(shared, store)  # a private copy: the price cache starts cold
        base = [exe, "trace", "--store", str(store), "--last", "20"]
        cold = wall(base, 1, env)[0]
        cold_cpu = cpu_of(base)
        CPU.clear()  # the figures below are of warm runs
        detail_id = subprocess.run(
            [*base, "-o", "json", "--no-cost"], capture_output=True, env=env, check=True
        )
        import json

        trace_id = json.loads(detail_id.stdout)["data"]["traces"][0]["traceId"]
        peer_cmd = [sys.executable, "-c", "import typer"]
        detail_cmd = [exe, "trace", "--store", str(store), "--trace-id", trace_id]
        rounds: dict[str, list[float]] = {}
        loads = [os.getloadavg()[0]]
        for _ in range(args.runs):  # interleaved: each round sees about the same load
            for name, cmd in (("warm", base), ("no_cost", [*base, "--no-cost"]),
                              ("json", [*base, "-o", "json"]), ("peer", peer_cmd),
                              ("detail", detail_cmd)):  # fmt: skip
                rounds.setdefault(name, []).extend(wall(cmd, 1, env))
            loads.append(os.getloadavg()[0])
        warm, no_cost, as_json = rounds["warm"], rounds["no_cost"], rounds["json"]
        peer, detail = rounds["peer"], rounds["detail"]
    med = statistics.median(warm)
    p = statistics.median(peer)
    cpu, cpu_peer = cpu_of(base), cpu_of([sys.executable, "-c", "import typer"])
    print(
        f"B7 trace --last 20 on {args.spans:,} spans (nproc={os.cpu_count()}, Python {sys.version.split()[0]}, "
        f"load average {min(loads):.1f}-{max(loads):.1f}):"
    )
    print(f"  text, costs cached: median {med * 1000:.0f} ms (min {min(warm) * 1000:.0f}); "
          f"ratio to target {med / TARGET_S:.2f}; ratio to `import typer` {med / p:.2f}")  # fmt: skip
    print(f"  text, costs cached: CPU median {cpu * 1000:.0f} ms; ratio to target {cpu / TARGET_S:.2f}; "
          f"`import typer` CPU {cpu_peer * 1000:.0f} ms")  # fmt: skip
    print(f"  first run (prices 20 traces): {cold * 1000:.0f} ms, CPU {cold_cpu * 1000:.0f} ms")
    print(
        f"  --no-cost: median {statistics.median(no_cost) * 1000:.0f} ms; -o json: median {statistics.median(as_json) * 1000:.0f} ms"
    )
    print(
        f"  --trace-id (tree + waterfall, priced): median {statistics.median(detail) * 1000:.0f} ms"
    )
    print(f"  peer `python -c 'import typer'`: median {p * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
