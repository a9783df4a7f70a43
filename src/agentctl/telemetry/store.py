"""The local trace store: one SQLite file (WAL) shared by the receiver and the views.

Location: ``--store PATH``, else ``$AGENTCTL_TRACE_STORE``, else
``<platformdirs user data dir>/agentctl/traces.db``. The file is created
``0600`` and a directory we create for it ``0700``. A file is created only
when the path does not exist; an existing file that is not a trace store (an
SQLite database with other tables, a FIFO, a directory) is refused with a
:class:`TelemetryError` before anything is written to it, and a row changed
by something else is reported as damaged rather than misread. Journal mode WAL with
``synchronous=NORMAL``: a killed process loses at most the transaction in
flight and never corrupts the file; readers never block the writer.

Schema (``PRAGMA user_version = 3``), for aggregate SQL over
:attr:`TraceStore.connection` (read-only use)::

    spans(
      id INTEGER PRIMARY KEY,            -- arrival order; `trace --follow` polls it
      trace_id TEXT, span_id TEXT, parent_span_id TEXT, name TEXT, kind INTEGER,
      start_ns INTEGER, end_ns INTEGER,  -- unix nanoseconds
      status TEXT,                       -- unset | ok | error
      status_message TEXT, service_name TEXT,
      agent_name TEXT, agent_version TEXT, team TEXT, conversation_id TEXT,
      operation TEXT, provider TEXT, request_model TEXT, response_model TEXT,
      input_tokens INTEGER, output_tokens INTEGER, cache_read_tokens INTEGER,
      cache_write_tokens INTEGER, reasoning_tokens INTEGER,
      tool_name TEXT, error_type TEXT,
      resource_id INTEGER,               -- -> resources.id
      attributes TEXT, events TEXT       -- JSON (redacted); events [[name, time_ns, {attrs}], ...]
    )
    UNIQUE INDEX spans_trace (trace_id, span_id)   -- re-sent spans are ignored
    INDEX spans_start (start_ns); INDEX spans_agent (agent_name, start_ns)

    resources(id INTEGER PRIMARY KEY, attributes TEXT UNIQUE)   -- JSON, one row per distinct resource

    traces(                               -- maintained on insert, one row per trace
      trace_id TEXT PRIMARY KEY, start_ns, end_ns, root_span_id, root_name,
      agent_name, service_name, conversation_id, span_count, llm_calls, tool_calls,
      error_count, input_tokens, output_tokens, cache_read_tokens,
      cache_write_tokens, reasoning_tokens
    )
    INDEX traces_start (start_ns); INDEX traces_agent (agent_name, start_ns);
    INDEX traces_conversation (conversation_id, start_ns)

    trace_costs(trace_id PRIMARY KEY, span_count, price_key, price_data, usd, calls,
      unpriced, free, no_usage)   -- the trace list's cost cache (telemetry/pricecache.py)

Token columns are NULL when a span did not report them. ``traces`` follows the
rules of :mod:`agentctl.traces.summary` (tokens are summed over LLM calls).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from agentctl.errors import TelemetryError, echoed
from agentctl.spans import SpanEvent, SpanRecord
from agentctl.telemetry.retention import RetentionMixin
from agentctl.telemetry.store_sql import (
    INSERT_SPAN,
    JSON_OR_NULL,
    SCHEMA,
    SPAN_COLUMNS,
    SPAN_KINDS,
    SUMMARY_SELECT,
    UPSERT_TRACE,
    RowCheck,
    accumulate,
    damage_sql,
    row_damage,
    summary_row,
)
from agentctl.traces.summary import TraceSummary

SCHEMA_VERSION = 3  # 2: trace_costs; 3: fewer span indexes (conversations are found through traces)


def default_store_path() -> Path:
    """``<user data dir>/agentctl/traces.db`` (the command line puts ``$AGENTCTL_TRACE_STORE`` first)."""
    import platformdirs

    return platformdirs.user_data_path("agentctl", appauthor=False) / "traces.db"


# One encoder for every row (json.dumps with options builds a new one per call).
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str).encode
_fast_dumps: Callable[[Any], str] | None = None


def _row_encoder() -> Callable[[Any], str]:
    """The encoder of the attributes and events columns: orjson when it is installed (five
    times faster on span attributes), falling back to :data:`_dumps` for every value whose
    JSON orjson would write differently, so what a reader loads is the same either way.

    orjson writes NaN and the infinities as ``null`` (json as ``NaN``/``Infinity``): any
    ``null`` in its output sends the value to json again (None values and text holding
    "null" pay twice, nothing is lost). What it refuses (lone surrogates, integers beyond
    64 bits, dates, dataclasses and subclasses of the JSON types, which it would write
    its own way) raises TypeError and goes to json as well.
    """
    global _fast_dumps
    if _fast_dumps is None:
        try:
            import orjson
        except ImportError:
            _fast_dumps = _dumps
            return _dumps
        fast = orjson.dumps
        plain = (
            orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_DATACLASS
            | orjson.OPT_PASSTHROUGH_SUBCLASS
        )

        def encode(value: Any) -> str:
            try:
                out = fast(value, option=plain)
            except TypeError:
                return _dumps(value)
            return _dumps(value) if b"null" in out else out.decode()

        _fast_dumps = encode
    return _fast_dumps


def _prepare(path: Path) -> None:
    """Create the file private to the user before SQLite opens it (only when it does not exist)."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        if not path.is_file():
            raise TelemetryError(
                f"{path}: not a regular file, so not a trace store",
                hint="pass --store with the path of a trace store or of a file to create",
            ) from None
        return
    os.close(fd)


class InsertedBatch(NamedTuple):
    """The spans one :meth:`TraceStore.insert` added: the new ones (re-sent spans left out),
    the resource id of each, and the largest span id before them (theirs follow it)."""

    spans: Sequence[SpanRecord]
    resource_ids: Sequence[int]
    after_id: int


def damaged_store(where: Path | str | sqlite3.Connection, what: str) -> TelemetryError:
    """The error for a store whose rows or tables are not what agentctl writes."""
    if isinstance(where, sqlite3.Connection):
        try:
            where = next(
                (r[2] for r in where.execute("PRAGMA database_list") if r[1] == "main"), ""
            )
        except sqlite3.Error:
            where = ""
    return TelemetryError(
        f"{where or 'the trace store'}: {what}",
        hint="the file was changed by something other than agentctl; "
        "delete the damaged rows with sqlite3, or use another --store",
    )


def check_spans(
    conn: sqlite3.Connection, columns: Sequence[str], where: str, params: Sequence[Any]
) -> None:
    """Raise :func:`damaged_store` for the first span matching ``where`` (SQL over ``spans``)
    whose ``columns`` do not hold what agentctl writes: for the SQL aggregates, which would
    otherwise read text as 0 or carry it into the cost rollups."""
    found = conn.execute(
        f"SELECT trace_id, span_id, {', '.join(columns)} FROM spans"
        f" WHERE ({where}) AND ({damage_sql(columns)}) LIMIT 1",
        params,
    ).fetchone()
    if found is None:
        return
    what = row_damage(SPAN_KINDS, columns, found[2:])
    for column, value in zip(columns, found[2:], strict=True):
        if what is None and SPAN_KINDS[column] == JSON_OR_NULL and value is not None:
            with contextlib.suppress(_Damaged):
                _json(value, column)
                continue
            what = f"{column} is not JSON"
    raise damaged_store(conn, span_damage(found[0], found[1], what or "unreadable"))


def check_span_starts(conn: sqlite3.Connection) -> None:
    """Raise :func:`damaged_store` for a span whose start is text or a blob: such a span falls
    in no time window, so the readers of a window would never meet it. One index look-up
    (SQLite sorts text and blobs after every number)."""
    check_spans(conn, ("start_ns",), f"start_ns > {2**63 - 1}", ())


def span_damage(trace_id: Any, span_id: Any, what: str) -> str:
    """How a damaged span is named: ``span 'ab12' of trace 'cd34' is damaged: ...``."""
    return f"span {span_id!r} of trace {trace_id!r} is damaged: {what}"


_SPAN_ROWS = RowCheck(SPAN_KINDS, tuple(c.strip() for c in SPAN_COLUMNS.split(",")))


class _Damaged(Exception):
    """A stored row that does not have the shape this module writes."""


def _json(text: Any, column: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise _Damaged(f"{column} is not JSON") from None


def _object(text: Any, column: str) -> dict[str, Any]:
    value = _json(text, column)
    if not isinstance(value, dict):
        raise _Damaged(f"{column} is not a JSON object")
    return value


def _events(text: Any) -> list[SpanEvent]:
    """The events column: ``[[name, time_ns, {attributes}], ...]``."""
    value = _json(text, "events")
    if not isinstance(value, list):
        raise _Damaged("events is not a JSON array")
    out = []
    for e in value:
        if not (
            isinstance(e, list)
            and len(e) == 3
            and isinstance(e[0], str)
            and isinstance(e[1], int)
            and isinstance(e[2], dict)
        ):
            raise _Damaged("an event is not [name, time_ns, {attributes}]")
        out.append(SpanEvent(e[0], e[1], e[2]))
    return out


class TraceStore(RetentionMixin):
    """SQLite trace store; safe to share between threads (one lock per store)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self._lock = threading.RLock()
        self._resource_ids: dict[str, int] = {}
        self._resources: dict[int, dict[str, Any]] = {}
        # Called inside each insert's transaction once its spans are written, with what was
        # written (the receiver keeps the cost rollups current this way); a failure there is
        # logged and undone alone, never costing the spans.
        self.after_insert: Callable[[InsertedBatch], None] | None = None
        self._after_insert_failed = False
        try:
            _prepare(self.path)
            self._conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=10
            )
            try:
                self._init_schema()
            except BaseException:
                self._conn.close()
                raise
        except (sqlite3.Error, OSError) as exc:
            raise TelemetryError(
                f"{self.path}: cannot open the trace store: {exc}",
                hint="pass --store PATH to use another file",
            ) from None

    def _init_schema(self) -> None:
        c = self._conn
        version = c.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if (version == 0 and tables) or (version > 0 and "spans" not in tables):
            names = sorted(tables)
            shown = ", ".join(map(echoed, names[:5])) + (", ..." if len(names) > 5 else "")
            raise TelemetryError(
                f"{self.path}: not an agentctl trace store (an SQLite database with tables "
                f"{shown or '(none)'}, user_version {version}); it was left untouched",
                hint="pass --store with the path of a trace store, or of a new file to create",
            )
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(f"written by a newer agentctl (schema {version})")
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=NORMAL")
        c.execute("PRAGMA busy_timeout=10000")
        c.execute("PRAGMA cache_size=-32000")
        c.execute("PRAGMA wal_autocheckpoint=4000")  # fewer, larger checkpoints (each one syncs)
        if version < SCHEMA_VERSION:
            with self._transaction():
                c.executescript(
                    f"BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
                )

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """One write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``), rolled back on error."""
        with self._transaction() as c:
            c.execute("BEGIN IMMEDIATE")
            yield
            c.execute("COMMIT")

    @property
    def connection(self) -> sqlite3.Connection:
        """The SQLite connection, for read-only aggregate queries over the schema above."""
        return self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> TraceStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ writing

    def _resource_id(self, cur: sqlite3.Cursor, attrs: dict[str, Any]) -> int:
        text = _dumps(attrs)
        rid = self._resource_ids.get(text)
        if rid is None:
            cur.execute("INSERT OR IGNORE INTO resources (attributes) VALUES (?)", (text,))
            rid = cur.execute("SELECT id FROM resources WHERE attributes = ?", (text,)).fetchone()[
                0
            ]
            if len(self._resource_ids) > 10_000:
                self._resource_ids.clear()
            self._resource_ids[text] = rid
        return rid

    def insert(self, spans: Sequence[SpanRecord]) -> int:
        """Store spans in one transaction; returns how many were new (re-sent spans are ignored)."""
        if not spans:
            return 0
        deltas: dict[str, list[Any]] = {}
        by_resource: dict[int, int] = {}
        dumps = _fast_dumps or _row_encoder()
        with self._transaction() as c:
            c.execute("BEGIN IMMEDIATE")
            cur = c.cursor()
            rows = []
            rids = []
            for sp in spans:
                key = id(sp.resource)
                rid = by_resource.get(key)
                if rid is None:
                    rid = by_resource[key] = self._resource_id(cur, sp.resource)
                rids.append(rid)
                events = (
                    dumps([[e.name, e.time_unix_nano, e.attributes] for e in sp.events])
                    if sp.events
                    else None
                )
                rows.append((
                    sp.trace_id, sp.span_id, sp.parent_span_id, sp.name, sp.kind,
                    sp.start_unix_nano, sp.end_unix_nano, sp.status, sp.status_message or None,
                    sp.service_name, sp.agent_name, sp.agent_version, sp.team, sp.conversation_id,
                    sp.operation, sp.provider, sp.request_model, sp.response_model,
                    sp.input_tokens, sp.output_tokens, sp.cache_read_tokens, sp.cache_write_tokens,
                    sp.reasoning_tokens, sp.tool_name, sp.error_type, rid,
                    dumps(sp.attributes) if sp.attributes else None, events,
                ))  # fmt: skip
            after_id = cur.execute("SELECT coalesce(max(id), 0) FROM spans").fetchone()[0]
            before = c.total_changes
            cur.executemany(INSERT_SPAN, rows)
            if c.total_changes - before == len(rows):  # the usual case: every span is new
                new, new_rids = list(spans), rids
            else:  # some were re-sent: find out which, row by row
                c.execute("ROLLBACK")
                c.execute("BEGIN IMMEDIATE")
                after_id = cur.execute("SELECT coalesce(max(id), 0) FROM spans").fetchone()[0]
                new, new_rids = [], []
                for sp, row, rid in zip(spans, rows, rids, strict=True):
                    cur.execute(INSERT_SPAN, row)
                    if cur.rowcount == 1:
                        new.append(sp)
                        new_rids.append(rid)
            for sp in new:
                accumulate(deltas, sp)
            cur.executemany(UPSERT_TRACE, deltas.values())
            if new and self.after_insert is not None:
                self._after_insert(c, InsertedBatch(new, new_rids, after_id))
            c.execute("COMMIT")
        return len(new)

    def _after_insert(self, c: sqlite3.Connection, batch: InsertedBatch) -> None:
        assert self.after_insert is not None
        c.execute("SAVEPOINT after_insert")
        try:
            self.after_insert(batch)
        except Exception as exc:  # the spans matter more than what is derived from them
            c.execute("ROLLBACK TO after_insert")
            if not self._after_insert_failed:
                self._after_insert_failed = True
                import logging  # only here: readers of the store never log

                logging.getLogger("agentctl.telemetry.store").warning(
                    "%s: cost rollups not updated (%s); `cost` will catch up", self.path, exc
                )
        c.execute("RELEASE after_insert")

    def add_events(self, events: Sequence[tuple[str, str, SpanEvent]]) -> int:
        """Append events to stored spans, given as (trace id, span id, event); returns how many
        spans were found. An evaluator attaches its ``gen_ai.evaluation.result`` to the span it
        evaluated this way."""
        if not events:
            return 0
        found = 0
        with self.write_lock():
            c = self._conn
            for trace_id, span_id, event in events:
                row = c.execute(
                    "SELECT events FROM spans WHERE trace_id = ? AND span_id = ?",
                    (trace_id, span_id),
                ).fetchone()
                if row is None:
                    continue
                current = json.loads(row[0]) if row[0] else []
                current.append([event.name, event.time_unix_nano, event.attributes])
                c.execute(
                    "UPDATE spans SET events = ? WHERE trace_id = ? AND span_id = ?",
                    (_dumps(current), trace_id, span_id),
                )
                found += 1
        return found

    # ------------------------------------------------------------------ reading

    def _resource(self, rid: int | None) -> dict[str, Any]:
        if rid is None:
            return {}
        attrs = self._resources.get(rid)
        if attrs is None:
            row = self._conn.execute(
                "SELECT attributes FROM resources WHERE id = ?", (rid,)
            ).fetchone()
            attrs = _object(row[0], "resource attributes") if row else {}
            self._resources[rid] = attrs
        return attrs

    def _record(self, row: Sequence[Any]) -> SpanRecord:
        try:
            return self._decode_row(row)
        except (_Damaged, ValueError, TypeError, IndexError, KeyError) as exc:
            raise damaged_store(self.path, span_damage(row[0], row[1], str(exc))) from None

    def _decode_row(self, row: Sequence[Any]) -> SpanRecord:
        damage = _SPAN_ROWS.damage(row)
        if damage is not None:
            raise _Damaged(damage)
        events = _events(row[27]) if row[27] else []
        attributes = _object(row[26], "attributes") if row[26] else {}
        return SpanRecord(
            trace_id=row[0], span_id=row[1], parent_span_id=row[2], name=row[3], kind=row[4],
            start_unix_nano=row[5], end_unix_nano=row[6], status=row[7], status_message=row[8] or "",
            service_name=row[9], agent_name=row[10], agent_version=row[11], team=row[12],
            conversation_id=row[13], operation=row[14], provider=row[15], request_model=row[16],
            response_model=row[17], input_tokens=row[18], output_tokens=row[19],
            cache_read_tokens=row[20], cache_write_tokens=row[21], reasoning_tokens=row[22],
            tool_name=row[23], error_type=row[24], resource=self._resource(row[25]),
            attributes=attributes, events=events,
        )  # fmt: skip

    def _query(
        self, sql: str, params: Sequence[Any], *, batch: int = 500
    ) -> Iterator[Sequence[Any]]:
        with self._lock:
            cur = self._conn.execute(sql, params)
            rows = cur.fetchmany(batch)
        while rows:
            yield from rows
            with self._lock:
                rows = cur.fetchmany(batch)

    def spans(
        self,
        *,
        since_ns: int | None = None,
        until_ns: int | None = None,
        agent: str | None = None,
        trace_id: str | None = None,
    ) -> Iterator[SpanRecord]:
        """Spans in start order, filtered by start time, agent and trace."""
        where: list[str] = []
        params: list[Any] = []
        if since_ns is not None:
            where.append("start_ns >= ?")
            params.append(since_ns)
        if until_ns is not None:
            where.append("start_ns < ?")
            params.append(until_ns)
        if agent is not None:
            where.append("agent_name = ?")
            params.append(agent)
        if trace_id is not None:
            where.append("trace_id = ?")
            params.append(trace_id.lower())
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        sql = f"SELECT {SPAN_COLUMNS} FROM spans{clause} ORDER BY start_ns, id"
        for row in self._query(sql, params):
            yield self._record(row)

    def trace(self, trace_id: str) -> list[SpanRecord]:
        return list(self.spans(trace_id=trace_id))

    def last_rowid(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT coalesce(max(id), 0) FROM spans").fetchone()[0])

    def spans_after(self, rowid: int, *, limit: int = 1000) -> list[tuple[int, SpanRecord]]:
        """Spans stored after ``rowid`` in arrival order (for live tails)."""
        sql = f"SELECT id, {SPAN_COLUMNS} FROM spans WHERE id > ? ORDER BY id LIMIT ?"
        with self._lock:
            rows = self._conn.execute(sql, (rowid, limit)).fetchall()
        return [(row[0], self._record(row[1:])) for row in rows]

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM spans").fetchone()[0])

    def recent_traces(
        self,
        *,
        limit: int = 20,
        agent: str | None = None,
        conversation: str | None = None,
        status: str | None = None,
        since_ns: int | None = None,
    ) -> list[TraceSummary]:
        """The most recently started traces first."""
        where: list[str] = []
        params: list[Any] = []
        if agent is not None:
            where.append("(agent_name = ? OR (agent_name IS NULL AND service_name = ?))")
            params += [agent, agent]
        if conversation is not None:
            where.append("conversation_id = ?")
            params.append(conversation)
        if status == "error":
            where.append("error_count > 0")
        elif status == "ok":
            where.append("error_count = 0")
        if since_ns is not None:
            where.append("start_ns >= ?")
            params.append(since_ns)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        params.append(limit)
        with self._lock:
            rows = self._conn.execute(
                f"{SUMMARY_SELECT}{clause} ORDER BY start_ns DESC LIMIT ?", params
            ).fetchall()
        return [self._summary(r) for r in rows]

    def _summary(self, row: Sequence[Any]) -> TraceSummary:
        try:
            return summary_row(row)
        except ValueError as exc:
            raise damaged_store(
                self.path, f"trace {row[0]!r} of the traces table is damaged: {exc}"
            ) from None

    def model_calls(self, trace_ids: Sequence[str]) -> list[SpanRecord]:
        """The spans of these traces that may be model calls (what pricing needs)."""
        out: list[SpanRecord] = []
        ids = list(trace_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            sql = (
                f"SELECT {SPAN_COLUMNS} FROM spans WHERE trace_id IN ({', '.join('?' * len(chunk))})"
                " AND (input_tokens IS NOT NULL OR output_tokens IS NOT NULL OR cache_read_tokens IS NOT NULL"
                " OR cache_write_tokens IS NOT NULL OR reasoning_tokens IS NOT NULL"
                " OR operation IN ('chat', 'text_completion', 'generate_content', 'embeddings'))"
            )
            out.extend(self._record(r) for r in self._query(sql, chunk))
        return [sp for sp in out if sp.is_llm_call]

    def resolve_trace_id(self, prefix: str) -> list[str]:
        """Full trace ids starting with ``prefix`` (at most two: enough to tell ambiguity)."""
        low = prefix.lower()
        if len(low) >= 32:
            return [low[:32]]
        upper = low + "g"  # sorts after every hex digit
        with self._lock:
            rows = self._conn.execute(
                "SELECT trace_id FROM traces WHERE trace_id >= ? AND trace_id < ? LIMIT 2",
                (low, upper),
            ).fetchall()
        return [r[0] for r in rows]

    def summary(self, trace_id: str) -> TraceSummary | None:
        with self._lock:
            row = self._conn.execute(
                f"{SUMMARY_SELECT} WHERE trace_id = ?", (trace_id.lower(),)
            ).fetchone()
        return self._summary(row) if row else None
