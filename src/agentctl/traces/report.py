"""Plain data for ``agentctl trace`` output: the JSON shapes and the span tree.

The views render these; ``-o json`` emits them inside the usual envelope.
Costs are passed in (an :class:`agentctl.cost.llm` pricing, or None to show
tokens only).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agentctl.spans import SpanRecord
from agentctl.traces import content
from agentctl.traces.summary import TraceSummary, iso_time, summarise

_LLM_COLUMNS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
)


def span_tokens(sp: SpanRecord) -> dict[str, int] | None:
    if all(getattr(sp, c) is None for c in _LLM_COLUMNS):
        return None
    return {
        "input": sp.input_tokens or 0,
        "output": sp.output_tokens or 0,
        "cacheRead": sp.cache_read_tokens or 0,
        "cacheWrite": sp.cache_write_tokens or 0,
        "reasoning": sp.reasoning_tokens or 0,
    }


def span_dict(sp: SpanRecord, prices: Any | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "traceId": sp.trace_id,
        "spanId": sp.span_id,
        "parentSpanId": sp.parent_span_id,
        "name": sp.name,
        "kind": sp.kind,
        "start": iso_time(sp.start_unix_nano),
        "startUnixNano": sp.start_unix_nano,
        "endUnixNano": sp.end_unix_nano,
        "durationMs": round(sp.duration_ns / 1e6, 3),
        "status": sp.status,
        "statusMessage": sp.status_message or None,
        "errorType": sp.error_type,
        "serviceName": sp.service_name,
        "agentName": sp.agent_name,
        "agentVersion": sp.agent_version,
        "team": sp.team,
        "conversationId": sp.conversation_id,
        "operation": sp.operation,
        "provider": sp.provider,
        "requestModel": sp.request_model,
        "responseModel": sp.response_model,
        "model": sp.model,
        "tokens": span_tokens(sp),
        "toolName": sp.tool_name,
    }
    if sp.is_llm_call:
        d["toolCallsRequested"] = [c.to_dict() for c in content.tool_calls_requested(sp)]
        d["finishReasons"] = content.finish_reasons(sp)
        d["input"] = content.input_text(sp)
        d["output"] = content.output_text(sp)
    if sp.is_tool_call:
        d["arguments"] = content.tool_arguments(sp)
        d["result"] = content.tool_result(sp)
    if prices is not None:
        cost = prices.for_span(sp.span_id)
        d["cost"] = cost.price.to_dict() if cost is not None else None
    d["attributes"] = sp.attributes
    d["resource"] = sp.resource
    d["events"] = [
        {"name": e.name, "time": iso_time(e.time_unix_nano), "attributes": e.attributes}
        for e in sp.events
    ]
    return d


def trace_cost(prices: Any | None, trace_id: str) -> dict[str, Any] | None:
    if prices is None:
        return None
    result: dict[str, Any] = prices.for_trace(trace_id).to_dict()
    return result


def list_data(summaries: Sequence[TraceSummary], prices: Any | None, source: str) -> dict[str, Any]:
    traces = []
    for s in summaries:
        d = s.to_dict()
        d["cost"] = trace_cost(prices, s.trace_id)
        traces.append(d)
    out: dict[str, Any] = {"source": source, "traces": traces}
    if prices is not None:
        out["priceData"] = prices.price_data
    return out


@dataclass
class Node:
    span: SpanRecord
    depth: int
    children: list[Node] = field(default_factory=list)


def build_tree(spans: Sequence[SpanRecord]) -> list[Node]:
    """Roots (spans whose parent is absent) with children in start order."""
    by_id = {sp.span_id: Node(sp, 0) for sp in spans}
    roots: list[Node] = []
    for sp in sorted(spans, key=lambda s: (s.start_unix_nano, s.span_id)):
        node = by_id[sp.span_id]
        parent = by_id.get(sp.parent_span_id or "")
        if parent is None or parent is node:
            roots.append(node)
        else:
            parent.children.append(node)

    def set_depth(node: Node, depth: int, seen: set[str]) -> None:
        node.depth = depth
        seen.add(node.span.span_id)
        node.children = [c for c in node.children if c.span.span_id not in seen]
        for c in node.children:
            set_depth(c, depth + 1, seen)

    seen: set[str] = set()
    for r in roots:
        set_depth(r, 0, seen)
    return roots


def walk(nodes: Iterable[Node]) -> Iterable[Node]:
    for n in nodes:
        yield n
        yield from walk(n.children)


def final_output(spans: Sequence[SpanRecord]) -> str | None:
    """The agent's final answer: the root's output, else the last model response's text."""
    for sp in spans:
        if sp.is_root:
            text = content.output_text(sp)
            if text:
                return text
    for sp in sorted(spans, key=lambda s: s.end_unix_nano, reverse=True):
        if sp.is_llm_call:
            text = content.output_text(sp)
            if text:
                return text
    return None


def detail_data(
    trace_id: str, spans: Sequence[SpanRecord], prices: Any | None, source: str
) -> dict[str, Any]:
    summary = summarise(trace_id, spans)
    trace = summary.to_dict()
    trace["cost"] = trace_cost(prices, trace_id)
    ordered = [n.span for n in walk(build_tree(spans))]
    out: dict[str, Any] = {
        "source": source,
        "trace": trace,
        "spans": [span_dict(sp, prices) for sp in ordered],
        "output": final_output(spans),
    }
    if prices is not None:
        out["priceData"] = prices.price_data
    return out
