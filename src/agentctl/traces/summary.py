"""One line per trace: what ``agentctl trace`` lists, from the store or a remote backend.

Definitions shared by the SQLite aggregates (``store.py``) and
:func:`summarise` (remote sources), so both agree:

- *LLM calls* are spans with ``SpanRecord.is_llm_call``; token totals sum
  those spans only (an agent span repeating its children's usage is not
  counted twice).
- *tool calls* are ``execute_tool`` spans.
- *status* is ``error`` when any span of the trace ended in error, else
  ``ok`` (instrumentations mostly leave successful spans ``unset``).
- *agent* is the root span's agent, else the first agent seen, else the
  root's ``service.name``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from agentctl.spans import STATUS_ERROR, STATUS_OK, SpanRecord


@dataclass(slots=True)
class TraceSummary:
    trace_id: str
    start_unix_nano: int
    end_unix_nano: int
    root_name: str | None = None
    agent_name: str | None = None
    service_name: str | None = None
    conversation_id: str | None = None
    status: str = STATUS_OK
    span_count: int = 0
    llm_calls: int = 0
    tool_calls: int = 0
    error_count: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def duration_ns(self) -> int:
        return max(0, self.end_unix_nano - self.start_unix_nano)

    @property
    def agent(self) -> str | None:
        return self.agent_name or self.service_name

    def tokens(self) -> dict[str, int]:
        return {
            "input": self.input_tokens,
            "output": self.output_tokens,
            "cacheRead": self.cache_read_tokens,
            "cacheWrite": self.cache_write_tokens,
            "reasoning": self.reasoning_tokens,
            "total": self.input_tokens + self.output_tokens,
        }

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape (camelCase, like every agentctl envelope)."""
        return {
            "traceId": self.trace_id,
            "start": iso_time(self.start_unix_nano),
            "startUnixNano": self.start_unix_nano,
            "durationMs": round(self.duration_ns / 1e6, 3),
            "rootName": self.root_name,
            "agent": self.agent,
            "agentName": self.agent_name,
            "serviceName": self.service_name,
            "conversationId": self.conversation_id,
            "status": self.status,
            "spans": self.span_count,
            "llmCalls": self.llm_calls,
            "toolCalls": self.tool_calls,
            "errors": self.error_count,
            "tokens": self.tokens(),
        }


def iso_time(unix_nano: int) -> str:
    """UTC ISO-8601 with milliseconds, e.g. ``2025-01-31T12:00:00.123Z``."""
    import datetime as _dt

    unix_nano = min(
        max(unix_nano, 0), 2**63 - 1
    )  # what the store holds; a stray value must not raise
    t = _dt.datetime.fromtimestamp(unix_nano / 1e9, tz=_dt.UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def summarise(trace_id: str, spans: Iterable[SpanRecord]) -> TraceSummary:
    """Summarise one trace's spans (the same rules as the store's aggregates)."""
    s = TraceSummary(trace_id=trace_id, start_unix_nano=0, end_unix_nano=0)
    root: SpanRecord | None = None
    first_agent: str | None = None
    first_service: str | None = None
    for sp in spans:
        if s.span_count == 0 or sp.start_unix_nano < s.start_unix_nano:
            s.start_unix_nano = sp.start_unix_nano
        s.end_unix_nano = max(s.end_unix_nano, sp.end_unix_nano)
        s.span_count += 1
        if sp.is_root and (root is None or sp.start_unix_nano < root.start_unix_nano):
            root = sp
        first_agent = first_agent or sp.agent_name
        first_service = first_service or sp.service_name
        s.conversation_id = s.conversation_id or sp.conversation_id
        if sp.status == STATUS_ERROR:
            s.error_count += 1
        if sp.is_tool_call:
            s.tool_calls += 1
        if sp.is_llm_call:
            s.llm_calls += 1
            s.input_tokens += sp.input_tokens or 0
            s.output_tokens += sp.output_tokens or 0
            s.cache_read_tokens += sp.cache_read_tokens or 0
            s.cache_write_tokens += sp.cache_write_tokens or 0
            s.reasoning_tokens += sp.reasoning_tokens or 0
    s.root_name = root.name if root else None
    s.agent_name = (root.agent_name if root else None) or first_agent
    s.service_name = (root.service_name if root else None) or first_service
    s.status = STATUS_ERROR if s.error_count else STATUS_OK
    return s
