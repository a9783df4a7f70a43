"""Rich rendering of policy reports and the check catalogue."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from agentctl.views.plain import escape, one_line

if TYPE_CHECKING:
    from rich.console import Console

    from agentctl.policy.engine import Report
    from agentctl.policy.model import Check, Finding

STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}


def _sev(name: str) -> Text:
    return Text(name.upper(), style=STYLE.get(name, ""))


def _findings_table(findings: list[Finding]) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False, padding=(0, 1, 0, 0))
    table.add_column("severity", no_wrap=True, min_width=8)
    table.add_column("check", no_wrap=True, min_width=8)
    table.add_column("finding", overflow="fold")
    for f in findings:
        cell = Text(f"{one_line(f.file)}:{f.line}", style="bold")
        if f.field:
            cell.append(f"  {one_line(f.field)}", style="dim")
        cell.append(f"\n{f.message}")
        cell.append(f"\nfix: {f.remediation}", style="dim")
        table.add_row(_sev(f.severity.name), f.check, cell)
    return table


def _cell_lines(f: Finding) -> list[str]:
    """The finding column's lines before wrapping (what ``_findings_table`` puts in it)."""
    head = f"{one_line(f.file)}:{f.line}" + (f"  {one_line(f.field)}" if f.field else "")
    return [head, *f.message.split("\n"), *f"fix: {f.remediation}".split("\n")]


def plain_findings_table(findings: list[Finding], width: int) -> list[str] | None:
    """The lines rich writes for ``_findings_table(findings)``, indented by 4, in ``width``
    columns off a terminal without colour; None when rich must lay it out.

    Laying out a thousand small tables with rich is most of the CPU of ``validate``
    on a large monorepo. The layout here is rich's for this table: the severity and
    check columns as wide as their widest cell (at least 8) plus a space; the finding
    column as wide as its longest line, narrowed to what is left of the width when the
    table is too wide, its lines broken where rich breaks them (rich's own
    ``divide_line``). Text that is not printable ASCII goes to rich.
    """
    try:
        from rich._wrap import divide_line
    except ImportError:  # pragma: no cover - rich moved it: rich lays the table out
        return None
    sev = [f.severity.name.upper() for f in findings]
    cells = [_cell_lines(f) for f in findings]
    texts = [*sev, *(f.check for f in findings), *(line for c in cells for line in c)]
    if not all(t.isascii() and (t.isprintable() or not t) for t in texts):
        return None
    c0 = max(8, *map(len, sev)) + 1
    c1 = max(8, *(len(f.check) for f in findings)) + 1
    c2 = max(1, *(len(line) for c in cells for line in c))
    room = width - 4
    if c0 + c1 > room or (c0 + c1 + c2 > room and room - c0 - c1 < 8):
        return None  # rich squeezes the fixed columns too
    c2 = min(c2, room - c0 - c1)
    out = []
    for s, f, lines in zip(sev, findings, cells, strict=True):
        wrapped = []
        for line in lines:
            cuts = [0, *divide_line(line, c2, fold=True), len(line)]
            wrapped += [line[a:b] for a, b in pairwise(cuts)]
        first = f"    {s.ljust(c0)}{f.check.ljust(c1)}"
        out.append((first + wrapped[0]).rstrip(" "))
        out += [(" " * len(first) + rest).rstrip(" ") for rest in wrapped[1:]]
    return out


def _plain_stream(out: Any) -> Any:
    """Where plain text can be written for ``out`` (off a terminal, no colour), else None."""
    from agentctl.views.plain import PlainConsole

    if isinstance(out, PlainConsole):
        return out.stream
    if getattr(out, "no_color", False) and not getattr(out, "is_terminal", True):
        return out.file
    return None


def render_report(report: Report, out: Console) -> None:
    """Findings grouped by file, then by object, each group with its counts; a summary last."""
    by_file: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for f in report.active:
        by_file[f.group or f.file][f.object].append(f)
    for file, objects in by_file.items():
        total = sum(len(v) for v in objects.values())
        out.print(
            f"[bold]{escape(one_line(file))}[/]: {total} finding{'s' if total != 1 else ''} in {len(objects)} object{'s' if len(objects) != 1 else ''}"
        )
        for obj, findings in objects.items():
            worst = max(f.severity for f in findings)
            out.print(
                Text.assemble(
                    "  ",
                    (one_line(obj), "bold"),
                    f"  {len(findings)} finding{'s' if len(findings) != 1 else ''}, worst ",
                    _sev(worst.name),
                )
            )
            stream = _plain_stream(out)
            lines = plain_findings_table(findings, out.width) if stream is not None else None
            if lines is None:
                out.print(Padding(_findings_table(findings), (0, 0, 0, 4), expand=False))
            else:
                stream.write("".join(line + "\n" for line in lines))
        out.print()
    counts = report.counts()
    parts = ", ".join(f"{n} {s}" for s, n in counts.items())
    n_objects = sum(len(u.objects) for u in report.units)
    agents = sum(1 for u in report.units if u.agent is not None)
    scope = f"{len(report.checks)} checks on {agents} agent{'s' if agents != 1 else ''} and {n_objects} object{'s' if n_objects != 1 else ''}"
    line = f"{len(report.active)} finding{'s' if len(report.active) != 1 else ''} ({parts})"
    if report.suppressed:
        line += f", {len(report.suppressed)} suppressed"
    if report.errors:
        # not "passed": what could not be read was not checked (the errors follow on stderr)
        verdict = "[bold red]INCOMPLETE[/]: an input could not be read (see the errors)"
    elif report.failed:
        verdict = f"[bold red]FAILED[/]: {len(report.failing)} at or above {report.fail_on.name}"
    else:
        verdict = f"[green]passed[/] (nothing at or above {report.fail_on.name})"
    out.print(f"{line}; {scope}; {verdict}")


def render_catalogue(checks: list[dict[str, Any]], out: Console, footer: str) -> None:
    """The catalogue's summaries (``Check.summary``) as a table."""
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("check", overflow="fold")
    table.add_column("source", no_wrap=True)
    for c in checks:
        table.add_row(c["id"], _sev(c["severity"]), c["title"], c["source"])
    out.print(table)
    out.print(footer, markup=False)


def render_explain(check: Check, out: Console) -> None:
    from rich.syntax import Syntax

    out.print(
        Text.assemble((check.id, "bold"), "  ", _sev(check.severity.name), f"  {check.title}")
    )
    out.print()
    out.print(f"[bold]What[/]         {escape(check.description)}")
    out.print(f"[bold]Why[/]          {escape(check.rationale)}")
    out.print(f"[bold]Fix[/]          {escape(check.remediation)}")
    for case, text in check.fixes:
        out.print(f"  [bold]{escape(case)}[/]: {escape(text)}")
    from agentctl.policy.docs import looks_at

    out.print(f"[bold]Looks at[/]     {escape(looks_at(check))}")
    out.print(f"[bold]Source[/]       {escape(check.source)}")
    if check.example:
        out.print()
        out.print("[bold]Example fix[/]")
        out.print(Syntax(check.example, "yaml", theme="ansi_dark", background_color="default"))
