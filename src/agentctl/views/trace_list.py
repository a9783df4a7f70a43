"""``agentctl trace``: one line per recent trace."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentctl.traces.summary import TraceSummary
from agentctl.views.plain import Grid, one_line
from agentctl.views.trace_fmt import count, duration, local_time


def cost_label(prices: Any | None, trace_id: str, summary: TraceSummary) -> str:
    if prices is None:
        return "n/a"
    if summary.llm_calls == 0:
        return "-"
    return str(prices.for_trace(trace_id).label)


SHORT_ID = 8  # like git's short hashes: enough to tell traces apart, accepted by -t


def short_ids(trace_ids: Sequence[str], minimum: int = SHORT_ID) -> dict[str, str]:
    """The shortest prefix (at least ``minimum`` characters) telling each id from the others."""
    out: dict[str, str] = {}
    for tid in trace_ids:
        n = minimum
        while n < len(tid) and any(o != tid and o.startswith(tid[:n]) for o in trace_ids):
            n += 1
        out[tid] = tid[:n]
    return out


def render(summaries: Sequence[TraceSummary], prices: Any | None, *, wide: bool = False) -> Grid:
    """One row per trace. Without ``wide`` it fits 80 columns: short trace ids,
    the start without its year, no token counts; ``wide`` shows everything."""
    headers = ["TRACE", "AGENT", "START", "DURATION", "STATUS", "LLM", "TOOLS"]
    if wide:
        headers.append("TOKENS IN/OUT")
    headers.append("COST")
    ids = (
        {s.trace_id: s.trace_id for s in summaries}
        if wide
        else short_ids([s.trace_id for s in summaries])
    )
    rows = []
    unnamed = {i for i, s in enumerate(summaries) if not s.agent}
    for s in summaries:
        start = local_time(s.start_unix_nano)
        row = [
            ids[s.trace_id],
            one_line(s.agent or "-"),
            start if wide else start[5:16],
            duration(s.duration_ns),
            s.status,
            str(s.llm_calls),
            str(s.tool_calls),
        ]
        if wide:
            row.append(f"{count(s.input_tokens)}/{count(s.output_tokens)}")
        row.append(cost_label(prices, s.trace_id, s))
        rows.append(row)
    right = {3, 5, 6, 7, 8} if wide else {3, 5, 6, 7}
    return Grid(headers, rows, lambda grid: _rich_table(grid, unnamed), right=frozenset(right), rule=True,
                max_width={1: 28 if wide else 16})  # fmt: skip


def _rich_table(grid: Grid, unnamed: set[int]) -> Any:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from agentctl.views.trace_fmt import status_text

    table = Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        header_style="bold",
        padding=(0, 1, 0, 0),
    )
    for i, header in enumerate(grid.headers):
        if i == 1:
            table.add_column(header, no_wrap=True, overflow="ellipsis", max_width=grid.max_width[1])
        elif header in ("LLM", "TOOLS"):
            table.add_column(header, justify="right")
        else:
            table.add_column(header, justify="right" if i in grid.right else "left", no_wrap=True)
    for i, row in enumerate(grid.rows):
        cells: list[Any] = [Text(cell) for cell in row]  # names as sent, never markup
        if i in unnamed:
            cells[1] = Text("-", style="dim")
        cells[4] = status_text(row[4])
        table.add_row(*cells)
    return table
