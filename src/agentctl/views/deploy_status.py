"""``agentctl status`` table: agents with type, version, ready/desired, last run and age."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from agentctl.views.phases import styled_phase
from agentctl.views.plain import escape

if TYPE_CHECKING:
    from agentctl.deploy.status import AgentStatus


def age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(max(0, seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{s // size}{unit}"
    return f"{s}s"


def status_table(rows: list[AgentStatus], *, show_namespace: bool) -> Table:
    table = Table(pad_edge=False, box=None, header_style="bold")
    table.add_column("AGENT", no_wrap=True)
    if show_namespace:
        table.add_column("NAMESPACE", no_wrap=True)
    for col in ("TYPE", "VERSION", "READY", "LAST RUN", "AGE"):
        table.add_column(col, no_wrap=col != "LAST RUN")
    for r in rows:
        if r.desired is not None:
            style = "green" if r.healthy else "yellow"
            ready = f"[{style}]{r.ready}/{r.desired}[/]"
            if not r.healthy and r.rollout:
                ready += f" [dim]{escape(r.rollout)}[/]"
        else:
            ready = f"[dim]{escape(r.rollout)}[/]" if r.rollout else "-"
        last = f"{escape(r.last_run)} {styled_phase(r.last_result or '?')}" if r.last_run else "-"
        cells = [escape(r.name)]
        if show_namespace:
            cells.append(escape(r.namespace))
        cells += [
            escape(r.type or "?"),
            escape(r.version or "-"),
            ready,
            last,
            age(r.age_seconds()),
        ]
        table.add_row(*cells)
    return table
