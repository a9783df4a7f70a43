"""A small OpenAI-compatible chat-completions server on 127.0.0.1, for tests.

Deterministic agent-loop behaviour, enough to drive a real ``openai`` client
through one tool round trip:

- a request with ``tools`` whose last message is from the user is answered
  with a call to the first tool (arguments ``{"query": <the user text>}``,
  or ``FakeOpenAI.tool_arguments`` when set), ``finish_reason: tool_calls``;
- any other request (e.g. after a ``tool`` message) is answered with text:
  ``FakeOpenAI.reply`` or ``"done: <last message text>"``;
- every answer reports ``usage`` (prompt tokens = words in the request + 10,
  completion tokens = words in the answer + 1, cached tokens from
  ``FakeOpenAI.cached_tokens``), and echoes the requested model (or
  ``FakeOpenAI.response_model``);
- ``POST /v1/embeddings`` answers with a small vector and usage;
- ``GET /v1/models`` lists the models seen so far.

Requests are recorded in ``FakeOpenAI.requests`` (parsed JSON bodies, with
the Authorization header replaced by whether it was present).

Usage::

    with FakeOpenAI() as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key="sk-" + "x" * 20)
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _words(value: Any) -> int:
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, list):
        return sum(_words(v) for v in value)
    if isinstance(value, dict):
        return sum(_words(v) for v in value.values())
    return 0


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.reply: str | None = None
        self.tool_arguments: dict[str, Any] | None = None
        self.response_model: str | None = None
        self.cached_tokens = 0
        self.fail_with: int | None = None  # answer every request with this HTTP status
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._counter = 0
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _json(self, status: int, doc: Any) -> None:
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/v1/models":
                    models = sorted({r.get("model", "") for r in fake.requests} - {""})
                    self._json(
                        200,
                        {"object": "list", "data": [{"id": m, "object": "model"} for m in models]},
                    )
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self._json(400, {"error": {"message": "invalid JSON"}})
                    return
                body["_authorized"] = bool(self.headers.get("Authorization"))
                with fake._lock:
                    fake.requests.append(body)
                    fake._counter += 1
                    n = fake._counter
                if fake.fail_with:
                    self._json(
                        fake.fail_with,
                        {"error": {"message": "injected failure", "type": "server_error"}},
                    )
                    return
                path = self.path.rstrip("/")
                if path == "/v1/chat/completions":
                    self._json(200, fake.chat(body, n))
                elif path == "/v1/embeddings":
                    self._json(200, fake.embeddings(body))
                else:
                    self._json(404, {"error": {"message": f"unknown path {path}"}})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def chat(self, body: dict[str, Any], n: int) -> dict[str, Any]:
        messages = body.get("messages") or []
        last = messages[-1] if messages else {}
        model = self.response_model or body.get("model") or "fake-model"
        tools = body.get("tools") or []
        message: dict[str, Any]
        if tools and last.get("role") == "user":
            fn = tools[0].get("function", {})
            args = (
                self.tool_arguments if self.tool_arguments is not None else {"query": _text(last)}
            )
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call_{n}",
                        "type": "function",
                        "function": {"name": fn.get("name", "tool"), "arguments": json.dumps(args)},
                    }
                ],
            }
            finish = "tool_calls"
            completion = _words(args) + 1
        else:
            text = self.reply if self.reply is not None else f"done: {_text(last)}".strip()
            message = {"role": "assistant", "content": text}
            finish = "stop"
            completion = _words(text) + 1
        prompt = _words(messages) + 10
        return {
            "id": f"chatcmpl-{n}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [
                {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": self.cached_tokens},
                "completion_tokens_details": {"reasoning_tokens": 0},
            },
        }

    def embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        inputs = body.get("input")
        items = inputs if isinstance(inputs, list) else [inputs]
        tokens = _words(items) + 1
        return {
            "object": "list",
            "model": body.get("model") or "fake-embedding",
            "data": [
                {"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]}
                for i in range(len(items))
            ],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
