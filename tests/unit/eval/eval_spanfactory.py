"""Synthetic spans for evaluation tests."""

from __future__ import annotations

import itertools
from typing import Any

from agentctl.spans import SpanEvent, SpanRecord

_ids = itertools.count(1)
T0 = 1_740_787_200 * 10**9  # 2025-03-01


def run(
    trace: str,
    *,
    agent: str = "bot",
    version: str = "1.0",
    status: str = "ok",
    tools: list[tuple[str, str]] | None = None,
    events: list[tuple[str, dict[str, Any]]] | None = None,
    child_error_type: str | None = None,
    start: int = T0,
) -> list[SpanRecord]:
    """One run: an invoke_agent root, a chat span (carrying ``events``) and tool calls."""
    common = {"agent_name": agent, "agent_version": version}
    root = SpanRecord((trace + "-").ljust(32, "0"), f"{next(_ids):016x}", None, f"invoke_agent {agent}", 1,
                      start, start + 10**9, status=status, operation="invoke_agent", **common)  # fmt: skip
    chat = SpanRecord(root.trace_id, f"{next(_ids):016x}", root.span_id, "chat m", 3, start, start + 1,
                      operation="chat", error_type=child_error_type,
                      events=[SpanEvent(n, start, a) for n, a in (events or [])], **common)  # fmt: skip
    out = [root, chat]
    for name, st in tools or []:
        out.append(SpanRecord(root.trace_id, f"{next(_ids):016x}", root.span_id, f"execute_tool {name}", 1,
                              start, start + 1, status=st, operation="execute_tool", tool_name=name, **common))  # fmt: skip
    return out


def evaluation(
    name: str, *, label: str | None = None, score: float | None = None
) -> tuple[str, dict[str, Any]]:
    attrs: dict[str, Any] = {"gen_ai.evaluation.name": name}
    if label is not None:
        attrs["gen_ai.evaluation.score.label"] = label
    if score is not None:
        attrs["gen_ai.evaluation.score.value"] = score
    return "gen_ai.evaluation.result", attrs


def guardrail(result: str, policy: str = "pii") -> tuple[str, dict[str, Any]]:
    return "gen_ai.guardrail.result", {
        "gen_ai.guardrail.result.type": result,
        "gen_ai.guardrail.policy.id": policy,
    }
