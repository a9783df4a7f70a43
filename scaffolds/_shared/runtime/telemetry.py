"""OpenTelemetry setup following the GenAI semantic conventions.

- ``chat {model}`` spans come from the official
  ``opentelemetry-instrumentation-openai-v2`` around the ``openai`` SDK (also
  for the offline demo model, which answers inside the SDK's HTTP transport).
  It only knows the ``openai`` provider, so :class:`ProviderNameProcessor`
  stamps the configured ``gen_ai.provider.name`` on them.
- ``invoke_agent {name}``, ``invoke_workflow {name}`` and
  ``execute_tool {tool}`` spans are this runtime's own.
- Export is OTLP/HTTP, configured only from the standard ``OTEL_*`` variables;
  with no ``OTEL_EXPORTER_OTLP_ENDPOINT`` there is no exporter at all.
- The instrumentation follows the latest GenAI conventions
  (``OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental``) and takes its
  content mode (``NO_CONTENT``/``SPAN_ONLY``...) from
  ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` when it is turned on.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator

from .config import Settings

log = logging.getLogger("agent_runtime")

TRACER_NAME = "agent_runtime"
_MODEL_OPERATIONS = {"chat", "text_completion", "generate_content", "embeddings"}


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


class ProviderNameProcessor(SpanProcessor):
    """Give model-call spans the provider of the agent run that made them.

    The openai instrumentation records ``gen_ai.system=openai`` for every
    OpenAI-compatible endpoint; the run's span knows the real provider
    (``anthropic``, ``offline-demo``...), and cost reports price by it.
    """

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        attrs = span.attributes or {}
        if attrs.get("gen_ai.operation.name") not in _MODEL_OPERATIONS:
            return
        parent = trace.get_current_span(parent_context)
        provider = (getattr(parent, "attributes", None) or {}).get("gen_ai.provider.name")
        if provider:
            span.set_attribute("gen_ai.provider.name", provider)
            span.set_attribute("gen_ai.system", provider)

    def on_end(self, span: ReadableSpan) -> None:
        return None

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def _resource_attributes(settings: Settings, env: Mapping[str, str]) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "service.name": settings.agent_name,
        "service.version": settings.agent_version,
        "gen_ai.agent.name": settings.agent_name,
        "gen_ai.agent.version": settings.agent_version,
    }
    if settings.agent_team:
        defaults["agentctl.team"] = settings.agent_team
    if env.get("OTEL_SERVICE_NAME"):
        defaults.pop("service.name")
    given = {
        part.split("=", 1)[0].strip() for part in env.get("OTEL_RESOURCE_ATTRIBUTES", "").split(",") if "=" in part
    }
    return {key: value for key, value in defaults.items() if key not in given}


def exporter_configured(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "").lower() == "none":
        return False
    return bool(env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT"))


_OPENAI_INSTRUMENTED = False
_OWNED_PROVIDER: TracerProvider | None = None


def _error_types_as_names() -> None:
    """The openai instrumentation reports a failed call's ``error.type`` as the exception *class*;
    span attributes must be strings (the SDK drops the value and warns "Invalid type"), so record
    the class's qualified name, as the semantic conventions ask."""
    try:
        from opentelemetry.instrumentation.openai_v2 import patch
        from opentelemetry.util.genai.types import Error
    except ImportError:
        return
    if getattr(patch, "Error", None) is not Error:
        return  # already wrapped, or a version without it

    class NamedError(Error):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if isinstance(self.type, type):
                self.type = error_type_name(self.type)

    patch.Error = NamedError


def error_type_name(cls: type) -> str:
    """``error.type`` for an exception class: its qualified name, module-prefixed unless built in."""
    module = getattr(cls, "__module__", "") or ""
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def openai_instrumented() -> bool:
    """Whether ``chat`` spans come from the official instrumentation (else the loop makes its own)."""
    return _OPENAI_INSTRUMENTED


CAPTURE_MODE_VAR = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
SEMCONV_VAR = "OTEL_SEMCONV_STABILITY_OPT_IN"
SEMCONV_GENAI = "gen_ai_latest_experimental"
CAPTURE_MODES = frozenset({"no_content", "span_only", "event_only", "span_and_event"})


def configure_genai_env(capture_content: bool, env: MutableMapping[str, str] | None = None) -> None:
    """Set what the GenAI instrumentations read: the latest conventions and a content mode they know.

    On the latest conventions (``gen_ai_latest_experimental``, which this
    runtime's own spans follow) ``opentelemetry-util-genai`` takes
    ``NO_CONTENT|SPAN_ONLY|EVENT_ONLY|SPAN_AND_EVENT`` and warns on every
    model call about anything else; a ``true``/``false`` left from older
    manifests becomes ``SPAN_ONLY``/``NO_CONTENT``. An explicit mode wins.
    """
    env = os.environ if env is None else env
    opted = [p.strip() for p in env.get(SEMCONV_VAR, "").split(",") if p.strip()]
    if SEMCONV_GENAI not in opted:
        env[SEMCONV_VAR] = ",".join([*opted, SEMCONV_GENAI])
    current = env.get(CAPTURE_MODE_VAR, "").strip()
    if current.lower() in CAPTURE_MODES:
        return
    if current or capture_content:
        env[CAPTURE_MODE_VAR] = "SPAN_ONLY" if capture_content else "NO_CONTENT"


def instrument_openai(provider: TracerProvider | None = None, *, capture_content: bool = False) -> bool:
    """Turn on the official openai instrumentation once per process; False when it is unavailable."""
    global _OPENAI_INSTRUMENTED
    configure_genai_env(capture_content)
    try:
        from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
    except ImportError as exc:
        log.warning("openai instrumentation unavailable (%s); recording chat spans without it", exc)
        _OPENAI_INSTRUMENTED = False
        return False
    _error_types_as_names()
    instrumentor = OpenAIInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)
    _OPENAI_INSTRUMENTED = True
    return True


def uninstrument_openai() -> None:
    """Turn the official instrumentation off again (tests of the fallback path)."""
    global _OPENAI_INSTRUMENTED
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    OpenAIInstrumentor().uninstrument()
    _OPENAI_INSTRUMENTED = False


@contextlib.contextmanager
def chat_span(provider: str, model: str, server_url: str | None) -> Iterator[trace.Span]:
    """A ``chat {model}`` CLIENT span like the instrumentation's, for when it is not installed."""
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": model,
    }
    if server_url:
        parsed = urlsplit(server_url)
        if parsed.hostname:
            attributes["server.address"] = parsed.hostname
    with tracer().start_as_current_span(
        f"chat {model}",
        kind=trace.SpanKind.CLIENT,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            yield span
        except Exception as exc:
            mark_error(span, type(exc).__qualname__, str(exc))
            raise


def record_chat_response(span: trace.Span, reply: Any) -> None:
    """A checked answer's model, id, finish reason and usage on its ``chat`` span (``model.Reply``)."""
    attributes: dict[str, Any] = {"gen_ai.response.finish_reasons": [reply.finish_reason]}
    if reply.model:
        attributes["gen_ai.response.model"] = reply.model
    if reply.id:
        attributes["gen_ai.response.id"] = reply.id
    if reply.usage is not None:
        attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"] = reply.usage
    span.set_attributes(attributes)


def build_provider(settings: Settings, env: Mapping[str, str] | None = None) -> TracerProvider:
    """A tracer provider for this agent: resource from ``OTEL_*``, OTLP/HTTP export only when configured."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    env = os.environ if env is None else env
    run_id = run_trace_id(env)
    provider = TracerProvider(
        resource=Resource.create(_resource_attributes(settings, env)),
        id_generator=RunIdGenerator(run_id) if run_id is not None else None,
    )
    provider.add_span_processor(ProviderNameProcessor())
    if exporter_configured(env):
        protocol = env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL") or ""
        if protocol and protocol != "http/protobuf":
            log.warning("OTEL_EXPORTER_OTLP_PROTOCOL=%s is not supported here; exporting with http/protobuf", protocol)
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def setup(settings: Settings, env: Mapping[str, str] | None = None) -> TracerProvider:
    """Install the process-wide tracer provider and the openai instrumentation (entry points call this once)."""
    global _OWNED_PROVIDER
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        provider = current
    else:
        provider = build_provider(settings, env)
        trace.set_tracer_provider(provider)
        _OWNED_PROVIDER = provider
    instrument_openai(provider, capture_content=settings.capture_content)
    return provider


def shutdown() -> None:
    """Flush and stop the provider ``setup()`` installed (entry points call this before exiting)."""
    global _OWNED_PROVIDER
    provider, _OWNED_PROVIDER = _OWNED_PROVIDER, None
    if provider is not None:
        provider.force_flush()
        provider.shutdown()


def parent_context_from_env(env: Mapping[str, str] | None = None) -> Context | None:
    """Continue a trace handed over in ``TRACEPARENT`` (W3C trace context), if any."""
    env = os.environ if env is None else env
    traceparent = env.get("TRACEPARENT", "").strip()
    if not traceparent:
        return None
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    carrier = {"traceparent": traceparent}
    if env.get("TRACESTATE"):
        carrier["tracestate"] = env["TRACESTATE"]
    return TraceContextTextMapPropagator().extract(carrier)


def run_trace_id(env: Mapping[str, str]) -> int | None:
    """The trace id of the workflow run ``AGENT_RUN_ID`` names (Argo's workflow uid, a UUID)."""
    hexid = env.get("AGENT_RUN_ID", "").strip().replace("-", "").lower()
    if len(hexid) != 32 or not all(c in "0123456789abcdef" for c in hexid):
        return None
    return int(hexid, 16) or None


class RunIdGenerator(RandomIdGenerator):
    """New traces get the workflow run's trace id, so every step of one run (each a process,
    none holding the others' context) records its spans in one trace, as roots of it;
    the trace-id ratio sampler then samples all of a run's steps alike."""

    def __init__(self, trace_id: int) -> None:
        self._trace_id = trace_id

    def generate_trace_id(self) -> int:
        return self._trace_id


def text_messages(role: str, text: str) -> str:
    """``gen_ai.input.messages``/``gen_ai.output.messages`` JSON for one text message."""
    return json.dumps([{"role": role, "parts": [{"type": "text", "content": text}]}], ensure_ascii=False)


def mark_error(span: trace.Span, error_type: str, message: str) -> None:
    span.set_attribute("error.type", error_type)
    span.set_status(trace.Status(trace.StatusCode.ERROR, message[:500]))
