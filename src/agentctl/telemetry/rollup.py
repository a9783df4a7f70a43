"""Cost rollups over the trace store: what ``agentctl cost`` reads instead of a million spans.

Grouping a million spans in SQLite costs seconds (the GROUP BY sorter), so
cost keeps small *rollups* next to the spans, brought up to date
incrementally on every query (spans are append-only; ``spans.id`` is
arrival order):

- ``cost_usage``: model calls per (UTC hour, agent, version, team, provider,
  model): calls, token sums, min/max input tokens (for price tiers);
- ``cost_compute``: runs (root spans) per (hour, agent, version, team,
  resource): count, summed duration;
- ``cost_runs``: one row per trace: the root span's agent, times and
  resource, the trace's status (error when any span errored, as
  ``agentctl trace`` says) and the LLM cost of its calls (linear genai-prices
  rates, used to rank runs and check per-run budgets).

A report reads whole hours from the rollups and the partial hours at either
end of the window from ``spans`` directly, so windows are exact to the
nanosecond. Rollups outlive trace retention: cost history stays when old
spans are deleted. When the store cannot be written (a read-only file) the
same rollups are built for the window in SQLite's temp schema instead.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from agentctl.cost.llm import Usage, UsageGroup, day_time, span_time
from agentctl.cost.prices import Pricer, RateEntry
from agentctl.cost.report import ComputeGroup, RunRow
from agentctl.errors import TelemetryError
from agentctl.spans import LLM_OPERATIONS, STATUS_OK
from agentctl.telemetry import rollup_sql as Q
from agentctl.telemetry.store import (
    InsertedBatch,
    check_span_starts,
    check_spans,
    damaged_store,
    span_damage,
)
from agentctl.telemetry.store_sql import (
    INTEGER,
    INTEGER_OR_NULL,
    NUMBER,
    SPAN_KINDS,
    TEXT,
    TEXT_OR_NULL,
    RowCheck,
)

# A cost_runs row's columns after has_root, for a trace whose root is not in the batch
_NO_ROOT = (None, None, None, None, None, None, None)


def _columns(*kinds: tuple[str, int]) -> RowCheck:
    return RowCheck(dict(kinds), [column for column, _ in kinds])


# What a rollup row read back holds, in the kinds of the store's columns (a value of another
# type: a table changed by something other than agentctl, reported as damaged rather than
# summed as 0 or compared with text)
_GROUP = (("day", INTEGER), ("agent", TEXT), ("version", TEXT), ("team", TEXT))
_USAGE_ROWS = _columns(
    *_GROUP,
    ("provider", TEXT),
    ("model", TEXT),
    *((c, INTEGER) for c in ("calls", "input", "output", "cache_read", "cache_write",
                             "reasoning", "min_input", "max_input")),
)  # fmt: skip
_COMPUTE_ROWS = _columns(*_GROUP, ("resource_id", INTEGER), ("runs", INTEGER), ("run_ns", INTEGER))
_RUN_ROWS = _columns(
    ("trace_id", TEXT), ("agent", TEXT_OR_NULL), ("version", TEXT_OR_NULL),
    ("team", TEXT_OR_NULL), ("start_ns", INTEGER), ("end_ns", INTEGER), ("status", TEXT_OR_NULL),
    ("resource_id", INTEGER_OR_NULL), ("llm_usd", NUMBER), ("llm_calls", INTEGER),
    ("unpriced_calls", INTEGER), ("tokens", INTEGER),
)  # fmt: skip
_RUN_STARTS = _columns(("min(start_ns)", INTEGER_OR_NULL), ("max(start_ns)", INTEGER_OR_NULL))


def stored_entry(text: Any) -> RateEntry | None:
    """A rate entry of ``cost_prices``, or None for a damaged one: the call is priced again
    and the entry written anew, as for a missing one."""
    try:
        return RateEntry.from_json(text)
    except (ValueError, TypeError, AttributeError, LookupError, ArithmeticError):
        return None


class SqlRateCache:
    """Rate entries kept in ``cost_prices``, so a warm report never imports genai-prices."""

    def __init__(self, rollup: CostRollup) -> None:
        self.rollup = rollup
        self._entries: dict[tuple[str, str, int], RateEntry] = {}
        self._pending: dict[tuple[str, str, int], RateEntry] = {}

    def get(self, key: tuple[str, str, int]) -> RateEntry | None:
        hit = self._entries.get(key)
        if hit is None:
            try:
                row = self.rollup.conn.execute(
                    f"SELECT entry FROM {self.rollup.schema}.cost_prices WHERE provider = ? AND model = ? AND day = ?",
                    key,
                ).fetchone()
            except sqlite3.OperationalError:  # no rollup tables (read-only store never rolled up)
                row = None
            entry = stored_entry(row[0]) if row is not None else None
            if entry is not None:
                hit = self._entries[key] = entry
        return hit

    def put(self, key: tuple[str, str, int], entry: RateEntry) -> None:
        self._entries[key] = entry
        self._pending[key] = entry

    def flush(self) -> None:
        """Write new entries (best effort: a read-only or busy store keeps them in memory)."""
        if not self._pending:
            return
        rows = [(*k, e.to_json()) for k, e in self._pending.items()]
        conn = self.rollup.conn
        own = not conn.in_transaction  # else written in the caller's transaction
        try:
            if own:
                conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                f"INSERT OR REPLACE INTO {self.rollup.schema}.cost_prices VALUES (?,?,?,?)", rows
            )
            if own:
                conn.execute("COMMIT")
            self._pending.clear()
        except sqlite3.OperationalError:
            if conn.in_transaction and not self.rollup.building:
                conn.execute("ROLLBACK")


class CostRollup:
    """The cost rollups of one store connection (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection, pricer: Pricer) -> None:
        self.conn = conn
        self.pricer = pricer
        self.schema = "main"
        self.building = False
        self.cache = SqlRateCache(self)
        pricer.cache = self.cache  # rates of this store (a pricer may outlive an earlier one)
        self._rated: set[tuple[str, str, int]] = set()
        # (provider, model, day) -> its rate bands (lo, hi, fee, in, cache read, cache write,
        # out, reasoning), as in temp.cost_rates
        self._bands: dict[tuple[str, str, int], list[tuple[Any, ...]]] = {}
        self._window = (0, 2**62)

    # -------------------------------------------------------------- building

    def refresh(self, *, since_ns: int | None = None, until_ns: int | None = None) -> None:
        """Bring the rollups up to date (or, read-only, build them for the window in temp)."""
        check_span_starts(self.conn)
        try:
            if self._current():
                return
            with self._tx(immediate=True):
                self.catch_up()
        except sqlite3.OperationalError as exc:
            if "integer overflow" in str(exc):
                raise self._overflow() from None
            if "readonly" not in str(exc) and "read-only" not in str(exc):
                raise
            self.schema = "temp"
            for table in Q.TABLES:
                self.conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
            self.conn.executescript(Q.SCHEMA.format(s="temp"))
            lo = (since_ns or 0) - Q.NS_DAY
            hi = (until_ns or 2**62) + Q.NS_DAY
            with self._tx(immediate=False):
                self._build("temp", "start_ns >= ? AND start_ns < ?", (lo, hi))

    def _current(self) -> bool:
        """Whether the rollups already cover every span (read without a write lock)."""
        try:
            state = dict(self.conn.execute("SELECT key, value FROM main.cost_state").fetchall())
        except sqlite3.OperationalError:  # no rollups yet
            return False
        top = int(self.conn.execute("SELECT coalesce(max(id), 0) FROM spans").fetchone()[0])
        return (
            state.get("version") == Q.ROLLUP_VERSION
            and state.get("prices") == self.pricer.data_version
            and state.get("last_id") == str(top)
        )

    def catch_up(self, batch: InsertedBatch | None = None) -> None:
        """Add the spans stored since the rollups last read them, inside the caller's write
        transaction: the receiver calls it in the transaction that stores a batch of spans,
        so the rollups never fall behind what was acknowledged, and ``cost`` calls it for
        spans stored by other means.

        Given the ``batch`` just stored (the store's ``after_insert`` hook), and when the
        rollups were current up to it, its spans are added from memory (:meth:`_add`)
        instead of being read back and grouped by SQL."""
        if batch is not None and self._add(batch):
            return
        c = self.conn
        self._drop_outdated()
        for statement in Q.SCHEMA.format(s="main").split(";"):
            if statement.strip():
                c.execute(statement)
        state = dict(c.execute("SELECT key, value FROM main.cost_state").fetchall())
        if (
            state.get("version") != Q.ROLLUP_VERSION
            or state.get("prices") != self.pricer.data_version
        ):
            state = {}
        top = int(c.execute("SELECT coalesce(max(id), 0) FROM spans").fetchone()[0])
        last = int(state.get("last_id", "0"))
        if top < last:
            # The store was emptied (every span deleted) and refilled: SQLite reuses ids
            # then, and every span present arrived after the rollups last read it.
            last = 0
        elif last == top and state:
            return
        if not state:
            for table in Q.TABLES:
                c.execute(f"DELETE FROM main.{table}")
        self._build("main", "id > ? AND id <= ?", (last, top))
        self._state("main", top)

    def _drop_outdated(self) -> None:
        """Drop rollups of another ROLLUP_VERSION: their tables may have another shape."""
        try:
            row = self.conn.execute(
                "SELECT value FROM main.cost_state WHERE key = 'version'"
            ).fetchone()
        except sqlite3.OperationalError:  # no rollups yet
            return
        if row is not None and row[0] == Q.ROLLUP_VERSION:
            return
        for table in Q.TABLES:
            self.conn.execute(f"DROP TABLE IF EXISTS main.{table}")

    def _tx(self, *, immediate: bool) -> Any:
        @contextlib.contextmanager
        def tx() -> Iterator[None]:
            self.conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

        return tx()

    def _state(self, schema: str, last_id: int) -> None:
        self.conn.executemany(
            f"INSERT OR REPLACE INTO {schema}.cost_state VALUES (?, ?)",
            [
                ("version", Q.ROLLUP_VERSION),
                ("prices", self.pricer.data_version),
                ("last_id", str(last_id)),
            ],
        )

    def _build(self, schema: str, where: str, params: tuple[Any, ...]) -> None:
        c = self.conn
        check_spans(c, Q.SPANS_READ, where, params)
        c.execute("DROP TABLE IF EXISTS temp.cost_usage_delta")
        c.execute(
            f"CREATE TEMP TABLE cost_usage_delta AS {Q.USAGE_SELECT.format(where=where)}", params
        )
        c.execute(
            Q.UPSERT_USAGE.format(s=schema, select="SELECT * FROM temp.cost_usage_delta WHERE true")
        )
        c.execute(
            Q.UPSERT_COMPUTE.format(s=schema, select=Q.COMPUTE_SELECT.format(where=where)), params
        )
        c.execute(Q.UPSERT_ROOTS.format(s=schema, where=where), params)
        c.execute(Q.UPSERT_ERRORS.format(s=schema, where=where), params)
        keys = c.execute(
            "SELECT DISTINCT provider, model, hour / 24 FROM temp.cost_usage_delta"
        ).fetchall()
        self._rates(keys)
        c.execute(Q.UPSERT_RUN_COST.format(s=schema, where=where.replace("id", "spans.id")), params)
        c.execute("DROP TABLE temp.cost_usage_delta")
        self._flush_rates()

    def _flush_rates(self) -> None:
        """Write the rate entries priced by a build, in its transaction (which a failure to
        write them must not roll back: ``building`` tells the cache so)."""
        self.building = True
        try:
            self.cache.flush()
        finally:
            self.building = False

    def _rates(self, keys: Iterable[tuple[str, str, int]]) -> None:
        """Fill temp.cost_rates (and :attr:`_bands`, the same rows for :meth:`_add`) with the
        linear rates of each (provider, model, day)."""
        self.conn.execute(Q.RATES_TABLE)
        rows = []
        for provider, model, day in keys:
            if (provider, model, day) in self._rated:
                continue
            self._rated.add((provider, model, day))
            rates = self.pricer.unit_rates(provider or None, model or None, day_time(day))
            if rates is None:
                continue
            his = [*rates.starts[1:], 2**62]
            bands = self._bands[provider, model, day] = []
            for lo, hi, band in zip(rates.starts, his, rates.bands, strict=True):
                row = (provider, model, day, lo, hi, *(float(x) for x in band))
                rows.append(row)
                bands.append(row[3:])
        self.conn.executemany(
            "INSERT OR REPLACE INTO temp.cost_rates VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows
        )

    def _add(self, batch: InsertedBatch) -> bool:
        """Add the spans of one insert to the rollups from memory: what :meth:`_build` does
        with SQL over their rows, aggregated per key in dicts and written with one upsert
        per key (about a fifth of the CPU per span). False (nothing written) when the
        rollups were not current up to the batch, for :meth:`catch_up` to read back."""
        c = self.conn
        try:
            state = dict(c.execute("SELECT key, value FROM main.cost_state").fetchall())
        except sqlite3.OperationalError:  # no rollups yet
            return False
        top = int(c.execute("SELECT coalesce(max(id), 0) FROM spans").fetchone()[0])
        if (
            state.get("version") != Q.ROLLUP_VERSION
            or state.get("prices") != self.pricer.data_version
            or state.get("last_id") != str(batch.after_id)
            or top != batch.after_id + len(batch.spans)
        ):
            return False
        usage: dict[tuple[Any, ...], list[int]] = {}
        compute: dict[tuple[Any, ...], list[int]] = {}
        runs: dict[str, list[Any]] = {}  # trace -> the cost_runs row (see Q.UPSERT_RUN)
        calls: list[tuple[list[Any], tuple[str, str, int], int, int, int, int, int]] = []
        for sp, rid in zip(batch.spans, batch.resource_ids, strict=True):
            agent = sp.agent_name if sp.agent_name is not None else sp.service_name
            if agent is None:
                agent = ""
            version = "" if sp.agent_version is None else sp.agent_version
            team = "" if sp.team is None else sp.team
            hour = sp.start_unix_nano // Q.NS_HOUR
            op = sp.operation
            run = runs.get(sp.trace_id)
            if op in LLM_OPERATIONS or (
                op is None and (sp.input_tokens is not None or sp.output_tokens is not None)
            ):
                i = sp.input_tokens or 0
                cr = sp.cache_read_tokens or 0
                cw = sp.cache_write_tokens or 0
                rs = sp.reasoning_tokens or 0
                inp = i + (cr + cw if cr + cw > i else 0)
                out = max(sp.output_tokens or 0, rs)
                provider = "" if sp.provider is None else sp.provider
                model = sp.response_model if sp.response_model is not None else sp.request_model
                if model is None:
                    model = ""
                key = (hour, agent, version, team, provider, model)
                u = usage.get(key)
                if u is None:
                    usage[key] = [1, inp, out, cr, cw, rs, inp, inp]
                else:
                    u[0] += 1
                    u[1] += inp
                    u[2] += out
                    u[3] += cr
                    u[4] += cw
                    u[5] += rs
                    u[6] = min(u[6], inp)
                    u[7] = max(u[7], inp)
                if run is None:
                    run = runs[sp.trace_id] = [sp.trace_id, 0, *_NO_ROOT, 0.0, 0, 0, 0]
                calls.append((run, (provider, model, sp.start_unix_nano // Q.NS_DAY),
                              inp, out, cr, cw, rs))  # fmt: skip
            if sp.parent_span_id is None:
                rkey = (hour, agent, version, team, rid)
                r = compute.get(rkey)
                duration = max(0, sp.end_unix_nano - sp.start_unix_nano)
                if r is None:
                    compute[rkey] = [1, duration]
                else:
                    r[0] += 1
                    r[1] += duration
                if run is None:
                    run = runs[sp.trace_id] = [sp.trace_id, 0, *_NO_ROOT, 0.0, 0, 0, 0]
                # the last root of the batch wins, as the SQL's row-by-row upsert has it
                status = "error" if run[7] == "error" or sp.status == "error" else "ok"
                run[1:9] = [1, sp.start_unix_nano, sp.end_unix_nano, agent, version, team,
                            status, rid]  # fmt: skip
            if sp.status == "error":
                if run is None:
                    run = runs[sp.trace_id] = [sp.trace_id, 0, *_NO_ROOT, 0.0, 0, 0, 0]
                run[7] = "error"
        self._rates({k for _, k, *_ in calls})
        bands = self._bands
        for run, day_key, inp, out, cr, cw, rs in calls:
            usd: float = 0.0
            priced = False
            for lo, hi, fee, r_in, r_cr, r_cw, r_out, r_rs in bands.get(day_key, ()):
                if lo < inp <= hi:
                    priced = True
                    if inp + out:  # Q.CALL_USD, term by term in its order
                        usd = (fee + (inp - cr - cw) * r_in + cr * r_cr + cw * r_cw
                               + (out - rs) * r_out + rs * r_rs)  # fmt: skip
                    break
            run[9] += usd
            run[10] += 1
            run[11] += not priced and inp + out > 0
            run[12] += inp + out
        c.executemany(
            Q.UPSERT_USAGE.format(s="main", select=f"VALUES ({', '.join('?' * 14)})"),
            [(*k, *v) for k, v in usage.items()],
        )
        c.executemany(
            Q.UPSERT_COMPUTE.format(s="main", select=f"VALUES ({', '.join('?' * 7)})"),
            [(*k, *v) for k, v in compute.items()],
        )
        c.executemany(Q.UPSERT_RUN, runs.values())
        self._flush_rates()
        self._state("main", top)
        return True

    # -------------------------------------------------------------- reading

    def _edges(self, since_ns: int, until_ns: int) -> tuple[int, int]:
        """Whole hours [h0, h1) inside the window."""
        h0 = -(-since_ns // Q.NS_HOUR)
        h1 = until_ns // Q.NS_HOUR
        return h0, max(h0, h1)

    def usage_groups(
        self, since_ns: int, until_ns: int, agent: str | None = None
    ) -> list[UsageGroup]:
        """Model calls per (UTC day, agent, version, team, provider, model) in the window."""
        self._window = (since_ns, until_ns)
        h0, h1 = self._edges(since_ns, until_ns)
        acc: dict[tuple[Any, ...], list[int]] = {}
        af, ap = (" AND agent = ?", (agent,)) if agent is not None else ("", ())
        # The day bounds let SQLite read the rows in day-group order from the covering
        # index cost_usage_day (no sort), where the rollups have it.
        rows = self._rows(
            "cost_usage",
            _USAGE_ROWS,
            f"""SELECT hour / 24, agent, version, team, provider, model, sum(calls), sum(input), sum(output),
              sum(cache_read), sum(cache_write), sum(reasoning), min(min_input), max(max_input)
            FROM {self.schema}.cost_usage WHERE hour / 24 >= ? AND hour / 24 <= ? AND hour >= ? AND hour < ?{af}
            GROUP BY 1, 2, 3, 4, 5, 6""",
            (_sql_day(h0), _sql_day(h1 - 1), h0, h1, *ap),
        )
        for r in rows:
            _merge(acc, r[:6], r[6:])
        for lo, hi in (
            (since_ns, min(until_ns, h0 * Q.NS_HOUR)),
            (max(since_ns, h1 * Q.NS_HOUR), until_ns),
        ):
            if lo >= hi:
                continue
            where = f"start_ns >= ? AND start_ns < ?{af.replace('agent', Q.AGENT_SQL)}"
            for hour, *rest in self._spans_rows(Q.USAGE_SELECT, where, (lo, hi, *ap)):
                _merge(acc, (hour // 24, *rest[:5]), rest[5:])
        return [
            UsageGroup(
                day=k[0],
                agent=k[1] or None,
                version=k[2] or None,
                team=k[3] or None,
                provider=k[4] or None,
                model=k[5] or None,
                calls=v[0],
                usage=Usage(v[1], v[2], v[3], v[4], v[5]),
                min_input=v[6],
                max_input=v[7],
            )
            for k, v in sorted(acc.items())
        ]

    def expand(self, group: UsageGroup) -> Iterator[tuple[Usage, _dt.datetime]]:
        """The individual calls of a group (for price tiers and time-of-day prices).

        Limited to the window of the last :meth:`usage_groups` call. Spans
        already deleted by retention cannot be expanded: their share is then
        priced at the tier of the average call.
        """
        since, until = self._window
        lo, hi = max(group.day * Q.NS_DAY, since), min((group.day + 1) * Q.NS_DAY, until)
        sql = f"""SELECT {", ".join(_EXPAND)} FROM spans
            WHERE start_ns >= ? AND start_ns < ? AND {Q.AGENT_SQL} = ? AND coalesce(agent_version, '') = ?
              AND coalesce(team, '') = ? AND coalesce(provider, '') = ?
              AND coalesce(response_model, request_model, '') = ? AND {Q.LLM_SQL}"""
        params = (lo, hi, group.agent or "", group.version or "", group.team or "",
                  group.provider or "", group.model or "")  # fmt: skip
        for row in self.conn.execute(sql, params):
            damage = _EXPAND_ROWS.damage(row)
            if damage is not None:
                raise self._damaged(span_damage(row[-2], row[-1], damage))
            start, *counts = row[:6]
            i, o, c_r, c_w, r_s = (x or 0 for x in counts)
            if c_r + c_w > i:
                i += c_r + c_w
            yield Usage(i, max(o, r_s), c_r, c_w, r_s), span_time(start)

    def compute_groups(
        self, since_ns: int, until_ns: int, agent: str | None = None
    ) -> list[ComputeGroup]:
        """Runs per (UTC day, agent, version, team, resource) in the window."""
        h0, h1 = self._edges(since_ns, until_ns)
        af, ap = (" AND agent = ?", (agent,)) if agent is not None else ("", ())
        acc: dict[tuple[Any, ...], list[int]] = {}
        rows = self._rows(
            "cost_compute",
            _COMPUTE_ROWS,
            f"""SELECT hour / 24, agent, version, team, resource_id, sum(runs), sum(run_ns)
            FROM {self.schema}.cost_compute WHERE hour >= ? AND hour < ?{af} GROUP BY 1, 2, 3, 4, 5""",
            (h0, h1, *ap),
        )
        for r in rows:
            _merge(acc, r[:5], r[5:])
        for lo, hi in (
            (since_ns, min(until_ns, h0 * Q.NS_HOUR)),
            (max(since_ns, h1 * Q.NS_HOUR), until_ns),
        ):
            if lo < hi:
                for r in self._rows(
                    "cost_runs",
                    _COMPUTE_ROWS,
                    f"""SELECT start_ns / {Q.NS_DAY}, agent, version, team, resource_id, count(*),
                      sum(max(0, end_ns - start_ns))
                    FROM {self.schema}.cost_runs WHERE has_root AND start_ns >= ? AND start_ns < ?{af}
                    GROUP BY 1, 2, 3, 4, 5""",
                    (lo, hi, *ap),
                ):
                    _merge(acc, r[:5], r[5:])
        resources = self.resources({k[4] for k in acc})
        return [
            ComputeGroup(
                k[0], k[1] or None, k[2] or None, k[3] or None, resources.get(k[4], {}), *v
            )
            for k, v in sorted(acc.items())
        ]

    def resources(self, ids: set[int]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for rid in ids:
            row = self.conn.execute(
                "SELECT attributes FROM resources WHERE id = ?", (rid,)
            ).fetchone()
            try:
                attributes = json.loads(row[0]) if row and row[0] else {}
            except ValueError:
                attributes = None
            if not isinstance(attributes, dict):
                raise self._damaged(f"resource {rid}: attributes are not a JSON object")
            out[rid] = attributes
        return out

    def runs(
        self,
        since_ns: int,
        until_ns: int,
        agent: str | None = None,
        *,
        order: str = "llm_usd",
        limit: int = 10,
        min_llm_usd: float | None = None,
        by_order_index: bool = False,
    ) -> list[RunRow]:
        """Runs (traces with a root span) started in the window, by ``order`` descending.

        ``by_order_index`` walks the index of ``order`` instead of the window's
        (faster when the window holds most runs).
        """
        order_sql, index = {
            "llm_usd": ("llm_usd", "cost_runs_llm"),
            "duration": ("(end_ns - start_ns)", "cost_runs_dur"),
        }[order]
        where = "has_root AND start_ns >= ? AND start_ns < ?"
        params: list[Any] = [since_ns, until_ns]
        if agent is not None:
            where += " AND agent = ?"
            params.append(agent)
        if min_llm_usd is not None:
            where += " AND llm_usd > ?"
            params.append(min_llm_usd)
        hint = f" INDEXED BY {index}" if by_order_index else ""
        rows = self._rows(
            "cost_runs",
            _RUN_ROWS,
            f"""SELECT trace_id, agent, version, team, start_ns, end_ns, status, resource_id, llm_usd,
              llm_calls, unpriced_calls, tokens FROM {self.schema}.cost_runs{hint} WHERE {where}
            ORDER BY {order_sql} DESC LIMIT ?""",
            (*params, limit),
        )
        res = self.resources({r[7] for r in rows})
        return [
            RunRow(
                r[0],
                r[1] or None,
                r[2] or None,
                r[3] or None,
                r[4],
                r[5],
                r[6] or STATUS_OK,
                res.get(r[7], {}),
                float(r[8]),
                r[9],
                r[10],
                r[11],
            )
            for r in rows
        ]

    def count_runs(
        self, since_ns: int, until_ns: int, agent: str | None, min_llm_usd: float
    ) -> int:
        """How many runs in the window spent more than ``min_llm_usd`` on LLM calls."""
        where = "has_root AND start_ns >= ? AND start_ns < ? AND llm_usd > ?"
        params: list[Any] = [since_ns, until_ns, min_llm_usd]
        if agent is not None:
            where += " AND agent = ?"
            params.append(agent)
        return int(
            self.conn.execute(
                f"SELECT count(*) FROM {self.schema}.cost_runs WHERE {where}", params
            ).fetchone()[0]
        )

    def window_share(self, since_ns: int, until_ns: int) -> float:
        """About the share of all runs that started in the window: the share of the time
        from the first run's start to the last one's that the window covers (two index
        look-ups; counting the window's runs took longer than the top-K queries it picks
        an index for, and the answer is exact whichever index they walk)."""
        runs = f"{self.schema}.cost_runs"  # min and max apart: each one index look-up
        ((lo, hi),) = self._rows(
            "cost_runs",
            _RUN_STARTS,
            f"SELECT (SELECT min(start_ns) FROM {runs}), (SELECT max(start_ns) FROM {runs})",
            (),
        )
        if lo is None or hi is None:
            return 0.0
        if hi == lo:
            return 1.0 if since_ns <= lo < until_ns else 0.0
        covered = min(until_ns, hi + 1) - max(since_ns, lo)
        return max(0, covered) / (hi + 1 - lo)

    # -------------------------------------------------------------- damage

    def _rows(self, table: str, check: RowCheck, sql: str, params: tuple[Any, ...]) -> list[Any]:
        """The rows of a query over the rollup ``table``, each one checked by ``check``."""
        rows = self._sums(sql, params)
        for row in rows:
            damage = check.damage(row)
            if damage is not None:
                raise self._damaged(f"the cost rollups are damaged: {table}: {damage}")
        return rows

    def _spans_rows(self, select: str, where: str, params: tuple[Any, ...]) -> list[Any]:
        """The rows of a rollup ``select`` over the spans matching ``where``, read directly
        (the partial hours at either end of a window), once those spans are checked."""
        check_spans(self.conn, Q.SPANS_READ, where, params)
        return self._sums(select.format(where=where), params)

    def _sums(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "integer overflow" not in str(exc):
                raise
            raise self._overflow() from None

    def _overflow(self) -> TelemetryError:
        return self._damaged(
            "token counts or durations add up beyond 64-bit integers: some stored values "
            "are far too large"
        )

    def _damaged(self, what: str) -> TelemetryError:
        return damaged_store(self.conn, what)


# The columns of a span expand() reads; the rollups read SPANS_READ
_EXPAND = ("start_ns", "input_tokens", "output_tokens", "cache_read_tokens",
           "cache_write_tokens", "reasoning_tokens", "trace_id", "span_id")  # fmt: skip
_EXPAND_ROWS = RowCheck(SPAN_KINDS, _EXPAND)


def _sql_day(hour: int) -> int:
    """``hour / 24`` as SQLite computes it (integer division truncates towards zero)."""
    return hour // 24 if hour >= 0 else -(-hour // 24)


def _merge(acc: dict[tuple[Any, ...], list[int]], key: tuple[Any, ...], values: Any) -> None:
    cur = acc.get(key)
    vals = [int(v or 0) for v in values]
    if cur is None:
        acc[key] = vals
        return
    n = len(vals)
    if n == 8:  # usage: sums, then min and max input
        for i in range(6):
            cur[i] += vals[i]
        cur[6] = min(cur[6], vals[6])
        cur[7] = max(cur[7], vals[7])
    else:
        for i in range(n):
            cur[i] += vals[i]
