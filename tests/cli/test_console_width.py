"""Text output off a TTY (CI logs, pipes, files) is not squeezed into 80 columns."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest

from agentctl.cli import common
from tests.cli.helpers import run_cli

REPO = Path(__file__).resolve().parents[2]
FS_FAIL = REPO / "tests" / "policy" / "checks" / "FS-001" / "fail.yaml"
FIELD = "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem"


@pytest.fixture
def piped(monkeypatch: pytest.MonkeyPatch) -> None:
    """stdout is a pipe (run_cli captures it) and nobody set COLUMNS, as in CI."""
    monkeypatch.delenv("COLUMNS", raising=False)


def test_width_is_columns_then_terminal_then_wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert common.text_width(io.StringIO()) == common.WIDE_COLUMNS
    assert common.console(file=io.StringIO()).width == common.WIDE_COLUMNS
    primary, secondary = os.openpty()
    with os.fdopen(secondary, "w") as tty:
        os.set_blocking(primary, False)
        assert common.text_width(tty) is None  # rich asks the terminal itself
        monkeypatch.setenv("COLUMNS", "97")
        assert common.text_width(tty) == 97
    os.close(primary)
    assert common.console(file=io.StringIO()).width == 97
    monkeypatch.setenv("COLUMNS", "")
    assert common.text_width(io.StringIO()) == common.WIDE_COLUMNS


def test_piped_console_has_no_colour_and_does_not_wrap_plain_lines(piped: None) -> None:
    buf = io.StringIO()
    out = common.console(file=buf)
    line = " ".join(f"word{i}" for i in range(80))  # ~550 characters
    out.print(f"[bold]{line}[/]")
    assert buf.getvalue() == line + "\n"


def test_validate_findings_keep_long_fields_whole(piped: None) -> None:
    res = run_cli("validate", "-f", str(FS_FAIL))
    assert res.exit_code == 1, res.stderr
    out = res.stdout
    # the field path is one token on one line; the finding's message and fix are not folded
    assert f"fail.yaml:31  {FIELD}" in out
    assert "fix: Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir" in out
    assert "readOnlyR\n" not in out
    # the summary line is whole
    summary = [line for line in out.splitlines() if line.startswith("7 findings")]
    assert summary and summary[0].endswith("FAILED: 3 at or above high")


def test_validate_text_report_file_is_wide(tmp_path: Path, piped: None) -> None:
    report = tmp_path / "report.txt"
    res = run_cli("validate", "-f", str(FS_FAIL), "--format", "text", "--output-file", str(report))
    assert res.exit_code == 1, res.stderr
    assert f"fail.yaml:31  {FIELD}" in report.read_text()


def test_columns_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    res = run_cli("validate", "-f", str(FS_FAIL))
    table_lines = [line for line in res.stdout.splitlines() if line.startswith("    ")]
    assert table_lines and max(len(line.rstrip()) for line in table_lines) <= 100


@pytest.mark.parametrize("columns", [None, "80"])
def test_trace_summary_line_is_never_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columns: str | None
) -> None:
    from tests.cli.test_trace_cmd import fill
    from tests.fakes import otlp_payloads as P

    db = tmp_path / "traces.db"
    agent = "an-agent-with-a-rather-long-name-" + "x" * 220  # longer than the wide width
    run = P.agent_run(agent=agent)
    fill(db, run)
    tid = run[0]["trace_id"].hex()
    # a log keeps the summary whole, however narrow COLUMNS says it is
    if columns is None:
        monkeypatch.delenv("COLUMNS")
    else:
        monkeypatch.setenv("COLUMNS", columns)
    res = run_cli("trace", "--store", str(db), "--trace-id", tid)
    assert res.exit_code == 0, res.stderr
    [head] = [line for line in res.stdout.splitlines() if line.startswith(f"trace {tid}")]
    assert agent in head and "2 LLM calls · 1 tool call" in head
    assert head.endswith("in 250 / out 30 tokens · <$0.0001")  # the cost label closes it, whole
    assert "└── invoke_agent an-agent-with-a-rather-long-name-" in res.stdout


def test_cost_and_trace_list_tables_are_not_cut(tmp_path: Path, piped: None) -> None:
    from agentctl.telemetry.store import TraceStore
    from tests.cli.test_cost_cmd import HOUR, T0, _run

    db = tmp_path / "traces.db"
    agent = "agent-" + "y" * 50
    model = "claude-sonnet-4-20250514"
    with TraceStore(db) as st:
        st.insert(_run("c1", agent, T0 + HOUR, 60, [("anthropic", model, 1000, 100)]))
    res = run_cli("cost", "--store", str(db), "--since", "2025-03-01", "--until", "2025-03-03")
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert any(agent in line and "$" in line for line in lines)  # the agent row is one line
    assert any(model in line and "$" in line for line in lines)
    assert "…" not in res.stdout


def test_build_text_lines_are_whole(tmp_path: Path, piped: None) -> None:
    project = tmp_path / "agent"
    shutil.copytree(REPO / "examples" / "currency-converter", project)
    res = run_cli("build", str(project), "--out", str(tmp_path / ("dist-" + "z" * 80)))
    assert res.exit_code == 0, res.stderr
    [wrote] = [line for line in res.stdout.splitlines() if "wrote " in line]
    assert "kubectl apply -k" in wrote and wrote.rstrip().endswith(")")
