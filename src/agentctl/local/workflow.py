"""Run a workflow agent's step DAG locally, as Argo runs the rendered template.

The same ``spec.workflow`` that ``agentctl build`` renders drives this runner:

- a step starts when every step in its ``dependsOn`` has succeeded;
- a ``forEach`` step runs one process per item of its source step's JSON-list
  output, at most ``forEach.parallelism`` at a time (and at most
  ``workflow.parallelism`` processes in the whole run);
- a failed attempt is retried up to ``retry.limit`` times, waiting
  ``backoff x factor^(n-1)`` (capped by ``maxBackoff``) between attempts; a
  step without ``retry`` gets the default policy, as in the rendered template;
- a step without ``args`` gets its name as its only argument (as rendered);
- ``timeout`` bounds each attempt, ``workflow.deadline`` the whole run;
- once a step has failed no new step starts (Argo's fail-fast), running
  ones finish, and the run fails with that step's reason.

Steps talk through the runtime contract: ``AGENT_STEP``, ``AGENT_STEP_ITEM``,
``AGENT_STEP_INPUTS`` and ``AGENT_STEP_OUTPUT`` (docs/reference/runtime-contract.md).

``perRunUSD`` caps the whole run. With ``run_budget_usd`` set, every attempt is
told what it may still spend (``AGENT_RUN_BUDGET_REMAINING_USD``) and reports what
it spent (``AGENT_STEP_SPEND_OUTPUT``):

- steps that start together split what is left (the budget less what finished
  steps spent and what running steps hold) evenly; a fan-out splits its step's
  share evenly over its items;
- a step hands back what it did not spend when it finishes;
- an attempt that spent what it was given (its runtime stopped it with the
  ``budget_per_run`` guardrail) is not retried: the step and the run fail.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.spec import fast, units

if TYPE_CHECKING:
    from agentctl.spec.models import Retry, Step, Workflow

SUCCEEDED = "succeeded"
FAILED = "failed"
SKIPPED = "skipped"
CANCELLED = "cancelled"

DEFAULT_RETRY = fast.spec_object("Retry", {})  # what the rendered template uses without ``retry``
_PARAM = re.compile(r"\{\{\s*workflow\.parameters\.([A-Za-z0-9_.-]+)\s*\}\}")
_ITEM = re.compile(r"\{\{\s*(?:item|inputs\.parameters\.item)\s*\}\}")


@dataclass
class StepRequest:
    """One attempt of one step (or of one item of a fanned-out step)."""

    step: Step
    label: str  # "research" or "research[2]"
    attempt: int  # 1-based
    args: list[str]
    env: dict[str, str]  # the AGENT_STEP* contract variables (plus step.env)
    output_path: Path
    timeout: float | None
    cancel: threading.Event


@dataclass
class StepOutcome:
    ok: bool
    reason: str = ""  # why it failed: "exit code 1", "timed out after 20m", ...
    output: Any = None
    log_tail: list[str] = field(default_factory=list)
    cancelled: bool = False
    spent_usd: float = 0.0  # what the step reported spending, over its attempts so far


Launcher = Callable[[StepRequest], StepOutcome]


@dataclass
class RunEvent:
    step: str  # the label, with [i] for items
    status: str  # started | retrying | succeeded | failed | cancelled
    attempt: int = 1
    message: str = ""


@dataclass
class StepResult:
    name: str
    status: str = SKIPPED
    output: Any = None
    reason: str = ""
    attempts: int = 0
    items: int | None = None
    started: float | None = None
    ended: float | None = None
    log_tail: list[str] = field(default_factory=list)
    spent_usd: float = 0.0
    budget_usd: float | None = None  # what the step was given of the run's budget


@dataclass
class WorkflowResult:
    status: str
    reason: str
    steps: dict[str, StepResult]
    started_order: list[str]
    finished_order: list[str]
    run_dir: Path
    parameters: dict[str, str]
    spent_usd: float = 0.0
    budget_usd: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == SUCCEEDED

    def output(self) -> Any:
        """The output of the last step(s) to finish: the run's answer."""
        sinks = [n for n in self.finished_order if self.steps[n].status == SUCCEEDED]
        return self.steps[sinks[-1]].output if sinks else None


def substitute(args: list[str], parameters: dict[str, str], item: Any = None) -> list[str]:
    """Resolve ``{{workflow.parameters.NAME}}`` (and ``{{item}}`` for fan-out items)."""

    def param(m: re.Match[str]) -> str:
        return parameters.get(m.group(1), m.group(0))

    text = None if item is None else item if isinstance(item, str) else json.dumps(item)
    out = []
    for arg in args:
        arg = _PARAM.sub(param, arg)
        if text is not None:
            arg = _ITEM.sub(lambda _m: text, arg)
        out.append(arg)
    return out


def backoff_delays(retry: Retry | None) -> list[float]:
    """Seconds to wait before each retry (Argo's backoff duration, factor and maxDuration)."""
    if retry is None or retry.limit == 0:
        return []
    base = float(units.parse_duration(retry.backoff))
    cap = float(units.parse_duration(retry.max_backoff)) if retry.max_backoff else None
    delays = []
    for n in range(retry.limit):
        delay = base * (retry.factor**n)
        delays.append(min(delay, cap) if cap is not None else delay)
    return delays


class WorkflowRunner:
    """Schedules a workflow's steps; ``launcher`` runs one attempt of one step."""

    def __init__(
        self,
        workflow: Workflow,
        launcher: Launcher,
        run_dir: Path,
        *,
        parameters: dict[str, str] | None = None,
        on_event: Callable[[RunEvent], None] | None = None,
        cancel: threading.Event | None = None,
        deadline_s: float | None = None,
        run_budget_usd: float | None = None,
    ) -> None:
        self.workflow = workflow
        self.launcher = launcher
        self.run_dir = run_dir
        self.parameters = {**workflow.parameters, **(parameters or {})}
        self.on_event = on_event
        self.cancel = cancel or threading.Event()
        self.deadline_s = (
            deadline_s if deadline_s is not None else float(units.parse_duration(workflow.deadline))
        )
        self._slots = threading.BoundedSemaphore(workflow.parallelism)
        self._lock = threading.Lock()
        self._started: list[str] = []
        self._finished: list[str] = []
        self._deadline_at = 0.0
        self.run_budget_usd = run_budget_usd
        self._spent = 0.0  # what finished attempts reported
        self._reserved = 0.0  # what running steps were given and have not handed back

    # -- the DAG -----------------------------------------------------------

    def run(self) -> WorkflowResult:
        steps = {s.name: s for s in self.workflow.steps}
        results = {name: StepResult(name) for name in steps}
        self._deadline_at = time.monotonic() + self.deadline_s
        self.run_dir.mkdir(parents=True, exist_ok=True)
        pending = [s.name for s in self.workflow.steps]
        running: dict[Future[StepResult], str] = {}
        with ThreadPoolExecutor(max_workers=len(steps), thread_name_prefix="step") as pool:
            try:
                deadline_hit, failure = self._schedule(pool, steps, results, pending, running)
            except BaseException:
                # Ctrl-C in the main thread: let every step thread stop its process first.
                self.cancel.set()
                raise
        for name in pending:
            results[name].reason = "not started"
        if deadline_hit:
            status, reason = FAILED, f"workflow deadline {self.workflow.deadline} exceeded"
        elif failure is not None and failure.status == FAILED:
            status, reason = FAILED, f"step {failure.name} failed: {failure.reason}"
        elif self.cancel.is_set() or failure is not None:
            status, reason = CANCELLED, "cancelled"
        else:
            status, reason = SUCCEEDED, ""
        return WorkflowResult(
            status,
            reason,
            results,
            list(self._started),
            list(self._finished),
            self.run_dir,
            self.parameters,
            round(self._spent, 9),
            self.run_budget_usd,
        )

    def _schedule(
        self,
        pool: ThreadPoolExecutor,
        steps: dict[str, Step],
        results: dict[str, StepResult],
        pending: list[str],
        running: dict[Future[StepResult], str],
    ) -> tuple[bool, StepResult | None]:
        failure: StepResult | None = None
        deadline_hit = False
        while pending or running:
            if failure is None and not self.cancel.is_set():
                ready = [
                    n
                    for n in pending
                    if all(results[d].status == SUCCEEDED for d in steps[n].depends_on)
                ]
                shares = self._share(len(ready))
                for name in ready:
                    pending.remove(name)
                    inputs = {d: results[d].output for d in steps[name].depends_on}
                    with self._lock:
                        self._started.append(name)
                    fut = pool.submit(self._run_step, steps[name], inputs, results, shares)
                    running[fut] = name
            if not running:
                break
            left = self._deadline_at - time.monotonic()
            done, _ = wait(
                list(running), timeout=max(0.05, min(left, 0.5)), return_when=FIRST_COMPLETED
            )
            for fut in done:
                name = running.pop(fut)
                res = fut.result()
                results[name] = res
                if res.budget_usd is not None:
                    with self._lock:
                        self._reserved = max(self._reserved - res.budget_usd, 0.0)
                with self._lock:
                    self._finished.append(name)
                if res.status in (FAILED, CANCELLED) and failure is None:
                    failure = res
            if time.monotonic() >= self._deadline_at and running and not deadline_hit:
                deadline_hit = True
                self.cancel.set()
        return deadline_hit, failure

    # -- the run's budget ----------------------------------------------------

    def _share(self, count: int) -> float | None:
        """Reserve an even share of what is left of the run's budget for each of ``count`` steps."""
        if self.run_budget_usd is None or count == 0:
            return None
        with self._lock:
            left = max(self.run_budget_usd - self._spent - self._reserved, 0.0)
            share = left / count
            self._reserved += share * count
        return share

    def _book(self, usd: float) -> None:
        with self._lock:
            self._spent += usd

    # -- one step ----------------------------------------------------------

    def _run_step(
        self,
        step: Step,
        inputs: dict[str, Any],
        results: dict[str, StepResult],
        budget: float | None = None,
    ) -> StepResult:
        res = StepResult(step.name, started=time.monotonic(), budget_usd=budget)
        inputs_json = json.dumps(inputs)
        if step.for_each is None:
            outcome, attempts = self._with_retries(
                step, step.name, None, inputs_json, self.run_dir / step.name, budget
            )
            res.spent_usd = outcome.spent_usd
            res.attempts = attempts
            res.output = outcome.output
            res.log_tail = outcome.log_tail
            res.status = SUCCEEDED if outcome.ok else CANCELLED if outcome.cancelled else FAILED
            res.reason = outcome.reason
            res.ended = time.monotonic()
            return res
        source = results[step.for_each.from_].output
        if not isinstance(source, list):
            res.status = FAILED
            res.reason = f"forEach.from {step.for_each.from_!r} must output a JSON list, got {type(source).__name__}"
            res.ended = time.monotonic()
            self._emit(RunEvent(step.name, FAILED, 0, res.reason))
            return res
        res.items = len(source)
        outputs: list[Any] = [None] * len(source)
        outcomes: list[StepOutcome | None] = [None] * len(source)
        total_attempts = 0
        workers = max(1, min(step.for_each.parallelism, len(source) or 1))
        item_budget = None if budget is None else budget / max(len(source), 1)
        with ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=f"{step.name}-item"
        ) as pool:
            futures = {
                pool.submit(
                    self._with_retries,
                    step,
                    f"{step.name}[{i}]",
                    item,
                    inputs_json,
                    self.run_dir / step.name / str(i),
                    item_budget,
                ): i
                for i, item in enumerate(source)
            }
            for fut, i in futures.items():
                outcome, attempts = fut.result()
                outcomes[i] = outcome
                outputs[i] = outcome.output
                total_attempts += attempts
                res.spent_usd += outcome.spent_usd
        res.attempts = total_attempts
        res.ended = time.monotonic()
        bad = [(i, o) for i, o in enumerate(outcomes) if o is not None and not o.ok]
        if not bad:
            res.status = SUCCEEDED
            res.output = outputs
            return res
        i, first = bad[0]
        res.status = CANCELLED if all(o.cancelled for _, o in bad) else FAILED
        res.reason = f"item {i}: {first.reason}" + (
            f" ({len(bad)} of {len(source)} items failed)" if len(bad) > 1 else ""
        )
        res.log_tail = first.log_tail
        return res

    def _with_retries(
        self,
        step: Step,
        label: str,
        item: Any,
        inputs_json: str,
        out_dir: Path,
        budget: float | None = None,
    ) -> tuple[StepOutcome, int]:
        # Like the rendered template: a step without ``retry`` gets the default policy.
        delays = backoff_delays(step.retry or DEFAULT_RETRY)
        step_timeout = float(units.parse_duration(step.timeout)) if step.timeout else None
        attempt = 0
        spent = 0.0  # over this step's (or item's) attempts
        while True:
            attempt += 1
            if self.cancel.is_set():
                return StepOutcome(False, "cancelled", cancelled=True), attempt - 1
            left = self._deadline_at - time.monotonic()
            timeout = left if step_timeout is None else min(step_timeout, left)
            out_dir.mkdir(parents=True, exist_ok=True)
            output_path = out_dir / f"result-{attempt}.json"
            env = {
                **step.env,
                "AGENT_STEP": step.name,
                "AGENT_STEP_INPUTS": inputs_json,
                "AGENT_STEP_OUTPUT": str(output_path),
            }
            if item is not None:
                env["AGENT_STEP_ITEM"] = json.dumps(item)
            spend_path = out_dir / f"spend-{attempt}.json"
            if budget is not None:
                env["AGENT_RUN_BUDGET_REMAINING_USD"] = f"{max(budget - spent, 0.0):.9f}"
                env["AGENT_STEP_SPEND_OUTPUT"] = str(spend_path)
            request = StepRequest(
                step=step,
                label=label,
                attempt=attempt,
                args=substitute(step.args or [step.name], self.parameters, item),
                env=env,
                output_path=output_path,
                timeout=max(0.0, timeout),
                cancel=self.cancel,
            )
            with self._slot():
                if self.cancel.is_set():
                    return StepOutcome(False, "cancelled", cancelled=True), attempt - 1
                self._emit(RunEvent(label, "started", attempt))
                outcome = self.launcher(request)
                if outcome.ok and outcome.output is None:
                    outcome.output = read_output(output_path)
            used, stopped_by = read_spend(spend_path) if budget is not None else (0.0, None)
            spent += used
            outcome.spent_usd = spent
            self._book(used)
            if (
                not outcome.ok
                and budget is not None
                and (stopped_by == "budget_per_run" or spent >= budget)
            ):
                # The runtime stopped the step at its share of the run's budget:
                # another attempt would have nothing to spend.
                outcome.reason = (
                    f"stopped by guardrail budget_per_run: spent ${spent:.6f} of the "
                    f"${budget:.6f} it was given of the run's perRunUSD ({outcome.reason})"
                )
                self._emit(RunEvent(label, FAILED, attempt, outcome.reason))
                return outcome, attempt
            if outcome.ok:
                self._emit(RunEvent(label, SUCCEEDED, attempt))
                return outcome, attempt
            if outcome.cancelled or self.cancel.is_set():
                outcome.cancelled = True
                self._emit(RunEvent(label, CANCELLED, attempt, outcome.reason))
                return outcome, attempt
            if attempt > len(delays):
                if delays:
                    outcome.reason = f"{outcome.reason} (after {attempt} attempts)"
                self._emit(RunEvent(label, FAILED, attempt, outcome.reason))
                return outcome, attempt
            delay = min(delays[attempt - 1], max(0.0, self._deadline_at - time.monotonic()))
            self._emit(
                RunEvent(label, "retrying", attempt, f"{outcome.reason}; retrying in {delay:g}s")
            )
            if self.cancel.wait(delay):
                outcome.cancelled = True
                return outcome, attempt

    def _slot(self) -> _Slot:
        return _Slot(self._slots, self.cancel)

    def _emit(self, event: RunEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)


class _Slot:
    """The run-wide parallelism limit; waiting for a slot gives way to cancellation."""

    def __init__(self, sem: threading.BoundedSemaphore, cancel: threading.Event) -> None:
        self.sem = sem
        self.cancel = cancel
        self.held = False

    def __enter__(self) -> _Slot:
        while not self.cancel.is_set():
            if self.sem.acquire(timeout=0.1):
                self.held = True
                break
        return self

    def __exit__(self, *exc: object) -> None:
        if self.held:
            self.sem.release()


def read_spend(path: Path) -> tuple[float, str | None]:
    """What an attempt reported spending (``AGENT_STEP_SPEND_OUTPUT``) and the guardrail that
    stopped it; (0, None) when it reported nothing (it made no model call) or wrote nonsense."""
    value = read_output(path)
    if not isinstance(value, dict):
        return 0.0, None
    cost = value.get("costUSD")
    stopped = value.get("stoppedBy")
    usd = (
        float(cost)
        if isinstance(cost, int | float) and not isinstance(cost, bool) and cost >= 0
        else 0.0
    )
    return usd, stopped if isinstance(stopped, str) else None


def read_output(path: Path) -> Any:
    """A step's JSON output; None when it wrote none. Non-JSON text is kept as a string."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text.strip()
