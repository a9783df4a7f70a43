"""The SQL rollups agree with pricing every span directly, incrementally and to the nanosecond."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest
from cost_spanfactory import ns, span

from agentctl.cost.compute import requests_for, run_compute_usd
from agentctl.cost.llm import price_spans
from agentctl.cost.prices import Pricer
from agentctl.cost.rates import RateCard
from agentctl.spans import SpanRecord
from agentctl.telemetry.aggregates import cost_report
from agentctl.telemetry.store import TraceStore

T0 = ns(2025, 3, 1, 0, 0)
HOUR = 3600 * 10**9
MODELS = [
    ("openai", "gpt-4o"),
    ("anthropic", "claude-sonnet-4-20250514"),
    ("gcp.gemini", "gemini-2.5-pro"),  # tiered above 200k input tokens
    ("openai", "o3"),  # price change on 2025-06-10
    ("openai", "my-finetune"),  # unknown: unpriced
    ("offline-demo", "demo"),  # free
]


def _runs(n: int, seed: int = 1, start: int = T0, spread_h: int = 72) -> list[SpanRecord]:
    rng = random.Random(seed)
    out: list[SpanRecord] = []
    for i in range(n):
        trace = f"{seed:04x}{i:06x}"
        t = start + rng.randrange(spread_h * HOUR)
        agent = rng.choice(["a1", "a2"])
        res = (
            {"agentctl.cpu.request": "500m", "agentctl.memory.request": "1Gi"}
            if agent == "a1"
            else {}
        )
        common = {
            "agent_name": agent,
            "team": "t" + agent[-1],
            "agent_version": "1.0",
            "resource": res,
        }
        root = span(trace=trace, parent=None, op="invoke_agent", provider=None, model=None, start=t,
                    seconds=rng.randrange(1, 300), span_id=f"{i:08x}00000000",
                    status=rng.choice(["ok", "ok", "error"]), **common)  # fmt: skip
        out.append(root)
        for _ in range(rng.randrange(0, 4)):
            provider, model = rng.choice(MODELS)
            inp = rng.choice([100, 5_000, 150_000, 250_000])
            out.append(
                span(
                    trace=trace,
                    parent=root.span_id,
                    provider=provider,
                    model=model,
                    start=t + rng.randrange(10**9),
                    input_tokens=inp,
                    output_tokens=rng.randrange(1, 3000),
                    cache_read_tokens=rng.randrange(0, inp // 2),
                    **common,
                )
            )
        if rng.random() < 0.2:  # a call that reports no usage
            out.append(span(trace=trace, parent=root.span_id, start=t, **common))
    return out


@pytest.fixture
def store(tmp_path: Path) -> TraceStore:
    return TraceStore(tmp_path / "traces.db")


@pytest.fixture(scope="module")
def pricer() -> Pricer:
    return Pricer()


def _expected(spans: list[SpanRecord], lo: int, hi: int, pricer: Pricer, card: RateCard):
    roots = {s.trace_id for s in spans if s.parent_span_id is None and lo <= s.start_unix_nano < hi}
    in_window = [s for s in spans if lo <= s.start_unix_nano < hi]
    llm = price_spans(in_window, pricer)
    compute = sum(
        (
            run_compute_usd(s.duration_ns, requests_for(s.resource, s.agent_name), card)
            for s in spans
            if s.parent_span_id is None and s.trace_id in roots
        ),
        Decimal(0),
    )
    unpriced = sum(1 for c in llm.spans.values() if c.price.status == "unpriced")
    return llm.total_usd, compute, unpriced, len(roots)


def _check(store: TraceStore, spans: list[SpanRecord], lo: int, hi: int, pricer: Pricer) -> None:
    card = RateCard()
    rep = cost_report(store.connection, since_ns=lo, until_ns=hi, card=card, pricer=pricer, top=5)
    llm, compute, unpriced, runs = _expected(spans, lo, hi, pricer, card)
    assert rep.total.llm_usd == llm
    assert abs(rep.total.compute_usd - compute) < Decimal("1e-12")
    assert rep.total.unpriced_calls == unpriced
    assert rep.total.runs == runs
    assert sum((d.llm_usd for d in rep.by_day), Decimal(0)) == llm
    assert abs(sum((a.total_usd for a in rep.by_agent), Decimal(0)) - llm - compute) < Decimal(
        "1e-12"
    )


def test_rollup_matches_direct_pricing_with_exact_window_edges(
    store: TraceStore, pricer: Pricer
) -> None:
    spans = _runs(300)
    store.insert(spans)
    # Window edges in the middle of hours: partial hours come from spans, whole hours from the rollup.
    lo, hi = T0 + 5 * HOUR + 123_456_789, T0 + 50 * HOUR + 987_654_321
    _check(store, spans, lo, hi, pricer)
    _check(store, spans, T0, T0 + 100 * HOUR, pricer)


def test_rollup_is_incremental(store: TraceStore, pricer: Pricer) -> None:
    first = _runs(100, seed=1)
    store.insert(first)
    _check(store, first, T0, T0 + 100 * HOUR, pricer)
    second = _runs(100, seed=2)
    store.insert(second)
    _check(store, first + second, T0, T0 + 100 * HOUR, pricer)
    last = store.connection.execute(
        "SELECT value FROM cost_state WHERE key = 'last_id'"
    ).fetchone()[0]
    assert int(last) == store.last_rowid()


def test_root_arriving_after_its_children(store: TraceStore, pricer: Pricer) -> None:
    spans = _runs(40, seed=3)
    children = [s for s in spans if s.parent_span_id]
    roots = [s for s in spans if not s.parent_span_id]
    store.insert(children)
    cost_report(
        store.connection, since_ns=T0, until_ns=T0 + 100 * HOUR, card=RateCard(), pricer=pricer
    )
    store.insert(roots)
    _check(store, spans, T0, T0 + 100 * HOUR, pricer)


def test_top_runs_are_the_most_expensive(store: TraceStore, pricer: Pricer) -> None:
    spans = _runs(200, seed=4)
    store.insert(spans)
    card = RateCard()
    rep = cost_report(
        store.connection, since_ns=T0, until_ns=T0 + 100 * HOUR, card=card, pricer=pricer, top=5
    )
    llm = price_spans(spans, pricer)
    totals = {}
    for s in spans:
        if s.parent_span_id is None:
            c = run_compute_usd(s.duration_ns, requests_for(s.resource, s.agent_name), card)
            totals[s.trace_id] = llm.for_trace(s.trace_id).usd + c
    best = sorted(totals.values(), reverse=True)[:5]
    got = [r.total_usd for r in rep.top_runs]
    assert [float(x) for x in got] == pytest.approx([float(x) for x in best], rel=1e-9)


def test_read_only_connection_falls_back_to_temp_rollups(tmp_path: Path, pricer: Pricer) -> None:
    import sqlite3

    path = tmp_path / "ro.db"
    spans = _runs(50, seed=6)
    with TraceStore(path) as s:
        s.insert(spans)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    rep = cost_report(conn, since_ns=T0, until_ns=T0 + 100 * HOUR, card=RateCard(), pricer=pricer)
    llm, _, _, runs = _expected(spans, T0, T0 + 100 * HOUR, pricer, RateCard())
    assert rep.total.runs == runs == 50
    assert rep.total.llm_usd == llm
    assert (
        conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'cost_usage'").fetchone()[0]
        == 0
    )


def test_rollups_are_rebuilt_when_the_price_data_changes(store: TraceStore, pricer: Pricer) -> None:
    spans = _runs(30, seed=7)
    store.insert(spans)
    _check(store, spans, T0, T0 + 100 * HOUR, pricer)
    c = store.connection
    c.execute(
        "UPDATE cost_state SET value = 'genai-prices 0.0.1 (bundled data)' WHERE key = 'prices'"
    )
    c.execute("UPDATE cost_runs SET llm_usd = llm_usd * 2")  # stale figures from the old prices
    c.execute("INSERT INTO cost_prices VALUES ('openai', 'gpt-4o', 0, '{}')")
    _check(store, spans, T0, T0 + 100 * HOUR, pricer)
    assert (
        c.execute("SELECT value FROM cost_state WHERE key = 'prices'").fetchone()[0]
        == pricer.data_version
    )
    assert c.execute("SELECT count(*) FROM cost_prices WHERE day = 0").fetchone()[0] == 0


def test_a_store_emptied_and_refilled_is_read_again(store: TraceStore, pricer: Pricer) -> None:
    first = _runs(20, seed=8)
    store.insert(first)
    cost_report(
        store.connection, since_ns=T0, until_ns=T0 + 100 * HOUR, card=RateCard(), pricer=pricer
    )
    store.connection.execute("DELETE FROM spans")
    second = _runs(5, seed=9)
    store.insert(second)  # ids start again from 1
    rep = cost_report(
        store.connection, since_ns=T0, until_ns=T0 + 100 * HOUR, card=RateCard(), pricer=pricer
    )
    assert rep.total.runs == 25  # the rollups keep the deleted history and add the new spans


def _statuses(store: TraceStore, pricer: Pricer) -> dict[str, str]:
    rep = cost_report(store.connection, since_ns=T0, until_ns=T0 + 100 * HOUR, card=RateCard(),
                      pricer=pricer, top=100)  # fmt: skip
    return {r.trace_id[:4]: r.status for r in rep.top_runs}


def _trace(trace: str, *, error_in: str | None) -> list[SpanRecord]:
    """A root (ok, unset or error) with a model call and a tool call; ``error_in`` fails one."""
    root_status = "error" if error_in == "root" else "unset"
    root = span(trace=trace, parent=None, op="invoke_agent", provider=None, model=None, start=T0,
                seconds=5, span_id=f"{trace}00000000", status=root_status, agent_name="a")  # fmt: skip
    call = span(trace=trace, parent=root.span_id, start=T0 + 1, input_tokens=10, output_tokens=1,
                agent_name="a", status="ok")  # fmt: skip
    tool = span(trace=trace, parent=root.span_id, op="execute_tool", provider=None, model=None,
                start=T0 + 2, agent_name="a", status="error" if error_in == "tool" else "unset")  # fmt: skip
    return [root, call, tool]


def test_run_status_is_error_when_any_span_errored(store: TraceStore, pricer: Pricer) -> None:
    from agentctl.traces.summary import summarise

    spans = [*_trace("aaaa", error_in=None), *_trace("bbbb", error_in="tool"),
             *_trace("cccc", error_in="root")]  # fmt: skip
    store.insert(spans)
    got = _statuses(store, pricer)
    assert got == {"aaaa": "ok", "bbbb": "error", "cccc": "error"}
    for trace, status in got.items():  # the same words as `agentctl trace`
        assert summarise(trace, [s for s in spans if s.trace_id.startswith(trace)]).status == status


def test_a_late_error_span_turns_its_run_to_error(store: TraceStore, pricer: Pricer) -> None:
    root, call, tool = _trace("dddd", error_in="tool")
    store.insert([root, call])
    assert _statuses(store, pricer) == {"dddd": "ok"}
    store.insert([tool])  # the failed tool span arrives after the run was rolled up
    assert _statuses(store, pricer) == {"dddd": "error"}
    first, *rest = _trace("eeee", error_in="tool")
    store.insert(rest)  # the error before its root: it still counts when the root comes
    _statuses(store, pricer)
    store.insert([first])
    assert _statuses(store, pricer)["eeee"] == "error"


def test_rollups_of_an_older_version_are_rebuilt(store: TraceStore, pricer: Pricer) -> None:
    spans = _trace("ffff", error_in="tool")
    store.insert(spans)
    c = store.connection
    # rollups as version 1 left them: another table shape, and the root's status only
    c.executescript(
        """CREATE TABLE cost_state (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE cost_compute (hour INTEGER NOT NULL, agent TEXT NOT NULL, version TEXT NOT NULL,
          team TEXT NOT NULL, resource_id INTEGER NOT NULL, runs INTEGER NOT NULL, errors INTEGER NOT NULL,
          run_ns INTEGER NOT NULL, PRIMARY KEY (hour, agent, version, team, resource_id)) WITHOUT ROWID;
        INSERT INTO cost_state VALUES ('version', '1'), ('last_id', '0');"""
    )
    assert _statuses(store, pricer) == {"ffff": "error"}
    cols = [r[1] for r in c.execute("PRAGMA table_info(cost_compute)")]
    assert "errors" not in cols


def _last_id(store: TraceStore) -> int:
    row = store.connection.execute("SELECT value FROM cost_state WHERE key = 'last_id'").fetchone()
    return int(row[0])


def test_rollups_kept_in_each_insert_transaction(store: TraceStore, pricer: Pricer) -> None:
    """What the receiver does: every insert brings the rollups along, so a report builds nothing."""
    from agentctl.telemetry.rollup import CostRollup

    rollup = CostRollup(store.connection, pricer)
    store.after_insert = rollup.catch_up
    spans = _runs(120, seed=11)
    roots = [s for s in spans if not s.parent_span_id]
    children = [s for s in spans if s.parent_span_id]
    for batch in (children[: len(children) // 2], roots, children[len(children) // 2 :]):
        store.insert(batch)
        assert _last_id(store) == store.last_rowid()
    store.insert(roots)  # re-sent: nothing new, nothing to add
    assert CostRollup(store.connection, pricer)._current()
    _check(store, spans, T0, T0 + 100 * HOUR, pricer)
    _check(store, spans, T0 + 7 * HOUR + 1, T0 + 40 * HOUR - 1, pricer)


def test_a_failing_rollup_never_costs_the_spans(
    store: TraceStore, pricer: Pricer, caplog: pytest.LogCaptureFixture
) -> None:
    from agentctl.telemetry.rollup import CostRollup

    first = _runs(30, seed=12)
    rollup = CostRollup(store.connection, pricer)
    store.after_insert = rollup.catch_up
    store.insert(first)
    kept = _last_id(store)

    def broken(*_: object) -> None:
        store.connection.execute("DELETE FROM cost_usage")  # undone with the failure
        raise RuntimeError("disk quota")

    store.after_insert = broken
    second = _runs(30, seed=13)
    assert store.insert(second) == len(second)
    assert store.count() == len(first) + len(second)
    assert _last_id(store) == kept
    assert "cost rollups not updated (disk quota)" in caplog.text
    _check(store, first + second, T0, T0 + 100 * HOUR, pricer)  # the report catches up


@pytest.mark.parametrize(
    ("lo_h", "hi_h"), [(0, 24), (24, 48), (23, 25), (0, 1), (47, 72), (71, 96), (1, 71)]
)
def test_windows_on_and_across_day_edges(
    store: TraceStore, pricer: Pricer, lo_h: int, hi_h: int
) -> None:
    # Whole hours are read by day-group from the cost_usage_day index: its day bounds
    # must keep every hour of the window, whichever day it starts or ends on.
    spans = _runs(200, seed=3)
    store.insert(spans)
    _check(store, spans, T0 + lo_h * HOUR, T0 + hi_h * HOUR, pricer)
    plan = store.connection.execute(
        "EXPLAIN QUERY PLAN SELECT hour / 24, agent, count(*) FROM cost_usage"
        " WHERE hour / 24 >= 0 AND hour / 24 <= 1 AND hour >= 0 AND hour < 48"
        " GROUP BY 1, 2"
    ).fetchall()
    assert "cost_usage_day" in str(plan)


def _odd_spans(seed: int) -> list[SpanRecord]:
    """Spans the rollups treat specially: token counts without an operation, an LLM call
    with no model, no agent but a service, an erroring child, a second root of a trace,
    a call that reports zero tokens, and traces with only such children."""
    rng = random.Random(seed)
    out: list[SpanRecord] = []
    for i in range(60):
        trace = f"{seed:04x}f{i:05x}"
        t = T0 + rng.randrange(48 * HOUR)
        common: dict[str, object] = rng.choice(
            [
                {"agent_name": "a1", "team": "t1"},
                {"service_name": "svc-only"},
                {"agent_name": "", "agent_version": "2"},
                {},
            ]
        )
        pick = i % 6
        if pick == 0:
            out.append(span(trace=trace, op=None, model=None, start=t, input_tokens=rng.randrange(1, 900),
                            output_tokens=rng.randrange(0, 50), **common))  # fmt: skip
        elif pick == 1:
            out.append(span(trace=trace, op="chat", provider="openai", model=None, start=t,
                            input_tokens=500, output_tokens=20, **common))  # fmt: skip
        elif pick == 2:
            out.append(span(trace=trace, start=t, status="error", input_tokens=0, output_tokens=0,
                            **common))  # fmt: skip
        elif pick == 3:
            for k, status in enumerate(("error", "ok")):
                out.append(span(trace=trace, parent=None, op="invoke_agent", provider=None,
                                model=None, start=t + k, status=status, **common))  # fmt: skip
        elif pick == 4:
            out.append(span(trace=trace, parent=None, op="invoke_agent", provider=None, model=None,
                            start=t, **common))  # fmt: skip
            out.append(span(trace=trace, op="chat", start=t + 5, input_tokens=10, output_tokens=0,
                            reasoning_tokens=30, cache_write_tokens=40, **common))  # fmt: skip
        else:
            out.append(span(trace=trace, op="execute_tool", provider=None, model=None, start=t,
                            status="error", **common))  # fmt: skip
    return out


def test_rollups_from_memory_equal_the_sql_build(tmp_path: Path, pricer: Pricer) -> None:
    """The receiver adds each stored batch to the rollups from memory (CostRollup._add);
    ``cost`` reading spans stored by other means groups them with SQL (_build). Both,
    batch after batch, leave the same rows (costs equal to the last bits of a double)."""
    from agentctl.telemetry.rollup import CostRollup

    spans = _runs(200, seed=21) + _odd_spans(22)
    random.Random(23).shuffle(spans)
    batches = [spans[i : i + 97] for i in range(0, len(spans), 97)]
    batches.insert(3, batches[1][:40])  # re-sent spans: only the new ones count
    batches[4] = batches[4] + _runs(5, seed=24)
    memory, sql = TraceStore(tmp_path / "memory.db"), TraceStore(tmp_path / "sql.db")
    by_memory, by_sql = CostRollup(memory.connection, pricer), CostRollup(sql.connection, pricer)
    built: list[int] = []
    real_build = by_memory._build
    by_memory._build = lambda *a: (built.append(1), real_build(*a))[1]  # type: ignore[method-assign]
    memory.after_insert = by_memory.catch_up
    sql.after_insert = lambda _batch: by_sql.catch_up()
    for batch in batches:
        assert memory.insert(batch) == sql.insert(batch)
    assert len(built) == 1  # the first batch creates the rollups; every other one from memory
    for table, order in (
        ("cost_usage", "hour, agent, version, team, provider, model"),
        ("cost_compute", "hour, agent, version, team, resource_id"),
        ("cost_runs", "trace_id"),
        ("cost_state", "key"),
    ):
        a = memory.connection.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
        b = sql.connection.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
        assert len(a) == len(b) > 0, table
        for ra, rb in zip(a, b, strict=True):
            if table == "cost_runs":
                assert ra[9] == pytest.approx(rb[9], rel=1e-12, abs=1e-15)
                ra, rb = ra[:9] + ra[10:], rb[:9] + rb[10:]
            assert ra == rb, table
    statuses = {r[0] for r in memory.connection.execute("SELECT status FROM cost_runs")}
    assert statuses == {"ok", "error", None}
    memory.close()
    sql.close()
