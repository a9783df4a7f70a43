"""A loopback MCP server (the official SDK, stateful Streamable HTTP) that counts the
sessions clients open, and client runs of a generated project's runtime against it.

``python mcp_loopback.py PACKAGE SCENARIO [CALLS]`` (with the project's ``src`` on PYTHONPATH)
prints one JSON line of what the servers saw and what the runtime answered:

- ``restart`` / ``restart-forgetful``: CALLS calls, a restart of the server, CALLS calls more;
- ``close-together``: sessions with several servers whose DELETE is only answered once
  every server has one waiting, then ``close_mcp_sessions``;
- ``slow-open``: a server that answers the first session's ``initialize`` after the
  client stopped waiting for it, then a call on a fresh session.

Used by tests/scaffolds/test_mcp_session.py.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

FAILING = 99  # add(a=99) fails with an HTTP 500
CUT = 98  # add(a=98) runs, then the connection drops before the answer is complete
HUGE = 97  # add(a=97) answers 1 MB of text
WRONG = 96  # add(a=96) is answered with a result of the wrong shape (content a string)

# The requests that open a session: initialize, or server/discover in later protocol revisions.
OPENING = ("initialize", "server/discover")
SESSION_HEADER = b"mcp-session-id"


class Gathering:
    """Requests to several servers (each on its own loop) that wait until all of them are
    waiting at once; complete from then on."""

    def __init__(self, parties: int) -> None:
        self.parties = parties
        self._waiting = 0
        self._complete = False
        self._lock = threading.Lock()

    def arrive(self) -> None:
        with self._lock:
            self._waiting += 1
            self._complete = self._complete or self._waiting >= self.parties

    def leave(self) -> None:
        with self._lock:
            self._waiting -= 1

    def complete(self) -> bool:
        with self._lock:
            return self._complete


class CountingServer:
    """An MCP server on 127.0.0.1:PORT with one tool, ``add``; counts JSON-RPC methods."""

    def __init__(
        self,
        port: int,
        *,
        forgetful: bool = False,
        legacy: bool = False,
        deletes_wait_for: Gathering | None = None,
        slow_open: float = 0.0,
    ) -> None:
        self.port = port
        # forgetful: after a restart, refuse calls (404, as a server that lost the session
        # does) until the client opens a session again
        self.forgetful = forgetful
        # legacy: refuse server/discover as a server of an earlier protocol revision does, so
        # the client opens a session with initialize (a session id, and a DELETE to end it)
        self.legacy = legacy
        # a DELETE is answered once every server of the gathering has one waiting
        self.deletes_wait_for = deletes_wait_for
        self.delete_outcomes: list[str] = []  # "answered", or "abandoned" by the client first
        # slow_open: the first initialize is answered after this many seconds (unless the
        # client hung up first: "dropped")
        self.slow_open = slow_open
        self.slow_open_outcome = ""  # "dropped" or "answered"
        self.slow_open_done = threading.Event()
        self.greeted = False
        self.methods: dict[str, int] = {}
        self.deletes = 0
        self.sessions: list[str] = []  # the session ids the server gave out
        self.deleted: list[str] = []  # the session ids clients ended with a DELETE
        self.ran: list[int] = []  # the ``a`` of every call the tool ran
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def _app(self) -> Any:
        import mcp.types as types
        from mcp.server.lowlevel import Server

        async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
            schema = {
                "type": "object",
                "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                "required": ["a", "b"],
            }
            return types.ListToolsResult(
                tools=[types.Tool(name="add", description="a + b", input_schema=schema)]
            )

        async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
            args = params.arguments or {}
            self.ran.append(int(args["a"]))
            if args["a"] == HUGE:
                return types.CallToolResult(
                    content=[types.TextContent(type="text", text="x" * 1_000_000)]
                )
            total = {"sum": int(args["a"]) + int(args["b"])}
            return types.CallToolResult(
                content=[types.TextContent(type="text", text=json.dumps(total))],
                structured_content=total,
            )

        server = Server("loopback", version="1", on_list_tools=list_tools, on_call_tool=call_tool)
        app = server.streamable_http_app(
            streamable_http_path="/mcp", stateless_http=False, json_response=True, host="127.0.0.1"
        )

        async def counting(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                return await app(scope, receive, send)
            if scope["method"] == "DELETE":
                self.deletes += 1
                self.deleted.append(_header(scope["headers"], SESSION_HEADER))
                if self.deletes_wait_for is not None:
                    return await self._gathered_delete(receive, send)
            if scope["method"] != "POST":
                return await app(scope, receive, send)
            messages, body, more = [], b"", True
            while more:
                message = await receive()
                messages.append(message)
                body += message.get("body", b"")
                more = message.get("more_body", False)
            try:
                request = json.loads(body)
                method = request.get("method")
                arguments = (request.get("params") or {}).get("arguments") or {}
            except (ValueError, AttributeError):
                method, arguments = None, {}
            if method:
                self.methods[method] = self.methods.get(method, 0) + 1
            if method == "server/discover" and self.legacy:
                return await _json(
                    send, {"jsonrpc": "2.0", "id": request.get("id"), "error": _NOT_FOUND}
                )
            if method == "initialize" and self.slow_open and not self.slow_open_done.is_set():
                try:
                    hung_up = await _until(receive, lambda: False, self.slow_open)
                    self.slow_open_outcome = "dropped" if hung_up else "answered"
                    if hung_up:
                        return None
                finally:
                    self.slow_open_done.set()
            if method in OPENING:
                self.greeted = True
                send = self._recording_session(send)
            elif arguments.get("a") == WRONG:  # an answer that is no tool result
                result = {"content": "not a list", "isError": "maybe"}
                return await _json(
                    send, {"jsonrpc": "2.0", "id": request.get("id"), "result": result}
                )
            elif arguments.get("a") == FAILING:  # a server error: the session is fine
                await send({"type": "http.response.start", "status": 500, "headers": []})
                await send({"type": "http.response.body", "body": b"boom"})
                return None
            elif self.forgetful and not self.greeted:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 404,
                        "headers": [(b"content-type", b"text/plain")],
                    }
                )
                await send({"type": "http.response.body", "body": b"session not found"})
                return None

            async def replay() -> Any:
                return messages.pop(0) if messages else await receive()

            if arguments.get("a") == CUT:  # the tool runs; its answer is cut short
                return await app(scope, replay, _cut(send))
            return await app(scope, replay, send)

        return counting

    def _recording_session(self, send: Any) -> Any:
        """A send that notes the session id the answer gives out."""

        async def recording(message: Any) -> None:
            if message["type"] == "http.response.start":
                session = _header(message.get("headers", []), SESSION_HEADER)
                if session:
                    self.sessions.append(session)
            await send(message)

        return recording

    async def _gathered_delete(self, receive: Any, send: Any) -> None:
        """Answer the DELETE once every server of the gathering has one waiting."""
        gathering = self.deletes_wait_for
        assert gathering is not None
        gathering.arrive()
        try:
            await _until(receive, gathering.complete, 20)
        finally:
            gathering.leave()
        answered = gathering.complete()  # else the client hung up (or stopped) first
        self.delete_outcomes.append("answered" if answered else "abandoned")
        if answered:
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    def start(self) -> None:
        import uvicorn

        self.greeted = False

        config = uvicorn.Config(
            self._app(), host="127.0.0.1", port=self.port, log_level="error", lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the loopback MCP server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        assert self._thread is not None
        self._thread.join(10)


_NOT_FOUND = {"code": -32601, "message": "Method not found"}


def _header(headers: Any, name: bytes) -> str:
    return next((v.decode("latin-1") for k, v in headers if k.lower() == name), "")


async def _json(send: Any, body: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


async def _until(receive: Any, ready: Callable[[], bool], limit: float) -> bool:
    """Wait until ``ready()`` or ``limit`` seconds; whether the client hung up first (the
    request's body has been read: the next message is the disconnect)."""
    deadline = time.monotonic() + limit
    while not ready() and time.monotonic() < deadline:
        try:
            message = await asyncio.wait_for(receive(), 0.02)
        except TimeoutError:
            continue
        if message["type"] == "http.disconnect":
            return True
    return False


def _cut(send: Any) -> Any:
    """A send that starts the response, sends a little of it and drops the connection."""

    async def cut(message: Any) -> None:
        if message["type"] == "http.response.start":
            headers = [(b"content-type", b"application/json"), (b"content-length", b"5000")]
            await send({**message, "headers": headers})
            return
        await send({"type": "http.response.body", "body": b"{", "more_body": True})
        raise ConnectionResetError("the connection dropped")

    return cut


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _runtime(package: str) -> tuple[Any, Any, Any, Any]:
    return tuple(  # type: ignore[return-value]
        importlib.import_module(f"{package}._runtime{module}")
        for module in ("", ".config", ".remote_tools", ".testing")
    )


def _listed(client: Any) -> Any:
    return client.list_tools()


def restart(package: str, calls: int, forgetful: bool) -> dict[str, Any]:
    """Tool calls before and after a restart of the server (one that forgets its sessions:
    ``forgetful``)."""
    runtime, config, remote, testing = _runtime(package)

    server = CountingServer(free_port(), forgetful=forgetful)
    server.start()
    url = f"http://127.0.0.1:{server.port}/mcp"
    endpoint = config.ToolEndpoint("calc", "mcp", url)
    settings = testing.settings_for(None, tools=(endpoint,), tools_declared=True)
    found = remote.discover(settings)
    toolbox = runtime.Toolbox(found)
    answers = []
    for i in range(calls):
        result = toolbox.execute("add", {"a": i, "b": 1})
        answers.append(json.loads(result.content)["sum"] if result.ok else result.content)
    before = dict(server.methods)

    server.stop()  # a restart: the server forgets its sessions
    server.methods.clear()
    server.start()
    after_restart = []
    for i in range(calls):
        result = toolbox.execute("add", {"a": i, "b": 2})
        after_restart.append(json.loads(result.content)["sum"] if result.ok else result.content)
    after = dict(server.methods)
    failed = toolbox.execute("add", {"a": FAILING, "b": 0})
    failed_calls = server.methods["tools/call"] - after["tools/call"]
    session = remote.mcp_session(url, {}, 5.0)
    opened = session.opened
    cut = toolbox.execute("add", {"a": CUT, "b": 0})
    cut_then = toolbox.execute("add", {"a": 1, "b": 5})
    remote.close_mcp_sessions()
    time.sleep(0.2)
    deletes = server.deletes
    server.stop()
    return {
        "tools": [t.name for t in found],
        "before": before,
        "answers": answers,
        "after": after,
        "afterRestart": after_restart,
        "failed": {"ok": failed.ok, "calls": failed_calls},
        "opened": opened,
        "cut": {
            "ok": cut.ok,
            "ran": server.ran.count(CUT),
            "then": json.loads(cut_then.content)["sum"] if cut_then.ok else None,
        },
        "deletes": deletes,
    }


def close_together(package: str, servers: int) -> dict[str, Any]:
    """Sessions with ``servers`` servers whose DELETE is answered only once all of them have
    one waiting (closed one after another, each would wait out its timeout), then
    ``close_mcp_sessions``."""
    remote = _runtime(package)[2]
    gathering = Gathering(servers)
    started = [
        CountingServer(free_port(), legacy=True, deletes_wait_for=gathering) for _ in range(servers)
    ]
    for server in started:
        server.start()
        remote.mcp_session(f"http://127.0.0.1:{server.port}/mcp", {}, 2.0).run(_listed)
    remote.close_mcp_sessions()
    time.sleep(0.2)
    for server in started:
        server.stop()
    return {
        "sessions": [len(server.sessions) for server in started],
        "deletes": [server.delete_outcomes for server in started],
    }


def slow_open(package: str) -> dict[str, Any]:
    """A server that answers the first ``initialize`` after the client stopped waiting for
    it (the SDK itself would wait longer), then a call on a fresh session."""
    remote = _runtime(package)[2]
    server = CountingServer(free_port(), legacy=True, slow_open=2.0)
    server.start()
    session = remote.mcp_session(f"http://127.0.0.1:{server.port}/mcp", {}, 5.0)
    session.open_timeout = 0.5
    try:
        session.run(_listed)
        first = "opened"
    except Exception as exc:  # what the caller is told is the result
        first = f"{type(exc).__name__}: {exc}"
    server.slow_open_done.wait(10)  # the server answered, or saw the client hang up
    session.open_timeout = 10.0  # the later call waits as long as it takes
    then = [tool.name for tool in session.run(_listed).tools]
    remote.close_mcp_sessions()
    time.sleep(0.2)
    server.stop()
    return {
        "first": first,
        "slowOpen": server.slow_open_outcome,
        "then": then,
        "sessions": server.sessions,
        "deleted": server.deleted,
    }


def hostile(package: str) -> dict[str, Any]:
    """A result of the wrong shape and one far too large, then a plain call."""
    runtime, config, remote, testing = _runtime(package)
    server = CountingServer(free_port())
    server.start()
    try:
        endpoint = config.ToolEndpoint("calc", "mcp", f"http://127.0.0.1:{server.port}/mcp")
        settings = testing.settings_for(None, tools=(endpoint,), tools_declared=True)
        toolbox = runtime.Toolbox(remote.discover(settings))
        limit = settings.tool_result_max_chars
        wrong = toolbox.execute("add", {"a": WRONG, "b": 0}, max_result_chars=limit)
        huge = toolbox.execute("add", {"a": HUGE, "b": 0}, max_result_chars=limit)
        then = toolbox.execute("add", {"a": 1, "b": 1}, max_result_chars=limit)
        return {
            "wrong": {"ok": wrong.ok, "error": json.loads(wrong.content)["error"]},
            "huge": {
                "ok": huge.ok,
                "type": huge.error_type,
                "error": json.loads(huge.content)["error"],
            },
            "then": json.loads(then.content),
        }
    finally:
        server.stop()
        remote.close_mcp_sessions()


def main(package: str, scenario: str, calls: int) -> None:
    scenarios: dict[str, Callable[[], dict[str, Any]]] = {
        "restart": lambda: restart(package, calls, forgetful=False),
        "restart-forgetful": lambda: restart(package, calls, forgetful=True),
        "close-together": lambda: close_together(package, servers=3),
        "slow-open": lambda: slow_open(package),
        "hostile": lambda: hostile(package),
    }
    print(json.dumps(scenarios[scenario]()))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0)
