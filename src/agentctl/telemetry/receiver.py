"""An OTLP/HTTP trace receiver on a background thread, writing into a TraceStore.

``agentctl collector`` runs it in the foreground; ``agentctl dev`` embeds it.

- ``POST /v1/traces`` with ``application/x-protobuf`` or ``application/json``,
  optionally ``Content-Encoding: gzip``; answered in the request's encoding.
- 200 (with ``partial_success`` when spans were rejected), 400 undecodable,
  404 unknown path, 411 no length, 413 body or decompressed body too large
  (a gzip bomb stops at the decompressed limit), 415 other content type or
  encoding, 429 + ``Retry-After`` when the writer queue is full, 503 when the
  store fails.
- ``POST /v1/metrics`` and ``/v1/logs`` are not stored: they are answered 200
  with an OTLP ``partial_success`` that rejects every data point or log record
  and says why (see :mod:`agentctl.telemetry.otlp_signals`), so an SDK that
  exports every signal to one endpoint neither retries nor fails, and
  ``on_unstored_signal`` tells the operator once per signal.
- One writer thread owns decoding and writes: it takes whatever request
  bodies are queued, decodes them, stores their spans in one transaction and
  only then lets their requests answer 200, so "200" means "on disk" and a
  ``kill -9`` loses at most the transaction in flight.
- Memory is bounded by a byte budget, not by luck. Every body is counted
  against ``max_queue_bytes`` before it is read (its ``Content-Length``) and
  while it is decompressed (step by step, so a gzip bomb stops at
  ``max_decompressed_bytes``); what does not fit is answered 429 with
  ``Retry-After``, and a request that could never fit (more than
  ``max_body_bytes`` on the wire, ``max_decompressed_bytes`` decompressed or
  ``max_queue_bytes`` in all) is answered 413, even when the queue is empty.
  OTLP/JSON builds far more Python objects per byte than protobuf does, so
  it is held to ``max_json_bytes`` and to a count of objects, arrays and
  strings (:func:`agentctl.telemetry.otlp.check_json_shape`).
  Bodies wait undecoded; the one writer decodes one at a time, and a body
  carrying more than ``max_spans_per_request`` spans is counted on the wire
  and refused (413) before it is decoded. OTLP/JSON nested deeper than
  :data:`agentctl.telemetry.otlp.MAX_JSON_DEPTH` is refused (400) before
  parsing.
- The cost rollups (:mod:`agentctl.telemetry.rollup`) are kept current in the
  transaction that stores each batch (``keep_rollups``), after catching up
  with spans stored before the receiver started, so the first ``cost`` after
  a bulk ingest reads them as they are.
- Content is kept only when ``capture_content`` allows it: otherwise the
  attributes and events carrying prompts, outputs and tool arguments are
  dropped before storage (:mod:`agentctl.telemetry.capture`); from protobuf
  bodies while they are decoded, so content is never built or redacted.
- Threads are bounded: ``workers`` threads serve requests from a queue of
  ``backlog``; beyond that a request is answered 503 and closed. Connections
  waiting for a request (idle, kept alive, or sending their head) wait outside
  the pool, at most ``max_parked`` of them (the one idle longest is closed for
  a new one). A request must arrive whole within ``request_timeout_s`` of its
  first byte (else 408) and an idle connection is closed after
  ``idle_timeout_s``. Requests are framed strictly (RFC 9112:
  one decimal ``Content-Length`` or ``Transfer-Encoding: chunked`` alone, no
  folded or malformed header lines); anything a proxy could frame differently
  is answered 400 (or 501/505) and its connection closed, see
  :mod:`agentctl.telemetry.otlp_http`. Refusals are logged one line each on
  the ``agentctl.telemetry.receiver`` logger; no input prints a traceback.

OTLP/gRPC is not served (it would need grpcio; the reasons are in
docs/explanation/telemetry.md); exporters use http/protobuf.
"""

from __future__ import annotations

import ipaddress
import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentctl.spans import SpanRecord
from agentctl.telemetry.capture import drop_content
from agentctl.telemetry.otlp import (
    OtlpDecodeError,
    OtlpTooLarge,
    ParseResult,
    parse_json,
    parse_protobuf,
)
from agentctl.telemetry.otlp_http import TRACES_PATH, Handler, HttpError, ServerBase, log
from agentctl.telemetry.store import TraceStore

MiB = 1024 * 1024


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class RetentionPolicy:
    max_age_ns: int | None = None
    max_bytes: int | None = None
    interval_s: float = 300.0


@dataclass
class ReceiverStats:
    requests: int = 0
    spans_accepted: int = 0
    spans_rejected: int = 0
    throttled: int = 0
    refused: int = 0  # 4xx other than 429
    connections_refused: int = 0  # 503: the request queue full, or the parked connections
    store_errors: int = 0
    not_stored: dict[str, int] = field(default_factory=dict)  # signal -> items refused


class ByteBudget:
    """Bytes of request bodies the receiver holds (read, decompressed or queued)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.used = 0
        self._lock = threading.Lock()

    def reserve(self, n: int) -> bool:
        with self._lock:
            if self.used + n > self.capacity:
                return False
            self.used += n
            return True

    def release(self, n: int) -> None:
        if n:
            with self._lock:
                self.used -= n


@dataclass
class _Job:
    body: bytes
    as_json: bool
    reserved: int
    done: threading.Event = field(default_factory=threading.Event)
    result: ParseResult | None = None
    error: BaseException | None = None


class _Server(ServerBase):
    allow_reuse_address = True
    request_queue_size = 128
    receiver: OtlpReceiver


class _Server6(_Server):
    address_family = socket.AF_INET6


class OtlpReceiver:
    """OTLP/HTTP receiver; ``start()`` returns once the port is bound."""

    def __init__(
        self,
        store: TraceStore,
        host: str = "127.0.0.1",
        port: int = 4318,
        *,
        max_body_bytes: int = 8 * MiB,
        max_decompressed_bytes: int = 8 * MiB,
        max_queue_bytes: int = 24 * MiB,
        max_json_bytes: int = 4 * MiB,
        max_spans_per_request: int = 8192,
        workers: int = 16,
        backlog: int = 64,
        max_parked: int = 512,
        request_timeout_s: float = 30.0,
        idle_timeout_s: float = 10.0,
        commit_timeout_s: float = 30.0,
        capture_content: bool = True,
        keep_rollups: bool = True,
        freeze_heap: bool = False,
        retention: RetentionPolicy | None = None,
        on_unstored_signal: Callable[[str], None] | None = None,
        port_option: str = "--listen HOST:PORT",
    ) -> None:
        """``on_unstored_signal(signal)`` is called once per signal ("metrics",
        "logs") the first time an export of it arrives (on a server thread).
        ``freeze_heap`` (for a process that does nothing else, as ``agentctl collector``)
        hides the heap that lives as long as the process from the garbage collector
        (:meth:`_freeze_heap`). ``port_option`` is the option that picks the port, for the
        hint when it is taken."""
        self.store = store
        self.port_option = port_option
        self.host = host
        self.port = port
        self.max_body_bytes = max_body_bytes
        self.max_decompressed_bytes = max_decompressed_bytes
        self.max_queue_bytes = max_queue_bytes
        self.max_json_bytes = max_json_bytes
        self.max_spans_per_request = max_spans_per_request
        self.workers = workers
        self.backlog = backlog
        self.max_parked = max_parked
        self.request_timeout_s = request_timeout_s
        self.idle_timeout_s = idle_timeout_s
        self.budget = ByteBudget(max_queue_bytes)
        self.commit_timeout_s = commit_timeout_s
        self.capture_content = capture_content
        self.keep_rollups = keep_rollups
        self.retention = retention
        self.stats = ReceiverStats()
        self.on_unstored_signal = on_unstored_signal
        self._stats_lock = threading.Lock()
        self.signal_lock = threading.Lock()  # metrics/logs bodies are counted one at a time
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []
        # freezes of the long-lived heap still to come (_freeze_heap)
        self._unfrozen = 2 if freeze_heap else 0

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def traces_url(self) -> str:
        return self.url + TRACES_PATH

    def start(self) -> None:
        from agentctl.errors import TelemetryError

        _return_freed_memory()
        cls = _Server6 if ":" in self.host else _Server
        server = cls((self.host.strip("[]"), self.port), Handler, bind_and_activate=False)
        server.receiver = self
        server.workers, server.backlog = self.workers, self.backlog
        server.max_parked = self.max_parked
        try:
            server.server_bind()
            server.server_activate()
        except OSError as exc:
            server.server_close()
            raise TelemetryError(
                f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}",
                hint=f"pick another port with {self.port_option} (port 0 picks a free one)",
            ) from None
        self._server = server
        self.port = server.server_address[1]
        writer = threading.Thread(target=self._write_loop, name="otlp-writer", daemon=True)
        serve = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="otlp-http",
            daemon=True,
        )
        self._threads = [writer, serve]
        writer.start()
        serve.start()

    def stop(self) -> None:
        """Stop accepting, store everything already accepted, then return."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._queue.put(None)
        for t in self._threads:
            t.join(timeout=30)
        self._server = None
        self._threads = []

    def __enter__(self) -> OtlpReceiver:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ writing

    def not_stored(self, signal: str, count: int) -> None:
        """Count an export of a signal this receiver does not store."""
        with self._stats_lock:
            first = signal not in self.stats.not_stored
            self.stats.not_stored[signal] = self.stats.not_stored.get(signal, 0) + count
        if first and self.on_unstored_signal is not None:
            self.on_unstored_signal(signal)

    def submit(self, spans: list[SpanRecord]) -> None:
        """Store spans made in this process (e.g. a workflow's root span) through the
        writer, and wait until they are committed."""
        if spans:
            self._wait(_Job(b"", False, 0, result=ParseResult(spans=list(spans))))

    def submit_body(self, body: bytes, as_json: bool, reserved: int) -> ParseResult:
        """Queue an export body (``reserved`` bytes of the budget, released once it is
        stored) and wait until its spans are committed."""
        return self._wait(_Job(body, as_json, reserved))

    def _wait(self, job: _Job) -> ParseResult:
        self._queue.put(job)
        if not job.done.wait(self.commit_timeout_s):
            raise HttpError(503, "the trace store did not commit in time", retry_after=2)
        error = job.error
        if isinstance(error, OtlpTooLarge):
            raise HttpError(413, error.message)
        if isinstance(error, OtlpDecodeError):
            raise HttpError(400, error.message)
        if isinstance(error, ValueError | OverflowError):  # e.g. text SQLite cannot store
            raise HttpError(400, f"spans cannot be stored: {error}")
        if error is not None:
            self.stats.store_errors += 1
            raise HttpError(503, f"the trace store failed: {error}", retry_after=5)
        assert job.result is not None
        return job.result

    def _decode(self, job: _Job) -> tuple[int, int]:
        """Decode a queued body into its result (or error): (spans, body bytes)."""
        size = len(job.body)
        if job.result is not None:  # made in this process: nothing to decode
            return len(job.result.spans), 0
        try:
            if job.as_json:
                job.result = parse_json(job.body, max_spans=self.max_spans_per_request)
            else:  # content is dropped while decoding, never redacted first
                job.result = parse_protobuf(
                    job.body,
                    max_spans=self.max_spans_per_request,
                    keep_content=self.capture_content,
                )
            if not self.capture_content and job.as_json:
                for span in job.result.spans:
                    drop_content(span)
        except (OtlpDecodeError, RecursionError, ValueError, OverflowError) as exc:
            job.result = None
            job.error = exc if isinstance(exc, OtlpDecodeError) else OtlpDecodeError(str(exc))
            return 0, size
        except Exception as exc:  # one request's body must never stop the writer
            log.warning("a request could not be decoded (%s: %s)", type(exc).__name__, exc)
            job.result = None
            job.error = OtlpDecodeError(f"could not be decoded ({type(exc).__name__})")
            return 0, size
        finally:
            job.body = b""
        return len(job.result.spans), size

    def _keep_rollups(self) -> None:
        """Maintain the cost rollups in every insert's transaction, after catching up with
        spans stored before (so the first ``cost`` after a bulk ingest has nothing to build)."""
        from agentctl.cost.prices import Pricer
        from agentctl.telemetry.rollup import CostRollup

        rollup = CostRollup(self.store.connection, Pricer())
        try:
            with self.store.write_lock():
                rollup.catch_up()
        except Exception as exc:
            log.warning("%s: cost rollups not brought up to date (%s)", self.store.path, exc)
        self.store.after_insert = rollup.catch_up

    def _write_loop(self) -> None:
        if self.keep_rollups:
            self._keep_rollups()
        next_retention = time.monotonic()
        stopping = False
        while not stopping:
            try:
                first: Any = self._queue.get(timeout=1.0)
            except queue.Empty:
                first = _IDLE
            jobs: list[_Job] = []
            spans = size = 0
            if first is None:
                stopping = True
            elif first is not _IDLE:
                jobs.append(first)
                spans, size = self._decode(first)
            while spans < _BATCH_SPANS and size < _BATCH_BYTES:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stopping = True
                    continue
                jobs.append(nxt)
                more, more_size = self._decode(nxt)
                spans, size = spans + more, size + more_size
            if jobs:
                self._commit(jobs)
                if self._unfrozen:
                    self._freeze_heap()
            if self.retention and (stopping or time.monotonic() >= next_retention):
                next_retention = time.monotonic() + self.retention.interval_s
                try:
                    self.store.apply_retention(
                        max_age_ns=self.retention.max_age_ns, max_bytes=self.retention.max_bytes
                    )
                except Exception:
                    self.stats.store_errors += 1

    def _freeze_heap(self) -> None:
        """Move what the collector keeps for its lifetime (modules, the price data the rollups
        load with the first model call) out of the garbage collector's sight, once after the
        first commit and once more after the price data arrived: every request allocates
        thousands of objects, and each full collection would otherwise walk that heap again
        (about a tenth of the CPU per span). Cycles are collected first, and the freeze waits
        for a moment when no request body is held or queued, so that nothing a request holds
        (a body, a refused request's exception) is frozen: what is frozen is never collected
        as a cycle again."""
        import gc
        import sys

        if self.budget.used or not self._queue.empty():
            return
        priced = "genai_prices.data_snapshot" in sys.modules
        if self._unfrozen == 2 or priced:
            gc.collect()
            gc.freeze()
            self._unfrozen = 0 if priced else 1

    def _commit(self, jobs: list[_Job]) -> None:
        good = [j for j in jobs if j.result is not None and j.result.spans]
        try:
            if len(good) == 1:
                self.store.insert(good[0].result.spans)  # type: ignore[union-attr]
            elif good:
                self.store.insert([s for j in good for s in j.result.spans])  # type: ignore[union-attr]
        except Exception as exc:
            if len(good) == 1:
                good[0].error = exc
            else:  # one bad request must not fail the others merged with it
                for j in good:
                    try:
                        self.store.insert(j.result.spans)  # type: ignore[union-attr]
                    except Exception as one:
                        j.error = one
        for j in jobs:
            self.budget.release(j.reserved)
            j.reserved = 0
            j.done.set()


# Decoded spans held for one transaction (bounds the writer's memory).
_BATCH_SPANS = 8192
_BATCH_BYTES = 4 * MiB
_IDLE: Any = object()


def _return_freed_memory() -> None:
    """Make glibc give large freed buffers back to the system.

    Request bodies are megabytes each and freed by other threads than the ones
    that allocated them; by default glibc raises its mmap threshold after the
    first such free and keeps one heap per thread, so freed bodies stay in
    the process and RSS creeps towards workers x budget. A fixed 128 KiB
    threshold (bodies are mmapped and unmapped when freed) and two heaps keep
    RSS near what is actually held. Elsewhere than glibc this does nothing.
    """
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD (fixed: no dynamic raise)
        libc.mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        return
