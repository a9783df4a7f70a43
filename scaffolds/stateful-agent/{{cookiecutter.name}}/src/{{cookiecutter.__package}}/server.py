"""HTTP API: GET /healthz, GET /readyz, POST /invoke (JSON or SSE), GET /conversations/{id}, GET /notes."""

from __future__ import annotations

import logging
import os
from typing import Any

from opentelemetry import context as otel_context

from {{ cookiecutter.__package }}._runtime import GuardrailExceeded, ModelCallError, Settings
from {{ cookiecutter.__package }}._runtime.httpserver import (
    HTTPError,
    JsonServer,
    Request,
    request_timeout,
    require_json_object,
    trace_context,
)
from {{ cookiecutter.__package }}._runtime.memory import MemoryStoreError
from {{ cookiecutter.__package }}.agent import Assistant

log = logging.getLogger(__name__)

MAX_INPUT = 20_000


def make_server(
    settings: Settings, assistant: Assistant, *, host: str | None = None, port: int | None = None
) -> JsonServer:
    def invoke(request: Request) -> tuple[int, Any]:
        body = require_json_object(request)
        text = body.get("input")
        if not isinstance(text, str) or not text.strip():
            raise HTTPError(400, "'input' must be a non-empty string")
        if len(text) > MAX_INPUT:
            raise HTTPError(413, f"'input' is longer than {MAX_INPUT} characters")
        conversation_id = body.get("conversation_id")
        if conversation_id is not None and not isinstance(conversation_id, str):
            raise HTTPError(400, "'conversation_id' must be a string")
        token = otel_context.attach(trace_context(request))
        try:
            return 200, assistant.ask(text, conversation_id, progress=request.emit)
        except MemoryStoreError as exc:
            raise HTTPError(400, str(exc)) from None
        except GuardrailExceeded as exc:
            status = 429 if exc.policy == "budget_daily" else 422
            return status, {"error": str(exc), "guardrail": exc.policy}
        except ModelCallError as exc:
            log.warning("%s", exc)
            return 502, {"error": f"model call failed: {exc.reason}"}
        finally:
            otel_context.detach(token)

    def conversation(request: Request) -> tuple[int, Any]:
        try:
            messages = assistant.memory.load_conversation(request.params["conversation_id"])
        except MemoryStoreError as exc:
            raise HTTPError(400, str(exc)) from None
        if not messages:
            raise HTTPError(404, "no such conversation")
        return 200, {"id": request.params["conversation_id"], "messages": messages}

    def notes(request: Request) -> tuple[int, Any]:
        return 200, {"notes": assistant.memory.notes()}

    def ready() -> bool:
        root = assistant.memory.root
        return root.is_dir() and os.access(root, os.W_OK)

    return JsonServer(
        host if host is not None else settings.host,
        settings.port if port is None else port,
        {
            ("POST", "/invoke"): invoke,
            ("GET", "/conversations/{conversation_id}"): conversation,
            ("GET", "/notes"): notes,
        },
        ready=ready,
        streaming={("POST", "/invoke")},
        request_timeout=request_timeout(settings),
    )
