"""agentctl upgrade's text: each change with its verb, conflicts last, file names as written."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from agentctl.scaffold.upgrade import Change, UpgradeResult
from agentctl.views.upgrade import render


def _text(result: UpgradeResult, *, dry_run: bool = False, mark_resolved: bool = False) -> str:
    buf = io.StringIO()
    out = Console(file=buf, width=200, color_system=None)
    render(result, out, dry_run=dry_run, mark_resolved=mark_resolved)
    return buf.getvalue()


def _result(*changes: Change) -> UpgradeResult:
    return UpgradeResult(Path("svc"), "stateful-agent", "1.0.0", "1.1.0", list(changes))


def test_each_change_reads_with_its_verb() -> None:
    text = _text(
        _result(
            Change("added.txt", "added"),
            Change("gone.txt", "kept-deleted", "deleted here, changed in the template"),
        )
    )
    assert text.splitlines()[0] == "Upgraded svc from 1.0.0 to 1.1.0"
    assert "  added          added.txt" in text  # the verbs stand in one column
    assert "  kept deleted   gone.txt  (deleted here, changed in the template)" in text
    assert "attention" not in text


def test_conflicts_are_counted_and_the_way_out_named_unless_dry_run() -> None:
    result = _result(Change("config.yaml", "conflict"), Change("app.py", "kept-modified"))
    text = _text(result)
    assert "2 file(s) need your attention: config.yaml, app.py" in text
    assert "agentctl upgrade --mark-resolved" in text
    dry = _text(result, dry_run=True)
    assert dry.startswith("Would upgrade svc")
    assert "2 file(s) would conflict" in dry and "--mark-resolved" not in dry


def test_a_file_name_that_looks_like_markup_is_printed_as_it_is() -> None:
    text = _text(_result(Change("notes[/x].md", "merged", "[bold]x"), Change("a[b]", "odd[/]")))
    assert "notes[/x].md  ([bold]x)" in text
    assert "  odd[/]         a[b]" in text


def test_up_to_date_and_mark_resolved_are_one_line() -> None:
    assert _text(_result()) == "Up to date with template stateful-agent (1.1.0)\n"
    assert _text(_result(), mark_resolved=True) == (
        "Recorded template version 1.1.0 in svc/.agentctl-template.json\n"
    )
