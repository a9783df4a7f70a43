"""Budget checks: LLM spend against agent.yaml budgets and the platform limits.

Budgets guard model spend (what an agent's ``guardrails.budget`` caps at run
time): a *per-run* limit for each run (trace) and a *daily* limit for each
UTC day. The tighter of the agent's own budget and the platform limit
applies; every agent seen in the window is held to the platform limits even
without its agent.yaml in scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from agentctl.cost.rates import fmt_usd, usd

SOURCE_AGENT = "agent.yaml"
SOURCE_PLATFORM = "platform limits"


@dataclass(frozen=True, slots=True)
class Limit:
    usd: Decimal
    source: str  # agent.yaml | platform limits


@dataclass(frozen=True, slots=True)
class AgentBudget:
    agent: str
    per_run: Limit | None
    daily: Limit | None


@dataclass(frozen=True, slots=True)
class Breach:
    agent: str
    kind: str  # per-run | daily
    key: str  # trace id or UTC day
    limit: Decimal
    actual: Decimal
    source: str

    def describe(self) -> str:
        what = f"run {self.key}" if self.kind == "per-run" else f"day {self.key}"
        return (
            f"{self.agent}: {what} spent {fmt_usd(self.actual)} on LLM calls, "
            f"over its {self.kind} budget of {fmt_usd(self.limit)} ({self.source})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "kind": self.kind,
            "key": self.key,
            "limitUSD": usd(self.limit),
            "actualUSD": usd(self.actual),
            "source": self.source,
            "message": self.describe(),
        }


@dataclass
class BudgetResult:
    budgets: list[AgentBudget]
    breaches: list[Breach] = field(default_factory=list)
    runs_over: dict[str, int] = field(
        default_factory=dict
    )  # agent -> runs over the per-run limit (all)

    @property
    def ok(self) -> bool:
        return not self.breaches

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "budgets": [
                {
                    "agent": b.agent,
                    "perRunUSD": usd(b.per_run.usd) if b.per_run else None,
                    "perRunSource": b.per_run.source if b.per_run else None,
                    "dailyUSD": usd(b.daily.usd) if b.daily else None,
                    "dailySource": b.daily.source if b.daily else None,
                    "runsOverPerRun": self.runs_over.get(b.agent, 0),
                }
                for b in self.budgets
            ],
            "breaches": [b.to_dict() for b in self.breaches],
        }


def _tighter(own: Decimal | None, platform: Decimal | None) -> Limit | None:
    if own is None and platform is None:
        return None
    if platform is None or (own is not None and Decimal(own) <= Decimal(platform)):
        return Limit(Decimal(own), SOURCE_AGENT)  # type: ignore[arg-type]
    return Limit(Decimal(platform), SOURCE_PLATFORM)


def budgets_for(
    agents: Iterable[Any], platform: Any | None, seen: Iterable[str]
) -> list[AgentBudget]:
    """The budget of every agent in scope (``Agent`` models) and every agent ``seen`` in the window."""
    limits = platform.limits if platform is not None else None
    p_run = limits.max_budget_per_run_usd if limits is not None else None
    p_day = limits.max_daily_budget_usd if limits is not None else None
    out: dict[str, AgentBudget] = {}
    for a in agents:
        b = a.spec.guardrails.budget
        out[a.metadata.name] = AgentBudget(
            a.metadata.name, _tighter(b.per_run_usd, p_run), _tighter(b.daily_usd, p_day)
        )
    for name in seen:
        if name not in out:
            out[name] = AgentBudget(name, _tighter(None, p_run), _tighter(None, p_day))
    return [out[k] for k in sorted(out)]


def check_budgets(
    budgets: list[AgentBudget],
    daily_llm: Mapping[tuple[str, str], Decimal],
    runs_over: Mapping[str, list[tuple[str, Decimal]]],
    runs_over_count: Mapping[str, int] | None = None,
) -> BudgetResult:
    """Name every breach.

    ``daily_llm`` maps (agent, UTC day) to LLM spend; ``runs_over`` maps an
    agent to (trace id, LLM spend) of its runs above its per-run limit (the
    most expensive first, possibly capped), ``runs_over_count`` to how many
    there are in all.
    """
    result = BudgetResult(budgets=budgets)
    for b in budgets:
        if b.daily is not None:
            for (agent, day), spent in sorted(daily_llm.items()):
                if agent == b.agent and spent > b.daily.usd:
                    result.breaches.append(
                        Breach(agent, "daily", day, b.daily.usd, spent, b.daily.source)
                    )
        if b.per_run is not None:
            runs = [(t, s) for t, s in runs_over.get(b.agent, []) if s > b.per_run.usd]
            for trace_id, spent in runs:
                result.breaches.append(
                    Breach(b.agent, "per-run", trace_id, b.per_run.usd, spent, b.per_run.source)
                )
            count = (runs_over_count or {}).get(b.agent, len(runs))
            if count:
                result.runs_over[b.agent] = count
    return result
