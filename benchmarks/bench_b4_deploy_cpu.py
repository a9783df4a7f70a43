"""B4 (CPU): the CPU time of `agentctl deploy` of an example agent, start-up included.

Runs the real CLI in fresh processes against the test suite's Kubernetes API
fake (its own process, no added latency, workloads ready at once), with an
empty user cache directory of its own: a first deploy, then in turn a
re-deploy of the unchanged agent (the gated render kept by the previous deploy
is reused) and a re-deploy after an edit of agent.yaml (a comment appended: the
kept render is not used, the spec is loaded, gated and rendered), and reports
the median CPU time (user + system) of the CLI process for each, next to
`python -c "import typer"` measured interleaved with them. Target: <= 0.3 s of
CPU per deploy.

    python benchmarks/bench_b4_deploy_cpu.py [--runs 5] [--agents currency-converter,deep-research]
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_b4_deploy_latency import ROOT, fake_server
from child_env import installed_env

TARGET_CPU_S = 0.3


def cpu_of(argv: list[str], cache: str | None = None) -> float:
    """CPU seconds (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = installed_env(**({"XDG_CACHE_HOME": cache} if cache is not None else {}))
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
    with fake_server(0.0) as kubeconfig, tempfile.TemporaryDirectory() as tmp:
        cache = str(Path(tmp) / "cache")
        for agent in args.agents.split(","):
            project = Path(tmp) / agent
            project.mkdir()
            shutil.copy(ROOT / "examples" / agent / "agent.yaml", project / "agent.yaml")
            deploy = [
                *agentctl,
                "deploy",
                str(project),
                "--platform",
                str(ROOT / "examples" / "platform.yaml"),
                "--kubeconfig",
                str(kubeconfig),
            ]
            first = cpu_of(deploy, cache)
            kept, edited, base = [], [], []
            for run in range(args.runs):
                base.append(cpu_of([sys.executable, "-c", "import typer"]))
                kept.append(cpu_of(deploy, cache))
                with (project / "agent.yaml").open("a") as fh:
                    fh.write(f"# edit {run}\n")
                edited.append(cpu_of(deploy, cache))
            typer = statistics.median(base)
            print(f"  {agent}: first deploy {first:.2f} s CPU; `import typer` {typer:.2f} s")
            for label, runs in (("re-deploy, render kept", kept), ("re-deploy, edited", edited)):
                cpu = statistics.median(runs)
                verdict = "meets" if cpu <= TARGET_CPU_S else "misses"
                print(
                    f"    {label:<24} {cpu:.2f} s CPU (median, least {min(runs):.2f} s, "
                    f"x{cpu / typer:.1f} typer): {verdict} the {TARGET_CPU_S} s target"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
