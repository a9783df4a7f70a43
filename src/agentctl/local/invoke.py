"""One task through a local agent: an HTTP request, a job run or a workflow run.

- service/stateful agents: ``POST <agent>/invoke`` with ``{"input": TASK}``
  (the golden-path HTTP API); the answer is the response's ``output``.
- job agents: one run of the agent's command with ``AGENT_TASK=TASK`` (and
  ``--param`` values as the JSON object ``AGENT_PARAMS``).
- workflow agents: one run of the step DAG (:mod:`agentctl.local.workflow`),
  ``TASK`` given to every step as ``AGENT_TASK`` and, when the workflow
  declares a ``task`` or ``topic`` parameter, as that parameter. agentctl
  records the run's ``invoke_workflow`` span and hands its context to every
  step in ``TRACEPARENT`` so the whole run is one trace.

The traces of the run are read back from the local store once they arrived.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agentctl.errors import UsageError, WaitError
from agentctl.local import localhttp
from agentctl.spans import OP_INVOKE_WORKFLOW, STATUS_ERROR, STATUS_OK, SpanRecord

if TYPE_CHECKING:
    from agentctl.local.session import DevSession
    from agentctl.local.workflow import WorkflowResult

TASK_PARAMETERS = ("task", "topic", "question", "input")
SPAN_KIND_INTERNAL = 1


@dataclass
class RunReport:
    """What one invocation produced."""

    kind: str  # invoke | job | workflow
    ok: bool
    answer: Any = None
    reason: str = ""
    trace_ids: list[str] = field(default_factory=list)
    spans: list[SpanRecord] = field(default_factory=list)
    seconds: float = 0.0
    response: dict[str, Any] = field(default_factory=dict)
    workflow: WorkflowResult | None = None
    log_tail: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "ok": self.ok,
            "answer": self.answer,
            "reason": self.reason,
            "traceIds": self.trace_ids,
            "seconds": round(self.seconds, 3),
        }
        if self.workflow is not None:
            out["steps"] = [
                {
                    "name": s.name,
                    "status": s.status,
                    "attempts": s.attempts,
                    "items": s.items,
                    "reason": s.reason,
                    "spentUSD": round(s.spent_usd, 9),
                }
                for s in self.workflow.steps.values()
            ]
            out["spentUSD"] = round(self.workflow.spent_usd, 9)
            out["budgetUSD"] = self.workflow.budget_usd
        return out


def post_invoke(url: str, task: str, timeout: float) -> tuple[int, dict[str, Any]]:
    """POST the task to a local agent; (status, JSON body)."""
    body = json.dumps({"input": task}).encode("utf-8")
    request = urllib.request.Request(
        url.rstrip("/") + "/invoke",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with localhttp.urlopen(request, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WaitError(
            f"{url}/invoke: {reason}", hint="is the local agent still running?"
        ) from None
    try:
        data = json.loads(raw or b"{}")
    except json.JSONDecodeError:
        data = {"error": raw.decode("utf-8", "replace")[:500]}
    return status, data if isinstance(data, dict) else {"output": data}


def collect_spans(
    store: Any,
    mark: int,
    trace_ids: list[str] | None,
    *,
    timeout: float = 10.0,
    settle: float = 0.5,
) -> tuple[list[str], list[SpanRecord]]:
    """Spans that arrived after ``mark``.

    With ``trace_ids``: those traces, once each has its root span (or at
    ``timeout``). Without: every new span, once none arrived for ``settle``
    seconds (an agent that exports nothing costs ``timeout`` at most).
    """
    deadline = time.monotonic() + timeout
    seen: dict[str, SpanRecord] = {}
    rowid = mark
    last_new = time.monotonic()
    while True:
        batch = store.spans_after(rowid)
        for rid, span in batch:
            rowid = max(rowid, rid)
            seen[span.span_id] = span
        now = time.monotonic()
        if batch:
            last_new = now
        if trace_ids:
            roots = {s.trace_id for s in seen.values() if s.is_root}
            if all(t in roots for t in trace_ids):
                break
        elif seen and now - last_new >= settle:
            break
        if now >= deadline:
            break
        time.sleep(0.1)
    ids = set(trace_ids) if trace_ids else {s.trace_id for s in seen.values()}
    spans = sorted(
        (s for s in seen.values() if s.trace_id in ids),
        key=lambda s: (s.start_unix_nano, s.span_id),
    )
    return list(dict.fromkeys(s.trace_id for s in spans)), spans


def invoke_url(url: str, store: Any, task: str, *, timeout: float = 300.0) -> RunReport:
    """Send one task to an agent at ``url`` whose spans land in ``store``."""
    mark = store.last_rowid()
    started = time.monotonic()
    status, data = post_invoke(url, task, timeout)
    seconds = time.monotonic() - started
    trace_id = data.get("trace_id") if isinstance(data.get("trace_id"), str) else None
    ids, spans = collect_spans(
        store, mark, [trace_id] if trace_id else None, timeout=10.0 if trace_id else 3.0
    )
    ok = 200 <= status < 300
    reason = "" if ok else f"HTTP {status}: {data.get('error', '')}".rstrip(": ")
    return RunReport("invoke", ok, data.get("output"), reason, ids, spans, seconds, data)


def invoke_service(session: DevSession, task: str, *, timeout: float = 300.0) -> RunReport:
    if session.agent_url is None:
        kind = session.agent.spec.type.value
        raise UsageError(f"{session.agent.metadata.name} is a {kind} agent: it serves no requests")
    return invoke_url(session.agent_url, session.store, task, timeout=timeout)


def invoke_running(state: dict[str, Any], task: str, *, timeout: float = 300.0) -> RunReport:
    """Send one task to the agent of an ``agentctl dev`` running elsewhere (its store on disk)."""
    from pathlib import Path

    from agentctl.telemetry.store import TraceStore

    with TraceStore(Path(state["store"])) as store:
        return invoke_url(state["url"], store, task, timeout=timeout)


def run_job(session: DevSession, task: str | None) -> RunReport:
    from agentctl.spec import units

    assert session.commands is not None
    spec = session.agent.spec
    timeout = (
        float(units.parse_duration(spec.guardrails.timeout)) if spec.guardrails.timeout else None
    )
    extra = {"AGENT_TASK": task} if task else {}
    if session.options.parameters:
        # as `agentctl run -p` does on the cluster (runtime contract)
        extra["AGENT_PARAMS"] = json.dumps(session.options.parameters, separators=(",", ":"))
    mark = session.store.last_rowid()
    started = time.monotonic()
    argv = [*session.commands.agent, *(spec.args or [])]
    proc, timed_out = session.run_process(session.agent.metadata.name, argv, extra, timeout, "job")
    seconds = time.monotonic() - started
    ids, spans = collect_spans(session.store, mark, None, timeout=1.0)
    tail = proc.last_lines(20)
    if timed_out:
        reason = f"timed out after {spec.guardrails.timeout} (guardrails.timeout)"
    elif proc.returncode == 0:
        reason = ""
    else:
        reason = proc.describe_exit()
    ok = proc.returncode == 0 and not timed_out
    answer = job_answer(proc.stdout_text()) if ok else None
    return RunReport("job", ok, answer, reason, ids, spans, seconds, log_tail=tail)


def job_answer(stdout: str) -> Any:
    """A job's result: what it printed on stdout (parsed when it is one JSON document)."""
    text = stdout.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def workflow_parameters(session: DevSession, task: str | None) -> dict[str, str]:
    assert session.agent.spec.workflow is not None
    declared = session.agent.spec.workflow.parameters
    params = dict(session.options.parameters)
    unknown = sorted(set(params) - set(declared))
    if unknown:
        known = ", ".join(declared) or "none declared"
        raise UsageError(f"unknown workflow parameter {unknown[0]!r} (parameters: {known})")
    if task:
        for name in TASK_PARAMETERS:
            if name in declared and name not in params:
                params[name] = task
                break
    return params


def run_workflow(session: DevSession, task: str | None) -> RunReport:
    from agentctl.local.workflow import StepOutcome, StepRequest, WorkflowRunner

    assert session.commands is not None and session.agent.spec.workflow is not None
    spec = session.agent.spec
    workflow = spec.workflow
    assert workflow is not None
    name = session.agent.metadata.name
    trace_id, root_id = secrets.token_hex(16), secrets.token_hex(8)
    shared = {"TRACEPARENT": f"00-{trace_id}-{root_id}-01"}
    if task:
        shared["AGENT_TASK"] = task
    params = workflow_parameters(session, task)

    def launch(req: StepRequest) -> StepOutcome:
        command = planmod_command(session, req.step.command)
        argv = [*command, *req.args]
        label = req.label if req.attempt == 1 else f"{req.label}#{req.attempt}"
        proc, timed_out = session.run_process(
            label, argv, {**shared, **req.env}, req.timeout, "step"
        )
        tail = proc.last_lines(10)
        if proc.returncode == 0 and not timed_out:
            return StepOutcome(True, log_tail=tail)
        if timed_out:
            return StepOutcome(False, f"timed out after {req.timeout:g}s", log_tail=tail)
        if req.cancel.is_set():
            return StepOutcome(False, "stopped", log_tail=tail, cancelled=True)
        return StepOutcome(False, proc.describe_exit(), log_tail=tail)

    def on_event(event: Any) -> None:
        session.emit("step", event.step, event.message, event.status)

    run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)
    mark = session.store.last_rowid()
    start_ns = time.time_ns()
    started = time.monotonic()
    runner = WorkflowRunner(
        workflow, launch, session.local_dir / "runs" / run_id, parameters=params,
        on_event=on_event, cancel=session.cancel, run_budget_usd=run_budget_usd(session),
    )  # fmt: skip
    result = runner.run()
    seconds = time.monotonic() - started
    root = SpanRecord(
        trace_id=trace_id,
        span_id=root_id,
        parent_span_id=None,
        name=f"invoke_workflow {name}",
        kind=SPAN_KIND_INTERNAL,
        start_unix_nano=start_ns,
        end_unix_nano=time.time_ns(),
        status=STATUS_OK if result.ok else STATUS_ERROR,
        status_message=result.reason,
        service_name=name,
        agent_name=name,
        agent_version=session.agent.metadata.version,
        team=session.agent.metadata.team,
        operation=OP_INVOKE_WORKFLOW,
        error_type=None if result.ok else "WorkflowFailed",
        attributes={
            "gen_ai.operation.name": OP_INVOKE_WORKFLOW,
            "gen_ai.workflow.name": name,
            "agentctl.workflow.run_id": run_id,
        },
        resource={
            "service.name": name,
            "gen_ai.agent.name": name,
            "deployment.environment.name": "local",
        },
    )
    session.receiver.submit([root])
    ids, spans = collect_spans(session.store, mark, None, timeout=1.0)
    if trace_id in ids:
        ids.remove(trace_id)
        ids.insert(0, trace_id)
    failed = next((s for s in result.steps.values() if s.status == "failed"), None)
    return RunReport(
        "workflow", result.ok, result.output() if result.ok else None, result.reason, ids, spans, seconds,
        workflow=result, log_tail=failed.log_tail if failed else [],
    )  # fmt: skip


def run_budget_usd(session: DevSession) -> float | None:
    """The workflow run's ``perRunUSD``: the runner shares it out over the steps."""
    per_run = session.agent.spec.guardrails.budget.per_run_usd
    return None if per_run is None else float(per_run)


def planmod_command(session: DevSession, step_command: list[str] | None) -> list[str]:
    from agentctl.local.plan import resolve_command

    assert session.commands is not None
    if step_command:
        return resolve_command(step_command, session.commands.python)
    return list(session.commands.agent)
