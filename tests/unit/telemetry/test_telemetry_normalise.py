"""Every GenAI convention version (and OpenInference/OpenLLMetry) lands on the same fields."""

from __future__ import annotations

import os

from tests.fakes import otlp_payloads as P

from agentctl.telemetry.otlp import parse_protobuf


def one(attrs: dict, *, name: str = "span", resource: dict | None = None, **kw):
    body = P.protobuf([P.span(name, trace_id=os.urandom(16), attrs=attrs, **kw)], resource)
    result = parse_protobuf(body)
    assert result.rejected == 0
    return result.spans[0]


def test_current_conventions() -> None:
    sp = one(
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "anthropic",
            "gen_ai.request.model": "claude-sonnet-4-5",
            "gen_ai.response.model": "claude-sonnet-4-5-20250929",
            "gen_ai.usage.input_tokens": 1200,
            "gen_ai.usage.output_tokens": 300,
            "gen_ai.usage.cache_read.input_tokens": 1000,
            "gen_ai.usage.cache_creation.input_tokens": 100,
            "gen_ai.usage.reasoning.output_tokens": 50,
            "gen_ai.conversation.id": "c-1",
        },
        resource={
            "service.name": "svc",
            "gen_ai.agent.name": "researcher",
            "gen_ai.agent.version": "1.2.0",
            "agentctl.team": "search",
        },
    )
    assert (sp.operation, sp.provider, sp.request_model, sp.model) == (
        "chat",
        "anthropic",
        "claude-sonnet-4-5",
        "claude-sonnet-4-5-20250929",
    )
    assert (
        sp.input_tokens,
        sp.output_tokens,
        sp.cache_read_tokens,
        sp.cache_write_tokens,
        sp.reasoning_tokens,
    ) == (
        1200,
        300,
        1000,
        100,
        50,
    )
    assert (sp.agent_name, sp.agent_version, sp.team, sp.conversation_id) == (
        "researcher",
        "1.2.0",
        "search",
        "c-1",
    )
    assert sp.is_llm_call and not sp.is_tool_call


def test_deprecated_gen_ai_system_and_prompt_completion_tokens() -> None:
    sp = one(
        {
            "gen_ai.system": "openai",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.usage.prompt_tokens": 40,
            "gen_ai.usage.completion_tokens": 7,
        },
        name="chat gpt-4o",
    )
    assert sp.operation == "chat"  # from the span name
    assert (sp.provider, sp.input_tokens, sp.output_tokens) == ("openai", 40, 7)


def test_old_provider_values_are_aliased() -> None:
    assert one({"gen_ai.system": "vertex_ai"}).provider == "gcp.vertex_ai"
    assert one({"gen_ai.system": "az.ai.openai"}).provider == "azure.ai.openai"
    assert one({"gen_ai.system": "AWS.Bedrock"}).provider == "aws.bedrock"


def test_openinference_keys() -> None:
    sp = one(
        {
            "openinference.span.kind": "LLM",
            "llm.provider": "openai",
            "llm.model_name": "gpt-4o-mini",
            "llm.token_count.prompt": 11,
            "llm.token_count.completion": 3,
            "llm.token_count.prompt_details.cache_read": 4,
            "session.id": "sess-9",
        }
    )
    assert (
        sp.operation,
        sp.provider,
        sp.model,
        sp.input_tokens,
        sp.output_tokens,
        sp.cache_read_tokens,
    ) == (
        "chat",
        "openai",
        "gpt-4o-mini",
        11,
        3,
        4,
    )
    assert sp.conversation_id == "sess-9"
    tool = one({"openinference.span.kind": "TOOL", "tool.name": "search"})
    assert (tool.operation, tool.tool_name) == ("execute_tool", "search")


def test_openllmetry_keys() -> None:
    sp = one(
        {
            "llm.request.type": "chat",
            "gen_ai.system": "Anthropic",
            "gen_ai.request.model": "claude-3-5-haiku",
            "gen_ai.usage.prompt_tokens": 9,
            "gen_ai.usage.completion_tokens": 2,
            "gen_ai.usage.cache_read_input_tokens": 5,
            "gen_ai.usage.cache_creation_input_tokens": 1,
        }
    )
    assert (sp.operation, sp.provider, sp.cache_read_tokens, sp.cache_write_tokens) == (
        "chat",
        "anthropic",
        5,
        1,
    )
    wf = one({"traceloop.span.kind": "workflow", "traceloop.entity.name": "plan"})
    assert wf.operation == "invoke_workflow"
    tool = one({"traceloop.span.kind": "tool", "traceloop.entity.name": "lookup"})
    assert (tool.operation, tool.tool_name) == ("execute_tool", "lookup")


def test_tool_and_agent_names_from_span_names() -> None:
    tool = one({"gen_ai.operation.name": "execute_tool"}, name="execute_tool fetch_page")
    assert tool.tool_name == "fetch_page" and tool.is_tool_call
    agent = one({"gen_ai.operation.name": "invoke_agent"}, name="invoke_agent planner")
    assert agent.agent_name == "planner" and not agent.is_llm_call


def test_error_type_from_exception_event() -> None:
    sp = one(
        {"gen_ai.operation.name": "chat"},
        status=2,
        message="boom",
        events=[
            ("exception", {"exception.type": "RateLimitError", "exception.message": "slow down"})
        ],
    )
    assert (sp.status, sp.status_message, sp.error_type) == ("error", "boom", "RateLimitError")


def test_agent_rollups_are_not_llm_calls() -> None:
    sp = one(
        {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.usage.input_tokens": 999,
        }
    )
    assert not sp.is_llm_call
    unlabelled = one({"gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 5})
    assert unlabelled.is_llm_call


def test_string_token_counts_are_numbers() -> None:
    sp = one(
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.usage.input_tokens": "17",
            "gen_ai.usage.output_tokens": "n/a",
        }
    )
    assert sp.input_tokens == 17 and sp.output_tokens is None


def test_every_key_normalisation_reads_is_redacted_before_it_is_read() -> None:
    """The receiver redacts long values under READ_KEYS before building a record and the
    rest after: every attribute key named in normalise.py must be among them."""
    import inspect
    import re

    from agentctl.telemetry import normalise

    source = inspect.getsource(normalise)
    named = set(re.findall(r'"((?:[a-z_]+\.)+[a-z_]+)"', source))
    aliases = normalise._PROVIDER_ALIASES
    named -= {*aliases, *aliases.values()}  # provider names: values, not keys
    assert named and named <= normalise.READ_KEYS, sorted(named - normalise.READ_KEYS)


def test_records_are_built_in_the_order_of_their_fields() -> None:
    """build_record passes SpanRecord's fields by position: the two orders are one."""
    import dataclasses

    from agentctl.spans import SpanRecord
    from agentctl.telemetry.normalise import RECORD_FIELDS

    assert tuple(f.name for f in dataclasses.fields(SpanRecord)) == RECORD_FIELDS
