"""status and run --watch render every run and step phase, and unknown ones, without markup errors."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from agentctl.deploy.runs import RunNode, RunState
from agentctl.deploy.status import AgentStatus
from agentctl.views.deploy_run import RunWatcher, run_tree
from agentctl.views.deploy_status import status_table
from agentctl.views.phases import PHASES

ALL = [*PHASES, "SomethingNew", "[bold]odd", "?"]


def render(renderable: object) -> str:
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(renderable)
    return out.getvalue()


@pytest.mark.parametrize("phase", ALL)
def test_status_renders_every_last_run_result(phase: str) -> None:
    row = AgentStatus(
        name="daily-report",
        namespace="agents",
        team="t",
        type="job",
        version="1.0.0",
        last_run="daily-report-run-abc",
        last_result=phase,
    )
    text = render(status_table([row], show_namespace=True))
    assert f"daily-report-run-abc {phase}" in text


def test_status_renders_a_run_without_a_result() -> None:
    row = AgentStatus("a", "ns", "t", "job", "1", last_run="a-run-1", last_result=None)
    assert "a-run-1 ?" in render(status_table([row], show_namespace=False))


@pytest.mark.parametrize("phase", ALL)
def test_run_tree_renders_every_node_and_run_phase(phase: str) -> None:
    state = RunState("Workflow", "wf-1", "ns", "agent", phase=phase, root="wf-1")
    state.nodes["wf-1"] = RunNode("wf-1", "wf-1", "DAG", phase, children=["wf-1.step"])
    state.nodes["wf-1.step"] = RunNode(
        "wf-1.step", "step", "Pod", phase, message="why [it] stopped"
    )
    text = render(run_tree(state))
    assert f"wf-1 {phase}" in text
    assert f"step {phase}" in text
    if phase != "Succeeded":
        assert "why [it] stopped" in text


@pytest.mark.parametrize("phase", ALL)
def test_run_watch_lines_render_every_phase(phase: str) -> None:
    out = io.StringIO()
    watcher = RunWatcher(Console(file=out, width=200, color_system=None), live=False)
    state = RunState("Job", "job-1", "ns", "agent", phase=phase, root="job-1")
    state.nodes["job-1-pod"] = RunNode("job-1-pod", "job-1-pod", "Pod", phase)
    watcher(state)
    watcher.close()
    assert f"Job job-1: {phase}" in out.getvalue()
    assert f"job-1-pod: {phase}" in out.getvalue()
