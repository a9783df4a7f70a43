"""``agentctl trace``: one line per recent trace."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from agentctl.traces.summary import TraceSummary
from agentctl.views.trace_fmt import count, duration, local_time, status_text


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


def render(summaries: Sequence[TraceSummary], prices: Any | None, *, wide: bool = False) -> Table:
    """One row per trace. Without ``wide`` it fits 80 columns: short trace ids,
    the start without its year, no token counts; ``wide`` shows everything."""
    table = Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        header_style="bold",
        padding=(0, 1, 0, 0),
    )
    table.add_column("TRACE", no_wrap=True)
    table.add_column("AGENT", no_wrap=True, overflow="ellipsis", max_width=28 if wide else 16)
    table.add_column("START", no_wrap=True)
    table.add_column("DURATION", justify="right", no_wrap=True)
    table.add_column("STATUS", no_wrap=True)
    table.add_column("LLM", justify="right")
    table.add_column("TOOLS", justify="right")
    if wide:
        table.add_column("TOKENS IN/OUT", justify="right", no_wrap=True)
    table.add_column("COST", justify="right", no_wrap=True)
    ids = (
        {s.trace_id: s.trace_id for s in summaries}
        if wide
        else short_ids([s.trace_id for s in summaries])
    )
    for s in summaries:
        start = local_time(s.start_unix_nano)
        row: list[Any] = [
            ids[s.trace_id],
            s.agent or Text("-", style="dim"),
            start if wide else start[5:16],
            duration(s.duration_ns),
            status_text(s.status),
            str(s.llm_calls),
            str(s.tool_calls),
        ]
        if wide:
            row.append(f"{count(s.input_tokens)}/{count(s.output_tokens)}")
        row.append(cost_label(prices, s.trace_id, s))
        table.add_row(*row)
    return table
