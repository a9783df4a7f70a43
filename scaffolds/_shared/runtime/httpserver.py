"""The agent's HTTP server: JSON handlers on Starlette, served by uvicorn.

Routes are ``(method, pattern)`` where a pattern may end in ``{name}``; a
handler takes a :class:`Request` and returns ``(status, body)``. Handlers are
plain functions (the agent loop blocks on model calls), run in a worker
thread. Built in:

- ``GET /healthz`` (liveness) and ``GET /readyz`` (readiness: 503 while the
  project says it is not ready, and while draining);
- a client has ``client_timeout`` seconds (``AGENT_CLIENT_TIMEOUT_SECONDS``)
  to send a request's head (else the connection is closed) and as long again
  for its body (else 408); request bodies above ``max_body`` bytes are refused
  with 413, JSON nested deeper than Python can parse with 400; requests that
  take longer than ``request_timeout`` seconds answer 504;
- a route listed in ``streaming`` answers as server-sent events when the client
  asks for them (``Accept: text/event-stream``): one event for each thing the
  handler reports through ``Request.emit`` (the agent loop reports ``step`` and
  ``tool_call``), comment lines as keep-alives, and one final ``event: result``
  (``{"status", "body"}``);
- SIGTERM starts a drain: readiness turns false at once, new requests are still
  served for ``drain_seconds`` (so the Service stops routing here), then the
  listener closes and runs in flight get up to ``shutdown_timeout`` seconds to
  finish. A second signal stops at once.

Requests carry W3C trace context, which handlers continue.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

log = logging.getLogger("agent_runtime")

MAX_BODY = 1024 * 1024
_HEARTBEAT = 10.0


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
    emit: Callable[[str, Any], None] = field(default=lambda event, data: None, repr=False)
    """Send a progress event to a streaming client (a no-op for a plain JSON request)."""


Handler = Callable[[Request], tuple[int, Any]]


def _compile(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+\})", pattern)
    regex = "".join(f"(?P<{p[1:-1]}>[A-Za-z0-9_.-]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$")


def _env_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        log.warning("%s=%r is not a number of seconds; using %s", name, raw, default)
        return default
    return max(value, 0.0)


def _sse(event: str, data: Any) -> bytes:
    text = json.dumps(data, ensure_ascii=False)
    return f"event: {event}\ndata: {text}\n\n".encode()


class JsonServer:
    def __init__(
        self,
        host: str,
        port: int,
        routes: dict[tuple[str, str], Handler],
        *,
        ready: Callable[[], bool] = lambda: True,
        streaming: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
        apps: list[Any] | None = None,
        max_body: int = MAX_BODY,
        request_timeout: float | None = None,
        drain_seconds: float | None = None,
        shutdown_timeout: float | None = None,
        client_timeout: float | None = None,
    ) -> None:
        self.host = host
        self.requested_port = port
        self._routes = [
            (method, _compile(pattern), handler, (method, pattern) in streaming)
            for (method, pattern), handler in routes.items()
        ]
        self._ready = ready
        self._apps = list(apps or [])
        self.max_body = max_body
        self.request_timeout = request_timeout
        self.client_timeout = (
            _env_seconds("AGENT_CLIENT_TIMEOUT_SECONDS", 30.0) if client_timeout is None else client_timeout
        )
        self.drain_seconds = _env_seconds("AGENT_DRAIN_SECONDS", 5.0) if drain_seconds is None else drain_seconds
        # runs in flight may take as long as a request may (the run timeout plus a margin)
        default_shutdown = max(30.0, request_timeout or 0.0)
        self.shutdown_timeout = (
            _env_seconds("AGENT_SHUTDOWN_TIMEOUT_SECONDS", default_shutdown)
            if shutdown_timeout is None
            else shutdown_timeout
        )
        self.draining = False
        self.app = self._build_app()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- the ASGI application -------------------------------------------------

    def _build_app(self) -> Any:
        import contextlib

        from starlette.applications import Starlette
        from starlette.routing import Route

        # other Starlette apps' routes (e.g. an MCP endpoint) come first, the JSON routes after
        routes: list[Any] = [route for app in self._apps for route in app.routes]
        routes.append(Route("/{path:path}", self._asgi, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]))

        @contextlib.asynccontextmanager
        async def lifespan(app: Any) -> Any:
            async with contextlib.AsyncExitStack() as stack:
                for other in self._apps:  # their own lifespans (e.g. an MCP session manager)
                    await stack.enter_async_context(other.router.lifespan_context(other))
                yield

        return Starlette(routes=routes, lifespan=lifespan)

    async def _asgi(self, request: Any) -> Any:
        from starlette.responses import JSONResponse

        method, path = request.method, request.url.path
        try:
            if method == "GET" and path == "/healthz":
                return JSONResponse({"status": "ok"})
            if method == "GET" and path == "/readyz":
                if self.draining:
                    return JSONResponse({"status": "draining"}, status_code=503)
                ready = await _in_thread(self._ready)
                return JSONResponse({"status": "ready" if ready else "not ready"}, status_code=200 if ready else 503)
            handler, params, streams = self._match(method, path)
            body = await self._body(request) if method == "POST" else None
            query: dict[str, list[str]] = {}
            for key, value in request.query_params.multi_items():
                query.setdefault(key, []).append(value)
            req = Request(method, path, query, {k.lower(): v for k, v in request.headers.items()}, body, params)
            if streams and "text/event-stream" in request.headers.get("accept", ""):
                return self._stream(handler, req)
            status, answer = await self._run(handler, req)
        except HTTPError as exc:
            status, answer = exc.status, {"error": exc.message}
        except Exception:
            log.exception("unhandled error in %s %s", method, path)
            status, answer = 500, {"error": "internal error"}
        return JSONResponse(answer, status_code=status)

    def _match(self, method: str, path: str) -> tuple[Handler, dict[str, str], bool]:
        allowed = []
        for route_method, regex, handler, streams in self._routes:
            match = regex.match(path)
            if not match:
                continue
            if route_method != method:
                allowed.append(route_method)
                continue
            return handler, match.groupdict(), streams
        if allowed:
            raise HTTPError(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} not allowed on {path}")
        raise HTTPError(HTTPStatus.NOT_FOUND, f"no route {path}")

    async def _body(self, request: Any) -> Any:
        declared = request.headers.get("content-length")
        if declared is not None:
            try:
                if int(declared) > self.max_body:
                    raise HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body larger than {self.max_body} bytes")
            except ValueError:
                raise HTTPError(400, "bad Content-Length") from None
        from starlette.requests import ClientDisconnect

        try:
            raw = await asyncio.wait_for(self._read(request), self.client_timeout or None)
        except ClientDisconnect:  # nobody is left to answer
            raise HTTPError(400, "the client left before its body was complete") from None
        except TimeoutError:
            raise HTTPError(HTTPStatus.REQUEST_TIMEOUT, f"body not received within {self.client_timeout:g}s") from None
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise HTTPError(400, "body is not valid JSON") from None
        except RecursionError:
            raise HTTPError(400, "body is JSON nested too deeply") from None

    async def _read(self, request: Any) -> bytes:
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body larger than {self.max_body} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _run(self, handler: Handler, req: Request) -> tuple[int, Any]:
        task = asyncio.ensure_future(_in_thread(handler, req))
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.request_timeout)
        except TimeoutError:
            # the worker thread cannot be interrupted; it finishes (within its own guardrails) unobserved
            log.warning("%s %s took longer than %ss", req.method, req.path, self.request_timeout)
            raise HTTPError(HTTPStatus.GATEWAY_TIMEOUT, f"no answer within {self.request_timeout:g}s") from None

    def _stream(self, handler: Handler, req: Request) -> Any:
        from starlette.responses import StreamingResponse

        loop = asyncio.get_running_loop()
        events: asyncio.Queue[bytes] = asyncio.Queue()
        req.emit = lambda event, data: loop.call_soon_threadsafe(events.put_nowait, _sse(event, data))

        async def body() -> Any:
            run = asyncio.ensure_future(self._run(handler, req))
            while True:
                getter = asyncio.ensure_future(events.get())
                done, _ = await asyncio.wait({run, getter}, timeout=_HEARTBEAT, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    yield getter.result()
                    continue
                getter.cancel()
                if run in done:
                    break
                yield b": keep-alive\n\n"
            while not events.empty():
                yield events.get_nowait()
            try:
                status, answer = run.result()
            except HTTPError as exc:
                status, answer = exc.status, {"error": exc.message}
            except Exception:
                log.exception("unhandled error in %s %s", req.method, req.path)
                status, answer = 500, {"error": "internal error"}
            yield _sse("result", {"status": status, "body": answer})

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(body(), media_type="text/event-stream", headers=headers)

    # -- serving ----------------------------------------------------------------

    def _uvicorn(self) -> Any:
        import uvicorn

        owner = self

        class _Server(uvicorn.Server):
            def handle_exit(self, sig: int, frame: Any) -> None:
                if owner.draining:  # a second signal: stop now
                    self.force_exit = True
                    self.should_exit = True
                    return
                owner.draining = True
                log.info("draining: not ready; closing in %ss", owner.drain_seconds)
                if owner.drain_seconds <= 0:
                    self.should_exit = True
                else:
                    timer = threading.Timer(owner.drain_seconds, lambda: setattr(self, "should_exit", True))
                    timer.daemon = True
                    timer.start()

        config = uvicorn.Config(
            self.app,
            http=_head_timeout_protocol(self.client_timeout) if self.client_timeout else "h11",
            host=self.host,
            port=self.requested_port,
            log_config=None,
            access_log=False,
            lifespan="on" if self._apps else "off",
            timeout_keep_alive=5,
            timeout_graceful_shutdown=int(self.shutdown_timeout) or None,
            server_header=False,
        )
        return _Server(config)

    @property
    def port(self) -> int:
        if self._server is not None and self._server.servers:
            return int(self._server.servers[0].sockets[0].getsockname()[1])
        return self.requested_port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> threading.Thread:
        """Serve in a background thread (tests); ``stop()`` ends it."""
        import time

        self._server = self._uvicorn()
        self._thread = threading.Thread(target=self._server.run, name="agent-http", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the HTTP server did not start on {self.host}:{self.requested_port}")
            time.sleep(0.01)
        return self._thread

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def serve(self) -> None:
        """Serve until SIGTERM or SIGINT (Kubernetes stops pods with SIGTERM), draining first."""
        self._server = self._uvicorn()
        log.info("listening on %s:%s", self.host, self.requested_port)
        self._server.run()


def _head_timeout_protocol(seconds: float) -> Any:
    """uvicorn's h11 protocol, closing a connection that sends no complete request head within
    ``seconds`` of opening or of its last answer (uvicorn alone waits for a head forever)."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class _HeadTimeout(H11Protocol):  # type: ignore[misc]
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
            self._head_timer = self.loop.call_later(seconds, self._late)

        def _late(self) -> None:
            if self.cycle is None or self.cycle.response_complete:  # no request under way
                self.transport.close()

    return _HeadTimeout


async def _in_thread(function: Callable[..., Any], *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function, *args)


def request_timeout(settings: Any, margin: float = 10.0) -> float | None:
    """How long a request may take: the run's own timeout guardrail plus a margin (None: no limit)."""
    limit = getattr(settings, "timeout_seconds", None)
    return None if limit is None else float(limit) + margin


def require_json_object(request: Request) -> dict[str, Any]:
    if not isinstance(request.body, dict):
        raise HTTPError(400, "body must be a JSON object")
    return request.body


def trace_context(request: Request) -> Any:
    """The OpenTelemetry context of the caller (``traceparent`` header), for child spans."""
    from opentelemetry.propagate import extract

    return extract(request.headers)
