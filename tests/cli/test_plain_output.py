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


@pytest.mark.parametrize("odd_agent", ["gamma", "a[b]/c"], ids=["plain", "markup-like"])
def test_cost_report_is_rich_s_layout(monkeypatch, tmp_path, odd_agent):
    from agentctl.telemetry.store import TraceStore
    from tests.cli.test_cost_cmd import HOUR, T0, WINDOW, _run

    monkeypatch.delenv("COLUMNS", raising=False)
    db = tmp_path / "traces.db"
    spans = [
        *_run("a1", "alpha", T0 + HOUR, 3600, [("openai", "gpt-4o", 1000, 100)] * 3),
        *_run("b1", "beta", T0 + 2 * HOUR, 120, [("openai", "my-finetune", 500, 50)]),
        *_run("b2", "beta", T0 + 3 * HOUR, 10, [("offline-demo", "demo", 100, 100)]),
        *_run(
            "c1", odd_agent, T0 + 30 * HOUR, 60, [("anthropic", "claude-sonnet-4-20250514", 9, 1)]
        ),
    ]
    spans[-1].agent_version = spans[-2].agent_version = "2.0.0"  # two versions of one agent
    with TraceStore(db) as st:
        st.insert(spans)
    plain, rich = _both(monkeypatch, "cost", "--store", str(db), *WINDOW)
    assert plain.exit_code == rich.exit_code == 0, plain.stderr
    assert plain.stdout == rich.stdout
    for title in ("By agent", "By model", "By team", "Daily", "Most expensive runs", "unpriced:"):
        assert title in plain.stdout


@pytest.mark.parametrize("output", ["text", "wide"])
def test_trace_list_is_rich_s_layout(monkeypatch, tmp_path, output):
    import time

    from tests.cli.test_trace_cmd import fill
    from tests.fakes import otlp_payloads as P

    monkeypatch.delenv("COLUMNS", raising=False)
    db = tmp_path / "traces.db"
    now = time.time_ns()
    fill(
        db,
        P.agent_run(agent="weather-bot", start=now - 10**9),
        P.agent_run(agent="an-agent-with-a-rather-long-name-indeed", error=True, start=now),
    )
    plain, rich = _both(monkeypatch, "trace", "--store", str(db), "-o", output)
    assert plain.exit_code == rich.exit_code == 0, plain.stderr
    assert plain.stdout == rich.stdout
    assert plain.stdout.startswith("TRACE ") and "weather-bot" in plain.stdout
