"""The trace list's cost cache: priced once, priced again when a trace grows or prices change."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fakes import otlp_payloads as P

from agentctl.telemetry.otlp import parse_protobuf
from agentctl.telemetry.pricecache import list_prices, price_key
from agentctl.telemetry.store import TraceStore

pytest.importorskip("agentctl.cost.llm")


def test_costs_are_cached_per_trace_and_span_count(tmp_path: Path) -> None:
    store = TraceStore(tmp_path / "t.db")
    run = P.agent_run(model="gpt-4o-mini")
    store.insert(parse_protobuf(P.protobuf(run)).spans)
    (summary,) = store.recent_traces()
    first = list_prices(store, [summary])
    assert first is not None and first.for_trace(summary.trace_id).usd > 0
    rows = store.connection.execute(
        "SELECT trace_id, span_count, price_key FROM trace_costs"
    ).fetchall()
    assert rows == [(summary.trace_id, 4, price_key())]
    # A cached answer is identical, and comes from the table (poison it to prove it).
    store.connection.execute("UPDATE trace_costs SET usd = '42'")
    assert list_prices(store, [summary]).for_trace(summary.trace_id).usd == 42
    # The trace grows: it is priced again.
    extra = P.span(
        "chat gpt-4o-mini",
        trace_id=run[0]["trace_id"],
        parent=run[0]["span_id"],
        attrs={"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
               "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 10},
    )  # fmt: skip
    store.insert(parse_protobuf(P.protobuf([extra])).spans)
    (grown,) = store.recent_traces()
    again = list_prices(store, [grown]).for_trace(grown.trace_id)
    assert again.usd != 42 and again.calls == 3
    store.close()
