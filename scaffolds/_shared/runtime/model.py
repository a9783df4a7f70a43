"""The chat model client: any OpenAI-compatible endpoint, or the offline demo.

An endpoint is not trusted to behave. Its answers are read through a transport
that keeps each one within ``AGENT_MODEL_MAX_RESPONSE_BYTES``, stops reading
once the run's deadline passes (a body that trickles in a byte at a time, on
every retry the SDK makes, included), keeps at most a few KiB of an error's
body and blanks the API key wherever the endpoint echoes it. A failed call
becomes one :class:`ModelCallError` naming the endpoint, never the key.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from . import demo_model
from .config import Settings

log = logging.getLogger("agent_runtime")

MAX_ERROR_BODY = 4096  # of an error answer: enough for its message, never a flood
REDACTED = "[redacted]"

# When the current run must be over (time.monotonic()); the loop sets it around each model call.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("agent_model_deadline", default=None)


class ModelCallError(RuntimeError):
    """A call to the model endpoint failed: no answer, an error status, or an answer that is no chat completion.

    ``str()`` is one line naming the endpoint; ``reason`` is the same without it
    (what an HTTP caller of the agent is told).
    """

    def __init__(self, endpoint: str, reason: str) -> None:
        super().__init__(f"model endpoint {endpoint}: {reason}")
        self.endpoint = endpoint
        self.reason = reason


def endpoint_name(base_url: object) -> str:
    """The endpoint as logs name it: scheme, host, port and path, no user info or query."""
    parts = urlsplit(str(base_url or ""))
    if not parts.hostname:
        return "(no base URL)"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path.rstrip('/')}"


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Model calls made inside stop reading once ``seconds`` have passed (None: no deadline)."""
    token = _deadline.set(None if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def _redact(data: bytes, secret: str | None) -> bytes:
    if not secret or len(secret) < 4:
        return data
    return data.replace(secret.encode(), REDACTED.encode())


def bounded_transport(max_bytes: int, secret: str | None, inner: Any) -> Any:
    """``inner``, an HTTP transport of the library the openai SDK uses, reading each answer
    whole, within ``max_bytes`` and the run's deadline."""
    httpx = demo_model.http_module()

    class _Bounded(httpx.BaseTransport):
        def __init__(self) -> None:
            self._inner = inner

        def handle_request(self, request: Any) -> Any:
            started = time.monotonic()
            timeouts = request.extensions.get("timeout") or dict.fromkeys(("connect", "read", "write", "pool"))
            per_call = timeouts.get("read")
            ends = [started + per_call] if per_call is not None else []
            run_ends = _deadline.get()
            if run_ends is not None:
                if started >= run_ends:
                    raise httpx.ReadTimeout("the run's deadline has passed", request=request)
                ends.append(run_ends)
                left = run_ends - started  # no single read may wait past the deadline either
                request.extensions["timeout"] = {k: (left if v is None else min(v, left)) for k, v in timeouts.items()}
            ends_at = min(ends) if ends else None
            request.headers["accept-encoding"] = "gzip, deflate"  # what it can count the decoded size of
            response = self._inner.handle_request(request)
            limit = max_bytes if response.status_code < 400 else MAX_ERROR_BODY
            try:
                declared = int(response.headers.get("content-length", "0"))
            except ValueError:
                declared = 0
            if response.status_code < 400 and declared > limit:
                response.close()
                raise UnreadableAnswer(f"answer of {declared} bytes is over {limit} (AGENT_MODEL_MAX_RESPONSE_BYTES)")
            encoding = response.headers.get("content-encoding", "identity").strip().lower()
            if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
                response.close()
                raise UnreadableAnswer(f"answer has a content-encoding it was not offered ({encoding[:40]})")
            decoder = zlib.decompressobj(wbits=47) if encoding not in ("", "identity") else None  # gzip or zlib
            chunks, size = [], 0
            try:
                for raw in response.stream:  # type: ignore[union-attr]
                    if ends_at is not None and time.monotonic() > ends_at:
                        raise httpx.ReadTimeout("the answer did not arrive in time", request=request)
                    try:  # decoded within the limit: a small compressed answer may inflate to any size
                        chunk = raw if decoder is None else decoder.decompress(raw, limit + 1 - size)
                    except zlib.error:
                        raise UnreadableAnswer(f"answer is not valid {encoding}") from None
                    size += len(chunk)
                    if size > limit:
                        if response.status_code >= 400:  # an error's message: its beginning is enough
                            chunks.append(chunk[: limit - (size - len(chunk))])
                            break
                        raise UnreadableAnswer(f"answer is over {limit} bytes (AGENT_MODEL_MAX_RESPONSE_BYTES)")
                    chunks.append(chunk)
                if decoder is not None and size <= limit:
                    chunks.append(decoder.flush()[: limit - size])
            finally:
                response.close()
            dropped = {"content-length", "content-encoding", "transfer-encoding"}
            if run_ends is not None:  # the SDK waits as long as Retry-After says: never past the deadline
                dropped |= {"retry-after", "retry-after-ms"}
            headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in dropped]
            asked = _retry_after(response.headers) if run_ends is not None else None
            if run_ends is not None and asked is not None:
                headers.append(("retry-after-ms", f"{min(asked, max(run_ends - time.monotonic(), 0.001)) * 1000:.0f}"))
            return httpx.Response(
                response.status_code,
                headers=headers,
                content=_redact(b"".join(chunks), secret),
                extensions=response.extensions,
                request=request,
            )

        def close(self) -> None:
            self._inner.close()

    return _Bounded()


def _retry_after(headers: Any) -> float | None:
    """Seconds an answer asks the client to wait before trying again (``retry-after-ms``, ``retry-after``)."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(headers[name]) * scale
        except (KeyError, ValueError):
            continue
    return None


class UnreadableAnswer(Exception):
    """The endpoint's answer cannot be read within the limits: too large (``AGENT_MODEL_MAX_RESPONSE_BYTES``),
    or in an encoding it was not offered."""


def make_client(settings: Settings) -> Any:
    """An ``openai.OpenAI`` client for ``AGENT_MODEL_*`` (in-process for ``offline-demo``)."""
    import openai

    if settings.offline:
        return demo_model.client()
    key = settings.model_api_key
    if not key:
        log.warning(
            "no API key: AGENT_MODEL_API_KEY_FILE and AGENT_MODEL_API_KEY are unset; "
            "endpoints that need one will answer 401"
        )
    http = openai.DefaultHttpxClient()
    # every transport the client may use (a proxy's from the environment too) reads within the limits
    http._transport = bounded_transport(settings.model_max_response_bytes, key, http._transport)
    http._mounts = {
        pattern: None if inner is None else bounded_transport(settings.model_max_response_bytes, key, inner)
        for pattern, inner in http._mounts.items()
    }
    return openai.OpenAI(api_key=key or "unset", base_url=settings.model_base_url, max_retries=2, http_client=http)


def call_failure(exc: Exception, endpoint: str) -> ModelCallError:
    """The one-line failure of a model call (the SDK's ``create``) that raised ``exc``.

    Whatever the SDK and its instrumentation raise reading an answer that is
    not what they expect (a body that is not JSON, choices that are strings)
    is the endpoint's failure too.
    """
    import openai

    unreadable = exc if isinstance(exc, UnreadableAnswer) else exc.__cause__
    if isinstance(unreadable, UnreadableAnswer):
        return ModelCallError(endpoint, str(unreadable))
    if isinstance(exc, openai.APIStatusError):
        return ModelCallError(endpoint, f"answered HTTP {exc.status_code} ({type(exc).__name__})")
    if isinstance(exc, openai.APITimeoutError):
        return ModelCallError(endpoint, "no answer in time (APITimeoutError)")
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__
        what = type(cause).__name__ if cause is not None else "no connection"
        return ModelCallError(endpoint, f"could not be reached ({what})")
    return ModelCallError(endpoint, f"answered something that is no chat completion ({type(exc).__name__})")


MAX_TOKENS_REPORTED = 10**12  # more tokens than any call uses: a count above it is not a count


@dataclass(frozen=True)
class Reply:
    """The parts of a chat completion the loop uses, checked: what the endpoint answered, as plain values."""

    content: str | None
    tool_calls: list[dict[str, Any]]  # {"id", "type": "function", "function": {"name", "arguments"}}
    usage: tuple[int, int] | None  # (input tokens, output tokens)
    finish_reason: str
    model: str | None = None
    id: str | None = None

    def message(self) -> dict[str, Any]:
        """The assistant message as it goes back into the conversation."""
        out: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            out["tool_calls"] = self.tool_calls
        return out


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _text(content: Any, endpoint: str) -> str | None:
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: their text, in order
        texts = [_get(part, "text") for part in content]
        return "".join(t for t in texts if isinstance(t, str))
    raise ModelCallError(endpoint, f"choices[0].message.content is a {type(content).__name__}, not text")


def _tokens(usage: Any, name: str, endpoint: str) -> int:
    value = _get(usage, name)
    if value is None:
        return 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKENS_REPORTED:
        raise ModelCallError(endpoint, f"usage.{name} is not a token count ({str(value)[:40]!r})")
    return value


def _call(call: Any, index: int, step: int) -> dict[str, Any]:
    function = _get(call, "function")
    name = _get(function, "name") if function is not None else None
    arguments = _get(function, "arguments") if function is not None else None
    if not isinstance(arguments, str):  # the tool's own check answers the model
        arguments = json.dumps(arguments if arguments is not None else {}, default=str)
    call_id = _get(call, "id")
    return {
        "id": call_id if isinstance(call_id, str) and call_id else f"call_{step}_{index}",
        "type": "function",
        "function": {"name": name if isinstance(name, str) else "", "arguments": arguments},
    }


def parse_reply(response: Any, endpoint: str, step: int = 0) -> Reply:
    """Check a chat completion's shape; raise :class:`ModelCallError` naming what is wrong.

    What the model got wrong inside a tool call (an unknown tool, arguments that
    are not JSON) is left for the tool call to answer, so the model can recover;
    a call without an id gets one, so its result can be sent back.
    """
    choices = _get(response, "choices")
    if not isinstance(choices, list) or not choices:
        raise ModelCallError(endpoint, "the answer has no choices (is it a chat completion?)")
    message = _get(choices[0], "message")
    if message is None or isinstance(message, str | int | float | list):
        raise ModelCallError(endpoint, "the answer's choices[0] has no message")
    content = _text(_get(message, "content"), endpoint)
    calls = _get(message, "tool_calls") or []
    if not isinstance(calls, list):
        raise ModelCallError(endpoint, "choices[0].message.tool_calls is not a list")
    usage_field = _get(response, "usage")
    usage = None
    if usage_field is not None:
        if isinstance(usage_field, str | int | float | list):
            raise ModelCallError(endpoint, "usage is not an object")
        usage = (_tokens(usage_field, "prompt_tokens", endpoint), _tokens(usage_field, "completion_tokens", endpoint))
    finish = _get(choices[0], "finish_reason")
    model = _get(response, "model")
    reply_id = _get(response, "id")
    return Reply(
        content=content,
        tool_calls=[_call(call, i, step) for i, call in enumerate(calls)],
        usage=usage,
        finish_reason=finish if isinstance(finish, str) and finish else "error",
        model=model if isinstance(model, str) else None,
        id=reply_id if isinstance(reply_id, str) else None,
    )
