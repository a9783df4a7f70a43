"""`--store` pointed at something that is not a trace store: refused, untouched; damaged rows: one line."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

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
