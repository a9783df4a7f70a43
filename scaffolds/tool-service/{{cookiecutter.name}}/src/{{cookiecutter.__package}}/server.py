"""HTTP API: the tools (REST and MCP-style JSON-RPC) and a natural-language /invoke.

- ``GET /tools``: every tool with its JSON schema (``inputSchema``).
- ``POST /tools/{name}`` with ``{"arguments": {...}}``: ``{"result": ...}``;
  400 for bad arguments, 404 for an unknown tool, 422 when the tool refuses.
- ``POST /mcp``: JSON-RPC 2.0 with the MCP methods ``initialize``,
  ``tools/list``, ``tools/call`` and ``ping`` (request/response only, no streaming).
- ``POST /invoke`` with ``{"input": "..."}``: the agent answers using the tools.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from opentelemetry import context as otel_context

from {{ cookiecutter.__package }} import __version__
from {{ cookiecutter.__package }}._runtime import Agent, GuardrailExceeded, Settings, Toolbox
from {{ cookiecutter.__package }}._runtime.httpserver import (
    HTTPError,
    JsonServer,
    Request,
    request_timeout,
    require_json_object,
    trace_context,
)

log = logging.getLogger(__name__)

SYSTEM_PROMPT = """You are {{ cookiecutter.name }}. Answer questions about currency conversion
using the tools; never guess a rate. Reply in one short sentence."""
MCP_PROTOCOL_VERSION = "2025-06-18"
_STATUS = {"ToolNotFound": 404, "ToolArgumentError": 400}


def _run_tool(toolbox: Toolbox, settings: Settings, name: str, arguments: Any) -> tuple[int, dict[str, Any]]:
    result = toolbox.execute(name, arguments if arguments is not None else {}, capture_content=settings.capture_content)
    if result.ok:
        return 200, {"result": result.value}
    return _STATUS.get(result.error_type or "", 422), json.loads(result.content)


def make_server(
    settings: Settings,
    toolbox: Toolbox,
    agent: Agent,
    *,
    host: str | None = None,
    port: int | None = None,
) -> JsonServer:
    def list_tools(request: Request) -> tuple[int, Any]:
        return 200, {"tools": toolbox.describe()}

    def call_tool(request: Request) -> tuple[int, Any]:
        body = require_json_object(request)
        token = otel_context.attach(trace_context(request))
        try:
            return _run_tool(toolbox, settings, request.params["name"], body.get("arguments", {}))
        finally:
            otel_context.detach(token)

    def mcp(request: Request) -> tuple[int, Any]:
        body = request.body
        if not isinstance(body, dict) or body.get("jsonrpc") != "2.0" or not isinstance(body.get("method"), str):
            return 200, _rpc_error(None, -32600, "invalid JSON-RPC 2.0 request")
        rid = body.get("id")
        method, params = body["method"], body.get("params") or {}
        if "id" not in body:
            return 202, {}
        if method == "initialize":
            return 200, _rpc_result(
                rid,
                {
                    "protocolVersion": MCP_PROTOCOL_VERSION,
                    "capabilities": {"tools": {"listChanged": False}},
                    "serverInfo": {"name": "{{ cookiecutter.name }}", "version": __version__},
                },
            )
        if method == "ping":
            return 200, _rpc_result(rid, {})
        if method == "tools/list":
            return 200, _rpc_result(rid, {"tools": toolbox.describe()})
        if method == "tools/call":
            if not isinstance(params, dict) or not isinstance(params.get("name"), str):
                return 200, _rpc_error(rid, -32602, "tools/call needs params.name")
            if params["name"] not in toolbox:
                return 200, _rpc_error(rid, -32602, f"unknown tool {params['name']!r}")
            token = otel_context.attach(trace_context(request))
            try:
                status, answer = _run_tool(toolbox, settings, params["name"], params.get("arguments") or {})
            finally:
                otel_context.detach(token)
            ok = status == 200
            payload = answer["result"] if ok else answer
            content = {"type": "text", "text": json.dumps(payload, ensure_ascii=False)}
            result: dict[str, Any] = {"content": [content], "isError": not ok}
            if ok and isinstance(payload, dict):
                result["structuredContent"] = payload
            return 200, _rpc_result(rid, result)
        return 200, _rpc_error(rid, -32601, f"method {method!r} not found")

    def invoke(request: Request) -> tuple[int, Any]:
        body = require_json_object(request)
        text = body.get("input")
        if not isinstance(text, str) or not text.strip():
            raise HTTPError(400, "'input' must be a non-empty string")
        token = otel_context.attach(trace_context(request))
        try:
            return 200, agent.run(text[:20_000], progress=request.emit).to_dict()
        except GuardrailExceeded as exc:
            return (429 if exc.policy == "budget_daily" else 422), {"error": str(exc), "guardrail": exc.policy}
        except Exception as exc:
            if type(exc).__module__.startswith("openai"):
                log.warning("model call failed: %s", exc)
                return 502, {"error": f"model call failed: {type(exc).__name__}"}
            raise
        finally:
            otel_context.detach(token)

    return JsonServer(
        host if host is not None else settings.host,
        settings.port if port is None else port,
        {
            ("GET", "/tools"): list_tools,
            ("POST", "/tools/{name}"): call_tool,
            ("POST", "/mcp"): mcp,
            ("POST", "/invoke"): invoke,
        },
        streaming={("POST", "/invoke")},
        request_timeout=request_timeout(settings),
    )


def _rpc_result(rid: Any, result: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "result": result}


def _rpc_error(rid: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}}
