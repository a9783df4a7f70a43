"""OTLP payloads for tests (protobuf and OTLP/JSON), built without an SDK."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1 import common_pb2


def any_value(v: Any) -> common_pb2.AnyValue:
    a = common_pb2.AnyValue()
    if isinstance(v, bool):
        a.bool_value = v
    elif isinstance(v, int):
        a.int_value = v
    elif isinstance(v, float):
        a.double_value = v
    elif isinstance(v, str):
        a.string_value = v
    elif isinstance(v, list | tuple):
        a.array_value.values.extend(any_value(x) for x in v)
    elif isinstance(v, dict):
        a.kvlist_value.values.extend(
            common_pb2.KeyValue(key=k, value=any_value(x)) for k, x in v.items()
        )
    return a


def kvs(attrs: dict[str, Any]) -> list[common_pb2.KeyValue]:
    return [common_pb2.KeyValue(key=k, value=any_value(v)) for k, v in attrs.items()]


def span(
    name: str,
    *,
    trace_id: bytes,
    span_id: bytes | None = None,
    parent: bytes | None = None,
    attrs: dict[str, Any] | None = None,
    start: int | None = None,
    duration_ns: int = 1_000_000,
    status: int = 0,
    message: str = "",
    events: list[tuple[str, dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    start = start if start is not None else time.time_ns()
    return {
        "name": name,
        "trace_id": trace_id,
        "span_id": span_id or os.urandom(8),
        "parent": parent,
        "attrs": attrs or {},
        "start": start,
        "end": start + duration_ns,
        "status": status,
        "message": message,
        "events": events or [],
    }


def request(
    spans: list[dict[str, Any]], resource: dict[str, Any] | None = None
) -> ExportTraceServiceRequest:
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.extend(kvs(resource or {"service.name": "svc"}))
    ss = rs.scope_spans.add()
    ss.scope.name = "tests"
    for s in spans:
        sp = ss.spans.add()
        sp.trace_id = s["trace_id"]
        sp.span_id = s["span_id"]
        if s["parent"]:
            sp.parent_span_id = s["parent"]
        sp.name = s["name"]
        sp.kind = 1
        sp.start_time_unix_nano = s["start"]
        sp.end_time_unix_nano = s["end"]
        sp.attributes.extend(kvs(s["attrs"]))
        sp.status.code = s["status"]
        sp.status.message = s["message"]
        for name, attrs in s["events"]:
            ev = sp.events.add()
            ev.name = name
            ev.time_unix_nano = s["start"]
            ev.attributes.extend(kvs(attrs))
    return req


def protobuf(spans: list[dict[str, Any]], resource: dict[str, Any] | None = None) -> bytes:
    return request(spans, resource).SerializeToString()


def _json_value(v: Any) -> dict[str, Any]:
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, list | tuple):
        return {"arrayValue": {"values": [_json_value(x) for x in v]}}
    if isinstance(v, dict):
        return {
            "kvlistValue": {"values": [{"key": k, "value": _json_value(x)} for k, x in v.items()]}
        }
    return {"stringValue": str(v)}


def json_doc(spans: list[dict[str, Any]], resource: dict[str, Any] | None = None) -> dict[str, Any]:
    """OTLP/JSON as the spec defines it: hex ids, string int64s, integer enums."""
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        {"key": k, "value": _json_value(v)}
                        for k, v in (resource or {"service.name": "svc"}).items()
                    ]
                },
                "scopeSpans": [
                    {
                        "scope": {"name": "tests"},
                        "spans": [
                            {
                                "traceId": s["trace_id"].hex(),
                                "spanId": s["span_id"].hex(),
                                **({"parentSpanId": s["parent"].hex()} if s["parent"] else {}),
                                "name": s["name"],
                                "kind": 1,
                                "startTimeUnixNano": str(s["start"]),
                                "endTimeUnixNano": str(s["end"]),
                                "attributes": [
                                    {"key": k, "value": _json_value(v)}
                                    for k, v in s["attrs"].items()
                                ],
                                "events": [
                                    {
                                        "name": n,
                                        "timeUnixNano": str(s["start"]),
                                        "attributes": [
                                            {"key": k, "value": _json_value(v)}
                                            for k, v in a.items()
                                        ],
                                    }
                                    for n, a in s["events"]
                                ],
                                "status": {"code": s["status"], "message": s["message"]},
                            }
                            for s in spans
                        ],
                    }
                ],
            }
        ]
    }


def json_bytes(spans: list[dict[str, Any]], resource: dict[str, Any] | None = None) -> bytes:
    return json.dumps(json_doc(spans, resource)).encode()


def agent_run(
    *,
    agent: str = "weather-bot",
    conversation: str | None = None,
    error: bool = False,
    start: int | None = None,
    model: str = "gpt-4o-mini",
) -> list[dict[str, Any]]:
    """invoke_agent -> chat (asks for a tool) -> execute_tool -> chat (answers)."""
    tid = os.urandom(16)
    root = os.urandom(8)
    t0 = start if start is not None else time.time_ns()
    conv = {"gen_ai.conversation.id": conversation} if conversation else {}
    llm = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": model,
    }
    return [
        span(
            f"invoke_agent {agent}",
            trace_id=tid,
            span_id=root,
            attrs={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent, **conv},
            start=t0,
            duration_ns=50_000_000,
        ),
        span(
            f"chat {model}",
            trace_id=tid,
            parent=root,
            start=t0 + 1_000_000,
            duration_ns=10_000_000,
            attrs={
                **llm,
                "gen_ai.usage.input_tokens": 100,
                "gen_ai.usage.output_tokens": 10,
                "gen_ai.output.messages": json.dumps(
                    [
                        {
                            "role": "assistant",
                            "parts": [
                                {
                                    "type": "tool_call",
                                    "name": "get_weather",
                                    "arguments": {"city": "Paris"},
                                }
                            ],
                        }
                    ]
                ),
            },
        ),
        span(
            "execute_tool get_weather",
            trace_id=tid,
            parent=root,
            start=t0 + 12_000_000,
            duration_ns=5_000_000,
            status=2 if error else 0,
            message="upstream timed out" if error else "",
            attrs={
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "get_weather",
                "gen_ai.tool.call.arguments": '{"city": "Paris"}',
                "gen_ai.tool.call.result": '{"celsius": 21}',
                **({"error.type": "TimeoutError"} if error else {}),
            },
        ),
        span(
            f"chat {model}",
            trace_id=tid,
            parent=root,
            start=t0 + 20_000_000,
            duration_ns=10_000_000,
            attrs={
                **llm,
                "gen_ai.usage.input_tokens": 150,
                "gen_ai.usage.output_tokens": 20,
                "gen_ai.output.messages": json.dumps(
                    [
                        {
                            "role": "assistant",
                            "parts": [{"type": "text", "content": "It is 21C in Paris."}],
                        }
                    ]
                ),
            },
        ),
    ]
