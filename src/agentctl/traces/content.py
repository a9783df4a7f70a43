"""Captured content of a span, when the instrumentation recorded it (opt-in).

Reads the current GenAI attributes (``gen_ai.input.messages``,
``gen_ai.output.messages``, ``gen_ai.tool.call.arguments|result``), the older
ones (``gen_ai.prompt`` / ``gen_ai.completion``, ``gen_ai.choice`` and
``gen_ai.*.message`` events) and OpenInference / OpenLLMetry keys
(``input.value``, ``output.value``, ``traceloop.entity.input|output``).
Everything here was redacted on the way into the store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agentctl.spans import SpanRecord


@dataclass(frozen=True)
class ToolCallRequest:
    name: str
    arguments: Any = None
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": self.arguments, "id": self.id}


def _loads(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _text_of_parts(parts: Any) -> str | None:
    if isinstance(parts, str):
        return parts
    if not isinstance(parts, list):
        return None
    texts = []
    for part in parts:
        if (
            isinstance(part, dict)
            and part.get("type") in ("text", None)
            and isinstance(part.get("content"), str)
        ):
            texts.append(part["content"])
        elif isinstance(part, str):
            texts.append(part)
    return "\n".join(texts) if texts else None


def _messages_text(messages: Any, role: str | None = None) -> str | None:
    messages = _loads(messages)
    if isinstance(messages, str):
        return messages
    if not isinstance(messages, list):
        return None
    for msg in reversed(messages):
        if not isinstance(msg, dict) or (role and msg.get("role") not in (role, None)):
            continue
        text = _text_of_parts(msg.get("parts"))
        if text is None and isinstance(msg.get("content"), str):
            text = msg["content"]
        if text:
            return text
    return None


def input_text(span: SpanRecord) -> str | None:
    """The last user message sent to the model (or the agent's input)."""
    a = span.attributes
    text = _messages_text(a.get("gen_ai.input.messages"), "user")
    if text is None:
        text = _messages_text(a.get("gen_ai.prompt"), "user")
    if text is None:
        for ev in span.events:
            if ev.name == "gen_ai.user.message":
                text = _text_of_parts(ev.attributes.get("content")) or text
    if text is None:
        text = _str(a.get("input.value") or a.get("traceloop.entity.input"))
    return text


def output_text(span: SpanRecord) -> str | None:
    """The model's (or agent's) final text output."""
    a = span.attributes
    text = _messages_text(a.get("gen_ai.output.messages"), "assistant")
    if text is None:
        text = _messages_text(a.get("gen_ai.completion"), "assistant")
    if text is None:
        for ev in span.events:
            if ev.name == "gen_ai.choice":
                msg = _loads(ev.attributes.get("message"))
                if isinstance(msg, dict) and isinstance(msg.get("content"), str):
                    text = msg["content"]
    if text is None:
        text = _str(a.get("output.value") or a.get("traceloop.entity.output"))
    return text


def tool_calls_requested(span: SpanRecord) -> list[ToolCallRequest]:
    """Tool calls the model asked for in its response (when content was captured)."""
    out: list[ToolCallRequest] = []
    messages = _loads(span.attributes.get("gen_ai.output.messages"))
    if isinstance(messages, list):
        for msg in messages:
            for part in (msg.get("parts") or []) if isinstance(msg, dict) else []:
                if isinstance(part, dict) and part.get("type") == "tool_call" and part.get("name"):
                    out.append(
                        ToolCallRequest(
                            str(part["name"]), _loads(part.get("arguments")), part.get("id")
                        )
                    )
    if out:
        return out
    for ev in span.events:
        if ev.name != "gen_ai.choice":
            continue
        calls = _loads(ev.attributes.get("tool_calls"))
        msg = _loads(ev.attributes.get("message"))
        if calls is None and isinstance(msg, dict):
            calls = msg.get("tool_calls")
        for call in calls if isinstance(calls, list) else []:
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict) and fn.get("name"):
                out.append(
                    ToolCallRequest(str(fn["name"]), _loads(fn.get("arguments")), call.get("id"))
                )
    return out


def tool_arguments(span: SpanRecord) -> Any:
    a = span.attributes
    for key in ("gen_ai.tool.call.arguments", "input.value", "traceloop.entity.input"):
        if a.get(key) is not None:
            return _loads(a[key])
    return None


def tool_result(span: SpanRecord) -> Any:
    a = span.attributes
    for key in ("gen_ai.tool.call.result", "output.value", "traceloop.entity.output"):
        if a.get(key) is not None:
            return _loads(a[key])
    return None


def finish_reasons(span: SpanRecord) -> list[str]:
    value = span.attributes.get("gen_ai.response.finish_reasons")
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value else []


def _str(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
