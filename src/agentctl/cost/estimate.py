"""Projected monthly cost of an agent from its spec, before anything is deployed.

``estimate_agent(agent, platform)`` is what ``agentctl build`` prints and what
``agentctl cost --estimate`` reports. The rules (docs/explanation/finops-and-evaluation.md):

- Pods are billed on their *requests* (cpu, memory) for the time they exist,
  at the platform's rate card; a month is 30 days (720 h).
- service/stateful agents run ``minReplicas..maxReplicas`` all month (a spec
  without ``scaling`` gets the defaults, 1..3); each ``kind: service`` tool is
  its own Deployment, estimated the same way.
- job/workflow agents cost per run: every pod for its whole timeout (an upper
  bound). Jobs use ``guardrails.timeout`` (1h when unset); workflow steps use
  their ``timeout``, else the run's limit (``workflow.deadline``, or
  ``guardrails.timeout`` when shorter), and a ``forEach`` step counts
  ``parallelism`` pods. Runs per month come from ``schedule`` (parsed as Kubernetes does, its fires in a year counted);
  without a schedule, runs are on demand and only the per-run figure is known.
- ``memory`` volumes are billed per GiB-month: one PVC per replica for
  stateful agents, one PVC otherwise.
- LLM spend is bounded by the budget caps: ``dailyUSD x 30`` (and, for a
  scheduled agent, ``perRunUSD x runs``), falling back to the platform limits
  when the agent sets no budget.
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from agentctl.cost.rates import DAYS_PER_MONTH, HOURS_PER_MONTH, RateCard, cpu, gib, usd
from agentctl.spec import units

if TYPE_CHECKING:
    from agentctl.spec.cron import Schedule

DEFAULT_JOB_TIMEOUT_S = 3600
# A fixed, ordinary year to count cron fires in, so estimates are reproducible.
_CRON_EPOCH = _dt.datetime(2025, 1, 1, tzinfo=_dt.UTC)
_CRON_YEAR_DAYS = 365
_CRON_MAX_FIRES = 400


@dataclass
class Line:
    """One workload's share of the estimate."""

    name: str
    kind: str  # deployment | statefulset | tool-deployment | job | workflow-step | storage
    cpu: Decimal = Decimal(0)  # cores requested per pod
    memory_gib: Decimal = Decimal(0)  # GiB requested per pod
    replicas_min: int | None = None
    replicas_max: int | None = None
    pods_per_run: int | None = None
    hours_per_run: Decimal | None = None
    storage_gib: Decimal | None = None
    per_run_usd: Decimal | None = None
    monthly_low_usd: Decimal = Decimal(0)
    monthly_high_usd: Decimal = Decimal(0)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.kind != "storage":
            out["cpu"] = float(self.cpu)
            out["memoryGiB"] = float(self.memory_gib)
        for key, value in (
            ("replicasMin", self.replicas_min),
            ("replicasMax", self.replicas_max),
            ("podsPerRun", self.pods_per_run),
        ):
            if value is not None:
                out[key] = value
        if self.hours_per_run is not None:
            out["hoursPerRun"] = float(self.hours_per_run)
        if self.storage_gib is not None:
            out["storageGiB"] = float(self.storage_gib)
        if self.per_run_usd is not None:
            out["perRunUSD"] = usd(self.per_run_usd)
        out["monthlyLowUSD"] = usd(self.monthly_low_usd)
        out["monthlyHighUSD"] = usd(self.monthly_high_usd)
        return out


@dataclass
class LlmCaps:
    """The most the agent may spend on model calls, from its budgets."""

    provider: str | None
    model: str | None
    per_run_usd: Decimal | None
    daily_usd: Decimal | None
    monthly_cap_usd: Decimal | None
    source: str  # "agent guardrails" | "platform limits" | "agent guardrails + platform limits" | "no model"

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "model": self.model,
            "perRunUSD": usd(self.per_run_usd),
            "dailyUSD": usd(self.daily_usd),
            "monthlyCapUSD": usd(self.monthly_cap_usd),
            "source": self.source,
        }


@dataclass
class Estimate:
    agent: str
    team: str
    version: str
    type: str
    rate_card: RateCard
    lines: list[Line]
    llm: LlmCaps
    schedule: str | None = None
    runs_per_month: Decimal | None = None
    compute_per_run_usd: Decimal | None = None
    assumptions: list[str] = field(default_factory=list)

    @property
    def compute_monthly_low_usd(self) -> Decimal:
        return sum((ln.monthly_low_usd for ln in self.lines), Decimal(0))

    @property
    def compute_monthly_high_usd(self) -> Decimal:
        return sum((ln.monthly_high_usd for ln in self.lines), Decimal(0))

    @property
    def on_demand(self) -> bool:
        """A job/workflow without a schedule: monthly compute depends on how often it is run."""
        return self.compute_per_run_usd is not None and self.runs_per_month is None

    @property
    def total_monthly_low_usd(self) -> Decimal:
        return self.compute_monthly_low_usd

    @property
    def total_monthly_high_usd(self) -> Decimal:
        return self.compute_monthly_high_usd + (self.llm.monthly_cap_usd or Decimal(0))

    def summary(self) -> str:
        """One line for build output, e.g. ``compute $8.10-$24.30/month + LLM cap $1,500.00/month``."""
        from agentctl.cost.rates import fmt_usd

        lo, hi = self.compute_monthly_low_usd, self.compute_monthly_high_usd
        compute = fmt_usd(lo) if lo == hi else f"{fmt_usd(lo)}-{fmt_usd(hi)}"
        text = f"compute {compute}/month"
        if self.on_demand:
            text += f" + {fmt_usd(self.compute_per_run_usd)}/run (on demand)"
        elif self.runs_per_month is not None:
            text += f" ({_num(self.runs_per_month)} runs)"
        if self.llm.monthly_cap_usd is not None:
            text += f" + LLM cap {fmt_usd(self.llm.monthly_cap_usd)}/month"
        return f"{text} [{self.rate_card.name}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "team": self.team,
            "version": self.version,
            "type": self.type,
            "rateCard": self.rate_card.to_dict(),
            "daysPerMonth": DAYS_PER_MONTH,
            "schedule": self.schedule,
            "runsPerMonth": float(self.runs_per_month) if self.runs_per_month is not None else None,
            "onDemand": self.on_demand,
            "compute": {
                "perRunUSD": usd(self.compute_per_run_usd),
                "monthlyLowUSD": usd(self.compute_monthly_low_usd),
                "monthlyHighUSD": usd(self.compute_monthly_high_usd),
                "lines": [ln.to_dict() for ln in self.lines],
            },
            "llm": self.llm.to_dict(),
            "total": {
                "monthlyLowUSD": usd(self.total_monthly_low_usd),
                "monthlyHighUSD": usd(self.total_monthly_high_usd),
            },
            "assumptions": list(self.assumptions),
        }


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


@functools.lru_cache(maxsize=1024)
def runs_per_month(schedule: str) -> Decimal:
    """Average runs in a 30-day month of a cron schedule (counted over a year, UTC).

    The fires are counted from the parsed fields (``fires``): no cron iterator
    walks the calendar. Cached: a monorepo shares a handful of schedules across
    hundreds of agents.
    """
    from agentctl.spec import cron

    parsed = cron.parse(schedule)
    if parsed.every_seconds is not None:
        per = Decimal(DAYS_PER_MONTH * 86400) / Decimal(str(parsed.every_seconds))
        return per.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if parsed.never:
        return Decimal(0)
    times = fires(parsed, _CRON_MAX_FIRES)
    if len(times) == _CRON_MAX_FIRES:
        # Frequent schedule: the rate over the first fires is the rate.
        count, span_s = _CRON_MAX_FIRES - 1, times[-1]
    else:
        count, span_s = len(times), _CRON_YEAR_DAYS * 86400
    if count <= 0 or span_s <= 0:
        return Decimal(0)
    per_month = Decimal(count) * Decimal(DAYS_PER_MONTH * 86400) / Decimal(span_s)
    return per_month.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def fires(parsed: Schedule, limit: int) -> list[int]:
    """The first ``limit`` fires of a five-field schedule in the counting year, in
    seconds from its start (UTC, so every day has 24 hours).

    A day fires as robfig/cron (Kubernetes) decides: when day-of-month or
    day-of-week is ``*``, both must match; when both are restricted, either
    does. On a firing day every listed hour and minute fires, in order.
    """
    minute, hour, dom, month, dow = parsed.fields
    minutes = sorted(minute) if minute is not None else range(60)
    hours = sorted(hour) if hour is not None else range(24)
    either = dom is not None and dow is not None
    per_day = [h * 3600 + m * 60 for h in hours for m in minutes]
    out: list[int] = []
    first = _CRON_EPOCH.date()
    weekday = first.isoweekday() % 7  # Sunday is 0, as in cron
    for offset in range(_CRON_YEAR_DAYS):
        day = first + _dt.timedelta(days=offset)
        if month is None or day.month in month:
            on_dom = dom is None or day.day in dom
            on_dow = dow is None or (weekday + offset) % 7 in dow
            if (on_dom or on_dow) if either else (on_dom and on_dow):
                base = offset * 86400
                out.extend(base + t for t in per_day[: limit - len(out)])
                if len(out) >= limit:
                    break
    return out


def _hours(seconds: int) -> Decimal:
    return Decimal(seconds) / Decimal(3600)


def _replicas(scaling: Any | None) -> tuple[int, int]:
    if scaling is None:
        from agentctl.spec import fast

        scaling = fast.spec_object("Scaling", {})
    return scaling.min_replicas, scaling.max_replicas


def _long_running(name: str, kind: str, resources: Any, scaling: Any, card: RateCard) -> Line:
    lo, hi = _replicas(scaling)
    c, m = cpu(resources.cpu), gib(resources.memory)
    pod_month = card.hourly(c, m) * HOURS_PER_MONTH
    return Line(
        name=name,
        kind=kind,
        cpu=c,
        memory_gib=m,
        replicas_min=lo,
        replicas_max=hi,
        monthly_low_usd=pod_month * lo,
        monthly_high_usd=pod_month * hi,
    )


def _run_line(
    name: str, kind: str, resources: Any, pods: int, seconds: int, card: RateCard
) -> Line:
    c, m = cpu(resources.cpu), gib(resources.memory)
    hours = _hours(seconds)
    return Line(
        name=name,
        kind=kind,
        cpu=c,
        memory_gib=m,
        pods_per_run=pods,
        hours_per_run=hours,
        per_run_usd=card.hourly(c, m) * hours * pods,
    )


def _llm_caps(agent: Any, platform: Any, runs: Decimal | None) -> LlmCaps:
    spec = agent.spec
    model = spec.model
    budget = spec.guardrails.budget
    limits = platform.limits
    sources = set()
    per_run = budget.per_run_usd
    if per_run is None:
        per_run = limits.max_budget_per_run_usd
        sources.add("platform limits")
    else:
        sources.add("agent guardrails")
    daily = budget.daily_usd
    if daily is None:
        daily = limits.max_daily_budget_usd
        sources.add("platform limits")
    else:
        sources.add("agent guardrails")
    if model is None:
        return LlmCaps(None, None, None, None, None, "no model")
    caps = [Decimal(daily) * DAYS_PER_MONTH]
    if runs is not None:
        caps.append(Decimal(per_run) * runs)
    source = " + ".join(s for s in ("agent guardrails", "platform limits") if s in sources)
    return LlmCaps(model.provider, model.name, Decimal(per_run), Decimal(daily), min(caps), source)


def estimate_agent(
    agent: Any, platform: Any | None = None, *, runs: Decimal | float | None = None
) -> Estimate:
    """Project the monthly cost of ``agent`` (an ``Agent``) under ``platform``'s rate card.

    ``runs`` overrides the runs per month of a job/workflow agent (default:
    from its schedule; none for an unscheduled one).
    """
    from agentctl.spec import fast
    from agentctl.spec.shapes import AgentType

    platform = platform if platform is not None else fast.default_platform()
    card = RateCard.from_platform(platform)
    spec = agent.spec
    name = agent.metadata.name
    lines: list[Line] = []
    notes: list[str] = [
        f"rate card: {card.name}",
        f"a month is {DAYS_PER_MONTH} days ({HOURS_PER_MONTH} h); pods are billed on requests, not usage",
    ]
    per_run: Decimal | None = None
    rpm: Decimal | None = Decimal(str(runs)) if runs is not None else None

    if spec.type in (AgentType.service, AgentType.stateful):
        kind = "statefulset" if spec.type is AgentType.stateful else "deployment"
        lines.append(_long_running(name, kind, spec.resources, spec.scaling, card))
        if spec.scaling is None:
            notes.append("no spec.scaling: the default 1..3 replicas")
        rpm = None
    elif spec.type is AgentType.job:
        timeout = spec.guardrails.timeout
        seconds = units.parse_duration(timeout) if timeout else DEFAULT_JOB_TIMEOUT_S
        if not timeout:
            notes.append("no guardrails.timeout: a run is assumed to take at most 1h")
        lines.append(_run_line(name, "job", spec.resources, 1, seconds, card))
        notes.append("per run: the pod for its whole timeout (an upper bound)")
    else:
        wf = spec.workflow
        limit = units.parse_duration(wf.deadline)
        if spec.guardrails.timeout:
            limit = min(limit, units.parse_duration(spec.guardrails.timeout))
        for step in wf.steps:
            seconds = min(units.parse_duration(step.timeout), limit) if step.timeout else limit
            pods = step.for_each.parallelism if step.for_each else 1
            res = step.resources or spec.resources
            lines.append(
                _run_line(f"{name}/{step.name}", "workflow-step", res, pods, seconds, card)
            )
        notes.append(
            "per run: each step's pods for their whole timeout (else the run's deadline); "
            "forEach steps count one wave of `parallelism` pods; retries and Argo's own pods are not counted"
        )

    for tool in spec.tools:
        if tool.kind == "service":
            res = tool.resources or fast.spec_object("Resources", {})
            lines.append(
                _long_running(f"{name}-{tool.name}", "tool-deployment", res, tool.scaling, card)
            )

    if spec.type in (AgentType.job, AgentType.workflow):
        per_run = sum(
            (ln.per_run_usd or Decimal(0) for ln in lines if ln.per_run_usd is not None), Decimal(0)
        )
        if rpm is None and spec.schedule:
            rpm = runs_per_month(spec.schedule)
            notes.append(f"schedule {spec.schedule!r}: {_num(rpm)} runs per 30-day month (UTC)")
        if rpm is not None:
            for ln in lines:
                if ln.per_run_usd is not None:
                    ln.monthly_low_usd = ln.monthly_high_usd = ln.per_run_usd * rpm
        else:
            notes.append("no schedule: runs on demand, monthly compute = per-run cost x runs")

    if spec.memory is not None:
        size = gib(spec.memory.size)
        if spec.type is AgentType.stateful:
            lo, hi = _replicas(spec.scaling)
            lo = max(lo, 1)
            notes.append("memory: one PVC per replica (PVCs outlive scale-down)")
        else:
            lo = hi = 1
        month = size * card.storage_gib_month
        lines.append(
            Line(
                name=f"{name}-memory",
                kind="storage",
                storage_gib=size,
                replicas_min=lo,
                replicas_max=hi,
                monthly_low_usd=month * lo,
                monthly_high_usd=month * hi,
            )
        )

    llm = _llm_caps(
        agent, platform, rpm if spec.type in (AgentType.job, AgentType.workflow) else None
    )
    if llm.source != "no model":
        notes.append(f"LLM: at most the budget caps ({llm.source}), not a forecast of usage")
    return Estimate(
        agent=name,
        team=agent.metadata.team,
        version=agent.metadata.version,
        type=spec.type.value,
        rate_card=card,
        lines=lines,
        llm=llm,
        schedule=spec.schedule,
        runs_per_month=rpm,
        compute_per_run_usd=per_run,
        assumptions=notes,
    )
