"""Tools served elsewhere, found through AGENT_TOOLS: tool services and MCP servers.

A ``service`` tool declared in agent.yaml is reachable at its URL. If it speaks
the tool-service protocol (``GET /tools`` lists tools with their JSON schema,
``POST /tools/{name}`` with ``{"arguments": {...}}`` runs one), its tools are
offered to the model like local ones, and the trace continues across the call.
Declaring the service tool declares the tools it serves: their ``execute_tool``
spans name it in ``agentctl.tool.service``.

An ``mcp`` tool is a remote MCP server (Streamable HTTP). Its tools are listed
and called with the official MCP Python SDK; only the tools agent.yaml allows
(``tools:``, all when empty) are offered to the model, and each call is an
``execute_tool <mcp tool name>`` span with ``agentctl.tool.mcp_server``. The
declared ``auth`` secret, when there is one, is sent as a bearer token.

Each MCP server gets one session for the life of the process
(:class:`McpSession`): the listing and every tool call share it, instead of
an ``initialize`` and a teardown around each call. A session that has ended
(its connection closed) is opened again before the next call; a call the
server refused because it forgot the session (it restarted) is sent again
once on a new session. A call that may have run is never sent again: one that
timed out, that the server answered with an error, or whose connection closed
while it was on its way (the next call gets a new session).
Sessions are closed at exit (:func:`close_mcp_sessions`), all at once: exit
waits about one timeout however many servers do not answer. The trace context
of each call travels in the request's ``_meta`` (the SDK puts it there).
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from .config import Settings
from .tools import Tool, ToolError

log = logging.getLogger("agent_runtime")


def _request(url: str, body: Any | None, timeout: float) -> Any:
    from opentelemetry.propagate import inject

    headers = {"Accept": "application/json"}
    inject(headers)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # URLs come from agent.yaml
        return json.loads(resp.read() or b"null")


def _remote_tool(base: str, listing: dict[str, Any], timeout: float, source: str) -> Tool:
    name = str(listing["name"])

    def call(**arguments: Any) -> Any:
        try:
            answer = _request(f"{base}/tools/{name}", {"arguments": arguments}, timeout)
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read()).get("error", exc.reason)
            except (ValueError, AttributeError):
                message = exc.reason
            raise ToolError(f"{name}: {message}") from None
        except (urllib.error.URLError, TimeoutError) as exc:
            raise ToolError(f"{name}: service unreachable ({exc})") from None
        return answer.get("result") if isinstance(answer, dict) else answer

    return Tool(
        name=name,
        description=str(listing.get("description", "")),
        parameters=listing.get("inputSchema") or {"type": "object", "properties": {}},
        func=call,
        type="extension",
        source=source,
    )


def _bearer(settings: Settings, secret: str | None) -> dict[str, str]:
    """The Authorization header from a declared secret (a mounted file, or an env var)."""
    if not secret:
        return {}
    key = secret.upper().replace("-", "_").replace(".", "_")
    path = os.environ.get(f"SECRET_{key}_FILE")
    token = None
    if path:
        try:
            token = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            log.warning("secret %s: cannot read %s (%s)", secret, path, exc)
    token = token or os.environ.get(key, "").strip() or None
    return {"Authorization": f"Bearer {token}"} if token else {}


class McpSession:
    """One MCP session (Streamable HTTP) with one server, kept open for the life of the process.

    The session lives on an event loop of its own, in a daemon thread, held by one
    task from ``initialize`` to close (the SDK's task groups want their opener to
    close them); tool calls from any thread run on that loop with the caller's
    OpenTelemetry context. Opened on first use; reopened once when a call finds it
    broken; closed by :meth:`close` (at exit for every session).

    A caller waits ``open_timeout`` seconds for a session to open (the SDK may make
    more than one round trip: a probe, then the handshake); an opening it stopped
    waiting for is abandoned, and its session ended if the server completes it.
    """

    def __init__(self, url: str, headers: dict[str, str], timeout: float) -> None:
        self.url, self.headers, self.timeout = url, dict(headers), timeout
        self.open_timeout = timeout + 5  # the SDK's own read timeout comes first, mostly
        self.opened = 0  # sessions opened so far (1 unless one broke)
        self._lock = threading.Lock()
        self._loop: Any = None
        self._thread: threading.Thread | None = None
        self._client: Any = None
        self._stop: Any = None  # asyncio.Event: set to close the session
        self._held: Any = None  # the future of the task holding the session

    def run(self, operation: Callable[[Any], Awaitable[Any]]) -> Any:
        """``operation(client)`` on this server's session; a call refused for a lost session
        is sent once more on a new one, a call that may have run is not."""
        client = self._session()
        try:
            return self._call(client, operation)
        except Exception as exc:
            if _connection_closed(exc):  # it may have reached the server: not sent again
                self._forget(client)  # the next call opens a new session
                raise
            if not _session_lost(exc):
                raise
            log.info("MCP server %s: session lost (%s: %s); reconnecting", self.url, type(exc).__name__, exc)
        return self._call(self._session(replace=client), operation)

    def close(self) -> None:
        """End the session (the server hears it) and stop its loop."""
        _close_together([self])

    def _start_closing(self, deadline: float) -> Callable[[], bool]:
        """Ask the session to end without waiting for it: the call returned waits for it
        until ``deadline``, stops the loop and tells whether the session ended in time."""
        if not self._lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            return lambda: False  # busy opening a session until past the deadline
        try:
            loop, thread = self._loop, self._thread
            if loop is None:
                return lambda: True
            ending = self._ask_end()
            self._loop = self._thread = None
        finally:
            self._lock.release()

        def finish() -> bool:
            import concurrent.futures

            ended = True
            if ending is not None:
                try:
                    ended = ending.result(max(0.0, deadline - time.monotonic()))
                except (concurrent.futures.TimeoutError, concurrent.futures.CancelledError, RuntimeError):
                    ended = False
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(max(0.0, deadline - time.monotonic()))
            if not loop.is_running():
                loop.close()
            return bool(ended)

        return finish

    # -- inside -------------------------------------------------------------

    def _call(self, client: Any, operation: Callable[[Any], Awaitable[Any]]) -> Any:
        import asyncio

        from opentelemetry import context as otel_context

        caller = otel_context.get_current()  # the SDK puts it in _meta.traceparent

        async def with_context() -> Any:
            token = otel_context.attach(caller)
            try:
                return await operation(client)
            finally:
                otel_context.detach(token)

        future = asyncio.run_coroutine_threadsafe(with_context(), self._loop)
        try:
            return future.result(self.timeout + 5)  # the SDK's own read timeout comes first
        except BaseException:
            future.cancel()
            raise

    def _session(self, replace: Any = None) -> Any:
        """The open session's client; a new session when there is none or ``replace`` is it."""
        import asyncio
        import concurrent.futures

        with self._lock:
            ended = self._held is not None and self._held.done()  # the connection closed
            if self._client is not None and self._client is not replace and not ended:
                return self._client
            if self._client is not None:
                self._end_session()
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name=f"mcp-session {self.url}", daemon=True
                )
                self._thread.start()
            stop = asyncio.Event()
            opened: Any = asyncio.run_coroutine_threadsafe(self._open(stop), self._loop)
            try:
                self._client, self._held = opened.result(self.open_timeout)
            except concurrent.futures.TimeoutError:
                # abandon the opening: cancelled while under way, or ended should it have
                # completed since (nobody else holds it: it would stay open until exit)
                opened.cancel()
                self._loop.call_soon_threadsafe(stop.set)
                raise TimeoutError(f"MCP server {self.url}: no session within {self.open_timeout:g}s") from None
            self._stop = stop
            self.opened += 1
            return self._client

    async def _open(self, stop: Any) -> tuple[Any, Any]:
        import asyncio

        ready: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        held = asyncio.ensure_future(self._hold(ready, stop))
        try:
            client = await ready
        except asyncio.CancelledError:  # the caller stopped waiting
            if not ready.done() or ready.cancelled():
                held.cancel()  # the handshake is under way: drop its connection
            raise
        return client, held

    async def _hold(self, ready: Any, stop: Any) -> None:
        import httpx2
        from mcp import Client
        from mcp.client.streamable_http import streamable_http_client

        try:
            async with httpx2.AsyncClient(headers=self.headers, timeout=self.timeout) as http:
                transport = streamable_http_client(self.url, http_client=http)
                async with Client(transport, read_timeout_seconds=self.timeout) as client:
                    if ready.cancelled() or stop.is_set():
                        return  # the opener stopped waiting: end the session now
                    ready.set_result(client)
                    await stop.wait()
        except BaseException as exc:  # noqa: BLE001 - the opener hears it; a closing error is moot
            if not ready.done():
                ready.set_exception(exc)
            elif not isinstance(exc, Exception):
                raise

    def _forget(self, client: Any) -> None:
        """End the session of ``client`` if it is still the open one."""
        with self._lock:
            if self._client is client:
                self._end_session()

    def _end_session(self) -> None:
        """Ask the holding task to close the session and wait for it (the lock is held)."""
        import concurrent.futures

        ending = self._ask_end()
        try:
            ended = ending is None or ending.result(self.timeout + 5)
        except (concurrent.futures.TimeoutError, RuntimeError):
            ended = False
        if not ended:
            log.info("MCP server %s: the session did not close in time", self.url)

    def _ask_end(self) -> Any:
        """Ask the holding task to close the session (the lock is held): a future of whether
        it closed within the timeout, or None when there is no session."""
        import asyncio

        stop, held, loop = self._stop, self._held, self._loop
        self._client = self._stop = self._held = None
        if stop is None or loop is None:
            return None

        async def end() -> bool:
            stop.set()
            done, _ = await asyncio.wait([held], timeout=self.timeout)
            return bool(done)

        return asyncio.run_coroutine_threadsafe(end(), loop)


def _session_lost(exc: BaseException) -> bool:
    """Whether a call failed before it could run because the session is gone (the
    server restarted and forgot it: a 404; no connection could be made): a new
    session may carry it. Other failures (a timeout, an error the server answered,
    a connection that closed while the call was on its way) are the caller's: the
    tool may have run, and the call is not sent again."""
    import anyio
    import httpx2
    from mcp.shared.exceptions import MCPError
    from mcp.types import INVALID_REQUEST, METHOD_NOT_FOUND

    if isinstance(exc, MCPError):
        # the SDK's words for the 404 of a server without the session
        refused = ((INVALID_REQUEST, "Session terminated"), (METHOD_NOT_FOUND, "Not Found"))
        return (exc.code, exc.error.message) in refused
    return isinstance(exc, httpx2.ConnectError | anyio.ClosedResourceError | anyio.BrokenResourceError)


def _connection_closed(exc: BaseException) -> bool:
    """Whether the session's connection closed under a call (the SDK cannot say whether
    the server had it)."""
    from mcp.shared.exceptions import MCPError
    from mcp.types import CONNECTION_CLOSED

    return isinstance(exc, MCPError) and exc.code == CONNECTION_CLOSED


_SESSIONS_LOCK = threading.Lock()
_BY_SERVER: dict[tuple[str, tuple[tuple[str, str], ...]], McpSession] = {}


def mcp_session(url: str, headers: dict[str, str], timeout: float) -> McpSession:
    """The process's session with the MCP server at ``url`` (with these headers)."""
    key = (url, tuple(sorted(headers.items())))
    with _SESSIONS_LOCK:
        found = _BY_SERVER.get(key)
        if found is None:
            if not _BY_SERVER:
                atexit.register(close_mcp_sessions)
            found = _BY_SERVER[key] = McpSession(url, headers, timeout)
        return found


def close_mcp_sessions() -> None:
    """Close every MCP session of the process (at exit, or when the agent stops)."""
    with _SESSIONS_LOCK:
        sessions = list(_BY_SERVER.values())
        _BY_SERVER.clear()
    _close_together(sessions)


_CLOSE_MARGIN = 1.0  # seconds past the longest timeout for the sessions' loops to stop


def _close_together(sessions: list[McpSession]) -> None:
    """End the sessions all at once and wait for them until one deadline (about the longest
    timeout): an unanswered server costs that once, not once per server. Never raises."""
    if not sessions:
        return
    deadline = time.monotonic() + max(session.timeout for session in sessions) + _CLOSE_MARGIN
    finishing = []
    for session in sessions:  # every server is asked before any is waited for
        try:
            finishing.append((session, session._start_closing(deadline)))
        except Exception as exc:  # noqa: BLE001 - shutting down: say it, go on
            log.info("MCP server %s: closing the session failed (%s)", session.url, exc)
    for session, finish in finishing:
        try:
            ended = finish()
        except Exception as exc:  # noqa: BLE001 - shutting down: say it, go on
            log.info("MCP server %s: closing the session failed (%s)", session.url, exc)
            continue
        if not ended:
            log.info("MCP server %s: the session did not close in time", session.url)


def _mcp(url: str, headers: dict[str, str], timeout: float, operation: Callable[[Any], Awaitable[Any]]) -> Any:
    """``operation(client)`` on the process's session with the MCP server at ``url``."""
    return mcp_session(url, headers, timeout).run(operation)


def _one_line(exc: Exception) -> str:
    """An exception as one short line: its kind and its message's first line (a validation error
    of an answer that is no tool result lists every field it missed)."""
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else ""
    return f"{type(exc).__name__}: {first[:200]}" if first else type(exc).__name__


def _mcp_text(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in (result.content or []) if getattr(block, "text", None))


def _mcp_tool(url: str, headers: dict[str, str], listing: Any, timeout: float, source: str) -> Tool:
    name = str(listing.name)

    def call(**arguments: Any) -> Any:
        try:
            result = _mcp(url, headers, timeout, lambda client: client.call_tool(name, arguments))
        except Exception as exc:  # the SDK raises transport and protocol errors of many kinds
            raise ToolError(f"{name}: MCP server unreachable or failed ({_one_line(exc)})") from None
        if result.is_error:
            raise ToolError(f"{name}: {_mcp_text(result) or 'the MCP tool failed'}")
        if result.structured_content is not None:
            return result.structured_content
        return _mcp_text(result)

    return Tool(
        name=name,
        description=str(listing.description or ""),
        parameters=listing.input_schema or {"type": "object", "properties": {}},
        func=call,
        type="extension",
        source=source,
        attributes={"agentctl.tool.mcp_server": source},
    )


def discover_mcp(settings: Settings, endpoint: Any, timeout: float, taken: set[str]) -> list[Tool]:
    url = settings.tool_url(endpoint.name) or endpoint.url
    if not url:
        return []
    headers = _bearer(settings, endpoint.auth)

    async def list_all(client: Any) -> list[Any]:
        tools, cursor = [], None
        while True:
            page = await client.list_tools(cursor=cursor)
            tools.extend(page.tools)
            cursor = page.next_cursor
            if not cursor:
                return tools

    try:
        listed = _mcp(url, headers, timeout, list_all)
    except Exception as exc:  # noqa: BLE001 - an unreachable server must not stop the agent
        log.warning("MCP tool %s at %s: cannot list its tools (%s); continuing without it", endpoint.name, url, exc)
        return []
    allowed = set(endpoint.allow)
    found = []
    for item in listed:
        if (allowed and item.name not in allowed) or item.name in taken:
            continue
        taken.add(item.name)
        found.append(_mcp_tool(url, headers, item, timeout, endpoint.name))
    missing = allowed - {t.name for t in found} - (taken - {t.name for t in found})
    if missing:
        log.warning("MCP tool %s: the server does not offer %s", endpoint.name, ", ".join(sorted(missing)))
    return found


def discover(settings: Settings, *, timeout: float = 5.0, skip: set[str] | None = None) -> list[Tool]:
    """Tools of every declared ``service`` tool that answers ``GET /tools`` and every ``mcp`` tool;
    an unreachable one is skipped with a warning."""
    found: list[Tool] = []
    taken = set(skip or ())
    for endpoint in settings.tools:
        if endpoint.kind == "mcp":
            found.extend(discover_mcp(settings, endpoint, timeout, taken))
            continue
        if endpoint.kind != "service":
            continue
        base = (settings.tool_url(endpoint.name) or endpoint.url or "").rstrip("/")
        if not base:
            continue
        try:
            listing = _request(f"{base}/tools", None, timeout)
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            log.warning("tool %s at %s: cannot list its tools (%s); continuing without it", endpoint.name, base, exc)
            continue
        for item in (listing or {}).get("tools", []):
            if not isinstance(item, dict) or "name" not in item or item["name"] in taken:
                continue
            taken.add(item["name"])
            found.append(_remote_tool(base, item, timeout, endpoint.name))
    return found
