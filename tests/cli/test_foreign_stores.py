"""`--store` pointed at something that is not a trace store: refused, untouched; damaged rows: one line."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from agentctl.telemetry.otlp import parse_protobuf
from agentctl.telemetry.store import TraceStore
from tests.cli.helpers import run_cli
from tests.fakes import otlp_payloads as P


def foreign_db(path: Path) -> bytes:
    c = sqlite3.connect(path)
    c.executescript(
        "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT);"
        "INSERT INTO customers(name) VALUES ('ada'), ('grace');"
    )
    c.close()
    return path.read_bytes()


@pytest.mark.parametrize(
    "args",
    [
        ["trace"],
        ["trace", "--last", "5"],
        ["cost", "--since", "30d"],
        ["eval"],
        ["trace", "--follow"],
    ],
    ids=["trace", "trace-last", "cost", "eval", "follow"],
)
def test_an_unrelated_sqlite_file_is_refused_and_left_untouched(
    tmp_path: Path, args: list[str]
) -> None:
    other = tmp_path / "other.db"
    before = foreign_db(other)
    res = run_cli(*args, "--store", str(other))
    assert res.exit_code == 2, res.stderr
    assert f"{other}: not an agentctl trace store" in res.stderr and "customers" in res.stderr
    assert "Traceback" not in res.stderr
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_the_tables_of_an_unrelated_database_are_named_on_one_line(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    name = "two\nlines" + "x" * 100
    c = sqlite3.connect(other)
    c.execute(f'CREATE TABLE "{name}" (x)')
    c.close()
    res = run_cli("trace", "--store", str(other))
    assert res.exit_code == 2, res.stderr
    shown = repr(name[:40] + "...")  # quoted, escaped and cut, as every echoed value
    assert res.stderr.splitlines()[0] == (
        f"error: {other}: not an agentctl trace store (an SQLite database with tables "
        f"{shown}, user_version 0); it was left untouched"
    )


def test_a_versioned_database_without_spans_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "app.db"
    c = sqlite3.connect(other)
    c.executescript("CREATE TABLE t(x); PRAGMA user_version = 3;")
    c.close()
    before = other.read_bytes()
    res = run_cli("trace", "--store", str(other))
    assert res.exit_code == 2 and "not an agentctl trace store" in res.stderr
    assert other.read_bytes() == before


def test_a_directory_or_fifo_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "traces.db"
    os.mkfifo(fifo)
    res = run_cli("trace", "--store", str(fifo))
    assert res.exit_code == 2 and "not a regular file" in res.stderr
    res = run_cli("trace", "--store", str(tmp_path))
    assert res.exit_code == 2 and "Traceback" not in res.stderr


def test_a_new_path_is_created_and_an_existing_store_reopened(tmp_path: Path) -> None:
    path = tmp_path / "new" / "traces.db"
    s = TraceStore(path)
    s.insert(parse_protobuf(P.protobuf(P.agent_run())).spans)
    s.close()
    s = TraceStore(path)
    assert s.count() == 4
    s.close()


@pytest.mark.parametrize(
    ("column", "value"),
    [("events", "[[1]]"), ("events", "{not json"), ("events", "7"), ("attributes", "[1, 2]")],
)
def test_a_tampered_row_is_one_line_not_a_traceback(
    tmp_path: Path, column: str, value: str
) -> None:
    path = tmp_path / "traces.db"
    run = P.agent_run()
    s = TraceStore(path)
    s.insert(parse_protobuf(P.protobuf(run)).spans)
    s.close()
    c = sqlite3.connect(path)
    c.execute(f"UPDATE spans SET {column} = ?", (value,))
    c.commit()
    c.close()
    tid = run[0]["trace_id"].hex()
    for args in (["trace", "--trace-id", tid], ["trace", "--trace-id", tid, "-o", "json"]):
        res = run_cli(*args, "--store", str(path))
        assert res.exit_code == 2, res.stderr
        assert "is damaged" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.parametrize(
    ("sql", "command", "message"),
    [
        ("UPDATE resources SET attributes = '[1'", ["cost"], "attributes are not a JSON object"),
        ("DROP TABLE trace_costs", ["trace"], "no such table: trace_costs"),
    ],
)
def test_a_tampered_table_is_one_line_naming_the_store(
    tmp_path: Path, sql: str, command: list[str], message: str
) -> None:
    path = tmp_path / "traces.db"
    s = TraceStore(path)
    s.insert(parse_protobuf(P.protobuf(P.agent_run())).spans)
    s.close()
    c = sqlite3.connect(path)
    c.execute(sql)
    c.commit()
    c.close()
    res = run_cli(*command, "--since", "3650d", "--store", str(path))
    assert res.exit_code == 2, res.stdout + res.stderr
    assert "traces.db" in res.stderr and message in res.stderr, res.stderr
    assert "Traceback" not in res.stderr


def test_a_damaged_cached_trace_cost_is_priced_again(tmp_path: Path) -> None:
    path = tmp_path / "traces.db"
    s = TraceStore(path)
    s.insert(parse_protobuf(P.protobuf(P.agent_run())).spans)
    s.close()
    assert run_cli("trace", "--since", "3650d", "--store", str(path)).exit_code == 0
    c = sqlite3.connect(path)
    c.execute("UPDATE trace_costs SET usd = 'abc'")
    c.commit()
    c.close()
    res = run_cli("trace", "--since", "3650d", "--store", str(path))
    assert res.exit_code == 0, res.stderr


def _tampered_store(tmp_path: Path, *sql: str, rolled_up: bool = False) -> tuple[Path, str]:
    """A store of two agent runs, rows then changed with sqlite3; and the first run's trace id."""
    path = tmp_path / "traces.db"
    start = time.time_ns() - 3 * 3600 * 10**9  # in whole hours of the window: read from the rollups
    run = P.agent_run(start=start)
    s = TraceStore(path)
    s.insert(parse_protobuf(P.protobuf(run)).spans)
    s.insert(parse_protobuf(P.protobuf(P.agent_run(agent="other", error=True, start=start))).spans)
    s.close()
    if rolled_up:
        assert run_cli("cost", "--since", "30d", "--store", str(path)).exit_code == 0
    c = sqlite3.connect(path)
    for statement in sql:
        c.execute(statement)
    c.commit()
    c.close()
    return path, run[0]["trace_id"].hex()


_READERS = {
    "trace": ["trace", "--since", "30d"],
    "trace-json": ["trace", "--since", "30d", "-o", "json"],
    "trace-t": ["trace", "-t", "{tid}"],
    "trace-t-json": ["trace", "-t", "{tid}", "-o", "json"],
    "cost": ["cost", "--since", "30d"],
    "cost-json": ["cost", "--since", "30d", "-o", "json"],
    "eval": ["eval", "--since", "30d"],
}


def _one_line_error(res: Any, path: Path, *words: str) -> None:
    assert res.exit_code == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    first = res.stderr.splitlines()[0]
    assert first.startswith(f"error: {path}: "), res.stderr
    for w in words:
        assert w in first, res.stderr


@pytest.mark.parametrize("rolled_up", [False, True], ids=["new", "rolled-up"])
@pytest.mark.parametrize("reader", list(_READERS))
@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("'abc'", "start_ns holds text 'abc', not an integer"),
        ("x'ff00'", "start_ns holds a blob of 2 bytes, not an integer"),
        ("1e19", "start_ns holds the real number 1e+19, not an integer"),
    ],
    ids=["text", "blob", "real"],  # each one sorts after every integer: in no time window
)
def test_a_span_time_that_is_not_an_integer_is_named_by_every_reader(
    tmp_path: Path, reader: str, rolled_up: bool, value: str, shown: str
) -> None:
    path, tid = _tampered_store(
        tmp_path, f"UPDATE spans SET start_ns = {value}", rolled_up=rolled_up
    )
    res = run_cli(*(a.format(tid=tid) for a in _READERS[reader]), "--store", str(path))
    _one_line_error(res, path, "is damaged", shown)


@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [
        ("attributes", "'not json'", "attributes is not JSON"),
        ("events", "'not json'", "events is not JSON"),
        ("agent_name", "x'00'", "agent_name holds a blob of 1 bytes, not text"),
        ("name", "x'0102'", "name holds a blob of 2 bytes, not text"),
        ("end_ns", "'later'", "end_ns holds text 'later', not an integer"),
        (  # cut after 40 characters, the ellipsis inside the quotes as every echoed value
            "end_ns",
            "'" + "n" * 39 + "' || char(10) || 'more'",
            "end_ns holds text '" + "n" * 39 + "\\n...', not an integer",
        ),
    ],
)
def test_a_damaged_span_column_stops_eval_with_one_line(
    tmp_path: Path, column: str, value: str, shown: str
) -> None:
    path, _ = _tampered_store(
        tmp_path, f"UPDATE spans SET {column} = {value} WHERE operation = 'invoke_agent'"
    )
    res = run_cli("eval", "--since", "30d", "--store", str(path))
    _one_line_error(res, path, "is damaged", shown)


@pytest.mark.parametrize(
    "checks",
    [[], ["--no-groundedness", "--judge", "m", "--judge-url", "http://127.0.0.1:9"]],
    ids=["groundedness", "judge"],
)
def test_a_run_whose_attributes_are_not_json_stops_eval_with_one_line(
    tmp_path: Path, monkeypatch: Any, checks: list[str]
) -> None:
    # the judge's query read them as JSON (a traceback); both checks read the run instead
    monkeypatch.setenv("AGENTCTL_JUDGE_API_KEY", "k")  # never sent: nothing is judged
    path, _ = _tampered_store(
        tmp_path, "UPDATE spans SET attributes = 'not json' WHERE operation = 'invoke_agent'"
    )
    res = run_cli("eval", "--since", "30d", "--store", str(path), *checks)
    _one_line_error(res, path, "is damaged: attributes is not JSON")


@pytest.mark.parametrize("reader", ["trace-t", "trace-t-json", "cost", "cost-json"])
@pytest.mark.parametrize(
    ("value", "shown"),
    [("'many'", "input_tokens holds text 'many', not a count"),
     ("-5", "input_tokens holds -5, not a count")],
)  # fmt: skip
def test_a_damaged_token_count_is_one_line(
    tmp_path: Path, reader: str, value: str, shown: str
) -> None:
    path, tid = _tampered_store(
        tmp_path, f"UPDATE spans SET input_tokens = {value} WHERE input_tokens IS NOT NULL"
    )
    res = run_cli(*(a.format(tid=tid) for a in _READERS[reader]), "--store", str(path))
    _one_line_error(res, path, "is damaged", shown)


def test_counts_too_large_to_add_up_are_one_line_not_an_overflow(tmp_path: Path) -> None:
    path, _ = _tampered_store(tmp_path, f"UPDATE spans SET input_tokens = {2**63 - 1}")
    res = run_cli("cost", "--since", "30d", "--store", str(path))
    _one_line_error(res, path, "beyond 64-bit integers")


@pytest.mark.parametrize(
    ("sql", "shown"),
    [
        ("UPDATE cost_runs SET start_ns = 'abc'", "cost_runs: min(start_ns) holds text 'abc', "),
        ("UPDATE cost_runs SET llm_usd = x'00'", "cost_runs: llm_usd holds a blob of 1 bytes, "),
        ("UPDATE cost_usage SET calls = 'many'", "cost_usage: calls holds "),  # summed as 0.0
        ("UPDATE cost_compute SET run_ns = 'long'", "cost_compute: run_ns holds "),
    ],
)
def test_damaged_cost_rollups_are_one_line(tmp_path: Path, sql: str, shown: str) -> None:
    path, _ = _tampered_store(tmp_path, sql, rolled_up=True)
    res = run_cli("cost", "--since", "30d", "--store", str(path))
    _one_line_error(res, path, "the cost rollups are damaged: " + shown)


@pytest.mark.parametrize(
    "sql",
    ["UPDATE trace_costs SET calls = 'abc'", "UPDATE trace_costs SET price_data = x'00'"],
)
def test_a_damaged_cached_trace_cost_count_is_priced_again(tmp_path: Path, sql: str) -> None:
    path, _ = _tampered_store(tmp_path)
    assert run_cli("trace", "--since", "30d", "--store", str(path)).exit_code == 0
    c = sqlite3.connect(path)
    c.execute(sql)
    c.commit()
    c.close()
    for args in (["trace"], ["trace", "-o", "json"]):
        res = run_cli(*args, "--since", "30d", "--store", str(path))
        assert res.exit_code == 0, res.stderr


@pytest.mark.parametrize("entry", ["'not json'", "'7'", "'[]'", "x'00'"])
def test_a_damaged_stored_rate_is_fetched_again(tmp_path: Path, entry: str) -> None:
    path, tid = _tampered_store(tmp_path, rolled_up=True)
    c = sqlite3.connect(path)
    assert c.execute("SELECT count(*) FROM cost_prices").fetchone()[0] > 0
    c.execute(f"UPDATE cost_prices SET entry = {entry}")
    c.execute("DELETE FROM cost_state WHERE key = 'last_id'")  # the rollups read spans again
    c.commit()
    c.close()
    for args in (["cost", "--since", "30d"], ["trace", "-t", tid]):
        res = run_cli(*args, "--store", str(path))
        assert res.exit_code == 0, res.stderr


@pytest.mark.parametrize(
    ("sql", "shown"),
    [
        ("UPDATE traces SET span_count = 'abc'", "span_count holds text 'abc', not a count"),
        ("UPDATE traces SET root_name = x'00'", "root_name holds a blob of 1 bytes, not text"),
    ],
)
def test_a_damaged_trace_summary_is_one_line(tmp_path: Path, sql: str, shown: str) -> None:
    path, _ = _tampered_store(tmp_path, sql)
    res = run_cli("trace", "--since", "30d", "--store", str(path))
    _one_line_error(res, path, "of the traces table is damaged", shown)


def test_follow_names_a_damaged_span_that_arrives(tmp_path: Path, monkeypatch: Any) -> None:
    from agentctl.cli import trace_cmd

    path, _ = _tampered_store(tmp_path)
    polls = []

    def sleep(_: float) -> None:
        polls.append(1)
        if len(polls) > 1:
            raise KeyboardInterrupt
        s = TraceStore(path)
        s.insert(parse_protobuf(P.protobuf(P.agent_run())).spans)
        s.close()
        c = sqlite3.connect(path)
        c.execute("UPDATE spans SET end_ns = 'soon' WHERE id = (SELECT max(id) FROM spans)")
        c.commit()
        c.close()

    monkeypatch.setattr(trace_cmd.time, "sleep", sleep)
    res = run_cli("trace", "--follow", "--store", str(path))
    assert res.exit_code == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    assert f"error: {path}: " in res.stderr and "end_ns holds text 'soon'" in res.stderr
