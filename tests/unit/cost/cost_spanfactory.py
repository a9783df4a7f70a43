"""Build synthetic SpanRecords for cost tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from agentctl.spans import SpanRecord

_ids = itertools.count(1)


def ns(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> int:
    return int(dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC).timestamp()) * 10**9


def span(
    *,
    trace: str = "t1",
    parent: str | None = "root",
    op: str | None = "chat",
    provider: str | None = "openai",
    model: str | None = "gpt-4o",
    start: int | None = None,
    seconds: float = 1.0,
    **kw: Any,
) -> SpanRecord:
    start = start if start is not None else ns(2025, 3, 1)
    sid = kw.pop("span_id", None) or f"{next(_ids):016x}"
    return SpanRecord(
        trace_id=trace.ljust(32, "0"),
        span_id=sid,
        parent_span_id=parent,
        name=f"{op} {model}",
        kind=3,
        start_unix_nano=start,
        end_unix_nano=start + int(seconds * 1e9),
        operation=op,
        provider=provider,
        request_model=model,
        **kw,
    )
