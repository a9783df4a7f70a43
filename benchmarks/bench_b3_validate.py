"""B3 (validate at scale) and B2 (schema part): the whole policy catalogue on a generated monorepo.

Uses the monorepo generator of bench_b3_build.py (mixed service, stateful, job
and workflow agents with tools, secrets and schedules). For each size it runs,
in one process, the phases of `agentctl validate <repo>`: load every
agent.yaml, render it, then run every check of the catalogue; it prints the
median wall time of each phase, the time per agent, the growth ratio between
sizes, the slowest checks, and SCH-001's objects per second (the B2 part, with
the shared compiled SchemaValidator). Finally it times the real CLI once on
the largest size, start-up included.

    python benchmarks/bench_b3_validate.py [--sizes 10,100,1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_b3_build import make_monorepo

TARGET_1000_S = 15.0  # `agentctl validate` alone, 1,000 agents

B2_TARGET = 2000.0  # objects/s in one process


def run_phases(repo: Path) -> tuple[dict[str, float], dict[str, float], int]:
    from agentctl.policy import engine
    from agentctl.policy.model import RunOptions
    from agentctl.policy.registry import all_checks
    from agentctl.policy.sources import agent_unit, find_agent_files
    from agentctl.spec.loader import load_agent, load_platform

    phases: dict[str, float] = {}
    t0 = time.perf_counter()
    platform = load_platform(repo / "platform.yaml")
    files = find_agent_files(repo / "agents")
    loaded = [load_agent(f) for f in files]
    t1 = time.perf_counter()
    options = RunOptions()
    units = [agent_unit(a, platform, options) for a in loaded]
    t2 = time.perf_counter()
    per_check: dict[str, float] = defaultdict(float)
    checks = all_checks(plugins=False)
    for check in checks:
        start = time.perf_counter()
        if check.scope == "run":
            list(check.fn(units))
        else:
            for unit in units:
                list(check.fn(unit))
        per_check[check.id] += time.perf_counter() - start
    t3 = time.perf_counter()
    report = engine.run(units, checks)
    t4 = time.perf_counter()
    phases.update(load=t1 - t0, render=t2 - t1, checks=t3 - t2, engine=t4 - t3)
    phases["gate"] = phases["load"] + phases["render"] + phases["engine"]
    objects = sum(len(u.objects) for u in units)
    assert not report.failed, [f.message for f in report.failing][:5]
    return phases, dict(per_check), objects


def cli_time(repo: Path) -> float:
    exe = Path(sys.executable).with_name("agentctl")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "agentctl"]
    start = time.perf_counter()
    proc = subprocess.run(
        [*cmd, "validate", "agents", "-o", "json"], cwd=repo, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"agentctl validate failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"B3 validate at scale: nproc={os.cpu_count()} python={sys.version.split()[0]} repeat={args.repeat}"
    )
    gates: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="agentctl-b3v-") as tmp:
        for n in sizes:
            repo = make_monorepo(Path(tmp) / f"repo-{n}", n)
            runs = [run_phases(repo) for _ in range(args.repeat)]
            med = {k: statistics.median(r[0][k] for r in runs) for k in runs[0][0]}
            checks = {k: statistics.median(r[1][k] for r in runs) for k in runs[0][1]}
            objects = runs[0][2]
            gates[n] = med["gate"]
            print(
                f"  {n:>5} agents {objects:>6} objects  gate {med['gate']:6.2f} s ({med['gate'] / n * 1000:5.1f} ms/agent): "
                f"load {med['load']:5.2f}  render {med['render']:5.2f}  checks {med['engine']:5.2f}"
            )
            sch = checks.get("SCH-001", 0.0)
            if sch:
                print(
                    f"         SCH-001 {objects / sch:8.0f} objects/s (B2 target >= {B2_TARGET:.0f}/s)"
                )
            slow = sorted(checks.items(), key=lambda kv: -kv[1])[:5]
            print(
                "         slowest checks: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in slow)
            )
        for a, b in itertools.pairwise(sizes):
            print(
                f"  growth {a}->{b} agents: x{gates[b] / gates[a]:.1f} time for x{b / a:.0f} agents"
            )
        largest = sizes[-1]
        wall = cli_time(Path(tmp) / f"repo-{largest}")
        verdict = "within" if largest < 1000 or wall <= TARGET_1000_S else "OVER"
        print(
            f"  CLI `agentctl validate agents` on {largest} agents: {wall:.2f} s wall, start-up included ({verdict} the {TARGET_1000_S:.0f} s target for 1,000)"
        )


if __name__ == "__main__":
    main()
