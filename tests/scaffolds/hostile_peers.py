"""A generated stateful agent's HTTP server between hostile peers on 127.0.0.1.

``python hostile_peers.py PACKAGE model`` (with the project's ``src`` on PYTHONPATH)
serves the agent against a model endpoint that answers each run in a different
wrong way (see ``SCENARIOS``) and prints one JSON line: for each scenario, the
status and body ``POST /invoke`` answered, the log lines the agent wrote, whether
the API key appears in them, the body or any span.

``python hostile_peers.py PACKAGE clients`` serves it (offline demo model) to
hostile HTTP clients: JSON nested deeper than Python parses, a body that never
completes, a head that never completes, a client that leaves mid-body, a client
that drops a streamed run; then a plain request.

Used by tests/scaffolds/test_hostile_peers.py.
"""

from __future__ import annotations

import contextlib
import gzip
import importlib
import json
import logging
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY = "sk-hostile-0123456789abcdef"
MAX_RESPONSE = 64 * 1024  # AGENT_MODEL_MAX_RESPONSE_BYTES for the run
TIMEOUT = 2.0  # AGENT_TIMEOUT_SECONDS


def _completion(message: Any = None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": message or {"role": "assistant", "content": "fine"},
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
    body.update(fields)
    return body


def _tool_call(function: Any, call_id: str | None = "c1") -> dict[str, Any]:
    call: dict[str, Any] = {"type": "function", "function": function}
    if call_id is not None:
        call["id"] = call_id
    return _completion({"role": "assistant", "content": None, "tool_calls": [call]})


def _usage(value: Any) -> dict[str, Any]:
    return _completion(usage={"prompt_tokens": value, "completion_tokens": 1, "total_tokens": 1})


# scenario: (status, content type, body); a body of None is answered by the handler itself
SCENARIOS: dict[str, tuple[int, str, Any]] = {
    "no-choices": (200, "application/json", {"id": "x", "object": "chat.completion"}),
    "choices-a-string": (200, "application/json", _completion(choices="nope")),
    "message-null": (200, "application/json", _completion(choices=[{"index": 0, "message": None}])),
    "content-a-number": (
        200,
        "application/json",
        _completion({"role": "assistant", "content": 42}),
    ),
    "content-parts": (
        200,
        "application/json",
        _completion(
            {
                "role": "assistant",
                "content": [{"type": "text", "text": "from "}, {"type": "text", "text": "parts"}],
            }
        ),
    ),
    "tool-calls-a-string": (
        200,
        "application/json",
        _completion({"role": "assistant", "content": None, "tool_calls": "calculate"}),
    ),
    "function-null": (200, "application/json", None),  # then a plain answer
    "call-without-id": (200, "application/json", None),  # then a plain answer
    "usage-negative": (200, "application/json", _usage(-1_000_000_000)),
    "usage-text": (200, "application/json", _usage("lots")),
    "usage-an-object-of-nothing": (200, "application/json", _completion(usage="lots")),
    "html": (200, "text/html", b"<html><body>sign in</body></html>"),
    "html-said-json": (200, "application/json", b"<html><body>sign in</body></html>"),
    "too-large": (200, "application/json", None),
    "trickle": (200, "application/json", None),
    "silent": (200, "application/json", None),
    "401-echoing-the-key": (401, "application/json", None),
    "429-retry-after-a-minute": (429, "application/json", {"error": {"message": "slow down"}}),
    "gzip-bomb": (200, "application/json", None),
    "gzip": (200, "application/json", None),
    "endless-tool-calls": (200, "application/json", None),
    "ok": (200, "application/json", _completion()),
}


class HostileModel:
    """An OpenAI-compatible endpoint answering as ``scenario`` says."""

    def __init__(self) -> None:
        self.scenario = "ok"
        self.calls = 0
        self.stop = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                owner.calls += 1
                with contextlib.suppress(OSError):  # the client hung up: as it should
                    owner.answer(self, request)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def answer(self, handler: BaseHTTPRequestHandler, request: dict[str, Any]) -> None:
        name = self.scenario
        status, ctype, body = SCENARIOS[name]
        answered = [m for m in request.get("messages", []) if m.get("role") == "tool"]
        if name == "function-null":
            body = _completion() if answered else _tool_call(None)
        elif name == "call-without-id":
            body = (
                _completion()
                if answered
                else _tool_call({"name": "calculate", "arguments": '{"expression": "1+1"}'}, None)
            )
        elif name == "endless-tool-calls":
            body = _tool_call({"name": "current_time", "arguments": "{}"}, f"c{self.calls}")
        elif name == "401-echoing-the-key":
            body = {"error": {"message": "bad key: " + handler.headers.get("authorization", "")}}
        elif name in ("too-large", "trickle", "silent"):
            return self._slow(handler, name)
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        extra = {"Retry-After": "60"} if status == 429 else {}
        if name.startswith("gzip"):  # a bomb: a few KiB on the wire, 4 MiB once decoded
            padding = b" " * (4 * 1024 * 1024) if name == "gzip-bomb" else b""
            data = gzip.compress(padding + json.dumps(_completion()).encode())
            extra = {"Content-Encoding": "gzip"}
        self._head(handler, status, ctype, len(data), extra)
        handler.wfile.write(data)

    @staticmethod
    def _head(
        handler: BaseHTTPRequestHandler,
        status: int,
        ctype: str,
        length: int,
        extra: dict[str, str] | None = None,
    ) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(length))
        for name, value in (extra or {}).items():
            handler.send_header(name, value)
        handler.end_headers()

    def _slow(self, handler: BaseHTTPRequestHandler, name: str) -> None:
        data = json.dumps(_completion()).encode()
        if name == "too-large":  # no Content-Length to refuse it by: only reading tells
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Connection", "close")
            handler.end_headers()
            for _ in range(64):
                handler.wfile.write(b" " * 16384)
            handler.wfile.write(data)
        elif name == "trickle":  # a byte at a time, each well within any read timeout
            self._head(handler, 200, "application/json", len(data))
            for byte in data:
                if self.stop.is_set():
                    return
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(0.1)
        else:  # headers, then nothing
            self._head(handler, 200, "application/json", len(data))
            handler.wfile.flush()
            self.stop.wait(60)

    def close(self) -> None:
        self.stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _post(
    url: str, body: bytes, headers: dict[str, str] | None = None, timeout: float = 30
) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _serve(package: str, env: dict[str, str]) -> Any:
    os.environ.update(env)
    runtime = importlib.import_module(f"{package}._runtime")
    server_module = importlib.import_module(f"{package}.server")
    agent_module = importlib.import_module(f"{package}.agent")
    settings = runtime.Settings.from_env()
    server = server_module.make_server(
        settings, agent_module.Assistant(settings), host="127.0.0.1", port=0
    )
    server.start()
    return server


def _model(package: str, workdir: str) -> dict[str, Any]:
    testing = importlib.import_module(f"{package}._runtime.testing")
    exporter = testing.span_exporter()
    lines = Lines()
    logging.getLogger().addHandler(lines)
    logging.getLogger().setLevel(logging.INFO)
    model = HostileModel()
    env = {
        "AGENT_MODEL_PROVIDER": "openai",
        "AGENT_MODEL_NAME": "m",
        "AGENT_MODEL_BASE_URL": model.base_url,
        "AGENT_MODEL_API_KEY": KEY,
        "AGENT_MODEL_MAX_RESPONSE_BYTES": str(MAX_RESPONSE),
        "AGENT_TIMEOUT_SECONDS": str(TIMEOUT),
        "AGENT_MAX_STEPS": "6",
        "AGENT_MAX_TOOL_CALLS": "3",
        "AGENT_MEMORY_DIR": workdir,
    }
    server = _serve(package, env)
    out: dict[str, Any] = {}
    try:
        for name in SCENARIOS:
            model.scenario = name
            model.calls = 0
            exporter.clear()
            mark = len(lines.lines)
            status, body = _post(f"{server.url}/invoke", json.dumps({"input": "hi"}).encode())
            spans = exporter.get_finished_spans()
            traced = json.dumps([s.to_json() for s in spans])
            logged = lines.lines[mark:]
            out[name] = {
                "status": status,
                "body": body,
                "log": [
                    line
                    for line in logged
                    if "HTTP Request:" not in line and "Retrying request" not in line
                ],
                "keyShown": KEY in json.dumps(body) or KEY in "\n".join(logged) or KEY in traced,
            }
    finally:
        server.stop()
        model.close()
    return out


def _clients(package: str, workdir: str) -> dict[str, Any]:
    lines = Lines()
    logging.getLogger().addHandler(lines)
    env = {"AGENT_MEMORY_DIR": workdir, "AGENT_CLIENT_TIMEOUT_SECONDS": "1"}
    server = _serve(package, env)
    out: dict[str, Any] = {}
    try:
        mark = len(lines.lines)
        status, body = _post(f"{server.url}/invoke", b"[" * 100_000 + b"]" * 100_000)
        out["deep"] = {"status": status, "body": body, "log": lines.lines[mark:]}

        mark = len(lines.lines)
        with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
            head = b"POST /invoke HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
            sock.sendall(head)  # and the other 99 bytes never come
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
        status_line, _, rest = answer.partition(b"\r\n")
        out["stalled"] = {
            "status": int(status_line.split()[1]) if status_line else None,
            "body": json.loads(rest.partition(b"\r\n\r\n")[2] or b"null"),
            "log": lines.lines[mark:],
        }

        mark = len(lines.lines)
        with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
            sock.sendall(
                b"POST /invoke HTTP/1.1\r\nHost: x\r\n"
            )  # and the rest of the head never comes
            out["headNeverEnds"] = {"closed": sock.recv(4096) == b"", "log": lines.lines[mark:]}

        mark = len(lines.lines)
        with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
            sock.sendall(b"POST /invoke HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            time.sleep(0.3)  # the body is being read: leave
        time.sleep(0.3)
        out["leftMidBody"] = {"log": lines.lines[mark:]}

        mark = len(lines.lines)
        with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
            payload = json.dumps({"input": "what is 2+3?"}).encode()
            sock.sendall(
                b"POST /invoke HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n"
                + f"Content-Length: {len(payload)}\r\n\r\n".encode()
                + payload
            )
            sock.recv(64)  # the stream has begun: hang up
        time.sleep(0.5)
        status, body = _post(f"{server.url}/invoke", json.dumps({"input": "hi"}).encode())
        out["afterDisconnect"] = {"status": status, "log": lines.lines[mark:]}
    finally:
        server.stop()
    return out


def main() -> None:
    package, mode, workdir = sys.argv[1], sys.argv[2], sys.argv[3]
    result = _model(package, workdir) if mode == "model" else _clients(package, workdir)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
