"""The cost report: LLM and compute spend with breakdowns, from pre-aggregated rows.

Pure: the SQL that produces :class:`UsageGroup`, :class:`ComputeGroup` and
:class:`RunRow` lives in ``agentctl.telemetry.aggregates``; OpenCost rows
come from ``agentctl.telemetry.opencost``.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from agentctl.cost.compute import compute_usd, requests_for, run_compute_usd
from agentctl.cost.llm import STATUS_FREE, STATUS_PRICED, STATUS_UNPRICED, Usage, UsageGroup
from agentctl.cost.prices import Pricer
from agentctl.cost.rates import RateCard, usd

NS_PER_DAY = 86400 * 10**9
UNKNOWN = "(unknown)"


def day_label(day: int) -> str:
    return (_dt.date(1970, 1, 1) + _dt.timedelta(days=day)).isoformat()


@dataclass(frozen=True, slots=True)
class ComputeGroup:
    """Runs (root spans) of one agent on one UTC day with one resource."""

    day: int
    agent: str | None
    version: str | None
    team: str | None
    resource: Mapping[str, Any]
    runs: int
    run_ns: int  # summed root span durations


@dataclass(frozen=True, slots=True)
class RunRow:
    trace_id: str
    agent: str | None
    version: str | None
    team: str | None
    start_ns: int
    end_ns: int
    status: str  # the trace's: error when any of its spans errored (traces.summary)
    resource: Mapping[str, Any]
    llm_usd: float
    llm_calls: int = 0
    unpriced_calls: int = 0
    tokens: int = 0


@dataclass(frozen=True, slots=True)
class Allocation:
    """Compute cost of one agent over one window, from OpenCost."""

    agent: str
    start_ns: int
    end_ns: int
    cpu_usd: Decimal
    ram_usd: Decimal
    pv_usd: Decimal
    total_usd: Decimal


@dataclass
class Line:
    """One row of a breakdown."""

    key: str
    llm_usd: Decimal = Decimal(0)
    compute_usd: Decimal = Decimal(0)
    calls: int = 0
    unpriced_calls: int = 0
    free_calls: int = 0
    runs: int = 0
    usage: Usage = field(default_factory=Usage)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total_usd(self) -> Decimal:
        return self.llm_usd + self.compute_usd

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            **self.extra,
            "llmUSD": usd(self.llm_usd),
            "computeUSD": usd(self.compute_usd),
            "totalUSD": usd(self.total_usd),
            "runs": self.runs,
            "calls": self.calls,
            "unpricedCalls": self.unpriced_calls,
            "freeCalls": self.free_calls,
            "tokens": self.usage.to_dict(),
        }


@dataclass
class TopRun:
    trace_id: str
    agent: str | None
    version: str | None
    team: str | None
    start_ns: int
    duration_s: float
    status: str
    llm_usd: Decimal
    compute_usd: Decimal
    llm_calls: int
    unpriced_calls: int
    requests_source: str

    @property
    def total_usd(self) -> Decimal:
        return self.llm_usd + self.compute_usd

    def to_dict(self) -> dict[str, Any]:
        return {
            "traceId": self.trace_id,
            "agent": self.agent,
            "version": self.version,
            "team": self.team,
            "start": _dt.datetime.fromtimestamp(self.start_ns / 1e9, tz=_dt.UTC).isoformat(),
            "durationSeconds": round(self.duration_s, 3),
            "status": self.status,
            "llmUSD": usd(self.llm_usd),
            "computeUSD": usd(self.compute_usd),
            "totalUSD": usd(self.total_usd),
            "llmCalls": self.llm_calls,
            "unpricedCalls": self.unpriced_calls,
            "requestsFrom": self.requests_source,
        }


@dataclass
class CostReport:
    since_ns: int
    until_ns: int
    price_data: str
    rate_card: RateCard
    compute_source: str
    total: Line
    by_agent: list[Line]
    by_model: list[Line]
    by_team: list[Line]
    by_version: list[Line]
    by_day: list[Line]
    top_runs: list[TopRun]
    unpriced: list[Line]
    free: Line | None
    daily_llm_by_agent: dict[tuple[str, str], Decimal] = field(
        default_factory=dict
    )  # (agent, day) -> USD
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        def iso(ns: int) -> str:
            return _dt.datetime.fromtimestamp(ns / 1e9, tz=_dt.UTC).isoformat()

        return {
            "window": {"since": iso(self.since_ns), "until": iso(self.until_ns)},
            "priceData": self.price_data,
            "rateCard": self.rate_card.to_dict(),
            "computeSource": self.compute_source,
            "total": self.total.to_dict(),
            "byAgent": [x.to_dict() for x in self.by_agent],
            "byModel": [x.to_dict() for x in self.by_model],
            "byTeam": [x.to_dict() for x in self.by_team],
            "byVersion": [x.to_dict() for x in self.by_version],
            "byDay": [x.to_dict() for x in self.by_day],
            "topRuns": [r.to_dict() for r in self.top_runs],
            "unpriced": [x.to_dict() for x in self.unpriced],
            "offlineDemo": self.free.to_dict() if self.free else None,
            "notes": list(self.notes),
        }


def _k(value: str | None) -> str:
    return value or UNKNOWN


def build_report(
    *,
    since_ns: int,
    until_ns: int,
    usage_groups: Iterable[UsageGroup],
    compute_groups: Iterable[ComputeGroup],
    top_runs: Iterable[RunRow],
    pricer: Pricer,
    card: RateCard,
    specs: Mapping[str, Any] | None = None,
    allocations: Iterable[Allocation] | None = None,
    compute_source: str = "runs x requests",
    expand: Callable[[UsageGroup], Iterable[tuple[Usage, _dt.datetime]]] | None = None,
    top: int = 10,
) -> CostReport:
    """Price the usage groups per day, cost the runs and build every breakdown."""
    total = Line("total")
    agents: dict[str, Line] = {}
    models: dict[tuple[str, str], Line] = {}
    teams: dict[str, Line] = {}
    versions: dict[tuple[str, str], Line] = {}
    days: dict[int, Line] = {}
    unpriced: dict[tuple[str, str], Line] = {}
    free: Line | None = None
    daily_llm: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    agent_team: dict[str, str] = {}

    def lines_for(
        agent: str | None,
        version: str | None,
        team: str | None,
        day: int,
        *,
        with_version: bool = True,
    ) -> list[Line]:
        a, t = _k(agent), _k(team)
        if team:
            agent_team.setdefault(a, team)
        # Lines are made on first sight only: 600 day-groups reach a few dozen lines.
        if (by_agent := agents.get(a)) is None:
            by_agent = agents[a] = Line(a)
        if (by_team := teams.get(t)) is None:
            by_team = teams[t] = Line(t)
        if (by_day := days.get(day)) is None:
            label = day_label(day)
            by_day = days[day] = Line(label, extra={"day": label})
        out = [total, by_agent, by_team, by_day]
        if with_version:  # OpenCost allocations carry no version
            v = _k(version)
            if (by_version := versions.get((a, v))) is None:
                by_version = versions[(a, v)] = Line(f"{a}@{v}", extra={"agent": a, "version": v})
            out.append(by_version)
        return out

    # Token sums of the lines, added up as numbers and made Usage once at the end (a
    # frozen Usage per line per day-group was a fifth of the report's Python time).
    usage_sums: dict[int, tuple[Line, list[int]]] = {}
    for g in usage_groups:
        price = pricer.price_group(g, expand)
        prov, mod = _k(g.provider), _k(g.model)
        if (model_line := models.get((prov, mod))) is None:
            model_line = models[(prov, mod)] = Line(
                f"{prov}/{mod}", extra={"provider": prov, "model": mod}
            )
        targets = [*lines_for(g.agent, g.version, g.team, g.day), model_line]
        tokens = (g.usage.input, g.usage.output, g.usage.cache_read, g.usage.cache_write,
                  g.usage.reasoning)  # fmt: skip
        for ln in targets:
            ln.calls += g.calls
            if (acc := usage_sums.get(id(ln))) is None:
                usage_sums[id(ln)] = (ln, [*tokens])
            else:
                for i, n in enumerate(tokens):
                    acc[1][i] += n
            if price.status == STATUS_PRICED and price.usd is not None:
                ln.llm_usd += price.usd
            elif price.status == STATUS_UNPRICED:
                ln.unpriced_calls += g.calls
            elif price.status == STATUS_FREE:
                ln.free_calls += g.calls
        if price.status == STATUS_PRICED and price.usd is not None:
            daily_llm[(_k(g.agent), day_label(g.day))] += price.usd
            model_line.extra["status"] = "priced"
        elif price.status == STATUS_UNPRICED:
            u = unpriced.setdefault(
                (prov, mod),
                Line(
                    f"{prov}/{mod}", extra={"provider": prov, "model": mod, "reason": price.reason}
                ),
            )
            u.calls += g.calls
            u.unpriced_calls += g.calls
            u.usage = u.usage + g.usage
            model_line.extra.setdefault("status", "unpriced")
        elif price.status == STATUS_FREE:
            free = free or Line("offline-demo (free)", extra={"provider": "offline-demo"})
            free.calls += g.calls
            free.free_calls += g.calls
            free.usage = free.usage + g.usage
            model_line.extra["status"] = "offline-demo (free)"

    for ln, sums in usage_sums.values():
        ln.usage = ln.usage + Usage(*sums)
    notes: list[str] = []
    allocs = list(allocations) if allocations is not None else None
    # Hourly rates by (resource, agent): the day-groups of a run's shape share them. The
    # resource is kept with its rate so that its id() is not reused while cached.
    hourly: dict[tuple[int, str | None], tuple[Mapping[str, Any], Decimal]] = {}
    for c in compute_groups:
        targets = lines_for(c.agent, c.version, c.team, c.day)
        cost = Decimal(0)
        if allocs is None:
            key = (id(c.resource), c.agent)
            if (known := hourly.get(key)) is None:
                req = requests_for(c.resource, c.agent, specs)
                known = hourly[key] = (c.resource, card.hourly(req.cpu, req.memory_gib))
            cost = compute_usd(c.run_ns, known[1])
        for ln in targets:
            ln.runs += c.runs
            ln.compute_usd += cost
    if allocs is not None:
        for al in allocs:
            a = None if al.agent.startswith("__") else al.agent  # __unallocated__, __idle__
            for ln in lines_for(
                a, None, agent_team.get(_k(a)), al.start_ns // NS_PER_DAY, with_version=False
            ):
                ln.compute_usd += al.total_usd
        notes.append(
            "compute cost from OpenCost allocations (by agent label); per-version compute not available"
        )

    ranked: list[TopRun] = []
    for r in top_runs:
        req = requests_for(r.resource, r.agent, specs)
        compute = (
            Decimal(0) if allocs is not None else run_compute_usd(r.end_ns - r.start_ns, req, card)
        )
        ranked.append(
            TopRun(
                trace_id=r.trace_id,
                agent=r.agent,
                version=r.version,
                team=r.team,
                start_ns=r.start_ns,
                duration_s=max(0, r.end_ns - r.start_ns) / 1e9,
                status=r.status,
                llm_usd=Decimal(repr(r.llm_usd)),
                compute_usd=compute,
                llm_calls=r.llm_calls,
                unpriced_calls=r.unpriced_calls,
                requests_source=req.source if allocs is None else "opencost",
            )
        )
    ranked.sort(key=lambda x: (-x.total_usd, x.trace_id))

    def by_cost(lines: Iterable[Line]) -> list[Line]:
        return sorted(lines, key=lambda x: (-x.total_usd, x.key))

    for a, ln in agents.items():
        ln.extra.setdefault("team", agent_team.get(a))
    return CostReport(
        since_ns=since_ns,
        until_ns=until_ns,
        price_data=pricer.data_version,
        rate_card=card,
        compute_source=compute_source,
        total=total,
        by_agent=by_cost(agents.values()),
        by_model=sorted(models.values(), key=lambda x: (-x.llm_usd, -x.calls, x.key)),
        by_team=by_cost(teams.values()),
        by_version=by_cost(versions.values()),
        by_day=[days[d] for d in sorted(days)],
        top_runs=ranked[:top],
        unpriced=sorted(unpriced.values(), key=lambda x: (-x.calls, x.key)),
        free=free,
        daily_llm_by_agent=dict(daily_llm),
        notes=notes,
    )
