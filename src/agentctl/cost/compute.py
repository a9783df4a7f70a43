"""Compute cost of runs: pod resource requests x run duration x rate card.

A run is a root span (an ``invoke_agent``/``invoke_workflow`` span, or any
span without a parent). Its requests come from, in order:

1. the span's resource attributes ``agentctl.cpu.request`` and
   ``agentctl.memory.request`` (Kubernetes quantities such as ``500m`` and
   ``1Gi``; ``k8s.container.cpu.request`` / ``k8s.container.memory.request``
   are read too, as cores and bytes or as quantities);
2. the ``agent.yaml`` of that agent when one is in scope (``spec.resources``);
3. the documented defaults, 250m CPU and 512Mi memory (``spec.resources``'
   own defaults).

Durations are the root span's: a pod that idles between requests is not a
run's cost (that is what ``--estimate`` and OpenCost report).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from agentctl.cost.rates import GIB, RateCard
from agentctl.spec import units

CPU_KEYS = ("agentctl.cpu.request", "k8s.container.cpu.request")
MEMORY_KEYS = ("agentctl.memory.request", "k8s.container.memory.request")
DEFAULT_CPU = "250m"
DEFAULT_MEMORY = "512Mi"

SOURCE_RESOURCE = "resource attributes"
SOURCE_SPEC = "agent.yaml"
SOURCE_DEFAULT = "defaults"


@dataclass(frozen=True, slots=True)
class Requests:
    cpu: Decimal  # cores
    memory_gib: Decimal
    source: str

    def usd_per_second(self, card: RateCard) -> Decimal:
        return card.hourly(self.cpu, self.memory_gib) / Decimal(3600)

    def to_dict(self) -> dict[str, Any]:
        return {"cpu": float(self.cpu), "memoryGiB": float(self.memory_gib), "source": self.source}


def _quantity(value: Any, *, memory: bool) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        q = units.parse_quantity(value if isinstance(value, int | float) else str(value))
    except ValueError:
        return None
    return q / GIB if memory else q


def _first(attrs: Mapping[str, Any], keys: tuple[str, ...], *, memory: bool) -> Decimal | None:
    for key in keys:
        q = _quantity(attrs.get(key), memory=memory)
        if q is not None:
            return q
    return None


def requests_for(
    resource: Mapping[str, Any] | None,
    agent: str | None,
    specs: Mapping[str, Any] | None = None,
) -> Requests:
    """The requests a run's pod had: resource attributes, else the agent's spec, else defaults.

    ``specs`` maps agent names to a ``Resources`` model (``spec.resources``).
    """
    cpu = mem = None
    if resource:
        cpu = _first(resource, CPU_KEYS, memory=False)
        mem = _first(resource, MEMORY_KEYS, memory=True)
        if cpu is not None and mem is not None:
            return Requests(cpu, mem, SOURCE_RESOURCE)
    spec = (specs or {}).get(agent) if agent else None
    if spec is not None:
        return Requests(
            cpu if cpu is not None else units.parse_quantity(spec.cpu),
            mem if mem is not None else units.parse_quantity(spec.memory) / GIB,
            SOURCE_SPEC if cpu is None and mem is None else SOURCE_RESOURCE,
        )
    return Requests(
        cpu if cpu is not None else units.parse_quantity(DEFAULT_CPU),
        mem if mem is not None else units.parse_quantity(DEFAULT_MEMORY) / GIB,
        SOURCE_DEFAULT if cpu is None and mem is None else SOURCE_RESOURCE,
    )


def run_compute_usd(duration_ns: int, requests: Requests, card: RateCard) -> Decimal:
    """Requests x duration x rate card, per second (GKE Autopilot bills per second, no minimum)."""
    return compute_usd(duration_ns, card.hourly(requests.cpu, requests.memory_gib))


def compute_usd(duration_ns: int, hourly: Decimal) -> Decimal:
    """``hourly`` USD for ``duration_ns``, per second (:func:`run_compute_usd` with the rate known)."""
    return hourly * Decimal(max(0, duration_ns)) / Decimal(3600 * 10**9)
