"""ManagedProcess: process groups, prefixed logs, clean stop, no orphans."""

from __future__ import annotations

import os
import sys
import textwrap
import time
from pathlib import Path

from agentctl.local.process import (
    EXITED,
    FAILED,
    STOPPED,
    ManagedProcess,
    ProcSpec,
    group_members,
    run_to_end,
)


def spec(tmp_path: Path, code: str, name: str = "p") -> ProcSpec:
    return ProcSpec(name, [sys.executable, "-c", textwrap.dedent(code)], dict(os.environ), tmp_path)


def test_lines_are_prefixed_with_the_process_name_and_tail_kept(tmp_path: Path) -> None:
    lines: list[tuple[str, str]] = []
    proc, timed_out = run_to_end(
        spec(tmp_path, "for i in range(50): print('line', i)", name="agent"),
        timeout=30,
        on_line=lambda n, line: lines.append((n, line)),
    )
    assert not timed_out
    assert proc.status == EXITED and proc.returncode == 0
    assert lines[0] == ("agent", "line 0") and len(lines) == 50
    assert proc.last_lines(3) == ["line 47", "line 48", "line 49"]


def test_crash_is_reported_with_exit_code_and_last_lines(tmp_path: Path) -> None:
    proc, _ = run_to_end(
        spec(tmp_path, "import sys; print('about to fail'); sys.exit(3)"), timeout=30
    )
    assert proc.status == FAILED
    assert proc.describe_exit() == "exit code 3"
    assert proc.last_lines() == ["about to fail"]


def test_timeout_stops_the_process(tmp_path: Path) -> None:
    proc, timed_out = run_to_end(
        spec(tmp_path, "import time; time.sleep(60)"), timeout=0.5, grace=1
    )
    assert timed_out
    assert proc.status == STOPPED


def test_stop_kills_the_whole_group_including_grandchildren(tmp_path: Path) -> None:
    code = f"""
        import signal, subprocess, sys, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)   # a stubborn parent
        child = subprocess.Popen([{sys.executable!r}, "-c", "import time; time.sleep(120)"])
        print("child", child.pid, flush=True)
        time.sleep(120)
    """
    proc = ManagedProcess(spec(tmp_path, code)).start()
    deadline = time.monotonic() + 10
    while not proc.last_lines() and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = int(proc.last_lines()[0].split()[1])
    assert proc.pgid is not None
    assert set(group_members([proc.pgid])) >= {proc.pid, grandchild}
    proc.stop(grace=0.5)
    assert proc.status == STOPPED
    assert proc.describe_exit() == "killed by SIGKILL"
    deadline = time.monotonic() + 5
    while group_members([proc.pgid]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert group_members([proc.pgid]) == []


def test_a_missing_executable_is_a_usage_error(tmp_path: Path) -> None:
    import pytest

    from agentctl.errors import UsageError

    with pytest.raises(UsageError, match="cannot start 'no-such-binary-here'"):
        ManagedProcess(ProcSpec("x", ["no-such-binary-here"], {}, tmp_path)).start()
