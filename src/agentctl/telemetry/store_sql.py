"""The SQL of the trace store: schema, statements, and the per-trace summary rows.

Split from :mod:`agentctl.telemetry.store` (which documents the schema) to keep
each module small.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentctl.errors import echoed
from agentctl.spans import SpanRecord
from agentctl.traces.summary import TraceSummary

SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (id INTEGER PRIMARY KEY, attributes TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS spans (
  id INTEGER PRIMARY KEY,
  trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT,
  name TEXT NOT NULL, kind INTEGER NOT NULL, start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL,
  status TEXT NOT NULL, status_message TEXT, service_name TEXT,
  agent_name TEXT, agent_version TEXT, team TEXT, conversation_id TEXT,
  operation TEXT, provider TEXT, request_model TEXT, response_model TEXT,
  input_tokens INTEGER, output_tokens INTEGER, cache_read_tokens INTEGER,
  cache_write_tokens INTEGER, reasoning_tokens INTEGER,
  tool_name TEXT, error_type TEXT, resource_id INTEGER,
  attributes TEXT, events TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS spans_trace ON spans (trace_id, span_id);
CREATE INDEX IF NOT EXISTS spans_start ON spans (start_ns);
CREATE INDEX IF NOT EXISTS spans_agent ON spans (agent_name, start_ns);
DROP INDEX IF EXISTS spans_model;
DROP INDEX IF EXISTS spans_conversation;
CREATE TABLE IF NOT EXISTS traces (
  trace_id TEXT PRIMARY KEY, start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL,
  root_span_id TEXT, root_name TEXT, agent_name TEXT, service_name TEXT, conversation_id TEXT,
  span_count INTEGER NOT NULL, llm_calls INTEGER NOT NULL, tool_calls INTEGER NOT NULL,
  error_count INTEGER NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
  cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS traces_start ON traces (start_ns);
CREATE INDEX IF NOT EXISTS traces_agent ON traces (agent_name, start_ns);
CREATE INDEX IF NOT EXISTS traces_conversation ON traces (conversation_id, start_ns);
CREATE TABLE IF NOT EXISTS trace_costs (
  trace_id TEXT PRIMARY KEY, span_count INTEGER NOT NULL, price_key TEXT NOT NULL, price_data TEXT NOT NULL,
  usd TEXT NOT NULL, calls INTEGER NOT NULL, unpriced INTEGER NOT NULL, free INTEGER NOT NULL,
  no_usage INTEGER NOT NULL
);
"""

# What each column holds as agentctl writes it; a row holding anything else was changed by
# something other than agentctl and is reported as damaged (telemetry.store.damaged_store)
# by whichever reader meets it: the decoding of span rows in Python (row_damage) and the SQL
# aggregates over spans (damage_sql), from this one table.
# NUMBER (an integer or a real) is for the cost rollups' sums of money (telemetry.rollup).
TEXT, TEXT_OR_NULL, INTEGER, COUNT, COUNT_OR_NULL, INTEGER_OR_NULL, JSON_OR_NULL, NUMBER = range(8)
_TOKENS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
           "reasoning_tokens")  # fmt: skip
SPAN_KINDS: dict[str, int] = {
    "trace_id": TEXT, "span_id": TEXT, "parent_span_id": TEXT_OR_NULL, "name": TEXT,
    "kind": INTEGER, "start_ns": INTEGER, "end_ns": INTEGER, "status": TEXT,
    **dict.fromkeys(("status_message", "service_name", "agent_name", "agent_version", "team",
                     "conversation_id", "operation", "provider", "request_model",
                     "response_model"), TEXT_OR_NULL),
    **dict.fromkeys(_TOKENS, COUNT_OR_NULL),
    "tool_name": TEXT_OR_NULL, "error_type": TEXT_OR_NULL, "resource_id": INTEGER_OR_NULL,
    "attributes": JSON_OR_NULL, "events": JSON_OR_NULL,
}  # fmt: skip
TRACE_KINDS: dict[str, int] = {
    "trace_id": TEXT, "start_ns": INTEGER, "end_ns": INTEGER,
    **dict.fromkeys(("root_span_id", "root_name", "agent_name", "service_name",
                     "conversation_id"), TEXT_OR_NULL),
    **dict.fromkeys(("span_count", "llm_calls", "tool_calls", "error_count",
                     *_TOKENS), COUNT),
}  # fmt: skip
_MAX_INT = 2**63 - 1
_NONE = type(None)
_TYPES: dict[int, tuple[type, ...]] = {
    TEXT: (str,), TEXT_OR_NULL: (str, _NONE), INTEGER: (int,), COUNT: (int,),
    COUNT_OR_NULL: (int, _NONE), INTEGER_OR_NULL: (int, _NONE), JSON_OR_NULL: (str, _NONE),
    NUMBER: (int, float),
}  # fmt: skip
_WANTED = {
    TEXT: "text", TEXT_OR_NULL: "text", INTEGER: "an integer", COUNT: "a count",
    COUNT_OR_NULL: "a count", INTEGER_OR_NULL: "an integer", JSON_OR_NULL: "JSON text",
    NUMBER: "a number",
}  # fmt: skip


def shown_value(value: Any) -> str:
    """A stored value as a damage message names it (one line, bounded)."""
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"a blob of {len(value)} bytes"
    if isinstance(value, str):
        return f"text {echoed(value)}"
    if isinstance(value, float):
        return f"the real number {value!r}"
    return echoed(value)


def _bad(kind: int, value: Any) -> bool:
    if not isinstance(value, _TYPES[kind]):
        return True
    return kind in (COUNT, COUNT_OR_NULL) and isinstance(value, int) and not 0 <= value <= _MAX_INT


def row_damage(kinds: dict[str, int], columns: Sequence[str], row: Sequence[Any]) -> str | None:
    """What is wrong with a row read as ``columns`` (kinds from :data:`SPAN_KINDS` or
    :data:`TRACE_KINDS`), or None when each value is of the kind agentctl writes."""
    for column, value in zip(columns, row, strict=False):
        kind = kinds[column]
        if _bad(kind, value):
            return f"{column} holds {shown_value(value)}, not {_WANTED[kind]}"
    return None


class RowCheck:
    """:func:`row_damage` for many rows read as the same ``columns``: the pattern of value
    types of each good row is remembered, so a row like one seen costs a set look-up (and
    the sign of its counts) instead of a test per column."""

    def __init__(self, kinds: dict[str, int], columns: Sequence[str]) -> None:
        self.kinds = kinds
        self.columns = tuple(columns)
        self._n = len(self.columns)
        self._counts = tuple(
            i for i, c in enumerate(self.columns) if kinds[c] in (COUNT, COUNT_OR_NULL)
        )
        self._good: set[tuple[type, ...]] = set()

    def damage(self, row: Sequence[Any]) -> str | None:
        types = tuple(map(type, row[: self._n]))
        if types in self._good:
            for i in self._counts:
                value = row[i]
                if value is not None and value < 0:
                    return row_damage(self.kinds, self.columns, row)
            return None
        found = row_damage(self.kinds, self.columns, row)
        if found is None and len(self._good) < 1024:
            self._good.add(types)
        return found


def damage_sql(columns: Sequence[str]) -> str:
    """An SQL condition over a ``spans`` row: true when one of ``columns`` does not hold what
    agentctl writes (:data:`SPAN_KINDS`). Comparisons only (no function calls but for JSON),
    cheap enough for a scan of every span: SQLite sorts numbers before text and text before
    blobs, so text and blobs in an integer column are above every integer, and a blob in a
    text column (the only value that stays unconverted there) is at or above ``x''``. A real
    with a fraction in an integer column passes (the Python readers name it)."""
    tests = []
    for c in columns:
        kind = SPAN_KINDS[c]
        if kind in (TEXT, TEXT_OR_NULL):
            tests.append(f"{c} >= x''")
        elif kind in (COUNT, COUNT_OR_NULL):
            tests.append(f"{c} > {_MAX_INT} OR {c} < 0")
        elif kind == JSON_OR_NULL:
            tests.append(f"{c} >= x'' OR ({c} IS NOT NULL AND NOT json_valid({c}))")
        else:
            tests.append(f"{c} > {_MAX_INT} OR {c} < {-_MAX_INT - 1}")
    return " OR ".join(tests)


SPAN_COLUMNS = (
    "trace_id, span_id, parent_span_id, name, kind, start_ns, end_ns, status, status_message, "
    "service_name, agent_name, agent_version, team, conversation_id, operation, provider, "
    "request_model, response_model, input_tokens, output_tokens, cache_read_tokens, "
    "cache_write_tokens, reasoning_tokens, tool_name, error_type, resource_id, attributes, events"
)
INSERT_SPAN = f"INSERT OR IGNORE INTO spans ({SPAN_COLUMNS}) VALUES ({', '.join('?' * 28)})"
TRACE_COLUMNS = (
    "trace_id, start_ns, end_ns, root_span_id, root_name, agent_name, service_name, conversation_id, "
    "span_count, llm_calls, tool_calls, error_count, input_tokens, output_tokens, "
    "cache_read_tokens, cache_write_tokens, reasoning_tokens"
)
UPSERT_TRACE = f"""
INSERT INTO traces ({TRACE_COLUMNS}) VALUES ({", ".join("?" * 17)})
ON CONFLICT (trace_id) DO UPDATE SET
  start_ns = min(start_ns, excluded.start_ns),
  end_ns = max(end_ns, excluded.end_ns),
  root_span_id = coalesce(excluded.root_span_id, root_span_id),
  root_name = coalesce(excluded.root_name, root_name),
  agent_name = CASE WHEN excluded.root_span_id IS NOT NULL AND excluded.agent_name IS NOT NULL
                    THEN excluded.agent_name ELSE coalesce(agent_name, excluded.agent_name) END,
  service_name = CASE WHEN excluded.root_span_id IS NOT NULL AND excluded.service_name IS NOT NULL
                    THEN excluded.service_name ELSE coalesce(service_name, excluded.service_name) END,
  conversation_id = coalesce(conversation_id, excluded.conversation_id),
  span_count = span_count + excluded.span_count,
  llm_calls = llm_calls + excluded.llm_calls,
  tool_calls = tool_calls + excluded.tool_calls,
  error_count = error_count + excluded.error_count,
  input_tokens = input_tokens + excluded.input_tokens,
  output_tokens = output_tokens + excluded.output_tokens,
  cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
  cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
  reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens
"""
SUMMARY_SELECT = f"SELECT {TRACE_COLUMNS} FROM traces"


def accumulate(deltas: dict[str, list[Any]], sp: SpanRecord) -> None:
    d = deltas.get(sp.trace_id)
    if d is None:
        d = deltas[sp.trace_id] = [
            sp.trace_id, sp.start_unix_nano, sp.end_unix_nano, None, None, sp.agent_name,
            sp.service_name, sp.conversation_id, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ]  # fmt: skip
    else:
        d[1] = min(d[1], sp.start_unix_nano)
        d[2] = max(d[2], sp.end_unix_nano)
        d[5] = d[5] or sp.agent_name
        d[6] = d[6] or sp.service_name
        d[7] = d[7] or sp.conversation_id
    if sp.parent_span_id is None:
        d[3], d[4] = sp.span_id, sp.name
        d[5] = sp.agent_name or d[5]
        d[6] = sp.service_name or d[6]
    d[8] += 1
    if sp.is_llm_call:
        d[9] += 1
        d[12] += sp.input_tokens or 0
        d[13] += sp.output_tokens or 0
        d[14] += sp.cache_read_tokens or 0
        d[15] += sp.cache_write_tokens or 0
        d[16] += sp.reasoning_tokens or 0
    if sp.is_tool_call:
        d[10] += 1
    if sp.status == "error":
        d[11] += 1


SUMMARY_NAMES = tuple(c.strip() for c in TRACE_COLUMNS.split(","))
_SUMMARY_ROWS = RowCheck(TRACE_KINDS, SUMMARY_NAMES)


def summary_row(r: Sequence[Any]) -> TraceSummary:
    """A ``traces`` row as a summary; ValueError naming what is wrong with a damaged one."""
    damage = _SUMMARY_ROWS.damage(r)
    if damage is not None:
        raise ValueError(damage)
    return TraceSummary(
        trace_id=r[0], start_unix_nano=r[1], end_unix_nano=r[2], root_name=r[4], agent_name=r[5],
        service_name=r[6], conversation_id=r[7], status="error" if r[11] else "ok", span_count=r[8],
        llm_calls=r[9], tool_calls=r[10], error_count=r[11], input_tokens=r[12], output_tokens=r[13],
        cache_read_tokens=r[14], cache_write_tokens=r[15], reasoning_tokens=r[16],
    )  # fmt: skip
