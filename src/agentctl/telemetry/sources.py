"""Where ``agentctl trace`` reads traces from: the local store, Jaeger or Grafana Tempo.

Every source answers the same questions: recent traces (as
:class:`TraceSummary`), one trace (as normalised :class:`SpanRecord` s) and
the model calls of listed traces (for pricing). The HTTP sources live in
:mod:`agentctl.telemetry.remote`, imported only when one is used, so the
local path stays quick to start.

A source URL may name its kind (``jaeger+http://host:16686``,
``tempo+https://...``); otherwise Tempo is recognised by ``GET /api/echo``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from agentctl.errors import TelemetryError
from agentctl.spans import SpanRecord
from agentctl.telemetry.store import TraceStore
from agentctl.traces.summary import TraceSummary
from agentctl.urls import without_userinfo

if TYPE_CHECKING:
    from agentctl.telemetry.remote import JaegerSource, SourceAuth, TempoSource


@dataclass(frozen=True)
class Query:
    limit: int = 20
    agent: str | None = None
    conversation: str | None = None
    status: str | None = None  # ok | error
    since_ns: int | None = None


class TraceSource(Protocol):
    description: str

    def recent_traces(self, query: Query) -> list[TraceSummary]: ...

    def trace(self, trace_id: str) -> list[SpanRecord]: ...

    def model_calls(self, trace_ids: list[str]) -> list[SpanRecord]: ...


class LocalSource:
    def __init__(self, store: TraceStore) -> None:
        self.store = store
        self.description = f"store {store.path}"

    def recent_traces(self, query: Query) -> list[TraceSummary]:
        return self.store.recent_traces(
            limit=query.limit,
            agent=query.agent,
            conversation=query.conversation,
            status=query.status,
            since_ns=query.since_ns,
        )

    def trace(self, trace_id: str) -> list[SpanRecord]:
        return self.store.trace(trace_id)

    def model_calls(self, trace_ids: list[str]) -> list[SpanRecord]:
        return self.store.model_calls(trace_ids)


def remote_source(
    url: str, kind: str | None = None, *, timeout: float = 15.0, auth: SourceAuth | None = None
) -> JaegerSource | TempoSource:
    """A Jaeger or Tempo source for ``url`` (``jaeger+http://...``, ``tempo+http://...`` or probed)."""
    from agentctl.telemetry.remote import JaegerSource, SourceAuth, TempoSource, probe_is_tempo

    scheme, sep, rest = url.partition("+")
    if sep and scheme in ("jaeger", "tempo") and rest.startswith(("http://", "https://")):
        kind, url = scheme, rest
    if not url.startswith(("http://", "https://")):
        from agentctl.telemetry.redact import redact_text

        shown = redact_text(without_userinfo(url))
        raise TelemetryError(
            f"--source {shown!r}: expected an http(s) URL, e.g. http://127.0.0.1:16686"
        )
    url, auth = (auth or SourceAuth()).for_url(url)
    if kind is None:
        kind = "tempo" if probe_is_tempo(url, min(timeout, 5.0), auth) else "jaeger"
    if kind == "tempo":
        return TempoSource(url, timeout=timeout, auth=auth)
    if kind == "jaeger":
        return JaegerSource(url, timeout=timeout, auth=auth)
    raise TelemetryError(f"unknown trace source kind {kind!r} (expected jaeger or tempo)")
