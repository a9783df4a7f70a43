"""Quality metrics from traces, each with its sample size and a Wilson 95% interval.

Definitions (docs/explanation/finops-and-evaluation.md):

- **run**: a trace with an ``invoke_agent``/``invoke_workflow`` span; its
  *agent span* is the earliest such span (the top-most one).
- **task success rate**: see :func:`run_succeeded`, the one definition that
  ``trace``, ``cost`` and ``eval`` share: an explicit outcome when the run
  has one (the agent span's ``agentctl.run.outcome``, or a task-success
  evaluation result named like ``task_success``/``task_completion``/``goal``),
  otherwise the agent span did not end in error *and* the answer did not come
  right after a failed tool call that nothing retried successfully (an
  unrecovered tool failure: the answer is the tool's error).
- **tool-use accuracy**: ``execute_tool`` calls that did not fail. A call
  naming a tool the agent does not offer, or with arguments that do not match
  the tool's schema, fails in the scaffolded runtime (``error.type``
  ``ToolNotFound``, ``ToolArgumentError``); failures are counted by
  ``error.type``. With declared tools given (the agent.yaml in scope, unless
  ``--no-declared-tools``), a call must also name one of its ``spec.tools``
  (``-`` and ``_`` are the same), or be served by a declared ``service`` tool
  (``agentctl.tool.service`` on the span).
- **guardrail adherence**: runs with no guardrail violation: no span with
  ``error.type`` ``guardrail.*`` (budgets, max steps, max tool calls,
  timeout), no ``gen_ai.guardrail.result`` event whose result is not a
  pass (``allow``, ``allowed``, ``pass``, ``passed``, ``ok``, ``none``,
  ``safe``), and, for an agent whose limits are given (:func:`apply_limits`,
  the agent.yaml in scope), no breach the traces show whatever the runtime
  reported: LLM spend over ``perRunUSD``, more model calls than
  ``maxSteps``, more ``execute_tool`` calls than ``maxToolCalls``.
- **hallucination rate**: evaluated responses (``gen_ai.evaluation.result``
  events named like hallucination, faithfulness or groundedness) that
  failed: a failing label, else a score >= 0.5 for hallucination-named and
  < 0.5 for faithfulness/groundedness-named evaluations. A response is the
  span the events are on (and its ``gen_ai.response.id`` when given): one
  evaluated by several of these counts once, failed if any of them failed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from agentctl.spans import (
    OP_EXECUTE_TOOL,
    OP_INVOKE_AGENT,
    OP_INVOKE_WORKFLOW,
    STATUS_ERROR,
    SpanRecord,
)

Z95 = 1.959963984540054
ALL_VERSIONS = "*"

EVAL_EVENT = "gen_ai.evaluation.result"
GUARDRAIL_EVENT = "gen_ai.guardrail.result"
# On execute_tool spans of tools that a declared service tool serves.
TOOL_SERVICE = "agentctl.tool.service"
# Model calls: what the runtime counts as steps against maxSteps (embeddings are not steps).
STEP_OPS = frozenset({"chat", "text_completion", "generate_content"})
# The outcome an agent may report for its run, on its invoke_agent/invoke_workflow span.
OUTCOME_ATTRIBUTE = "agentctl.run.outcome"
_OUTCOME_SUCCESS = frozenset({"success", "succeeded", "ok", "pass", "passed", "completed", "done"})
_OUTCOME_FAILURE = frozenset(
    {"failure", "failed", "fail", "error", "incomplete", "aborted", "gave_up"}
)
# Policy names of breaches, as the scaffolded runtime names them (error.type guardrail.<policy>).
BUDGET_PER_RUN = "budget_per_run"
MAX_STEPS = "max_steps"
MAX_TOOL_CALLS = "max_tool_calls"
GUARDRAIL_PASS = frozenset({"allow", "allowed", "pass", "passed", "ok", "none", "safe", "approved"})
_FAIL_LABELS = frozenset(
    {"fail", "failed", "failure", "hallucinated", "hallucination", "unfaithful", "not_faithful", "incorrect",
     "no", "false", "ungrounded", "not_grounded", "unsupported", "bad"}
)  # fmt: skip
_PASS_LABELS = frozenset(
    {"pass", "passed", "success", "faithful", "grounded", "correct", "yes", "true", "factual",
     "not_hallucinated", "supported", "good", "ok"}
)  # fmt: skip
_HALLUCINATION = re.compile(r"halluc", re.I)
_FAITHFUL = re.compile(r"faithful|grounded", re.I)
_TASK = re.compile(r"task[._ -]?(success|completion|complete)|goal", re.I)

METRICS = ("task_success_rate", "tool_use_accuracy", "guardrail_adherence", "hallucination_rate")
LABELS = {
    "task_success_rate": "task success",
    "tool_use_accuracy": "tool-use accuracy",
    "guardrail_adherence": "guardrail adherence",
    "hallucination_rate": "hallucination rate",
}
UNITS = {
    "task_success_rate": "runs",
    "tool_use_accuracy": "tool calls",
    "guardrail_adherence": "runs",
    "hallucination_rate": "evaluated responses",
}


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (0..1 when n is 0)."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Rate:
    metric: str
    k: int  # events counted by the metric (successes, or failures for the hallucination rate)
    n: int  # sample size

    @property
    def value(self) -> float | None:
        return self.k / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.k, self.n)

    def to_dict(self) -> dict[str, Any]:
        lo, hi = self.interval
        return {
            "value": round(self.value, 6) if self.value is not None else None,
            "count": self.k,
            "samples": self.n,
            "unit": UNITS[self.metric],
            "interval95": [round(lo, 6), round(hi, 6)] if self.n else None,
        }


@dataclass
class RunFacts:
    trace_id: str
    agent: str | None
    version: str | None
    ok: bool
    explicit_success: bool | None = None
    violations: list[str] = field(default_factory=list)
    steps: int = 0  # model calls (STEP_OPS spans)
    tool_calls: int = 0  # execute_tool spans
    unrecovered_tool: str | None = None  # the failed tool call the answer came right after

    @property
    def failure(self) -> str | None:
        """Why the run did not succeed (None when it did)."""
        if run_succeeded(self):
            return None
        if self.explicit_success is False:
            return "the run reported failure (agentctl.run.outcome or a task-success evaluation)"
        if not self.ok:
            return "the run ended in error"
        return f"the answer came after an unrecovered failure of tool {self.unrecovered_tool}"


def run_succeeded(run: RunFacts) -> bool:
    """Task success, the one definition (docs/explanation/finops-and-evaluation.md)."""
    if run.explicit_success is not None:
        return run.explicit_success
    return run.ok and run.unrecovered_tool is None


def outcome_of(attrs: Mapping[str, Any]) -> bool | None:
    """The explicit outcome an agent reported (``agentctl.run.outcome``), if any."""
    value = _label(dict(attrs), OUTCOME_ATTRIBUTE)
    if value in _OUTCOME_SUCCESS:
        return True
    if value in _OUTCOME_FAILURE:
        return False
    return None


@dataclass(frozen=True)
class ToolFacts:
    trace_id: str
    agent: str | None
    version: str | None
    tool: str | None
    ok: bool
    error_type: str | None = None
    service: str | None = None  # the service tool that served the call (agentctl.tool.service)


@dataclass(frozen=True)
class EvalFacts:
    trace_id: str
    agent: str | None
    version: str | None
    name: str
    failed: bool


@dataclass
class Facts:
    runs: list[RunFacts] = field(default_factory=list)
    tools: list[ToolFacts] = field(default_factory=list)
    evaluations: list[EvalFacts] = field(default_factory=list)
    limits_checked: set[str] = field(default_factory=set)  # agents whose RunLimits were applied


@dataclass(frozen=True)
class RunLimits:
    """The per-run limits of an agent (its agent.yaml ``guardrails``) that traces can show breached."""

    per_run_usd: Decimal | None = None
    max_steps: int | None = None
    max_tool_calls: int | None = None


def _str_or_none(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _norm_tool(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def _label(attrs: dict[str, Any], *keys: str) -> str | None:
    for k in keys:
        v = attrs.get(k)
        if v is not None and str(v).strip():
            return str(v).strip().lower().replace(" ", "_").replace("-", "_")
    return None


def evaluation_failed(name: str, attrs: dict[str, Any]) -> bool | None:
    """Whether an evaluation result failed (None when it says neither)."""
    label = _label(attrs, "gen_ai.evaluation.score.label")
    if label in _FAIL_LABELS:
        return True
    if label in _PASS_LABELS:
        return False
    value = attrs.get("gen_ai.evaluation.score.value")
    try:
        score = float(value) if value is not None else None
    except (TypeError, ValueError):
        score = None
    if score is None:
        return None
    if _HALLUCINATION.search(name):
        return score >= 0.5
    return score < 0.5


def guardrail_violation(attrs: dict[str, Any]) -> str | None:
    """The policy a ``gen_ai.guardrail.result`` event reports as violated, or None when it passed."""
    result = _label(attrs, "gen_ai.guardrail.result.type", "gen_ai.guardrail.result.value")
    if result is None or result in GUARDRAIL_PASS:
        return None
    return str(attrs.get("gen_ai.guardrail.policy.id") or result)


def facts_from_spans(spans: Iterable[SpanRecord]) -> Facts:
    """Runs, tool calls and evaluation results of the given spans (any order, many traces)."""
    agent_spans: dict[str, SpanRecord] = {}
    other_agent: dict[str, tuple[str | None, str | None]] = {}
    violations: dict[str, list[str]] = {}
    steps: dict[str, int] = {}
    tool_calls: dict[str, int] = {}
    tools: list[SpanRecord] = []
    last_tools: dict[str, list[SpanRecord]] = {}
    evals: list[tuple[SpanRecord, str, dict[str, Any]]] = []
    for s in spans:
        if s.operation in (OP_INVOKE_AGENT, OP_INVOKE_WORKFLOW):
            cur = agent_spans.get(s.trace_id)
            if cur is None or (s.start_unix_nano, bool(s.parent_span_id)) < (
                cur.start_unix_nano,
                bool(cur.parent_span_id),
            ):
                agent_spans[s.trace_id] = s
        elif s.agent_name and s.trace_id not in other_agent:
            other_agent[s.trace_id] = (s.agent_name, s.agent_version)
        if s.operation == OP_EXECUTE_TOOL:
            tools.append(s)
            last_tools.setdefault(s.trace_id, []).append(s)
            tool_calls[s.trace_id] = tool_calls.get(s.trace_id, 0) + 1
        elif s.operation in STEP_OPS:
            steps[s.trace_id] = steps.get(s.trace_id, 0) + 1
        if s.error_type and s.error_type.startswith("guardrail."):
            violations.setdefault(s.trace_id, []).append(s.error_type.removeprefix("guardrail."))
        for e in s.events:
            if e.name == GUARDRAIL_EVENT:
                policy = guardrail_violation(e.attributes)
                if policy:
                    violations.setdefault(s.trace_id, []).append(policy)
            elif e.name == EVAL_EVENT:
                name = str(e.attributes.get("gen_ai.evaluation.name") or "")
                evals.append((s, name, e.attributes))

    def who(trace_id: str, s: SpanRecord | None = None) -> tuple[str | None, str | None]:
        a = agent_spans.get(trace_id)
        if a is not None and a.agent_name:
            return a.agent_name, a.agent_version
        if s is not None and s.agent_name:
            return s.agent_name, s.agent_version
        return other_agent.get(trace_id, (None, None))

    facts = Facts()
    explicit: dict[str, bool] = {}
    # One response evaluated twice (an LLM judge and the groundedness check) is one response:
    # it counts once, failed if any of its evaluations failed.
    responses: dict[tuple[str, str, str], EvalFacts] = {}
    for s, name, attrs in evals:
        failed = evaluation_failed(name, attrs)
        if failed is None:
            continue
        agent, version = who(s.trace_id, s)
        if _TASK.search(name):
            explicit[s.trace_id] = explicit.get(s.trace_id, True) and not failed
        elif _HALLUCINATION.search(name) or _FAITHFUL.search(name):
            key = (s.trace_id, s.span_id, str(attrs.get("gen_ai.response.id") or ""))
            seen = responses.get(key)
            if seen is None or (failed and not seen.failed):
                responses[key] = EvalFacts(s.trace_id, agent, version, name, failed)
    facts.evaluations.extend(responses.values())
    for trace_id, a in agent_spans.items():
        agent, version = who(trace_id)
        reported = outcome_of(a.attributes)
        if reported is not None:
            explicit[trace_id] = reported
        facts.runs.append(
            RunFacts(
                trace_id,
                agent,
                version,
                a.status != STATUS_ERROR,
                explicit.get(trace_id),
                sorted(set(violations.get(trace_id, []))),
                steps.get(trace_id, 0),
                tool_calls.get(trace_id, 0),
                _unrecovered(last_tools.get(trace_id, [])),
            )
        )
    for t in tools:
        agent, version = who(t.trace_id, t)
        ok = t.status != STATUS_ERROR
        facts.tools.append(
            ToolFacts(
                t.trace_id,
                agent,
                version,
                t.tool_name,
                ok,
                None if ok else (t.error_type or "error"),
                _str_or_none(t.attributes.get(TOOL_SERVICE)),
            )
        )
    return facts


def _unrecovered(calls: list[SpanRecord]) -> str | None:
    """The tool whose failed call was the run's last, with no later successful call of it."""
    if not calls:
        return None
    last = max(calls, key=lambda s: (s.end_unix_nano, s.start_unix_nano))
    if last.status != STATUS_ERROR:
        return None
    return last.tool_name or "(unnamed)"


def apply_limits(
    facts: Facts, limits: Mapping[str, RunLimits], llm_usd: Mapping[str, Decimal]
) -> None:
    """Add the breaches of each agent's ``limits`` to its runs' violations.

    ``llm_usd`` maps a trace id to its LLM spend, priced by the cost module
    (every run whose spend may exceed its agent's ``per_run_usd``; a missing
    trace spent nothing that counts). A breach is named as the runtime names
    its guardrail (``budget_per_run``, ``max_steps``, ``max_tool_calls``), so
    a breach the runtime also reported counts once.
    """
    for r in facts.runs:
        lim = limits.get(r.agent or "")
        if lim is None:
            continue
        found: list[str] = []
        spent = llm_usd.get(r.trace_id)
        if lim.per_run_usd is not None and spent is not None and spent > lim.per_run_usd:
            found.append(BUDGET_PER_RUN)
        if lim.max_steps is not None and r.steps > lim.max_steps:
            found.append(MAX_STEPS)
        if lim.max_tool_calls is not None and r.tool_calls > lim.max_tool_calls:
            found.append(MAX_TOOL_CALLS)
        if found:
            r.violations = sorted({*r.violations, *found})
    facts.limits_checked |= set(limits)


@dataclass
class AgentMetrics:
    agent: str
    version: str  # ALL_VERSIONS for every version together
    rates: dict[str, Rate]
    undeclared_tools: dict[str, int] = field(default_factory=dict)
    tools_checked: bool = False  # declared tools enforced
    tool_errors: dict[str, int] = field(default_factory=dict)  # failed tool calls by error.type
    limits_checked: bool = False  # budget and step limits applied, not only guardrail events
    guardrail_violations: dict[str, int] = field(default_factory=dict)  # runs by violated policy

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "version": None if self.version == ALL_VERSIONS else self.version,
            "metrics": {m: r.to_dict() for m, r in self.rates.items()},
            "declaredToolsChecked": self.tools_checked,
            "undeclaredTools": dict(sorted(self.undeclared_tools.items())),
            "toolErrors": dict(sorted(self.tool_errors.items())),
            "guardrailLimitsChecked": self.limits_checked,
            "guardrailViolations": dict(sorted(self.guardrail_violations.items())),
        }


def compute_metrics(
    facts: Facts, declared: dict[str, set[str]] | None = None
) -> list[AgentMetrics]:
    """Metrics per agent (all versions, ``version == "*"``) and per agent version.

    ``declared`` (agent -> tool names) makes tool-use accuracy also require a declared tool.
    """
    declared = {a: {_norm_tool(t) for t in tools} for a, tools in (declared or {}).items()}
    groups: dict[tuple[str, str], dict[str, list[int]]] = {}
    undeclared: dict[tuple[str, str], dict[str, int]] = {}
    errors: dict[tuple[str, str], dict[str, int]] = {}
    violated: dict[tuple[str, str], dict[str, int]] = {}

    def bump(agent: str | None, version: str | None, metric: str, good: bool) -> None:
        name = agent or "(unknown)"
        for key in ((name, ALL_VERSIONS), (name, version or "(unknown)")):
            counts = groups.setdefault(key, {m: [0, 0] for m in METRICS})[metric]
            counts[0] += good
            counts[1] += 1

    for r in facts.runs:
        success = run_succeeded(r)
        bump(r.agent, r.version, "task_success_rate", success)
        bump(r.agent, r.version, "guardrail_adherence", not r.violations)
        for key in (
            (r.agent or "(unknown)", ALL_VERSIONS),
            (r.agent or "(unknown)", r.version or "(unknown)"),
        ):
            by_policy = violated.setdefault(key, {})
            for policy in r.violations:
                by_policy[policy] = by_policy.get(policy, 0) + 1
    for t in facts.tools:
        names = declared.get(t.agent or "")
        known = names is None or any(
            n is not None and _norm_tool(n) in names for n in (t.tool, t.service)
        )
        if not known:
            for key in (
                (t.agent or "(unknown)", ALL_VERSIONS),
                (t.agent or "(unknown)", t.version or "(unknown)"),
            ):
                u = undeclared.setdefault(key, {})
                u[t.tool or "(unnamed)"] = u.get(t.tool or "(unnamed)", 0) + 1
        if t.error_type:
            for key in (
                (t.agent or "(unknown)", ALL_VERSIONS),
                (t.agent or "(unknown)", t.version or "(unknown)"),
            ):
                by_type = errors.setdefault(key, {})
                by_type[t.error_type] = by_type.get(t.error_type, 0) + 1
        bump(t.agent, t.version, "tool_use_accuracy", t.ok and known)
    for e in facts.evaluations:
        bump(e.agent, e.version, "hallucination_rate", e.failed)
    out = []
    for (agent, version), counts in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1] != ALL_VERSIONS, kv[0][1])
    ):
        rates = {m: Rate(m, k, n) for m, (k, n) in counts.items()}
        out.append(
            AgentMetrics(
                agent,
                version,
                rates,
                undeclared.get((agent, version), {}),
                agent in declared,
                errors.get((agent, version), {}),
                agent in facts.limits_checked,
                violated.get((agent, version), {}),
            )
        )
    return out
