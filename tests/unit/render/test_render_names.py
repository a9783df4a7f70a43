"""Derived names: too long or clashing names fail at the agent.yaml line that caused them."""

from __future__ import annotations

import pytest
from render_helpers import agent_doc

from agentctl.errors import RenderError


def _line_of(path, text: str) -> int:
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if text in line:
            return i
    raise AssertionError(text)


def test_tool_name_too_long_for_derived_objects(write_agent):
    from agentctl.render import render_agent
    from agentctl.spec.loader import LoadedPlatform, load_agent
    from agentctl.spec.models import default_platform

    tool = "t" * 40
    doc = agent_doc(
        name="a" * 30, tools=[{"name": tool, "kind": "service", "image": "ghcr.io/acme/t:1.0.0"}]
    )
    path = write_agent(doc)
    with pytest.raises(RenderError) as err:
        render_agent(load_agent(path), LoadedPlatform(default_platform(), None))
    line = _line_of(path, f"name: {tool}")
    assert f"agent.yaml:{line}:" in err.value.message
    assert "spec.tools[0].name" in err.value.message
    assert "at most 63 characters" in err.value.message
    assert err.value.exit_code == 2


def test_service_name_must_start_with_a_letter(render):
    with pytest.raises(
        RenderError, match=r"metadata\.name: derived Service name '1demo'.*DNS-1035"
    ):
        render(agent_doc(name="1demo"))


def test_tool_name_clash_with_a_derived_object(render):
    tools = [{"name": "default-deny", "kind": "service", "image": "ghcr.io/acme/t:1.0.0"}]
    with pytest.raises(
        RenderError, match=r"spec\.tools\[0\]\.name: NetworkPolicy 'demo-default-deny'.*clashes"
    ):
        render(agent_doc(tools=tools))


def test_workflow_tool_clash_with_executor(render):
    from render_helpers import WORKFLOW

    tools = [{"name": "executor", "kind": "service", "image": "ghcr.io/acme/t:1.0.0"}]
    with pytest.raises(
        RenderError, match=r"spec\.tools\[0\]\.name: ServiceAccount 'demo-executor'"
    ):
        render(agent_doc(type="workflow", port=None, workflow=WORKFLOW, tools=tools))


def test_namespace_too_long(render):
    doc = agent_doc()
    doc["metadata"]["team"] = "t" * 60
    with pytest.raises(RenderError, match=r"derived Namespace name 'agents-t+'"):
        render(doc)


def test_secret_volume_name_too_long(render):
    secrets = [{"name": "s" * 60, "store": "vault", "remoteRef": {"key": "k"}}]
    with pytest.raises(
        RenderError, match=r"spec\.secrets\[0\]\.name: derived volume name 'secret-s+'"
    ):
        render(agent_doc(secrets=secrets, model=None))


def test_two_agents_with_the_same_name(write_agent, platform_from):
    from agentctl.render.build import build_all
    from agentctl.spec.loader import load_agent

    first = load_agent(write_agent(agent_doc(), "one"))
    second = load_agent(write_agent(agent_doc(), "two"))
    with pytest.raises(
        RenderError,
        match=r"two/agent\.yaml:\d+:\d+: metadata\.name: agent 'demo' is also defined in",
    ):
        build_all([first, second], platform_from(None))
    other_team = agent_doc()
    other_team["metadata"]["team"] = "other"
    third = load_agent(write_agent(other_team, "three"))
    with pytest.raises(RenderError, match=r"both would be written to <out>/demo/"):
        build_all([first, third], platform_from(None))


def test_same_object_from_two_agents(write_agent, platform_from):
    """Distinct agents whose derived objects collide (agent `a` with tool `b-x` vs agent `a-b` ...)."""
    from agentctl.render.build import build_all
    from agentctl.spec.loader import load_agent

    tool = [{"name": "config", "kind": "service", "image": "ghcr.io/acme/t:1.0.0"}]
    first = load_agent(write_agent(agent_doc(name="shop", tools=tool), "one"))
    second = load_agent(write_agent(agent_doc(name="shop-config"), "two"))
    with pytest.raises(
        RenderError, match=r"two/agent\.yaml:\d+:\d+: metadata\.name: .* is also rendered by"
    ):
        build_all([first, second], platform_from(None))
