"""Metric definitions on synthetic traces, with hand-counted expectations."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from eval_spanfactory import evaluation, guardrail, run

from agentctl.eval.metrics import (
    ALL_VERSIONS,
    RunLimits,
    apply_limits,
    compute_metrics,
    facts_from_spans,
    wilson,
)


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [
        (8, 10, 0.4902, 0.9433),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (45, 50, 0.7864, 0.9565),
    ],
)
def test_wilson_interval(k: int, n: int, lo: float, hi: float) -> None:
    got = wilson(k, n)
    assert got[0] == pytest.approx(lo, abs=1e-4)
    assert got[1] == pytest.approx(hi, abs=1e-4)


def test_wilson_without_samples_is_uninformative() -> None:
    assert wilson(0, 0) == (0.0, 1.0)


def _metrics(spans, declared=None):
    by = {(m.agent, m.version): m for m in compute_metrics(facts_from_spans(spans), declared)}
    return by


def test_task_success_from_status_and_explicit_evaluations() -> None:
    spans = [
        *run("a"),  # ok
        *run("b", status="unset"),  # unset counts as ended ok
        *run("c", status="error"),
        *run("d", events=[evaluation("task_success", label="fail")]),  # ok span, failed task
        *run(
            "e", status="error", events=[evaluation("task.completion", score=1.0)]
        ),  # explicit success wins
    ]
    r = _metrics(spans)[("bot", ALL_VERSIONS)].rates["task_success_rate"]
    assert (r.k, r.n) == (3, 5)
    assert r.value == pytest.approx(0.6)


def test_tool_use_accuracy_counts_failed_calls_by_error_type() -> None:
    spans = [*run("a", tools=[("calculate", "ok"), ("save_note", "unset"), ("nope", "error")])]
    spans[-1].error_type = "ToolNotFound"
    m = _metrics(spans)[("bot", ALL_VERSIONS)]
    assert (m.rates["tool_use_accuracy"].k, m.rates["tool_use_accuracy"].n) == (2, 3)
    assert m.tool_errors == {"ToolNotFound": 1}
    assert not m.tools_checked and m.undeclared_tools == {}


def test_tool_use_accuracy_with_declared_tools() -> None:
    spans = [
        *run("a", tools=[("web_search", "unset"), ("web-search", "ok"), ("calculator", "ok")]),
        *run("b", tools=[("web-search", "error")]),
    ]
    without_spec = _metrics(spans)[("bot", ALL_VERSIONS)]
    assert (
        without_spec.rates["tool_use_accuracy"].k,
        without_spec.rates["tool_use_accuracy"].n,
    ) == (3, 4)
    assert not without_spec.tools_checked
    with_spec = _metrics(spans, {"bot": {"web-search"}})[("bot", ALL_VERSIONS)]
    # web_search == web-search (declared, ok) x2; calculator undeclared; one failed call
    assert (with_spec.rates["tool_use_accuracy"].k, with_spec.rates["tool_use_accuracy"].n) == (
        2,
        4,
    )
    assert with_spec.undeclared_tools == {"calculator": 1}
    assert with_spec.tools_checked
    assert with_spec.tool_errors == {"error": 1}


def test_calls_served_by_a_declared_service_tool_are_declared() -> None:
    spans = run(
        "a", tools=[("convert_currency", "ok"), ("convert_currency", "ok"), ("calculate", "ok")]
    )
    spans[2].attributes["agentctl.tool.service"] = "currency-converter"
    spans[3].attributes["agentctl.tool.service"] = "someone-elses-service"
    m = _metrics(spans, {"bot": {"currency-converter", "calculate"}})[("bot", ALL_VERSIONS)]
    assert (m.rates["tool_use_accuracy"].k, m.rates["tool_use_accuracy"].n) == (2, 3)
    assert m.undeclared_tools == {"convert_currency": 1}


def test_guardrail_adherence() -> None:
    spans = [
        *run("a"),
        *run("b", child_error_type="guardrail.budget_per_run"),
        *run("c", events=[guardrail("blocked")]),
        *run("d", events=[guardrail("allowed")]),  # a pass is no violation
        *run(
            "e", status="error", child_error_type="TimeoutError"
        ),  # an error that is not a guardrail
    ]
    facts = facts_from_spans(spans)
    assert {r.trace_id[0]: r.violations for r in facts.runs}["b"] == ["budget_per_run"]
    assert {r.trace_id[0]: r.violations for r in facts.runs}["c"] == ["pii"]
    r = _metrics(spans)[("bot", ALL_VERSIONS)].rates["guardrail_adherence"]
    assert (r.k, r.n) == (3, 5)


def _steps(spans, n):
    """``n`` more model calls in the run of ``spans`` (one is already there)."""
    chat = spans[1]
    return [*spans, *(dataclasses.replace(chat, span_id=f"{i:016x}") for i in range(n))]


def test_guardrail_adherence_counts_breaches_the_runtime_did_not_report() -> None:
    spans = [
        *run("a", tools=[("t", "ok")]),  # within every limit
        *_steps(run("b"), 2),  # 3 model calls > maxSteps 2
        *run("c", tools=[("t", "ok")] * 4),  # 4 tool calls > maxToolCalls 3
        *run("d"),  # over perRunUSD
        *run(
            "e", child_error_type="guardrail.budget_per_run"
        ),  # the runtime stopped it: one breach
        *run("f", agent="other"),  # no limits in scope: events only
    ]
    facts = facts_from_spans(spans)
    by_id = {r.trace_id[0]: r for r in facts.runs}
    assert (by_id["b"].steps, by_id["c"].tool_calls) == (3, 4)
    limits = {"bot": RunLimits(Decimal("0.01"), 2, 3)}
    spend = {by_id["d"].trace_id: Decimal("0.02"), by_id["e"].trace_id: Decimal("0.05"),
             by_id["a"].trace_id: Decimal("0.01"), by_id["f"].trace_id: Decimal("9")}  # fmt: skip
    apply_limits(facts, limits, spend)
    assert {k: r.violations for k, r in by_id.items()} == {
        "a": [],  # at the limit is within it
        "b": ["max_steps"],
        "c": ["max_tool_calls"],
        "d": ["budget_per_run"],
        "e": ["budget_per_run"],
        "f": [],
    }
    by = {(m.agent, m.version): m for m in compute_metrics(facts)}
    bot, other = by[("bot", ALL_VERSIONS)], by[("other", ALL_VERSIONS)]
    assert (bot.rates["guardrail_adherence"].k, bot.rates["guardrail_adherence"].n) == (1, 5)
    assert bot.guardrail_violations == {"budget_per_run": 2, "max_steps": 1, "max_tool_calls": 1}
    assert bot.limits_checked and not other.limits_checked
    assert other.rates["guardrail_adherence"].value == 1.0
    d = bot.to_dict()
    assert d["guardrailLimitsChecked"] is True and d["guardrailViolations"]["max_steps"] == 1


def test_hallucination_rate() -> None:
    spans = [
        *run("a", events=[evaluation("hallucination", label="fail")]),
        *run("b", events=[evaluation("hallucination", score=0.8)]),  # likely hallucinated
        *run("c", events=[evaluation("hallucination", score=0.1)]),
        *run("d", events=[evaluation("faithfulness", score=0.9)]),
        *run("e", events=[evaluation("Groundedness", label="ungrounded")]),
        *run("f", events=[evaluation("hallucination")]),  # neither label nor score: not counted
        *run("g", events=[evaluation("relevance", score=0.0)]),  # another evaluation: not counted
    ]
    r = _metrics(spans)[("bot", ALL_VERSIONS)].rates["hallucination_rate"]
    assert (r.k, r.n) == (3, 5)


def test_a_response_evaluated_twice_counts_once() -> None:
    """A judge's verdict and the groundedness check on one answer are one evaluated response,
    failed if either failed; answers with their own response ids stay separate."""
    spans = [
        # both pass: one response, not failed
        *run(
            "a",
            events=[evaluation("hallucination", score=0.1), evaluation("groundedness", score=1.0)],
        ),
        # the judge passes, groundedness fails: one response, failed
        *run(
            "b",
            events=[
                evaluation("hallucination", score=0.0),
                evaluation("groundedness", label="ungrounded"),
            ],
        ),
        # the judge fails first, groundedness passes: still one failed response
        *run(
            "c",
            events=[
                evaluation("hallucination", label="fail"),
                evaluation("groundedness", score=1.0),
            ],
        ),
    ]
    r = _metrics(spans)[("bot", ALL_VERSIONS)].rates["hallucination_rate"]
    assert (r.k, r.n) == (2, 3)

    two = run(
        "d", events=[evaluation("groundedness", score=1.0), evaluation("groundedness", score=0.0)]
    )
    for i, e in enumerate(two[1].events):
        e.attributes["gen_ai.response.id"] = f"resp-{i}"
    r = _metrics(two)[("bot", ALL_VERSIONS)].rates["hallucination_rate"]
    assert (r.k, r.n) == (1, 2)


def test_per_agent_and_version() -> None:
    spans = [
        *run("a", version="1.0"),
        *run("b", version="2.0", status="error"),
        *run("c", agent="other"),
    ]
    by = _metrics(spans)
    assert by[("bot", ALL_VERSIONS)].rates["task_success_rate"].n == 2
    assert by[("bot", "1.0")].rates["task_success_rate"].value == 1.0
    assert by[("bot", "2.0")].rates["task_success_rate"].value == 0.0
    assert ("other", ALL_VERSIONS) in by
    d = by[("bot", "2.0")].to_dict()
    assert d["metrics"]["task_success_rate"]["samples"] == 1
    assert d["metrics"]["task_success_rate"]["interval95"][1] == pytest.approx(0.7935, abs=1e-4)
    assert d["metrics"]["hallucination_rate"]["interval95"] is None  # no samples


def test_run_agent_is_the_topmost_agent_span() -> None:
    outer = run("a", agent="planner")
    inner = run("a", agent="researcher", status="error", start=outer[0].start_unix_nano + 5)
    inner[0].parent_span_id = outer[0].span_id
    facts = facts_from_spans([*inner, *outer])
    assert len(facts.runs) == 1 and facts.runs[0].agent == "planner" and facts.runs[0].ok


def test_task_success_is_one_definition_for_answers_built_on_tool_errors() -> None:
    from agentctl.eval.metrics import facts_from_spans, run_succeeded

    failed_last = run("a1", tools=[("search", "ok"), ("calc", "error")])
    recovered = run("a2", tools=[("calc", "error"), ("calc", "ok")])
    for spans in (failed_last, recovered):  # tool calls one after the other
        for i, s in enumerate(spans[2:]):
            s.start_unix_nano += 10 * i
            s.end_unix_nano += 10 * i
    reported = run("a3", tools=[("calc", "error")])
    reported[0].attributes["agentctl.run.outcome"] = "success"  # the agent says it coped
    gave_up = run("a4")
    gave_up[0].attributes["agentctl.run.outcome"] = "failure"
    facts = facts_from_spans([*failed_last, *recovered, *reported, *gave_up])
    by_trace = {r.trace_id[:2]: r for r in facts.runs}
    assert not run_succeeded(by_trace["a1"])
    assert "unrecovered failure of tool calc" in (by_trace["a1"].failure or "")
    assert run_succeeded(by_trace["a2"])
    assert run_succeeded(by_trace["a3"])
    assert not run_succeeded(by_trace["a4"]) and "reported failure" in (
        by_trace["a4"].failure or ""
    )
