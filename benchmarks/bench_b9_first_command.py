"""B9: the README's first command on a fresh machine: a clone, a cold pip cache, no project venv.

    python benchmarks/bench_b9_first_command.py

Clones the committed HEAD into an empty temporary directory and times, with an
empty pip cache (PIP_CACHE_DIR) and an empty user cache (XDG_CACHE_HOME, where
the quickstart keeps its demo environment):

1. ``python3 -m venv .venv && .venv/bin/pip install -e .`` (agentctl alone);
2. ``.venv/bin/agentctl quickstart`` (creates the demo project's environment
   from its pyproject.toml, then the whole golden path);
3. a second ``agentctl quickstart`` with every proxy and the package index on a
   closed loopback port (it reuses the environment: no network).

The goal for 1 + 2 is <= 60 s. Packages come from the configured index, so
the figure includes downloads. Nothing is asserted: the figures are printed.
"""

from __future__ import annotations

import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 60.0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd: str, cwd: Path, env: dict[str, str]) -> float:
    """Wall seconds of ``cmd``; prints the CPU seconds it and its children used too."""
    c0 = _cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd, shell=True, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    elapsed = time.perf_counter() - t0
    print(f"  ({_cpu() - c0:.1f} CPU s)", end=" ", flush=True)
    if proc.returncode != 0:
        sys.exit(
            f"{cmd!r} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        )
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="agentctl-b9-") as tmp:
        base = Path(tmp)
        clone = base / "agentctl"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        env = {
            **os.environ,
            "PIP_CACHE_DIR": str(base / "pip-cache"),
            "XDG_CACHE_HOME": str(base / "cache"),
            "XDG_DATA_HOME": str(base / "data"),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        env.pop("VIRTUAL_ENV", None)
        print(
            f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        install = _timed("python3 -m venv .venv && .venv/bin/pip install -q -e .", clone, env)
        print(f"venv + pip install -e . (cold cache)      {install:6.1f} s", flush=True)
        quick = _timed(".venv/bin/agentctl quickstart", clone, env)
        print(f"first agentctl quickstart (project venv)  {quick:6.1f} s", flush=True)
        total = install + quick
        print(f"README first command, total               {total:6.1f} s  (goal <= {GOAL_S:.0f} s)")
        port = _closed_port()
        offline = {
            **env,
            **{v: f"http://127.0.0.1:{port}" for v in ("http_proxy", "https_proxy", "HTTPS_PROXY")},
            "PIP_INDEX_URL": f"http://127.0.0.1:{port}/simple",
        }
        again = _timed(".venv/bin/agentctl quickstart", clone, offline)
        print(f"second quickstart, network closed         {again:6.1f} s")
        print(f"load at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
