"""The agent's loop, tools, memory, guardrails and spans, on a fake endpoint and the offline demo."""

from __future__ import annotations

from pathlib import Path

import pytest
from opentelemetry.trace import StatusCode

from {{ cookiecutter.__package }}.__main__ import main
from {{ cookiecutter.__package }}._runtime import GuardrailExceeded, UndeclaredToolError
from {{ cookiecutter.__package }}._runtime.testing import declared_tools, settings_for, tool_call
from {{ cookiecutter.__package }}.agent import Assistant

AGENT_YAML = Path(__file__).resolve().parents[1] / "agent.yaml"


def test_tool_loop_and_spans(fake_openai, spans, tmp_path):
    fake_openai.reply(
        {"tool_calls": [tool_call("calculate", {"expression": "6 * 7"}, "call_1")], "usage": (120, 20)},
        {"content": "It is 42.", "usage": (150, 8)},
    )
    assistant = Assistant(settings_for(fake_openai, memory_dir=tmp_path))

    result = assistant.ask("What is 6 times 7?")

    assert result["output"] == "It is 42."
    assert (result["steps"], result["tool_calls"]) == (2, 1)
    assert (result["input_tokens"], result["output_tokens"]) == (270, 28)
    tool_message = {"role": "tool", "tool_call_id": "call_1", "content": '{"value": 42}'}
    assert fake_openai.requests[1]["messages"][-1] == tool_message
    root = spans.one("invoke_agent")
    assert root.name == "invoke_agent test-agent"
    assert root.parent is None
    chats = spans.named("chat ")
    assert [c.name for c in chats] == ["chat gpt-4.1-mini-2025-04-14"] * 2
    for chat in chats:
        assert chat.parent.span_id == root.context.span_id
        assert chat.attributes["gen_ai.provider.name"] == "openai"
        assert chat.attributes["gen_ai.request.model"] == "gpt-4.1-mini-2025-04-14"
    assert [c.attributes["gen_ai.usage.input_tokens"] for c in chats] == [120, 150]
    tool_span = spans.one("execute_tool")
    assert tool_span.name == "execute_tool calculate"
    assert tool_span.attributes["gen_ai.tool.call.id"] == "call_1"
    assert "gen_ai.tool.call.arguments" not in tool_span.attributes  # content capture is off


def test_memory_survives_a_restart(tmp_path):
    first = Assistant(settings_for(None, memory_dir=tmp_path))
    saved = first.ask("Remember this note: the staging cluster runs Kubernetes 1.31")
    assert "save_note" in saved["output"]

    restarted = Assistant(settings_for(None, memory_dir=tmp_path))
    recalled = restarted.ask("Search your notes: what do you know about the staging cluster?")

    assert "Kubernetes 1.31" in recalled["output"]
    assert restarted.memory.notes()[0]["text"].endswith("Kubernetes 1.31")


def test_conversation_is_reloaded_after_restart(fake_openai, tmp_path):
    fake_openai.reply({"content": "Nice to meet you, Ada."}, {"content": "Your name is Ada."})
    first = Assistant(settings_for(fake_openai, memory_dir=tmp_path))
    conversation = first.ask("My name is Ada.", "conv-1")["conversation_id"]

    Assistant(settings_for(fake_openai, memory_dir=tmp_path)).ask("What is my name?", conversation)

    sent = [m.get("content") for m in fake_openai.requests[1]["messages"]]
    assert sent[1:] == ["My name is Ada.", "Nice to meet you, Ada.", "What is my name?"]


def test_max_steps_guardrail_stops_the_run(fake_openai, spans, tmp_path):
    fake_openai.reply(*[{"tool_calls": [tool_call("current_time", {})]}] * 5)
    assistant = Assistant(settings_for(fake_openai, memory_dir=tmp_path, max_steps=2))

    with pytest.raises(GuardrailExceeded) as err:
        assistant.ask("What time is it?")

    assert err.value.policy == "max_steps"
    assert len(fake_openai.requests) == 2
    root = spans.one("invoke_agent")
    assert root.status.status_code is StatusCode.ERROR
    assert root.attributes["error.type"] == "guardrail.max_steps"
    assert root.events[0].name == "gen_ai.guardrail.result"


def test_offline_demo_reports_usage_and_cost(spans, tmp_path):
    result = Assistant(settings_for(None, memory_dir=tmp_path)).ask("Calculate 2 + 3")

    assert result["provider"] == "offline-demo"
    assert result["input_tokens"] > 0 and result["output_tokens"] > 0
    assert result["cost_usd"] == 0  # the offline demo model is free, as in `agentctl cost`
    assert {s.attributes["gen_ai.provider.name"] for s in spans.named("chat ")} == {"offline-demo"}
    assert spans.one("execute_tool").name == "execute_tool calculate"


def test_every_tool_offered_to_the_model_is_declared_in_agent_yaml(fake_openai, tmp_path):
    settings = settings_for(fake_openai, memory_dir=tmp_path, **declared_tools(AGENT_YAML))

    assistant = Assistant(settings)  # would raise UndeclaredToolError otherwise
    assistant.ask("Hello")

    offered = {t["function"]["name"] for t in fake_openai.requests[0]["tools"]}
    assert offered == {"search_notes", "save_note", "calculate", "current_time"}


def test_an_undeclared_tool_stops_the_agent_at_startup(monkeypatch, tmp_path, capsys, spans):
    declared = declared_tools(AGENT_YAML)
    without = tuple(t for t in declared["tools"] if t.name != "calculate")
    with pytest.raises(UndeclaredToolError, match="tool calculate is not declared"):
        Assistant(settings_for(None, memory_dir=tmp_path, tools=without, tools_declared=True))

    monkeypatch.setenv("AGENT_MEMORY_DIR", str(tmp_path))
    monkeypatch.setenv("AGENT_TOOLS", '[{"name": "save_note", "kind": "function"}]')
    assert main(["ask", "What is 2 + 2?"]) == 2
    assert "search_notes, calculate, current_time are not declared" in capsys.readouterr().err
