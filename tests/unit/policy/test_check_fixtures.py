"""Every catalogue check has a failing and a passing fixture under tests/policy/checks/ID/.

A failing fixture marks each offending line with `# expect: ID`; the check must
report exactly those lines (with the right file). A passing fixture must give
no finding of that check. Fixtures are manifests (fail.yaml) or agent projects
(fail/agent.yaml, rendered first); a platform.yaml next to them replaces the
shared tests/policy/platform.yaml.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.unit.policy.helpers import POLICY_FIXTURES, expected_lines, found_lines, run_fixture

from agentctl.policy.registry import builtin_checks

CHECK_IDS = [c.id for c in builtin_checks()]
ALSO = re.compile(r"\(also: ([A-Z0-9, -]+)\)")


def _fixture(check: str, kind: str) -> Path:
    base = POLICY_FIXTURES / "checks" / check
    for candidate in (base / f"{kind}.yaml", base / kind):
        if candidate.exists():
            return candidate
    raise AssertionError(f"{check} has no {kind} fixture in {base}")


def _source(fixture: Path) -> Path:
    return fixture / "agent.yaml" if fixture.is_dir() else fixture


def _include(check: str, source: Path) -> list[str]:
    m = ALSO.search(source.read_text().splitlines()[0])
    return [check, *(c.strip() for c in m.group(1).split(","))] if m else [check]


@pytest.mark.parametrize("check", CHECK_IDS)
def test_failing_fixture_is_found_on_every_marked_line(check):
    fixture = _fixture(check, "fail")
    source = _source(fixture)
    report = run_fixture(fixture, _include(check, source))
    expected = expected_lines(source, check)
    assert expected, f"{source} marks no line with '# expect: {check}'"
    assert found_lines(report, source, check) == expected
    assert report.failed == any(f.severity >= report.fail_on for f in report.active)


@pytest.mark.parametrize("check", CHECK_IDS)
def test_passing_fixture_has_no_finding(check):
    fixture = _fixture(check, "pass")
    source = _source(fixture)
    report = run_fixture(fixture, _include(check, source))
    assert [f.message for f in report.active if f.check == check] == []
    assert not expected_lines(source)


def test_the_hardened_bundle_passes_every_check():
    report = run_fixture(POLICY_FIXTURES / "good" / "bundle.yaml")
    assert [(f.check, f.line, f.message) for f in report.findings] == []
