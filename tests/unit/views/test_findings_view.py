"""The findings report off a terminal is written without rich's table layout, and reads
exactly as rich lays it out: the same lines for any findings at any width, or rich
lays the table out itself."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.padding import Padding

from agentctl.cli import common
from agentctl.policy import gate
from agentctl.policy.model import Finding, Severity
from agentctl.views import findings as view
from agentctl.views.plain import PlainConsole

ROOT = Path(__file__).resolve().parents[3]

WORD = st.text(alphabet="abcdefghij-_./:=", min_size=1, max_size=90)
SEP = st.sampled_from([" ", " ", "  ", "\n", " \n", "   ", "\n\n", "\n  ", " - "])
TEXT = st.lists(st.tuples(WORD, SEP), max_size=40).map(
    lambda parts: "".join(w + s for w, s in parts)
) | st.sampled_from(["", "  leading", "trailing  ", "x" * 300])


def finding(check: str, severity: Severity, message: str, remediation: str, field: str) -> Finding:
    return Finding(
        check=check,
        severity=severity,
        title="t",
        message=message,
        remediation=remediation,
        object="Agent/a",
        kind="Agent",
        namespace="",
        name="a",
        field=field,
        file="mono/agents/agent-0000/agent.yaml",
        line=39,
        column=1,
    )


FINDING = st.builds(
    finding,
    st.sampled_from(["GRD-007", "NET-005", "X", "LONGCHECK-123"]),
    st.sampled_from(list(Severity)),
    TEXT,
    TEXT,
    st.sampled_from(["", "spec.guardrails.budget.dailyUSD"]),
)


def rich_lines(findings: list[Finding], width: int) -> list[str]:
    """What rich writes for the table off a terminal (trailing spaces trimmed, as the
    console's stream does)."""
    buf = io.StringIO()
    out = Console(
        file=buf, width=width, no_color=True, highlight=False, soft_wrap=True, emoji=False
    )
    out.print(Padding(view._findings_table(findings), (0, 0, 0, 4), expand=False))
    return [line.rstrip(" ") for line in buf.getvalue().split("\n")[:-1]]


@settings(max_examples=400, deadline=None)
@given(st.lists(FINDING, min_size=1, max_size=4), st.sampled_from([20, 40, 60, 80, 120, 240]))
def test_any_findings_at_any_width_read_as_rich_lays_them_out(
    findings: list[Finding], width: int
) -> None:
    lines = view.plain_findings_table(findings, width)
    if lines is not None:
        assert lines == rich_lines(findings, width)


def test_what_rich_must_lay_out_is_left_to_it() -> None:
    plain = finding("GRD-007", Severity.low, "ascii", "fix it", "")
    assert view.plain_findings_table([plain], 80) is not None
    for odd in ("wide 名前", "a\ttab", "control \x1b[2J"):
        assert (
            view.plain_findings_table([finding("GRD-007", Severity.low, odd, "f", "")], 80) is None
        )
    # too narrow for the fixed columns: rich squeezes them
    assert view.plain_findings_table([plain], 24) is None


def _report() -> object:
    return gate.run(
        paths=[ROOT / "examples" / "currency-converter", ROOT / "examples" / "deep-research"],
        manifests=[],
        platform_file=ROOT / "examples" / "platform.yaml",
    )


@pytest.mark.parametrize("columns", ["60", "100", "240"])
def test_a_report_reads_the_same_without_the_table_layout(
    monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    report = _report()
    assert report.active, "the examples have findings to show"
    fast = io.StringIO()
    view.render_report(report, common.console(file=fast))
    monkeypatch.setattr(view, "plain_findings_table", lambda findings, width: None)
    laid_out = io.StringIO()
    view.render_report(report, common.console(file=laid_out))
    assert fast.getvalue() == laid_out.getvalue()


def test_a_plain_console_gets_the_same_report(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    report = _report()
    expected = io.StringIO()
    view.render_report(report, common.console(file=expected))
    written = io.StringIO()
    plain = PlainConsole(written, common.WIDE_COLUMNS, lambda: common.console(file=written))
    view.render_report(report, plain)  # type: ignore[arg-type]
    assert written.getvalue() == expected.getvalue()
