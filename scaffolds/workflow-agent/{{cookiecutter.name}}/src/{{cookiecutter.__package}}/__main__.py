"""Entry point: one workflow step per process, as Argo (or ``agentctl dev``) runs it.

    python -m {{ cookiecutter.__package }} plan TOPIC     # writes a JSON list of questions
    python -m {{ cookiecutter.__package }} research       # AGENT_STEP_ITEM: one question
    python -m {{ cookiecutter.__package }} write TOPIC    # AGENT_STEP_INPUTS: {"research": [...]}
    python -m {{ cookiecutter.__package }} run TOPIC      # all steps in this process (local try-out)

Outputs go to ``AGENT_STEP_OUTPUT`` (stdout when unset). Exit codes: 0 done,
1 stopped by a guardrail or failed, 2 bad configuration or input.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from opentelemetry import trace

from {{ cookiecutter.__package }} import steps as workflow
from {{ cookiecutter.__package }}._runtime import ConfigError, GuardrailExceeded, ModelCallError, Settings, steps, telemetry

log = logging.getLogger("{{ cookiecutter.__package }}")
STEPS = ("plan", "research", "write", "run")


def _topic(settings: Settings, args: list[str]) -> str:
    topic = " ".join(args).strip() or (settings.task or "").strip()
    if not topic:
        raise ConfigError("plan needs a TOPIC argument (or AGENT_TASK)")
    return topic


def _findings(settings: Settings) -> list[dict[str, Any]]:
    research = steps.inputs(settings).get("research")
    if not isinstance(research, list):
        raise ConfigError('AGENT_STEP_INPUTS must hold {"research": [...]} (the research step outputs)')
    return [item for item in research if isinstance(item, dict)]


def run_step(settings: Settings, step: str, args: list[str], *, client: Any = None) -> Any:
    if step == "plan":
        return workflow.plan(settings, _topic(settings, args), client=client)
    if step == "research":
        question = steps.item(settings)
        if not isinstance(question, str) or not question.strip():
            raise ConfigError("AGENT_STEP_ITEM must be a JSON string (one research question)")
        return workflow.research(settings, question, client=client)
    if step == "write":
        topic = " ".join(args).strip() or (settings.task or "").strip() or "the research questions"
        return workflow.write(settings, topic, _findings(settings), client=client)
    topic = _topic(settings, args)
    questions = workflow.plan(settings, topic, client=client)
    findings = [workflow.research(settings, q, client=client) for q in questions]
    return workflow.write(settings, topic, findings, client=client)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    step = args[0] if args else (settings.step or "")
    if step not in STEPS:
        print("usage: python -m {{ cookiecutter.__package }} plan|research|write|run [TOPIC]", file=sys.stderr)
        return 2
    telemetry.setup(settings)
    attributes = {
        "gen_ai.operation.name": "invoke_workflow",
        "gen_ai.workflow.name": settings.agent_name,
        "gen_ai.agent.name": settings.agent_name,
        "agentctl.workflow.step": step,
    }
    span_name = f"invoke_workflow {settings.agent_name}"
    try:
        with telemetry.tracer().start_as_current_span(
            span_name,
            context=telemetry.parent_context_from_env(),
            kind=trace.SpanKind.INTERNAL,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                output = run_step(settings, step, args[1:])
            except GuardrailExceeded as exc:
                telemetry.mark_error(span, exc.error_type, str(exc))
                print(f"{step}: stopped by guardrail {exc.policy}: {exc}", file=sys.stderr)
                return 1
            except ModelCallError as exc:
                telemetry.mark_error(span, "ModelCallError", str(exc))
                print(f"{step}: {exc}", file=sys.stderr)
                return 1
            except ConfigError as exc:
                telemetry.mark_error(span, "ConfigError", str(exc))
                print(f"{step}: {exc}", file=sys.stderr)
                return 2
            except Exception as exc:
                telemetry.mark_error(span, type(exc).__qualname__, str(exc))
                log.exception("%s failed", step)
                return 1
            steps.write_output(settings, output)
            if step == "run" and isinstance(output, dict):
                print(output["report"], file=sys.stderr)
            log.info("%s done: %s", step, json.dumps(output)[:200])
            return 0
    finally:
        telemetry.shutdown()


if __name__ == "__main__":
    sys.exit(main())
