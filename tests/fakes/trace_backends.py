"""Loopback fakes of Jaeger (api_v3) and Grafana Tempo query APIs, answering OTLP/JSON.

Both hold OTLP/JSON ``resourceSpans`` documents added with ``add(doc)`` and
answer the documented endpoints:

- Jaeger: ``GET /api/v3/services`` -> ``{"services": [...]}``;
  ``GET /api/v3/traces?query.service_name=&query.start_time_min=&query.start_time_max=
  &query.search_depth=`` (service name and RFC 3339 times required, 400
  otherwise) -> one ``{"result": {"resourceSpans": [...]}}`` document per
  trace, back to back, as the grpc-gateway streams them;
  ``GET /api/v3/traces/{id}`` -> ``{"result": {...}}`` or 404.
- Tempo: ``GET /api/echo`` -> ``echo``; ``GET /api/search?q=&limit=&start=&end=``
  -> ``{"traces": [{"traceID", "rootServiceName", "rootTraceName",
  "startTimeUnixNano", "durationMs"}], "metrics": {...}}`` (understands the
  ``resource.service.name = "X"`` and ``status = error`` TraceQL used by
  agentctl); ``GET /api/v2/traces/{id}`` -> ``{"trace": {"resourceSpans": [...]},
  "status": "COMPLETE"}`` with upper-case hex ids, as Tempo writes them, or 404.

Every request is recorded in ``requests`` as (path, query dict), and its
``Authorization`` header in ``authorizations``. A backend made with
``authorization="Basic ..."`` answers 401 to every request that does not send
exactly that header, as one behind a reverse proxy with basic auth does.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


def _spans(doc: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(resourceSpans entry, span) pairs."""
    out = []
    for rs in doc.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            for sp in ss.get("spans", []):
                out.append((rs, sp))
    return out


def _service(rs: dict[str, Any]) -> str:
    for kv in rs.get("resource", {}).get("attributes", []):
        if kv["key"] == "service.name":
            return str(kv["value"].get("stringValue"))
    return ""


class _Backend:
    def __init__(self, *, authorization: str | None = None) -> None:
        self.traces: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.authorizations: list[str | None] = []
        self.authorization = authorization
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add(self, doc: dict[str, Any]) -> None:
        for rs, sp in _spans(doc):
            self.traces.setdefault(sp["traceId"].lower(), []).append((rs, sp))

    def doc_for(self, trace_id: str, *, upper: bool = False) -> dict[str, Any]:
        out: list[dict[str, Any]] = []
        for rs, sp in self.traces.get(trace_id.lower(), []):
            sp = copy.deepcopy(sp)
            if upper:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if sp.get(key):
                        sp[key] = sp[key].upper()
            out.append(
                {
                    "resource": rs.get("resource", {}),
                    "scopeSpans": [{"scope": {"name": "fake"}, "spans": [sp]}],
                }
            )
        return {"resourceSpans": out}

    def root(self, trace_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        pairs = self.traces[trace_id]
        return next(((rs, sp) for rs, sp in pairs if not sp.get("parentSpanId")), pairs[0])

    def start(self) -> _Backend:
        backend = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                backend.requests.append((parts.path, query))
                sent = self.headers.get("Authorization")
                backend.authorizations.append(sent)
                if backend.authorization is not None and sent != backend.authorization:
                    self.send(401, b"Unauthorized", "text/plain")
                    return
                status, body, ctype = backend.answer(parts.path, query)
                self.send(status, body, ctype)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, bytes, str]:
        return _error(404, "unknown path")


def _error(code: int, message: str) -> tuple[int, bytes, str]:
    return (
        code,
        json.dumps({"error": {"httpCode": code, "message": message}}).encode(),
        "application/json",
    )


class FakeJaeger(_Backend):
    def answer(self, path: str, query: dict[str, str]) -> tuple[int, bytes, str]:
        if path == "/api/v3/services":
            services = sorted({_service(rs) for pairs in self.traces.values() for rs, _ in pairs})
            return 200, json.dumps({"services": services}).encode(), "application/json"
        if path == "/api/v3/traces":
            service = query.get("query.service_name")
            if not service:
                return _error(400, "query.service_name is required")
            try:
                t_min = dt.datetime.fromisoformat(
                    query["query.start_time_min"].replace("Z", "+00:00")
                )
                t_max = dt.datetime.fromisoformat(
                    query["query.start_time_max"].replace("Z", "+00:00")
                )
            except (KeyError, ValueError):
                return _error(
                    400, "query.start_time_min and query.start_time_max (RFC 3339) are required"
                )
            depth = int(query.get("query.search_depth") or 20)
            chunks = []
            for tid in self.traces:
                rs, sp = self.root(tid)
                start = dt.datetime.fromtimestamp(int(sp["startTimeUnixNano"]) / 1e9, tz=dt.UTC)
                if _service(rs) == service and t_min <= start <= t_max:
                    chunks.append(json.dumps({"result": self.doc_for(tid)}))
            if not chunks:
                return _error(404, "trace not found")
            return 200, "\n".join(chunks[:depth]).encode(), "application/json"
        m = re.fullmatch(r"/api/v3/traces/([0-9a-fA-F]+)", path)
        if m:
            if m.group(1).lower() not in self.traces:
                return _error(404, "trace not found")
            return (
                200,
                json.dumps({"result": self.doc_for(m.group(1))}).encode(),
                "application/json",
            )
        return _error(404, "unknown path")


class FakeTempo(_Backend):
    def answer(self, path: str, query: dict[str, str]) -> tuple[int, bytes, str]:
        if path == "/api/echo":
            return 200, b"echo", "text/plain"
        if path == "/api/search":
            q = query.get("q", "{}")
            limit = int(query.get("limit") or 20)
            start_s, end_s = int(query.get("start") or 0), int(query.get("end") or 2**62)
            want_service = re.search(r'resource\.service\.name = "([^"]+)"', q)
            want_error = "status = error" in q
            found = []
            for tid, pairs in self.traces.items():
                rs, root = self.root(tid)
                start = int(root["startTimeUnixNano"])
                if not start_s <= start // 10**9 <= end_s:
                    continue
                if want_service and want_service.group(1) not in {_service(r) for r, _ in pairs}:
                    continue
                if want_error and not any(
                    (sp.get("status") or {}).get("code") == 2 for _, sp in pairs
                ):
                    continue
                found.append(
                    {
                        "traceID": tid.upper(),
                        "rootServiceName": _service(rs),
                        "rootTraceName": root["name"],
                        "startTimeUnixNano": str(start),
                        "durationMs": (int(root["endTimeUnixNano"]) - start) // 10**6,
                    }
                )
            found.sort(key=lambda t: int(t["startTimeUnixNano"]), reverse=True)
            body = {
                "traces": found[:limit],
                "metrics": {"inspectedTraces": len(self.traces), "inspectedBytes": "1000"},
            }
            return 200, json.dumps(body).encode(), "application/json"
        m = re.fullmatch(r"/api/v2/traces/([0-9a-fA-F]+)", path)
        if m:
            if m.group(1).lower() not in self.traces:
                return 404, b"trace not found", "text/plain"
            doc = {"trace": self.doc_for(m.group(1), upper=True), "status": "COMPLETE"}
            return 200, json.dumps(doc).encode(), "application/json"
        return 404, b"404 page not found", "text/plain"
