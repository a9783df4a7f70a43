"""A small JSON-over-HTTP server on the standard library (ThreadingHTTPServer).

Routes are ``(method, pattern)`` where a pattern may end in ``{name}``.
``GET /healthz`` (liveness) and ``GET /readyz`` (readiness) are built in.
Requests carry W3C trace context, which handlers continue.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger("agent_runtime")

MAX_BODY = 1024 * 1024


class HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    params: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], tuple[int, Any]]


def _compile(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+\})", pattern)
    regex = "".join(f"(?P<{p[1:-1]}>[A-Za-z0-9_.-]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$")


class JsonServer:
    def __init__(
        self,
        host: str,
        port: int,
        routes: dict[tuple[str, str], Handler],
        *,
        ready: Callable[[], bool] = lambda: True,
    ) -> None:
        self._routes = [(method, _compile(pattern), handler) for (method, pattern), handler in routes.items()]
        self._ready = ready
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "agent-runtime"

            def do_GET(self) -> None:
                server._dispatch(self, "GET")

            def do_POST(self) -> None:
                server._dispatch(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("%s " + format, self.address_string(), *args)

        self.httpd = ThreadingHTTPServer((host, port), _Handler)
        self.httpd.daemon_threads = True

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        host = self.httpd.server_address[0]
        return f"http://{host}:{self.port}"

    def _dispatch(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        split = urlsplit(handler.path)
        try:
            status, body = self._route(handler, method, split.path, parse_qs(split.query))
        except HTTPError as exc:
            status, body = exc.status, {"error": exc.message}
        except Exception:
            log.exception("unhandled error in %s %s", method, split.path)
            status, body = 500, {"error": "internal error"}
        data = json.dumps(body, ensure_ascii=False).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _route(
        self, handler: BaseHTTPRequestHandler, method: str, path: str, query: dict[str, list[str]]
    ) -> tuple[int, Any]:
        if method == "GET" and path == "/healthz":
            return 200, {"status": "ok"}
        if method == "GET" and path == "/readyz":
            ready = self._ready()
            return (200 if ready else 503), {"status": "ready" if ready else "not ready"}
        allowed = []
        for route_method, regex, route in self._routes:
            match = regex.match(path)
            if not match:
                continue
            if route_method != method:
                allowed.append(route_method)
                continue
            body = self._body(handler) if method == "POST" else None
            headers = {k.lower(): v for k, v in handler.headers.items()}
            return route(Request(method, path, query, headers, body, match.groupdict()))
        if allowed:
            raise HTTPError(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} not allowed on {path}")
        raise HTTPError(HTTPStatus.NOT_FOUND, f"no route {path}")

    @staticmethod
    def _body(handler: BaseHTTPRequestHandler) -> Any:
        try:
            length = int(handler.headers.get("Content-Length") or 0)
        except ValueError:
            raise HTTPError(400, "bad Content-Length") from None
        if length > MAX_BODY:
            raise HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body larger than {MAX_BODY} bytes")
        raw = handler.rfile.read(length) if length else b""
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise HTTPError(400, "body is not valid JSON") from None

    def start(self) -> threading.Thread:
        """Serve in a background thread (tests); ``stop()`` ends it."""
        thread = threading.Thread(target=self.httpd.serve_forever, name="agent-http", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def serve(self) -> None:
        """Serve until SIGTERM or SIGINT (Kubernetes stops pods with SIGTERM)."""

        def _stop(signum: int, frame: Any) -> None:
            threading.Thread(target=self.httpd.shutdown, daemon=True).start()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        log.info("listening on %s", self.url)
        try:
            self.httpd.serve_forever()
        finally:
            self.httpd.server_close()


def require_json_object(request: Request) -> dict[str, Any]:
    if not isinstance(request.body, dict):
        raise HTTPError(400, "body must be a JSON object")
    return request.body


def trace_context(request: Request) -> Any:
    """The OpenTelemetry context of the caller (``traceparent`` header), for child spans."""
    from opentelemetry.propagate import extract

    return extract(request.headers)
