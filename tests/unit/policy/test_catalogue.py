"""The catalogue keeps its published checks and severities, and every check is documented."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT

from agentctl.policy.registry import builtin_checks

# The catalogue users gate on: an ID that disappears or changes severity changes
# what `agentctl validate` blocks, so it is a deliberate edit of this table too.
CATALOGUE = {
    "SCH-001": "high",
    "SA-001": "high",
    "SA-002": "medium",
    "SA-003": "medium",
    "RBAC-001": "high",
    "RBAC-002": "critical",
    "RBAC-003": "high",
    "PSS-001": "high",
    "PSS-002": "high",
    "PSS-003": "high",
    "PSS-004": "medium",
    "PSS-005": "critical",
    "PSS-006": "medium",
    "FS-001": "medium",
    "RES-001": "medium",
    "RES-002": "medium",
    "NET-001": "high",
    "NET-002": "high",
    "NET-003": "critical",
    "NET-004": "low",
    "SEC-001": "critical",
    "SEC-002": "high",
    "SEC-003": "low",
    "SEC-004": "medium",
    "IMG-001": "high",
    "IMG-002": "high",
    "GRD-001": "high",
    "GRD-002": "high",
    "GRD-003": "high",
    "GRD-004": "medium",
    "GRD-005": "medium",
    "GRD-007": "low",
    "ARGO-001": "high",
    "ARGO-002": "medium",
    "META-001": "low",
    "OBS-001": "medium",
}


def _documented() -> dict[str, str]:
    """ID -> severity from the summary table of docs/reference/checks.md."""
    page = (REPO_ROOT / "docs" / "reference" / "checks.md").read_text()
    return dict(
        re.findall(
            r"^\| \[([A-Z]+-\d{3})\]\(#[a-z0-9-]+\) \| (low|medium|high|critical) \|", page, re.M
        )
    )


def test_every_published_check_exists_with_its_severity():
    have = {c.id: c.severity.name for c in builtin_checks()}
    assert {k: have.get(k) for k in CATALOGUE} == CATALOGUE


def test_reference_table_matches_the_registry():
    documented = _documented()
    assert len(documented) >= len(CATALOGUE)
    assert documented == {c.id: c.severity.name for c in builtin_checks()}
    assert {k: documented.get(k) for k in CATALOGUE} == CATALOGUE


def test_every_check_explains_itself():
    for c in builtin_checks():
        assert c.title and c.description.endswith(".") and c.rationale and c.remediation, c.id
        assert c.example, c.id


def test_reference_page_lists_every_check():
    page = (REPO_ROOT / "docs" / "reference" / "checks.md").read_text()
    for c in builtin_checks():
        assert f"### {c.id}" in page, c.id
        assert c.description in page, c.id
