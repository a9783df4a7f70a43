"""A generated agent between hostile peers: a model endpoint that answers wrongly, slowly or too
much, and HTTP clients that send what no client should (run with this interpreter).

Every failure is one log line or answer naming what went wrong, never a traceback, never the
API key; the run stops within its limits and the agent serves the next request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.scaffolds.test_templates import _run_in_project

# the generated runtime imports the OTel SDK and the openai SDK (dev extras, not the floors)
pytestmark = pytest.mark.agent_runtime

HERE = Path(__file__).resolve().parent
ENDPOINT = "model endpoint http://127.0.0.1:"


def _run(tmp_path: Path, mode: str) -> dict[str, Any]:
    memory = tmp_path / "memory"
    memory.mkdir()
    script = HERE / "hostile_peers.py"
    return _run_in_project(
        "stateful-agent", tmp_path, script, "research_assistant", mode, str(memory), timeout=180
    )


@pytest.fixture(scope="module")
def model_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _run(tmp_path_factory.mktemp("hostile-model"), "model")


def _failed_with(run: dict[str, Any], reason: str) -> None:
    """A 502 naming the reason; one warning line naming the endpoint; nothing else said."""
    assert run["status"] == 502, run
    assert (
        run["body"]["error"].startswith("model call failed: ") and reason in run["body"]["error"]
    ), run
    assert len(run["log"]) == 1 and run["log"][0].startswith("WARNING "), run["log"]
    assert ENDPOINT in run["log"][0] and reason in run["log"][0], run["log"]


@pytest.mark.parametrize(
    ("scenario", "reason"),
    [
        ("no-choices", "no choices"),
        ("choices-a-string", "no chat completion"),
        ("message-null", "has no message"),
        ("content-a-number", "content is a int, not text"),
        ("tool-calls-a-string", "tool_calls is not a list"),
        ("usage-negative", "usage.prompt_tokens is not a token count"),
        ("usage-text", "usage.prompt_tokens is not a token count"),
        ("usage-an-object-of-nothing", "no chat completion"),
        ("html", "no choices"),
        ("html-said-json", "no chat completion"),
        ("too-large", "over 65536 bytes (AGENT_MODEL_MAX_RESPONSE_BYTES)"),
        ("gzip-bomb", "over 65536 bytes (AGENT_MODEL_MAX_RESPONSE_BYTES)"),
        ("401-echoing-the-key", "answered HTTP 401"),
    ],
)
def test_a_wrong_answer_fails_the_run_in_one_line_naming_the_endpoint(
    model_runs: dict[str, Any], scenario: str, reason: str
) -> None:
    run = model_runs[scenario]
    _failed_with(run, reason)
    assert not run["keyShown"]


def test_a_negative_token_count_cannot_buy_budget_back(model_runs: dict[str, Any]) -> None:
    assert model_runs["usage-negative"]["status"] == 502  # not a run that "cost" minus $90,000


def test_a_compressed_answer_is_read(model_runs: dict[str, Any]) -> None:
    run = model_runs["gzip"]
    assert run["status"] == 200 and run["body"]["output"] == "fine", run


def test_content_parts_are_read_as_text(model_runs: dict[str, Any]) -> None:
    run = model_runs["content-parts"]
    assert run["status"] == 200 and run["body"]["output"] == "from parts"
    assert run["log"] == []


@pytest.mark.parametrize("scenario", ["function-null", "call-without-id"])
def test_a_malformed_tool_call_is_answered_to_the_model(
    model_runs: dict[str, Any], scenario: str
) -> None:
    run = model_runs[scenario]
    assert (
        run["status"] == 200 and run["body"]["tool_calls"] == 1 and run["body"]["output"] == "fine"
    ), run
    assert run["log"] == []


@pytest.mark.parametrize("scenario", ["trickle", "silent", "429-retry-after-a-minute"])
def test_a_slow_answer_is_stopped_by_the_run_timeout(
    model_runs: dict[str, Any], scenario: str
) -> None:
    run = model_runs[scenario]
    # the run's timeout (2 s) stops it, retries included, long before the 12 s the request may take
    assert run["status"] == 422 and run["body"]["guardrail"] == "timeout", run
    assert not any("Traceback" in line for line in run["log"])


def test_endless_tool_calls_stop_at_max_tool_calls(model_runs: dict[str, Any]) -> None:
    run = model_runs["endless-tool-calls"]
    assert run["status"] == 422 and run["body"]["guardrail"] == "max_tool_calls", run


def test_the_agent_serves_the_next_request(model_runs: dict[str, Any]) -> None:
    assert list(model_runs)[-1] == "ok"
    run = model_runs["ok"]
    assert run["status"] == 200 and run["body"]["output"] == "fine"
    assert not any(r["keyShown"] for r in model_runs.values())
    assert not any("Traceback" in line for r in model_runs.values() for line in r["log"])


def test_hostile_clients_get_a_4xx_with_a_reason(tmp_path: Path) -> None:
    got = _run(tmp_path, "clients")
    assert got["deep"]["status"] == 400 and got["deep"]["body"] == {
        "error": "body is JSON nested too deeply"
    }
    assert got["deep"]["log"] == []
    assert got["stalled"]["status"] == 408, got["stalled"]
    assert got["stalled"]["body"] == {"error": "body not received within 1s"}
    assert got["headNeverEnds"]["closed"]  # within the client timeout, not never
    assert not any("Traceback" in line for line in got["leftMidBody"]["log"]), got["leftMidBody"]
    assert got["afterDisconnect"]["status"] == 200  # a client that hung up mid-stream harms no one
    assert not any("Traceback" in line for line in got["afterDisconnect"]["log"])
