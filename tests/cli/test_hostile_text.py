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


BREAKS = "we\nird\tbot\rx\u2028y"
BREAKS_SHOWN = "we\\nird\\tbot\\rx\\u2028y"


@pytest.fixture
def broken_names(tmp_path: Path) -> tuple[Path, str]:
    """A run whose span, agent, service, model, tool names and status message hold line breaks."""
    path = tmp_path / "traces.db"
    run = P.agent_run(agent=BREAKS, model=f"gpt{BREAKS}", error=True)
    run[0]["name"] = f"invoke {BREAKS}"
    for sp in run:
        if sp["attrs"].get("gen_ai.operation.name") == "execute_tool":
            sp["attrs"]["gen_ai.tool.name"] = f"fetch {BREAKS}"
            sp["name"] = f"execute_tool {BREAKS}"
        if sp["status"] == 2:
            sp["message"] = f"failed {BREAKS}"
    st = TraceStore(path)
    st.insert(parse_protobuf(P.protobuf(run, resource={"service.name": f"svc {BREAKS}"})).spans)
    st.close()
    return path, run[0]["trace_id"].hex()


def _lines(res) -> list[str]:
    assert res.exit_code == 0 and "Traceback" not in res.stderr, res.stderr
    out = res.stdout + res.stderr
    assert not any(c in out for c in "\t\r\u2028")
    return out.splitlines()


@pytest.mark.parametrize(
    "args",
    [
        ["trace", "--since", "1d"],
        ["trace", "--since", "1d", "-o", "wide"],
        ["trace", "-t", "{tid}"],
        ["cost", "--since", "1d"],
        ["eval", "--since", "1d"],
    ],
    ids=["trace", "trace-wide", "trace-t", "cost", "eval"],
)
def test_names_with_line_breaks_stay_on_their_line(broken_names, args):
    path, tid = broken_names
    lines = _lines(run_cli(*(a.format(tid=tid) for a in args), "--store", str(path)))
    assert any("we\\nird" in line for line in lines), lines  # narrow tables cut the rest
    assert not any(line.startswith(("ird", "y")) for line in lines), lines


def test_a_trace_tree_shows_every_name_with_line_breaks_escaped(broken_names):
    path, tid = broken_names
    out = "\n".join(_lines(run_cli("trace", "-t", tid, "--store", str(path))))
    for name in (f"invoke {BREAKS_SHOWN}", f"gpt{BREAKS_SHOWN}", f"fetch {BREAKS_SHOWN}",
                 f"execute_tool {BREAKS_SHOWN}", f"failed {BREAKS_SHOWN}"):  # fmt: skip
        assert name in out, out


def test_json_keeps_the_names_as_sent(broken_names):
    import json

    path, tid = broken_names
    res = run_cli("trace", "-t", tid, "-o", "json", "--store", str(path))
    assert res.exit_code == 0, res.stderr
    names = [sp["name"] for sp in json.loads(res.stdout)["data"]["spans"]]
    assert f"invoke {BREAKS}" in names and f"execute_tool {BREAKS}" in names


def test_follow_writes_one_line_per_span_with_line_breaks_escaped(broken_names):
    from agentctl.views.trace_follow import FollowFormatter

    path, tid = broken_names
    st = TraceStore(path)
    fmt = FollowFormatter()
    lines = [line.plain for sp in st.trace(tid) for line in fmt.lines(sp)]
    st.close()
    assert all("\n" not in line and "\t" not in line for line in lines), lines
    assert any(f"invoke {BREAKS_SHOWN}" in line for line in lines), lines
