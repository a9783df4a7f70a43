"""agentctl eval checks the groundedness of stored runs that captured their content."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentctl.spans import SpanEvent, SpanRecord
from agentctl.telemetry.store import TraceStore
from tests.cli.helpers import run_cli

T0 = 1_740_787_200 * 10**9  # 2025-03-01T00:00:00Z
WINDOW = ("--since", "2025-03-01", "--until", "2025-03-02")
TOOL_RESULT = '{"city": "Oslo", "temperature_c": 4.5, "observed": "2025-03-01T06:00:00Z"}'


def _messages(role: str, text: str) -> str:
    return json.dumps([{"role": role, "parts": [{"type": "text", "content": text}]}])


def _run(i: int, answer: str | None, *, verdict: str | None = None) -> list[SpanRecord]:
    """One run of agent bot: the agent span (with its answer when captured) and a tool call."""
    trace = f"{i:08x}".ljust(32, "0")
    start = T0 + i * 10**9
    common: dict[str, Any] = {"agent_name": "bot", "agent_version": "1.0"}
    attrs: dict[str, Any] = {}
    if answer is not None:
        attrs["gen_ai.input.messages"] = _messages("user", "What is the weather in Oslo?")
        attrs["gen_ai.output.messages"] = _messages("assistant", answer)
    events = []
    if verdict is not None:  # the runtime checked it already
        events.append(SpanEvent("gen_ai.evaluation.result", start, {
            "gen_ai.evaluation.name": "groundedness", "gen_ai.evaluation.score.label": verdict}))  # fmt: skip
    root = SpanRecord(trace, f"{i:08x}aaaaaaaa", None, "invoke_agent bot", 1, start, start + 10**9,
                      operation="invoke_agent", attributes=attrs, events=events, **common)  # fmt: skip
    tool_attrs = {"gen_ai.tool.call.result": TOOL_RESULT} if answer is not None else {}
    tool = SpanRecord(trace, f"{i:08x}cccccccc", root.span_id, "execute_tool weather", 1, start, start + 1,
                      operation="execute_tool", tool_name="weather", attributes=tool_attrs, **common)  # fmt: skip
    return [root, tool]


def _eval(store: Path, *extra: str) -> dict[str, Any]:
    result = run_cli("eval", "--store", str(store), *WINDOW, "--agent", "bot", *extra, "-o", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["data"]


def test_invented_numbers_count_as_hallucinations_grounded_ones_do_not(tmp_path: Path) -> None:
    store = tmp_path / "traces.db"
    with TraceStore(store) as st:
        st.insert(_run(1, "It is 4.5 °C in Oslo (observed 1 March 2025)."))
        st.insert(_run(2, "It is about 5 °C in Oslo."))
        st.insert(_run(3, "It is 7.5 °C in Oslo."))  # invented
        st.insert(_run(4, "Hello! Ask me about the weather."))  # nothing to check
        st.insert(_run(5, None))  # content not captured: not evaluable here
        st.insert(_run(6, "It is 9 °C.", verdict="grounded"))  # the runtime's verdict stands

    data = _eval(store)
    assert data["groundedness"] == {"checked": 4, "hallucinated": 1, "noClaims": 1}
    rate = data["agents"][0]["metrics"]["hallucination_rate"]
    assert (rate["count"], rate["samples"], rate["unit"]) == (1, 4, "evaluated responses")
    assert rate["interval95"][0] < 0.25 < rate["interval95"][1]

    # the verdicts are in the store, on the agent span: trace -t shows them, eval re-counts them
    with TraceStore(store) as st:
        events = [e for s in st.trace("00000003".ljust(32, "0")) for e in s.events]
    assert [e.attributes["gen_ai.evaluation.score.label"] for e in events] == ["ungrounded"]
    assert "7.5" in events[0].attributes["gen_ai.evaluation.explanation"]
    again = _eval(store)
    assert again["groundedness"] == {"checked": 0, "hallucinated": 0, "noClaims": 0}
    assert again["agents"][0]["metrics"]["hallucination_rate"]["samples"] == 4

    shown = run_cli("trace", "--store", str(store), "-t", "00000003")
    assert shown.exit_code == 0, shown.stderr
    assert "groundedness" in shown.stdout


def test_no_groundedness_leaves_the_store_alone(tmp_path: Path) -> None:
    store = tmp_path / "traces.db"
    with TraceStore(store) as st:
        st.insert(_run(1, "It is 7.5 °C in Oslo."))
    data = _eval(store, "--no-groundedness")
    assert "groundedness" not in data
    assert data["agents"][0]["metrics"]["hallucination_rate"]["samples"] == 0


class _Judge:
    """A judge on the loopback fake: unfaithful when the answer invents 7.5 °C."""

    def __init__(self) -> None:
        from tests.fakes.openai_server import FakeOpenAI

        outer = self

        class Fake(FakeOpenAI):
            def chat(self, body: dict[str, Any], n: int) -> dict[str, Any]:
                prompt = body["messages"][-1]["content"]
                outer.prompts.append(prompt)
                bad = "7.5" in prompt.split("ANSWER:")[-1]
                verdict = {"score": 0.0 if bad else 1.0, "label": "unfaithful" if bad else "faithful",
                           "reason": "invents a temperature" if bad else "supported"}  # fmt: skip
                self.reply = json.dumps(verdict)
                return super().chat(body, n)

        self.prompts: list[str] = []
        self.fake = Fake()


def test_an_llm_judge_scores_faithfulness_with_its_cost_and_never_shows_its_key(
    tmp_path: Path, monkeypatch: Any
) -> None:
    store = tmp_path / "traces.db"
    with TraceStore(store) as st:
        st.insert(_run(1, "It is 4.5 °C in Oslo."))
        st.insert(_run(3, "It is 7.5 °C in Oslo."))
    key = "sk-judge-" + "q" * 24
    monkeypatch.setenv("AGENTCTL_JUDGE_API_KEY", key)
    judge = _Judge()
    with judge.fake as fake:
        data = _eval(store, "--no-groundedness", "--judge", "gpt-4.1-mini-2025-04-14",
                     "--judge-url", fake.base_url)  # fmt: skip
        text = run_cli("eval", "--store", str(store), *WINDOW, "--judge", "gpt-4.1-mini-2025-04-14",
                       "--judge-url", fake.base_url)  # fmt: skip
    assert data["judge"]["judged"] == 2 and data["judge"]["unfaithful"] == 1
    assert data["judge"]["costUSD"] > 0 and data["judge"]["inputTokens"] > 0
    assert data["judge"]["keyFrom"] == "AGENTCTL_JUDGE_API_KEY"
    rate = data["agents"][0]["metrics"]["hallucination_rate"]
    assert (rate["count"], rate["samples"]) == (1, 2)
    assert all(r["_authorized"] for r in fake.requests)
    assert TOOL_RESULT in judge.prompts[0]  # the judge saw what the run saw
    # verdicts are stored: the second call judged nothing new
    assert "0 run(s) judged" in text.stdout
    assert key not in text.stdout + text.stderr + json.dumps(data)
    with TraceStore(store) as st:
        stored = json.dumps([[e.attributes for e in s.events] for s in st.spans()])
    assert key not in stored and "invents a temperature" in stored


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("http://127.0.0.1:{port}/v1", "http://127.0.0.1:{port}/v1/chat/completions"),
        # neither a password (a raw @ in it) nor a key in the query is shown
        ("http://u:pa@ss-w0rd@127.0.0.1:{port}/v1?api_key=s3cr3t", "http://127.0.0.1:{port}/v1?api_key=[REDACTED]"),
    ],
    ids=["plain", "credentials"],
)  # fmt: skip
def test_an_unreachable_judge_is_one_line_naming_the_endpoint(
    tmp_path: Path, given: str, shown: str
) -> None:
    from tests.fakes.ports import refused_port

    store = tmp_path / "traces.db"
    with TraceStore(store) as st:
        st.insert(_run(1, "It is 4.5 °C in Oslo."))
    with refused_port() as port:
        url = given.format(port=port)
        result = run_cli("eval", "--store", str(store), *WINDOW, "--judge", "m", "--judge-url", url)
    assert result.exit_code != 0 and "Traceback" not in result.stderr
    assert f"{shown.format(port=port)}: the judge endpoint is unreachable" in result.stderr
    assert "w0rd" not in result.stderr and "s3cr3t" not in result.stderr


def test_a_judge_url_that_is_not_http_is_one_line_with_the_value_cut(tmp_path: Path) -> None:
    store = tmp_path / "traces.db"
    with TraceStore(store) as st:
        st.insert(_run(1, "It is 4.5 °C in Oslo."))
    url = "ftp://" + "x" * 3000
    result = run_cli("eval", "--store", str(store), *WINDOW, "--judge", "m", "--judge-url", url)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"error: --judge-url {(url[:40] + '...')!r}: not an http(s) URL"
    ]
