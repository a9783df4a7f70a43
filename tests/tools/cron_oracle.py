"""Kubernetes' own cron parser (robfig/cron v3) as a test oracle.

Builds ``tests/tools/cronoracle`` (a few lines of Go around ``cron.ParseStandard``)
with Go from the module proxy, once: the binary is cached under
``$AGENTCTL_TEST_CACHE/tools/`` (default ``~/.cache/agentctl-tests``), keyed by the hash of its sources, so later
runs start it in milliseconds. Without ``go`` on PATH the caller skips.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "cronoracle"
# Outside the checkout (CI tests a fresh clone each time), so one install serves every run.
CACHE = (
    Path(os.environ.get("AGENTCTL_TEST_CACHE") or Path.home() / ".cache" / "agentctl-tests")
    / "tools"
)
BUILD_TIMEOUT_S = 600


class Unavailable(RuntimeError):
    """The oracle cannot be built here (no Go toolchain); the reason is the message."""


def _key() -> str:
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum", "main.go"):
        digest.update((SOURCE / name).read_bytes())
    return digest.hexdigest()[:16]


def binary() -> Path:
    """The built oracle, building it first when the cache does not hold this version."""
    target = CACHE / f"cronoracle-{_key()}"
    if target.is_file():
        return target
    go = shutil.which("go")
    if go is None:
        raise Unavailable("the Go toolchain (go) is not on PATH: cannot build robfig/cron v3")
    CACHE.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "GOPATH": str(CACHE / "gopath"),
        "GOCACHE": str(CACHE / "gocache"),
        "GOFLAGS": "-mod=readonly",
        "CGO_ENABLED": "0",
    }
    partial = target.with_suffix(f".tmp{os.getpid()}")
    subprocess.run(
        [go, "build", "-o", str(partial), "."],
        cwd=SOURCE,
        env=env,
        check=True,
        timeout=BUILD_TIMEOUT_S,
        capture_output=True,
    )
    partial.replace(target)
    return target


def verdicts(schedules: list[str]) -> list[str | None]:
    """For each schedule, None when Kubernetes accepts it, else robfig's error message."""
    text = "".join(json.dumps(s) + "\n" for s in schedules)
    out = subprocess.run(
        [str(binary())], input=text, capture_output=True, text=True, check=True, timeout=120
    ).stdout.split("\n")[:-1]
    assert len(out) == len(schedules), "the oracle answered a different number of lines"
    return [None if line == "ok" else line.removeprefix("error: ") for line in out]
