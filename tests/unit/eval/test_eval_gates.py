"""Gates from agent.yaml evaluation: pass, fail, insufficient data, version scope; comparisons."""

from __future__ import annotations

from decimal import Decimal

import pytest
from eval_spanfactory import evaluation, run

from agentctl.errors import UsageError
from agentctl.eval.gates import FAIL, INSUFFICIENT, PASS, CostPerRun, check_gates, compare_versions
from agentctl.eval.metrics import compute_metrics, facts_from_spans
from agentctl.spec.models import Agent


def _agent(evaluation_doc: dict, version: str = "1.0") -> Agent:
    return Agent.model_validate(
        {
            "apiVersion": "agentctl.dev/v1alpha1",
            "kind": "Agent",
            "metadata": {"name": "bot", "team": "t", "version": version},
            "spec": {"type": "job", "image": "ghcr.io/acme/bot:1", "evaluation": evaluation_doc},
        }
    )


def _metrics(ok: int, bad: int, version: str = "1.0"):
    spans = []
    for i in range(ok):
        spans += run(
            f"{version}ok{i}", version=version, events=[evaluation("hallucination", label="pass")]
        )
    for i in range(bad):
        spans += run(
            f"{version}ko{i}",
            version=version,
            status="error",
            events=[evaluation("hallucination", label="fail")],
        )
    return compute_metrics(facts_from_spans(spans))


def test_gate_passes_and_fails() -> None:
    metrics = _metrics(19, 1)  # 95% success, 5% hallucinated
    ok = check_gates(
        metrics, [_agent({"taskSuccessRate": {"min": 0.9}, "hallucinationRate": {"max": 0.1}})]
    )
    assert ok.ok and [r.status for r in ok.results] == [PASS, PASS]
    bad = check_gates(
        metrics, [_agent({"taskSuccessRate": {"min": 0.99}, "hallucinationRate": {"max": 0.01}})]
    )
    assert not bad.ok and [r.status for r in bad.results] == [FAIL, FAIL]
    assert "task success 95.0%" in bad.results[0].describe()
    assert "fails the gate >= 0.99" in bad.results[0].describe()


def test_too_few_samples_is_not_a_pass() -> None:
    metrics = _metrics(5, 0)  # perfect, but only 5 runs
    agent = _agent({"taskSuccessRate": {"min": 0.9, "minSamples": 20}})
    report = check_gates(metrics, [agent])
    assert not report.ok
    assert report.results[0].status == INSUFFICIENT
    assert "insufficient data (5 runs, gate needs 20)" in report.results[0].describe()
    allowed = check_gates(metrics, [agent], allow_insufficient=True)
    assert allowed.ok and allowed.results[0].status == INSUFFICIENT


def test_no_runs_at_all_is_insufficient() -> None:
    report = check_gates([], [_agent({"toolUseAccuracy": {"min": 0.5, "minSamples": 1}})])
    assert report.results[0].status == INSUFFICIENT and not report.ok


def test_gate_scope_is_the_spec_version() -> None:
    metrics = compute_metrics(facts_from_spans([s for m in ("1.0", "2.0") for s in _spans_for(m)]))
    v2 = check_gates(metrics, [_agent({"taskSuccessRate": {"min": 0.9}}, version="2.0")])
    assert v2.scopes == {"bot": "2.0"} and not v2.ok
    v1 = check_gates(
        metrics, [_agent({"taskSuccessRate": {"min": 0.9}}, version="2.0")], version="1.0"
    )
    assert v1.scopes == {"bot": "1.0"} and v1.ok


def _spans_for(version: str):
    out = []
    for i in range(20):
        out += run(f"{version}r{i}", version=version, status="ok" if version == "1.0" else "error")
    return out


def test_compare_versions() -> None:
    spans = [s for v in ("1.0", "2.0") for s in _spans_for(v)]
    metrics = compute_metrics(facts_from_spans(spans))
    costs = {
        "1.0": CostPerRun(20, Decimal("2"), Decimal("0.2")),
        "2.0": CostPerRun(20, Decimal("1"), Decimal("0.1")),
    }
    data = compare_versions(metrics, "bot", "1.0", "2.0", costs)
    task = next(r for r in data["metrics"] if r["metric"] == "task_success_rate")
    assert task["a"]["value"] == 1.0 and task["b"]["value"] == 0.0
    assert task["delta"] == -1.0 and task["intervalsOverlap"] is False
    assert (
        data["costPerRun"]["a"]["perRunUSD"] == 0.11
        and data["costPerRun"]["b"]["perRunUSD"] == 0.055
    )
    halluc = next(r for r in data["metrics"] if r["metric"] == "hallucination_rate")
    assert halluc["a"]["samples"] == 0 and halluc["intervalsOverlap"] is None


def test_compare_versions_without_runs_is_a_usage_error() -> None:
    metrics = compute_metrics(facts_from_spans(_spans_for("1.0")))
    with pytest.raises(UsageError, match=r"no runs of bot version 2\.0 in the window") as e:
        compare_versions(metrics, "bot", "1.0", "2.0")
    assert e.value.hint == "versions of bot with runs in the window: 1.0 (20 runs)"
    unversioned = compute_metrics(facts_from_spans(run("u", version="")))
    with pytest.raises(UsageError, match=r"versions 1\.0 and 2\.0") as e:
        compare_versions(unversioned, "bot", "1.0", "2.0")
    assert e.value.hint and "carry no version" in e.value.hint
