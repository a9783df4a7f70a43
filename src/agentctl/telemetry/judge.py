"""An LLM judge of faithfulness for stored runs that captured their content.

``agentctl eval --judge MODEL`` sends each run's answer and what the run saw
(the same context the groundedness check reads, :func:`run_context`) to any
OpenAI-compatible chat-completions endpoint, over plain HTTP with the
standard library, and records the verdict as a ``gen_ai.evaluation.result``
event named ``faithfulness`` on the run's agent span. The key comes from an
environment variable and is sent only in the ``Authorization`` header: it is
never printed, stored or put in an error message.

The rubric (:data:`RUBRIC`) asks for a JSON object: a score from 0 to 1, a
label ``faithful`` or ``unfaithful`` and a one-sentence reason. A run is
*unfaithful* (a hallucination) when its answer states something the context
does not support or contradicts.

``agentctl eval run --judge MODEL`` uses the same endpoint to score eval-set
answers against each case's own rubric (:class:`RubricScorer`,
:data:`CASE_RUBRIC`).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from agentctl.errors import TelemetryError, UsageError, echoed
from agentctl.spans import SpanEvent, SpanRecord
from agentctl.telemetry.grounding import EVAL_EVENT, agent_span, run_context, unevaluated_runs
from agentctl.telemetry.otlp import OtlpDecodeError, load_json
from agentctl.telemetry.outbound import (
    check_header_value,
    is_redirect,
    read_capped,
    redirected,
    urlopen,
)
from agentctl.telemetry.redact import redact_text
from agentctl.telemetry.store import TraceStore
from agentctl.traces import content
from agentctl.urls import without_userinfo

EVALUATION_NAME = "faithfulness"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
KEY_ENV = "AGENTCTL_JUDGE_API_KEY"
MAX_CONTEXT_CHARS = 24_000  # sent to the judge per run
MAX_RESPONSE_BYTES = 1 << 20
TIMEOUT_SECONDS = 60.0  # per call, the whole answer included
MAX_TOKENS = 10**9  # a usage count above this is not one call's

RUBRIC = """You judge the FAITHFULNESS of an AI agent's answer to the context the agent saw
(its instructions, the user's request and the results of the tools it called).
Rubric:
- 1.0: every factual statement in the answer is supported by the context.
- 0.5: the answer is mostly supported but adds a minor unsupported detail.
- 0.0: the answer states facts (numbers, dates, names, quotes, links, events) that the
  context does not contain or that contradict it, or it presents a tool error as a result.
Paraphrase, rounding to the precision shown and unit conversions count as supported.
Statements of uncertainty, questions and refusals are faithful.
Reply with one JSON object and nothing else:
{"score": <number 0..1>, "label": "faithful" | "unfaithful", "reason": "<one sentence>"}
Use "unfaithful" whenever score < 0.5."""

CASE_RUBRIC = """You grade an AI agent's ANSWER to a TASK against a RUBRIC written by the agent's
developers. Score how fully the answer meets the rubric: 1.0 when it meets every point,
0.0 when it meets none, in between in proportion. Judge only against the rubric.
Reply with one JSON object and nothing else:
{"score": <number 0..1>, "reason": "<one sentence>"}"""


@dataclass
class JudgeResult:
    model: str
    endpoint: str
    judged: int = 0
    unfaithful: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal | None = Decimal(0)
    price_status: str = "priced"
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "endpoint": self.endpoint,
            "judged": self.judged,
            "unfaithful": self.unfaithful,
            "inputTokens": self.input_tokens,
            "outputTokens": self.output_tokens,
            "costUSD": float(self.cost_usd) if self.cost_usd is not None else None,
            "priceStatus": self.price_status,
            "errors": self.errors,
        }


def _check_endpoint(base_url: str, key: str | None) -> None:
    """The judge's endpoint and key, checked once before any call (UsageError, exit 2). A
    key no HTTP header can carry is refused up front, and never echoed, not even in an
    error (``http.client`` would name the whole header value)."""
    if not base_url.startswith(("http://", "https://")):
        raise UsageError(f"--judge-url {echoed(base_url)}: not an http(s) URL")
    check_header_value(
        key, "the judge's API key", "check the value of the variable --judge-key-env names",
        UsageError,
    )  # fmt: skip


def _chat(
    base_url: str, key: str | None, body: dict[str, Any]
) -> tuple[dict[str, Any], tuple[int, int]]:
    """The endpoint's response and its (prompt, completion) token counts."""
    url = base_url.rstrip("/") + "/chat/completions"
    shown = redact_text(without_userinfo(url))  # no password, no ?api_key=
    headers = {"Content-Type": "application/json"}
    if key:  # checked by _check_endpoint
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    deadline = time.monotonic() + TIMEOUT_SECONDS
    try:
        with urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            raw = read_capped(response, MAX_RESPONSE_BYTES, deadline)
    except urllib.error.HTTPError as err:
        if is_redirect(err):
            raise TelemetryError(redirected(shown, err)) from None
        raise TelemetryError(f"{shown}: the judge endpoint answered HTTP {err.code}") from None
    except TimeoutError:
        raise TelemetryError(
            f"{shown}: the judge endpoint did not answer within {TIMEOUT_SECONDS:g}s"
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = str(getattr(err, "reason", err))
        if key:
            reason = reason.replace(key, "[REDACTED]")
        raise TelemetryError(f"{shown}: the judge endpoint is unreachable ({reason})") from None
    if raw is None:
        raise TelemetryError(f"{shown}: the judge's response is larger than 1 MiB")
    try:
        data = load_json(raw, "JSON")
    except OtlpDecodeError as err:
        detail = err.message.removeprefix("undecodable JSON: ")[:200]
        raise TelemetryError(f"{shown}: the judge's response is not JSON ({detail})") from None
    if not isinstance(data, dict):
        raise TelemetryError(f"{shown}: the judge's response is not a JSON object")
    return data, _usage(data, shown)


def _json_object(text: str) -> Any:
    """The JSON object in a judge's reply (also inside a code fence); ValueError without one."""
    text = text.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise ValueError("no JSON object in the judge's reply")
    try:
        return load_json(text[start : end + 1], "JSON")
    except OtlpDecodeError as err:
        raise ValueError(err.message.removeprefix("undecodable JSON: ")) from None


def parse_verdict(text: str) -> tuple[float, str, str]:
    """(score, label, reason) from the judge's reply; ValueError when it is not one."""
    doc = _json_object(text)
    score = float(doc["score"])
    if not 0.0 <= score <= 1.0:
        raise ValueError(f"score {score} is outside 0..1")
    label = str(doc.get("label") or ("faithful" if score >= 0.5 else "unfaithful")).strip().lower()
    if label not in ("faithful", "unfaithful"):
        raise ValueError(f"label {label!r} is neither faithful nor unfaithful")
    if score < 0.5:
        label = "unfaithful"
    return score, label, str(doc.get("reason") or "")[:500]


def parse_score(text: str) -> tuple[float, str]:
    """(score, reason) from a rubric judge's reply; ValueError when it is not one."""
    try:
        doc = _json_object(text)
        score = float(doc["score"])
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"no score in the judge's reply ({err})") from None
    if not 0.0 <= score <= 1.0:
        raise ValueError(f"score {score} is outside 0..1")
    return score, str(doc.get("reason") or "")[:500]


def _usage(data: dict[str, Any], shown: str) -> tuple[int, int]:
    """(prompt, completion) tokens of a response; absent counts are 0, anything but a
    whole number from 0 to MAX_TOKENS is an error naming the endpoint and the field."""
    raw = data.get("usage")
    usage: dict[str, Any] = raw if isinstance(raw, dict) else {}
    counts = []
    for name in ("prompt_tokens", "completion_tokens"):
        value = usage.get(name)
        if value is None:
            value = 0
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKENS:
            raise TelemetryError(
                f"{shown}: the judge's response has usage.{name} {echoed(value)}, "
                f"not a token count (0 to {MAX_TOKENS})"
            )
        counts.append(value)
    return counts[0], counts[1]


def _call_record(n: int, model: str, data: dict[str, Any], tokens: tuple[int, int]) -> SpanRecord:
    """The judge's call as a model-call span, for pricing it as `agentctl cost` does."""
    now = time.time_ns()
    return SpanRecord(f"{n:032x}", f"{n:016x}", None, f"chat {model}", 3, now, now,
                      operation="chat", provider="openai", request_model=str(data.get("model") or model),
                      input_tokens=tokens[0], output_tokens=tokens[1])  # fmt: skip


class RubricScorer:
    """Scores eval-set answers against their cases' rubrics (``eval run --judge``); counts its
    own tokens and prices them. Safe to call from the threads that run cases in parallel."""

    def __init__(self, model: str, base_url: str, key: str | None) -> None:
        _check_endpoint(base_url, key)
        self.model = model
        self.base_url = base_url.rstrip("/")
        self._key = key
        self._lock = threading.Lock()
        self._calls: list[SpanRecord] = []

    def __call__(self, rubric: str, task: str, answer: str) -> tuple[float, str]:
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": CASE_RUBRIC},
                {
                    "role": "user",
                    "content": f"RUBRIC:\n{rubric}\n\nTASK:\n{task[:8000]}\n\nANSWER:\n{answer[:8000]}",
                },
            ],
        }
        data, tokens = _chat(self.base_url, self._key, body)
        with self._lock:
            self._calls.append(_call_record(len(self._calls) + 1, self.model, data, tokens))
        try:
            reply = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise ValueError("the judge's response has no message") from None
        return parse_score(str(reply))

    def record(self, store: TraceStore, verdicts: list[tuple[str, str, float, float, str]]) -> int:
        """Attach each verdict (trace id, case, score, minScore, reason) to its run's agent span
        as a ``gen_ai.evaluation.result`` event named ``rubric`` (so `trace -t` shows it; the
        name counts towards neither hallucination rate nor task success)."""
        events = []
        for trace_id, case, score, min_score, reason in verdicts:
            top = agent_span(store.trace(trace_id))
            if top is None:
                continue
            attrs = {
                "gen_ai.evaluation.name": "rubric",
                "gen_ai.evaluation.score.value": round(score, 4),
                "gen_ai.evaluation.score.label": "pass" if score >= min_score else "fail",
                "gen_ai.evaluation.explanation": f"judge {self.model} on case {case} "
                f"(minScore {min_score:g})" + (f": {reason}" if reason else ""),
            }
            events.append((trace_id, top.span_id, SpanEvent(EVAL_EVENT, time.time_ns(), attrs)))
        return store.add_events(events)

    def result(self) -> JudgeResult:
        result = JudgeResult(self.model, self.base_url, judged=len(self._calls))
        result.input_tokens = sum(c.input_tokens or 0 for c in self._calls)
        result.output_tokens = sum(c.output_tokens or 0 for c in self._calls)
        _price(result, self._calls)
        return result


def _context_text(texts: list[str]) -> str:
    joined = "\n---\n".join(t for t in texts if t)
    if len(joined) > MAX_CONTEXT_CHARS:
        joined = joined[:MAX_CONTEXT_CHARS] + "\n[context cut short]"
    return joined


def judge_runs(
    store: TraceStore,
    *,
    model: str,
    base_url: str,
    key: str | None,
    since_ns: int,
    until_ns: int,
    agent: str | None = None,
    limit: int = 50,
) -> JudgeResult:
    """Judge up to ``limit`` runs in the window that have content and no faithfulness verdict."""
    from agentctl.scaffold.runtime import runtime_module

    _check_endpoint(base_url, key)
    result = JudgeResult(model, base_url.rstrip("/"))
    rows = unevaluated_runs(
        store, "faithfulness", since_ns=since_ns, until_ns=until_ns, agent=agent, limit=limit
    )
    if not rows:
        return result
    checker = runtime_module("groundedness")
    events: list[tuple[str, str, SpanEvent]] = []
    calls: list[SpanRecord] = []
    for trace_id, span_id in rows:
        spans = store.trace(trace_id)
        top = agent_span(spans)
        if top is None or top.span_id != span_id:
            continue
        answer = content.output_text(top)
        if answer is None:
            continue
        body = {
            "model": model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": RUBRIC},
                {
                    "role": "user",
                    "content": "CONTEXT:\n" + _context_text(run_context(checker, spans, top))
                    + "\n\nANSWER:\n" + answer[:8000],
                },
            ],
        }  # fmt: skip
        data, tokens = _chat(base_url, key, body)
        result.input_tokens += tokens[0]
        result.output_tokens += tokens[1]
        calls.append(_call_record(len(calls) + 1, model, data, tokens))
        now = time.time_ns()
        try:
            reply = data["choices"][0]["message"]["content"]
            score, label, reason = parse_verdict(str(reply))
        except (KeyError, IndexError, TypeError, ValueError) as err:
            result.errors.append(f"trace {trace_id}: unusable verdict ({err})")
            continue
        attrs = {
            "gen_ai.evaluation.name": EVALUATION_NAME,
            "gen_ai.evaluation.score.value": round(score, 4),
            "gen_ai.evaluation.score.label": label,
            "gen_ai.evaluation.explanation": f"judge {model}: {reason}"
            if reason
            else f"judge {model}",
        }
        events.append((trace_id, span_id, SpanEvent(EVAL_EVENT, now, attrs)))
        result.judged += 1
        result.unfaithful += label == "unfaithful"
    store.add_events(events)
    _price(result, calls)
    return result


def _price(result: JudgeResult, calls: list[SpanRecord]) -> None:
    """The judge's own spend, priced as `agentctl cost` prices model calls (genai-prices)."""
    if not calls:
        return
    from agentctl.cost.llm import price_spans

    priced = price_spans(calls)
    unpriced = sum(t.unpriced_calls for t in priced.traces.values())
    result.cost_usd = priced.total_usd if not unpriced else None
    result.price_status = (
        "priced" if not unpriced else f"unpriced: no price for model {result.model}"
    )
