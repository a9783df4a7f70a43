"""agentctl eval: metrics, gates and exit codes, version comparison, remote sources."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from agentctl.spans import SpanEvent, SpanRecord
from agentctl.telemetry.store import TraceStore
from tests.cli.helpers import run_cli

T0 = 1_740_787_200 * 10**9  # 2025-03-01T00:00:00Z
WINDOW = ("--since", "2025-03-01", "--until", "2025-03-02")


def _run(
    i: int, version: str, *, ok: bool, tool: str = "web-search", hallucinated: bool | None = None
) -> list[SpanRecord]:
    trace = f"{i:08x}{version.replace('.', '')}".ljust(32, "0")
    common: dict[str, Any] = {"agent_name": "bot", "agent_version": version, "team": "t"}
    start = T0 + i * 10**9
    root = SpanRecord(trace, f"{i:08x}aaaaaaaa", None, "invoke_agent bot", 1, start, start + 5 * 10**9,
                      status="ok" if ok else "error", operation="invoke_agent", **common)  # fmt: skip
    events = []
    if hallucinated is not None:
        events.append(SpanEvent("gen_ai.evaluation.result", start, {"gen_ai.evaluation.name": "hallucination",
                                "gen_ai.evaluation.score.label": "fail" if hallucinated else "pass"}))  # fmt: skip
    chat = SpanRecord(trace, f"{i:08x}bbbbbbbb", root.span_id, "chat gpt-4o", 3, start, start + 10**9,
                      operation="chat", provider="openai", request_model="gpt-4o", input_tokens=1000,
                      output_tokens=100 if version == "1.0" else 50, events=events, **common)  # fmt: skip
    tool_span = SpanRecord(trace, f"{i:08x}cccccccc", root.span_id, f"execute_tool {tool}", 1, start, start + 1,
                           operation="execute_tool", tool_name=tool, **common)  # fmt: skip
    return [root, chat, tool_span]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    spans: list[SpanRecord] = []
    for i in range(30):  # v1.0: 30 runs, 27 ok; hallucination 1 of 10 evaluated
        spans += _run(i, "1.0", ok=i % 10 != 0, hallucinated=(i == 3) if i < 10 else None)
    for i in range(100, 110):  # v2.0: 10 runs, all ok, calls an undeclared tool once
        spans += _run(i, "2.0", ok=True, tool="shell" if i == 100 else "web-search")
    path = tmp_path / "traces.db"
    with TraceStore(path) as st:
        st.insert(spans)
    return path


def _agent(tmp_path: Path, version: str, evaluation: str) -> Path:
    d = tmp_path / f"bot-{version}"
    d.mkdir()
    (d / "agent.yaml").write_text(
        "apiVersion: agentctl.dev/v1alpha1\nkind: Agent\n"
        f"metadata: {{name: bot, team: t, version: '{version}'}}\n"
        "spec:\n  type: job\n  image: ghcr.io/acme/bot:1\n"
        "  tools: [{name: web-search, kind: http, url: 'https://search.example.com'}]\n"
        f"  evaluation: {evaluation}\n"
    )
    return d


def test_metrics_json(store: Path) -> None:
    r = run_cli("eval", "--store", str(store), *WINDOW, "-o", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["kind"] == "EvalReport" and doc["ok"] is True
    rows = {(a["agent"], a["version"]): a["metrics"] for a in doc["data"]["agents"]}
    assert set(rows) == {("bot", None), ("bot", "1.0"), ("bot", "2.0")}
    v1 = rows[("bot", "1.0")]
    assert v1["task_success_rate"]["samples"] == 30 and v1["task_success_rate"]["count"] == 27
    assert v1["hallucination_rate"]["samples"] == 10 and v1["hallucination_rate"]["value"] == 0.1
    lo, hi = v1["task_success_rate"]["interval95"]
    assert lo < 0.9 < hi
    assert doc["data"]["gates"] == []


def test_gates_pass_for_the_spec_version(store: Path, tmp_path: Path) -> None:
    d = _agent(
        tmp_path,
        "1.0",
        "{taskSuccessRate: {min: 0.85}, hallucinationRate: {max: 0.2, minSamples: 10}}",
    )
    r = run_cli("eval", str(d), "--store", str(store), *WINDOW, "-o", "json")
    assert r.exit_code == 0, r.stdout
    data = json.loads(r.stdout)["data"]
    assert data["scopes"] == {"bot": "1.0"}
    assert [g["status"] for g in data["gates"]] == ["pass", "pass"]


def test_failing_gate_exits_1_and_names_it(store: Path, tmp_path: Path) -> None:
    d = _agent(tmp_path, "1.0", "{taskSuccessRate: {min: 0.95}}")
    r = run_cli("eval", str(d), "--store", str(store), *WINDOW)
    assert r.exit_code == 1
    assert "FAIL" in r.stdout and "bot@1.0: task success 90.0%" in r.stdout
    assert "1 of 1 quality gates failed" in r.stderr
    j = run_cli("eval", str(d), "--store", str(store), *WINDOW, "-o", "json")
    assert j.exit_code == 1 and json.loads(j.stdout)["ok"] is False


def test_tool_accuracy_requires_declared_tools_unless_turned_off(
    store: Path, tmp_path: Path
) -> None:
    d = _agent(tmp_path, "2.0", "{toolUseAccuracy: {min: 0.95, minSamples: 5}}")
    r = run_cli("eval", str(d), "--store", str(store), *WINDOW, "-o", "json")
    assert r.exit_code == 1  # 9 of 10 calls named a tool the agent.yaml declares
    gate = json.loads(r.stdout)["data"]["gates"][0]
    assert (gate["count"], gate["samples"], gate["status"]) == (9, 10, "fail")
    agents = {(a["agent"], a["version"]): a for a in json.loads(r.stdout)["data"]["agents"]}
    assert agents[("bot", "2.0")]["undeclaredTools"] == {"shell": 1}
    assert agents[("bot", "2.0")]["declaredToolsChecked"] is True
    lenient = run_cli(
        "eval", str(d), "--store", str(store), *WINDOW, "--no-declared-tools", "-o", "json"
    )
    assert lenient.exit_code == 0  # every call succeeded
    assert json.loads(lenient.stdout)["data"]["agents"][0]["declaredToolsChecked"] is False
    without_spec = run_cli("eval", "--store", str(store), *WINDOW, "-o", "json")
    assert {
        a["declaredToolsChecked"] for a in json.loads(without_spec.stdout)["data"]["agents"]
    } == {False}


def test_tools_a_declared_service_tool_serves_count_as_declared(tmp_path: Path) -> None:
    spans: list[SpanRecord] = []
    for i in range(6):
        run = _run(i, "2.0", ok=True, tool="convert_currency")
        run[-1].attributes = {"agentctl.tool.service": "web-search"}  # served by the declared tool
        spans += run
    path = tmp_path / "served.db"
    with TraceStore(path) as st:
        st.insert(spans)
    d = _agent(tmp_path, "2.0", "{toolUseAccuracy: {min: 0.95, minSamples: 5}}")
    r = run_cli("eval", str(d), "--store", str(path), *WINDOW, "-o", "json")
    assert r.exit_code == 0, r.stdout
    gate = json.loads(r.stdout)["data"]["gates"][0]
    assert (gate["count"], gate["samples"], gate["status"]) == (6, 6, "pass")


def test_insufficient_data_fails_unless_allowed(store: Path, tmp_path: Path) -> None:
    d = _agent(tmp_path, "2.0", "{hallucinationRate: {max: 0.1}}")  # v2.0 has no evaluations
    r = run_cli("eval", str(d), "--store", str(store), *WINDOW)
    assert r.exit_code == 1 and "insufficient data" in r.stdout
    ok = run_cli("eval", str(d), "--store", str(store), *WINDOW, "--allow-insufficient")
    assert ok.exit_code == 0 and "insufficient data (allowed)" in ok.stdout


def test_compare_versions(store: Path) -> None:
    r = run_cli(
        "eval",
        "--store",
        str(store),
        *WINDOW,
        "--agent",
        "bot",
        "--compare",
        "1.0",
        "2.0",
        "-o",
        "json",
    )
    assert r.exit_code == 0, r.stderr
    cmp = json.loads(r.stdout)["data"]["compare"]
    task = next(m for m in cmp["metrics"] if m["metric"] == "task_success_rate")
    assert task["a"]["value"] == 0.9 and task["b"]["value"] == 1.0
    # gpt-4o: 1000 in x 2.5 + 100 out x 10 per MTok = $0.0035 (v1) and 1000 x 2.5 + 50 x 10 = $0.003 (v2),
    # plus 5 s of the default requests (250m, 512Mi) per run
    compute = 0.01358625 * 5 / 3600
    assert cmp["costPerRun"]["a"]["perRunUSD"] == pytest.approx(0.0035 + compute, abs=1e-6)
    assert cmp["costPerRun"]["b"]["perRunUSD"] == pytest.approx(0.003 + compute, abs=1e-6)
    text = run_cli(
        "eval", "--store", str(store), *WINDOW, "--agent", "bot", "--compare", "1.0", "2.0"
    )
    assert "bot: 1.0 vs 2.0" in text.stdout and "cost per run" in text.stdout


def _guarded(tmp_path: Path, guardrails: str, name: str = "bot") -> Path:
    d = tmp_path / f"{name}-guarded"
    d.mkdir(parents=True)
    (d / "agent.yaml").write_text(
        "apiVersion: agentctl.dev/v1alpha1\nkind: Agent\n"
        f"metadata: {{name: {name}, team: t, version: '1.0'}}\n"
        "spec:\n  type: job\n  image: ghcr.io/acme/bot:1\n"
        "  tools: [{name: web-search, kind: http, url: 'https://search.example.com'}]\n"
        f"  guardrails: {guardrails}\n"
        "  evaluation: {guardrailAdherence: {min: 0.9, minSamples: 2}}\n"
    )
    return d


def test_guardrail_adherence_counts_runs_over_their_budget(tmp_path: Path) -> None:
    # Two runs of $0.0035 each (see test_compare_versions) that the runtime did not stop.
    path = tmp_path / "over.db"
    with TraceStore(path) as st:
        st.insert([*_run(1, "1.0", ok=True), *_run(2, "1.0", ok=True)])
    d = _guarded(tmp_path, "{budget: {perRunUSD: 0.002}}")
    budget = run_cli("cost", str(d), "--store", str(path), *WINDOW, "--budget-check")
    assert budget.exit_code == 1 and "2 budget breaches" in budget.stderr
    r = run_cli("eval", str(d), "--store", str(path), *WINDOW, "-o", "json")
    assert r.exit_code == 1, r.stdout  # the same two runs breach the guardrail gate
    data = json.loads(r.stdout)["data"]
    row = next(a for a in data["agents"] if a["version"] is None)
    assert (row["metrics"]["guardrail_adherence"]["count"], row["metrics"]["guardrail_adherence"]["samples"]) == (0, 2)  # fmt: skip
    assert row["guardrailViolations"] == {"budget_per_run": 2}
    assert row["guardrailLimitsChecked"] is True
    assert data["guardrailLimits"] == {
        "bot": {"perRunUSD": 0.002, "perRunSource": "agent.yaml", "maxSteps": None, "maxToolCalls": None}
    }  # fmt: skip
    text = run_cli("eval", str(d), "--store", str(path), *WINDOW)
    assert "guardrail violations of bot: budget_per_run (2 runs)" in text.stdout
    within = _guarded(tmp_path / "within", "{budget: {perRunUSD: 0.004}}")
    ok = run_cli("eval", str(within), "--store", str(path), *WINDOW, "-o", "json")
    assert ok.exit_code == 0, ok.stdout


def test_guardrail_adherence_counts_step_and_tool_call_breaches(tmp_path: Path) -> None:
    first, second = _run(1, "1.0", ok=True), _run(2, "1.0", ok=True)
    extra_chat = SpanRecord(first[0].trace_id, "00000001dddddddd", first[0].span_id, "chat gpt-4o", 3, T0, T0 + 1,
                            operation="chat", agent_name="bot", agent_version="1.0")  # fmt: skip
    extra_tool = SpanRecord(second[0].trace_id, "00000002dddddddd", second[0].span_id, "execute_tool web-search",
                            1, T0, T0 + 1, operation="execute_tool", tool_name="web-search",
                            agent_name="bot", agent_version="1.0")  # fmt: skip
    path = tmp_path / "steps.db"
    with TraceStore(path) as st:
        st.insert([*first, *second, extra_chat, extra_tool])
    d = _guarded(tmp_path, "{maxSteps: 1, maxToolCalls: 1}")
    r = run_cli("eval", str(d), "--store", str(path), *WINDOW, "-o", "json")
    assert r.exit_code == 1, r.stdout
    row = next(a for a in json.loads(r.stdout)["data"]["agents"] if a["version"] is None)
    assert row["guardrailViolations"] == {"max_steps": 1, "max_tool_calls": 1}
    assert row["metrics"]["guardrail_adherence"]["count"] == 0


def test_without_a_spec_only_guardrail_events_count(store: Path) -> None:
    r = run_cli("eval", "--store", str(store), *WINDOW, "-o", "json")
    data = json.loads(r.stdout)["data"]
    assert data["guardrailLimits"] == {}
    assert {a["guardrailLimitsChecked"] for a in data["agents"]} == {False}
    text = run_cli("eval", "--store", str(store), *WINDOW)
    assert "guardrail adherence of bot counts guardrail events only" in text.stdout


@pytest.mark.parametrize(
    ("versions", "message"),
    [
        (("3.0", "4.0"), "no runs of bot versions 3.0 and 4.0 in the window: nothing to compare"),
        (("1.0", "3.0"), "no runs of bot version 3.0 in the window: nothing to compare"),
    ],
)
def test_compare_versions_without_runs_is_nothing_to_compare(
    store: Path, versions: tuple[str, str], message: str
) -> None:
    args = ("eval", "--store", str(store), *WINDOW, "--agent", "bot", "--compare", *versions)
    r = run_cli(*args)
    assert r.exit_code == 2 and r.stdout == ""  # no table of "-"
    assert message in r.stderr
    assert "versions of bot with runs in the window: 1.0 (30 runs), 2.0 (10 runs)" in r.stderr
    j = run_cli(*args, "-o", "json")
    assert j.exit_code == 2
    err = json.loads(j.stdout)
    assert err["ok"] is False and message in json.dumps(err)


def test_compare_an_agent_without_runs(store: Path) -> None:
    r = run_cli(
        "eval", "--store", str(store), *WINDOW, "--agent", "nobody", "--compare", "1.0", "2.0"
    )
    assert r.exit_code == 2 and "nobody has no runs in the window" in r.stderr


def test_usage_errors(store: Path, tmp_path: Path) -> None:
    assert run_cli("eval", "--store", str(store), "--source", "http://127.0.0.1:9").exit_code == 2
    assert run_cli("eval", "--store", str(tmp_path / "missing.db")).exit_code == 2
    assert run_cli("eval", "--since", "soon").exit_code == 2


def test_remote_tempo_source() -> None:
    from tests.fakes import otlp_payloads as P
    from tests.fakes.trace_backends import FakeTempo

    now = time.time_ns()
    with FakeTempo() as fake:
        for k, err in enumerate([False, False, True]):
            run = P.agent_run(agent="weather-bot", error=err, start=now - (300 - k) * 10**9)
            fake.add(
                P.json_doc(run, {"service.name": "weather-bot", "gen_ai.agent.name": "weather-bot"})
            )
        r = run_cli("eval", "--source", f"tempo+{fake.url}", "--since", "1h", "-o", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)["data"]
    row = next(a for a in data["agents"] if a["agent"] == "weather-bot" and a["version"] is None)
    assert row["metrics"]["task_success_rate"]["samples"] == 3
    # the failing run's tool call timed out and its answer came right after: although its
    # agent span ended ok, an answer built on an unrecovered tool failure is no success
    assert row["metrics"]["task_success_rate"]["count"] == 2
    assert (
        row["metrics"]["tool_use_accuracy"]["count"],
        row["metrics"]["tool_use_accuracy"]["samples"],
    ) == (2, 3)


def test_remote_source_prices_runs_against_their_budget(tmp_path: Path) -> None:
    from tests.fakes import otlp_payloads as P
    from tests.fakes.trace_backends import FakeTempo

    # Each run: two gpt-4o-mini calls of 100 in + 10 out tokens ($0.000021 each) and one tool call.
    d = _guarded(tmp_path, "{budget: {perRunUSD: 0.00003}, maxSteps: 2}", name="weather-bot")
    now = time.time_ns()
    with FakeTempo() as fake:
        for k in range(2):
            run = P.agent_run(agent="weather-bot", start=now - (300 - k) * 10**9)
            fake.add(
                P.json_doc(run, {"service.name": "weather-bot", "gen_ai.agent.name": "weather-bot"})
            )
        r = run_cli("eval", str(d), "--source", f"tempo+{fake.url}", "--since", "1h", "-o", "json")
    assert r.exit_code == 1, r.stdout
    row = next(a for a in json.loads(r.stdout)["data"]["agents"] if a["version"] is None)
    assert row["guardrailViolations"] == {"budget_per_run": 2}  # two steps are within maxSteps
