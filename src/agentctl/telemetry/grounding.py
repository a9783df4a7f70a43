"""Groundedness of stored runs whose content was captured, written back as evaluation events.

The agent runtime checks every answer where the content is and emits only the
verdict (a ``gen_ai.evaluation.result`` event named ``groundedness``). Runs
that reached the store with their content but without that verdict (another
runtime, an older one, an imported trace) are checked here with the very same
code (:func:`agentctl.scaffold.runtime.runtime_module`), and the verdict is
attached to the run's agent span in the store, so ``trace -t`` shows it and
``eval`` counts it like any other evaluation event.

What the run saw: the agent's system instructions and input messages, the
system, user and tool messages of every model call, and every tool result.
What it answered: the agent span's output message.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from agentctl.spans import OP_EXECUTE_TOOL, OP_INVOKE_AGENT, SpanEvent, SpanRecord
from agentctl.telemetry.store import TraceStore
from agentctl.traces import content

EVAL_EVENT = "gen_ai.evaluation.result"
# At most this many runs are checked per call, newest first (each reads its whole trace).
MAX_RUNS = 2000

_CANDIDATES = """
SELECT trace_id, span_id FROM spans
WHERE operation = ? AND start_ns >= ? AND start_ns < ? {agent}
  AND attributes IS NOT NULL
  AND (NOT json_valid(attributes)  -- damaged: reading the run's spans says so
       OR coalesce(json_extract(attributes, '$."gen_ai.output.messages"'),
                   json_extract(attributes, '$."output.value"')) IS NOT NULL)
  AND (events IS NULL OR events NOT LIKE ?)
ORDER BY start_ns DESC LIMIT ?
"""


def unevaluated_runs(
    store: TraceStore,
    evaluation: str,
    *,
    since_ns: int,
    until_ns: int,
    agent: str | None,
    limit: int,
) -> list[tuple[str, str]]:
    """(trace id, span id) of the agent spans started in the window that captured their
    answer and carry no ``evaluation`` verdict yet, newest first, at most ``limit``. A span
    whose attributes are not JSON is among them: reading its run reports the damage."""
    params: list[Any] = [OP_INVOKE_AGENT, since_ns, until_ns]
    where = ""
    if agent is not None:
        where = "AND coalesce(agent_name, service_name) = ?"
        params.append(agent)
    params += [f'%"gen_ai.evaluation.name":"{evaluation}"%', limit]
    rows = store.connection.execute(_CANDIDATES.format(agent=where), params).fetchall()
    return [(trace_id, span_id) for trace_id, span_id in rows]


@dataclass
class GroundingResult:
    checked: int = 0
    hallucinated: int = 0
    no_claims: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "hallucinated": self.hallucinated,
            "noClaims": self.no_claims,
        }


def _parsed(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _texts(checker: Any, value: Any) -> list[str]:
    value = _parsed(value)
    if value is None:
        return []
    if isinstance(value, list):
        return list(checker.message_texts(value)) + [
            str(p.get("content"))
            for p in value
            if isinstance(p, dict) and "role" not in p and p.get("content")
        ]
    return [value if isinstance(value, str) else json.dumps(value, default=str)]


def run_context(checker: Any, spans: list[SpanRecord], agent_span: SpanRecord) -> list[str]:
    """Everything the run saw, as far as the trace captured it."""
    out: list[str] = []
    a = agent_span.attributes
    out += _texts(checker, a.get("gen_ai.system_instructions"))
    out += _texts(checker, a.get("gen_ai.input.messages"))
    if a.get("input.value") is not None:
        out += _texts(checker, a.get("input.value"))
    for s in spans:
        if s is agent_span:
            continue
        if s.operation == OP_EXECUTE_TOOL:
            result = content.tool_result(s)
            if result is not None:
                out.append(result if isinstance(result, str) else json.dumps(result, default=str))
        else:
            out += _texts(checker, s.attributes.get("gen_ai.system_instructions"))
            out += _texts(checker, s.attributes.get("gen_ai.input.messages"))
    return out


def agent_span(spans: list[SpanRecord]) -> SpanRecord | None:
    agents = [s for s in spans if s.operation == OP_INVOKE_AGENT]
    return min(agents, key=lambda s: (s.start_unix_nano, bool(s.parent_span_id)), default=None)


def ground_runs(
    store: TraceStore, *, since_ns: int, until_ns: int, agent: str | None = None
) -> GroundingResult:
    """Check the runs in the window that captured their answer and carry no groundedness
    verdict yet; attach one ``gen_ai.evaluation.result`` event to each run's agent span."""
    from agentctl.scaffold.runtime import runtime_module

    rows = unevaluated_runs(
        store, "groundedness", since_ns=since_ns, until_ns=until_ns, agent=agent, limit=MAX_RUNS
    )
    result = GroundingResult()
    if not rows:
        return result
    checker = runtime_module("groundedness")
    events: list[tuple[str, str, SpanEvent]] = []
    for trace_id, span_id in rows:
        spans = store.trace(trace_id)
        top = agent_span(spans)
        if top is None or top.span_id != span_id:
            continue  # a nested agent: its run is judged by the top-most agent's answer
        if any(
            e.name == EVAL_EVENT
            and e.attributes.get("gen_ai.evaluation.name") == checker.EVALUATION_NAME
            for e in top.events
        ):
            continue
        answer = content.output_text(top)
        if answer is None:
            continue
        verdict = checker.check(answer, run_context(checker, spans, top))
        # The store holds this run's content already, so the claims may be named.
        attrs = verdict.attributes(with_content=True)
        events.append((trace_id, span_id, SpanEvent(EVAL_EVENT, time.time_ns(), attrs)))
        result.checked += 1
        result.hallucinated += bool(verdict.hallucinated)
        result.no_claims += verdict.score is None
    store.add_events(events)
    return result
