"""perRunUSD in the rendered Argo workflow: the run's budget is handed forward through the DAG.

The workflow scaffold is rendered as ``agentctl build`` renders it, and the
rendered WorkflowTemplate is run step by step as Argo runs it
(``tests/fakes/argo_dag.py``): each step's container is the project's runtime in
a local process, with the env, inputs and outputs Argo would give it, against a
priced loopback model and an OTLP receiver; then ``cost --budget-check`` reads
the traces.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.cli.helpers import run_cli
from tests.fakes.argo_dag import ArgoDag, Attempt, DagRun

pytestmark = [pytest.mark.slow, pytest.mark.agent_runtime]


def _render(project: Path) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    from agentctl.render import render_agent
    from agentctl.spec.loader import LoadedPlatform, load_agent
    from agentctl.spec.models import default_platform

    bundle = render_agent(
        load_agent(project / "agent.yaml"), LoadedPlatform(default_platform(), None)
    )
    docs = bundle.documents()
    (template,) = [d for d in docs if d["kind"] == "WorkflowTemplate"]
    maps = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}
    return template, maps


def _run(
    tmp_path: Path, per_run_usd: str
) -> tuple[DagRun, dict[str, Any], Path, list[dict[str, Any]]]:
    from tests.fakes.openai_server import FakeOpenAI

    from agentctl.telemetry.receiver import OtlpReceiver
    from agentctl.telemetry.store import TraceStore

    store = tmp_path / "traces.db"
    key = tmp_path / "api-key"
    key.write_text("sk-test-" + "x" * 24)
    with FakeOpenAI() as fake:
        made = run_cli("init", "wf", "-t", "workflow-agent", "--no-input", "-d", str(tmp_path),
                       "--set", f"model_endpoint={fake.base_url}")  # fmt: skip
        assert made.exit_code == 0, made.stderr
        project = tmp_path / "wf"
        spec = project / "agent.yaml"
        spec.write_text(spec.read_text().replace("perRunUSD: 0.50", f"perRunUSD: {per_run_usd}"))
        template, config_maps = _render(project)
        reports: list[dict[str, Any]] = []
        with TraceStore(store) as ts, OtlpReceiver(ts, port=0) as rx:

            def launch(attempt: Attempt, out_dir: Path) -> int:
                env = {
                    "PATH": os.environ.get("PATH", ""),
                    **attempt.env,
                    "PYTHONPATH": str(project / "src"),
                    "AGENT_MODEL_API_KEY_FILE": str(key),
                    "SECRET_LLM_API_KEY_FILE": str(key),
                    "OTEL_EXPORTER_OTLP_ENDPOINT": rx.url,
                    "OTEL_BSP_SCHEDULE_DELAY": "100",
                }
                done = subprocess.run(
                    [sys.executable, "-m", "wf", *attempt.args],
                    env=env, cwd=project, capture_output=True, text=True, timeout=120,
                )  # fmt: skip
                spend = out_dir / "spend.json"
                if spend.exists():
                    reports.append({"task": attempt.task, "exit": done.returncode,
                                    **json.loads(spend.read_text())})  # fmt: skip
                (out_dir / "stderr").write_text(done.stderr)
                return done.returncode

            dag = ArgoDag(template, tmp_path / "pods", launch, config_maps=config_maps)
            run = dag.execute()
    assert fake.requests, "the steps called the priced model"
    checked = run_cli("cost", str(project), "--store", str(store), "--since", "1h",
                      "--budget-check", "-o", "json")  # fmt: skip
    check = json.loads(checked.stdout)["data"]
    check["exitCode"] = checked.exit_code
    check["uid"] = dag.uid
    return run, check, store, reports


def test_steps_hand_the_rest_of_the_run_budget_forward_and_the_run_stays_within_it(
    tmp_path: Path,
) -> None:
    run, check, store, reports = _run(tmp_path, "0.01")
    assert run.ok, run.failed
    # every step ran once, each within what it was given
    tasks = [r["task"] for r in reports]
    assert (
        tasks[0] == "plan"
        and tasks[-1] == "write"
        and any(t.startswith("research/each[") for t in tasks)
    )
    assert all(r["costUSD"] <= r["budgetUSD"] for r in reports)
    plan = reports[0]
    assert plan["budgetUSD"] == pytest.approx(0.01 / 3)  # one root, three attempts
    items = [r for r in reports if r["task"].startswith("research/")]
    assert len(items) == plan["outputItems"]
    # a fan-out shares what plan handed on; write gets what the items handed on
    for item in items:
        assert item["budgetUSD"] == pytest.approx(plan["leftUSD"] / len(items) / 3)
    write = reports[-1]
    assert write["budgetUSD"] == pytest.approx(sum(i["leftUSD"] for i in items) / 3)
    spent = sum(r["costUSD"] for r in reports)
    assert 0 < spent <= 0.01
    # one trace per run (the workflow's uid), priced the same by cost, and no breach
    trace_id = check["uid"].replace("-", "")
    from agentctl.telemetry.store import TraceStore

    with TraceStore(store) as ts:
        assert {s.trace_id for s in ts.trace(trace_id)} == {trace_id}
        assert len([s for s in ts.trace(trace_id) if s.operation == "invoke_agent"]) == len(reports)
    assert check["exitCode"] == 0 and check["breaches"] == []


def test_a_step_over_its_share_is_stopped_by_the_guardrail_and_the_run_fails(
    tmp_path: Path,
) -> None:
    run, check, store, reports = _run(tmp_path, "0.00001")
    assert not run.ok and run.failed == "plan"
    assert [r["task"] for r in reports] == ["plan"] * 3  # each attempt with its own slice
    assert all(r["stoppedBy"] == "budget_per_run" and r["exit"] == 1 for r in reports)
    assert all(r["budgetUSD"] == pytest.approx(0.00001 / 3, abs=1e-9) for r in reports)
    trace_id = check["uid"].replace("-", "")
    from agentctl.telemetry.store import TraceStore

    with TraceStore(store) as ts:
        events = [
            e for s in ts.trace(trace_id) for e in s.events if e.name == "gen_ai.guardrail.result"
        ]
    assert [e.attributes["gen_ai.guardrail.policy.id"] for e in events] == ["budget_per_run"] * 3
    # the calls that crossed the line were paid for: cost names the run with the same spend
    assert check["exitCode"] == 1
    (breach,) = check["breaches"]
    assert (breach["kind"], breach["key"]) == ("per-run", trace_id)
    assert breach["actualUSD"] == pytest.approx(sum(r["costUSD"] for r in reports), abs=1e-9)
