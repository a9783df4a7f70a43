"""The SQLite trace store: summaries, filters, dedupe, privacy, retention."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
from tests.fakes import otlp_payloads as P

from agentctl.errors import TelemetryError
from agentctl.telemetry.otlp import parse_protobuf
from agentctl.telemetry.store import TraceStore, default_store_path


def records(spans, resource=None):
    return parse_protobuf(P.protobuf(spans, resource)).spans


@pytest.fixture
def store(tmp_path: Path):
    s = TraceStore(tmp_path / "traces.db")
    yield s
    s.close()


def test_default_path_is_private_under_the_user_data_dir(tmp_path: Path) -> None:
    path = default_store_path()
    assert path.name == "traces.db" and str(path).startswith(os.environ["XDG_DATA_HOME"])
    s = TraceStore()
    s.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_env_var_overrides_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentctl.cli.common import store_path

    monkeypatch.setenv("AGENTCTL_TRACE_STORE", str(tmp_path / "x.db"))
    assert store_path(None) == tmp_path / "x.db"
    assert store_path(tmp_path / "y.db") == tmp_path / "y.db"  # --store first
    assert default_store_path() != tmp_path / "x.db"  # the store module never reads it


def test_summary_of_an_agent_run(store: TraceStore) -> None:
    run = P.agent_run(agent="weather-bot", conversation="c-1", error=True)
    assert store.insert(records(run, {"service.name": "weather-svc"})) == 4
    (s,) = store.recent_traces()
    assert s.trace_id == run[0]["trace_id"].hex()
    assert (s.agent_name, s.service_name, s.conversation_id, s.root_name) == (
        "weather-bot",
        "weather-svc",
        "c-1",
        "invoke_agent weather-bot",
    )
    assert (s.span_count, s.llm_calls, s.tool_calls, s.error_count, s.status) == (
        4,
        2,
        1,
        1,
        "error",
    )
    assert (s.input_tokens, s.output_tokens) == (250, 30)
    assert s.duration_ns == 50_000_000


def test_resent_spans_are_ignored(store: TraceStore) -> None:
    recs = records(P.agent_run())
    assert store.insert(recs) == 4
    assert store.insert(recs) == 0
    assert store.count() == 4
    (s,) = store.recent_traces()
    assert s.span_count == 4 and s.input_tokens == 250


def test_a_trace_arriving_in_pieces_is_summarised_once_complete(store: TraceStore) -> None:
    run = P.agent_run(agent="a1")
    recs = records(run, {"service.name": "svc"})
    store.insert(recs[1:3])  # children first, as exporters usually send them
    (partial,) = store.recent_traces()
    assert partial.root_name is None and partial.agent_name is None
    store.insert([recs[3], recs[0]])
    (s,) = store.recent_traces()
    assert (s.root_name, s.agent_name, s.span_count, s.llm_calls) == ("invoke_agent a1", "a1", 4, 2)


def test_trace_spans_round_trip(store: TraceStore) -> None:
    recs = records(P.agent_run(), {"service.name": "svc", "k8s.pod.name": "pod-1"})
    store.insert(recs)
    got = store.trace(recs[0].trace_id.upper())
    assert got == sorted(recs, key=lambda s: s.start_unix_nano)
    assert got[0].resource == {"service.name": "svc", "k8s.pod.name": "pod-1"}


def test_filters(store: TraceStore) -> None:
    now = time.time_ns()
    old = P.agent_run(agent="a", start=now - 3 * 3600 * 10**9)
    a_err = P.agent_run(agent="a", conversation="c-1", error=True, start=now - 60 * 10**9)
    b_ok = P.agent_run(agent="b", conversation="c-2", start=now - 30 * 10**9)
    for run in (old, a_err, b_ok):
        store.insert(records(run))
    ids = lambda ss: [s.trace_id for s in ss]  # noqa: E731
    hexid = lambda run: run[0]["trace_id"].hex()  # noqa: E731
    assert ids(store.recent_traces()) == [hexid(b_ok), hexid(a_err), hexid(old)]
    assert ids(store.recent_traces(limit=1)) == [hexid(b_ok)]
    assert ids(store.recent_traces(agent="a")) == [hexid(a_err), hexid(old)]
    assert ids(store.recent_traces(agent="svc")) == []  # agent named on spans wins over service
    assert ids(store.recent_traces(conversation="c-2")) == [hexid(b_ok)]
    assert ids(store.recent_traces(status="error")) == [hexid(a_err)]
    assert ids(store.recent_traces(status="ok")) == [hexid(b_ok), hexid(old)]
    assert ids(store.recent_traces(since_ns=now - 3600 * 10**9)) == [hexid(b_ok), hexid(a_err)]
    spans = list(store.spans(since_ns=now - 3600 * 10**9, agent="b"))
    assert {s.trace_id for s in spans} == {hexid(b_ok)}
    assert len(list(store.spans(until_ns=now - 3600 * 10**9))) == 4


def test_agent_falls_back_to_service_name(store: TraceStore) -> None:
    store.insert(records([P.span("GET /", trace_id=os.urandom(16))], {"service.name": "plain-svc"}))
    (s,) = store.recent_traces(agent="plain-svc")
    assert s.agent == "plain-svc"


def test_model_calls_and_prefix_lookup(store: TraceStore) -> None:
    run = P.agent_run()
    store.insert(records(run))
    tid = run[0]["trace_id"].hex()
    calls = store.model_calls([tid])
    assert [c.operation for c in calls] == ["chat", "chat"]
    assert store.resolve_trace_id(tid[:8]) == [tid]
    assert (
        store.resolve_trace_id(
            "ffffffffffffffff" if not tid.startswith("ff") else "0000000000000000"
        )
        == []
    )


def test_follow_reads_by_arrival(store: TraceStore) -> None:
    first = store.last_rowid()
    store.insert(records(P.agent_run()))
    got = store.spans_after(first)
    assert len(got) == 4 and got[-1][0] == store.last_rowid()
    assert store.spans_after(store.last_rowid()) == []


def test_retention_by_age_drops_whole_traces(store: TraceStore) -> None:
    now = time.time_ns()
    store.insert(records(P.agent_run(start=now - 10 * 86400 * 10**9)))
    keep = P.agent_run(start=now - 3600 * 10**9)
    store.insert(records(keep))
    result = store.apply_retention(max_age_ns=7 * 86400 * 10**9)
    assert (result.traces_deleted, result.spans_deleted) == (1, 4)
    assert [s.trace_id for s in store.recent_traces()] == [keep[0]["trace_id"].hex()]
    assert store.count() == 4


def test_retention_by_age_keeps_a_trace_with_recent_spans(store: TraceStore) -> None:
    """Age counts from a trace's last span: one span stamped at the epoch (a broken clock)
    or a run longer than the retention does not take the trace's recent spans with it."""
    now = time.time_ns()
    day = 86400 * 10**9
    epoch = P.agent_run(start=now - 3600 * 10**9)
    epoch.append(
        P.span("clock at zero", trace_id=epoch[0]["trace_id"], parent=epoch[0]["span_id"], start=0)
    )
    store.insert(records(epoch))
    long_run = P.agent_run(start=now - 10 * day)
    store.insert(records(long_run))
    late = P.span("late step", trace_id=long_run[0]["trace_id"], parent=long_run[0]["span_id"],
                  start=now - 60 * 10**9)  # fmt: skip
    store.insert(records([late]))
    old = P.agent_run(start=now - 10 * day)
    store.insert(records(old))
    assert store.summary(epoch[0]["trace_id"].hex()).start_unix_nano == 0
    result = store.apply_retention(max_age_ns=7 * day, now_ns=now)
    assert (result.traces_deleted, result.spans_deleted) == (1, 4)
    kept = {s.trace_id for s in store.recent_traces()}
    assert kept == {epoch[0]["trace_id"].hex(), long_run[0]["trace_id"].hex()}
    assert store.count() == 5 + 5


def test_retention_by_size_keeps_the_newest(store: TraceStore) -> None:
    now = time.time_ns()
    runs = [P.agent_run(start=now - (500 - i) * 10**9) for i in range(400)]
    for run in runs:
        for sp in run:
            sp["attrs"]["padding"] = "x" * 400
        store.insert(records(run))
    before = store.used_bytes()
    result = store.apply_retention(max_bytes=before // 3)
    assert result.used_bytes <= before // 3
    remaining = store.recent_traces(limit=1000)
    assert 0 < len(remaining) < 400
    assert remaining[0].trace_id == runs[-1][0]["trace_id"].hex()  # newest kept
    assert store.count() == 4 * len(remaining)


def test_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(TelemetryError, match="cannot open the trace store"):
        TraceStore(bad)


def test_connection_supports_aggregate_sql(store: TraceStore) -> None:
    store.insert(records(P.agent_run()))
    row = store.connection.execute(
        "SELECT request_model, sum(input_tokens), sum(output_tokens) FROM spans WHERE operation = 'chat' GROUP BY 1"
    ).fetchone()
    assert row == ("gpt-4o-mini", 250, 30)


def test_retention_forgets_unused_resources_when_there_are_many(store: TraceStore) -> None:
    old = time.time_ns() - 30 * 86400 * 10**9
    for i in range(1000):  # one pod each, all long gone
        store.insert(
            records(
                [P.span("x", trace_id=os.urandom(16), start=old)],
                {"service.name": "s", "k8s.pod.name": f"p-{i}"},
            )
        )
    keep = P.agent_run()
    store.insert(records(keep, {"service.name": "s", "k8s.pod.name": "alive"}))
    assert store.connection.execute("SELECT count(*) FROM resources").fetchone()[0] == 1001
    store.apply_retention(max_age_ns=7 * 86400 * 10**9)
    assert store.connection.execute("SELECT attributes FROM resources").fetchall() == [
        ('{"service.name":"s","k8s.pod.name":"alive"}',)
    ]
    assert store.trace(keep[0]["trace_id"].hex())[0].resource["k8s.pod.name"] == "alive"
    store.insert(
        records(P.agent_run(), {"service.name": "s", "k8s.pod.name": "alive"})
    )  # cache was reset
    assert store.connection.execute("SELECT count(*) FROM resources").fetchone()[0] == 1


def _row_values() -> list[object]:
    import dataclasses
    import datetime as dt
    import enum
    import json

    from agentctl.spans import SpanEvent

    class Level(enum.IntEnum):
        HIGH = 2

    class Text(str):
        pass

    @dataclasses.dataclass
    class Point:
        x: int

    spans = parse_protobuf(P.protobuf(P.agent_run(error=True))).spans
    values: list[object] = [sp.attributes for sp in spans]
    values += [[[e.name, e.time_unix_nano, e.attributes] for e in sp.events] for sp in spans]
    values += [
        {"nan": float("nan"), "inf": float("inf"), "ninf": float("-inf"), "f": 2.5e16},
        {"none": None, "text": "null and void", "empty": "", "list": [None, 1, "x"]},
        {"lone": "\ud800", "big": 2**70, "neg": -(2**63), "bytes": b"\x00\xff"},
        {"ctl": 'a\x00b\x1f\u2028\u2029"\\/', "uni": "caf\u00e9 \U0001f600", "t": True},
        {"when": dt.datetime(2026, 1, 2, 3, 4, 5), "level": Level.HIGH, "sub": Text("s")},
        {"point": Point(1), "nested": {"a": [{"b": [1.5, -0.0, 1e-300]}]}},
        [[SpanEvent("e", 1, {}).name, 1, {"k": "v"}]],
        json.loads('{"deep": [[[[["x"]]]]], "n": 12345678901234567890}'),
    ]
    return values


def test_the_fast_row_encoder_stores_what_json_stores() -> None:
    """orjson or json: a reader loads the same attributes and events (NaN included)."""
    import json

    from agentctl.telemetry import store as S

    fast = S._row_encoder()
    assert fast is not S._dumps  # orjson is installed with agentctl
    for value in _row_values():
        assert repr(json.loads(fast(value))) == repr(json.loads(S._dumps(value))), value
        assert isinstance(fast(value), str)


def test_without_orjson_rows_are_encoded_by_json(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from agentctl.telemetry import store as S

    monkeypatch.setitem(sys.modules, "orjson", None)
    monkeypatch.setattr(S, "_fast_dumps", None)
    assert S._row_encoder() is S._dumps
