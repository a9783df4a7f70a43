"""A scaffold's real runtime as a loopback agent server, the backend behind a faked Service."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_agent(
    project: Path, package: str, home: Path, **env: str
) -> tuple[subprocess.Popen, int]:
    """``python -m <package>`` from the project on 127.0.0.1 (this interpreter), once /healthz
    answers; ``env`` adds to the runtime contract's variables. The caller terminates it."""
    port = free_port()
    full = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "AGENT_HOST": "127.0.0.1",
        "AGENT_PORT": str(port),
        "PORT": str(port),
        "PYTHONPATH": str(project / "src"),
        **env,
    }
    proc = subprocess.Popen([sys.executable, "-m", package], cwd=project, env=full,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("the scaffold's runtime did not start")
            time.sleep(0.2)
