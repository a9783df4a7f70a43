"""``agentctl trace --follow``: a live tail of spans, grouped by trace.

Plain lines (no live region), so it works the same into a pipe or a file:
a header line when a trace first appears (or reappears after another
trace's spans), then one indented line per span as it is stored.
"""

from __future__ import annotations

from rich.text import Text

from agentctl.spans import SpanRecord
from agentctl.views.trace_fmt import (
    displayed,
    duration,
    error_reason,
    local_time,
    span_style,
    span_tokens,
)


class FollowFormatter:
    def __init__(self) -> None:
        self._current: str | None = None
        self._seen: set[str] = set()

    def lines(self, sp: SpanRecord) -> list[Text]:
        sp = displayed(sp)
        out: list[Text] = []
        if sp.trace_id != self._current:
            self._current = sp.trace_id
            again = sp.trace_id in self._seen
            self._seen.add(sp.trace_id)
            if len(self._seen) > 10_000:
                self._seen = {sp.trace_id}
            head = Text()
            head.append(f"trace {sp.trace_id}", style="bold")
            who = sp.agent_name or sp.service_name
            if who:
                head.append(f"  {who}")
            if again:
                head.append("  (continued)", style="dim")
            out.append(head)
        line = Text("  ")
        line.append(
            local_time(sp.end_unix_nano or sp.start_unix_nano, with_date=False), style="dim"
        )
        line.append("  ")
        line.append(sp.name or "(unnamed)", style=span_style(sp))
        line.append(f"  {duration(sp.duration_ns)}")
        if sp.is_llm_call:
            if sp.model:
                line.append(f"  {sp.model}")
            tokens = span_tokens(sp)
            if tokens:
                line.append(f"  {tokens}")
        elif sp.is_tool_call and sp.tool_name and sp.tool_name not in sp.name:
            line.append(f"  tool {sp.tool_name}")
        if sp.status == "error":
            line.append(f"  ERROR {error_reason(sp, 100)}", style="bold red")
        elif sp.is_root:
            line.append("  done", style="green")
        out.append(line)
        return out
