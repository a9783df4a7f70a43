"""The HTTP API over a real socket on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from {{ cookiecutter.__package }}._runtime.config import ToolEndpoint
from {{ cookiecutter.__package }}._runtime.httpserver import JsonServer
from {{ cookiecutter.__package }}._runtime.testing import declared_tools, settings_for, tool_call
from {{ cookiecutter.__package }}.agent import Assistant
from {{ cookiecutter.__package }}.server import make_server


def call(url: str, body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture
def serve(tmp_path):
    servers = []

    def start(settings):
        server = make_server(settings, Assistant(settings), host="127.0.0.1", port=0)
        server.start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()


def test_health_ready_and_invoke(serve, tmp_path):
    url = serve(settings_for(None, memory_dir=tmp_path))

    assert call(f"{url}/healthz") == (200, {"status": "ok"})
    assert call(f"{url}/readyz") == (200, {"status": "ready"})
    status, body = call(f"{url}/invoke", {"input": "Remember that the demo works"})
    assert status == 200
    assert body["output"].startswith("[offline-demo]")
    status, conversation = call(f"{url}/conversations/{body['conversation_id']}")
    assert status == 200 and conversation["messages"][0]["content"] == "Remember that the demo works"
    assert call(f"{url}/notes")[1]["notes"][0]["text"] == "Remember that the demo works"


def test_bad_requests(serve, tmp_path):
    url = serve(settings_for(None, memory_dir=tmp_path))

    assert call(f"{url}/invoke", {"input": ""})[0] == 400
    assert call(f"{url}/invoke", {"input": "hi", "conversation_id": "../etc"})[0] == 400
    assert call(f"{url}/conversations/unknown")[0] == 404
    assert call(f"{url}/nothing-here")[0] == 404
    assert call(f"{url}/invoke")[0] == 405


def test_guardrail_answers_422(serve, tmp_path):
    url = serve(settings_for(None, memory_dir=tmp_path, max_tool_calls=0))

    status, body = call(f"{url}/invoke", {"input": "Calculate 1 + 1"})

    assert status == 422
    assert body["guardrail"] == "max_tool_calls"


def test_tools_of_a_declared_tool_service_are_offered(fake_openai, tmp_path, spans):
    seen = []

    def listing(request):
        schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
        return 200, {"tools": [{"name": "weather", "description": "Weather in a city", "inputSchema": schema}]}

    def run(request):
        seen.append((request.params["name"], request.body, request.headers.get("traceparent")))
        return 200, {"result": {"forecast": "sunny"}}

    tools = JsonServer("127.0.0.1", 0, {("GET", "/tools"): listing, ("POST", "/tools/{name}"): run})
    tools.start()
    try:
        fake_openai.reply({"tool_calls": [tool_call("weather", {"city": "Oslo"})]}, {"content": "Sunny."})
        # Declaring the tool service declares the tools it serves (the model may call "weather").
        endpoint = ToolEndpoint("weather-service", "service", tools.url)
        own = declared_tools(Path(__file__).resolve().parents[1] / "agent.yaml")["tools"]
        own = tuple(t for t in own if t.kind == "function")
        settings = settings_for(fake_openai, memory_dir=tmp_path, tools=(*own, endpoint), tools_declared=True)
        result = Assistant(settings).ask("Weather in Oslo?")
    finally:
        tools.stop()

    assert result["output"] == "Sunny."
    assert seen[0][:2] == ("weather", {"arguments": {"city": "Oslo"}})
    assert seen[0][2]  # the trace continues into the tool service
    assert "weather" in [t["function"]["name"] for t in fake_openai.requests[0]["tools"]]
    tool_span = spans.one("execute_tool weather")
    assert tool_span.attributes["agentctl.tool.service"] == "weather-service"
    assert tool_span.attributes["gen_ai.tool.type"] == "extension"


def sse_events(url: str, body: dict) -> list[tuple[str, object]]:
    """POST asking for server-sent events; the (event, data) pairs in order."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "text/event-stream"},
    )
    events = []
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        event = None
        for raw in response:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: "):
                events.append((event, json.loads(line[len("data: ") :])))
    return events


def test_invoke_streams_progress_and_the_answer(serve, tmp_path):
    url = serve(settings_for(None, memory_dir=tmp_path))

    events = sse_events(f"{url}/invoke", {"input": "Calculate 6 * 7"})

    names = [name for name, _ in events]
    assert names[0] == "step" and names[-1] == "result"
    assert ("tool_call", {"name": "calculate", "ok": True}) in events
    result = events[-1][1]
    assert result["status"] == 200 and "42" in result["body"]["output"]


def test_streamed_errors_arrive_as_the_result_event(serve, tmp_path):
    url = serve(settings_for(None, memory_dir=tmp_path, max_tool_calls=0))

    events = sse_events(f"{url}/invoke", {"input": "Calculate 1 + 1"})

    assert events[-1][0] == "result"
    assert events[-1][1]["status"] == 422 and events[-1][1]["body"]["guardrail"] == "max_tool_calls"


def test_oversized_bodies_are_refused(serve, tmp_path):
    url = serve(settings_for(None, memory_dir=tmp_path))

    # The server answers from the declared length, before reading the body (a client still
    # sending 2 MiB would see the connection close under it), so only the headers go out.
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.putrequest("POST", "/invoke")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(2 * 1024 * 1024))
        conn.endheaders()
        response = conn.getresponse()
        status, body = response.status, json.loads(response.read())
    finally:
        conn.close()

    assert status == 413 and "larger than" in body["error"]
