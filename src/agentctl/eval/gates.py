"""Quality gates from agent.yaml ``evaluation:``, and version comparisons.

A gate compares the metric's point estimate with ``min``/``max``. With fewer
than ``minSamples`` samples the gate reports *insufficient data*, which is
not a pass: it fails unless insufficient data is explicitly allowed.

Each agent is gated on the runs of its spec's version (``metadata.version``)
when the traces carry versions, else on all its runs; ``version`` overrides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from agentctl.errors import UsageError
from agentctl.eval.metrics import ALL_VERSIONS, LABELS, METRICS, UNITS, AgentMetrics, Rate

PASS = "pass"
FAIL = "fail"
INSUFFICIENT = "insufficient-data"


@dataclass(frozen=True)
class GateResult:
    agent: str
    version: str
    metric: str
    minimum: float | None
    maximum: float | None
    min_samples: int
    rate: Rate
    status: str
    counted_as: str  # pass | fail (what the status means for the exit code)

    @property
    def passed(self) -> bool:
        return self.counted_as == PASS

    def describe(self) -> str:
        where = self.agent if self.version == ALL_VERSIONS else f"{self.agent}@{self.version}"
        label = LABELS[self.metric]
        bound = f">= {self.minimum:g}" if self.minimum is not None else ""
        if self.maximum is not None:
            bound = f"{bound} and " if bound else ""
            bound += f"<= {self.maximum:g}"
        if self.status == INSUFFICIENT:
            return (
                f"{where}: {label}: insufficient data ({self.rate.n} {UNITS[self.metric]}, "
                f"gate needs {self.min_samples})"
            )
        lo, hi = self.rate.interval
        value = self.rate.value or 0.0
        verdict = "passes" if self.status == PASS else "fails"
        return f"{where}: {label} {value:.1%} (95% CI {lo:.1%}-{hi:.1%}, n={self.rate.n}) {verdict} the gate {bound}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "version": None if self.version == ALL_VERSIONS else self.version,
            "metric": self.metric,
            "min": self.minimum,
            "max": self.maximum,
            "minSamples": self.min_samples,
            **self.rate.to_dict(),
            "status": self.status,
            "countedAs": self.counted_as,
            "message": self.describe(),
        }


@dataclass
class GateReport:
    results: list[GateResult] = field(default_factory=list)
    scopes: dict[str, str] = field(default_factory=dict)  # agent -> version gated ("*" = all)

    @property
    def ok(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failures(self) -> list[GateResult]:
        return [r for r in self.results if not r.passed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "scopes": {a: (None if v == ALL_VERSIONS else v) for a, v in self.scopes.items()},
            "gates": [r.to_dict() for r in self.results],
        }


def _scope(agent: str, spec_version: str, metrics: list[AgentMetrics], override: str | None) -> str:
    versions = {m.version for m in metrics if m.agent == agent}
    if override:
        return override
    if spec_version in versions:
        return spec_version
    traced = versions - {ALL_VERSIONS, "(unknown)"}
    return ALL_VERSIONS if not traced else spec_version


def check_gates(
    metrics: list[AgentMetrics],
    agents: Iterable[Any],
    *,
    allow_insufficient: bool = False,
    version: str | None = None,
) -> GateReport:
    """Apply each agent's ``spec.evaluation`` gates to its metrics."""
    report = GateReport()
    for a in agents:
        evaluation = a.spec.evaluation
        if evaluation is None:
            continue
        name = a.metadata.name
        scope = _scope(name, a.metadata.version, metrics, version)
        report.scopes[name] = scope
        found = next((m for m in metrics if m.agent == name and m.version == scope), None)
        for metric in METRICS:
            gate = getattr(evaluation, metric)
            if gate is None:
                continue
            rate = found.rates[metric] if found is not None else Rate(metric, 0, 0)
            if rate.n < gate.min_samples or rate.value is None:
                status = INSUFFICIENT
                counted = PASS if allow_insufficient else FAIL
            else:
                ok = (gate.min is None or rate.value >= gate.min) and (
                    gate.max is None or rate.value <= gate.max
                )
                status = counted = PASS if ok else FAIL
            report.results.append(
                GateResult(
                    name, scope, metric, gate.min, gate.max, gate.min_samples, rate, status, counted
                )
            )
    return report


@dataclass(frozen=True)
class CostPerRun:
    runs: int
    llm_usd: Decimal
    compute_usd: Decimal

    @property
    def per_run_usd(self) -> Decimal | None:
        return (self.llm_usd + self.compute_usd) / self.runs if self.runs else None


def compare_versions(
    metrics: list[AgentMetrics],
    agent: str,
    version_a: str,
    version_b: str,
    costs: Mapping[str, CostPerRun] | None = None,
) -> dict[str, Any]:
    """The metrics and cost per run of two versions of an agent, side by side.

    ``overlap`` is False when the two 95% intervals are disjoint (a difference
    the samples support), True when the samples cannot tell them apart.
    A version without runs leaves nothing to compare: :class:`UsageError`
    naming it and the versions that have runs.
    """
    by_version = {m.version: m for m in metrics if m.agent == agent}
    missing = [v for v in dict.fromkeys((version_a, version_b)) if v not in by_version]
    if missing:
        raise _nothing_to_compare(agent, missing, by_version)
    rows = []
    for metric in METRICS:
        a, b = by_version[version_a].rates[metric], by_version[version_b].rates[metric]
        delta = b.value - a.value if a.value is not None and b.value is not None else None
        overlap = None
        if a.n and b.n:
            (alo, ahi), (blo, bhi) = a.interval, b.interval
            overlap = not (ahi < blo or bhi < alo)
        rows.append(
            {
                "metric": metric,
                "a": a.to_dict(),
                "b": b.to_dict(),
                "delta": round(delta, 6) if delta is not None else None,
                "intervalsOverlap": overlap,
            }
        )
    cost: dict[str, Any] = {}
    for key, v in (("a", version_a), ("b", version_b)):
        c = (costs or {}).get(v)
        per = c.per_run_usd if c is not None else None
        cost[key] = {
            "runs": c.runs if c else 0,
            "perRunUSD": float(round(per, 6)) if per is not None else None,
            "llmUSD": float(round(c.llm_usd, 6)) if c else None,
            "computeUSD": float(round(c.compute_usd, 6)) if c else None,
        }
    return {
        "agent": agent,
        "versionA": version_a,
        "versionB": version_b,
        "metrics": rows,
        "costPerRun": cost,
    }


def _nothing_to_compare(
    agent: str, missing: list[str], by_version: Mapping[str, AgentMetrics]
) -> UsageError:
    which = (
        f"version {missing[0]}" if len(missing) == 1 else f"versions {missing[0]} and {missing[1]}"
    )
    seen = {v: m.rates["task_success_rate"].n for v, m in by_version.items() if v != ALL_VERSIONS}
    named = {v: n for v, n in seen.items() if v != "(unknown)"}
    if named:
        runs = ", ".join(f"{v} ({n} run{'' if n == 1 else 's'})" for v, n in sorted(named.items()))
        hint = f"versions of {agent} with runs in the window: {runs}"
    elif seen:
        hint = f"the runs of {agent} in the window carry no version (gen_ai.agent.version)"
    else:
        hint = f"{agent} has no runs in the window: widen --since/--until, or check --agent"
    return UsageError(
        f"--compare: no runs of {agent} {which} in the window: nothing to compare", hint=hint
    )
