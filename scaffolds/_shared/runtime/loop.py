"""The agent loop: call the model, run the tools it asks for, repeat, answer.

An agent offers the model only tools that agent.yaml declares (``AGENT_TOOLS``,
when set): an undeclared tool is a startup error, not a silent extra.
One run is one ``invoke_agent {name}`` span. Inside it, every model call is a
``chat {model}`` span (from the openai instrumentation) and every tool call an
``execute_tool {tool}`` span. Guardrails are checked before every model call
and tool call and after every usage report.
"""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from opentelemetry import trace

from . import groundedness, model, telemetry
from .cluster_ledger import ClusterLedger
from .config import Settings, UndeclaredToolError
from .guardrails import DailyLedger, GuardrailExceeded, RunGuard
from .model import Reply, make_client
from .tools import Toolbox

log = logging.getLogger("agent_runtime")


@dataclass
class RunResult:
    output: str
    conversation_id: str
    steps: int
    tool_calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    model: str
    provider: str
    trace_id: str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("messages")
        data["cost_usd"] = round(self.cost_usd, 8)
        return data


def _no_progress(event: str, data: dict[str, Any]) -> None:
    return None


OUTCOME_ATTRIBUTE = "agentctl.run.outcome"
_outcome: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("agentctl_run_outcome", default=None)


def report_outcome(outcome: str) -> None:
    """Say how the current run ended, ``success`` or ``failure``, whatever its span status.

    Call it from a tool or the agent's code during ``Agent.run``; it lands on the
    run's ``invoke_agent`` span as ``agentctl.run.outcome`` and decides the run's
    task success in ``agentctl eval`` (docs: finops-and-evaluation, task success).
    """
    if outcome not in ("success", "failure"):
        raise ValueError(f"outcome must be 'success' or 'failure', not {outcome!r}")
    reported = _outcome.get()
    if reported is None:
        raise RuntimeError("report_outcome() is for use during Agent.run")
    reported.append(outcome)


def _record_groundedness(span: Any, output: str, messages: list[dict[str, Any]], *, with_content: bool) -> None:
    """The answer's groundedness in what the run saw, as a ``gen_ai.evaluation.result`` event.

    Only the verdict leaves the process (the claims themselves only with content
    capture on), so the hallucination rate is measured without storing content.
    """
    try:
        verdict = groundedness.check(output, groundedness.message_texts(messages))
        span.add_event(groundedness.EVENT_NAME, verdict.attributes(with_content=with_content))
    except Exception:  # an evaluation never fails the run it evaluates
        log.warning("groundedness check failed", exc_info=True)


class Agent:
    """An LLM agent with tools, guardrails and GenAI tracing."""

    def __init__(
        self,
        settings: Settings,
        toolbox: Toolbox | None = None,
        system_prompt: str = "You are a helpful agent.",
        *,
        client: Any = None,
        ledger: DailyLedger | ClusterLedger | None = None,
        name: str | None = None,
    ) -> None:
        self.settings = settings
        self.toolbox = toolbox or Toolbox()
        undeclared = self.toolbox.undeclared(settings)
        if undeclared:
            # Governance in code: what the platform cannot see, the model is not offered.
            raise UndeclaredToolError(undeclared)
        self.system_prompt = system_prompt
        self.client = client if client is not None else make_client(settings)
        # dailyUSD: in the cluster when agentctl rendered a ledger there (every replica sees it),
        # else under the memory directory (every process sharing it sees it)
        self.ledger = ledger or ClusterLedger.from_env() or DailyLedger(settings.memory_dir)
        self.name = name or settings.agent_name

    def run(
        self,
        task: str,
        *,
        history: list[dict[str, Any]] | None = None,
        conversation_id: str | None = None,
        progress: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> RunResult:
        """One run of the loop; ``progress(event, data)`` hears of each step and tool call as it happens."""
        settings = self.settings
        conversation_id = conversation_id or uuid.uuid4().hex
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": self.system_prompt},
            *(history or []),
            {"role": "user", "content": task},
        ]
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": self.name,
            "gen_ai.agent.version": settings.agent_version,
            "gen_ai.conversation.id": conversation_id,
            "gen_ai.provider.name": settings.model_provider,
            "gen_ai.request.model": settings.model_name,
        }
        if settings.capture_content:
            attributes["gen_ai.system_instructions"] = telemetry.text_messages("system", self.system_prompt)
            attributes["gen_ai.input.messages"] = telemetry.text_messages("user", task)
        guard = RunGuard(settings, ledger=self.ledger)
        reported: list[str] = []
        token = _outcome.set(reported)
        with telemetry.tracer().start_as_current_span(
            f"invoke_agent {self.name}",
            kind=trace.SpanKind.INTERNAL,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                guard.check_daily()
                output = self._loop(messages, guard, progress or _no_progress)
            except GuardrailExceeded as exc:
                span.add_event(
                    "gen_ai.guardrail.result",
                    {
                        "gen_ai.guardrail.policy.id": exc.policy,
                        "gen_ai.guardrail.result.type": "blocked",
                        "gen_ai.guardrail.result.value": str(exc),
                    },
                )
                telemetry.mark_error(span, exc.error_type, str(exc))
                raise
            except Exception as exc:
                telemetry.mark_error(span, type(exc).__qualname__, str(exc))
                raise
            finally:
                _outcome.reset(token)
                if reported:
                    span.set_attribute(OUTCOME_ATTRIBUTE, reported[-1])
                guard.settle()
                span.set_attributes(
                    {
                        "agentctl.run.steps": guard.steps,
                        "agentctl.run.tool_calls": guard.tool_calls,
                        "agentctl.run.input_tokens": guard.input_tokens,
                        "agentctl.run.output_tokens": guard.output_tokens,
                        "agentctl.run.cost_usd": round(guard.cost_usd, 8),
                        "agentctl.run.price_source": guard.price.source,
                    }
                )
            if settings.capture_content:
                span.set_attribute("gen_ai.output.messages", telemetry.text_messages("assistant", output))
            _record_groundedness(span, output, messages, with_content=settings.capture_content)
            trace_id = format(span.get_span_context().trace_id, "032x") if span.get_span_context().is_valid else None
        return RunResult(
            output=output,
            conversation_id=conversation_id,
            steps=guard.steps,
            tool_calls=guard.tool_calls,
            input_tokens=guard.input_tokens,
            output_tokens=guard.output_tokens,
            cost_usd=guard.cost_usd,
            model=settings.model_name,
            provider=settings.model_provider,
            trace_id=trace_id,
            messages=messages[1:],
        )

    def _chat(self, request: dict[str, Any], step: int) -> Reply:
        """One model call, its answer checked; any failure is one :class:`ModelCallError` naming the endpoint."""
        base_url = str(getattr(self.client, "base_url", "") or "")
        endpoint = model.endpoint_name(base_url)
        if telemetry.openai_instrumented():
            return model.parse_reply(self._create(request, endpoint), endpoint, step)
        with telemetry.chat_span(self.settings.model_provider, self.settings.model_name, base_url) as span:
            reply = model.parse_reply(self._create(request, endpoint), endpoint, step)
            telemetry.record_chat_response(span, reply)
            return reply

    def _create(self, request: dict[str, Any], endpoint: str) -> Any:
        try:
            return self.client.chat.completions.create(**request)
        except Exception as exc:
            raise model.call_failure(exc, endpoint) from None

    def _loop(
        self, messages: list[dict[str, Any]], guard: RunGuard, progress: Callable[[str, dict[str, Any]], None]
    ) -> str:
        tools = self.toolbox.openai_specs()
        while True:
            guard.before_step()
            progress("step", {"step": guard.steps})
            request: dict[str, Any] = {"model": self.settings.model_name, "messages": messages}
            if tools:
                request["tools"] = tools
            remaining = guard.remaining_seconds()
            if remaining is not None:
                request["timeout"] = max(remaining, 0.001)
            try:
                with model.deadline(remaining):
                    reply = self._chat(request, guard.steps)
            except Exception as exc:
                # A model call cut short by the run's deadline is the timeout guardrail.
                limit = self.settings.timeout_seconds
                if limit is not None and guard.elapsed() >= limit:
                    raise GuardrailExceeded("timeout", f"run exceeded its timeout of {limit:g}s") from exc
                raise
            messages.append(reply.message())
            if reply.usage is not None:
                guard.record_usage(*reply.usage)
            if not reply.tool_calls:
                return reply.content or ""
            for call in reply.tool_calls:
                guard.before_tool_call()
                name = call["function"]["name"]
                result = self.toolbox.execute(
                    name,
                    call["function"]["arguments"],
                    call["id"],
                    capture_content=self.settings.capture_content,
                    max_result_chars=self.settings.tool_result_max_chars,
                )
                messages.append({"role": "tool", "tool_call_id": call["id"], "content": result.content})
                progress("tool_call", {"name": name, "ok": result.ok})
