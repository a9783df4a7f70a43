"""Small formatting helpers shared by the trace views."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from typing import TYPE_CHECKING, Any

from agentctl.spans import SpanRecord

if TYPE_CHECKING:
    from rich.text import Text


_SHOWN_TEXT = ("name", "service_name", "agent_name", "agent_version", "team", "status_message",
               "provider", "request_model", "response_model", "tool_name", "error_type")  # fmt: skip


def displayed(sp: SpanRecord) -> SpanRecord:
    """The span as the trace views show it: its names and messages on one line
    (:func:`agentctl.views.plain.one_line`); the span itself when they already are."""
    from agentctl.views.plain import one_line

    changed: dict[str, Any] = {}
    for field in _SHOWN_TEXT:
        value = getattr(sp, field)
        if value and not value.isprintable():
            changed[field] = one_line(value)
    return dataclasses.replace(sp, **changed) if changed else sp


def duration(ns: int) -> str:
    if ns >= 60_000_000_000:
        minutes, rest = divmod(ns / 1e9, 60)
        return f"{int(minutes)}m{rest:04.1f}s"
    if ns >= 1_000_000_000:
        return f"{ns / 1e9:.2f}s"
    if ns >= 1_000_000:
        return f"{ns / 1e6:.0f}ms" if ns >= 10_000_000 else f"{ns / 1e6:.1f}ms"
    return f"{ns / 1e3:.0f}µs"


def local_time(unix_nano: int, *, with_date: bool = True) -> str:
    t = _dt.datetime.fromtimestamp(unix_nano / 1e9).astimezone()
    return (
        t.strftime("%Y-%m-%d %H:%M:%S")
        if with_date
        else t.strftime("%H:%M:%S.") + f"{t.microsecond // 1000:03d}"
    )


def count(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1e6:.1f}M"
    if n >= 10_000:
        return f"{n / 1e3:.0f}k"
    if n >= 1_000:
        return f"{n / 1e3:.1f}k"
    return str(n)


def short(value: Any, width: int = 100) -> str:
    """One line, at most ``width`` characters."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def error_reason(sp: SpanRecord, width: int = 100) -> str:
    """Why a failed span failed, on one line: its error type and status message."""
    reason = ": ".join(x for x in (sp.error_type, sp.status_message) if x) or "failed"
    return short(reason, width)


def status_text(status: str) -> Text:
    from rich.text import Text

    if status == "error":
        return Text("error", style="bold red")
    return Text(status, style="green" if status == "ok" else "dim")


def span_tokens(sp: SpanRecord) -> str:
    if sp.input_tokens is None and sp.output_tokens is None:
        return ""
    text = f"in {count(sp.input_tokens or 0)} · out {count(sp.output_tokens or 0)} tok"
    extra = []
    if sp.cache_read_tokens:
        extra.append(f"cache {count(sp.cache_read_tokens)}")
    if sp.reasoning_tokens:
        extra.append(f"reasoning {count(sp.reasoning_tokens)}")
    return text + (f" ({', '.join(extra)})" if extra else "")


def span_style(sp: SpanRecord) -> str:
    if sp.status == "error":
        return "red"
    if sp.is_llm_call:
        return "magenta"
    if sp.is_tool_call:
        return "cyan"
    return "blue"
