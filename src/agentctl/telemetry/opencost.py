"""Compute cost from an OpenCost ``/allocation`` endpoint, per agent and per day.

``GET <base>/allocation?window=<start>,<end>&aggregate=label:agentctl_dev_agent&step=1d&accumulate=false``

The label ``agentctl.dev/agent`` (on every pod agentctl renders) appears in
OpenCost under its Prometheus name ``agentctl_dev_agent``. Allocations not
carrying it come back as ``__unallocated__`` (and ``__idle__``) and are
reported under those names. Base URLs ending in ``/allocation`` or
``/allocation/compute`` are used as given.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal, InvalidOperation
from typing import Any

from agentctl.cost.report import Allocation
from agentctl.errors import TelemetryError
from agentctl.telemetry.outbound import is_redirect, read_capped, redirected, urlopen
from agentctl.urls import without_credentials

AGENT_LABEL = "agentctl.dev/agent"
TIMEOUT_S = 15.0
MAX_RESPONSE_BYTES = 64 * 1024 * 1024  # as for trace backends: a month of daily steps is far less


def prometheus_label(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def allocation_url(base: str, since_ns: int, until_ns: int) -> str:
    parts = urllib.parse.urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TelemetryError(f"--source {base!r}: not an http(s) URL of an OpenCost API")
    path = parts.path.rstrip("/")
    if not (path.endswith("/allocation") or path.endswith("/allocation/compute")):
        path += "/allocation"
    query = urllib.parse.urlencode(
        {
            "window": f"{since_ns // 10**9},{-(-until_ns // 10**9)}",
            "aggregate": f"label:{prometheus_label(AGENT_LABEL)}",
            "step": "1d",
            "accumulate": "false",
        }
    )
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value is not None else 0))
    except InvalidOperation:
        return Decimal(0)


def _ns(text: Any, default: int) -> int:
    if not isinstance(text, str):
        return default
    try:
        return int(_dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 10**9)
    except ValueError:
        return default


def parse_allocations(doc: Any, since_ns: int, until_ns: int, source: str) -> list[Allocation]:
    """Allocation sets (one per step) into per-agent, per-window rows."""
    if not isinstance(doc, dict) or "data" not in doc:
        raise TelemetryError(f"{source}: not an OpenCost allocation response (no 'data')")
    code = doc.get("code", 200)
    if code != 200:
        raise TelemetryError(
            f"{source}: OpenCost answered code {code}: {doc.get('message', '')}".strip()
        )
    sets = doc["data"] or []
    if isinstance(sets, dict):
        sets = [sets]
    out: list[Allocation] = []
    for step in sets:
        if not isinstance(step, dict):
            continue
        for name, item in step.items():
            if not isinstance(item, dict):
                continue
            window = item.get("window") or {}
            agent = str(item.get("name") or name)
            if "=" in agent:  # some versions name label groups key=value
                agent = agent.split("=", 1)[1]
            start = max(_ns(window.get("start"), since_ns), since_ns)
            end = min(_ns(window.get("end"), until_ns), until_ns)
            total = item.get("totalCost")
            cpu, ram, pv = (
                _dec(item.get("cpuCost")),
                _dec(item.get("ramCost")),
                _dec(item.get("pvCost")),
            )
            out.append(
                Allocation(
                    agent=agent,
                    start_ns=start,
                    end_ns=end,
                    cpu_usd=cpu,
                    ram_usd=ram,
                    pv_usd=pv,
                    total_usd=_dec(total) if total is not None else cpu + ram + pv,
                )
            )
    return out


def fetch_allocations(
    base: str, since_ns: int, until_ns: int, *, timeout: float = TIMEOUT_S
) -> list[Allocation]:
    """Query OpenCost; raise TelemetryError naming the endpoint on any failure."""
    url = allocation_url(base, since_ns, until_ns)
    shown = without_credentials(url)
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    deadline = time.monotonic() + timeout  # for the whole answer, not each read
    try:
        with urlopen(req, timeout=timeout) as resp:
            body = read_capped(resp, MAX_RESPONSE_BYTES, deadline)
    except urllib.error.HTTPError as exc:
        if is_redirect(exc):
            raise TelemetryError(redirected(shown, exc), hint="check --source") from None
        raise TelemetryError(f"{shown}: OpenCost answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TelemetryError(
            f"{shown}: cannot reach OpenCost: {reason}",
            hint="check --source or platform telemetry.costSource",
        ) from None
    if body is None:
        raise TelemetryError(
            f"{shown}: OpenCost answered more than {MAX_RESPONSE_BYTES} bytes",
            hint="narrow the window (--since)",
        )
    try:
        doc = json.loads(body)
    except ValueError:
        raise TelemetryError(f"{shown}: OpenCost answered something that is not JSON") from None
    return parse_allocations(doc, since_ns, until_ns, shown)
