"""Helpers for policy tests: run the gate on fixtures and read `# expect: ID` markers."""

from __future__ import annotations

import re
from pathlib import Path

from agentctl.policy import gate
from agentctl.policy.engine import Report

POLICY_FIXTURES = Path(__file__).resolve().parents[2] / "policy"
EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, -]+)")


def expected_lines(file: Path, check: str | None = None) -> set[tuple[str, int]]:
    """(check, line) for every `# expect: ID[, ID]` marker in a fixture file."""
    out = set()
    for n, line in enumerate(file.read_text().splitlines(), 1):
        m = EXPECT.search(line)
        if m:
            for cid in (c.strip() for c in m.group(1).split(",")):
                if cid and (check is None or cid == check):
                    out.add((cid, n))
    return out


def run_fixture(fixture: Path, include: list[str] | None = None, **kwargs) -> Report:
    """Validate a manifest file or an agent directory with the fixture platform next to it (or the shared one)."""
    base = fixture if fixture.is_dir() else fixture.parent
    platform = base / "platform.yaml"
    if not platform.exists():
        platform = POLICY_FIXTURES / "platform.yaml"
    if fixture.is_dir():
        return gate.run(
            paths=[fixture], manifests=[], platform_file=platform, include=include, **kwargs
        )
    return gate.run(
        paths=[], manifests=[str(fixture)], platform_file=platform, include=include, **kwargs
    )


def found_lines(report: Report, file: Path, check: str | None = None) -> set[tuple[str, int]]:
    return {
        (f.check, f.line)
        for f in report.active
        if (check is None or f.check == check) and Path(f.file).resolve() == file.resolve()
    }
