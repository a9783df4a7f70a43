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
