"""Plain output without rich: the same text rich writes off a terminal."""

from __future__ import annotations

import pytest

from agentctl.cli import common
from tests.cli.helpers import run_cli


def _both(monkeypatch, *args: str):
    plain = run_cli(*args)
    with monkeypatch.context() as m:
        m.setattr(common, "plain_stream", lambda **_: None)  # rich lays it out
        rich = run_cli(*args)
    return plain, rich


def test_templates_table_is_rich_s_layout(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    plain, rich = _both(monkeypatch, "templates")
    assert plain.exit_code == rich.exit_code == 0
    assert plain.stdout == rich.stdout
    assert plain.stdout.startswith("TEMPLATE ")


def test_trace_on_an_empty_store_says_so_plainly(monkeypatch, tmp_path):
    monkeypatch.setenv("AGENTCTL_TRACE_STORE", str(tmp_path / "traces.db"))
    plain, rich = _both(monkeypatch, "trace", "--last", "20")
    assert plain.exit_code == rich.exit_code == 0
    assert plain.stderr == rich.stderr
    assert "no traces yet" in plain.stderr


def test_checks_catalogue_is_rich_s_layout(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no platform.yaml upwards
    (tmp_path / ".git").mkdir()
    monkeypatch.delenv("COLUMNS", raising=False)
    plain, rich = _both(monkeypatch, "checks")
    assert plain.exit_code == rich.exit_code == 0
    assert plain.stdout == rich.stdout
    assert plain.stdout.startswith("id ") and "checks; `agentctl checks explain ID`" in plain.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "no-such-dir"),  # an error with a hint
        ("logs", "x", "--since", "soon"),  # a usage error
        ("checks", "explain", "NET-00"),  # an error with a suggestion
        ("trace", "--store", "missing [dir]/t.db"),  # markup-like text stays literal
    ],
    ids=" ".join,
)
def test_errors_are_the_lines_rich_writes(monkeypatch, tmp_path, args):
    monkeypatch.chdir(tmp_path)
    plain, rich = _both(monkeypatch, *args)
    assert plain.exit_code == rich.exit_code != 0
    assert plain.stderr == rich.stderr
    assert plain.stderr.startswith("error: ")


@pytest.mark.parametrize(
    "rows",
    [
        [["a", "b", "c"], ["longer-name", "x", "some words here"]],
        [["x", "", "y"]],
        [],
    ],
)
def test_plain_table_matches_rich(rows, monkeypatch):
    import io

    from rich.table import Table

    monkeypatch.delenv("COLUMNS", raising=False)
    headers = ["NAME", "TYPE", "DESCRIPTION"]
    table = Table(box=None, pad_edge=False, show_edge=False)
    for h in headers:
        table.add_column(h)
    for row in rows:
        table.add_row(*row)
    buf = io.StringIO()
    console = common.console(file=buf)
    console.print(table)
    assert common.plain_table(headers, rows) == buf.getvalue()


@pytest.mark.parametrize(
    "cell",
    ["[bold]x[/]", "caf\u00e9", "two\nlines", "x" * 300],
    ids=["markup", "non-ascii", "newline", "wide"],
)
def test_plain_table_leaves_hard_cases_to_rich(cell, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    assert common.plain_table(["A", "B"], [[cell, "b"]]) is None
