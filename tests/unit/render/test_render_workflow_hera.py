"""The workflow renderer writes the same Argo objects Hera built, key for key and in the same order.

agentctl renders WorkflowTemplates and CronWorkflows directly (importing Hera
cost a deploy of a workflow agent about 0.4 s of CPU). ``hera_workflow`` keeps
the Hera-built renderer as the oracle: every generated workflow spec, and every
workflow in the examples and golden cases, renders to identical objects, with
identical key order, so the YAML ``build`` writes and what ``deploy`` applies
are byte for byte what they were.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_render_property import agents, dns_refusal

pytest.importorskip("hera")

ROOT = Path(__file__).resolve().parents[3]
WORKFLOW_AGENTS = [
    ROOT / "examples" / "deep-research",
    ROOT / "tests" / "golden" / "cases" / "workflow-kitchen-sink",
]


def _render_both(agent_file: Path, platform_file: Path | None) -> tuple[list[Any], list[Any]]:
    """(direct, Hera) workflows objects of one agent, as JSON text (key order included)."""
    import hera_workflow

    from agentctl.render import render_agent
    from agentctl.render import workflow as direct
    from agentctl.spec.loader import load_agent, load_platform

    loaded = load_agent(agent_file)
    platform = load_platform(platform_file, loaded.project_dir)

    def workflows(renderer: Any) -> list[Any]:
        saved = direct.render_workflow
        direct.render_workflow = renderer
        try:
            bundle = render_agent(loaded, platform)
        finally:
            direct.render_workflow = saved
        found = [o for o in bundle.objects if o.group == "workflows"]
        assert found, "no workflow objects rendered"
        return [(json.dumps(o.obj), o.origin, o.field_origins) for o in found]

    return workflows(direct.render_workflow), workflows(hera_workflow.render_workflow)


@pytest.mark.parametrize("project", WORKFLOW_AGENTS, ids=lambda p: p.name)
def test_example_workflows_match_hera(project: Path) -> None:
    mine, hera = _render_both(project / "agent.yaml", ROOT / "examples" / "platform.yaml")
    assert mine == hera


@st.composite
def workflow_agents(draw: Any) -> dict[str, Any]:
    """A generated workflow agent, with what the generic generator leaves out of workflows."""
    doc = draw(agents().filter(lambda d: d["spec"]["type"] == "workflow"))
    spec = doc["spec"]
    if draw(st.booleans()):
        spec["guardrails"]["budget"] = {"perRunUSD": draw(st.sampled_from([1, 2.5, "0.75"]))}
    if draw(st.booleans()):
        doc["metadata"]["annotations"] = {"owner": "team-x", "a.example.com/z": "1"}
    if draw(st.booleans()):
        spec["command"] = ["python", "-m", "agent"]
    if draw(st.booleans()):
        box = {"executesCode": True, "sandbox": "gvisor", "reason": "runs code"}
        spec["tools"].append({"name": "run_code", "kind": "function", **box})
    for step in spec["workflow"]["steps"]:
        if draw(st.booleans()):
            step["env"] = {"MODE": draw(st.sampled_from(["fast", "", "a b"])), "Z": "1"}
        if draw(st.booleans()):
            step["command"] = ["step-bin"]
        if draw(st.booleans()):
            step["image"] = "ghcr.io/acme/other:3"
        if draw(st.booleans()):
            step["retry"] = {
                "limit": draw(st.integers(0, 20)),
                "factor": draw(st.integers(1, 10)),
                "maxBackoff": draw(st.sampled_from(["10m", "1h"])),
            }
    if draw(st.booleans()):
        spec["workflow"]["parallelism"] = draw(st.integers(1, 1000))
        spec["workflow"]["ttlAfterFinished"] = draw(st.sampled_from(["1h", "2d"]))
    return doc


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(doc=workflow_agents())
def test_generated_workflows_match_hera(doc: dict[str, Any]) -> None:
    assume(dns_refusal(doc, {"egress": {"mode": "none"}}) is None)  # what render refuses
    with tempfile.TemporaryDirectory() as tmp:
        agent_file = Path(tmp) / "agent.yaml"
        agent_file.write_text(yaml.safe_dump(doc, sort_keys=False))
        mine, hera = _render_both(agent_file, None)
    assert mine == hera
