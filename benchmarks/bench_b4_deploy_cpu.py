"""B4 (CPU): the CPU time of `agentctl deploy` of an example agent, start-up included.

Runs the real CLI in fresh processes against the test suite's Kubernetes API
fake (its own process, no added latency, workloads ready at once): a first
deploy, then re-deploys of the unchanged agent, and reports the median CPU
time (user + system) of the CLI process next to `python -c "import typer"`
measured interleaved with it. Target: <= 0.3 s of CPU per deploy.

    python benchmarks/bench_b4_deploy_cpu.py [--runs 5] [--agents currency-converter,deep-research]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_b4_deploy_latency import ROOT, fake_server

TARGET_CPU_S = 0.3


def cpu_of(argv: list[str]) -> float:
    """CPU seconds (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "NO_COLOR": "1"}
    # measured as installed: with the bytecode cache written once and read after
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--agents", default="currency-converter,deep-research")
    args = parser.parse_args()
    exe = Path(sys.executable).with_name("agentctl")
    agentctl = [str(exe)] if exe.exists() else [sys.executable, "-m", "agentctl"]
    print(
        f"B4 deploy CPU: {os.cpu_count()} CPUs, python {sys.version.split()[0]}, {args.runs} runs"
    )
    with fake_server(0.0) as kubeconfig:
        for agent in args.agents.split(","):
            deploy = [
                *agentctl,
                "deploy",
                str(ROOT / "examples" / agent),
                "--platform",
                str(ROOT / "examples" / "platform.yaml"),
                "--kubeconfig",
                str(kubeconfig),
            ]
            first = cpu_of(deploy)
            runs, base = [], []
            for _ in range(args.runs):
                base.append(cpu_of([sys.executable, "-c", "import typer"]))
                runs.append(cpu_of(deploy))
            cpu, typer = statistics.median(runs), statistics.median(base)
            verdict = "meets" if cpu <= TARGET_CPU_S else "misses"
            print(
                f"  {agent:<20} first deploy {first:.2f} s CPU; re-deploy {cpu:.2f} s CPU "
                f"(median, least {min(runs):.2f} s; `import typer` {typer:.2f} s, x{cpu / typer:.1f}): "
                f"{verdict} the {TARGET_CPU_S} s target"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
