"""Rendered fields map back to the agent.yaml lines that caused them (how findings get their line)."""

from __future__ import annotations

from render_helpers import WORKFLOW, agent_doc


def _line(path, needle: str) -> int:
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


def test_field_origins_point_at_spec_lines(write_agent, platform_from):
    from agentctl.render import render_agent
    from agentctl.spec.loader import load_agent

    doc = agent_doc(
        resources={"cpu": "300m", "memory": "1Gi"},
        tools=[{"name": "calc", "kind": "service", "image": "ghcr.io/acme/calc:1.0.0"}],
    )
    path = write_agent(doc)
    loaded = load_agent(path)
    bundle = render_agent(loaded, platform_from(None))
    dep = bundle.find("Deployment", "demo")[0]
    origin = dep.origin_of("spec.template.spec.containers[0].resources.limits.cpu")
    assert origin == ("spec", "resources")
    assert loaded.locate(origin)[1] == _line(path, "resources:")
    assert dep.origin_of("spec.template.spec.containers[0].image") == ("spec", "image")
    assert dep.origin_of("spec.strategy") == ("spec", "type"), (
        "unmapped fields fall back to the object's origin"
    )
    tool = bundle.find("Deployment", "demo-calc")[0]
    assert tool.origin_of("spec.template.spec.containers[0].image") == ("spec", "tools", 0, "image")
    es = bundle.find("ExternalSecret")[0]
    assert es.origin_of("spec.data[0].remoteRef.key") == ("spec", "secrets", 0, "remoteRef")
    cm = bundle.find("ConfigMap", "demo-config")[0]
    assert cm.origin_of("data.AGENT_MAX_STEPS") == ("spec", "guardrails", "maxSteps")
    policy = bundle.find("NetworkPolicy", "demo")[0]
    model_rule = next(
        k for k, v in policy.field_origins.items() if v == ("spec", "model", "endpoint")
    )
    assert model_rule.startswith("spec.egress[")


def test_workflow_origins(render):
    bundle = render(agent_doc(type="workflow", port=None, workflow=WORKFLOW))
    wt = bundle.find("WorkflowTemplate")[0]
    templates = [t["name"] for t in wt.obj["spec"]["templates"]]
    research = templates.index("step-research")
    assert wt.origin_of(f"spec.templates[{research}].retryStrategy.limit") == (
        "spec",
        "workflow",
        "steps",
        1,
        "retry",
    )
    assert wt.origin_of("spec.activeDeadlineSeconds") == ("spec", "workflow", "deadline")
    assert wt.origin_of(f"spec.templates[{templates.index('fanout-research')}].parallelism") == (
        "spec",
        "workflow",
        "steps",
        1,
        "forEach",
    )
