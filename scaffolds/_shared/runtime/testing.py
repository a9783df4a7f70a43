"""Test helpers: an OpenAI-compatible fake on loopback and in-memory spans.

Used by the project's own pytest suite (``-p <package>._runtime.testing`` in
``pyproject.toml``'s pytest ``addopts``) to test the loop, tools, guardrails and
spans without a network or an API key.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from . import telemetry
from .config import Settings, ToolEndpoint


def tool_call(name: str, arguments: dict[str, Any], call_id: str | None = None) -> dict[str, Any]:
    return {"name": name, "arguments": arguments, "id": call_id}


class FakeOpenAI:
    """Serves ``POST /v1/chat/completions`` on 127.0.0.1 from a script of replies.

    Each reply is ``{"content": "..."}``, ``{"tool_calls": [tool_call(...), ...]}``
    or ``{"status": 500, "error": "..."}``; ``usage`` may be given, else it is
    (10, 5). When the script runs out, the fake answers "done".
    """

    def __init__(self) -> None:
        self.script: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                status, answer = fake._answer(self.path, body, dict(self.headers))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def reply(self, *replies: dict[str, Any]) -> FakeOpenAI:
        with self._lock:
            self.script.extend(replies)
        return self

    def _answer(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if not path.endswith("/chat/completions"):
            return 404, {"error": {"message": "not found"}}
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            step = self.script.pop(0) if self.script else {"content": "done"}
        if "status" in step:
            return int(step["status"]), {"error": {"message": step.get("error", "error"), "type": "server_error"}}
        message: dict[str, Any] = {"role": "assistant", "content": step.get("content")}
        if step.get("tool_calls"):
            message["tool_calls"] = [
                {
                    "id": call.get("id") or f"call_{len(self.requests)}_{i}",
                    "type": "function",
                    "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])},
                }
                for i, call in enumerate(step["tool_calls"])
            ]
        prompt, completion = step.get("usage", (10, 5))
        return 200, {
            "id": f"chatcmpl-fake-{len(self.requests)}",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "fake"),
            "choices": [
                {"index": 0, "message": message, "finish_reason": "tool_calls" if step.get("tool_calls") else "stop"}
            ],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        }

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def settings_for(fake: FakeOpenAI | None = None, **overrides: Any) -> Settings:
    """Settings as the platform would inject them, pointed at ``fake`` (or the offline demo)."""
    env = {
        "AGENT_NAME": "test-agent",
        "AGENT_VERSION": "0.0.1",
        "AGENT_MODEL_PROVIDER": "openai" if fake else "offline-demo",
        "AGENT_MODEL_NAME": "gpt-4.1-mini-2025-04-14" if fake else "offline-demo",
    }
    if fake is not None:
        env["AGENT_MODEL_BASE_URL"] = fake.base_url
        env["AGENT_MODEL_API_KEY"] = "test-" + "x" * 12
    base = Settings.from_env(env)
    return Settings(**{**base.__dict__, **overrides})


def agent_tools(agent_yaml: str | Path = "agent.yaml") -> list[dict[str, str]]:
    """The ``AGENT_TOOLS`` entries (name and kind) of agent.yaml's ``spec.tools``, without URLs."""
    import yaml

    doc = yaml.safe_load(Path(agent_yaml).read_text(encoding="utf-8")) or {}
    tools = (doc.get("spec") or {}).get("tools") or []
    return [{"name": str(t["name"]), "kind": str(t.get("kind", ""))} for t in tools]


def declared_tools(agent_yaml: str | Path = "agent.yaml") -> dict[str, Any]:
    """``settings_for`` overrides that declare the tools of agent.yaml, as ``AGENT_TOOLS`` does when deployed.

    ``settings_for(fake, **declared_tools(PROJECT / "agent.yaml"))`` gives an
    agent that refuses, as on the platform, any tool the file does not declare.
    Service tools get no URL here, so no tool service is called.
    """
    endpoints = tuple(ToolEndpoint(t["name"], t["kind"]) for t in agent_tools(agent_yaml))
    return {"tools": endpoints, "tools_declared": True}


_EXPORTER: InMemorySpanExporter | None = None


def span_exporter() -> InMemorySpanExporter:
    """One in-memory exporter for the test process, installed as the global provider."""
    global _EXPORTER
    if _EXPORTER is None:
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(telemetry.ProviderNameProcessor())
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        telemetry.instrument_openai(provider)
        _EXPORTER = exporter
    return _EXPORTER


class Spans:
    def __init__(self, exporter: InMemorySpanExporter) -> None:
        self._exporter = exporter

    def all(self) -> list[ReadableSpan]:
        return list(self._exporter.get_finished_spans())

    def named(self, prefix: str) -> list[ReadableSpan]:
        return [s for s in self.all() if s.name.startswith(prefix)]

    def one(self, prefix: str) -> ReadableSpan:
        found = self.named(prefix)
        assert len(found) == 1, f"expected one span {prefix!r}, got {[s.name for s in self.all()]}"
        return found[0]


@pytest.fixture
def spans() -> Iterator[Spans]:
    exporter = span_exporter()
    exporter.clear()
    yield Spans(exporter)
    exporter.clear()


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake
