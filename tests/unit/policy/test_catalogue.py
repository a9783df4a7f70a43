"""The catalogue matches the design's table, and every check is documented."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT, SHARED

from agentctl.policy.registry import builtin_checks


def test_every_designed_check_exists_with_its_severity():
    table = (SHARED / "design" / "POLICIES.md").read_text()
    designed = dict(
        re.findall(r"^\| ([A-Z]+-\d{3}) \|.*\| (low|medium|high|critical) \|$", table, re.M)
    )
    assert len(designed) >= 35
    have = {c.id: c.severity.name for c in builtin_checks()}
    assert {k: have.get(k) for k in designed} == designed


def test_every_check_explains_itself():
    for c in builtin_checks():
        assert c.title and c.description.endswith(".") and c.rationale and c.remediation, c.id
        assert c.example, c.id


def test_reference_page_lists_every_check():
    page = (REPO_ROOT / "docs" / "reference" / "checks.md").read_text()
    for c in builtin_checks():
        assert f"### {c.id}" in page, c.id
        assert c.description in page, c.id


def test_reference_page_is_generated_from_the_registry():
    """docs/reference/checks.md == the registry rendered; AGENTCTL_REGENERATE=1 rewrites it (refused in CI)."""
    import os

    from agentctl.policy.docs import catalogue_markdown

    page = REPO_ROOT / "docs" / "reference" / "checks.md"
    want = catalogue_markdown(builtin_checks())
    if os.environ.get("AGENTCTL_REGENERATE") == "1" and not os.environ.get("CI"):
        page.write_text(want)
    assert page.read_text() == want, (
        "run AGENTCTL_REGENERATE=1 pytest tests/unit/policy/test_catalogue.py"
    )
