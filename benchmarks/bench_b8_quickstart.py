"""B8 (local runtime): `agentctl quickstart` end to end, and `agentctl dev --invoke` on its project.

The issue's target: the quickstart finishes within 60 s on a 2-core machine,
with no TTY, no network and nothing left running. Each run is a fresh process
in a fresh directory with its own trace store; the figures are medians.

    python benchmarks/bench_b8_quickstart.py [--runs N]

Printed: quickstart wall time (scaffold + validate + build + one offline run),
and `dev --offline-model --invoke` on the generated project (start the
receiver and the agent, wait for ready, one task, stop), which is mostly the
agent process's own start-up (openai and OpenTelemetry imports).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 60.0


def agentctl() -> list[str]:
    exe = Path(sys.executable).with_name("agentctl")
    found = str(exe) if exe.exists() else shutil.which("agentctl")
    return [found] if found else [sys.executable, "-m", "agentctl"]


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    quick, invoke = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="agentctl-b8-") as tmp:
            root = Path(tmp)
            env = {**os.environ, "HOME": str(root / "home"), "NO_COLOR": "1"}
            env.pop("AGENTCTL_PLATFORM", None)
            store = root / "traces.db"
            quick.append(
                timed(
                    [*agentctl(), "quickstart", "--dir", str(root / "ws"), "--store", str(store)],
                    root,
                    env,
                )
            )
            project = root / "ws" / "quickstart-agent"
            invoke.append(
                timed(
                    [
                        *agentctl(),
                        "dev",
                        str(project),
                        "--offline-model",
                        "--store",
                        str(store),
                        "--invoke",
                        "search your notes about the budget",
                    ],
                    root,
                    env,
                )
            )
    q, i = statistics.median(quick), statistics.median(invoke)
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {args.runs} runs each"
    )
    print(
        f"quickstart (scaffold, validate, build, offline run):  median {q:.2f} s  (target <= {TARGET_S:.0f} s: {'ok' if q <= TARGET_S else 'MISSED'})"
    )
    print(f"  runs: {', '.join(f'{t:.2f}' for t in quick)} s")
    print(f"dev --offline-model --invoke (start, ready, 1 task, stop):  median {i:.2f} s")
    print(f"  runs: {', '.join(f'{t:.2f}' for t in invoke)} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
