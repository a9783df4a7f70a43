"""Naming an agent that is not deployed: a suggestion only when one is similar."""

from __future__ import annotations

from agentctl.deploy.locate import similar_name


def test_a_typo_gets_the_similar_name() -> None:
    assert similar_name("reserch-assistant", ["daily-report", "research-assistant"]) == (
        "research-assistant"
    )


def test_nothing_similar_suggests_nothing_and_lists_nothing() -> None:
    assert similar_name("x", ["daily-report", "research-assistant"]) is None
    assert similar_name("x", []) is None
