"""The steps as the workflow engine runs them: entry point, env contract, output files, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from {{ cookiecutter.__package }}.__main__ import main
from {{ cookiecutter.__package }}._runtime.testing import agent_tools

AGENT_YAML = Path(__file__).resolve().parents[1] / "agent.yaml"
BASE_ENV = {
    "AGENT_NAME": "{{ cookiecutter.name }}",
    "AGENT_VERSION": "{{ cookiecutter.version }}",
    "AGENT_MODEL_PROVIDER": "offline-demo",
    "AGENT_MODEL_NAME": "offline-demo",
    "AGENT_MAX_STEPS": "10",
    "AGENT_MAX_TOOL_CALLS": "20",
    "AGENT_BUDGET_PER_RUN_USD": "0.5",
    "AGENT_TOOLS": json.dumps(agent_tools(AGENT_YAML)),  # as deployed: only declared tools are offered
}


def run(monkeypatch, tmp_path, step, *args, **env):
    output = tmp_path / "outputs" / f"{step}.json"
    for key, value in {**BASE_ENV, "AGENT_STEP": step, "AGENT_STEP_OUTPUT": str(output), **env}.items():
        monkeypatch.setenv(key, value)
    code = main([step, *args])
    return code, (json.loads(output.read_text()) if output.exists() else None)


def test_plan_fan_out_and_write(monkeypatch, tmp_path, spans):
    code, questions = run(monkeypatch, tmp_path, "plan", "kubernetes")
    assert code == 0 and len(questions) == 3

    outputs = []
    for question in questions:
        code, output = run(monkeypatch, tmp_path, "research", AGENT_STEP_ITEM=json.dumps(question))
        assert code == 0
        outputs.append(output)
    assert outputs[0]["sources"]

    inputs = json.dumps({"research": outputs})
    code, report = run(monkeypatch, tmp_path, "write", "kubernetes", AGENT_STEP_INPUTS=inputs)
    assert code == 0
    assert report["topic"] == "kubernetes"
    assert "## Sources" in report["report"]

    roots = [s for s in spans.all() if s.parent is None]
    assert [s.name for s in roots] == ["invoke_workflow {{ cookiecutter.name }}"] * 5
    steps = [s.attributes["agentctl.workflow.step"] for s in roots]
    assert steps == ["plan", "research", "research", "research", "write"]
    agents = spans.named("invoke_agent")
    assert len(agents) == 5 and all(a.parent is not None for a in agents)


def test_trace_continues_from_traceparent(monkeypatch, tmp_path, spans):
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    code, _ = run(monkeypatch, tmp_path, "plan", "agents", TRACEPARENT=traceparent)

    assert code == 0
    workflow = spans.one("invoke_workflow")
    assert format(workflow.context.trace_id, "032x") == "4bf92f3577b34da6a3ce929d0e0e4736"


def test_guardrail_failure_exits_1(monkeypatch, tmp_path, spans):
    code, output = run(monkeypatch, tmp_path, "plan", "kubernetes", AGENT_MAX_TOOL_CALLS="0")

    assert (code, output) == (1, None)
    assert spans.one("invoke_workflow").attributes["error.type"] == "guardrail.max_tool_calls"


def test_bad_input_exits_2(monkeypatch, tmp_path):
    monkeypatch.delenv("AGENT_STEP_ITEM", raising=False)
    assert run(monkeypatch, tmp_path, "research")[0] == 2
    assert run(monkeypatch, tmp_path, "research", AGENT_STEP_ITEM="42")[0] == 2  # not a question
    assert run(monkeypatch, tmp_path, "research", AGENT_STEP_ITEM='"  "')[0] == 2
    assert run(monkeypatch, tmp_path, "write", AGENT_STEP_INPUTS="[]")[0] == 2
    assert main(["dance"]) == 2


def test_run_everything_locally(monkeypatch, tmp_path, capsys):
    code, report = run(monkeypatch, tmp_path, "run", "OpenTelemetry GenAI")

    assert code == 0
    assert report["report"].startswith("[offline-demo]")


def test_the_offline_demo_runs_without_tool_errors(monkeypatch, tmp_path, spans):
    """Numbers in the topic must not become get_findings indexes the research does not have."""
    code, report = run(monkeypatch, tmp_path, "run", "top 5 risks of kubernetes 1.30")

    assert code == 0
    tools = spans.named("execute_tool")
    assert {s.name for s in tools} >= {"execute_tool search_knowledge", "execute_tool get_findings"}
    assert [s.name for s in tools if s.status.status_code.name == "ERROR" or "error.type" in s.attributes] == []
    assert '"error"' not in report["report"]
    assert report["report"].startswith("[offline-demo] Based on get_findings")


def test_a_step_with_an_undeclared_tool_exits_2(monkeypatch, tmp_path, capsys, spans):
    declared = [t for t in agent_tools(AGENT_YAML) if t["name"] != "search_knowledge"]

    code, output = run(monkeypatch, tmp_path, "research", AGENT_STEP_ITEM='"q?"', AGENT_TOOLS=json.dumps(declared))

    assert (code, output) == (2, None)
    assert "tool search_knowledge is not declared in agent.yaml" in capsys.readouterr().err
    assert spans.named("chat ") == []
