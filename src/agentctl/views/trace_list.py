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


def render(summaries: Sequence[TraceSummary], prices: Any | None) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("TRACE", no_wrap=True)
    table.add_column("AGENT", no_wrap=True, overflow="ellipsis", max_width=28)
    table.add_column("START", no_wrap=True)
    table.add_column("DURATION", justify="right", no_wrap=True)
    table.add_column("STATUS", no_wrap=True)
    table.add_column("LLM", justify="right")
    table.add_column("TOOLS", justify="right")
    table.add_column("TOKENS IN/OUT", justify="right", no_wrap=True)
    table.add_column("COST", justify="right", no_wrap=True)
    for s in summaries:
        table.add_row(
            s.trace_id,
            s.agent or Text("-", style="dim"),
            local_time(s.start_unix_nano),
            duration(s.duration_ns),
            status_text(s.status),
            str(s.llm_calls),
            str(s.tool_calls),
            f"{count(s.input_tokens)}/{count(s.output_tokens)}",
            cost_label(prices, s.trace_id, s),
        )
    return table
