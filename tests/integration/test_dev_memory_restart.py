"""A stateful agent's memory survives its process being killed and `agentctl dev` started again:
real processes (the scaffold's server on the offline demo model), real files under
.agentctl/memory, nothing mocked."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli
from tests.integration.test_dev_signals import finish, wait_for_state

from agentctl.local.process import processes_under

pytestmark = [pytest.mark.slow, pytest.mark.agent_runtime]

NOTE = "Remember this note: the staging cluster runs Kubernetes 1.31"
QUESTION = "Search your notes: what do you know about the staging cluster?"


def start_dev(project: Path, store: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable, "-m", "agentctl", "dev", str(project), "--offline-model",
            "--store", str(store), "--python", sys.executable,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def invoke(project: Path, task: str) -> dict:
    res = run_cli("dev", str(project), "--invoke", task, "-o", "json")
    assert res.exit_code == 0, res.stderr[-3000:]
    assert "sending to the running agentctl dev" in res.stderr
    return json.loads(res.stdout)["data"]


def wait_gone(project: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while processes_under(project) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_under(project) == []


def test_memory_survives_a_killed_agent_and_a_new_dev_session(tmp_path: Path) -> None:
    made = run_cli("init", "helper", "-t", "stateful-agent", "--no-input", "-d", str(tmp_path))
    assert made.exit_code == 0, made.stderr
    project = tmp_path / "helper"
    store = tmp_path / "traces.db"

    first = start_dev(project, store)
    try:
        wait_for_state(project, first, timeout=120)
        saved = invoke(project, NOTE)
        assert "save_note" in saved["answer"], saved
        agents = processes_under(project)
        assert agents
        for pid in agents:  # the agent dies without a chance to flush or shut down
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _out, err = finish(first)
    finally:
        if first.poll() is None:
            first.terminate()
            first.communicate(timeout=30)
    assert first.returncode == 4, err
    assert "ended unexpectedly" in err
    wait_gone(project)

    second = start_dev(project, store)
    try:
        wait_for_state(project, second, timeout=120)
        assert not set(processes_under(project)) & set(agents)  # new processes
        recalled = invoke(project, QUESTION)
        second.send_signal(signal.SIGTERM)
        _out, err = finish(second)
    finally:
        if second.poll() is None:
            second.terminate()
            second.communicate(timeout=30)
    assert second.returncode == 0, err
    assert "Kubernetes 1.31" in recalled["answer"], recalled
    notes = list((project / ".agentctl" / "memory").rglob("*"))
    assert notes, "the memory lives in the project's .agentctl/memory"
    wait_gone(project)
