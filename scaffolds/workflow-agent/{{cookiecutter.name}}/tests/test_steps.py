"""Each step on its own, on a fake endpoint and on the offline demo."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from {{ cookiecutter.__package }}._runtime import GuardrailExceeded
from {{ cookiecutter.__package }}._runtime.config import ToolEndpoint
from {{ cookiecutter.__package }}._runtime.testing import declared_tools, settings_for, tool_call
from {{ cookiecutter.__package }}.steps import MAX_ITEMS, parse_plan, plan, research, write


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ('["a?", "b?"]', ["a?", "b?"]),
        ('Here you go:\n```json\n["a?", "b?"]\n```', ["a?", "b?"]),
        ('[{"question": "a?"}]', ["a?"]),
        ("1. a?\n2) b?\n- c?", ["a?", "b?", "c?"]),
        (json.dumps([f"q{i}" for i in range(9)]), [f"q{i}" for i in range(MAX_ITEMS)]),
    ],
)
def test_parse_plan(answer, expected):
    assert parse_plan(answer) == expected


def test_plan_with_the_offline_demo(spans):
    questions = plan(settings_for(None), "service meshes")

    assert questions == [
        "What is service meshes and what problem does it solve?",
        "How is service meshes used in practice?",
        "What are the risks and open problems of service meshes?",
    ]
    assert spans.one("execute_tool").name == "execute_tool outline_topic"


def test_research_uses_the_knowledge_base(fake_openai, spans):
    fake_openai.reply(
        {"tool_calls": [tool_call("search_knowledge", {"query": "argo workflows retries"})]},
        {"content": "Argo retries steps with backoff."},
    )

    result = research(settings_for(fake_openai), "How does Argo retry steps?")

    assert result["findings"] == "Argo retries steps with backoff."
    assert {"id": "argo-workflows", "title": "Argo Workflows"} in result["sources"]
    tool_result = json.loads(fake_openai.requests[1]["messages"][-1]["content"])
    assert tool_result["passages"][0]["id"] == "argo-workflows"
    assert spans.one("execute_tool").attributes["gen_ai.tool.name"] == "search_knowledge"


def test_research_uses_web_search_when_declared(fake_openai):
    queries = []

    class Search(BaseHTTPRequestHandler):
        def do_GET(self):
            queries.append(self.path)
            body = json.dumps({"results": [{"title": "Example", "url": "https://example.org/a", "snippet": "s"}]})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Search)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        # web_search is the in-process client of the declared http tool web-search.
        own = declared_tools(Path(__file__).resolve().parents[1] / "agent.yaml")["tools"]
        tools = (*own, ToolEndpoint("web-search", "http", url))
        urls = {"AGENT_TOOL_WEB_SEARCH_URL": url}
        settings = settings_for(fake_openai, tool_urls=urls, tools=tools, tools_declared=True)
        fake_openai.reply({"tool_calls": [tool_call("web_search", {"query": "gke autopilot"})]}, {"content": "ok"})
        result = research(settings, "What is GKE Autopilot?")
    finally:
        server.shutdown()
        server.server_close()

    assert queries == ["/v1/search?q=gke+autopilot"]
    assert result["sources"] == [{"id": "https://example.org/a", "title": "Example"}]


def test_write_reads_findings_and_lists_sources(fake_openai):
    findings = [
        {"question": "q1", "findings": "f1", "sources": [{"id": "s1", "title": "S1"}]},
        {"question": "q2", "findings": "f2", "sources": [{"id": "s1", "title": "S1"}]},
    ]
    fake_openai.reply(
        {"tool_calls": [tool_call("get_findings", {"index": 0}), tool_call("get_findings", {"index": 5})]},
        {"content": "# Report\n\nAll good."},
    )

    result = write(settings_for(fake_openai), "topic", findings)

    assert result["report"] == "# Report\n\nAll good.\n\n## Sources\n\n- S1 (s1)\n"
    tool_messages = [m for m in fake_openai.requests[1]["messages"] if m["role"] == "tool"]
    assert json.loads(tool_messages[0]["content"]) == {"question": "q1", "findings": "f1"}
    assert "error" in json.loads(tool_messages[1]["content"])


def test_tool_call_limit_stops_a_step(fake_openai):
    fake_openai.reply({"tool_calls": [tool_call("search_knowledge", {"query": "x"})] * 3})

    with pytest.raises(GuardrailExceeded) as err:
        research(settings_for(fake_openai, max_tool_calls=2), "anything")

    assert err.value.policy == "max_tool_calls"
