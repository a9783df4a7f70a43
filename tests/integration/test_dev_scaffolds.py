"""agentctl dev runs every golden-path scaffold locally with the offline demo model."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli

from agentctl.local.process import processes_under

pytestmark = [pytest.mark.slow, pytest.mark.agent_runtime]


def scaffold(tmp_path: Path, template: str, name: str, *sets: str) -> Path:
    args = ["init", name, "-t", template, "--no-input", "-d", str(tmp_path)]
    for value in sets:
        args += ["--set", value]
    result = run_cli(*args)
    assert result.exit_code == 0, result.stderr
    return tmp_path / name


def dev(project: Path, store: Path, *extra: str) -> dict:
    result = run_cli(
        "dev",
        str(project),
        "--offline-model",
        "--store",
        str(store),
        "--python",
        sys.executable,  # the dev extra holds the scaffolds' runtime: no project venv needed
        *extra,
        "-o",
        "json",
    )
    assert result.exit_code == 0, result.stderr[-3000:]
    return json.loads(result.stdout)["data"]


def operations(store: Path, trace_id: str) -> list[str]:
    from agentctl.telemetry.store import TraceStore

    with TraceStore(store) as ts:
        return [s.operation or s.name for s in ts.trace(trace_id)]


def test_stateful_agent_with_its_tool_service_from_another_project(tmp_path: Path) -> None:
    tool = scaffold(tmp_path, "tool-service", "rates")
    agent = scaffold(tmp_path, "stateful-agent", "helper", "tool_service=rates")
    store = tmp_path / "traces.db"
    data = dev(agent, store, "--tool", f"rates={tool}", "--invoke", "convert 100 USD to EUR")
    assert data["ok"] and data["kind"] == "invoke"
    assert "convert_currency" in data["answer"]
    ops = operations(store, data["traceIds"][0])
    assert {"invoke_agent", "chat", "execute_tool"} <= set(ops)
    # the tool service's own span joined the agent's trace (W3C context over HTTP)
    assert ops.count("execute_tool") == 2
    assert (agent / ".agentctl" / "memory").is_dir()
    assert data["cost"]["traces"][data["traceIds"][0]]["label"] == "offline-demo (free)"
    assert processes_under(tmp_path) == []


def test_tool_service_agent(tmp_path: Path) -> None:
    project = scaffold(tmp_path, "tool-service", "rates")
    data = dev(project, tmp_path / "t.db", "--invoke", "convert 100 USD to EUR")
    assert data["ok"] and "EUR" in data["answer"]
    assert processes_under(project) == []


def test_batch_job_runs_once(tmp_path: Path) -> None:
    project = scaffold(tmp_path, "batch-job", "report")
    store = tmp_path / "t.db"
    data = dev(project, store)
    assert data["ok"] and data["kind"] == "job"
    assert "Daily report" in data["answer"]
    assert {"invoke_agent", "chat", "execute_tool"} <= set(operations(store, data["traceIds"][0]))


def test_workflow_agent_runs_its_dag(tmp_path: Path) -> None:
    project = scaffold(tmp_path, "workflow-agent", "research")
    store = tmp_path / "t.db"
    data = dev(project, store, "--param", "topic=kubernetes")
    assert data["ok"] and data["kind"] == "workflow"
    steps = {s["name"]: s for s in data["steps"]}
    assert [steps[n]["status"] for n in ("plan", "research", "write")] == ["succeeded"] * 3
    assert steps["research"]["items"] >= 2
    ops = operations(store, data["traceIds"][0])
    assert ops[0] == "invoke_workflow"
    assert ops.count("invoke_agent") == 2 + steps["research"]["items"]
    assert data["answer"]["topic"] == "kubernetes"
    assert processes_under(project) == []


def test_stateful_agent_calls_the_tool_service_over_mcp(tmp_path: Path) -> None:
    from agentctl.telemetry.store import TraceStore

    tool = scaffold(tmp_path, "tool-service", "rates")
    agent = scaffold(tmp_path, "stateful-agent", "helper", "mcp_server=rates")
    store = tmp_path / "traces.db"

    data = dev(agent, store, "--tool", f"rates={tool}", "--invoke", "convert 100 USD to EUR")

    assert data["ok"] and "convert_currency" in data["answer"] and "96.89" in data["answer"]
    with TraceStore(store) as ts:
        spans = ts.trace(data["traceIds"][0])
    calls = [
        s
        for s in spans
        if s.name == "execute_tool convert_currency"
        and s.attributes
        and s.attributes.get("agentctl.tool.mcp_server") == "rates"
    ]
    assert len(calls) == 1  # the agent's MCP tool call, named after the MCP tool
    assert calls[0].attributes["gen_ai.tool.type"] == "extension"
    # the call crossed over MCP: the tool service's own span joined the trace
    served = [s for s in spans if s.name == "execute_tool convert_currency" and s is not calls[0]]
    assert served and served[0].attributes["gen_ai.tool.type"] == "function"
    assert processes_under(tmp_path) == []


def test_stateful_agent_runs_are_checked_for_groundedness_and_eval_reports_the_rate(
    tmp_path: Path,
) -> None:
    """dev with content capture on, then eval: an invented number is a hallucination."""
    from tests.fakes.openai_server import FakeOpenAI

    store = tmp_path / "traces.db"
    with FakeOpenAI() as fake:
        project = scaffold(tmp_path, "stateful-agent", "helper", f"model_endpoint={fake.base_url}")
        spec = project / "agent.yaml"
        spec.write_text(spec.read_text().replace("captureContent: false", "captureContent: true"))
        (project / ".env").write_text("SECRET_LLM_API_KEY=sk-test-" + "x" * 24 + "\n")
        task = "Our travel budget for 2025 is 4,200 EUR. Remind me what it is."
        answers = {}
        for reply in ("The 2025 travel budget is €4,200.", "The 2025 travel budget is €4,800."):
            fake.reply = reply
            data = run_cli(
                "dev", str(project), "--store", str(store), "--invoke", task, "-o", "json"
            )
            assert data.exit_code == 0, data.stderr[-3000:]
            answers[json.loads(data.stdout)["data"]["traceIds"][0]] = reply
    assert all("sk-test" not in str(r) for r in fake.requests)

    result = run_cli("eval", str(project), "--store", str(store), "--since", "1h",
                     "--allow-insufficient", "-o", "json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)["data"]
    rate = data["agents"][0]["metrics"]["hallucination_rate"]
    assert (rate["count"], rate["samples"]) == (1, 2)
    # the runtime itself judged both runs: nothing was left for eval to check
    assert data["groundedness"]["checked"] == 0
    from agentctl.telemetry.store import TraceStore

    with TraceStore(store) as ts:
        for trace_id, reply in answers.items():
            root = next(s for s in ts.trace(trace_id) if s.operation == "invoke_agent")
            (verdict,) = [e for e in root.events if e.name == "gen_ai.evaluation.result"]
            label = verdict.attributes["gen_ai.evaluation.score.label"]
            assert label == ("ungrounded" if "4,800" in reply else "grounded")


def _workflow_run_under_budget(tmp_path: Path, per_run_usd: str) -> tuple[dict, dict, Path]:
    """dev on the workflow scaffold against a priced loopback model, then cost --budget-check."""
    from tests.fakes.openai_server import FakeOpenAI

    store = tmp_path / "traces.db"
    with FakeOpenAI() as fake:
        project = scaffold(tmp_path, "workflow-agent", "wf", f"model_endpoint={fake.base_url}")
        spec = project / "agent.yaml"
        text = spec.read_text()
        assert "perRunUSD: 0.50" in text
        spec.write_text(text.replace("perRunUSD: 0.50", f"perRunUSD: {per_run_usd}"))
        (project / ".env").write_text("SECRET_LLM_API_KEY=sk-test-" + "x" * 24 + "\n")
        ran = run_cli("dev", str(project), "--store", str(store), "--python", sys.executable,
                      "--param", "topic=kubernetes", "-o", "json")  # fmt: skip
    assert fake.requests, "the steps called the priced model"
    run = json.loads(ran.stdout)["data"]
    run["exitCode"] = ran.exit_code
    checked = run_cli("cost", str(project), "--store", str(store), "--since", "1h",
                      "--budget-check", "-o", "json")  # fmt: skip
    check = json.loads(checked.stdout)["data"]
    check["exitCode"] = checked.exit_code
    return run, check, store


def test_a_workflow_run_the_runtime_lets_through_is_within_its_budget(tmp_path: Path) -> None:
    run, check, _ = _workflow_run_under_budget(tmp_path, "0.0003")
    assert run["exitCode"] == 0 and run["ok"], run["reason"]
    assert 0 < run["spentUSD"] <= 0.0003
    assert check["exitCode"] == 0 and check["breaches"] == []


def test_the_runtime_stops_a_workflow_over_its_run_budget_and_cost_agrees(tmp_path: Path) -> None:
    """perRunUSD is the whole run's: each step gets what remains; the step that would cross it is
    stopped by the budget guardrail, the run fails, and cost --budget-check names that run."""
    run, check, store = _workflow_run_under_budget(tmp_path, "0.00015")
    assert run["exitCode"] != 0 and not run["ok"]
    assert "stopped by guardrail budget_per_run" in run["reason"]
    failed = [s for s in run["steps"] if s["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["attempts"] == 1  # not retried
    trace_id = run["traceIds"][0]
    assert check["exitCode"] == 1
    (breach,) = check["breaches"]
    assert (breach["kind"], breach["key"], breach["limitUSD"]) == ("per-run", trace_id, 0.00015)
    # the runtime reported what it spent; the cost report priced the same calls
    assert abs(breach["actualUSD"] - run["spentUSD"]) < 1e-6
    from agentctl.telemetry.store import TraceStore

    with TraceStore(store) as ts:
        events = [
            e for s in ts.trace(trace_id) for e in s.events if e.name == "gen_ai.guardrail.result"
        ]
    assert [e.attributes["gen_ai.guardrail.policy.id"] for e in events] == ["budget_per_run"]
