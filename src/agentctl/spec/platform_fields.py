"""The few platform.yaml fields ``agentctl trace`` and ``agentctl cost`` read, without
the spec models.

``trace`` needs ``telemetry.traces`` and ``telemetry.collectorNamespace``;
``cost`` (without agents in scope, ``--budget-check`` or ``--estimate``)
needs ``telemetry.costSource`` and ``pricing.compute``. Importing Pydantic
and the spec models to read them costs more CPU than the rest of either
command, so :func:`read_platform_fields` reads the YAML (the same safe
loader, so a YAML error is reported as before) and checks ``apiVersion``,
``kind``, the top-level keys and the whole ``telemetry`` and ``pricing``
sections with plain code.

The plain check only *accepts*: whatever it does not recognise as valid
(a wrong type, an unknown key, a snake_case key, a number written as a
string, ...) is handed to the full loader, which reports it exactly as it
always has (file, line, field; exit 2), or accepts it and gives the values.
Sections these commands do not read are left to the commands that use them
(``validate`` checks the whole file).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agentctl.errors import echoed

API_VERSION = "agentctl.dev/v1alpha1"

# The top-level keys of a Platform (its fields' aliases); tests/unit/spec/test_platform_fields.py
# keeps this equal to the model's.
PLATFORM_KEYS = frozenset(
    {
        "apiVersion",
        "kind",
        "namespace",
        "registries",
        "models",
        "secretStores",
        "egress",
        "workloadIdentity",
        "telemetry",
        "network",
        "limits",
        "requiredLabels",
        "pricing",
        "mcpServers",
        "trustedTemplates",
        "policy",
    }
)
TELEMETRY_KEYS = frozenset(
    {
        "otlpEndpoint",
        "collectorNamespace",
        "collectorLabels",
        "traces",
        "costSource",
        "allowCaptureContent",
    }
)
TRACES_KEYS = frozenset({"source", "url"})
TRACE_SOURCES = ("jaeger", "tempo", "local")
PRICING_KEYS = frozenset({"compute"})
COMPUTE_KEYS = frozenset({"cpuHourUSD", "memoryGiBHourUSD", "storageGiBMonthUSD", "name"})

_URL = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:_]+(/\S*)?$")
# The highest compute price per unit (ComputePricing's bound): far above any real rate,
# low enough that every cost estimate stays a printable, JSON-encodable amount.
MAX_UNIT_PRICE_USD = 1_000_000


class _NotPlain(Exception):
    """Something the plain check does not accept: the full loader decides."""


@dataclass(frozen=True)
class ComputeRates:
    """``pricing.compute``: the rate card (the attributes of the model's ComputePricing)."""

    cpu_hour_usd: float = 0.0445
    memory_gib_hour_usd: float = 0.0049225
    storage_gib_month_usd: float = 0.04
    name: str = "GKE Autopilot general-purpose, us-central1 (on-demand)"


@dataclass(frozen=True)
class PlatformFields:
    """What trace and cost read from platform.yaml (the model's defaults where not written)."""

    path: Path | None = None
    traces_source: str = "local"
    traces_url: str | None = None
    collector_namespace: str = "observability"
    cost_source: str | None = None
    compute: ComputeRates = field(default_factory=ComputeRates)


def read_platform_fields(path: Path) -> PlatformFields:
    """The fields of the platform.yaml at ``path``; a SpecError (as the full loader
    raises it) when the file or one of these fields is not valid."""
    from agentctl.spec.files import display_path
    from agentctl.spec.yamlsafe import load_one

    doc = load_one(path, display_path(path))
    try:
        return plain_fields(doc.data, path)
    except _NotPlain:
        pass
    from agentctl.spec.loader import load_platform

    return from_platform(load_platform(path).platform, path)


def from_platform(platform: Any, path: Path | None) -> PlatformFields:
    """The same fields of a validated ``Platform`` model."""
    tel, c = platform.telemetry, platform.pricing.compute
    return PlatformFields(
        path=path,
        traces_source=tel.traces.source,
        traces_url=tel.traces.url,
        collector_namespace=tel.collector_namespace,
        cost_source=tel.cost_source,
        compute=ComputeRates(
            cpu_hour_usd=c.cpu_hour_usd,
            memory_gib_hour_usd=c.memory_gib_hour_usd,
            storage_gib_month_usd=c.storage_gib_month_usd,
            name=c.name,
        ),
    )


def plain_fields(data: Any, path: Path | None = None) -> PlatformFields:
    """The fields of a parsed platform.yaml, checked in plain code; raises _NotPlain
    for anything it does not accept as valid."""
    _need(isinstance(data, dict) and set(data) <= PLATFORM_KEYS)
    _need(data.get("apiVersion") == API_VERSION and _is_str(data["apiVersion"]))
    _need(data.get("kind") == "Platform" and _is_str(data["kind"]))
    out: dict[str, Any] = {}
    if "telemetry" in data:
        tel = _mapping(data["telemetry"], TELEMETRY_KEYS)
        if "otlpEndpoint" in tel:
            _url(tel["otlpEndpoint"])
        if "collectorNamespace" in tel:
            _need(_is_str(tel["collectorNamespace"]))
            out["collector_namespace"] = tel["collectorNamespace"]
        if "collectorLabels" in tel:
            labels = tel["collectorLabels"]
            _need(isinstance(labels, dict))
            _need(all(_is_str(k) and _is_str(v) for k, v in labels.items()))
        if "allowCaptureContent" in tel:
            _need(isinstance(tel["allowCaptureContent"], bool))
        if tel.get("costSource") is not None:
            out["cost_source"] = _url(tel["costSource"])
        if "traces" in tel:
            traces = _mapping(tel["traces"], TRACES_KEYS)
            if "source" in traces:
                _need(_is_str(traces["source"]) and traces["source"] in TRACE_SOURCES)
                out["traces_source"] = traces["source"]
            if traces.get("url") is not None:
                out["traces_url"] = _url(traces["url"])
    if "pricing" in data:
        pricing = _mapping(data["pricing"], PRICING_KEYS)
        if "compute" in pricing:
            c = _mapping(pricing["compute"], COMPUTE_KEYS)
            rates: dict[str, Any] = {}
            for key, name in (
                ("cpuHourUSD", "cpu_hour_usd"),
                ("memoryGiBHourUSD", "memory_gib_hour_usd"),
                ("storageGiBMonthUSD", "storage_gib_month_usd"),
            ):
                if key in c:
                    rates[name] = _price(c[key])
            if "name" in c:
                _need(_is_str(c["name"]))
                rates["name"] = c["name"]
            out["compute"] = ComputeRates(**rates)
    return PlatformFields(path=path, **out)


def _need(ok: bool) -> None:
    if not ok:
        raise _NotPlain


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _mapping(value: Any, keys: frozenset[str]) -> dict[str, Any]:
    _need(isinstance(value, dict) and set(value) <= keys)
    return value


def http_url(value: str) -> str:
    """``value`` when it is an http(s) URL with a host and a port from 1 to 65535, else a
    ValueError saying why: the check of the spec's Url type (agentctl.spec.types), kept
    here, where the plain check of these fields uses it without Pydantic."""
    shown = echoed(value)
    if not _URL.match(value):
        raise ValueError(f"{shown} is not an http(s) URL")
    try:
        parts = urlsplit(value)
        port = parts.port  # raises on a port outside 0-65535 or a non-numeric one
    except ValueError as exc:
        raise ValueError(f"{shown} is not an http(s) URL: {exc}") from None
    if not parts.hostname:
        raise ValueError(f"{shown} is not an http(s) URL: no host")
    if port == 0:
        raise ValueError(f"{shown} is not an http(s) URL: port 0")
    return value


def _url(value: Any) -> str:
    """An http(s) URL; anything else goes to the full loader for its message."""
    _need(_is_str(value))
    try:
        return http_url(value)
    except ValueError:
        raise _NotPlain from None


def _price(value: Any) -> float:
    """A USD rate (a float field, at least 0): an int or float as YAML wrote it."""
    _need(isinstance(value, int | float) and not isinstance(value, bool))
    try:
        number = float(value)
    except OverflowError:
        raise _NotPlain from None
    _need(math.isfinite(number) and 0 <= number <= MAX_UNIT_PRICE_USD)
    return number
