"""HTTP API: the tools (REST and MCP) and a natural-language /invoke.

- ``GET /tools``: every tool with its JSON schema (``inputSchema``).
- ``POST /tools/{name}`` with ``{"arguments": {...}}``: ``{"result": ...}``;
  400 for bad arguments, 404 for an unknown tool, 422 when the tool refuses.
- ``/mcp``: the same tools over MCP (Streamable HTTP, the official MCP Python SDK).
- ``POST /invoke`` with ``{"input": "..."}``: the agent answers using the tools.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from opentelemetry import context as otel_context

from {{ cookiecutter.__package }} import __version__
from {{ cookiecutter.__package }}._runtime import Agent, GuardrailExceeded, ModelCallError, Settings, Toolbox
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
        except ModelCallError as exc:
            log.warning("%s", exc)
            return 502, {"error": f"model call failed: {exc.reason}"}
        finally:
            otel_context.detach(token)

    return JsonServer(
        host if host is not None else settings.host,
        settings.port if port is None else port,
        {
            ("GET", "/tools"): list_tools,
            ("POST", "/tools/{name}"): call_tool,
            ("POST", "/invoke"): invoke,
        },
        streaming={("POST", "/invoke")},
        request_timeout=request_timeout(settings),
        apps=[mcp_app(settings, toolbox, host if host is not None else settings.host)],
    )


def mcp_app(settings: Settings, toolbox: Toolbox, host: str) -> Any:
    """The tools over MCP (Streamable HTTP at ``/mcp``) with the official MCP Python SDK."""
    import anyio
    import mcp.types as types
    from mcp.server.lowlevel import Server

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[
                types.Tool(name=t["name"], description=t["description"], input_schema=t["inputSchema"])
                for t in toolbox.describe()
            ]
        )

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        status, answer = await anyio.to_thread.run_sync(
            _run_tool, toolbox, settings, params.name, params.arguments or {}
        )
        ok = status == 200
        payload = answer["result"] if ok else answer
        content = [types.TextContent(type="text", text=json.dumps(payload, ensure_ascii=False))]
        structured = payload if ok and isinstance(payload, dict) else None
        return types.CallToolResult(content=content, structured_content=structured, is_error=not ok)

    name = "{{ cookiecutter.name }}"
    server = Server(name, version=__version__, on_list_tools=list_tools, on_call_tool=call_tool)
    return server.streamable_http_app(streamable_http_path="/mcp", stateless_http=True, json_response=True, host=host)
