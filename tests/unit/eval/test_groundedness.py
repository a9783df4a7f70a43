"""The deterministic groundedness check, run from the runtime's own file as agentctl runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from agentctl.scaffold.runtime import runtime_module

LABELLED = Path(__file__).parents[2] / "data" / "groundedness" / "labelled.yaml"
g = runtime_module("groundedness")


def _cases() -> list[dict]:
    return yaml.safe_load(LABELLED.read_text(encoding="utf-8"))


def confusion() -> dict[str, int]:
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for case in _cases():
        predicted = g.check(case["answer"], case["context"]).hallucinated
        key = ("t" if predicted == case["hallucinated"] else "f") + ("p" if predicted else "n")
        counts[key] += 1
    return counts


def test_the_labelled_set_is_large_and_balanced_enough() -> None:
    cases = _cases()
    assert len(cases) >= 50
    assert len({c["id"] for c in cases}) == len(cases)
    assert sum(c["hallucinated"] for c in cases) >= 20
    assert {"numbers", "units", "rounding", "dates", "names", "percent", "currency"} <= {
        c["category"] for c in cases
    }


def test_precision_and_recall_on_the_labelled_set() -> None:
    """The recorded figures (docs/explanation/finops-and-evaluation.md) come from here."""
    c = confusion()
    precision = c["tp"] / (c["tp"] + c["fp"])
    recall = c["tp"] / (c["tp"] + c["fn"])
    assert precision >= 0.9, c
    assert recall >= 0.9, c


@pytest.mark.parametrize(
    ("answer", "context", "label"),
    [
        ("Revenue was $1.2bn.", ["revenue_usd: 1234500000"], "grounded"),
        ("Revenue was $1.3bn.", ["revenue_usd: 1234500000"], "ungrounded"),
        ("Growth was 12%.", ["growth: 0.1213"], "grounded"),
        ("It is 42 km.", ["distance: 42000 m"], "grounded"),
        ("It is 42 km.", ["distance: 42 m"], "ungrounded"),
        ("Due 2025-12-31.", ["due 31 Dec 2025"], "grounded"),
        ("Signed by Ada Lovelace.", ["signer: Lovelace, Ada"], "grounded"),
        ("Signed by Alan Turing.", ["signer: Lovelace, Ada"], "ungrounded"),
        ("Hello! How can I help?", ["anything"], "no_claims"),
        ('{"answer": "the total is 17"}', ['{"total": 17}'], "grounded"),  # keys are not claims
    ],
)
def test_paraphrases_and_inventions(answer: str, context: list[str], label: str) -> None:
    assert g.check(answer, context).label == label


def test_the_event_follows_the_genai_conventions_and_keeps_content_out() -> None:
    verdict = g.check("It costs $99 and ships on 2024-05-01.", ["price: 99 USD, ships 2024-06-01"])
    attrs = verdict.attributes()
    assert attrs["gen_ai.evaluation.name"] == "groundedness"
    assert attrs["gen_ai.evaluation.score.label"] == "ungrounded"
    assert attrs["gen_ai.evaluation.score.value"] == 0.5
    assert attrs["gen_ai.evaluation.explanation"] == (
        "1 of 2 factual claims supported by the run's context; unsupported: 1 date"
    )
    assert "2024-05-01" in verdict.attributes(with_content=True)["gen_ai.evaluation.explanation"]
    no_claims = g.check("Sure.", []).attributes()
    assert "gen_ai.evaluation.score.value" not in no_claims  # not counted either way


def test_huge_inputs_are_checked_within_bounds() -> None:
    answer = "The value is 12345.6 units. " * 5000
    context = [json.dumps({"v": [i + 0.5 for i in range(200_000)]})]
    verdict = g.check(answer, context)
    assert len(verdict.claims) <= g.MAX_CLAIMS
