"""Pre-encoded OTLP/protobuf bodies of realistic GenAI agent spans, for the ingest benchmarks.

Each run is four spans as instrumented agents send them (GenAI semantic
conventions): an ``invoke_agent`` root, a ``chat`` call that asks for a tool,
the ``execute_tool`` span, and a ``chat`` call that answers. Model calls carry
usage, response ids and finish reasons, and content-bearing events (the user
message and the model's choice, a few hundred bytes of text each, one of them
quoting a credential so redaction has work to do); the tool span carries its
arguments and result. Bodies are encoded with ``opentelemetry-proto``, as the
SDK's exporter encodes them.
"""

from __future__ import annotations

import random
import time
from typing import Any

SPANS_PER_RUN = 4

_QUESTION = (
    "Plan a three-day trip to Lisbon in late October for two people who like food markets, "
    "old trams and live fado. Keep the budget under 1,200 EUR excluding flights, suggest one "
    "day trip, and list what to book in advance. Answer as a short itinerary."
)
_ANSWER = (
    "Day 1: Alfama and Graça by tram 28, lunch at Mercado de Campo de Ourique, fado at a tasca "
    "in Mouraria in the evening. Day 2: Belém (monastery, tower, pastéis), LX Factory in the "
    "afternoon, dinner in Cais do Sodré. Day 3: day trip to Sintra by train (book Pena Palace "
    "tickets online). Budget: about 950 EUR for lodging, food and transport for two."
)
_TOOL_ARGS = '{"query": "Lisbon fado houses open late October", "max_results": 5}'
_TOOL_RESULT = (
    '[{"title": "Tasca do Chico", "url": "https://example.org/tasca"}, '
    '{"title": "Clube de Fado", "url": "https://example.org/clube"}]'
)
# One message in twenty quotes a credential the receiver must redact before storage.
_LEAK = " (the script used OPENAI_API_KEY=sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 by mistake)"


def _value(v: Any) -> Any:
    from opentelemetry.proto.common.v1 import common_pb2

    a = common_pb2.AnyValue()
    if isinstance(v, bool):
        a.bool_value = v
    elif isinstance(v, int):
        a.int_value = v
    elif isinstance(v, float):
        a.double_value = v
    elif isinstance(v, list | tuple):
        a.array_value.values.extend(_value(x) for x in v)
    else:
        a.string_value = str(v)
    return a


def _attrs(target: Any, attrs: dict[str, Any]) -> None:
    from opentelemetry.proto.common.v1 import common_pb2

    target.extend(common_pb2.KeyValue(key=k, value=_value(v)) for k, v in attrs.items())


def _span(
    ss: Any, tid: bytes, sid: bytes, parent: bytes | None, name: str, start: int, dur: int
) -> Any:
    sp = ss.spans.add()
    sp.trace_id = tid
    sp.span_id = sid
    if parent is not None:
        sp.parent_span_id = parent
    sp.name = name
    sp.kind = 1 if parent is None else 3
    sp.start_time_unix_nano = start
    sp.end_time_unix_nano = start + dur
    return sp


def make_bodies(n_spans: int, *, batch: int = 512, seed: int = 1) -> list[bytes]:
    """``n_spans`` spans (a multiple of 4 is used) in bodies of ``batch`` spans."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    rng = random.Random(seed)
    runs = max(1, n_spans // SPANS_PER_RUN)
    per_body = max(1, batch // SPANS_PER_RUN)
    bodies = []
    now = time.time_ns()
    agent = f"bench-agent-{seed}"
    for b0 in range(0, runs, per_body):
        req = ExportTraceServiceRequest()
        rs = req.resource_spans.add()
        _attrs(
            rs.resource.attributes,
            {
                "service.name": agent,
                "service.version": "1.4.2",
                "gen_ai.agent.name": agent,
                "agentctl.team": "perf",
                "telemetry.sdk.language": "python",
                "telemetry.sdk.name": "opentelemetry",
                "telemetry.sdk.version": "1.38.0",
            },
        )
        ss = rs.scope_spans.add()
        ss.scope.name = "opentelemetry.instrumentation.openai_v2"
        ss.scope.version = "2.1b0"
        for r in range(b0, min(runs, b0 + per_body)):
            tid = rng.randbytes(16)
            root = rng.randbytes(8)
            t0 = now - (runs - r) * 50_000_000
            leak = _LEAK if r % 20 == 0 else ""

            sp = _span(ss, tid, root, None, f"invoke_agent {agent}", t0, 40_000_000)
            _attrs(
                sp.attributes,
                {
                    "gen_ai.operation.name": "invoke_agent",
                    "gen_ai.agent.name": agent,
                    "gen_ai.conversation.id": f"conv-{r % 97}",
                },
            )
            for i, (inp, out) in enumerate(((820 + r % 300, 45), (1240 + r % 300, 160))):
                sp = _span(ss, tid, rng.randbytes(8), root, "chat gpt-4o-mini",
                           t0 + 1_000_000 + i * 20_000_000, 12_000_000)  # fmt: skip
                _attrs(
                    sp.attributes,
                    {
                        "gen_ai.operation.name": "chat",
                        "gen_ai.provider.name": "openai",
                        "gen_ai.request.model": "gpt-4o-mini",
                        "gen_ai.request.temperature": 0.2,
                        "gen_ai.request.max_tokens": 1024,
                        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
                        "gen_ai.response.id": f"chatcmpl-{seed}-{r}-{i}",
                        "gen_ai.response.finish_reasons": ["tool_calls" if i == 0 else "stop"],
                        "gen_ai.usage.input_tokens": inp,
                        "gen_ai.usage.output_tokens": out,
                        "server.address": "api.openai.com",
                        "server.port": 443,
                    },
                )
                ev = sp.events.add()
                ev.name = "gen_ai.user.message"
                ev.time_unix_nano = sp.start_time_unix_nano
                _attrs(
                    ev.attributes,
                    {"gen_ai.system": "openai", "content": f"{_QUESTION} (request {r}){leak}"},
                )
                ev = sp.events.add()
                ev.name = "gen_ai.choice"
                ev.time_unix_nano = sp.end_time_unix_nano
                _attrs(
                    ev.attributes,
                    {
                        "gen_ai.system": "openai",
                        "index": 0,
                        "finish_reason": "tool_calls" if i == 0 else "stop",
                        "message": f"{_ANSWER} Reference {seed}-{r}-{i}.",
                    },
                )
                if i == 0:
                    sp = _span(ss, tid, rng.randbytes(8), root, "execute_tool web_search",
                               t0 + 14_000_000, 5_000_000)  # fmt: skip
                    _attrs(
                        sp.attributes,
                        {
                            "gen_ai.operation.name": "execute_tool",
                            "gen_ai.tool.name": "web_search",
                            "gen_ai.tool.call.id": f"call_{seed}_{r}",
                            "gen_ai.tool.call.arguments": _TOOL_ARGS,
                            "gen_ai.tool.call.result": _TOOL_RESULT,
                        },
                    )
        bodies.append(req.SerializeToString())
    return bodies
