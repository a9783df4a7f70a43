"""Guardrails enforced in code: max steps, max tool calls, timeout, budgets.

The limits come from agent.yaml ``spec.guardrails`` through the environment
(``AGENT_MAX_STEPS``, ``AGENT_MAX_TOOL_CALLS``, ``AGENT_TIMEOUT_SECONDS``,
``AGENT_BUDGET_PER_RUN_USD``, ``AGENT_BUDGET_DAILY_USD``). A run that would
break one stops with :class:`GuardrailExceeded`; its span records
``error.type = guardrail.<policy>`` and a ``gen_ai.guardrail.result`` event.

``perRunUSD`` caps the whole run. A workflow run spans many step processes, so
the workflow engine hands each step what remains of the run's budget
(``AGENT_RUN_BUDGET_REMAINING_USD``); the step's model calls stop once they
would spend more than that, and the step reports what it spent to
``AGENT_STEP_SPEND_OUTPUT`` so the engine can pass the rest on.

An Argo workflow has no engine that does arithmetic, so its steps receive the
hand-off itself (``AGENT_RUN_BUDGET``, see ``config.handoff_budget``): the
reports of the steps they depend on, and how many ways each report is split.
Each step works out its own share and reports what it hands on (``leftUSD``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .cluster_ledger import ClusterLedger
from .config import Settings
from .pricing import Price, price_for
from .storage import atomic_write_json, read_json

POLICIES = ("max_steps", "max_tool_calls", "timeout", "budget_per_run", "budget_daily")


class GuardrailExceeded(RuntimeError):
    """A run hit one of its limits and was stopped."""

    def __init__(self, policy: str, message: str) -> None:
        super().__init__(message)
        self.policy = policy

    @property
    def error_type(self) -> str:
        return f"guardrail.{self.policy}"


class DailyLedger:
    """Spend of the current UTC day; persisted under the memory dir when there is one."""

    def __init__(self, directory: Path | None = None, *, today: Callable[[], dt.date] | None = None) -> None:
        self._dir = directory
        self._today = today or (lambda: dt.datetime.now(dt.UTC).date())
        self._lock = threading.Lock()
        self._memory: dict[str, float] = {}

    def _file(self, day: str) -> Path | None:
        return None if self._dir is None else self._dir / ".agent" / f"spend-{day}.json"

    def spent(self) -> float:
        day = self._today().isoformat()
        with self._lock:
            return self._read(day)

    def add(self, usd: float) -> float:
        day = self._today().isoformat()
        with self._lock, self._file_lock(day):
            total = self._read(day) + usd
            path = self._file(day)
            if path is None:
                self._memory[day] = total
            else:
                atomic_write_json(path, {"day": day, "spent_usd": round(total, 9)})
            return total

    @contextlib.contextmanager
    def _file_lock(self, day: str) -> Iterator[None]:
        """Every process that shares the memory directory (replicas on a shared volume, a
        restarted pod, concurrent runs) adds to the day's total under one lock, so no
        update is lost between a read and the write that follows it."""
        path = self._file(day)
        if path is None:
            yield
            return
        try:
            import fcntl
        except ImportError:  # not POSIX: the in-process lock is all there is
            yield
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_suffix(".lock"), "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _read(self, day: str) -> float:
        path = self._file(day)
        if path is None:
            return self._memory.get(day, 0.0)
        return float(read_json(path, {}).get("spent_usd", 0.0))


class StepSpend:
    """What this process (one workflow step) has spent over all its agent runs.

    Its report (``AGENT_STEP_SPEND_OUTPUT``) is what the workflow engine reads:
    ``costUSD`` spent, ``stoppedBy`` (the guardrail that stopped a run, if one
    did), ``budgetUSD`` this attempt was given, ``leftUSD`` it hands on to the
    steps after it, and ``outputItems`` when its output is a JSON list (the
    number of items a ``forEach`` over it shares its budget between).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.cost_usd = 0.0
        self.stopped_by: str | None = None
        self.output_items: int | None = None

    def add(self, usd: float, stopped_by: str | None, settings: Settings) -> None:
        with self._lock:
            self.cost_usd += usd
            self.stopped_by = self.stopped_by or stopped_by
            self._write(settings)

    def output(self, settings: Settings, value: object) -> None:
        """The step wrote its output: report (also when it spent nothing, so the budget is handed on)."""
        with self._lock:
            self.output_items = len(value) if isinstance(value, list) else None
            self._write(settings)

    def _write(self, settings: Settings) -> None:
        path = settings.step_spend_output
        if path is None:
            return
        report: dict[str, object] = {"costUSD": round(self.cost_usd, 9), "stoppedBy": self.stopped_by}
        if settings.run_budget_remaining_usd is not None:
            handon = settings.run_budget_handon_usd
            base = settings.run_budget_remaining_usd if handon is None else handon
            report["budgetUSD"] = round(settings.run_budget_remaining_usd, 9)
            report["leftUSD"] = round(max(base - self.cost_usd, 0.0), 9)
        if self.output_items is not None:
            report["outputItems"] = self.output_items
        atomic_write_json(path, report)


STEP_SPEND = StepSpend()


class RunGuard:
    """Counts one run's steps, tool calls, time and cost against its limits."""

    def __init__(
        self,
        settings: Settings,
        *,
        ledger: DailyLedger | ClusterLedger | None = None,
        price: Price | None = None,
        clock: Callable[[], float] = time.monotonic,
        step_spend: StepSpend | None = None,
    ) -> None:
        self.settings = settings
        self.step_spend = step_spend or STEP_SPEND
        self.ledger = ledger
        self.price = price or price_for(
            settings.model_name,
            provider=settings.model_provider,
            input_override=settings.price_input_per_mtok_usd,
            output_override=settings.price_output_per_mtok_usd,
        )
        self._clock = clock
        self._started = clock()
        self.steps = 0
        self.tool_calls = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.cost_usd = 0.0
        self.stopped_by: str | None = None
        self.per_run_limit, self.limit_is_remaining = self._per_run_limit(settings)

    def _per_run_limit(self, settings: Settings) -> tuple[float | None, bool]:
        """The tighter of ``perRunUSD`` and what remains of the workflow run's budget."""
        own = settings.budget_per_run_usd
        remaining = settings.run_budget_remaining_usd
        if remaining is None:
            return own, False
        remaining = max(remaining - self.step_spend.cost_usd, 0.0)
        if own is not None and own < remaining:
            return own, False
        return remaining, True

    def elapsed(self) -> float:
        return self._clock() - self._started

    def remaining_seconds(self) -> float | None:
        limit = self.settings.timeout_seconds
        return None if limit is None else max(limit - self.elapsed(), 0.0)

    def check_time(self) -> None:
        limit = self.settings.timeout_seconds
        if limit is not None and self.elapsed() >= limit:
            raise GuardrailExceeded("timeout", f"run exceeded its timeout of {limit:g}s")

    def check_daily(self, pending: float = 0.0) -> None:
        limit = self.settings.budget_daily_usd
        if limit is None or self.ledger is None:
            return
        spent = self.ledger.spent() + pending
        if spent >= limit:
            raise GuardrailExceeded("budget_daily", f"daily budget of ${limit:g} used up (${spent:.4f} spent today)")

    def before_step(self) -> None:
        self.check_time()
        if self.limit_is_remaining and self.per_run_limit is not None and self.per_run_limit <= 0:
            self.stopped_by = "budget_per_run"
            raise GuardrailExceeded("budget_per_run", "nothing is left of the workflow run's budget (perRunUSD)")
        limit = self.settings.max_steps
        if limit is not None and self.steps >= limit:
            raise GuardrailExceeded("max_steps", f"run needed more than {limit} model calls (maxSteps)")
        self.check_daily(self.cost_usd)
        self.steps += 1

    def before_tool_call(self) -> None:
        self.check_time()
        limit = self.settings.max_tool_calls
        if limit is not None and self.tool_calls >= limit:
            raise GuardrailExceeded("max_tool_calls", f"run needed more than {limit} tool calls (maxToolCalls)")
        self.tool_calls += 1

    def record_usage(self, input_tokens: int, output_tokens: int) -> None:
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        self.cost_usd += self.price.cost(input_tokens, output_tokens)
        limit = self.per_run_limit
        if limit is not None and self.cost_usd > limit:
            self.stopped_by = "budget_per_run"
            if self.limit_is_remaining:
                raise GuardrailExceeded(
                    "budget_per_run",
                    f"step cost ${self.cost_usd:.6f} is over the ${limit:g} left of the workflow run's "
                    "budget (perRunUSD)",
                )
            raise GuardrailExceeded(
                "budget_per_run",
                f"run cost ${self.cost_usd:.6f} is over its budget of ${limit:g} (perRunUSD)",
            )
        self.check_daily(self.cost_usd)

    def settle(self) -> None:
        """Book this run's cost on the daily ledger (also after a failure: the tokens were spent)."""
        if self.ledger is not None and self.cost_usd:
            self.ledger.add(self.cost_usd)
        if self.settings.step_spend_output is not None or self.settings.run_budget_remaining_usd is not None:
            self.step_spend.add(self.cost_usd, self.stopped_by, self.settings)
