"""Names and messages from traces and manifests are shown, never obeyed: rich markup
in them is literal text and terminal control characters are written as escapes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from agentctl.telemetry.otlp import parse_protobuf
from agentctl.telemetry.store import TraceStore
from tests.cli.helpers import run_cli
from tests.fakes import otlp_payloads as P

HOSTILE = [
    "[/]",
    "[red]x[/red]",
    "e\x1b[2Jv\x1b]8;;http://evil.example\x07L\x1b]8;;\x07\u202egnp\x9b1m\x7f",
]
CONTROLS = ["\x1b[2J", "\x1b]8;;http://evil", "\u202e", "\x9b", "\x7f", "\x07"]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "traces.db"
    st = TraceStore(path)
    now = time.time_ns()
    for i, name in enumerate(HOSTILE):
        run = P.agent_run(agent=name, model=name, error=True, start=now - 10**9 + i)
        st.insert(parse_protobuf(P.protobuf(run)).spans)
    st.close()
    return path


def _trace_ids(store: Path) -> list[str]:
    res = run_cli("trace", "--store", str(store), "--no-cost", "-o", "wide")
    return [line.split()[0] for line in res.stdout.splitlines()[2:]]


def _shown(res, *, colour: bool) -> str:
    assert "Traceback" not in res.stderr and "MarkupError" not in res.stderr, res.stderr
    assert res.exit_code == 0, res.stderr
    out = res.stdout + res.stderr
    for control in CONTROLS:
        assert control not in out
    if not colour:
        assert "\x1b" not in out
    return out


@pytest.mark.parametrize("colour", [False, True], ids=["plain", "colour"])
def test_trace_list_and_tree_show_hostile_names_as_text(store, monkeypatch, colour):
    if colour:
        monkeypatch.setenv("FORCE_COLOR", "1")
        monkeypatch.delenv("NO_COLOR", raising=False)
    out = _shown(run_cli("trace", "--store", str(store), "--no-cost"), colour=colour)
    assert "[/]" in out and "[red]x[/red]" in out and "e\\x1b[2Jv" in out
    for tid in _trace_ids(store):
        tree = _shown(
            run_cli("trace", "--store", str(store), "--no-cost", "-t", tid), colour=colour
        )
        assert "invoke_agent" in tree


def test_cost_shows_hostile_names_as_text(store):
    out = _shown(run_cli("cost", "--store", str(store), "--since", "1d"), colour=False)
    assert "[red]x[/red]" in out and "\\u202egnp" in out


def test_validate_text_shows_hostile_manifest_names_as_text(tmp_path):
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "[/]a\\e[2J\\u202eb[red]x"\ndata: {}\n'
    )
    res = run_cli("validate", "-f", str(manifest))
    assert "Traceback" not in res.stderr
    out = res.stdout + res.stderr
    assert "\x1b" not in out and "\u202e" not in out
    assert "[/]a\\x1b[2J\\u202eb[red]x" in out


# Names that rich would read as markup, and a trailing backslash (an escape before a tag).
MARKUP_NAMES = ["[bold]x[/bold]", "[link=http://x]y", "a\\"]


def _console(buf, monkeypatch, colour: bool):
    from agentctl.cli import common

    if colour:
        monkeypatch.setenv("FORCE_COLOR", "1")
        monkeypatch.delenv("NO_COLOR", raising=False)
    return common.console(file=buf)


def _uncoloured(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.mark.parametrize("colour", [False, True], ids=["plain", "colour"])
def test_templates_shows_names_that_look_like_markup_as_sent(monkeypatch, colour):
    from agentctl.scaffold import catalog

    found = [catalog.TemplateInfo(n, "service", f"about {n}", Path(".")) for n in MARKUP_NAMES]
    monkeypatch.setattr(catalog, "list_builtin", lambda: found)
    if colour:
        monkeypatch.setenv("FORCE_COLOR", "1")
        monkeypatch.delenv("NO_COLOR", raising=False)
    res = run_cli("templates")
    assert res.exit_code == 0, res.stderr
    rows = [line.split() for line in _uncoloured(res.stdout).splitlines()[1:4]]
    assert rows == [[n, "service", "about", n] for n in MARKUP_NAMES]
    assert "\x1b]8" not in res.stdout  # no hyperlink


@pytest.mark.parametrize("colour", [False, True], ids=["plain", "colour"])
def test_dev_shows_output_and_names_that_look_like_markup_as_sent(monkeypatch, colour):
    import io

    from agentctl.local.options import DevEvent
    from agentctl.views.dev import DevView

    buf = io.StringIO()
    view = DevView(_console(buf, monkeypatch, colour), live=False)
    for name in MARKUP_NAMES:
        view.handle(DevEvent("log", name, f"said {name}"))
        view.handle(DevEvent("step", name, name, status="failed"))
        view.handle(DevEvent("warning", "agentctl", name))
        view.handle_info(name)
    lines = _uncoloured(buf.getvalue()).splitlines()
    expected = []
    for name in MARKUP_NAMES:
        expected += [
            f"{name} | said {name}",
            f"agentctl | {name}: failed ({name})",
            f"warning: {name}",
            f"agentctl | {name}",
        ]
    assert lines == expected
    assert "\x1b]8" not in buf.getvalue()


@pytest.mark.parametrize("colour", [False, True], ids=["plain", "colour"])
def test_the_workflow_step_tables_show_step_names_that_look_like_markup_as_sent(
    monkeypatch, colour
):
    import io
    from types import SimpleNamespace

    from agentctl.local.options import DevEvent
    from agentctl.views.dev import DevView
    from agentctl.views.dev_result import steps_table

    steps = {
        n: SimpleNamespace(
            name=n, status="failed", items=None, attempts=1, started=None, ended=None, reason=n
        )
        for n in MARKUP_NAMES
    }
    buf = io.StringIO()
    console = _console(buf, monkeypatch, colour)
    console.print(steps_table(SimpleNamespace(steps=steps)))
    view = DevView(console, live=False)
    for name in MARKUP_NAMES:
        view.handle(DevEvent("step", name, "", status="failed"))
    console.print(view.process_table())
    lines = [line.split() for line in _uncoloured(buf.getvalue()).splitlines()]
    assert [row for row in lines if row[0] in MARKUP_NAMES] == [
        *([n, "failed", "-", "1", "-", n] for n in MARKUP_NAMES),
        *([n, "failed"] for n in MARKUP_NAMES),
    ]
    assert "\x1b]8" not in buf.getvalue()
