"""Tools served by another agentctl project (a ``tool-service``), found through AGENT_TOOLS.

A ``service`` tool declared in agent.yaml is reachable at its URL. If it speaks
the tool-service protocol (``GET /tools`` lists tools with their JSON schema,
``POST /tools/{name}`` with ``{"arguments": {...}}`` runs one), its tools are
offered to the model like local ones, and the trace continues across the call.
Declaring the service tool declares the tools it serves: their ``execute_tool``
spans name it in ``agentctl.tool.service``.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
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


def discover(settings: Settings, *, timeout: float = 5.0, skip: set[str] | None = None) -> list[Tool]:
    """Tools of every declared ``service`` tool that answers ``GET /tools``; others are skipped with a warning."""
    found: list[Tool] = []
    taken = set(skip or ())
    for endpoint in settings.tools:
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
