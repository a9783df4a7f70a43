"""Map raw OTLP span attributes, whatever convention they follow, onto SpanRecord.

Read in order of preference (first present wins):

==================  ===========================================================
field               keys
==================  ===========================================================
operation           ``gen_ai.operation.name``; OpenInference
                    ``openinference.span.kind``; OpenLLMetry
                    ``llm.request.type`` / ``traceloop.span.kind``; else the
                    first word of the span name when it is a GenAI operation
provider            ``gen_ai.provider.name``, ``gen_ai.system``,
                    ``llm.provider``, ``llm.system`` (old values aliased)
request model       ``gen_ai.request.model``, ``llm.request.model``
response model      ``gen_ai.response.model``, ``llm.response.model``,
                    ``llm.model_name`` (OpenInference)
input tokens        ``gen_ai.usage.input_tokens``, ``gen_ai.usage.prompt_tokens``,
                    ``llm.token_count.prompt``, ``llm.usage.prompt_tokens``
output tokens       ``gen_ai.usage.output_tokens``,
                    ``gen_ai.usage.completion_tokens``,
                    ``llm.token_count.completion``, ``llm.usage.completion_tokens``
cache read          ``gen_ai.usage.cache_read.input_tokens``,
                    ``gen_ai.usage.cache_read_input_tokens``,
                    ``llm.token_count.prompt_details.cache_read``
cache write         ``gen_ai.usage.cache_write.input_tokens``,
                    ``gen_ai.usage.cache_creation.input_tokens``,
                    ``gen_ai.usage.cache_creation_input_tokens``,
                    ``llm.token_count.prompt_details.cache_write``
reasoning           ``gen_ai.usage.reasoning.output_tokens``,
                    ``gen_ai.usage.reasoning_tokens``,
                    ``llm.token_count.completion_details.reasoning``
agent               ``gen_ai.agent.name`` on the span, then on the resource
agent version       ``gen_ai.agent.version`` (span, resource), ``service.version``
team                ``agentctl.team`` (span, resource)
conversation        ``gen_ai.conversation.id``, ``session.id``,
                    ``traceloop.association.properties.session_id``
tool                ``gen_ai.tool.name``, ``tool.name``
error type          ``error.type``, else ``exception.type`` of an exception event
==================  ===========================================================
"""

from __future__ import annotations

from typing import Any

from agentctl.spans import (
    OP_EXECUTE_TOOL,
    OP_INVOKE_AGENT,
    OP_INVOKE_WORKFLOW,
    STATUS_ERROR,
    STATUS_OK,
    STATUS_UNSET,
    SpanEvent,
    SpanRecord,
)

KNOWN_OPERATIONS = frozenset(
    {
        "chat",
        "text_completion",
        "generate_content",
        "embeddings",
        "create_agent",
        "invoke_agent",
        "invoke_workflow",
        "execute_tool",
        "retrieval",
        "plan",
        "apply_guardrail",
        "search_memory",
        "update_memory",
        "create_memory",
        "delete_memory",
    }
)

_OPENINFERENCE_KIND = {
    "llm": "chat",
    "tool": OP_EXECUTE_TOOL,
    "agent": OP_INVOKE_AGENT,
    "chain": OP_INVOKE_WORKFLOW,
    "embedding": "embeddings",
    "retriever": "retrieval",
    "guardrail": "apply_guardrail",
}
_OPENLLMETRY_REQUEST_TYPE = {
    "chat": "chat",
    "completion": "text_completion",
    "embedding": "embeddings",
    "rerank": "retrieval",
}
_TRACELOOP_KIND = {
    "workflow": OP_INVOKE_WORKFLOW,
    "agent": OP_INVOKE_AGENT,
    "tool": OP_EXECUTE_TOOL,
}
# Older gen_ai.system values and vendor spellings -> current gen_ai.provider.name.
_PROVIDER_ALIASES = {
    "az.ai.openai": "azure.ai.openai",
    "azure_openai": "azure.ai.openai",
    "azure": "azure.ai.openai",
    "az.ai.inference": "azure.ai.inference",
    "vertex_ai": "gcp.vertex_ai",
    "vertexai": "gcp.vertex_ai",
    "gemini": "gcp.gemini",
    "google": "gcp.gemini",
    "bedrock": "aws.bedrock",
    "aws_bedrock": "aws.bedrock",
    "mistralai": "mistral_ai",
    "mistral": "mistral_ai",
    "xai": "x_ai",
    "ibm.watsonx": "ibm.watsonx.ai",
    "watsonx": "ibm.watsonx.ai",
}

_K_PROVIDER = ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")
_K_REQUEST_MODEL = ("gen_ai.request.model", "llm.request.model")
_K_RESPONSE_MODEL = ("gen_ai.response.model", "llm.response.model", "llm.model_name")
_K_INPUT = (
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
    "llm.token_count.prompt",
    "llm.usage.prompt_tokens",
)
_K_OUTPUT = (
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
    "llm.token_count.completion",
    "llm.usage.completion_tokens",
)
_K_CACHE_READ = (
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_read_input_tokens",
    "llm.token_count.prompt_details.cache_read",
)
_K_CACHE_WRITE = (
    "gen_ai.usage.cache_write.input_tokens",
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.cache_creation_input_tokens",
    "llm.token_count.prompt_details.cache_write",
)
_K_REASONING = (
    "gen_ai.usage.reasoning.output_tokens",
    "gen_ai.usage.reasoning_tokens",
    "llm.token_count.completion_details.reasoning",
)
_K_CONVERSATION = (
    "gen_ai.conversation.id",
    "session.id",
    "traceloop.association.properties.session_id",
)
_K_TOOL = ("gen_ai.tool.name", "tool.name")

_STATUS = {0: STATUS_UNSET, 1: STATUS_OK, 2: STATUS_ERROR}

# One pass over a span's attributes instead of probing every alias: key -> (field, rank);
# the lowest rank present wins, as in the table above.
_F_PROVIDER, _F_REQ, _F_RESP, _F_IN, _F_OUT, _F_CR, _F_CW, _F_RS, _F_CONV, _F_TOOL = range(10)
_FIELD_OF: dict[str, tuple[int, int]] = {
    key: (field, rank)
    for field, keys in (
        (_F_PROVIDER, _K_PROVIDER),
        (_F_REQ, _K_REQUEST_MODEL),
        (_F_RESP, _K_RESPONSE_MODEL),
        (_F_IN, _K_INPUT),
        (_F_OUT, _K_OUTPUT),
        (_F_CR, _K_CACHE_READ),
        (_F_CW, _K_CACHE_WRITE),
        (_F_RS, _K_REASONING),
        (_F_CONV, _K_CONVERSATION),
        (_F_TOOL, _K_TOOL),
    )
    for rank, key in enumerate(keys)
}


# Every attribute key whose value build_record (and ResourceInfo) reads: the receiver
# redacts these values before building a record, and may redact the others after.
READ_KEYS = frozenset(
    {
        *_FIELD_OF,
        "gen_ai.operation.name",
        "openinference.span.kind",
        "llm.request.type",
        "traceloop.span.kind",
        "traceloop.entity.name",
        "gen_ai.agent.name",
        "gen_ai.agent.version",
        "agentctl.team",
        "error.type",
        "exception.type",
        "service.name",
        "service.version",
    }
)


def _first(attrs: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for k in keys:
        v = attrs.get(k)
        if v is not None and v != "":
            return v
    return None


def _str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ",".join(str(v) for v in value) if value else None
    return str(value)


_MAX_INT = 2**63 - 1  # SQLite integers are signed 64-bit


def _int(value: Any) -> int | None:
    """A non-negative count, or None when absent or not a storable count."""
    if value is None or isinstance(value, bool):
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        try:
            n = int(float(value))
        except (TypeError, ValueError, OverflowError):
            return None
    return n if 0 <= n <= _MAX_INT else None


def provider_name(value: Any) -> str | None:
    text = _str(value)
    if not text:
        return None
    low = text.strip().lower()
    return _PROVIDER_ALIASES.get(low, low)


def operation_name(attrs: dict[str, Any], span_name: str) -> str | None:
    op = attrs.get("gen_ai.operation.name")
    if op:
        return str(op)
    kind = attrs.get("openinference.span.kind")
    if kind:
        mapped = _OPENINFERENCE_KIND.get(str(kind).lower())
        if mapped:
            return mapped
    req = attrs.get("llm.request.type")
    if req:
        mapped = _OPENLLMETRY_REQUEST_TYPE.get(str(req).lower())
        if mapped:
            return mapped
    tl = attrs.get("traceloop.span.kind")
    if tl:
        mapped = _TRACELOOP_KIND.get(str(tl).lower())
        if mapped:
            return mapped
    head = span_name.split(" ", 1)[0]
    return head if head in KNOWN_OPERATIONS else None


class ResourceInfo:
    """Fields derived once per OTLP resource and shared by its spans."""

    __slots__ = ("agent_name", "agent_version", "attributes", "service_name", "team")

    def __init__(self, attributes: dict[str, Any]) -> None:
        self.attributes = attributes
        self.service_name = _str(attributes.get("service.name"))
        self.agent_name = _str(attributes.get("gen_ai.agent.name"))
        self.agent_version = _str(
            attributes.get("gen_ai.agent.version") or attributes.get("service.version")
        )
        self.team = _str(attributes.get("agentctl.team"))


# The order of SpanRecord's fields: build_record passes them by position (a call with 28
# keywords costs more than the rest of the record); a test holds the two together.
RECORD_FIELDS = (
    "trace_id", "span_id", "parent_span_id", "name", "kind", "start_unix_nano", "end_unix_nano",
    "status", "status_message", "service_name", "agent_name", "agent_version", "team",
    "conversation_id", "operation", "provider", "request_model", "response_model",
    "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
    "reasoning_tokens", "tool_name", "error_type", "attributes", "resource", "events",
)  # fmt: skip
_FIELD_KEYS = frozenset(_FIELD_OF)


def record(
    trace_id: str,
    span_id: str,
    parent_span_id: str | None,
    name: str,
    kind: int,
    start: int,
    end: int,
    status_code: int,
    status_message: str,
    attributes: dict[str, Any],
    resource: ResourceInfo,
    events: list[SpanEvent],
) -> SpanRecord:
    """One normalised record; ``attributes`` and ``resource`` are already redacted.

    Every span of every request passes here, so the table's lookups are written out:
    ``x if x.__class__ is str else _str(x)`` is ``_str(x)`` without a call for the usual
    string, and only the keys the table names are visited (``_FIELD_KEYS``)."""
    a = attributes
    get = a.get
    f: list[Any] = [None] * 10
    keys = _FIELD_KEYS.intersection(a)
    if keys:
        ranks = [99] * 10
        for key in keys:
            value = a[key]
            if value is None or value == "":
                continue
            field, rank = _FIELD_OF[key]
            if rank < ranks[field]:
                f[field] = value
                ranks[field] = rank
    op = get("gen_ai.operation.name")
    operation = str(op) if op else operation_name(a, name)
    tool = f[_F_TOOL]
    if tool is not None and tool.__class__ is not str:
        tool = _str(tool)
    if tool is None and operation == OP_EXECUTE_TOOL:
        entity = get("traceloop.entity.name")
        if entity:
            tool = _str(entity)
        elif name.startswith("execute_tool "):
            tool = name[len("execute_tool ") :]
    agent = get("gen_ai.agent.name")
    if agent is not None and agent.__class__ is not str:
        agent = _str(agent)
    if not agent:
        agent = resource.agent_name
        if agent is None and operation == OP_INVOKE_AGENT and name.startswith("invoke_agent "):
            agent = name[len("invoke_agent ") :]
    error_type = get("error.type")
    if error_type is not None and error_type.__class__ is not str:
        error_type = _str(error_type)
    status = _STATUS.get(status_code, STATUS_UNSET)
    if error_type is None and status == STATUS_ERROR:
        for ev in events:
            if ev.name == "exception" and ev.attributes.get("exception.type"):
                error_type = _str(ev.attributes["exception.type"])
                break
    if not 0 <= start <= _MAX_INT:
        start = min(max(start, 0), _MAX_INT)
    if not 0 <= end <= _MAX_INT:
        end = min(max(end, 0), _MAX_INT)
    version = get("gen_ai.agent.version")
    team = get("agentctl.team")
    conv, req, resp = f[_F_CONV], f[_F_REQ], f[_F_RESP]
    i, o, cr, cw, rs = f[_F_IN : _F_RS + 1]
    return SpanRecord(
        trace_id, span_id, parent_span_id or None, name, kind, start, end, status,
        status_message, resource.service_name, agent,
        (version if version.__class__ is str else _str(version)) or resource.agent_version,
        (team if team.__class__ is str else _str(team)) or resource.team,
        conv if conv.__class__ is str else _str(conv),
        operation,
        None if f[_F_PROVIDER] is None else provider_name(f[_F_PROVIDER]),
        req if req.__class__ is str else _str(req),
        resp if resp.__class__ is str else _str(resp),
        None if i is None else _int(i), None if o is None else _int(o),
        None if cr is None else _int(cr), None if cw is None else _int(cw),
        None if rs is None else _int(rs), tool, error_type, a, resource.attributes, events,
    )  # fmt: skip


build_record = record  # by keyword, as the OTLP/JSON path and tests call it
