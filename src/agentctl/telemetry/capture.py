"""Prompt and output content, kept only where capturing it is allowed.

An agent opts in with ``spec.observability.captureContent``; scaffolds then
tell the instrumentation to record messages. An exporter may send content
anyway (another SDK, a misconfigured agent), so the receiver enforces the
setting when spans arrive: unless capture is allowed, the attributes and
events that carry messages, tool arguments and tool results are dropped
before storage, and the span says so (``agentctl.content.dropped``).
"""

from __future__ import annotations

from agentctl.spans import SpanRecord

# Attribute keys carrying content: GenAI semantic conventions (current and
# older), OpenInference and OpenLLMetry.
CONTENT_KEYS = frozenset(
    {
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.system_instructions",
        "gen_ai.tool.call.arguments",
        "gen_ai.tool.call.result",
        "gen_ai.tool.definitions",
        "gen_ai.prompt",
        "gen_ai.completion",
        "input.value",
        "output.value",
        "traceloop.entity.input",
        "traceloop.entity.output",
    }
)
CONTENT_PREFIXES = (
    "gen_ai.prompt.",
    "gen_ai.completion.",
    "llm.input_messages",
    "llm.output_messages",
)
CONTENT_EVENTS = frozenset(
    {
        "gen_ai.system.message",
        "gen_ai.user.message",
        "gen_ai.assistant.message",
        "gen_ai.tool.message",
        "gen_ai.choice",
        "gen_ai.client.inference.operation.details",
    }
)
DROPPED = "agentctl.content.dropped"


def is_content_key(key: str) -> bool:
    return key in CONTENT_KEYS or key.startswith(CONTENT_PREFIXES)


def drop_content(span: SpanRecord) -> bool:
    """Remove content attributes and events from ``span`` in place; True if any were there."""
    keys = [k for k in span.attributes if is_content_key(k)]
    events = [e for e in span.events if e.name in CONTENT_EVENTS]
    if not keys and not events:
        return False
    attrs = {k: v for k, v in span.attributes.items() if k not in keys}
    attrs[DROPPED] = True
    span.attributes = attrs
    if events:
        span.events = [e for e in span.events if e.name not in CONTENT_EVENTS]
    return True
