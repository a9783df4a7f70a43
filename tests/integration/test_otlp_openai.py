"""The openai SDK, instrumented by opentelemetry-instrumentation-openai-v2, traced into our receiver.

A loopback OpenAI-compatible fake answers one tool round trip; `agentctl trace`
then shows the run with its model, tokens and tool calls.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli
from tests.fakes.openai_server import FakeOpenAI

from agentctl.telemetry.receiver import OtlpReceiver
from agentctl.telemetry.store import TraceStore

pytestmark = pytest.mark.agent_runtime

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]


@pytest.fixture
def traced_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str, str]]:
    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "span_only")
    import openai
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    db = tmp_path / "traces.db"
    store = TraceStore(db)
    secret = "sk-" + "s3cr3t" * 5
    with OtlpReceiver(store, port=0) as rx, FakeOpenAI() as fake:
        fake.tool_arguments = {"city": "Paris"}
        fake.reply = "It is 21 degrees in Paris."
        tp = TracerProvider(
            resource=Resource.create(
                {"service.name": "weather-bot", "gen_ai.agent.name": "weather-bot"}
            )
        )
        tp.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=rx.traces_url), schedule_delay_millis=50)
        )
        instrumentor = OpenAIInstrumentor()
        instrumentor.instrument(tracer_provider=tp)
        try:
            client = openai.OpenAI(base_url=fake.base_url, api_key="sk-" + "x" * 24, max_retries=0)
            tracer = tp.get_tracer("weather-bot")
            with tracer.start_as_current_span(
                "invoke_agent weather-bot",
                attributes={
                    "gen_ai.operation.name": "invoke_agent",
                    "gen_ai.conversation.id": "conv-42",
                },
            ) as root:
                messages: list[dict] = [
                    {"role": "user", "content": f"Weather in Paris? (my key is {secret})"}
                ]
                first = client.chat.completions.create(
                    model="gpt-4o-mini", messages=messages, tools=TOOLS
                )
                call = first.choices[0].message.tool_calls[0]
                with tracer.start_as_current_span(
                    f"execute_tool {call.function.name}",
                    attributes={
                        "gen_ai.operation.name": "execute_tool",
                        "gen_ai.tool.name": call.function.name,
                        "gen_ai.tool.call.id": call.id,
                        "gen_ai.tool.call.arguments": call.function.arguments,
                    },
                ) as tool_span:
                    result = json.dumps({"celsius": 21})
                    tool_span.set_attribute("gen_ai.tool.call.result", result)
                messages += [
                    {"role": "assistant", "tool_calls": [call.model_dump()]},
                    {"role": "tool", "tool_call_id": call.id, "content": result},
                ]
                final = client.chat.completions.create(
                    model="gpt-4o-mini", messages=messages, tools=TOOLS
                )
                root.set_attribute(
                    "gen_ai.output.messages",
                    json.dumps(
                        [
                            {
                                "role": "assistant",
                                "parts": [
                                    {"type": "text", "content": final.choices[0].message.content}
                                ],
                            }
                        ]
                    ),
                )
            tp.force_flush()
        finally:
            instrumentor.uninstrument()
            tp.shutdown()
    trace_id = store.recent_traces()[0].trace_id
    store.close()
    yield db, trace_id, secret


def test_trace_json_shows_model_tokens_and_tool_calls(traced_run: tuple[Path, str, str]) -> None:
    db, trace_id, _ = traced_run
    listing = run_cli("trace", "--store", str(db), "-o", "json")
    assert listing.exit_code == 0, listing.stderr
    (row,) = json.loads(listing.stdout)["data"]["traces"]
    assert (
        row["traceId"] == trace_id
        and row["agent"] == "weather-bot"
        and row["conversationId"] == "conv-42"
    )
    assert (row["llmCalls"], row["toolCalls"], row["status"]) == (2, 1, "ok")
    assert row["tokens"]["input"] > 0 and row["tokens"]["output"] > 0

    detail = run_cli("trace", "--store", str(db), "--trace-id", trace_id, "-o", "json")
    assert detail.exit_code == 0, detail.stderr
    data = json.loads(detail.stdout)["data"]
    spans = data["spans"]
    chats = [s for s in spans if s["operation"] == "chat"]
    assert len(chats) == 2
    for s in chats:
        assert s["model"] == "gpt-4o-mini" and s["provider"] == "openai"
        assert s["tokens"]["input"] > 0 and s["tokens"]["output"] > 0
    assert chats[0]["toolCallsRequested"][0]["name"] == "get_weather"
    assert chats[0]["toolCallsRequested"][0]["arguments"] == {"city": "Paris"}
    assert chats[0]["finishReasons"] == ["tool_calls"]
    (tool,) = [s for s in spans if s["operation"] == "execute_tool"]
    assert (
        tool["toolName"] == "get_weather"
        and tool["arguments"] == {"city": "Paris"}
        and tool["result"] == {"celsius": 21}
    )
    assert data["output"] == "It is 21 degrees in Paris."
    assert data["trace"]["tokens"]["total"] == sum(
        s["tokens"]["input"] + s["tokens"]["output"] for s in chats
    )


def test_trace_text_view_and_redaction(traced_run: tuple[Path, str, str]) -> None:
    db, trace_id, secret = traced_run
    res = run_cli("trace", "--store", str(db), "--trace-id", trace_id[:12])
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    assert "invoke_agent weather-bot" in out and "get_weather" in out and "gpt-4o-mini" in out
    assert "It is 21 degrees in Paris." in out
    assert secret not in out
    raw = b"".join(p.read_bytes() for p in db.parent.glob("traces.db*"))
    assert secret.encode() not in raw  # not in the store either (main file or WAL)
    assert b"[REDACTED]" in raw
