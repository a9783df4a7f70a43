"""Compute cost of a run: requests x duration x rate card, requests from resource, spec or defaults."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agentctl.cost.compute import (
    SOURCE_DEFAULT,
    SOURCE_RESOURCE,
    SOURCE_SPEC,
    requests_for,
    run_compute_usd,
)
from agentctl.cost.rates import RateCard
from agentctl.spec.models import Resources

CARD = RateCard()  # 0.0445 per vCPU-hour, 0.0049225 per GiB-hour


def test_requests_from_resource_attributes() -> None:
    r = requests_for({"agentctl.cpu.request": "500m", "agentctl.memory.request": "2Gi"}, "a")
    assert (r.cpu, r.memory_gib, r.source) == (Decimal("0.5"), Decimal(2), SOURCE_RESOURCE)
    # k8s.container.* as cores and bytes
    r = requests_for(
        {"k8s.container.cpu.request": 1.5, "k8s.container.memory.request": 3 * 2**30}, "a"
    )
    assert (r.cpu, r.memory_gib) == (Decimal("1.5"), Decimal(3))


def test_requests_from_spec_then_defaults() -> None:
    specs = {"a": Resources(cpu="2", memory="4Gi")}
    assert requests_for({}, "a", specs) == requests_for(None, "a", specs)
    r = requests_for({}, "a", specs)
    assert (r.cpu, r.memory_gib, r.source) == (Decimal(2), Decimal(4), SOURCE_SPEC)
    r = requests_for({}, "b", specs)
    assert (r.cpu, r.memory_gib, r.source) == (Decimal("0.25"), Decimal("0.5"), SOURCE_DEFAULT)
    # A resource with only one of the two fills the other from the spec
    r = requests_for({"agentctl.cpu.request": "100m"}, "a", specs)
    assert (r.cpu, r.memory_gib, r.source) == (Decimal("0.1"), Decimal(4), SOURCE_RESOURCE)
    # An unreadable quantity is ignored
    r = requests_for({"agentctl.cpu.request": "lots", "agentctl.memory.request": "1Gi"}, "b")
    assert (r.cpu, r.memory_gib) == (Decimal("0.25"), Decimal(1))


@pytest.mark.parametrize(
    ("cpu", "memory", "seconds", "expected"),
    [
        ("1", "1Gi", 3600, Decimal("0.0445") + Decimal("0.0049225")),
        ("500m", "2Gi", 1800, (Decimal("0.5") * Decimal("0.0445") + 2 * Decimal("0.0049225")) / 2),
        ("250m", "512Mi", 90, Decimal("0.01358625") * 90 / 3600),
    ],
)
def test_run_compute_cost(cpu: str, memory: str, seconds: int, expected: Decimal) -> None:
    req = requests_for({"agentctl.cpu.request": cpu, "agentctl.memory.request": memory}, None)
    assert run_compute_usd(seconds * 10**9, req, CARD) == expected


def test_negative_duration_costs_nothing() -> None:
    assert run_compute_usd(-5, requests_for(None, None), CARD) == 0
