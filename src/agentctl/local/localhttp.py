"""HTTP to the processes a local run starts (agent, tools, receiver): never through a proxy.

A shell with ``http_proxy`` set (a corporate proxy, or a closed one to keep a
run offline) would otherwise send agentctl's ready checks and tasks for
``127.0.0.1`` to the proxy; the children get loopback added to ``NO_PROXY``
for the same reason (their spans and tool calls go to 127.0.0.1).
"""

from __future__ import annotations

import urllib.request
from collections.abc import Mapping
from typing import Any

LOOPBACK = ("127.0.0.1", "localhost", "::1")
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def urlopen(request: urllib.request.Request | str, timeout: float) -> Any:
    """``urllib.request.urlopen`` without any proxy."""
    return _OPENER.open(request, timeout=timeout)


def no_proxy_for_loopback(env: Mapping[str, str]) -> dict[str, str]:
    """``NO_PROXY``/``no_proxy`` for a child that has a proxy: what it had, plus loopback names."""
    if not any(env.get(v) for v in PROXY_VARS):
        return {}
    out = {}
    for var in ("NO_PROXY", "no_proxy"):
        have = [h.strip() for h in env.get(var, "").split(",") if h.strip()]
        out[var] = ",".join([*have, *(h for h in LOOPBACK if h not in have)])
    return out
