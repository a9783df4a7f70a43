"""The findings of one manifest document located together are located as one by one."""

from __future__ import annotations

import pytest

from agentctl.policy import sources

from .helpers import POLICY_FIXTURES, run_fixture

FIXTURES = sorted(POLICY_FIXTURES.glob("insecure/*.yaml")) + sorted(
    POLICY_FIXTURES.glob("checks/**/*.yaml")
)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: str(p.relative_to(POLICY_FIXTURES)))
def test_findings_located_together_are_located_as_one_by_one(fixture, monkeypatch) -> None:
    together = run_fixture(fixture).to_dict()
    monkeypatch.delattr(sources._DocLocator, "locate_all")
    one_by_one = run_fixture(fixture).to_dict()
    assert together == one_by_one


def test_several_findings_of_one_document_are_asked_together(monkeypatch) -> None:
    asked: list[int] = []
    real = sources._DocLocator.locate_all

    def locate_all(self, paths):
        paths = list(paths)
        asked.append(len(paths))
        return real(self, paths)

    monkeypatch.setattr(sources._DocLocator, "locate_all", locate_all)
    report = run_fixture(FIXTURES[0])
    assert report.findings
    assert asked and max(asked) > 1
