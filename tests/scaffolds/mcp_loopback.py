"""A loopback MCP server (the official SDK, stateful Streamable HTTP) that counts the
sessions clients open, and a client run of a generated project's runtime against it.

``python mcp_loopback.py PACKAGE CALLS [--forgetful]`` (with the project's ``src`` on PYTHONPATH)
prints one JSON line: the server's counts before and after a restart, and what the
runtime's tool calls answered. Used by tests/scaffolds/test_mcp_session.py.
"""

from __future__ import annotations

import importlib
import json
import socket
import sys
import threading
import time
from typing import Any

FAILING = 99  # add(a=99) fails with an HTTP 500
CUT = 98  # add(a=98) runs, then the connection drops before the answer is complete

# The requests that open a session: initialize, or server/discover in later protocol revisions.
OPENING = ("initialize", "server/discover")


class CountingServer:
    """An MCP server on 127.0.0.1:PORT with one tool, ``add``; counts JSON-RPC methods."""

    def __init__(self, port: int, *, forgetful: bool = False) -> None:
        self.port = port
        # forgetful: after a restart, refuse calls (404, as a server that lost the session
        # does) until the client opens a session again
        self.forgetful = forgetful
        self.greeted = False
        self.methods: dict[str, int] = {}
        self.deletes = 0
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
            if method in OPENING:
                self.greeted = True
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


def main(package: str, calls: int, forgetful: bool) -> None:
    runtime = importlib.import_module(f"{package}._runtime")
    config = importlib.import_module(f"{package}._runtime.config")
    remote = importlib.import_module(f"{package}._runtime.remote_tools")
    testing = importlib.import_module(f"{package}._runtime.testing")

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
    print(
        json.dumps(
            {
                "tools": [t.name for t in found],
                "before": before,
                "answers": answers,
                "after": after,
                "afterRestart": after_restart,
                "failed": {
                    "ok": failed.ok,
                    "calls": failed_calls,
                },
                "opened": opened,
                "cut": {
                    "ok": cut.ok,
                    "ran": server.ran.count(CUT),
                    "then": json.loads(cut_then.content)["sum"] if cut_then.ok else None,
                },
                "deletes": deletes,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:] == ["--forgetful"])
