"""B1 (start-up): `agentctl --help` and `agentctl --version` against `python -c "import typer"`.

Each command runs in a fresh process, alternating with the baseline so that
machine noise hits both alike; the figure is the median wall time, and the
ratio is against the baseline's median measured in the same run. Target:
ratio <= 1.3 (only typer at start-up; see docs/explanation/architecture.md).

    python benchmarks/bench_b1_startup.py [--runs N]

It also lists the slowest imports of `agentctl --help` (python -X importtime),
the tool to find what to make lazy when the ratio grows.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 1.3


def agentctl() -> list[str]:
    exe = Path(sys.executable).with_name("agentctl")
    found = str(exe) if exe.exists() else shutil.which("agentctl")
    return [found] if found else [sys.executable, "-m", "agentctl"]


def wall(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - t0


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
    env = {**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    base = [sys.executable, "-c", "import typer"]
    cases = {
        "agentctl --help": [*agentctl(), "--help"],
        "agentctl --version": [*agentctl(), "--version"],
    }
    for cmd in (base, *cases.values()):  # warm the page cache and .pyc files
        wall(cmd, env)
    times: dict[str, list[float]] = {"python -c 'import typer'": [], **{k: [] for k in cases}}
    for _ in range(args.runs):
        times["python -c 'import typer'"].append(wall(base, env))
        for name, cmd in cases.items():
            times[name].append(wall(cmd, env))

    baseline = statistics.median(times["python -c 'import typer'"])
    print(
        f"B1 start-up: {args.runs} runs each, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"{'command':<28} {'median':>9} {'ratio':>7}")
    worst = 0.0
    for name, samples in times.items():
        median = statistics.median(samples)
        ratio = median / baseline
        if name in cases:
            worst = max(worst, ratio)
        print(f"{name:<28} {median * 1000:>7.1f}ms {ratio:>7.2f}")
    verdict = "meets" if worst <= TARGET else "MISSES"
    print(f"worst ratio {worst:.2f}: {verdict} the target of <= {TARGET}")
    print("slowest imports of agentctl --help (cumulative, what agentctl.cli.app pulls in):")
    for micros, name in slowest_imports(env):
        print(f"  {micros / 1000:7.1f}ms  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
