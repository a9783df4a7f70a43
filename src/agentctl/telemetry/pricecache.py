"""Per-trace LLM cost for ``agentctl trace`` lists, remembered in the store.

Pricing needs genai-prices, whose import alone costs about a quarter of a
second; a list of recent traces is asked for again and again. So the list
view keeps each trace's cost in the ``trace_costs`` table, keyed by the
trace's span count (a trace that grew is priced again) and by the installed
genai-prices version (new price data prices again). Only traces missing from
the cache are priced, through :func:`agentctl.cost.llm.price_spans`, from the
rates the cost rollups keep in the store (:func:`stored_rate_pricer`) where it
has them: genai-prices is then imported only for a model and day it does not.

A store that cannot be written (read-only file) is simply not cached into.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from agentctl.cost.tracecost import TraceCost, genai_prices_release
from agentctl.telemetry.store import TraceStore, damaged_store
from agentctl.traces.summary import TraceSummary


def price_key() -> str | None:
    """What a cached price depends on: the genai-prices release (None when it is not installed)."""
    release = genai_prices_release()
    return None if release is None else f"genai-prices {release}"


class ListPrices:
    """The part of ``agentctl.cost.llm.PriceResult`` the list views use."""

    def __init__(self, traces: dict[str, Any], price_data: str) -> None:
        self.traces = traces
        self.price_data = price_data

    def for_trace(self, trace_id: str) -> Any:
        return self.traces.get(trace_id, TraceCost())

    def for_span(self, span_id: str) -> None:
        return None


def list_prices(store: TraceStore, summaries: Sequence[TraceSummary]) -> ListPrices | None:
    """Costs of the listed traces (cached where possible), or None when pricing is unavailable."""
    key = price_key()
    if key is None:
        return None
    wanted = {s.trace_id: s.span_count for s in summaries if s.llm_calls}
    traces: dict[str, Any] = {}
    price_data = ""
    conn = store.connection
    try:
        rows = conn.execute(
            f"SELECT trace_id, span_count, price_data, usd, calls, unpriced, free, no_usage FROM trace_costs"
            f" WHERE price_key = ? AND trace_id IN ({', '.join('?' * len(wanted))})",
            (key, *wanted),
        ).fetchall()
    except sqlite3.OperationalError as exc:  # e.g. the table was dropped
        raise damaged_store(store.path, f"trace_costs: {exc}") from None
    for tid, count, data, usd, calls, unpriced, free, no_usage in rows:
        try:
            cost = Decimal(usd)
        except (InvalidOperation, TypeError, ValueError):
            continue  # a damaged cache row is priced again below, like a missing one
        counts = (calls, unpriced, free, no_usage)
        if not (isinstance(data, str) and all(type(n) is int and n >= 0 for n in counts)):
            continue
        if wanted.get(tid) == count and cost.is_finite():
            traces[tid] = TraceCost(cost, calls, unpriced, free, no_usage)
            price_data = data
    missing = [tid for tid in wanted if tid not in traces]
    if missing:
        from agentctl.cost.llm import price_spans

        result = price_spans(store.model_calls(missing), stored_rate_pricer(store))
        price_data = result.price_data
        fresh = {tid: result.for_trace(tid) for tid in missing}
        traces.update(fresh)
        _remember(store, key, price_data, fresh, wanted)
    return ListPrices(traces, price_data)


def stored_rate_pricer(store: TraceStore) -> Any:
    """A :class:`agentctl.cost.prices.Pricer` that prices from the store's rate entries
    (:class:`StoredRates`) what it can: what ``agentctl trace`` prices calls with."""
    from agentctl.cost.prices import Pricer

    return Pricer(StoredRates(store))


class StoredRates:
    """The rate entries the cost rollups keep in the store (``cost_prices``), read-only:
    what ``agentctl trace`` prices a trace's calls from, so that genai-prices
    is imported only for a model and day the store does not hold yet. Entries count only
    while the rollups were built with the installed genai-prices data."""

    def __init__(self, store: TraceStore) -> None:
        from agentctl.cost.prices import data_version
        from agentctl.telemetry.rollup_sql import ROLLUP_VERSION

        self.conn = store.connection
        try:
            state = dict(self.conn.execute("SELECT key, value FROM cost_state").fetchall())
        except sqlite3.OperationalError:  # no rollups in this store
            state = {}
        self.current = state.get("version") == ROLLUP_VERSION and state.get("prices") == (
            data_version()
        )

    def get(self, key: tuple[str, str, int]) -> Any:
        if not self.current:
            return None
        from agentctl.telemetry.rollup import stored_entry

        row = self.conn.execute(
            "SELECT entry FROM cost_prices WHERE provider = ? AND model = ? AND day = ?", key
        ).fetchone()
        return stored_entry(row[0]) if row is not None else None

    def put(self, key: tuple[str, str, int], entry: Any) -> None:
        """Nothing: showing a trace does not write the store."""


def _remember(
    store: TraceStore, key: str, price_data: str, costs: dict[str, Any], counts: dict[str, int]
) -> None:
    rows = [
        (
            tid,
            counts[tid],
            key,
            price_data,
            str(c.usd),
            c.calls,
            c.unpriced_calls,
            c.free_calls,
            c.no_usage_calls,
        )
        for tid, c in costs.items()
    ]
    try:
        with store.write_lock():
            store.connection.executemany(
                "INSERT OR REPLACE INTO trace_costs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
    except sqlite3.Error:
        return  # read-only or busy store: prices are recomputed next time
