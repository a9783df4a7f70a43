"""The shared agent runtime: settings, guardrails, tools, demo model, memory, telemetry."""

from __future__ import annotations

import json
import logging
import os

import pytest
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from {{ cookiecutter.__package }}._runtime import (
    Agent,
    ConfigError,
    GuardrailExceeded,
    ModelCallError,
    Settings,
    Tool,
    Toolbox,
    UndeclaredToolError,
    telemetry,
    tool,
)
from {{ cookiecutter.__package }}._runtime.demo_model import OfflineDemoModel, build_arguments
from {{ cookiecutter.__package }}._runtime.guardrails import DailyLedger, RunGuard
from {{ cookiecutter.__package }}._runtime.memory import MemoryStore, MemoryStoreError
from {{ cookiecutter.__package }}._runtime.pricing import price_for
from {{ cookiecutter.__package }}._runtime.testing import settings_for, tool_call


@tool(
    description="Echo the text back, for tests.",
    parameters={
        "type": "object",
        "properties": {"text": {"type": "string"}},
        "required": ["text"],
        "additionalProperties": False,
    },
)
def echo(text: str) -> dict:
    return {"echo": text}


def test_settings_follow_the_runtime_contract(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("test-" + "k" * 10 + "\n")
    env = {
        "AGENT_NAME": "a",
        "AGENT_MODEL_PROVIDER": "openai",
        "AGENT_MODEL_NAME": "gpt-4.1-mini-2025-04-14",
        "AGENT_MODEL_BASE_URL": "https://example.invalid/v1",
        "AGENT_MODEL_API_KEY_FILE": str(key_file),
        "AGENT_MAX_STEPS": "5",
        "AGENT_MAX_TOOL_CALLS": "7",
        "AGENT_TIMEOUT_SECONDS": "30",
        "AGENT_BUDGET_PER_RUN_USD": "0.5",
        "AGENT_BUDGET_DAILY_USD": "10",
        "AGENT_MEMORY_DIR": str(tmp_path),
        "AGENT_TOOLS": json.dumps([{"name": "web-search", "kind": "http", "url": "https://s.invalid"}]),
        "AGENT_TOOL_WEB_SEARCH_URL": "https://s.invalid",
        "AGENT_CAPTURE_CONTENT": "false",
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_ONLY",
    }
    s = Settings.from_env(env)
    assert (s.model_provider, s.model_name, s.model_base_url) == (
        "openai",
        "gpt-4.1-mini-2025-04-14",
        env["AGENT_MODEL_BASE_URL"],
    )
    assert s.model_api_key == "test-" + "k" * 10
    assert (s.max_steps, s.max_tool_calls, s.timeout_seconds) == (5, 7, 30.0)
    assert (s.budget_per_run_usd, s.budget_daily_usd) == (0.5, 10.0)
    assert s.memory_dir == tmp_path
    assert s.tool_url("web-search") == "https://s.invalid"
    assert s.capture_content is True
    assert "k" * 10 not in repr(s)


def test_env_key_is_used_when_there_is_no_key_file():
    s = Settings.from_env(
        {"AGENT_MODEL_PROVIDER": "openai", "AGENT_MODEL_NAME": "m", "AGENT_MODEL_API_KEY": "t-" + "x" * 8}
    )
    assert s.model_api_key == "t-" + "x" * 8


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AGENT_MAX_STEPS": "many"}, "AGENT_MAX_STEPS"),
        ({"AGENT_BUDGET_PER_RUN_USD": "-1"}, "negative"),
        ({"AGENT_CAPTURE_CONTENT": "perhaps"}, "AGENT_CAPTURE_CONTENT"),
        ({"AGENT_TOOLS": "{"}, "AGENT_TOOLS"),
        ({"AGENT_PARAMS": '["a"]'}, "AGENT_PARAMS must be a JSON object"),
        ({"AGENT_MODEL_PROVIDER": "openai"}, "AGENT_MODEL_NAME"),
        (
            {"AGENT_MODEL_PROVIDER": "openai", "AGENT_MODEL_NAME": "m", "AGENT_MODEL_API_KEY_FILE": "/nonexistent/key"},
            "cannot read",
        ),
    ],
)
def test_bad_settings_are_reported(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_run_parameters_come_from_agent_params():
    assert Settings.from_env({"AGENT_PARAMS": '{"date": "2025-03-14", "topic": "cost"}'}).params == {
        "date": "2025-03-14",
        "topic": "cost",
    }
    assert Settings.from_env({}).params == {}


def test_unset_model_means_the_offline_demo():
    s = Settings.from_env({})
    assert (s.model_provider, s.model_name, s.offline) == ("offline-demo", "offline-demo", True)


def test_prices_come_from_genai_prices():
    from genai_prices import Usage, calc_price

    mini = price_for("gpt-4.1-mini-2025-04-14", provider="openai")
    expected = calc_price(Usage(input_tokens=1_000_000, output_tokens=1_000_000), "gpt-4.1-mini-2025-04-14")
    assert mini.source == "genai-prices"
    assert mini.cost(1_000_000, 1_000_000) == pytest.approx(float(expected.total_price))
    # the offline demo model is free, as in `agentctl cost`
    assert price_for("offline-demo", provider="offline-demo").cost(10**6, 10**6) == 0
    assert price_for("some-new-model").source == "fallback"
    configured = price_for("some-new-model", input_override=1, output_override=2)
    assert (configured.cost(1_000_000, 1_000_000), configured.source) == (3.0, "configured")


def test_run_guard_limits():
    now = [0.0]
    guard = RunGuard(settings_for(None, max_steps=2, max_tool_calls=1, timeout_seconds=10), clock=lambda: now[0])
    guard.before_step()
    guard.before_step()
    with pytest.raises(GuardrailExceeded, match="maxSteps"):
        guard.before_step()
    guard.before_tool_call()
    with pytest.raises(GuardrailExceeded) as err:
        guard.before_tool_call()
    assert err.value.error_type == "guardrail.max_tool_calls"
    now[0] = 11
    with pytest.raises(GuardrailExceeded) as err:
        guard.check_time()
    assert err.value.policy == "timeout"


def test_daily_ledger_persists(tmp_path):
    DailyLedger(tmp_path).add(0.25)
    DailyLedger(tmp_path).add(0.5)
    assert DailyLedger(tmp_path).spent() == pytest.approx(0.75)
    assert [p.name for p in (tmp_path / ".agent").iterdir() if p.name.endswith(".tmp")] == []


def _declaring(*tools: dict) -> Settings:
    return Settings.from_env({"AGENT_TOOLS": json.dumps(list(tools))})


def test_an_agent_offers_the_model_only_declared_tools():
    @tool(description="Shout the text.", parameters={"type": "object", "properties": {}})
    def shout() -> str:
        return "HEY"

    @tool(description="Search the web.", parameters={"type": "object", "properties": {}})
    def web_search() -> str:
        return "found"

    declared = _declaring({"name": "echo", "kind": "function"}, {"name": "web-search", "kind": "http", "url": "x"})
    Agent(declared, Toolbox([echo, web_search]))  # web_search is the client of the http tool web-search
    with pytest.raises(UndeclaredToolError) as err:
        Agent(declared, Toolbox([echo, shout]))
    assert err.value.names == ["shout"]
    assert "tool shout is not declared in agent.yaml" in str(err.value)
    assert "{name: shout, kind: function}" in str(err.value)
    assert isinstance(err.value, ConfigError)  # entry points exit 2 on it, before any model call
    with pytest.raises(UndeclaredToolError, match="tools echo, shout are not declared"):
        Agent(_declaring(), Toolbox([echo, shout]))  # AGENT_TOOLS=[]: nothing may be offered


def test_without_agent_tools_nothing_is_enforced():
    settings = Settings.from_env({})
    assert settings.tools_declared is False
    Agent(settings, Toolbox([echo]))


def test_a_tool_service_declares_the_tools_it_serves(spans):
    declared = _declaring({"name": "calc-service", "kind": "service", "url": "http://127.0.0.1:1"})
    remote = Tool("add", "Add numbers.", {"type": "object", "properties": {}}, lambda: 3, "extension", "calc-service")
    stray = Tool("sub", "Subtract.", {"type": "object", "properties": {}}, lambda: 1, "extension", "other-service")
    Agent(declared, Toolbox([remote]))
    with pytest.raises(UndeclaredToolError, match="tool sub"):
        Agent(declared, Toolbox([remote, stray]))
    Toolbox([remote]).execute("add", "{}", "call_1")
    attrs = spans.one("execute_tool add").attributes
    assert attrs["gen_ai.tool.type"] == "extension" and attrs["agentctl.tool.service"] == "calc-service"


def test_timeout_stops_a_run(fake_openai, spans):
    fake_openai.reply(*[{"tool_calls": [tool_call("echo", {"text": "x"})]}] * 3)
    agent = Agent(settings_for(fake_openai, timeout_seconds=0), Toolbox([echo]))

    with pytest.raises(GuardrailExceeded) as err:
        agent.run("loop")

    assert err.value.policy == "timeout"
    assert fake_openai.requests == []


def test_model_errors_mark_the_spans(fake_openai, spans, caplog):
    fake_openai.reply({"status": 500, "error": "boom"})
    agent = Agent(settings_for(fake_openai), Toolbox([echo]), client=None)
    agent.client = agent.client.with_options(max_retries=0)

    with caplog.at_level(logging.WARNING), pytest.raises(ModelCallError) as err:
        agent.run("hello")

    # one line naming the endpoint and what it answered
    assert str(err.value) == f"model endpoint {fake_openai.base_url}: answered HTTP 500 (InternalServerError)"
    root = spans.one("invoke_agent")
    assert root.attributes["error.type"] == "ModelCallError"
    chat = spans.one("chat ")
    assert chat.status.status_code.name == "ERROR"
    # a string naming the class, never the class itself (which OTel drops with "Invalid type")
    assert chat.attributes["error.type"] == "openai.InternalServerError"
    assert not [r for r in caplog.records if "Invalid type" in r.getMessage()]


def test_content_is_captured_only_when_opted_in(fake_openai, spans):
    for capture in (False, True):
        fake_openai.reply({"tool_calls": [tool_call("echo", {"text": "secret plan"})]}, {"content": "done"})
        Agent(settings_for(fake_openai, capture_content=capture), Toolbox([echo])).run("the prompt")
    plain, captured = spans.named("execute_tool")
    assert "gen_ai.tool.call.arguments" not in plain.attributes
    assert json.loads(captured.attributes["gen_ai.tool.call.arguments"]) == {"text": "secret plan"}
    roots = spans.named("invoke_agent")
    assert "gen_ai.input.messages" not in roots[0].attributes
    assert "the prompt" in roots[1].attributes["gen_ai.input.messages"]


@pytest.mark.parametrize(
    ("agent_flag", "mode", "captured"),
    [("false", "NO_CONTENT", False), ("true", "SPAN_ONLY", True), ("false", "SPAN_ONLY", True)],
)
def test_content_capture_follows_the_contract(agent_flag, mode, captured):
    env = {"AGENT_CAPTURE_CONTENT": agent_flag, "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": mode}
    assert Settings.from_env(env).capture_content is captured


MODE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
OPT_IN = "OTEL_SEMCONV_STABILITY_OPT_IN"


@pytest.mark.parametrize(
    ("before", "capture", "after"),
    [
        ({}, False, {}),
        ({}, True, {MODE: "SPAN_ONLY"}),
        ({MODE: "false"}, False, {MODE: "NO_CONTENT"}),  # left by older manifests
        ({MODE: "true"}, True, {MODE: "SPAN_ONLY"}),
        ({MODE: "EVENT_ONLY"}, True, {MODE: "EVENT_ONLY"}),  # an explicit mode wins
        ({OPT_IN: "http"}, False, {OPT_IN: "http,gen_ai_latest_experimental"}),
    ],
)
def test_genai_instrumentation_settings(before, capture, after):
    env = dict(before)
    telemetry.configure_genai_env(capture, env)
    assert env == {OPT_IN: "gen_ai_latest_experimental", **before, **after}


@pytest.mark.parametrize("capture", [False, True])
def test_the_instrumentation_reads_the_rendered_content_mode_without_warnings(
    capture, fake_openai, spans, monkeypatch, caplog
):
    # As agentctl build and agentctl dev render them (runtime contract); the openai
    # instrumentation reads them when it is turned on, at startup.
    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "SPAN_ONLY" if capture else "NO_CONTENT")
    telemetry.uninstrument_openai()
    try:
        with caplog.at_level(logging.DEBUG, logger="opentelemetry"):
            assert telemetry.instrument_openai(None, capture_content=capture)
            fake_openai.reply({"content": "done"})
            Agent(settings_for(fake_openai, capture_content=capture), Toolbox([echo])).run("the prompt")
    finally:
        telemetry.uninstrument_openai()
        monkeypatch.undo()
        telemetry.instrument_openai(None)

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    chat = spans.one("chat ")
    assert chat.instrumentation_scope.name != telemetry.TRACER_NAME  # the official instrumentation's span
    assert chat.attributes["gen_ai.provider.name"] == "openai"
    assert ("gen_ai.input.messages" in chat.attributes) is capture
    if capture:
        assert "the prompt" in chat.attributes["gen_ai.input.messages"]


def test_tool_failures_go_back_to_the_model(fake_openai, spans):
    fake_openai.reply(
        {"tool_calls": [tool_call("echo", {"wrong": 1}), tool_call("missing", {})]},
        {"content": "recovered"},
    )

    result = Agent(settings_for(fake_openai), Toolbox([echo])).run("go")

    assert result.output == "recovered"
    results = [json.loads(m["content"]) for m in fake_openai.requests[1]["messages"] if m["role"] == "tool"]
    assert all("error" in r for r in results)
    assert sorted(s.attributes["error.type"] for s in spans.named("execute_tool")) == [
        "ToolArgumentError",
        "ToolNotFound",
    ]


def test_a_tool_result_over_the_limit_goes_back_as_an_error(fake_openai, spans):
    fake_openai.reply({"tool_calls": [tool_call("echo", {"text": "x" * 100})]}, {"content": "recovered"})
    settings = settings_for(fake_openai, tool_result_max_chars=50)

    assert Agent(settings, Toolbox([echo])).run("go").output == "recovered"

    sent = [json.loads(m["content"]) for m in fake_openai.requests[1]["messages"] if m["role"] == "tool"]
    assert sent == [
        {"error": "echo answered 112 characters, more than the 50 a tool result may have (AGENT_TOOL_RESULT_MAX_CHARS)"}
    ]
    assert spans.one("execute_tool").attributes["error.type"] == "ToolResultTooLarge"


def test_own_chat_spans_when_the_instrumentation_is_off(fake_openai, spans):
    telemetry.uninstrument_openai()
    try:
        fake_openai.reply({"content": "hi", "usage": (3, 2)})
        Agent(settings_for(fake_openai)).run("hello")
    finally:
        telemetry.instrument_openai(None)
    chat = spans.one("chat ")
    assert chat.instrumentation_scope.name == telemetry.TRACER_NAME
    assert (chat.attributes["gen_ai.usage.input_tokens"], chat.attributes["gen_ai.usage.output_tokens"]) == (3, 2)
    assert chat.attributes["gen_ai.provider.name"] == "openai"


def test_demo_model_is_deterministic_and_calls_tools():
    request = {
        "model": "offline-demo",
        "messages": [{"role": "user", "content": "Please echo hello"}],
        "tools": [echo.openai_spec()],
    }
    first, second = OfflineDemoModel().complete(request), OfflineDemoModel().complete(request)
    assert first == second
    call = first["choices"][0]["message"]["tool_calls"][0]
    assert call["function"]["name"] == "echo"
    assert first["usage"]["prompt_tokens"] > 0 and first["usage"]["completion_tokens"] > 0


def test_demo_arguments_come_from_the_request():
    schema = {
        "type": "object",
        "properties": {
            "amount": {"type": "number"},
            "from": {"type": "string", "enum": ["USD", "EUR"]},
            "to": {"type": "string", "enum": ["USD", "EUR"]},
            "day": {"type": "string", "format": "date"},
        },
        "required": ["amount", "from", "to", "day"],
    }
    args = build_arguments(schema, "Convert 12.5 EUR to USD on 2025-01-31")
    assert args == {"amount": 12.5, "from": "EUR", "to": "USD", "day": "2025-01-31"}


def test_demo_numbers_stay_within_the_schema_bounds():
    index = {"type": "object", "properties": {"index": {"type": "integer", "minimum": 0, "maximum": 2}}}
    # numbers the schema refuses (a count, a version in the topic) are skipped
    assert build_arguments(index, "Report on the top 5 risks of python 3.12, index 0 to 2") == {"index": 0}
    assert build_arguments(index, "Report on the top 5 risks") == {"index": 0}
    bounded = {"type": "object", "properties": {"n": {"type": "number", "minimum": 10, "maximum": 20}}}
    assert build_arguments(bounded, "between 3 and 15") == {"n": 15.0}
    assert build_arguments(bounded, "no numbers here") == {"n": 10.0}


def test_offline_demo_end_to_end(spans):
    result = Agent(settings_for(None), Toolbox([echo])).run("echo this text")
    assert result.output.startswith("[offline-demo] Based on echo")
    assert result.tool_calls == 1 and result.cost_usd == 0  # free, as in `agentctl cost`
    assert [s.name for s in spans.all()][-1] == "invoke_agent test-agent"


def test_memory_store(tmp_path):
    store = MemoryStore(tmp_path)
    store.save_conversation("c1", [{"role": "user", "content": "hi"}])
    store.add_note("Kubernetes schedules pods", ["k8s"])
    reopened = MemoryStore(tmp_path)
    assert reopened.load_conversation("c1") == [{"role": "user", "content": "hi"}]
    assert reopened.search_notes("which pods?")[0]["text"] == "Kubernetes schedules pods"
    assert reopened.conversation_ids() == ["c1"]
    with pytest.raises(MemoryStoreError):
        reopened.load_conversation("../escape")
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_no_exporter_without_an_endpoint():
    s = settings_for(None)
    provider = telemetry.build_provider(s, {})
    assert not any(isinstance(p, BatchSpanProcessor) for p in provider._active_span_processor._span_processors)
    assert provider.resource.attributes["service.name"] == "test-agent"


def test_otlp_exporter_from_the_standard_variables():
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
        "OTEL_SERVICE_NAME": "from-env",
        "OTEL_RESOURCE_ATTRIBUTES": "gen_ai.agent.name=from-env",
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        provider = telemetry.build_provider(settings_for(None), env)
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    processors = provider._active_span_processor._span_processors
    assert any(isinstance(p, BatchSpanProcessor) for p in processors)
    assert provider.resource.attributes["service.name"] == "from-env"
    assert provider.resource.attributes["gen_ai.agent.name"] == "from-env"
    provider.shutdown()


def test_an_mcp_tool_sends_its_declared_secret_as_a_bearer_token(tmp_path, monkeypatch):
    from {{ cookiecutter.__package }}._runtime.remote_tools import _bearer

    token = tmp_path / "value"
    token.write_text("s3cret\n")
    monkeypatch.setenv("SECRET_MCP_TOKEN_FILE", str(token))
    settings = settings_for(None)

    assert _bearer(settings, "mcp-token") == {"Authorization": "Bearer s3cret"}
    assert _bearer(settings, None) == {}
    monkeypatch.delenv("SECRET_MCP_TOKEN_FILE")
    assert _bearer(settings, "mcp-token") == {}  # no value: no header (the server refuses, not us)


def _groundedness(span):
    events = [e for e in span.events if e.name == "gen_ai.evaluation.result"]
    assert len(events) == 1
    return events[0].attributes


def test_every_answer_carries_its_groundedness_and_never_its_content(fake_openai, spans):
    looked_up = {"tool_calls": [tool_call("echo", {"text": "revenue 1234.5 EUR on 2024-03-05"})]}
    fake_openai.reply(looked_up, {"content": "Revenue was €1,234.5 on March 5, 2024."})
    fake_openai.reply(looked_up, {"content": "Revenue was €4,321 on March 5, 2024."})
    agent = Agent(settings_for(fake_openai), Toolbox([echo]))
    agent.run("revenue?")
    agent.run("revenue?")

    grounded, invented = (_groundedness(s) for s in spans.named("invoke_agent"))
    assert grounded["gen_ai.evaluation.name"] == "groundedness"
    assert (grounded["gen_ai.evaluation.score.label"], grounded["gen_ai.evaluation.score.value"]) == ("grounded", 1.0)
    assert invented["gen_ai.evaluation.score.label"] == "ungrounded"
    assert invented["gen_ai.evaluation.score.value"] == 0.5
    assert "1 number" in invented["gen_ai.evaluation.explanation"]
    assert "4,321" not in json.dumps(dict(invented))  # content capture is off: only the verdict


def test_with_content_capture_the_verdict_names_the_unsupported_claim(fake_openai, spans):
    fake_openai.reply({"content": "It is 42 km to Oslo."})
    Agent(settings_for(fake_openai, capture_content=True), Toolbox([echo])).run("How far is Oslo?")
    verdict = _groundedness(spans.one("invoke_agent"))
    assert verdict["gen_ai.evaluation.score.label"] == "ungrounded"
    assert "42 km" in verdict["gen_ai.evaluation.explanation"]


def test_an_agent_reports_the_outcome_of_its_run(fake_openai, spans):
    from {{ cookiecutter.__package }}._runtime import report_outcome

    @tool(description="Give up.", parameters={"type": "object", "properties": {}, "additionalProperties": False})
    def give_up() -> dict:
        report_outcome("failure")
        return {"gave_up": True}

    fake_openai.reply({"tool_calls": [tool_call("give_up", {})]}, {"content": "I could not do it."})
    Agent(settings_for(fake_openai), Toolbox([give_up])).run("try")
    assert spans.one("invoke_agent").attributes["agentctl.run.outcome"] == "failure"
    with pytest.raises(RuntimeError):
        report_outcome("success")


def _spend(directory: str, times: int) -> None:
    ledger = DailyLedger(__import__("pathlib").Path(directory))
    for _ in range(times):
        ledger.add(0.01)


def test_the_daily_ledger_adds_up_across_processes_and_restarts(tmp_path):
    """Two replicas on one memory volume both spend; a restarted one still sees the day's total."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_spend, args=(str(tmp_path), 50)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    restarted = DailyLedger(tmp_path)
    assert round(restarted.spent(), 6) == 1.0
    guard = RunGuard(settings_for(None, budget_daily_usd=1.0), ledger=restarted)
    with pytest.raises(GuardrailExceeded, match="daily budget"):
        guard.check_daily()


def test_a_workflow_step_spends_at_most_what_remains_of_the_run_budget(tmp_path):
    from {{ cookiecutter.__package }}._runtime.guardrails import StepSpend

    spend_file = tmp_path / "spend.json"
    spend = StepSpend()
    settings = settings_for(
        None,
        budget_per_run_usd=1.0,
        run_budget_remaining_usd=0.003,
        step_spend_output=spend_file,
        price_input_per_mtok_usd=1000.0,
        price_output_per_mtok_usd=1000.0,
    )
    first = RunGuard(settings, step_spend=spend)
    first.before_step()
    first.record_usage(1, 1)  # $0.002 of the $0.003 left
    first.settle()
    report = {"costUSD": 0.002, "stoppedBy": None, "budgetUSD": 0.003, "leftUSD": 0.001}
    assert json.loads(spend_file.read_text()) == report
    # a second agent run in the same step gets only what the first left
    second = RunGuard(settings, step_spend=spend)
    assert second.per_run_limit == pytest.approx(0.001)
    second.before_step()
    with pytest.raises(GuardrailExceeded, match="left of the workflow run's budget") as err:
        second.record_usage(1, 1)
    assert err.value.policy == "budget_per_run"
    second.settle()
    report = {"costUSD": 0.004, "stoppedBy": "budget_per_run", "budgetUSD": 0.003, "leftUSD": 0.0}
    assert json.loads(spend_file.read_text()) == report
    # nothing left: the step stops before calling the model
    third = RunGuard(settings, step_spend=spend)
    with pytest.raises(GuardrailExceeded, match="nothing is left"):
        third.before_step()


def test_the_tighter_of_per_run_and_the_remaining_run_budget_applies():
    from {{ cookiecutter.__package }}._runtime.guardrails import StepSpend

    own_settings = settings_for(None, budget_per_run_usd=0.5, run_budget_remaining_usd=2.0)
    own = RunGuard(own_settings, step_spend=StepSpend())
    assert (own.per_run_limit, own.limit_is_remaining) == (0.5, False)
    alone = RunGuard(settings_for(None, budget_per_run_usd=0.5), step_spend=StepSpend())
    assert (alone.per_run_limit, alone.limit_is_remaining) == (0.5, False)
    env = {"AGENT_RUN_BUDGET_REMAINING_USD": "0.25", "AGENT_STEP_SPEND_OUTPUT": "spend.json"}
    parsed = Settings.from_env(env)
    assert (parsed.run_budget_remaining_usd, str(parsed.step_spend_output)) == (0.25, "spend.json")
    with pytest.raises(ConfigError, match="AGENT_RUN_BUDGET_REMAINING_USD"):
        Settings.from_env({"AGENT_RUN_BUDGET_REMAINING_USD": "-1"})


def test_an_argo_step_works_out_its_share_from_the_hand_off():
    from {{ cookiecutter.__package }}._runtime.config import handoff_budget

    # a step without dependencies: perRunUSD shared by the two such steps, over 2 attempts
    assert handoff_budget('{"from": [[1.0, 2]], "attempts": 2}', 0) == (0.25, 0.5)
    # the retry: its own slice; it hands on only that slice, the first is assumed spent
    assert handoff_budget('{"from": [[1.0, 2]], "attempts": 2}', 1) == (0.25, 0.25)
    # what two dependencies handed on (one shared with another step), Argo's string or raw JSON
    text = '{"from": [[{"leftUSD": 0.4}, 2], ["{\\"leftUSD\\": 0.1}", 1]], "attempts": 1}'
    assert handoff_budget(text) == pytest.approx((0.3, 0.3))
    # a fan-out: what a forEach over a 4-item output shares; a fan-out's report is its items' list
    fan = '{"from": [[[{"leftUSD": 0.2}, {"leftUSD": 0.6}], 1]], "items": {"outputItems": 4}, "attempts": 1}'
    assert handoff_budget(fan) == pytest.approx((0.2, 0.2))
    # a report that is missing (Argo's default) or unreadable hands nothing on
    assert handoff_budget('{"from": [[null, 1], ["oops", 1]], "attempts": 1}') == (0.0, 0.0)
    assert handoff_budget('{"from": [[{"leftUSD": Infinity}, 1], [NaN, 1]], "attempts": 1}') == (0.0, 0.0)
    assert handoff_budget('{"from": [[0.5, 1]], "items": null, "attempts": 1}') == (0.0, 0.0)
    for bad in ("{", '{"from": [[1.0, 0]]}', '{"from": 1}', '{"from": [[1, 1]], "attempts": 0}'):
        with pytest.raises(ConfigError, match="AGENT_RUN_BUDGET"):
            handoff_budget(bad)
    settings = Settings.from_env({"AGENT_RUN_BUDGET": '{"from": [[0.9, 1]], "attempts": 3}', "AGENT_STEP_RETRY": "1"})
    assert (settings.run_budget_remaining_usd, settings.run_budget_handon_usd) == pytest.approx((0.3, 0.6))


def test_an_argo_step_reports_what_it_hands_on_even_without_a_model_call(tmp_path):
    from {{ cookiecutter.__package }}._runtime import steps
    from {{ cookiecutter.__package }}._runtime.guardrails import STEP_SPEND

    spend = tmp_path / "spend.json"
    settings = Settings.from_env(
        {
            "AGENT_RUN_BUDGET": '{"from": [[0.6, 1]], "attempts": 2}',
            "AGENT_STEP_SPEND_OUTPUT": str(spend),
            "AGENT_STEP_OUTPUT": str(tmp_path / "out.json"),
        }
    )
    steps.write_output(settings, ["a", "b", "c"])
    spent = STEP_SPEND.cost_usd  # the process's own: other tests' runs count too
    assert json.loads(spend.read_text()) == {
        "costUSD": round(spent, 9), "stoppedBy": STEP_SPEND.stopped_by, "budgetUSD": 0.3,
        "leftUSD": round(max(0.6 - spent, 0.0), 9), "outputItems": 3,
    }  # fmt: skip
    # Argo hands a string item over bare
    assert steps.item(settings_for(None, step_item="what is kubernetes?")) == "what is kubernetes?"
    assert steps.item(settings_for(None, step_item='{"q": 1}')) == {"q": 1}


def test_every_step_of_one_workflow_run_records_into_the_run_trace():
    uid = "5f0c6a52-0c1e-4d4f-9a55-3b2e2f6c1d7e"
    assert telemetry.run_trace_id({"AGENT_RUN_ID": uid}) == int(uid.replace("-", ""), 16)
    assert telemetry.run_trace_id({"AGENT_RUN_ID": "not-a-uid"}) is None
    assert telemetry.run_trace_id({}) is None
    provider = telemetry.build_provider(settings_for(None), {"AGENT_RUN_ID": uid})
    with provider.get_tracer("t").start_as_current_span("step") as span:
        assert format(span.get_span_context().trace_id, "032x") == uid.replace("-", "")
