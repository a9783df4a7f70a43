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
- One writer thread owns all writes: it takes whatever requests are queued
  (bounded by ``max_queue_spans``), stores them in one transaction and only
  then lets their requests answer 200, so "200" means "on disk" and a
  ``kill -9`` loses at most the transaction in flight.
- Memory is bounded: at most ``max_concurrent`` bodies are decoded at once,
  each at most ``max_body_bytes`` on the wire and ``max_decompressed_bytes``
  after gzip.

OTLP/gRPC is not served (it would need grpcio); exporters use http/protobuf.
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
from agentctl.telemetry.otlp_http import TRACES_PATH, Handler, HttpError, ServerBase
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
    store_errors: int = 0
    not_stored: dict[str, int] = field(default_factory=dict)  # signal -> items refused


@dataclass
class _Job:
    spans: list[SpanRecord]
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class _Server(ServerBase):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
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
        max_decompressed_bytes: int = 32 * MiB,
        max_queue_spans: int = 50_000,
        max_concurrent: int = 4,
        commit_timeout_s: float = 30.0,
        retention: RetentionPolicy | None = None,
        on_unstored_signal: Callable[[str], None] | None = None,
    ) -> None:
        """``on_unstored_signal(signal)`` is called once per signal ("metrics",
        "logs") the first time an export of it arrives (on a server thread)."""
        self.store = store
        self.host = host
        self.port = port
        self.max_body_bytes = max_body_bytes
        self.max_decompressed_bytes = max_decompressed_bytes
        self.max_queue_spans = max_queue_spans
        self.commit_timeout_s = commit_timeout_s
        self.retention = retention
        self.stats = ReceiverStats()
        self.on_unstored_signal = on_unstored_signal
        self._stats_lock = threading.Lock()
        self._decode_slots = threading.BoundedSemaphore(max_concurrent)
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._queued = 0
        self._queued_lock = threading.Lock()
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []

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

        cls = _Server6 if ":" in self.host else _Server
        try:
            server = cls((self.host.strip("[]"), self.port), Handler)
        except OSError as exc:
            raise TelemetryError(
                f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}",
                hint="pick another port with --listen HOST:PORT (port 0 picks a free one)",
            ) from None
        server.receiver = self
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
        """Queue spans for the writer and wait until they are committed."""
        if not spans:
            return
        n = len(spans)
        with self._queued_lock:
            if self._queued + n > self.max_queue_spans and self._queued > 0:
                raise HttpError(429, "the trace store is behind; retry later", retry_after=1)
            self._queued += n
        job = _Job(spans)
        self._queue.put(job)
        if not job.done.wait(self.commit_timeout_s):
            raise HttpError(503, "the trace store did not commit in time", retry_after=2)
        if isinstance(job.error, ValueError | OverflowError):  # e.g. text SQLite cannot store
            raise HttpError(400, f"spans cannot be stored: {job.error}")
        if job.error is not None:
            self.stats.store_errors += 1
            raise HttpError(503, f"the trace store failed: {job.error}", retry_after=5)

    def _write_loop(self) -> None:
        next_retention = time.monotonic()
        stopping = False
        while not stopping:
            try:
                first: Any = self._queue.get(timeout=1.0)
            except queue.Empty:
                first = _IDLE
            jobs: list[_Job] = []
            if first is None:
                stopping = True
            elif first is not _IDLE:
                jobs.append(first)
            size = sum(len(j.spans) for j in jobs)
            while size < 20_000:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stopping = True
                    continue
                jobs.append(nxt)
                size += len(nxt.spans)
            if jobs:
                self._commit(jobs, size)
            if self.retention and (stopping or time.monotonic() >= next_retention):
                next_retention = time.monotonic() + self.retention.interval_s
                try:
                    self.store.apply_retention(
                        max_age_ns=self.retention.max_age_ns, max_bytes=self.retention.max_bytes
                    )
                except Exception:
                    self.stats.store_errors += 1

    def _commit(self, jobs: list[_Job], size: int) -> None:
        spans = jobs[0].spans if len(jobs) == 1 else [s for j in jobs for s in j.spans]
        try:
            self.store.insert(spans)
        except Exception as exc:
            if len(jobs) == 1:
                jobs[0].error = exc
            else:  # one bad request must not fail the others merged with it
                for j in jobs:
                    try:
                        self.store.insert(j.spans)
                    except Exception as one:
                        j.error = one
        with self._queued_lock:
            self._queued -= size
        for j in jobs:
            j.done.set()


_IDLE: Any = object()
