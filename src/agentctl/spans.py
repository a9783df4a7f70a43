"""The normalised span: what the receiver stores and cost/eval/trace views read.

Ingestion (``agentctl.telemetry``) maps every OTLP span, whatever GenAI
convention version or vendor (OpenInference, OpenLLMetry) it follows, onto
this one shape; pure logic (``agentctl.cost``, ``agentctl.eval``) and the
views never look at raw attribute keys for the fields below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Normalised values of ``operation`` (gen_ai.operation.name).
OP_CHAT = "chat"
OP_INVOKE_AGENT = "invoke_agent"
OP_INVOKE_WORKFLOW = "invoke_workflow"
OP_EXECUTE_TOOL = "execute_tool"

# Operations that are one call to a model (counted as "LLM calls", priced by cost).
LLM_OPERATIONS = frozenset({"chat", "text_completion", "generate_content", "embeddings"})
# Operations whose token counts are roll-ups of their children, never model calls.
ROLLUP_OPERATIONS = frozenset({"invoke_agent", "invoke_workflow", "create_agent", "execute_tool"})

STATUS_UNSET = "unset"
STATUS_OK = "ok"
STATUS_ERROR = "error"


@dataclass(slots=True)
class SpanEvent:
    name: str
    time_unix_nano: int
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SpanRecord:
    trace_id: str  # 32 lower-case hex characters
    span_id: str  # 16 lower-case hex characters
    parent_span_id: str | None
    name: str
    kind: int  # OTLP SpanKind enum value
    start_unix_nano: int
    end_unix_nano: int
    status: str = STATUS_UNSET  # unset | ok | error
    status_message: str = ""
    service_name: str | None = None
    agent_name: str | None = None
    agent_version: str | None = None
    team: str | None = None
    conversation_id: str | None = None
    operation: str | None = None
    provider: str | None = None  # OTel provider name (gen_ai.provider.name / gen_ai.system)
    request_model: str | None = None
    response_model: str | None = None
    input_tokens: int | None = None  # includes cached input tokens
    output_tokens: int | None = None  # includes reasoning tokens
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None
    tool_name: str | None = None
    error_type: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)  # redacted
    resource: dict[str, Any] = field(default_factory=dict)  # redacted
    events: list[SpanEvent] = field(default_factory=list)

    @property
    def duration_ns(self) -> int:
        return max(0, self.end_unix_nano - self.start_unix_nano)

    @property
    def is_root(self) -> bool:
        return not self.parent_span_id

    @property
    def model(self) -> str | None:
        return self.response_model or self.request_model

    @property
    def is_llm_call(self) -> bool:
        """One model call: a GenAI inference operation, or a span with a model and usage
        that is not an agent/workflow/tool span (those often repeat their children's usage,
        so summing tokens over LLM calls never counts a call twice)."""
        if self.operation in LLM_OPERATIONS:
            return True
        if self.operation in ROLLUP_OPERATIONS:
            return False
        has_usage = any(
            n is not None
            for n in (
                self.input_tokens,
                self.output_tokens,
                self.cache_read_tokens,
                self.cache_write_tokens,
                self.reasoning_tokens,
            )
        )
        return self.model is not None and has_usage

    @property
    def is_tool_call(self) -> bool:
        return self.operation == OP_EXECUTE_TOOL
