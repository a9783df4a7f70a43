"""Evaluate from traces: the per-run limits each agent is held to, and the spend of its runs.

``agentctl eval`` counts a run over its guardrails (steps, tool calls) or its
per-run budget as a guardrail breach. The budget is the one ``cost
--budget-check`` holds a run to, and the spend is priced as ``cost`` prices it,
so the two commands never disagree about a run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def guardrail_limits(
    agents: list[Any], platform: Any | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The per-run limits of each agent in scope, and their JSON description.

    The per-run budget is the tighter of the agent's ``perRunUSD`` and the
    platform limit (``platform``: the LoadedPlatform, None for the defaults).
    Agents without their agent.yaml in scope get none: only guardrail events count.
    """
    if not agents:
        return {}, {}
    from agentctl.cost.budget import budgets_for
    from agentctl.cost.rates import usd
    from agentctl.eval.metrics import RunLimits

    budgets = {
        b.agent: b.per_run
        for b in budgets_for(agents, platform.platform if platform is not None else None, ())
    }
    limits: dict[str, Any] = {}
    described: dict[str, Any] = {}
    for a in agents:
        name, g, per_run = a.metadata.name, a.spec.guardrails, budgets.get(a.metadata.name)
        limits[name] = RunLimits(per_run.usd if per_run else None, g.max_steps, g.max_tool_calls)
        described[name] = {
            "perRunUSD": usd(per_run.usd) if per_run else None,
            "perRunSource": per_run.source if per_run else None,
            "maxSteps": g.max_steps,
            "maxToolCalls": g.max_tool_calls,
        }
    return limits, described


def run_spend(limits: dict[str, Any], store: Path | None, spans: list[Any], since_ns: int,
              until_ns: int, runs: int) -> dict[str, Any]:  # fmt: skip
    """LLM spend (trace id -> USD) of the runs that may be over their per-run budget.

    From the local ``store``: the cost rollup's per-run spend that ``cost
    --budget-check`` reads. With no store (a remote source): the ``spans``
    read, priced call by call.
    """
    per_run = {
        a: float(lim.per_run_usd) for a, lim in limits.items() if lim.per_run_usd is not None
    }
    if not per_run or not runs:
        return {}
    if store is None:
        from agentctl.cost.llm import price_spans

        return {trace: cost.usd for trace, cost in price_spans(spans).traces.items()}
    if not store.exists():
        return {}
    from agentctl.telemetry.aggregates import runs_over_budget
    from agentctl.telemetry.store import TraceStore

    with TraceStore(store) as st:
        over, _ = runs_over_budget(st.connection, since_ns=since_ns, until_ns=until_ns, limits=per_run,
                                   cap=runs)  # fmt: skip
    return {trace: spent for rows in over.values() for trace, spent in rows}
