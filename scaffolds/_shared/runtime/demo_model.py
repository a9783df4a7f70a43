"""``offline-demo``: a deterministic stand-in for a chat model, with no network.

Selected by ``AGENT_MODEL_PROVIDER=offline-demo``. It answers the OpenAI chat
completions API *inside* the ``openai`` SDK's HTTP transport, so the agent loop,
the SDK, the official instrumentation and the guardrails run exactly as they do
against a real endpoint. What it does, always the same way for the same input:

1. On a new user request it calls the tools whose name or description shares
   words with the request (best match first, at most 3 per request, one per
   step), filling required arguments from the request: numbers (the first
   the parameter's ``minimum``/``maximum`` allow), ISO dates, enum values
   mentioned in it, otherwise the request text itself. With no
   matching tool it calls the first one.
2. Once it has tool results it answers: with the last result as JSON when the
   request or the system prompt asks for JSON, otherwise with a short summary
   marked ``[offline-demo]``.
3. It reports token usage (about 4 characters per token) so spans, budgets and
   cost reports have real numbers to show.

It is a demo, not a model: it does not understand anything.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import re
from collections.abc import Callable
from typing import Any

DEMO_MODEL = "offline-demo"
DEMO_BASE_URL = "http://offline-demo.invalid/v1"
MAX_TOOL_CALLS_PER_REQUEST = 3

_WORD = re.compile(r"[a-z0-9]+")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")
_STOP = {
    "the", "and", "for", "with", "that", "this", "from", "into", "what", "when", "which", "your",
    "you", "are", "was", "has", "have", "how", "about", "does", "use", "using", "not", "all", "any",
    "can", "will", "our", "its", "one", "out", "then", "give", "tell", "please", "result", "results",
}  # fmt: skip


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) >= 3 and w not in _STOP}


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def _tokens(text: str) -> int:
    return math.ceil(len(text) / 4) if text else 0


class OfflineDemoModel:
    """The deterministic chat-completions responder behind ``offline-demo``."""

    def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        messages: list[dict[str, Any]] = list(request.get("messages") or [])
        tools = [t["function"] for t in request.get("tools") or [] if t.get("type") == "function"]
        model = str(request.get("model") or DEMO_MODEL)
        users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
        last_user = users[-1] if users else -1
        task = _text(messages[last_user]) if users else ""
        turn = messages[last_user + 1 :]
        called = [
            call["function"]["name"] for m in turn if m.get("role") == "assistant" for call in m.get("tool_calls") or []
        ]
        digest = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()
        message: dict[str, Any] = {"role": "assistant", "content": None}
        choice = self._next_tool(task, tools, called) if len(called) < MAX_TOOL_CALLS_PER_REQUEST else None
        if choice is not None:
            arguments = json.dumps(build_arguments(choice.get("parameters") or {}, task), sort_keys=True)
            message["tool_calls"] = [
                {
                    "id": f"call_{digest[:16]}",
                    "type": "function",
                    "function": {"name": choice["name"], "arguments": arguments},
                }
            ]
            finish = "tool_calls"
            produced = arguments
        else:
            system = " ".join(_text(m) for m in messages if m.get("role") == "system")
            message["content"] = self._answer(task, system, turn)
            finish = "stop"
            produced = message["content"]
        prompt_tokens = sum(_tokens(_text(m)) + 4 for m in messages) + _tokens(json.dumps(tools))
        completion_tokens = _tokens(produced) + 1
        return {
            "id": f"chatcmpl-demo-{digest[:24]}",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "system_fingerprint": "offline-demo",
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    @staticmethod
    def _next_tool(task: str, tools: list[dict[str, Any]], called: list[str]) -> dict[str, Any] | None:
        if not tools:
            return None
        wanted = _words(task)
        scored = []
        for index, fn in enumerate(tools):
            if fn["name"] in called:
                continue
            vocabulary = _words(fn["name"].replace("_", " ") + " " + str(fn.get("description", "")))
            score = len(wanted & vocabulary)
            if score:
                scored.append((-score, index, fn))
        if scored:
            return min(scored, key=lambda item: item[:2])[2]
        return tools[0] if not called else None

    @staticmethod
    def _answer(task: str, system: str, turn: list[dict[str, Any]]) -> str:
        names = {
            call["id"]: call["function"]["name"]
            for m in turn
            if m.get("role") == "assistant"
            for call in m.get("tool_calls") or []
        }
        results = [(names.get(m.get("tool_call_id", ""), "tool"), _text(m)) for m in turn if m.get("role") == "tool"]
        if "json" in (task + " " + system).lower():
            if results:
                try:
                    return json.dumps(json.loads(results[-1][1]), ensure_ascii=False)
                except json.JSONDecodeError:
                    pass
            return json.dumps({"answer": task[:200]}, ensure_ascii=False)
        if not results:
            return f"[offline-demo] No tool was needed. You asked: {task[:200]}"
        parts = [f"{name}: {_shorten(content)}" for name, content in results]
        return "[offline-demo] Based on " + "; ".join(parts)


def _shorten(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def build_arguments(schema: dict[str, Any], task: str) -> dict[str, Any]:
    """Arguments for the required parameters of ``schema``, taken from ``task``."""
    props: dict[str, Any] = schema.get("properties") or {}
    required = schema.get("required", list(props))
    dates = _DATE.findall(task)
    numbers = [float(n) for n in _NUMBER.findall(_DATE.sub(" ", task))]
    mentioned: list[str] = []
    for name in required:
        spec = props.get(name) or {}
        if "enum" in spec:
            positions = []
            for option in spec["enum"]:
                match = re.search(rf"\b{re.escape(str(option))}\b", task, flags=re.IGNORECASE)
                if match and option not in mentioned:
                    positions.append((match.start(), option))
            if positions:
                mentioned.append(min(positions)[1])
    args: dict[str, Any] = {}
    for name in required:
        spec = props.get(name) or {}
        kind = spec.get("type", "string")
        if "enum" in spec:
            choice = mentioned.pop(0) if mentioned else spec.get("default", spec["enum"][0])
            args[name] = choice
        elif kind in ("number", "integer"):
            value = _pick_number(numbers, spec, integer=kind == "integer")
            args[name] = int(value) if kind == "integer" else float(value)
        elif kind == "boolean":
            args[name] = bool(spec.get("default", False))
        elif kind == "array":
            args[name] = [task[:200]]
        elif kind == "object":
            args[name] = {}
        elif spec.get("format") == "date" or name.endswith("date"):
            args[name] = dates.pop(0) if dates else spec.get("default", "")
        else:
            args[name] = task[:200] if task else spec.get("default", "")
    return args


def _pick_number(numbers: list[float], spec: dict[str, Any], *, integer: bool) -> float:
    """The first number of the request the schema accepts (taken from ``numbers``), else a fallback.

    A number the schema would refuse (outside ``minimum``/``maximum``, or not
    whole for an integer) is skipped: it belongs to some other part of the
    request, such as a version in a topic.
    """
    low, high = spec.get("minimum"), spec.get("maximum")

    def fits(value: float) -> bool:
        return (
            (low is None or value >= low)
            and (high is None or value <= high)
            and (not integer or float(value).is_integer())
        )

    for i, value in enumerate(numbers):
        if fits(value):
            return numbers.pop(i)
    fallback = spec.get("default", low if low is not None else 1)
    if high is not None and fallback > high:
        fallback = high
    return fallback


def http_module() -> Any:
    """The HTTP library of the installed openai SDK (httpx, or httpx2 in newer releases)."""
    import openai

    for cls in type.mro(openai.DefaultHttpxClient)[1:]:
        if cls.__name__ == "Client":
            return importlib.import_module(cls.__module__.split(".")[0])
    raise RuntimeError("cannot find the openai SDK's HTTP client library")


def transport(model: OfflineDemoModel | None = None) -> Any:
    """An in-process HTTP transport that answers chat completions with ``model``."""
    http = http_module()
    demo = model or OfflineDemoModel()

    def handle(request: Any) -> Any:
        request.read()
        if request.method == "POST" and request.url.path.endswith("/chat/completions"):
            try:
                body = json.loads(request.content or b"{}")
            except json.JSONDecodeError:
                return http.Response(400, json={"error": {"message": "invalid JSON", "type": "invalid_request_error"}})
            return http.Response(200, json=demo.complete(body))
        return http.Response(404, json={"error": {"message": "offline-demo serves chat completions only"}})

    return http.MockTransport(handle)


def client(factory: Callable[..., Any] | None = None) -> Any:
    """An ``openai.OpenAI`` client whose requests never leave the process."""
    import openai

    make = factory or openai.OpenAI
    return make(
        api_key=DEMO_MODEL,
        base_url=DEMO_BASE_URL,
        http_client=openai.DefaultHttpxClient(transport=transport()),
        max_retries=0,
    )
