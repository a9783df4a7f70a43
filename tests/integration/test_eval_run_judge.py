"""agentctl eval run --judge: cases with a rubric are scored by an OpenAI-compatible judge.

The judge is a loopback chat-completions server; the agent runs offline.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli

pytestmark = pytest.mark.slow

KEY = "sk-judge-" + "k" * 24
RUBRIC = "The answer gives the converted amount in EUR."


def project_with_rubric(tmp_path: Path) -> Path:
    made = run_cli("init", "rates", "-t", "tool-service", "--no-input", "-d", str(tmp_path))
    assert made.exit_code == 0, made.stderr
    project = tmp_path / "rates"
    (project / "evals" / "judged.yaml").write_text(
        "cases:\n"
        "  - name: judged-conversion\n"
        "    input: convert 100 USD to EUR\n"
        "    expect:\n"
        "      tools: [convert_currency]\n"
        "      answer:\n"
        f"        judge: {{rubric: {RUBRIC}, minScore: 0.7}}\n"
    )
    return project


def eval_run(project: Path, store: Path, *extra: str):
    return run_cli("eval", "run", str(project), "--store", str(store), "--case",
                   "judged-conversion", *extra)  # fmt: skip


def test_a_rubric_is_scored_by_the_judge_with_its_cost_and_the_key_stays_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.openai_server import FakeOpenAI

    project = project_with_rubric(tmp_path)
    store = tmp_path / "traces.db"
    monkeypatch.setenv("MY_JUDGE_KEY", KEY)
    with FakeOpenAI() as fake:
        judge = ["--judge", "gpt-4.1-mini-2025-04-14", "--judge-url", fake.base_url,
                 "--judge-key-env", "MY_JUDGE_KEY"]  # fmt: skip
        fake.reply = '{"score": 0.9, "reason": "gives 92 EUR"}'
        good = eval_run(project, store, *judge, "-o", "json")
        fake.reply = '{"score": 0.3, "reason": "no amount in EUR"}'
        bad = eval_run(project, store, *judge, "-o", "json")
        fake.reply = "I think it is fine"
        unusable = eval_run(project, store, *judge)
        text = eval_run(project, store, *judge)
    assert good.exit_code == 0, good.stderr + good.stdout
    data = json.loads(good.stdout)["data"]
    (case,) = data["cases"]
    assert case["results"][0]["judgeScore"] == 0.9
    from agentctl.telemetry.store import TraceStore

    with TraceStore(store) as ts:  # the verdict is on the run's trace, for `trace -t`
        spans = ts.trace(case["results"][0]["traceIds"][0])
        (verdict,) = [e for s in spans for e in s.events if e.name == "gen_ai.evaluation.result"
                      and e.attributes["gen_ai.evaluation.name"] == "rubric"]  # fmt: skip
    assert verdict.attributes["gen_ai.evaluation.score.value"] == 0.9
    assert verdict.attributes["gen_ai.evaluation.score.label"] == "pass"
    assert "gives 92 EUR" in verdict.attributes["gen_ai.evaluation.explanation"]
    assert data["judge"]["judged"] == 1 and data["judge"]["costUSD"] > 0
    assert data["judge"]["inputTokens"] > 0 and data["judge"]["priceStatus"] == "priced"
    # the judge saw the rubric, the case's input and the agent's answer, with the key as a header
    body = fake.requests[0]
    sent = body["messages"][1]["content"]
    assert RUBRIC in sent and "convert 100 USD to EUR" in sent and "EUR" in sent.split("ANSWER:")[1]
    assert body["_authorized"] and KEY not in json.dumps(fake.requests)  # sent as a header only
    assert bad.exit_code == 1
    failures = json.loads(bad.stdout)["data"]["cases"][0]["results"][0]["failures"]
    assert failures == ["the judge scored the answer 0.30, below minScore 0.7: no amount in EUR"]
    assert unusable.exit_code == 1 and "no usable verdict" in unusable.stdout + unusable.stderr
    assert "judge gpt-4.1-mini-2025-04-14: 1 run(s) judged" in text.stdout
    for result in (good, bad, unusable, text):
        assert KEY not in result.stdout + result.stderr


def test_a_rubric_without_a_judge_is_refused_before_anything_runs(tmp_path: Path) -> None:
    project = project_with_rubric(tmp_path)
    store = tmp_path / "traces.db"
    result = eval_run(project, store)
    assert result.exit_code == 2
    assert "judged.yaml:2: case 'judged-conversion' expects a judge's score" in result.stderr
    assert "--judge MODEL" in result.stderr
    assert not store.exists()
    # the other cases still run without a judge
    other = run_cli(
        "eval", "run", str(project), "--store", str(store), "--case", "lists-currencies"
    )
    assert other.exit_code == 0, other.stderr
