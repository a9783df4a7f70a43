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
