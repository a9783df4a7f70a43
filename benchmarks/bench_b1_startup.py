"""B1 (start-up): commands with trivial work against `python -c "import typer"`.

`agentctl --help` and `--version` (target: ratio <= 1.3, only typer at
start-up; see docs/explanation/architecture.md) and the commands whose work is
trivial: `templates`, `checks`, `trace --last 20` on an empty store and
`status --help` (target: ratio <= 1.5). Each command runs in a fresh process,
alternating with the baseline so that machine noise hits both alike; the
figures are the median wall time and the median CPU time (user + system, less
sensitive to a loaded machine), and the ratios are against the baseline's
medians measured in the same run. Run from an empty directory (no
platform.yaml found upwards) with an empty trace store.

    python benchmarks/bench_b1_startup.py [--runs N]

It also lists the slowest imports of `agentctl --help` (python -X importtime),
the tool to find what to make lazy when the ratio grows.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from child_env import installed_env

TARGET = 1.3
TRIVIAL_TARGET = 1.5


def agentctl() -> list[str]:
    exe = Path(sys.executable).with_name("agentctl")
    found = str(exe) if exe.exists() else shutil.which("agentctl")
    return [found] if found else [sys.executable, "-m", "agentctl"]


def wall(cmd: list[str], env: dict[str, str], cwd: str | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd, check=False
    )
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def slowest_imports(env: dict[str, str], n: int = 8) -> list[tuple[int, str]]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "agentctl", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    rows = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            depth = (len(name) - len(name.lstrip()) - 1) // 2
            # What the CLI module pulls in directly (depth 1), and other roots.
            if cumulative.strip().isdigit() and depth <= 1 and name.strip() != "agentctl.cli.app":
                rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:n]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args(argv)
    work = tempfile.mkdtemp(prefix="agentctl-b1-")
    os.mkdir(os.path.join(work, ".git"))  # the search for platform.yaml stops here
    # the trace store is empty: never created
    env = installed_env(AGENTCTL_TRACE_STORE=os.path.join(work, "traces.db"))
    env.pop("AGENTCTL_PLATFORM", None)
    base = [sys.executable, "-c", "import typer"]
    cases = {
        "agentctl --help": [*agentctl(), "--help"],
        "agentctl --version": [*agentctl(), "--version"],
    }
    trivial = {
        "agentctl templates": [*agentctl(), "templates"],
        "agentctl checks": [*agentctl(), "checks"],
        "agentctl trace --last 20": [*agentctl(), "trace", "--last", "20"],
        "agentctl status --help": [*agentctl(), "status", "--help"],
    }
    every = {**cases, **trivial}
    for cmd in (base, *every.values()):  # warm the page cache and .pyc files
        wall(cmd, env, work)
    names = ["python -c 'import typer'", *every]
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in names}
    for _ in range(args.runs):
        times[names[0]].append(wall(base, env, work))
        for name, cmd in every.items():
            times[name].append(wall(cmd, env, work))

    base_wall = statistics.median(w for w, _ in times[names[0]])
    base_cpu = statistics.median(c for _, c in times[names[0]])
    print(
        f"B1 start-up: {args.runs} runs each, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"{'command':<28} {'wall':>9} {'ratio':>7} {'CPU':>9} {'ratio':>7}")
    verdicts = []
    for name, samples in times.items():
        median = statistics.median(w for w, _ in samples)
        cpu = statistics.median(c for _, c in samples)
        ratio, cpu_ratio = median / base_wall, cpu / base_cpu
        if name in every:
            target = TARGET if name in cases else TRIVIAL_TARGET
            verdicts.append((name, max(ratio, cpu_ratio), target))
        print(
            f"{name:<28} {median * 1000:>7.1f}ms {ratio:>7.2f} {cpu * 1000:>7.1f}ms {cpu_ratio:>7.2f}"
        )
    for name, worst, target in verdicts:
        if worst > target:
            print(f"{name}: worst ratio {worst:.2f} MISSES the target of <= {target}")
    if all(worst <= target for _, worst, target in verdicts):
        print("every command meets its target (1.3 for --help/--version, 1.5 for trivial work)")
    print("slowest imports of agentctl --help (cumulative, what agentctl.cli.app pulls in):")
    for micros, name in slowest_imports(env):
        print(f"  {micros / 1000:7.1f}ms  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
