"""Jaeger and Grafana Tempo as trace sources: HTTP APIs answering OTLP/JSON.

Jaeger (api_v3) and Tempo both answer in OTLP/JSON, so one parser
(:func:`agentctl.telemetry.otlp.parse_json`) serves both, and the store's
redaction applies to remote spans too.

- Jaeger: ``GET /api/v3/services``, ``GET /api/v3/traces?query.service_name=S
  &query.start_time_min=T&query.start_time_max=T&query.search_depth=N``
  (``{"result": {"resourceSpans": [...]}}``, possibly several documents in a
  row), ``GET /api/v3/traces/{id}``.
- Tempo: ``GET /api/search?q=<TraceQL>&limit=N&start=S&end=S``
  (``{"traces": [{"traceID": ...}]}``), ``GET /api/v2/traces/{id}``
  (``{"trace": {"resourceSpans": [...]}}``; older ``{"batches": [...]}``
  accepted too).
"""

from __future__ import annotations

import datetime as _dt
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from agentctl.errors import TelemetryError
from agentctl.spans import SpanRecord
from agentctl.telemetry.otlp import OtlpDecodeError, parse_json
from agentctl.telemetry.sources import Query
from agentctl.traces.summary import TraceSummary, summarise

DEFAULT_WINDOW_NS = 24 * 3600 * 1_000_000_000  # remote searches look back one day by default
_MAX_SERVICES = 50


class _Remembering:
    """Remote sources keep the spans of the traces they listed, for pricing."""

    def __init__(self) -> None:
        self._seen: dict[str, list[SpanRecord]] = {}

    def model_calls(self, trace_ids: list[str]) -> list[SpanRecord]:
        return [sp for tid in trace_ids for sp in self._seen.get(tid, []) if sp.is_llm_call]

    def _remember(self, groups: dict[str, list[SpanRecord]]) -> dict[str, list[SpanRecord]]:
        self._seen.update(groups)
        return groups


class _Http:
    def __init__(self, base_url: str, timeout: float) -> None:
        self.base = base_url.rstrip("/")
        self.timeout = timeout

    def get(
        self, path: str, params: dict[str, Any] | None = None, *, missing_ok: bool = False
    ) -> bytes | None:
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        req = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return bytes(resp.read())
        except urllib.error.HTTPError as exc:
            if missing_ok and exc.code == 404:
                return None
            detail = exc.read(300).decode("utf-8", "replace").strip()
            raise TelemetryError(f"{url}: HTTP {exc.code} {detail}".rstrip()) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise TelemetryError(
                f"{self.base}: cannot reach the trace backend: {reason}",
                hint="check --source, or reach an in-cluster backend with --port-forward svc/NAME",
            ) from None


def _documents(body: bytes) -> Iterable[Any]:
    """One or more JSON documents back to back (grpc-gateway streams chunks that way)."""
    text = body.decode("utf-8", "replace")
    decoder = json.JSONDecoder()
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        try:
            doc, i = decoder.raw_decode(text, i)
        except ValueError as exc:
            raise OtlpDecodeError(f"the trace backend answered with invalid JSON: {exc}") from None
        yield doc


def _spans_of(doc: Any, *keys: str) -> list[SpanRecord]:
    for key in keys:
        if isinstance(doc, dict) and isinstance(doc.get(key), dict):
            doc = doc[key]
    if isinstance(doc, dict) and "batches" in doc and "resourceSpans" not in doc:
        doc = {"resourceSpans": doc["batches"]}
    return parse_json(doc).spans if isinstance(doc, dict) else []


def _group(spans: Iterable[SpanRecord]) -> dict[str, list[SpanRecord]]:
    out: dict[str, list[SpanRecord]] = {}
    for sp in spans:
        out.setdefault(sp.trace_id, []).append(sp)
    return out


def _matches(s: TraceSummary, q: Query) -> bool:
    if q.agent and q.agent not in (s.agent_name, s.service_name):
        return False
    if q.conversation and s.conversation_id != q.conversation:
        return False
    if q.status and s.status != q.status:
        return False
    return not (q.since_ns and s.start_unix_nano < q.since_ns)


def _finish(groups: dict[str, list[SpanRecord]], q: Query) -> list[TraceSummary]:
    sums = [summarise(tid, spans) for tid, spans in groups.items()]
    sums = [s for s in sums if _matches(s, q)]
    sums.sort(key=lambda s: s.start_unix_nano, reverse=True)
    return sums[: q.limit]


def _one_trace(http: _Http, path: str, key: str) -> list[SpanRecord]:
    """The spans of one trace (empty when the backend does not know it), by start time."""
    body = http.get(path, missing_ok=True)
    spans: list[SpanRecord] = []
    for doc in _documents(body or b""):
        spans.extend(_spans_of(doc, key))
    return sorted(spans, key=lambda s: s.start_unix_nano)


def _rfc3339(ns: int) -> str:
    return _dt.datetime.fromtimestamp(ns / 1e9, tz=_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class JaegerSource(_Remembering):
    def __init__(self, base_url: str, *, timeout: float = 15.0) -> None:
        super().__init__()
        self.http = _Http(base_url, timeout)
        self.description = f"Jaeger {self.http.base}"

    def services(self) -> list[str]:
        body = self.http.get("/api/v3/services") or b"{}"
        doc: Any = next(iter(_documents(body)), {})
        return [str(s) for s in (doc.get("services") or [])][:_MAX_SERVICES]

    def recent_traces(self, query: Query) -> list[TraceSummary]:
        now = time.time_ns()
        since = query.since_ns or now - DEFAULT_WINDOW_NS
        services = [query.agent] if query.agent else self.services()
        groups: dict[str, list[SpanRecord]] = {}
        for service in services:
            body = self.http.get(
                "/api/v3/traces",
                {
                    "query.service_name": service,
                    "query.start_time_min": _rfc3339(since),
                    "query.start_time_max": _rfc3339(now + 60_000_000_000),
                    "query.search_depth": max(query.limit * 5, 20),
                },
                missing_ok=True,
            )
            for doc in _documents(body or b""):
                for tid, spans in _group(_spans_of(doc, "result")).items():
                    groups.setdefault(tid, []).extend(spans)
        return _finish(self._remember(groups), query)

    def trace(self, trace_id: str) -> list[SpanRecord]:
        return _one_trace(self.http, f"/api/v3/traces/{urllib.parse.quote(trace_id)}", "result")


def traceql(query: Query) -> str:
    def lit(v: str) -> str:
        return json.dumps(v)

    parts = []
    if query.agent:
        a = lit(query.agent)
        parts.append(f"{{ resource.service.name = {a} || resource.gen_ai.agent.name = {a} }}")
    if query.conversation:
        parts.append(f"{{ span.gen_ai.conversation.id = {lit(query.conversation)} }}")
    if query.status == "error":
        parts.append("{ status = error }")
    return " && ".join(parts) or "{}"


class TempoSource(_Remembering):
    def __init__(self, base_url: str, *, timeout: float = 15.0) -> None:
        super().__init__()
        self.http = _Http(base_url, timeout)
        self.description = f"Tempo {self.http.base}"

    def recent_traces(self, query: Query) -> list[TraceSummary]:
        now = time.time_ns()
        since = query.since_ns or now - DEFAULT_WINDOW_NS
        body = self.http.get(
            "/api/search",
            {
                "q": traceql(query),
                "limit": max(query.limit * (3 if query.status == "ok" else 1), query.limit),
                "start": since // 1_000_000_000,
                "end": now // 1_000_000_000 + 60,
            },
        )
        doc: Any = next(iter(_documents(body or b"")), {})
        ids = [
            str(t.get("traceID") or "") for t in (doc.get("traces") or []) if isinstance(t, dict)
        ]
        ids = [i for i in ids if i]
        with ThreadPoolExecutor(max_workers=8) as pool:
            traces = list(pool.map(self.trace, ids))
        groups = {spans[0].trace_id: spans for spans in traces if spans}
        return _finish(self._remember(groups), query)

    def trace(self, trace_id: str) -> list[SpanRecord]:
        return _one_trace(self.http, f"/api/v2/traces/{urllib.parse.quote(trace_id)}", "trace")


def probe_is_tempo(url: str, timeout: float) -> bool:
    """Tempo answers ``GET /api/echo`` with ``echo``; Jaeger does not."""
    try:
        answer = _Http(url, timeout).get("/api/echo", missing_ok=True)
    except TelemetryError:
        return False
    return answer is not None and answer.strip() == b"echo"
