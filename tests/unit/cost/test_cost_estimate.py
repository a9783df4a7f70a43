"""Monthly estimates from the spec, checked against hand-computed figures."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from agentctl.cost.estimate import estimate_agent, runs_per_month
from agentctl.spec.loader import load_agent, load_platform
from agentctl.spec.models import Agent, Platform, default_platform

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

CPU_H = Decimal("0.0445")
MEM_H = Decimal("0.0049225")


def _agent(spec: dict, **meta: str) -> Agent:
    return Agent.model_validate(
        {
            "apiVersion": "agentctl.dev/v1alpha1",
            "kind": "Agent",
            "metadata": {"name": meta.get("name", "a"), "team": "t"},
            "spec": {"image": "ghcr.io/acme/a:1", **spec},
        }
    )


def _platform(**doc: object) -> Platform:
    return Platform.model_validate(
        {"apiVersion": "agentctl.dev/v1alpha1", "kind": "Platform", **doc}
    )


def test_service_range_is_min_to_max_replicas_at_requests() -> None:
    a = _agent(
        {
            "type": "service",
            "port": 8080,
            "resources": {"cpu": "250m", "memory": "256Mi"},
            "scaling": {"minReplicas": 2, "maxReplicas": 10},
        }
    )
    e = estimate_agent(a, default_platform())
    pod_month = (Decimal("0.25") * CPU_H + Decimal("0.25") * MEM_H) * 720
    assert e.compute_monthly_low_usd == pod_month * 2
    assert e.compute_monthly_high_usd == pod_month * 10
    assert e.llm.monthly_cap_usd is None  # no model, no LLM spend
    assert e.rate_card.name.startswith("GKE Autopilot")
    assert e.to_dict()["compute"]["monthlyLowUSD"] == pytest.approx(17.7921, abs=1e-6)


def test_stateful_includes_tool_deployments_and_a_pvc_per_replica() -> None:
    loaded = load_agent(EXAMPLES / "research-assistant")
    plat = load_platform(EXAMPLES / "platform.yaml").platform
    e = estimate_agent(loaded.agent, plat)
    kinds = [ln.kind for ln in e.lines]
    assert kinds == ["statefulset", "tool-deployment", "storage"]
    agent_pod = (Decimal("0.5") * CPU_H + 1 * MEM_H) * 720
    tool_pod = (Decimal("0.25") * CPU_H + Decimal("0.5") * MEM_H) * 720  # default Resources
    storage = 5 * Decimal("0.04")
    assert e.compute_monthly_low_usd == agent_pod + tool_pod + storage
    assert e.compute_monthly_high_usd == 3 * (agent_pod + tool_pod + storage)
    # LLM cap: dailyUSD 50 x 30 days
    assert e.llm.monthly_cap_usd == Decimal(1500)
    assert e.llm.per_run_usd == Decimal(2)
    assert e.total_monthly_high_usd == e.compute_monthly_high_usd + 1500


def test_scheduled_job_runs_from_cron_and_caps_llm_by_runs() -> None:
    loaded = load_agent(EXAMPLES / "daily-report")
    e = estimate_agent(loaded.agent, default_platform())
    assert e.runs_per_month == Decimal(30)
    # 250m/512Mi for its 20m timeout
    per_run = (Decimal("0.25") * CPU_H + Decimal("0.5") * MEM_H) * Decimal(1200) / 3600
    assert e.compute_per_run_usd == per_run
    assert e.compute_monthly_high_usd == per_run * 30
    # min(dailyUSD 2 x 30, perRunUSD 1 x 30 runs)
    assert e.llm.monthly_cap_usd == Decimal(30)


def test_workflow_steps_fan_out_and_deadline() -> None:
    loaded = load_agent(EXAMPLES / "deep-research")
    e = estimate_agent(loaded.agent, default_platform())
    steps = {ln.name: ln for ln in e.lines if ln.kind == "workflow-step"}
    assert steps["deep-research/plan"].hours_per_run == 6  # no timeout: the 6h deadline
    assert steps["deep-research/research"].pods_per_run == 10
    assert steps["deep-research/research"].hours_per_run == Decimal(1200) / 3600
    assert steps["deep-research/write"].hours_per_run == Decimal("0.5")
    pod_h = Decimal("0.25") * CPU_H + Decimal("0.5") * MEM_H
    per_run = pod_h * (6 + 10 * Decimal(1200) / 3600 + Decimal("0.5"))
    assert e.compute_per_run_usd == per_run
    assert e.runs_per_month == Decimal(120)  # every 6 hours
    storage = next(ln for ln in e.lines if ln.kind == "storage")
    assert storage.monthly_high_usd == 2 * Decimal("0.04")
    assert e.compute_monthly_high_usd == per_run * 120 + storage.monthly_high_usd


def test_unscheduled_job_is_on_demand_and_platform_limits_cap_llm() -> None:
    a = _agent({"type": "job", "model": {"provider": "openai", "name": "gpt-4o"}})
    plat = _platform(limits={"maxDailyBudgetUSD": 10, "maxBudgetPerRunUSD": 1})
    e = estimate_agent(a, plat)
    assert e.on_demand and e.runs_per_month is None
    assert e.lines[0].hours_per_run == 1  # default when no guardrails.timeout
    assert e.compute_monthly_high_usd == 0
    assert e.llm.source == "platform limits"
    assert e.llm.monthly_cap_usd == Decimal(300)
    assert "on demand" in e.summary()


def test_rate_card_from_platform_is_used_and_named() -> None:
    a = _agent(
        {
            "type": "service",
            "port": 80,
            "resources": {"cpu": "1", "memory": "1Gi"},
            "scaling": {"minReplicas": 1, "maxReplicas": 1},
        }
    )
    plat = _platform(
        pricing={"compute": {"cpuHourUSD": 1, "memoryGiBHourUSD": 0.5, "name": "test card"}}
    )
    e = estimate_agent(a, plat)
    assert e.compute_monthly_low_usd == Decimal("1.5") * 720
    assert "test card" in e.summary()
    assert e.to_dict()["rateCard"]["name"] == "test card"


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("0 6 * * *", "30"),
        ("0 */6 * * *", "120"),
        ("@monthly", "0.99"),
        ("*/5 * * * *", "8640"),
        ("0 9 * * 1", "4.27"),
    ],
)
def test_runs_per_month(schedule: str, expected: str) -> None:
    assert runs_per_month(schedule) == Decimal(expected)


def test_to_dict_is_json_serialisable() -> None:
    for d in EXAMPLES.iterdir():
        if d.is_dir():
            e = estimate_agent(load_agent(d).agent)
            json.dumps(e.to_dict())


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal(0), "$0.00"),
        (Decimal("0.00002"), "<$0.0001"),
        (Decimal("0.0042"), "$0.0042"),
        (Decimal("1234.5"), "$1,234.50"),
    ],
)
def test_money_for_people(value: Decimal, text: str) -> None:
    from agentctl.cost.rates import fmt_usd

    assert fmt_usd(value) == text
