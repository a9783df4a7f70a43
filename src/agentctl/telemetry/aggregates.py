"""SQL aggregates over the trace store for ``agentctl cost`` and budget checks.

The SQL lives in :mod:`agentctl.telemetry.rollup`; this module turns its rows
into a :class:`agentctl.cost.report.CostReport` with the pure cost logic.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from agentctl.cost.prices import Pricer
from agentctl.cost.report import RunRow
from agentctl.spans import SpanEvent, SpanRecord
from agentctl.telemetry.rollup import CostRollup
from agentctl.telemetry.store_sql import damage_sql


def top_runs(
    rollup: CostRollup,
    since_ns: int,
    until_ns: int,
    agent: str | None,
    n: int,
    run_usd: Any,
    max_usd_per_ns: float,
) -> list[RunRow]:
    """The ``n`` runs with the highest LLM + compute cost, exactly, without costing every run.

    ``run_usd(row) -> float`` is a run's total. Candidates are the top K runs
    by LLM cost and the top K by duration; any other run costs at most
    ``K-th LLM cost + K-th duration x max_usd_per_ns``, so when the n-th
    candidate is above that bound the answer is exact; otherwise K grows.
    """
    if n <= 0:
        return []
    k = max(4 * n, 50)
    walk = rollup.window_share(since_ns, until_ns) > 0.2
    while True:
        by_llm = rollup.runs(
            since_ns, until_ns, agent, order="llm_usd", limit=k, by_order_index=walk
        )
        by_dur = rollup.runs(
            since_ns, until_ns, agent, order="duration", limit=k, by_order_index=walk
        )
        cands = {r.trace_id: r for r in (*by_llm, *by_dur)}
        ranked = sorted(cands.values(), key=lambda r: (-run_usd(r), r.trace_id))
        if len(by_llm) < k or len(by_dur) < k:
            return ranked[:n]  # every run in the window was a candidate
        bound = by_llm[-1].llm_usd + (by_dur[-1].end_ns - by_dur[-1].start_ns) * max_usd_per_ns
        if len(ranked) >= n and run_usd(ranked[n - 1]) >= bound:
            return ranked[:n]
        k *= 4


def cost_report(
    conn: sqlite3.Connection,
    *,
    since_ns: int,
    until_ns: int,
    agent: str | None = None,
    card: Any,
    specs: dict[str, Any] | None = None,
    allocations: list[Any] | None = None,
    compute_source: str = "runs x requests",
    top: int = 10,
    pricer: Pricer | None = None,
) -> Any:
    """The full :class:`agentctl.cost.report.CostReport` for a window of the store."""
    from decimal import Decimal

    from agentctl.cost.compute import requests_for
    from agentctl.cost.report import build_report

    pricer = pricer or Pricer()
    rollup = CostRollup(conn, pricer)
    rollup.refresh(since_ns=since_ns, until_ns=until_ns)
    usage = rollup.usage_groups(since_ns, until_ns, agent)
    compute = rollup.compute_groups(since_ns, until_ns, agent)

    per_ns: dict[tuple[str | None, str], float] = {}
    # The same resource dict comes back for every group and run of one resource row:
    # known by id() (the dict kept alive next to its rate) before serialising it.
    by_id: dict[tuple[int, str | None], tuple[Any, float]] = {}

    def rate(resource: Any, name: str | None) -> float:
        known = by_id.get((id(resource), name))
        if known is not None:
            return known[1]
        key = (name, json.dumps(resource, sort_keys=True, default=str))
        if key not in per_ns:
            req = requests_for(resource, name, specs)
            per_ns[key] = float(req.usd_per_second(card) / Decimal(10**9))
        by_id[(id(resource), name)] = (resource, per_ns[key])
        return per_ns[key]

    if allocations is None:
        max_rate = max([rate(c.resource, c.agent) for c in compute] or [0.0])

        def run_usd(r: RunRow) -> float:
            return r.llm_usd + (r.end_ns - r.start_ns) * rate(r.resource, r.agent)
    else:
        max_rate = 0.0

        def run_usd(r: RunRow) -> float:
            return r.llm_usd

    runs = top_runs(rollup, since_ns, until_ns, agent, top, run_usd, max_rate)
    report = build_report(
        since_ns=since_ns,
        until_ns=until_ns,
        usage_groups=usage,
        compute_groups=compute,
        top_runs=runs,
        pricer=pricer,
        card=card,
        specs=specs,
        allocations=allocations,
        compute_source=compute_source,
        expand=rollup.expand,
        top=top,
    )
    rollup.cache.flush()
    return report


def runs_over_budget(
    conn: sqlite3.Connection,
    *,
    since_ns: int,
    until_ns: int,
    limits: dict[str, float],
    pricer: Pricer | None = None,
    cap: int = 20,
) -> tuple[dict[str, list[tuple[str, Any]]], dict[str, int]]:
    """Per agent: the (trace id, LLM USD) of its most expensive runs above its limit, and how many there are."""
    from decimal import Decimal

    rollup = CostRollup(conn, pricer or Pricer())
    rollup.refresh(since_ns=since_ns, until_ns=until_ns)
    runs: dict[str, list[tuple[str, Any]]] = {}
    counts: dict[str, int] = {}
    for agent, limit in limits.items():
        rows = rollup.runs(since_ns, until_ns, agent, order="llm_usd", limit=cap, min_llm_usd=limit)
        if rows:
            runs[agent] = [(r.trace_id, Decimal(repr(r.llm_usd))) for r in rows]
            counts[agent] = rollup.count_runs(since_ns, until_ns, agent, limit)
    return runs, counts


_EVAL_SQL = """SELECT trace_id, span_id, parent_span_id, name, start_ns, end_ns, status, agent_name,
  agent_version, operation, tool_name, error_type, events,
  CASE WHEN operation = 'execute_tool' AND attributes LIKE '%agentctl.tool.service%'
       THEN json_extract(attributes, '$."agentctl.tool.service"') END,
  CASE WHEN operation IN ('invoke_agent', 'invoke_workflow') AND attributes LIKE '%agentctl.run.outcome%'
       THEN json_extract(attributes, '$."agentctl.run.outcome"') END,
  {damaged}
FROM spans WHERE start_ns >= ? AND start_ns < ?{agent}
  AND (operation IN ('invoke_agent', 'invoke_workflow', 'execute_tool', 'chat', 'text_completion',
                     'generate_content') OR error_type LIKE 'guardrail.%'
       OR (events IS NOT NULL AND (events LIKE '%gen_ai.evaluation.result%' OR events LIKE '%gen_ai.guardrail.result%')))"""


# The columns of a span evaluation reads, checked for damage (attributes where it reads them)
_EVAL_READS = ("trace_id", "span_id", "parent_span_id", "name", "start_ns", "end_ns", "status",
               "agent_name", "agent_version", "operation", "tool_name", "error_type", "events")  # fmt: skip


def _eval_events(conn: sqlite3.Connection, r: Any) -> list[SpanEvent]:
    if not r[12]:
        return []
    try:
        return [SpanEvent(e[0], e[1], e[2] or {}) for e in json.loads(r[12])]
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        from agentctl.telemetry.store import damaged_store, span_damage

        raise damaged_store(conn, span_damage(r[0], r[1], f"events: {exc}")) from None


def eval_spans(
    conn: sqlite3.Connection, *, since_ns: int, until_ns: int, agent: str | None = None
) -> Iterator[SpanRecord]:
    """The spans evaluation reads (agent, tool, model-call and guardrail spans, spans with
    evaluation or guardrail events): model and tool calls are counted against maxSteps and
    maxToolCalls.

    Light records: no resource, events only where present, and of the attributes only
    ``agentctl.tool.service`` (the declared service tool that served a tool call) and
    ``agentctl.run.outcome`` (the outcome an agent reported for its run).
    """
    from agentctl.telemetry.store import check_span_starts

    check_span_starts(conn)
    params: list[Any] = [since_ns, until_ns]
    where = ""
    if agent is not None:
        where = " AND trace_id IN (SELECT trace_id FROM spans WHERE start_ns >= ? AND start_ns < ? AND coalesce(agent_name, service_name) = ?)"
        params += [since_ns, until_ns, agent]
    try:
        rows = conn.execute(_EVAL_SQL.format(agent=where, damaged=damage_sql(_EVAL_READS)), params)
        for r in rows:
            if r[15]:
                from agentctl.telemetry.store import check_spans

                check_spans(conn, _EVAL_READS, "trace_id = ? AND span_id = ?", (r[0], r[1]))
            yield _eval_record(conn, r)
    except sqlite3.OperationalError as exc:
        if "JSON" not in str(exc):
            raise
        from agentctl.telemetry.store import check_spans, damaged_store

        # the attributes json_extract read: name the span whose attributes are not JSON
        check_spans(conn, ("attributes",), "start_ns >= ? AND start_ns < ? AND attributes LIKE "
                    "'%agentctl.%'", (since_ns, until_ns))  # fmt: skip
        raise damaged_store(conn, f"spans: {exc}") from None


def _eval_record(conn: sqlite3.Connection, r: Any) -> SpanRecord:
    events = _eval_events(conn, r)
    return SpanRecord(
        trace_id=r[0], span_id=r[1], parent_span_id=r[2], name=r[3], kind=0, start_unix_nano=r[4],
        end_unix_nano=r[5], status=r[6], agent_name=r[7], agent_version=r[8], operation=r[9],
        tool_name=r[10], error_type=r[11], events=events,
        attributes={k: v for k, v in (("agentctl.tool.service", r[13]), ("agentctl.run.outcome", r[14]))
                    if v is not None},
    )  # fmt: skip
