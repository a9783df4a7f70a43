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

Answers are bounded: at most :data:`MAX_RESPONSE_BYTES` are read from one
response and JSON nested deeper than :data:`agentctl.telemetry.otlp.MAX_JSON_DEPTH`
is refused before parsing; an answer of the wrong shape (an array where an
object belongs, a non-object span list, a document without the key its API
answers under, a search result without a ``traceID`` string) is a
:class:`TelemetryError` (exit 2) naming the endpoint and what it answered, never
read as no traces. Only a well-formed empty answer (``{}``, ``{"traces": []}``,
``{"result": {"resourceSpans": []}}`` and the like) is no traces.

Authentication (:class:`SourceAuth`): a bearer token, or basic auth, and
Tempo's ``X-Scope-OrgID`` tenant header, from ``--source-token``,
``--source-user``/``--source-password`` and ``--source-org`` or their
environment variables (``AGENTCTL_SOURCE_TOKEN`` and so on), or basic auth from
the user info of the source URL (:meth:`SourceAuth.for_url`). Credentials are sent as headers
only; they never appear in messages (user info in a URL is masked too), and
a redirect is never followed (:mod:`agentctl.telemetry.outbound`), so they never
reach another host.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from agentctl.errors import TelemetryError, UsageError, echoed
from agentctl.spans import SpanRecord
from agentctl.telemetry.otlp import MAX_JSON_DEPTH, OtlpDecodeError, json_depth, parse_json
from agentctl.telemetry.outbound import (
    check_header_value,
    is_redirect,
    read_capped,
    redirected,
    urlopen,
)
from agentctl.telemetry.redact import redact_text
from agentctl.telemetry.sources import Query
from agentctl.traces.summary import TraceSummary, summarise
from agentctl.urls import without_userinfo

DEFAULT_WINDOW_NS = 24 * 3600 * 1_000_000_000  # remote searches look back one day by default
_MAX_SERVICES = 50
MAX_RESPONSE_BYTES = 64 * 1024 * 1024


class SourceAuth:
    """Credentials for a remote trace backend; ``repr`` and messages never show them."""

    def __init__(
        self,
        token: str | None = None,
        user: str | None = None,
        password: str | None = None,
        org_id: str | None = None,
    ) -> None:
        if token and user:
            raise TelemetryError(
                "--source-token and --source-user do not go together (bearer or basic auth)"
            )
        for flag, value in (("--source-token", token), ("--source-org", org_id)):
            check_header_value(
                value, flag, f"check the value of {flag} (or of the variable it was read from)"
            )
        self._token, self._user, self._password, self.org_id = token, user, password, org_id

    def __repr__(self) -> str:
        kind = "bearer" if self._token else "basic" if self._user else "none"
        return f"SourceAuth({kind}, org_id={self.org_id!r})"

    def headers(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self._token:
            out["Authorization"] = f"Bearer {self._token}"
        elif self._user:
            pair = f"{self._user}:{self._password or ''}".encode()
            out["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        if self.org_id:
            out["X-Scope-OrgID"] = self.org_id
        return out

    def secrets(self) -> list[str]:
        return [s for s in (self._token, self._password) if s]

    def for_url(self, url: str) -> tuple[str, SourceAuth]:
        """``url`` without its user info, and the credentials to send there.

        User info in a source URL (``http://user:password@host``, percent-encoded
        as in any URL) is basic auth, as curl and requests read it. Given
        together with credentials of the flags or their variables
        (``--source-user``, ``--source-password``, ``--source-token``), it is
        refused rather than one silently winning: which of two passwords reaches
        the backend would not show until it answers 401. ``--source-org`` goes
        with either.
        """
        parts = urllib.parse.urlsplit(url)
        if parts.username is None:
            if self._password and not self._user:
                raise TelemetryError("--source-password needs --source-user")
            return url, self
        given = [
            flag
            for flag, value in (
                ("--source-token", self._token),
                ("--source-user", self._user),
                ("--source-password", self._password),
            )
            if value
        ]
        if given:
            raise UsageError(
                f"--source {redact_text(without_userinfo(url))}: user info in the URL "
                f"and {given[0]} (or its environment variable) both give credentials; "
                "give them one way"
            )
        user = urllib.parse.unquote(parts.username)
        password = urllib.parse.unquote(parts.password) if parts.password is not None else None
        return without_userinfo(url), SourceAuth(user=user, password=password, org_id=self.org_id)


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
    def __init__(self, base_url: str, timeout: float, auth: SourceAuth | None = None) -> None:
        self.base = base_url.rstrip("/")
        self.shown = redact_text(without_userinfo(self.base))  # no password, no ?token=
        self.timeout = timeout
        self.auth = auth or SourceAuth()

    def _clean(self, text: str) -> str:
        for secret in self.auth.secrets():
            text = text.replace(secret, "[REDACTED]")
        return redact_text(text)

    def get(
        self, path: str, params: dict[str, Any] | None = None, *, missing_ok: bool = False
    ) -> bytes | None:
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        shown = self.shown + path
        headers = {"Accept": "application/json", **self.auth.headers()}
        req = urllib.request.Request(url, headers=headers)
        deadline = time.monotonic() + self.timeout  # for the whole answer, not each read
        try:
            with urlopen(req, timeout=self.timeout) as resp:
                body = read_capped(resp, MAX_RESPONSE_BYTES, deadline)
        except urllib.error.HTTPError as exc:
            if is_redirect(exc):
                raise TelemetryError(redirected(shown, exc), hint="check --source") from None
            if missing_ok and exc.code == 404:
                return None
            detail = self._clean(exc.read(300).decode("utf-8", "replace").strip())
            hint = None
            if exc.code in (401, 403):
                hint = (
                    "pass credentials with --source-token, or --source-user and "
                    "--source-password (or AGENTCTL_SOURCE_TOKEN, AGENTCTL_SOURCE_USER, "
                    "AGENTCTL_SOURCE_PASSWORD); Tempo tenants with --source-org"
                )
            raise TelemetryError(f"{shown}: HTTP {exc.code} {detail}".rstrip(), hint=hint) from None
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            reason = self._clean(str(getattr(exc, "reason", exc)))
            raise TelemetryError(
                f"{self.shown}: cannot reach the trace backend: {reason}",
                hint="check --source, or reach an in-cluster backend with --port-forward svc/NAME",
            ) from None
        if body is None:
            raise _too_large(shown)
        return body

    def documents(
        self, path: str, params: dict[str, Any] | None = None, *, missing_ok: bool = False
    ) -> list[Any]:
        """The JSON documents of one answer (none for a missing one), checked for depth."""
        body = self.get(path, params, missing_ok=missing_ok)
        try:
            return list(_documents(body or b""))
        except OtlpDecodeError as exc:
            raise TelemetryError(f"{self.shown}{path}: {exc.message}") from None


def _too_large(shown: str) -> TelemetryError:
    return TelemetryError(
        f"{shown}: the trace backend answered more than {MAX_RESPONSE_BYTES} bytes",
        hint="narrow the query (--since, --agent, --limit)",
    )


def _documents(body: bytes) -> Iterable[Any]:
    """One or more JSON documents back to back (grpc-gateway streams chunks that way)."""
    if json_depth(body) > MAX_JSON_DEPTH:
        raise OtlpDecodeError(
            f"the trace backend answered JSON nested more than {MAX_JSON_DEPTH} levels deep"
        )
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
        except (ValueError, RecursionError) as exc:
            raise OtlpDecodeError(f"the trace backend answered with invalid JSON: {exc}") from None
        yield doc


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a JSON array"
    if isinstance(value, dict):
        return "a JSON object"
    return f"JSON {type(value).__name__} {echoed(value)}" if value is not None else "null"


def _object(doc: Any, where: str, what: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise TelemetryError(f"{where}: expected {what} (a JSON object), got {_describe(doc)}")
    return doc


def _array(value: Any, where: str, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TelemetryError(f"{where}: expected {what} (a JSON array), got {_describe(value)}")
    return value


def _keys(doc: dict[str, Any]) -> str:
    names = sorted(doc)
    shown = ", ".join(echoed(str(k)) for k in names[:5])
    return f"a JSON object with keys {shown}" + (", ..." if len(names) > 5 else "")


def _field(
    doc: dict[str, Any], key: str, where: str, what: str, *, also: Iterable[str] = ()
) -> Any:
    """``doc[key]``; a document without it stands for nothing found only when it holds
    nothing else (but the ``also`` keys): an answer of another shape is an error, never
    read as no traces."""
    if key in doc:
        return doc[key]
    if set(doc) - set(also):
        raise TelemetryError(f'{where}: expected {what} under "{key}", got {_keys(doc)}')
    return None


# The keys of an OTLP/JSON trace document; Tempo before 2.0 says "batches".
_OTLP_KEYS = frozenset({"resourceSpans", "resource_spans", "batches"})


def _spans_of(doc: Any, where: str, key: str) -> list[SpanRecord]:
    doc = _object(doc, where, "a trace document")
    if key in doc:
        doc = _object(doc[key], where, f'"{key}"')
    if doc and not doc.keys() & _OTLP_KEYS:
        raise TelemetryError(
            f'{where}: expected a trace document ("{key}" holding "resourceSpans"), '
            f"got {_keys(doc)}"
        )
    if "batches" in doc and "resourceSpans" not in doc:
        doc = {"resourceSpans": doc["batches"]}
    try:
        return parse_json(doc).spans
    except OtlpDecodeError as exc:
        raise TelemetryError(f"{where}: {exc.message}") from None


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
    spans: list[SpanRecord] = []
    for doc in http.documents(path, missing_ok=True):
        spans.extend(_spans_of(doc, http.shown + path, key))
    return sorted(spans, key=lambda s: s.start_unix_nano)


def _rfc3339(ns: int) -> str:
    return _dt.datetime.fromtimestamp(ns / 1e9, tz=_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class JaegerSource(_Remembering):
    def __init__(
        self, base_url: str, *, timeout: float = 15.0, auth: SourceAuth | None = None
    ) -> None:
        super().__init__()
        self.http = _Http(base_url, timeout, auth)
        self.description = f"Jaeger {self.http.shown}"

    def services(self) -> list[str]:
        where = self.http.shown + "/api/v3/services"
        docs = self.http.documents("/api/v3/services") or [{}]
        doc = _object(docs[0], where, "the list of services")
        names = _array(_field(doc, "services", where, "the list of services"), where, '"services"')
        for name in names:
            if not isinstance(name, str):
                raise TelemetryError(
                    f'{where}: expected each of "services" to be a string, got {_describe(name)}'
                )
        return names[:_MAX_SERVICES]

    def recent_traces(self, query: Query) -> list[TraceSummary]:
        now = time.time_ns()
        since = query.since_ns or now - DEFAULT_WINDOW_NS
        services = [query.agent] if query.agent else self.services()
        where = self.http.shown + "/api/v3/traces"
        groups: dict[str, list[SpanRecord]] = {}
        for service in services:
            docs = self.http.documents(
                "/api/v3/traces",
                {
                    "query.service_name": service,
                    "query.start_time_min": _rfc3339(since),
                    "query.start_time_max": _rfc3339(now + 60_000_000_000),
                    "query.search_depth": max(query.limit * 5, 20),
                },
                missing_ok=True,
            )
            for doc in docs:
                for tid, spans in _group(_spans_of(doc, where, "result")).items():
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
    def __init__(
        self, base_url: str, *, timeout: float = 15.0, auth: SourceAuth | None = None
    ) -> None:
        super().__init__()
        self.http = _Http(base_url, timeout, auth)
        self.description = f"Tempo {self.http.shown}"

    def recent_traces(self, query: Query) -> list[TraceSummary]:
        now = time.time_ns()
        since = query.since_ns or now - DEFAULT_WINDOW_NS
        docs = self.http.documents(
            "/api/search",
            {
                "q": traceql(query),
                "limit": max(query.limit * (3 if query.status == "ok" else 1), query.limit),
                "start": since // 1_000_000_000,
                "end": now // 1_000_000_000 + 60,
            },
        )
        where = self.http.shown + "/api/search"
        doc = _object(docs[0] if docs else {}, where, "search results")
        found = _field(doc, "traces", where, "search results", also=("metrics",))
        ids = [_trace_id(t, where) for t in _array(found, where, '"traces"')]
        with ThreadPoolExecutor(max_workers=8) as pool:
            traces = list(pool.map(self.trace, ids))
        groups = {spans[0].trace_id: spans for spans in traces if spans}
        return _finish(self._remember(groups), query)

    def trace(self, trace_id: str) -> list[SpanRecord]:
        return _one_trace(self.http, f"/api/v2/traces/{urllib.parse.quote(trace_id)}", "trace")


def _trace_id(found: Any, where: str) -> str:
    """The ``traceID`` of one search result, which must be an object naming one."""
    tid = found.get("traceID") if isinstance(found, dict) else None
    if not isinstance(tid, str) or not tid:
        what = _describe(found) if tid is None else f'"traceID" {_describe(tid)}'
        raise TelemetryError(
            f'{where}: expected each of "traces" to be an object with a "traceID", got {what}'
        )
    return tid


def probe_is_tempo(url: str, timeout: float, auth: SourceAuth | None = None) -> bool:
    """Tempo answers ``GET /api/echo`` with ``echo``; Jaeger does not."""
    try:
        answer = _Http(url, timeout, auth).get("/api/echo", missing_ok=True)
    except TelemetryError:
        return False
    return answer is not None and answer.strip() == b"echo"
