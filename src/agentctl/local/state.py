"""``.agentctl/dev.json``: how ``agentctl dev --invoke`` finds a running ``agentctl dev``.

The running session writes where its agent listens and which trace store it
fills (no secrets: nothing else is in the file) and removes the file when it
stops. A file left by a session that died is ignored: its pid is gone or its
agent does not answer.
"""

from __future__ import annotations

import contextlib
import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from agentctl.local import localhttp

STATE_FILE = "dev.json"


def state_path(local_dir: Path) -> Path:
    return local_dir / STATE_FILE


def write_state(local_dir: Path, data: dict[str, Any]) -> Path:
    local_dir.mkdir(parents=True, exist_ok=True)
    path = state_path(local_dir)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), **data}, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def remove_state(local_dir: Path) -> None:
    path = state_path(local_dir)
    with contextlib.suppress(OSError):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("pid") == os.getpid():
            path.unlink()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def find_running(
    local_dir: Path, ready_path: str = "/readyz", timeout: float = 15.0
) -> dict[str, Any] | None:
    """The state of a live ``agentctl dev`` for this project whose agent answers, if any.

    Its process is alive, so a slow answer is a busy agent, not a dead one: ``timeout``
    is generous, or a loaded machine would start a second session beside the first.
    """
    try:
        data = json.loads(state_path(local_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("pid"), int)
        or not isinstance(data.get("url"), str)
    ):
        return None
    if data["pid"] == os.getpid() or not _pid_alive(data["pid"]):
        return None
    try:
        with localhttp.urlopen(data["url"] + ready_path, timeout=timeout) as resp:
            if resp.status != 200:
                return None
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return data
