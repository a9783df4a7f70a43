"""What ``agentctl dev`` shows while it runs: processes, the trace tail, logs.

On a terminal it is a rich ``Live`` panel (process table with status, the
newest spans, the newest log lines); otherwise every event is one plain line,
prefixed with the process it came from, so logs stay readable in CI and when
piped.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from agentctl.spans import STATUS_ERROR, SpanRecord
from agentctl.views.plain import escape
from agentctl.views.words import counted

STATUS_STYLE = {
    "starting": "yellow",
    "running": "cyan",
    "ready": "green",
    "exited": "dim",
    "stopped": "dim",
    "failed": "bold red",
    "succeeded": "green",
    "retrying": "yellow",
    "cancelled": "dim",
    "started": "cyan",
}


@dataclass
class _Row:
    name: str
    kind: str
    status: str
    detail: str
    since: float


def span_line(span: SpanRecord) -> str:
    """One span as a short line: service, name, duration, tokens, status."""
    ms = span.duration_ns / 1e6
    parts = [f"{span.service_name or '?'}", span.name, f"{ms:.0f}ms"]
    if span.input_tokens or span.output_tokens:
        parts.append(f"{span.input_tokens or 0}/{span.output_tokens or 0} tok")
    if span.status == STATUS_ERROR:
        parts.append(f"ERROR {span.status_message or span.error_type or ''}".rstrip())
    return "  ".join(parts)


class DevView:
    """Collects dev events and shows them live (TTY) or as plain lines."""

    def __init__(
        self,
        console: Console,
        *,
        live: bool | None = None,
        log_lines: int = 14,
        span_lines: int = 8,
    ) -> None:
        self.console = console
        self.live_mode = console.is_terminal if live is None else live
        self.rows: dict[str, _Row] = {}
        self.logs: deque[tuple[str, str]] = deque(maxlen=log_lines)
        self.spans: deque[SpanRecord] = deque(maxlen=span_lines)
        self.span_count = 0
        self._lock = threading.Lock()
        self._live: Live | None = None
        self.title = "agentctl dev"

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self) -> DevView:
        if self.live_mode:
            self._live = Live(self, console=self.console, refresh_per_second=4, transient=True)
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)
            self._live = None
            self.console.print(Text(self.title, style="bold"))
            self.console.print(self.process_table())

    def __rich__(self) -> RenderableType:
        return self.render()

    # -- input -------------------------------------------------------------

    def handle(self, event: Any) -> None:
        """A DevEvent from the session (kind, source, text, status)."""
        kind, source, text, status = event.kind, event.source, event.text, event.status
        with self._lock:
            if kind == "log":
                self.logs.append((source, text))
            elif kind in ("status", "step"):
                row = self.rows.get(source)
                if row is None:
                    row = self.rows[source] = _Row(
                        source,
                        "step" if kind == "step" else "",
                        status or "",
                        text,
                        time.monotonic(),
                    )
                row.status, row.detail, row.since = (
                    status or row.status,
                    text or row.detail,
                    time.monotonic(),
                )
        if self._live is not None:
            if kind == "warning":
                self.console.print(f"[yellow]warning:[/] {escape(text)}")
            elif kind == "info":
                self.console.print(f"[dim]{escape(text)}[/]")
            return
        self._plain(kind, source, text, status)

    def handle_info(self, text: str) -> None:
        if self._live is not None:
            self.title = text
        else:
            self.console.print(f"agentctl | {escape(text)}")

    def set_kind(self, name: str, kind: str) -> None:
        with self._lock:
            row = self.rows.setdefault(name, _Row(name, kind, "starting", "", time.monotonic()))
            row.kind = kind

    def add_spans(self, spans: Iterable[SpanRecord]) -> None:
        new = list(spans)
        with self._lock:
            self.spans.extend(new)
            self.span_count += len(new)
        if self._live is None:
            for span in new:
                self.console.print(
                    f"[magenta]trace[/] | {escape(span_line(span))}", highlight=False
                )

    def _plain(self, kind: str, source: str, text: str, status: str | None) -> None:
        if kind == "log":
            self.console.print(f"{escape(source)} | {escape(text)}", highlight=False, markup=True)
        elif kind in ("status", "step"):
            style = STATUS_STYLE.get(status or "", "")
            label = f"[{style}]{status}[/]" if style else str(status)
            tail = f" ({escape(text)})" if text else ""
            self.console.print(f"agentctl | {escape(source)}: {label}{tail}")
        elif kind == "warning":
            self.console.print(f"[yellow]warning:[/] {escape(text)}")
        else:
            self.console.print(f"agentctl | {escape(text)}")

    # -- rendering ---------------------------------------------------------

    def process_table(self) -> Table:
        table = Table(box=None, pad_edge=False)
        table.add_column("process")
        table.add_column("status")
        table.add_column("detail", overflow="fold")
        with self._lock:
            rows = list(self.rows.values())
        for row in rows:
            style = STATUS_STYLE.get(row.status, "")
            table.add_row(Text(row.name), Text(row.status, style=style), Text(row.detail))
        return table

    def render(self) -> RenderableType:
        with self._lock:
            spans = list(self.spans)
            logs = list(self.logs)
            count = self.span_count
        traces = Text()
        traces.append(f"trace tail ({counted(count, 'span')})\n", style="bold")
        for span in spans:
            style = "red" if span.status == STATUS_ERROR else ""
            traces.append(span_line(span) + "\n", style=style)
        log_text = Text()
        log_text.append("logs\n", style="bold")
        for source, line in logs:
            log_text.append(f"{source} | ", style="bold")
            log_text.append(line + "\n")
        return Group(
            Text(self.title, style="bold"), self.process_table(), Text(""), traces, log_text
        )
