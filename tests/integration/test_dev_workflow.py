"""agentctl dev on workflow and job agents: real processes, DAG order, fan-out, retries, timeouts."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli

from agentctl.local.process import processes_under

# A workflow agent written against the runtime contract with the standard library only.
STEP_CODE = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path

    step = os.environ["AGENT_STEP"]
    log = Path(os.environ["WF_LOG"])
    item = json.loads(os.environ["AGENT_STEP_ITEM"]) if "AGENT_STEP_ITEM" in os.environ else None
    inputs = json.loads(os.environ["AGENT_STEP_INPUTS"])
    with log.open("a") as f:
        f.write(json.dumps({"ev": "start", "step": step, "item": item, "t": time.time(), "argv": sys.argv[1:]}) + "\\n")
    if step == "plan":
        out = [1, 2, 3, 4]
    elif step == "research":
        time.sleep(0.3)
        out = item * 10
    elif step == "flaky":
        marker = Path(os.environ["WF_MARKER"])
        if not marker.exists():
            marker.write_text("1")
            print("first attempt fails", file=sys.stderr)
            sys.exit(3)
        out = "recovered"
    elif step == "broken":
        print("boom: cannot reach the database", file=sys.stderr)
        sys.exit(3)
    elif step.startswith("slow"):
        time.sleep(60)
        out = None
    else:
        out = {"sum": sum(inputs.get("research", [])), "task": os.environ.get("AGENT_TASK"), "topic": sys.argv[2:]}
    Path(os.environ["AGENT_STEP_OUTPUT"]).write_text(json.dumps(out))
    with log.open("a") as f:
        f.write(json.dumps({"ev": "end", "step": step, "item": item, "t": time.time()}) + "\\n")
    """
)

AGENT = """\
apiVersion: agentctl.dev/v1alpha1
kind: Agent
metadata: {{name: wf-demo, team: demo}}
spec:
  type: workflow
  image: ghcr.io/acme/wf-demo:0.1.0
  command: [python, -m, wfdemo]
  env: {{WF_LOG: "{log}", WF_MARKER: "{marker}"}}
  workflow:
    parameters: {{topic: kubernetes}}
    deadline: {deadline}
    steps:
{steps}
"""

DAG = """\
      - name: plan
        args: [plan, "{{workflow.parameters.topic}}"]
      - name: research
        dependsOn: [plan]
        forEach: {from: plan, parallelism: 2}
      - name: write
        args: [write, "{{workflow.parameters.topic}}"]
        dependsOn: [research]
"""


def make_project(tmp_path: Path, steps: str, deadline: str = "5m") -> Path:
    project = tmp_path / "wf-demo"
    (project / "wfdemo").mkdir(parents=True)
    (project / "wfdemo" / "__init__.py").write_text("")
    (project / "wfdemo" / "__main__.py").write_text(STEP_CODE)
    log, marker = tmp_path / "events.jsonl", tmp_path / "flaky.marker"
    (project / "agent.yaml").write_text(
        AGENT.format(log=log, marker=marker, deadline=deadline, steps=textwrap.indent(steps, ""))
    )
    return project


def events(tmp_path: Path) -> list[dict]:
    path = tmp_path / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def dev_json(*args: str) -> tuple[int, dict]:
    result = run_cli("dev", *args, "-o", "json")
    assert result.stdout, result.stderr
    return result.exit_code, json.loads(result.stdout)


def test_workflow_runs_in_dag_order_with_bounded_fan_out(tmp_path: Path) -> None:
    project = make_project(tmp_path, DAG)
    store = tmp_path / "traces.db"
    code, doc = dev_json(
        str(project), "--store", str(store), "--param", "topic=agents", "--invoke", "hello"
    )
    assert code == 0, doc
    data = doc["data"]
    assert data["ok"] is True
    assert data["answer"] == {"sum": 100, "task": "hello", "topic": ["agents"]}
    steps = {s["name"]: s for s in data["steps"]}
    assert steps["research"]["items"] == 4 and steps["research"]["status"] == "succeeded"

    evs = events(tmp_path)
    plan_end = next(e["t"] for e in evs if e["step"] == "plan" and e["ev"] == "end")
    research = [e for e in evs if e["step"] == "research"]
    write_start = next(e["t"] for e in evs if e["step"] == "write" and e["ev"] == "start")
    assert all(e["t"] >= plan_end for e in research)
    assert all(e["t"] <= write_start for e in research)
    assert sorted(e["item"] for e in research if e["ev"] == "start") == [1, 2, 3, 4]
    assert next(e["argv"] for e in evs if e["step"] == "plan") == ["plan", "agents"]
    # forEach.parallelism 2: never more than two items at once
    timeline = sorted((e["t"], 1 if e["ev"] == "start" else -1) for e in research)
    running = peak = 0
    for _, delta in timeline:
        running += delta
        peak = max(peak, running)
    assert peak == 2

    # the run is one trace: agentctl's invoke_workflow root span is in the store
    from agentctl.telemetry.store import TraceStore

    with TraceStore(store) as ts:
        roots = [s for s in ts.spans() if s.is_root]
    assert [r.name for r in roots] == ["invoke_workflow wf-demo"]
    assert roots[0].trace_id == data["traceIds"][0]
    assert processes_under(project) == []


def test_a_step_that_fails_once_is_retried(tmp_path: Path) -> None:
    steps = """\
      - name: flaky
        retry: {limit: 2, backoff: 1s}
"""
    project = make_project(tmp_path, steps)
    code, doc = dev_json(str(project), "--store", str(tmp_path / "t.db"))
    assert code == 0, doc
    assert doc["data"]["answer"] == "recovered"
    assert doc["data"]["steps"][0]["attempts"] == 2


def test_a_failing_step_retries_then_fails_the_run_with_its_reason(tmp_path: Path) -> None:
    steps = """\
      - name: broken
        retry: {limit: 1, backoff: 1s}
      - name: write
        dependsOn: [broken]
"""
    project = make_project(tmp_path, steps)
    code, doc = dev_json(str(project), "--store", str(tmp_path / "t.db"))
    assert code == 4
    data = doc["data"]
    assert doc["ok"] is False and data["ok"] is False
    assert data["reason"] == "step broken failed: exit code 3 (after 2 attempts)"
    steps_by_name = {s["name"]: s for s in data["steps"]}
    assert steps_by_name["broken"]["attempts"] == 2
    assert steps_by_name["write"]["status"] == "skipped"
    assert len([e for e in events(tmp_path) if e["step"] == "broken"]) == 2

    text = run_cli("dev", str(project), "--store", str(tmp_path / "t.db"))
    assert text.exit_code == 4
    assert "boom: cannot reach the database" in text.stdout  # the failing step's last lines
    assert "error: workflow of wf-demo failed: step broken failed: exit code 3" in text.stderr


def test_a_step_timeout_stops_it(tmp_path: Path) -> None:
    steps = """\
      - name: slow
        timeout: 1s
        retry: {limit: 0}
"""
    project = make_project(tmp_path, steps)
    code, doc = dev_json(str(project), "--store", str(tmp_path / "t.db"))
    assert code == 4
    assert doc["data"]["reason"] == "step slow failed: timed out after 1s"
    assert processes_under(project) == []


def test_the_workflow_deadline_fails_the_run(tmp_path: Path) -> None:
    steps = """\
      - name: slow
        retry: {limit: 0}
"""
    project = make_project(tmp_path, steps, deadline="2s")
    code, doc = dev_json(str(project), "--store", str(tmp_path / "t.db"))
    assert code == 4
    assert doc["data"]["reason"] == "workflow deadline 2s exceeded"
    assert processes_under(project) == []


def test_unknown_parameter_is_a_usage_error(tmp_path: Path) -> None:
    project = make_project(tmp_path, DAG)
    result = run_cli("dev", str(project), "--store", str(tmp_path / "t.db"), "--param", "nope=1")
    assert result.exit_code == 2
    assert "unknown workflow parameter 'nope' (parameters: topic)" in result.stderr


JOB = """\
apiVersion: agentctl.dev/v1alpha1
kind: Agent
metadata: {name: job-demo, team: demo}
spec:
  type: job
  image: ghcr.io/acme/job-demo:0.1.0
  command: [python, job.py]
  args: [--report, daily]
  memory: {size: 1Gi, mountPath: /data}
  guardrails: {timeout: 1m}
"""

JOB_CODE = """\
import json, os, sys
from pathlib import Path
memory = Path(os.environ["AGENT_MEMORY_DIR"])
runs = memory / "runs.txt"
count = int(runs.read_text()) + 1 if runs.exists() else 1
runs.write_text(str(count))
print("working...", file=sys.stderr)
params = json.loads(os.environ.get("AGENT_PARAMS", "{}"))
print(json.dumps({"task": os.environ.get("AGENT_TASK"), "args": sys.argv[1:], "run": count, "params": params}))
"""


@pytest.mark.parametrize("task", [None, "summarise"])
def test_job_runs_once_with_memory_that_survives(tmp_path: Path, task: str | None) -> None:
    project = tmp_path / "job-demo"
    project.mkdir()
    (project / "agent.yaml").write_text(JOB)
    (project / "job.py").write_text(JOB_CODE)
    args = [str(project), "--store", str(tmp_path / "t.db")] + (["--invoke", task] if task else [])
    args += ["--param", "day=2025-01-01"] if task else []
    code, first = dev_json(*args)
    assert code == 0, first
    params = {"day": "2025-01-01"} if task else {}
    assert first["data"]["answer"] == {
        "task": task,
        "args": ["--report", "daily"],
        "run": 1,
        "params": params,
    }
    code, second = dev_json(*args)
    assert second["data"]["answer"]["run"] == 2  # .agentctl/memory is kept between runs
    assert (project / ".agentctl" / "memory" / "runs.txt").read_text() == "2"


def test_sigint_during_a_workflow_run_stops_every_step(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    steps = """\
      - name: slow
        retry: {limit: 0}
      - name: slow-too
        retry: {limit: 0}
"""
    project = make_project(tmp_path, steps)
    proc = subprocess.Popen(
        [sys.executable, "-m", "agentctl", "dev", str(project), "--store", str(tmp_path / "t.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len([e for e in events(tmp_path) if e["ev"] == "start"]) < 2:
            assert time.monotonic() < deadline and proc.poll() is None, "steps did not start"
            time.sleep(0.1)
        assert len(processes_under(project)) == 2
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert processes_under(project) == []
