"""agentctl quickstart end to end, as a user runs it: a subprocess, no TTY, no network, no input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentctl.local.process import processes_under

pytestmark = [pytest.mark.slow, pytest.mark.agent_runtime]


def quickstart(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # The dev extra holds the scaffolds' runtime: run the demo with this interpreter
        # (tests/unit/run/test_projectenv.py covers creating a project's own venv).
        [sys.executable, "-m", "agentctl", "quickstart", "--python", sys.executable, *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_quickstart_end_to_end(tmp_path: Path) -> None:
    store = tmp_path / "traces.db"
    result = quickstart(tmp_path, "--dir", str(tmp_path / "demo"), "--store", str(store))
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    project = tmp_path / "demo" / "quickstart-agent"
    assert (project / "agent.yaml").is_file()
    # every step shows its result
    for heading in ("1/6", "2/6", "3/6", "4/6", "5/6", "6/6", "Next steps"):
        assert heading in out
    assert "gate passed" in out
    assert "StatefulSet" in out and "estimate: compute $" in out
    assert (project / "dist" / "quickstart-agent" / "kustomization.yaml").is_file()
    assert "invoke_agent quickstart-agent" in out and "execute_tool calculate" in out
    assert "cost: offline-demo (free)" in out
    # into a pipe nothing is cut at 80 columns: the trace summary line is whole
    [head] = [line for line in out.splitlines() if line.startswith("trace ")]
    assert head.endswith("tokens · offline-demo (free)")
    rules = [line for line in out.splitlines() if line.startswith(("1/6", "6/6", "Done in"))]
    assert len(rules) == 3 and all(len(line) == 80 for line in rules)
    assert "agentctl trace --store" in out and "agentctl deploy" in out
    # the eval set ran offline and its report is shown
    assert "eval set passed: 3 of 3 cases passed" in out
    # the store holds the run's trace with the agent, model and tool spans
    from agentctl.telemetry.store import TraceStore

    with TraceStore(store) as ts:
        spans = list(ts.spans())
    ops = {s.operation for s in spans}
    assert {"invoke_agent", "chat", "execute_tool"} <= ops
    assert len({s.trace_id for s in spans}) == 1 + 3  # the demo run and one per eval case
    # every tool the demo agent called is one its agent.yaml declares
    evaluated = subprocess.run(
        [sys.executable, "-m", "agentctl", "eval", str(project), "--store", str(store),
         "--since", "1h", "--allow-insufficient", "-o", "json"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    [row] = [a for a in json.loads(evaluated.stdout)["data"]["agents"] if a["version"] is None]
    assert row["declaredToolsChecked"] is True and row["undeclaredTools"] == {}
    assert row["metrics"]["tool_use_accuracy"]["value"] == 1.0
    # nothing left running: no process works in the demo project any more
    assert processes_under(tmp_path) == []


def test_quickstart_names_a_fresh_directory_and_speaks_json(tmp_path: Path) -> None:
    (tmp_path / "agentctl-quickstart").mkdir()  # taken: the next free name is used
    result = quickstart(tmp_path, "--store", str(tmp_path / "t.db"), "-o", "json")
    assert result.returncode == 0, result.stderr[-3000:]
    doc = json.loads(result.stdout)
    assert doc["kind"] == "QuickstartResult" and doc["ok"] is True
    data = doc["data"]
    assert Path(data["project"]) == tmp_path / "agentctl-quickstart-2" / "quickstart-agent"
    assert data["validation"]["failed"] is False
    assert any(o["kind"] == "StatefulSet" for o in data["build"]["objects"])
    assert data["run"]["ok"] is True and data["run"]["traceIds"]
    assert data["run"]["cost"]["traces"][data["run"]["traceIds"][0]]["freeCalls"] >= 1
    assert data["eval"]["ok"] is True and len(data["eval"]["cases"]) == 3
    assert processes_under(tmp_path) == []


def test_quickstart_refuses_a_used_directory(tmp_path: Path) -> None:
    used = tmp_path / "demo" / "quickstart-agent"
    used.mkdir(parents=True)
    (used / "keep.txt").write_text("mine")
    result = quickstart(
        tmp_path, "--dir", str(tmp_path / "demo"), "--store", str(tmp_path / "t.db")
    )
    assert result.returncode == 2
    assert "already exists and is not empty" in result.stderr
    assert (used / "keep.txt").read_text() == "mine"


def test_quickstart_refuses_a_directory_it_cannot_create(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    result = quickstart(tmp_path, "--dir", str(tmp_path / "a-file" / "demo"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"error: --dir {tmp_path / 'a-file' / 'demo'}: cannot create it: Not a directory" in (
        result.stderr
    )
