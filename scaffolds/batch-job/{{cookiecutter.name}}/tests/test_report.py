"""The report job: tools, the agent loop, budgets, files and the entry point."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from {{ cookiecutter.__package }}.__main__ import main
from {{ cookiecutter.__package }}._runtime import GuardrailExceeded
from {{ cookiecutter.__package }}._runtime.testing import agent_tools, declared_tools, settings_for, tool_call
from {{ cookiecutter.__package }}.report import Metrics, build_toolbox, sample_metrics, write_report

DAY = dt.date(2025, 3, 14)
AGENT_YAML = Path(__file__).resolve().parents[1] / "agent.yaml"


def test_sample_metrics_are_deterministic():
    assert sample_metrics(DAY) == sample_metrics(DAY)
    assert sample_metrics(DAY) != sample_metrics(DAY - dt.timedelta(days=1))


def test_metrics_file_wins_over_the_sample(tmp_path):
    (tmp_path / "metrics-2025-03-14.json").write_text(json.dumps({"requests": 5, "errors": 1}))

    expected = {"requests": 5, "errors": 1, "date": "2025-03-14", "source": "metrics-2025-03-14.json"}
    assert Metrics(tmp_path).get(DAY) == expected
    assert Metrics(tmp_path).get(DAY - dt.timedelta(days=1))["source"] == "sample"


def test_compare_with_previous_day():
    compare = build_toolbox(Metrics(None)).get("compare_with_previous_day")

    result = compare(date="2025-03-14")

    today, before = sample_metrics(DAY), sample_metrics(DAY - dt.timedelta(days=1))
    assert result["changes"]["requests"]["delta"] == today["requests"] - before["requests"]


def test_offline_demo_writes_and_saves_the_report(tmp_path, spans):
    outcome = write_report(settings_for(None, memory_dir=tmp_path), DAY)

    assert outcome["report"].startswith("# Daily report 2025-03-14\n\n[offline-demo]")
    assert (tmp_path / "reports" / "2025-03-14.md").read_text() == outcome["report"]
    assert json.loads((tmp_path / "reports" / "latest.json").read_text())["tool_calls"] == 2
    assert [s.name for s in spans.named("execute_tool")] == [
        "execute_tool fetch_metrics",
        "execute_tool compare_with_previous_day",
    ]
    root = spans.one("invoke_agent")
    assert root.attributes["agentctl.run.cost_usd"] == 0  # the offline demo model is free


def test_loop_on_a_fake_endpoint(fake_openai, tmp_path):
    fake_openai.reply(
        {"tool_calls": [tool_call("fetch_metrics", {"date": "2025-03-14"}, "c1")]},
        {"content": "All quiet."},
    )

    outcome = write_report(settings_for(fake_openai, memory_dir=tmp_path), DAY)

    assert outcome["report"] == "# Daily report 2025-03-14\n\nAll quiet.\n"
    sent = json.loads(fake_openai.requests[1]["messages"][-1]["content"])
    assert sent == sample_metrics(DAY)
    assert "2025-03-14" in fake_openai.requests[0]["messages"][1]["content"]


def test_per_run_budget(fake_openai, tmp_path, spans):
    fake_openai.reply({"content": "expensive", "usage": (100_000, 50_000)})

    with pytest.raises(GuardrailExceeded) as err:
        write_report(settings_for(fake_openai, memory_dir=tmp_path, budget_per_run_usd=0.01), DAY)

    assert err.value.policy == "budget_per_run"
    assert spans.one("invoke_agent").attributes["error.type"] == "guardrail.budget_per_run"


def test_daily_budget_is_kept_across_runs(fake_openai, tmp_path):
    # gpt-4.1-mini: 1000 in + 1000 out = $0.002 per run
    fake_openai.reply(*[{"content": "ok", "usage": (1000, 1000)}] * 3)
    settings = settings_for(fake_openai, memory_dir=tmp_path, budget_daily_usd=0.003)

    write_report(settings, DAY)
    with pytest.raises(GuardrailExceeded) as err:
        write_report(settings, DAY)

    assert err.value.policy == "budget_daily"
    spent = json.loads(next((tmp_path / ".agent").glob("spend-*.json")).read_text())["spent_usd"]
    assert spent == pytest.approx(0.004)


def test_entry_point(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("AGENT_MODEL_PROVIDER", "offline-demo")
    monkeypatch.setenv("AGENT_MEMORY_DIR", str(tmp_path))

    assert main(["report", "--date", "2025-03-14"]) == 0
    assert capsys.readouterr().out.startswith("# Daily report 2025-03-14")
    assert (tmp_path / "reports" / "2025-03-14.md").exists()
    assert main(["report", "--date", "yesterday"]) == 2


def test_every_tool_offered_to_the_model_is_declared_in_agent_yaml(fake_openai, tmp_path):
    settings = settings_for(fake_openai, memory_dir=tmp_path, **declared_tools(AGENT_YAML))

    write_report(settings, DAY)  # would raise UndeclaredToolError otherwise

    offered = {t["function"]["name"] for t in fake_openai.requests[0]["tools"]}
    assert offered == {t["name"] for t in agent_tools(AGENT_YAML)}


def test_an_undeclared_tool_stops_the_job_before_any_model_call(monkeypatch, tmp_path, capsys, spans):
    monkeypatch.setenv("AGENT_MODEL_PROVIDER", "offline-demo")
    monkeypatch.setenv("AGENT_MEMORY_DIR", str(tmp_path))
    declared = [t for t in agent_tools(AGENT_YAML) if t["name"] != "compare_with_previous_day"]
    monkeypatch.setenv("AGENT_TOOLS", json.dumps(declared))

    assert main(["report", "--date", "2025-03-14"]) == 2
    assert "tool compare_with_previous_day is not declared in agent.yaml" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()
    assert spans.named("chat ") == []


def _point_at(monkeypatch, fake, tmp_path):
    for key, value in {
        "AGENT_MODEL_PROVIDER": "openai",
        "AGENT_MODEL_NAME": "gpt-4.1-mini-2025-04-14",
        "AGENT_MODEL_BASE_URL": fake.base_url,
        "AGENT_MODEL_API_KEY": "test-" + "x" * 12,
        "AGENT_MEMORY_DIR": str(tmp_path),
    }.items():
        monkeypatch.setenv(key, value)


def test_agent_params_choose_the_day_and_the_topic(monkeypatch, fake_openai, tmp_path, capsys, spans):
    # As `agentctl run NAME -p date=2025-03-14 -p topic=latency` (or `agentctl dev --param`) sets them.
    _point_at(monkeypatch, fake_openai, tmp_path)
    monkeypatch.setenv("AGENT_PARAMS", json.dumps({"date": "2025-03-14", "topic": "latency"}))
    fake_openai.reply({"content": "Latency held steady."})

    assert main(["report"]) == 0

    assert capsys.readouterr().out == "# Daily report 2025-03-14\n\nLatency held steady.\n"
    task = fake_openai.requests[0]["messages"][1]["content"]
    assert "2025-03-14" in task and "Pay particular attention to latency." in task
    assert json.loads((tmp_path / "reports" / "latest.json").read_text())["topic"] == "latency"


def test_the_date_option_wins_over_agent_params(monkeypatch, fake_openai, tmp_path, capsys, spans):
    _point_at(monkeypatch, fake_openai, tmp_path)
    monkeypatch.setenv("AGENT_PARAMS", json.dumps({"date": "2025-03-14"}))

    assert main(["report", "--date", "2025-03-10"]) == 0

    assert capsys.readouterr().out.startswith("# Daily report 2025-03-10")
    assert "Pay particular attention" not in fake_openai.requests[0]["messages"][1]["content"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ('{"day": "2025-03-14"}', "unknown parameter 'day'; this job takes date"),
        ('{"date": "last tuesday"}', "date 'last tuesday' is not a day in YYYY-MM-DD"),
        ('["2025-03-14"]', "AGENT_PARAMS must be a JSON object"),
        ("date=2025-03-14", "AGENT_PARAMS is not valid JSON"),
    ],
)
def test_bad_agent_params_exit_2_before_any_model_call(monkeypatch, tmp_path, capsys, spans, params, message):
    monkeypatch.setenv("AGENT_MODEL_PROVIDER", "offline-demo")
    monkeypatch.setenv("AGENT_MEMORY_DIR", str(tmp_path))
    monkeypatch.setenv("AGENT_PARAMS", params)

    assert main(["report"]) == 2

    assert message in capsys.readouterr().err
    assert spans.named("chat ") == [] and not (tmp_path / "reports").exists()
