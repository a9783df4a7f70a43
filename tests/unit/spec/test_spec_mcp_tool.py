"""The mcp tool kind: one target, a declared auth secret, every problem located."""

from __future__ import annotations

import pytest

from agentctl.errors import SpecError
from agentctl.spec.loader import load_agent

BASE = """\
apiVersion: agentctl.dev/v1alpha1
kind: Agent
metadata: {name: helper, team: search}
spec:
  type: service
  image: ghcr.io/acme/helper:1.0.0
  port: 8080
  model: {provider: offline-demo, name: offline-demo}
  secrets:
    - {name: mcp-token, store: vault, remoteRef: {key: mcp-token}}
  tools:
"""


def load(tmp_path, tool: str):
    (tmp_path / "agent.yaml").write_text(BASE + tool)
    return load_agent(tmp_path)


def test_an_mcp_tool_by_service_or_url(tmp_path):
    tool = "    - {name: rates, kind: mcp, service: {name: rates}, tools: [convert_currency], authSecret: mcp-token}\n"
    spec = load(tmp_path, tool).agent.spec
    assert spec.tools[0].service.port == 80 and spec.tools[0].service.path == "/mcp"
    assert load(tmp_path, "    - {name: docs, kind: mcp, url: https://mcp.example.com/mcp}\n")


@pytest.mark.parametrize(
    ("tool", "message"),
    [
        ("    - {name: rates, kind: mcp}\n", "exactly one of url and service"),
        (
            "    - {name: rates, kind: mcp, url: https://a.example/mcp, service: {name: rates}}\n",
            "exactly one of url and service",
        ),
        (
            "    - {name: rates, kind: mcp, url: https://a.example/mcp, authSecret: nope}\n",
            "'nope' is not in spec.secrets",
        ),
        ("    - {name: rates, kind: mcp, service: {name: rates, path: no-slash}}\n", "path"),
    ],
)
def test_bad_mcp_tools_are_located(tmp_path, tool, message):
    with pytest.raises(SpecError) as err:
        load(tmp_path, tool)
    text = "\n".join(err.value.lines())
    assert message in text and "agent.yaml:" in text
