"""The HTTP API over a real socket on 127.0.0.1: REST tools, MCP (official SDK), /invoke."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from {{ cookiecutter.__package }}._runtime import Agent, Toolbox, ToolError, UndeclaredToolError, tool
from {{ cookiecutter.__package }}._runtime.config import ToolEndpoint
from {{ cookiecutter.__package }}._runtime.remote_tools import discover
from {{ cookiecutter.__package }}._runtime.testing import declared_tools, settings_for
from {{ cookiecutter.__package }}.server import SYSTEM_PROMPT, make_server
from {{ cookiecutter.__package }}.tools import build_toolbox

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
AGENT_YAML = Path(__file__).resolve().parents[1] / "agent.yaml"


def call(url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture
def url():
    settings = settings_for(None, **declared_tools(AGENT_YAML))  # as deployed: only declared tools
    toolbox = build_toolbox()
    server = make_server(settings, toolbox, Agent(settings, toolbox, SYSTEM_PROMPT), host="127.0.0.1", port=0)
    server.start()
    yield server.url
    server.stop()


def test_health_and_tool_listing(url):
    assert call(f"{url}/healthz") == (200, {"status": "ok"})
    assert call(f"{url}/readyz")[0] == 200
    status, body = call(f"{url}/tools")
    assert status == 200
    names = [t["name"] for t in body["tools"]]
    assert names == ["convert_currency", "list_currencies"]
    assert body["tools"][0]["inputSchema"]["required"] == ["amount", "from_currency", "to_currency"]


def test_call_a_tool_and_the_trace_continues(url, spans):
    arguments = {"amount": 10, "from_currency": "GBP", "to_currency": "EUR"}

    status, body = call(f"{url}/tools/convert_currency", {"arguments": arguments}, {"traceparent": TRACEPARENT})

    assert status == 200
    assert body["result"]["amount"] == 12.07
    span = spans.one("execute_tool")
    assert span.name == "execute_tool convert_currency"
    assert format(span.context.trace_id, "032x") == TRACEPARENT.split("-")[1]


def test_tool_errors_map_to_http_statuses(url, spans):
    assert call(f"{url}/tools/nope", {"arguments": {}})[0] == 404
    status, body = call(f"{url}/tools/convert_currency", {"arguments": {"amount": 1}})
    assert status == 400 and "missing required argument" in body["error"]
    assert call(f"{url}/tools/convert_currency", [])[0] == 400
    failed = spans.named("execute_tool")
    assert {s.attributes["error.type"] for s in failed} == {"ToolNotFound", "ToolArgumentError"}


def test_tools_over_mcp_with_the_official_sdk(url, spans):
    # the runtime's MCP client (the official SDK) against this service's MCP endpoint
    endpoint = ToolEndpoint("rates", "mcp", f"{url}/mcp", ("convert_currency",))
    settings = settings_for(None, tools=(endpoint,), tools_declared=True)

    found = discover(settings)

    assert [t.name for t in found] == ["convert_currency"]  # only what agent.yaml allows
    toolbox = Toolbox(found)
    result = toolbox.execute("convert_currency", {"amount": 1, "from_currency": "EUR", "to_currency": "JPY"})
    assert result.ok and json.loads(result.content)["amount"] == 162.74
    span = spans.named("execute_tool convert_currency")[-1]
    assert span.attributes["agentctl.tool.mcp_server"] == "rates"
    assert span.attributes["gen_ai.tool.type"] == "extension"
    # the service refuses (isError over MCP): the caller hears why
    with pytest.raises(ToolError, match="to_currency.* must be one of"):
        found[0](amount=1, from_currency="EUR", to_currency="XXX")


def test_an_unreachable_mcp_server_is_skipped():
    endpoint = ToolEndpoint("rates", "mcp", "http://127.0.0.1:9/mcp")
    assert discover(settings_for(None, tools=(endpoint,), tools_declared=True), timeout=2) == []


def test_invoke_answers_with_the_offline_demo(url, spans):
    status, body = call(f"{url}/invoke", {"input": "Convert 250 USD to CHF"})

    assert status == 200
    assert "227.55" in body["output"]
    assert body["tool_calls"] == 1
    assert spans.one("execute_tool").attributes["gen_ai.tool.name"] == "convert_currency"
    assert spans.one("invoke_agent").attributes["gen_ai.provider.name"] == "offline-demo"


def test_a_tool_agent_yaml_does_not_declare_is_refused():
    @tool(description="Convert to bitcoin.", parameters={"type": "object", "properties": {}})
    def convert_to_bitcoin() -> str:
        return "no"

    toolbox = build_toolbox()
    toolbox.add(convert_to_bitcoin)
    with pytest.raises(UndeclaredToolError, match="tool convert_to_bitcoin is not declared"):
        Agent(settings_for(None, **declared_tools(AGENT_YAML)), toolbox, SYSTEM_PROMPT)
