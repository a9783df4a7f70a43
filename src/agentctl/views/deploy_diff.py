"""``agentctl diff`` output: a coloured unified diff per changed object."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from agentctl.views.plain import escape

if TYPE_CHECKING:
    from rich.console import Console

    from agentctl.deploy.diff import DiffResult

LINE_STYLE = (("+++", "bold"), ("---", "bold"), ("@@", "cyan"), ("+", "green"), ("-", "red"))


def diff_text(text: str) -> Text:
    out = Text()
    for line in text.splitlines(keepends=True):
        style = next((s for prefix, s in LINE_STYLE if line.startswith(prefix)), "")
        out.append(line, style=style)
    return out


def print_diff(console: Console, result: DiffResult) -> None:
    for d in result.objects:
        if d.action == "unchanged":
            continue
        if d.note:
            console.print(f"[dim]# {escape(d.ref.display)}: {escape(d.note)}[/]")
        console.print(diff_text(d.diff), end="")


def summary(result: DiffResult) -> str:
    counts: dict[str, int] = {}
    for o in result.objects:
        counts[o.action] = counts.get(o.action, 0) + 1
    if not result.changed:
        return f"{result.agent}: no changes ({counts.get('unchanged', 0)} objects up to date)"
    parts = [f"{counts[k]} to {k}" for k in ("create", "update", "delete") if counts.get(k)]
    return f"{result.agent}: " + ", ".join(parts) + f", {counts.get('unchanged', 0)} unchanged"
