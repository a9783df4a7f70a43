"""Retention for the trace store: drop whole traces by age, then by size.

A trace's age counts from its last span (``traces.end_ns``): a trace is old once
every span of it ended longer ago than the retention, so neither one span stamped
at the epoch (a broken clock) nor a run longer than the retention takes the
trace's recent spans with it. Traces (never single spans) are deleted oldest
first, in small transactions so a reader or the receiver's writer is never
blocked for long. Freed pages
are reused by SQLite; the file does not shrink (run ``VACUUM`` by hand for that).
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Any

_CHUNK = 500  # traces per delete transaction
_RESOURCES_WORTH_SCANNING = 1000


@dataclass(frozen=True)
class RetentionResult:
    traces_deleted: int
    spans_deleted: int
    used_bytes: int


class RetentionMixin:
    _conn: sqlite3.Connection
    _lock: threading.RLock
    _resource_ids: dict[str, int]
    _resources: dict[int, dict[str, Any]]

    def used_bytes(self) -> int:
        """Bytes of the database file in use (free pages excluded; the WAL not counted)."""
        with self._lock:
            c = self._conn
            pages = c.execute("PRAGMA page_count").fetchone()[0]
            free = c.execute("PRAGMA freelist_count").fetchone()[0]
            size = c.execute("PRAGMA page_size").fetchone()[0]
        return int((pages - free) * size)

    def _delete_oldest(
        self, *, before_ns: int | None = None, count: int | None = None
    ) -> tuple[int, int]:
        traces = spans = 0
        while count is None or traces < count:
            n = _CHUNK if count is None else min(_CHUNK, count - traces)
            with self._lock:
                c = self._conn
                c.execute("BEGIN IMMEDIATE")
                try:
                    if before_ns is None:
                        ids = c.execute(
                            "SELECT trace_id FROM traces ORDER BY start_ns LIMIT ?", (n,)
                        ).fetchall()
                    else:  # ended before: started before too (the start index finds them)
                        ids = c.execute(
                            "SELECT trace_id FROM traces WHERE start_ns < ? AND end_ns < ?"
                            " ORDER BY start_ns LIMIT ?",
                            (before_ns, before_ns, n),
                        ).fetchall()
                    for (trace_id,) in ids:
                        spans += c.execute(
                            "DELETE FROM spans WHERE trace_id = ?", (trace_id,)
                        ).rowcount
                    c.executemany("DELETE FROM traces WHERE trace_id = ?", ids)
                    c.executemany("DELETE FROM trace_costs WHERE trace_id = ?", ids)
                    c.execute("COMMIT")
                except BaseException:
                    c.execute("ROLLBACK")
                    raise
            traces += len(ids)
            if len(ids) < n:
                break
        return traces, spans

    def _drop_unused_resources(self) -> None:
        """Forget resources no span uses any more, when there are enough to matter: finding
        them scans every span, so it is not worth it for the usual handful of pods."""
        with self._lock:
            c = self._conn
            if (
                c.execute("SELECT count(*) FROM resources").fetchone()[0]
                < _RESOURCES_WORTH_SCANNING
            ):
                return
            c.execute("BEGIN IMMEDIATE")
            try:
                c.execute(
                    "DELETE FROM resources WHERE id NOT IN (SELECT DISTINCT resource_id FROM spans"
                    " WHERE resource_id IS NOT NULL)"
                )
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise
            self._resource_ids.clear()
            self._resources.clear()

    def apply_retention(
        self,
        *,
        max_age_ns: int | None = None,
        max_bytes: int | None = None,
        now_ns: int | None = None,
    ) -> RetentionResult:
        """Delete traces whose last span ended more than ``max_age_ns`` ago, then the
        earliest started traces until the store uses at most ``max_bytes`` (with 10% headroom)."""
        traces = spans = 0
        if max_age_ns is not None:
            now = time.time_ns() if now_ns is None else now_ns
            t, s = self._delete_oldest(before_ns=now - max_age_ns)
            traces, spans = traces + t, spans + s
        if max_bytes is not None:
            for _ in range(8):
                used = self.used_bytes()
                if used <= max_bytes:
                    break
                with self._lock:
                    total = self._conn.execute("SELECT count(*) FROM traces").fetchone()[0]
                if not total:
                    break
                share = 1 - (max_bytes * 0.9) / used
                t, s = self._delete_oldest(count=max(1, math.ceil(total * share)))
                traces, spans = traces + t, spans + s
        if traces:
            self._drop_unused_resources()
        return RetentionResult(traces, spans, self.used_bytes())
