"""Tools served elsewhere, found through AGENT_TOOLS: tool services and MCP servers.

A ``service`` tool declared in agent.yaml is reachable at its URL. If it speaks
the tool-service protocol (``GET /tools`` lists tools with their JSON schema,
``POST /tools/{name}`` with ``{"arguments": {...}}`` runs one), its tools are
offered to the model like local ones, and the trace continues across the call.
Declaring the service tool declares the tools it serves: their ``execute_tool``
spans name it in ``agentctl.tool.service``.

An ``mcp`` tool is a remote MCP server (Streamable HTTP). Its tools are listed
and called with the official MCP Python SDK; only the tools agent.yaml allows
(``tools:``, all when empty) are offered to the model, and each call is an
``execute_tool <mcp tool name>`` span with ``agentctl.tool.mcp_server``. The
declared ``auth`` secret, when there is one, is sent as a bearer token.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from .config import Settings
from .tools import Tool, ToolError

log = logging.getLogger("agent_runtime")


def _request(url: str, body: Any | None, timeout: float) -> Any:
    from opentelemetry.propagate import inject

    headers = {"Accept": "application/json"}
    inject(headers)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # URLs come from agent.yaml
        return json.loads(resp.read() or b"null")


def _remote_tool(base: str, listing: dict[str, Any], timeout: float, source: str) -> Tool:
    name = str(listing["name"])

    def call(**arguments: Any) -> Any:
        try:
            answer = _request(f"{base}/tools/{name}", {"arguments": arguments}, timeout)
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read()).get("error", exc.reason)
            except (ValueError, AttributeError):
                message = exc.reason
            raise ToolError(f"{name}: {message}") from None
        except (urllib.error.URLError, TimeoutError) as exc:
            raise ToolError(f"{name}: service unreachable ({exc})") from None
        return answer.get("result") if isinstance(answer, dict) else answer

    return Tool(
        name=name,
        description=str(listing.get("description", "")),
        parameters=listing.get("inputSchema") or {"type": "object", "properties": {}},
        func=call,
        type="extension",
        source=source,
    )


def _bearer(settings: Settings, secret: str | None) -> dict[str, str]:
    """The Authorization header from a declared secret (a mounted file, or an env var)."""
    if not secret:
        return {}
    key = secret.upper().replace("-", "_").replace(".", "_")
    path = os.environ.get(f"SECRET_{key}_FILE")
    token = None
    if path:
        try:
            token = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            log.warning("secret %s: cannot read %s (%s)", secret, path, exc)
    token = token or os.environ.get(key, "").strip() or None
    return {"Authorization": f"Bearer {token}"} if token else {}


def _mcp(url: str, headers: dict[str, str], timeout: float, operation: Callable[[Any], Awaitable[Any]]) -> Any:
    """One MCP session (Streamable HTTP) running ``operation(client)``; the trace context goes along."""
    import asyncio

    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from opentelemetry.propagate import inject

    sent = dict(headers)
    inject(sent)

    async def run() -> Any:
        async with httpx2.AsyncClient(headers=sent, timeout=timeout) as http:
            transport = streamable_http_client(url, http_client=http)
            async with Client(transport, read_timeout_seconds=timeout) as client:
                return await operation(client)

    return asyncio.run(run())


def _mcp_text(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in (result.content or []) if getattr(block, "text", None))


def _mcp_tool(url: str, headers: dict[str, str], listing: Any, timeout: float, source: str) -> Tool:
    name = str(listing.name)

    def call(**arguments: Any) -> Any:
        try:
            result = _mcp(url, headers, timeout, lambda client: client.call_tool(name, arguments))
        except Exception as exc:  # the SDK raises transport and protocol errors of many kinds
            raise ToolError(f"{name}: MCP server unreachable or failed ({type(exc).__name__}: {exc})") from None
        if result.is_error:
            raise ToolError(f"{name}: {_mcp_text(result) or 'the MCP tool failed'}")
        if result.structured_content is not None:
            return result.structured_content
        return _mcp_text(result)

    return Tool(
        name=name,
        description=str(listing.description or ""),
        parameters=listing.input_schema or {"type": "object", "properties": {}},
        func=call,
        type="extension",
        source=source,
        attributes={"agentctl.tool.mcp_server": source},
    )


def discover_mcp(settings: Settings, endpoint: Any, timeout: float, taken: set[str]) -> list[Tool]:
    url = settings.tool_url(endpoint.name) or endpoint.url
    if not url:
        return []
    headers = _bearer(settings, endpoint.auth)

    async def list_all(client: Any) -> list[Any]:
        tools, cursor = [], None
        while True:
            page = await client.list_tools(cursor=cursor)
            tools.extend(page.tools)
            cursor = page.next_cursor
            if not cursor:
                return tools

    try:
        listed = _mcp(url, headers, timeout, list_all)
    except Exception as exc:  # noqa: BLE001 - an unreachable server must not stop the agent
        log.warning("MCP tool %s at %s: cannot list its tools (%s); continuing without it", endpoint.name, url, exc)
        return []
    allowed = set(endpoint.allow)
    found = []
    for item in listed:
        if (allowed and item.name not in allowed) or item.name in taken:
            continue
        taken.add(item.name)
        found.append(_mcp_tool(url, headers, item, timeout, endpoint.name))
    missing = allowed - {t.name for t in found} - (taken - {t.name for t in found})
    if missing:
        log.warning("MCP tool %s: the server does not offer %s", endpoint.name, ", ".join(sorted(missing)))
    return found


def discover(settings: Settings, *, timeout: float = 5.0, skip: set[str] | None = None) -> list[Tool]:
    """Tools of every declared ``service`` tool that answers ``GET /tools`` and every ``mcp`` tool;
    an unreachable one is skipped with a warning."""
    found: list[Tool] = []
    taken = set(skip or ())
    for endpoint in settings.tools:
        if endpoint.kind == "mcp":
            found.extend(discover_mcp(settings, endpoint, timeout, taken))
            continue
        if endpoint.kind != "service":
            continue
        base = (settings.tool_url(endpoint.name) or endpoint.url or "").rstrip("/")
        if not base:
            continue
        try:
            listing = _request(f"{base}/tools", None, timeout)
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            log.warning("tool %s at %s: cannot list its tools (%s); continuing without it", endpoint.name, base, exc)
            continue
        for item in (listing or {}).get("tools", []):
            if not isinstance(item, dict) or "name" not in item or item["name"] in taken:
                continue
            taken.add(item["name"])
            found.append(_remote_tool(base, item, timeout, endpoint.name))
    return found
