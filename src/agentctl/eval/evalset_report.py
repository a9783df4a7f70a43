"""The report of an eval-set run: per case, per metric, the spec's gates and a regression test.

- **Per case**: runs, passes, pass rate with its 95% Wilson interval, and the
  distinct reasons runs failed. A case passes when every run of it passed.
- **Per metric**: task success is the share of runs that met their case
  (:mod:`agentctl.eval.cases`); tool-use accuracy, guardrail adherence and
  hallucination rate come from the runs' traces exactly as ``agentctl eval``
  computes them from any traces.
- **Gates**: ``spec.evaluation`` applied to those metrics.
- **--compare VERSION**: against that version's last eval-set run, a one-sided
  Fisher exact test per case and over all runs: a regression is a pass rate
  lower with p below the significance level, judged only with at least the
  minimum number of runs on each side (fewer: reported as insufficient, not a
  regression).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET

from agentctl.eval.cases import CaseRun, LoadedCase, fisher_one_sided
from agentctl.eval.gates import GateReport, check_gates
from agentctl.eval.metrics import (
    ALL_VERSIONS,
    METRICS,
    AgentMetrics,
    Rate,
    RunLimits,
    apply_limits,
    compute_metrics,
    facts_from_spans,
    wilson,
)
from agentctl.spans import OP_INVOKE_AGENT, OP_INVOKE_WORKFLOW
from agentctl.xmltext import document


@dataclass
class CaseSummary:
    name: str
    file: str
    line: int
    runs: list[CaseRun]

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.runs)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and self.passed == len(self.runs)

    def reasons(self) -> list[str]:
        return list(dict.fromkeys(f for r in self.runs for f in r.failures))

    def to_dict(self) -> dict[str, Any]:
        lo, hi = wilson(self.passed, len(self.runs))
        return {
            "name": self.name,
            "file": self.file,
            "line": self.line,
            "ok": self.ok,
            "passed": self.passed,
            "runs": len(self.runs),
            "passRate": round(self.passed / len(self.runs), 6) if self.runs else None,
            "interval95": [round(lo, 6), round(hi, 6)] if self.runs else None,
            "failures": self.reasons(),
            "results": [r.to_dict() for r in self.runs],
        }


@dataclass
class EvalSetReport:
    agent: str
    version: str
    cases: list[CaseSummary]
    metrics: AgentMetrics
    gates: GateReport
    compare: dict[str, Any] | None = None
    started: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )

    @property
    def failed_cases(self) -> list[CaseSummary]:
        return [c for c in self.cases if not c.ok]

    @property
    def regressed(self) -> bool:
        return bool(self.compare and self.compare.get("regression"))

    @property
    def ok(self) -> bool:
        return not self.failed_cases and self.gates.ok and not self.regressed

    def failure_summary(self) -> str:
        parts = []
        if self.failed_cases:
            c = self.failed_cases[0]
            more = f" (and {len(self.failed_cases) - 1} more)" if len(self.failed_cases) > 1 else ""
            parts.append(
                f"case {c.name} failed {len(c.runs) - c.passed} of {len(c.runs)} runs: "
                f"{(c.reasons() or ['?'])[0]}{more}"
            )
        if not self.gates.ok:
            parts.append(f"gate failed: {self.gates.failures[0].describe()}")
        if self.regressed:
            assert self.compare is not None
            parts.append(
                f"regression against {self.compare['baseline']}: {self.compare['regression']}"
            )
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "agent": self.agent,
            "version": self.version,
            "ok": self.ok,
            "cases": [c.to_dict() for c in self.cases],
            "failedCases": [c.name for c in self.failed_cases],
            "metrics": {m: r.to_dict() for m, r in self.metrics.rates.items()},
            "toolErrors": dict(sorted(self.metrics.tool_errors.items())),
            **self.gates.to_dict(),
        }
        out["gatesOk"] = self.gates.ok
        out["ok"] = self.ok
        if self.compare is not None:
            out["compare"] = self.compare
        return out

    def record(self) -> dict[str, Any]:
        """What a later ``--compare`` needs: pass counts per case."""
        return {
            "agent": self.agent,
            "version": self.version,
            "time": self.started,
            "cases": {c.name: {"passed": c.passed, "runs": len(c.runs)} for c in self.cases},
        }


def build_report(
    agent: Any,
    cases: list[LoadedCase],
    runs: list[CaseRun],
    spans: list[Any],
    *,
    allow_insufficient: bool = True,
) -> EvalSetReport:
    name = agent.metadata.name
    by_case: dict[str, list[CaseRun]] = {}
    for r in runs:
        by_case.setdefault(r.case, []).append(r)
    summaries = [
        CaseSummary(
            c.case.name,
            c.file,
            c.line,
            sorted(by_case.get(c.case.name, []), key=lambda r: r.attempt),
        )
        for c in cases
    ]
    declared = {name: {t.name for t in agent.spec.tools}}
    facts = facts_from_spans(spans)
    g = agent.spec.guardrails
    per_run = g.budget.per_run_usd if g.budget is not None else None
    limits = RunLimits(per_run, g.max_steps, g.max_tool_calls)
    spend = {  # what the runtime counted for each run (the offline demo model is free)
        s.trace_id: Decimal(str(s.attributes.get("agentctl.run.cost_usd") or 0))
        for s in spans
        if s.operation in (OP_INVOKE_AGENT, OP_INVOKE_WORKFLOW) and not s.parent_span_id
    }
    apply_limits(facts, {name: limits}, spend)
    rows = [
        m for m in compute_metrics(facts, declared) if m.agent == name and m.version == ALL_VERSIONS
    ]
    metrics = (
        rows[0] if rows else AgentMetrics(name, ALL_VERSIONS, {m: Rate(m, 0, 0) for m in METRICS})
    )
    metrics.rates["task_success_rate"] = Rate(
        "task_success_rate", sum(r.passed for r in runs), len(runs)
    )
    gates = check_gates(
        [metrics], [agent], allow_insufficient=allow_insufficient, version=ALL_VERSIONS
    )
    return EvalSetReport(name, agent.metadata.version, summaries, metrics, gates)


def compare_runs(
    baseline: dict[str, Any], report: EvalSetReport, version: str, alpha: float, min_runs: int
) -> dict[str, Any]:
    """Per case and overall: did the pass rate fall significantly since ``baseline``?"""
    base_cases: dict[str, Any] = baseline.get("cases") or {}
    rows = []
    total = [0, 0, 0, 0]  # base passed, base runs, current passed, current runs
    regression = None
    for c in report.cases:
        b = base_cases.get(c.name)
        row: dict[str, Any] = {"case": c.name, "current": [c.passed, len(c.runs)]}
        if not isinstance(b, dict):
            row.update(status="new")
            rows.append(row)
            continue
        k1, n1 = int(b.get("passed", 0)), int(b.get("runs", 0))
        k2, n2 = c.passed, len(c.runs)
        total = [total[0] + k1, total[1] + n1, total[2] + k2, total[3] + n2]
        row["baseline"] = [k1, n1]
        row.update(_verdict(k1, n1, k2, n2, alpha, min_runs))
        if row["status"] == "regression" and regression is None:
            regression = f"case {c.name}: {k2}/{n2} passed vs {k1}/{n1} (Fisher p={row['p']:.4g})"
        rows.append(row)
    overall = _verdict(total[0], total[1], total[2], total[3], alpha, min_runs)
    overall.update(baseline=total[:2], current=total[2:])
    if overall["status"] == "regression" and regression is None:
        regression = f"all cases: {total[2]}/{total[3]} passed vs {total[0]}/{total[1]} (Fisher p={overall['p']:.4g})"
    return {
        "baseline": version,
        "baselineTime": baseline.get("time"),
        "test": "Fisher exact test, one-sided (pass rate lower than the baseline's)",
        "alpha": alpha,
        "minRunsEachSide": min_runs,
        "cases": rows,
        "overall": overall,
        "regression": regression,
    }


def _verdict(k1: int, n1: int, k2: int, n2: int, alpha: float, min_runs: int) -> dict[str, Any]:
    if n1 < min_runs or n2 < min_runs:
        return {"status": "insufficient", "p": None}
    p = fisher_one_sided(k1, n1, k2, n2)
    return {"status": "regression" if p < alpha else "ok", "p": round(p, 6)}


def to_junit(report: EvalSetReport, elapsed: float = 0.0) -> str:
    """One testsuite for the eval set, one testcase per case (and per gate)."""
    suite = ET.Element(
        "testsuite",
        name=f"agentctl eval run {report.agent}",
        tests=str(len(report.cases) + len(report.gates.results)),
        failures=str(len(report.failed_cases) + len(report.gates.failures)),
        errors="0",
        time=f"{elapsed:.3f}",
        timestamp=report.started,
    )
    for c in report.cases:
        tc = ET.SubElement(suite, "testcase", classname=c.file, name=c.name,
                           time=f"{sum(r.seconds for r in c.runs):.3f}")  # fmt: skip
        if not c.ok:
            failure = ET.SubElement(
                tc, "failure", message=f"{len(c.runs) - c.passed} of {len(c.runs)} runs failed"
            )
            failure.text = "\n".join(c.reasons())
    for g in report.gates.results:
        tc = ET.SubElement(suite, "testcase", classname="spec.evaluation", name=g.metric)
        if g not in report.gates.failures:
            continue
        ET.SubElement(tc, "failure", message=g.describe())
    if report.regressed:
        assert report.compare is not None
        tc = ET.SubElement(
            suite, "testcase", classname="compare", name=f"vs {report.compare['baseline']}"
        )
        ET.SubElement(tc, "failure", message=str(report.compare["regression"]))
    suites = ET.Element("testsuites")
    suites.append(suite)
    return document(suites, indent=False)
