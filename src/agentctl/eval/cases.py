"""Eval sets: cases in ``evals/*.yaml``, what each expects, and how a run is judged against it.

A file holds ``cases``; a case is an input (and, for job and workflow agents,
parameters) and its expectations::

    cases:
      - name: converts-usd-to-eur
        input: convert 100 USD to EUR
        params: {}                       # job: AGENT_PARAMS; workflow: its parameters
        expect:
          tools: [convert_currency]      # the tool trajectory
          toolOrder: in-order            # in-order (default) | exact | any
          toolArgs:                      # argument subsets, per tool
            convert_currency: {from_currency: USD}
          answer:
            contains: [EUR]
            notContains: [error]
            regex: '\\d+\\.\\d+'
            jsonSchema: {type: object, required: [amount]}
            judge:                       # scored by `eval run --judge MODEL`
              rubric: The answer states the amount in EUR with two decimals.
              minScore: 0.7              # default 0.5
          maxSteps: 4                    # model calls
          maxToolCalls: 4
          maxCostUSD: 0.01
          maxSeconds: 60

A run passes when every expectation holds, its agent span did not end in
error, and none of its tool calls failed unrecovered (see
:func:`run_outcome`). This is the meaning of *task success* for eval-set runs.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agentctl.errors import SpecError
from agentctl.spans import (
    OP_EXECUTE_TOOL,
    OP_INVOKE_AGENT,
    OP_INVOKE_WORKFLOW,
    STATUS_ERROR,
    SpanRecord,
)
from agentctl.spec.yamlsafe import Located

MAX_CASES = 1000


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class JudgeExpect(_Model):
    """The answer, scored 0..1 against a rubric by the ``--judge`` model, must reach ``minScore``."""

    rubric: str = Field(min_length=1, max_length=4000)
    min_score: float = Field(default=0.5, alias="minScore", ge=0, le=1)


class AnswerExpect(_Model):
    contains: list[str] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list, alias="notContains")
    regex: str | None = None
    json_schema: dict[str, Any] | None = Field(default=None, alias="jsonSchema")
    judge: JudgeExpect | None = None

    @field_validator("json_schema")
    @classmethod
    def _compiles(cls, schema: dict[str, Any] | None) -> dict[str, Any] | None:
        if schema is not None:
            _compile_schema(schema)  # an invalid schema is the evalset's error, found at load
        return schema


# (rubric, the case's input, the answer) -> (score 0..1, the judge's reason); ValueError when
# the judge's reply is no verdict
RubricJudge = Callable[[str, str, str], tuple[float, str]]


class Expect(_Model):
    tools: list[str] | None = None
    tool_order: Literal["in-order", "exact", "any"] = Field(default="in-order", alias="toolOrder")
    tool_args: dict[str, dict[str, Any]] = Field(default_factory=dict, alias="toolArgs")
    answer: AnswerExpect = Field(default_factory=AnswerExpect)
    max_steps: int | None = Field(default=None, alias="maxSteps", ge=0)
    max_tool_calls: int | None = Field(default=None, alias="maxToolCalls", ge=0)
    max_cost_usd: float | None = Field(default=None, alias="maxCostUSD", ge=0)
    max_seconds: float | None = Field(default=None, alias="maxSeconds", gt=0)


class Case(_Model):
    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    input: str = ""
    params: dict[str, str] = Field(default_factory=dict)
    expect: Expect = Field(default_factory=Expect)


class EvalSet(_Model):
    cases: list[Case] = Field(min_length=1, max_length=MAX_CASES)


@dataclass(frozen=True)
class LoadedCase:
    case: Case
    file: str
    line: int


def parse_eval_set(doc: Located) -> list[LoadedCase]:
    """The cases of one parsed file; every problem reported with its line and field."""
    try:
        parsed = EvalSet.model_validate(doc.data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = tuple(err["loc"])
            problems.append(doc.problem(path, err["msg"], key=err["type"] == "extra_forbidden"))
        raise SpecError(problems) from None
    out = []
    seen: dict[str, int] = {}
    for i, case in enumerate(parsed.cases):
        line, _ = doc.position(("cases", i))
        if case.name in seen:
            raise SpecError(
                [doc.problem(("cases", i, "name"), f"duplicate case name {case.name!r}")]
            )
        seen[case.name] = i
        if case.expect.answer.regex is not None:
            try:
                re.compile(case.expect.answer.regex)
            except re.error as err:
                raise SpecError(
                    [
                        doc.problem(
                            ("cases", i, "expect", "answer", "regex"), f"invalid regex: {err}"
                        )
                    ]
                ) from None
        out.append(LoadedCase(case, doc.file, line))
    return out


# ------------------------------------------------------------------------------------------------
# Judging one run


@dataclass
class RunObservation:
    """What one run of a case did, as its trace and its answer show it."""

    ok: bool  # the invocation itself succeeded (HTTP 2xx, exit 0)
    answer: Any
    spans: list[SpanRecord]
    seconds: float
    reason: str = ""


@dataclass
class CaseRun:
    case: str
    attempt: int
    passed: bool
    failures: list[str] = field(default_factory=list)
    trace_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cost_usd: float = 0.0
    steps: int = 0
    tools: list[str] = field(default_factory=list)
    judge_score: float | None = None
    judge_reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        extra = {} if self.judge_score is None else {"judgeScore": round(self.judge_score, 4)}
        return {
            **extra,
            "attempt": self.attempt,
            "passed": self.passed,
            "failures": self.failures,
            "traceIds": self.trace_ids,
            "seconds": round(self.seconds, 3),
            "costUSD": round(self.cost_usd, 8),
            "steps": self.steps,
            "tools": self.tools,
        }


def _tool_arguments(span: SpanRecord) -> Any:
    value = span.attributes.get("gen_ai.tool.call.arguments")
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _subset(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(_subset(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if (
        isinstance(expected, (int, float))
        and isinstance(actual, (int, float))
        and not isinstance(expected, bool)
    ):
        return math.isclose(float(expected), float(actual), rel_tol=1e-9, abs_tol=1e-12)
    return bool(expected == actual or (isinstance(actual, str) and str(expected) == actual))


def _is_subsequence(wanted: list[str], calls: list[str]) -> bool:
    it = iter(calls)
    return all(any(c == w for c in it) for w in wanted)


def _norm(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def answer_text(answer: Any) -> str:
    if answer is None:
        return ""
    return (
        answer
        if isinstance(answer, str)
        else json.dumps(answer, ensure_ascii=False, sort_keys=True)
    )


def run_outcome(spans: list[SpanRecord]) -> tuple[bool, str]:
    """Task success of a production run: see docs/explanation/finops-and-evaluation.md."""
    from agentctl.eval.metrics import facts_from_spans, run_succeeded

    facts = facts_from_spans(spans)
    if not facts.runs:
        return False, "no agent span in the trace"
    for r in facts.runs:
        if not run_succeeded(r):
            return False, r.failure or "the run failed"
    return True, ""


def judge(
    case: Case, obs: RunObservation, attempt: int, rubric_judge: RubricJudge | None = None
) -> CaseRun:
    """Whether one run met its case's expectations, and which ones it missed.

    ``rubric_judge`` scores the answer of a case with ``expect.answer.judge``
    (the caller refuses such a case without one); a run that failed is not sent.
    """
    e = case.expect
    failures: list[str] = []
    if not obs.ok:
        failures.append(f"the run failed: {obs.reason or 'no answer'}")
    spans = obs.spans
    tool_spans = sorted(
        (s for s in spans if s.operation == OP_EXECUTE_TOOL), key=lambda s: s.start_unix_nano
    )
    calls = [_norm(s.tool_name or "") for s in tool_spans]
    steps = sum(1 for s in spans if s.operation in ("chat", "text_completion", "generate_content"))
    cost = sum(
        float(s.attributes.get("agentctl.run.cost_usd") or 0)
        for s in spans
        if s.operation in (OP_INVOKE_AGENT, OP_INVOKE_WORKFLOW)
    )
    if obs.ok and spans:
        ok, why = run_outcome(spans)
        if not ok:
            failures.append(why)
    if e.tools is not None:
        wanted = [_norm(t) for t in e.tools]
        if e.tool_order == "exact":
            good = calls == wanted
        elif e.tool_order == "in-order":
            good = _is_subsequence(wanted, calls)
        else:
            good = all(calls.count(t) >= wanted.count(t) for t in set(wanted))
        if not good:
            failures.append(f"expected tools {wanted} ({e.tool_order}), called {calls or 'none'}")
        for tool in dict.fromkeys(wanted):
            mine = [s for s in tool_spans if _norm(s.tool_name or "") == tool]
            if mine and all(s.status == STATUS_ERROR for s in mine):
                kinds = sorted({s.error_type or "error" for s in mine})
                failures.append(f"every call of {tool} failed ({', '.join(kinds)})")
    for tool, args in e.tool_args.items():
        matching = [s for s in tool_spans if _norm(s.tool_name or "") == _norm(tool)]
        if not any(_subset(args, _tool_arguments(s)) for s in matching):
            seen = [_tool_arguments(s) for s in matching]
            failures.append(f"no call of {tool} with arguments {json.dumps(args, sort_keys=True)}"
                            + (f" (called with {json.dumps(seen, sort_keys=True, default=str)[:200]})" if seen else ""))  # fmt: skip
    text = answer_text(obs.answer)
    for needle in e.answer.contains:
        if needle.lower() not in text.lower():
            failures.append(f"answer does not contain {needle!r}")
    for needle in e.answer.not_contains:
        if needle.lower() in text.lower():
            failures.append(f"answer contains {needle!r}")
    if e.answer.regex is not None and not re.search(e.answer.regex, text):
        failures.append(f"answer does not match /{e.answer.regex}/")
    if e.answer.json_schema is not None:
        failures += _schema_failures(e.answer.json_schema, obs.answer)
    score, reason = None, ""
    if e.answer.judge is not None and obs.ok and rubric_judge is not None:
        try:
            score, reason = rubric_judge(e.answer.judge.rubric, case.input, text)
        except ValueError as err:
            failures.append(f"the judge gave no usable verdict ({err})")
        else:
            if score < e.answer.judge.min_score:
                failures.append(
                    f"the judge scored the answer {score:.2f}, below minScore "
                    f"{e.answer.judge.min_score:g}" + (f": {reason}" if reason else "")
                )
    if e.max_steps is not None and steps > e.max_steps:
        failures.append(f"{steps} model calls, more than maxSteps {e.max_steps}")
    if e.max_tool_calls is not None and len(calls) > e.max_tool_calls:
        failures.append(f"{len(calls)} tool calls, more than maxToolCalls {e.max_tool_calls}")
    if e.max_cost_usd is not None and cost > e.max_cost_usd:
        failures.append(f"cost ${cost:.6f}, more than maxCostUSD {e.max_cost_usd}")
    if e.max_seconds is not None and obs.seconds > e.max_seconds:
        failures.append(f"took {obs.seconds:.1f}s, more than maxSeconds {e.max_seconds:g}")
    trace_ids = list(dict.fromkeys(s.trace_id for s in spans))
    return CaseRun(
        case.name,
        attempt,
        not failures,
        failures,
        trace_ids,
        obs.seconds,
        cost,
        steps,
        calls,
        score,
        reason,
    )


def _refuse_remote(uri: str) -> Any:
    raise ValueError(f"{uri} is not fetched: an evalset's schema is whole in the file")


def _compile_schema(schema: dict[str, Any]) -> Any:
    """A validator for ``schema``; ValueError (its first line) when it is not a valid schema or
    refers to anything outside itself: a ``$ref`` to a URL or a file is never fetched, so an
    evalset cannot make a CI runner send requests or read local files."""
    import jsonschema_rs

    try:
        return jsonschema_rs.validator_for(schema, retriever=_refuse_remote)
    except Exception as exc:  # the binding raises its ValidationError, or others for odd input
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ValueError(f"not a valid JSON schema: {first}") from None


def _schema_failures(schema: dict[str, Any], answer: Any) -> list[str]:
    value = answer
    if isinstance(answer, str):
        try:
            value = json.loads(answer)
        except ValueError:
            return ["answer is not JSON (expect.answer.jsonSchema)"]
    try:
        validator = _compile_schema(schema)
    except ValueError as exc:
        return [f"expect.answer.jsonSchema is {exc}"]
    errors = [e.message for e in validator.iter_errors(value)]
    return [f"answer does not match its JSON schema: {errors[0]}"] if errors else []


# ------------------------------------------------------------------------------------------------
# Statistics


def fisher_one_sided(k1: int, n1: int, k2: int, n2: int) -> float:
    """P(a result at least as bad for sample 2) under equal pass rates: Fisher's exact test.

    ``k1`` of ``n1`` baseline runs passed, ``k2`` of ``n2`` current runs passed;
    small p means the current pass rate is lower than the baseline's.
    """
    total_pass = k1 + k2
    n = n1 + n2
    denom = math.comb(n, total_pass)
    if denom == 0:
        return 1.0
    lo = max(0, total_pass - n1)
    return sum(math.comb(n2, x) * math.comb(n1, total_pass - x) for x in range(lo, k2 + 1)) / denom
