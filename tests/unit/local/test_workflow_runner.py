"""The local workflow runner: DAG order, fan-out, retries, timeouts, deadline."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from agentctl.local.workflow import (
    CANCELLED,
    FAILED,
    SUCCEEDED,
    StepOutcome,
    StepRequest,
    WorkflowRunner,
    backoff_delays,
    substitute,
)
from agentctl.spec.models import Retry, Workflow


def wf(steps: list[dict], **extra: object) -> Workflow:
    return Workflow.model_validate({"steps": steps, **extra})


class Recorder:
    """A launcher that runs steps in-process, following the output-file contract."""

    def __init__(self, behaviour: dict[str, object] | None = None) -> None:
        self.behaviour = behaviour or {}
        self.calls: list[StepRequest] = []
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0

    def __call__(self, req: StepRequest) -> StepOutcome:
        with self.lock:
            self.calls.append(req)
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            action = self.behaviour.get(req.step.name)
            if callable(action):
                return action(req)
            inputs = json.loads(req.env["AGENT_STEP_INPUTS"])
            item = json.loads(req.env["AGENT_STEP_ITEM"]) if "AGENT_STEP_ITEM" in req.env else None
            if req.step.name == "plan":
                out: object = ["a", "b", "c", "d"]
            elif item is not None:
                time.sleep(0.05)
                out = f"{item}!"
            else:
                out = {"inputs": inputs, "args": req.args}
            req.output_path.write_text(json.dumps(out))
            return StepOutcome(True)
        finally:
            with self.lock:
                self.active -= 1


STEPS = [
    {"name": "plan", "args": ["plan", "{{workflow.parameters.topic}}"]},
    {"name": "research", "dependsOn": ["plan"], "forEach": {"from": "plan", "parallelism": 2}},
    {"name": "write", "dependsOn": ["research"]},
]


def test_dag_order_fan_out_and_outputs(tmp_path: Path) -> None:
    launcher = Recorder()
    runner = WorkflowRunner(wf(STEPS, parameters={"topic": "k8s"}), launcher, tmp_path)
    result = runner.run()
    assert result.status == SUCCEEDED, result.reason
    assert result.started_order == ["plan", "research", "write"]
    assert result.steps["research"].output == ["a!", "b!", "c!", "d!"]
    assert result.steps["research"].items == 4
    assert result.output() == {"inputs": {"research": ["a!", "b!", "c!", "d!"]}, "args": ["write"]}
    plan_call = launcher.calls[0]
    assert plan_call.args == ["plan", "k8s"]
    assert plan_call.env["AGENT_STEP"] == "plan"
    items = sorted(
        json.loads(c.env["AGENT_STEP_ITEM"]) for c in launcher.calls if c.step.name == "research"
    )
    assert items == ["a", "b", "c", "d"]
    research = [c for c in launcher.calls if c.step.name == "research"]
    assert {json.loads(c.env["AGENT_STEP_INPUTS"])["plan"][0] for c in research} == {"a"}
    assert launcher.max_active <= 2  # forEach.parallelism


def test_independent_steps_run_in_parallel_and_parameters_override(tmp_path: Path) -> None:
    barrier = threading.Barrier(2, timeout=5)

    def together(req: StepRequest) -> StepOutcome:
        barrier.wait()  # deadlocks (and times out) unless both run at once
        req.output_path.write_text(json.dumps(req.args))
        return StepOutcome(True)

    steps = [
        {"name": "left", "args": ["{{workflow.parameters.topic}}"]},
        {"name": "right"},
        {"name": "join", "dependsOn": ["left", "right"]},
    ]
    launcher = Recorder({"left": together, "right": together})
    result = WorkflowRunner(
        wf(steps, parameters={"topic": "a"}), launcher, tmp_path, parameters={"topic": "b"}
    ).run()
    assert result.ok, result.reason
    assert result.steps["left"].output == ["b"]
    assert result.started_order[-1] == "join"
    assert json.loads(launcher.calls[-1].env["AGENT_STEP_INPUTS"]) == {
        "left": ["b"],
        "right": ["right"],
    }


def test_failing_step_retries_then_fails_the_run(tmp_path: Path) -> None:
    def broken(req: StepRequest) -> StepOutcome:
        return StepOutcome(False, "exit code 3", log_tail=["boom"])

    steps = [
        {"name": "plan", "retry": {"limit": 2, "backoff": "1s", "factor": 1}},
        {"name": "write", "dependsOn": ["plan"]},
    ]
    events = []
    launcher = Recorder({"plan": broken})
    runner = WorkflowRunner(wf(steps), launcher, tmp_path, on_event=events.append)
    runner_delays = backoff_delays(wf(steps).steps[0].retry)
    assert runner_delays == [1.0, 1.0]
    result = runner.run()
    assert result.status == FAILED
    assert result.reason == "step plan failed: exit code 3 (after 3 attempts)"
    assert result.steps["plan"].attempts == 3
    assert result.steps["plan"].log_tail == ["boom"]
    assert result.steps["write"].status == "skipped"
    assert [e.status for e in events] == [
        "started",
        "retrying",
        "started",
        "retrying",
        "started",
        FAILED,
    ]


def test_failed_item_fails_the_fan_out_step(tmp_path: Path) -> None:
    def research(req: StepRequest) -> StepOutcome:
        item = json.loads(req.env["AGENT_STEP_ITEM"])
        if item == "c":
            return StepOutcome(False, "exit code 1")
        req.output_path.write_text(json.dumps(item))
        return StepOutcome(True)

    steps = [dict(s) for s in STEPS]
    steps[1]["retry"] = {"limit": 0}
    result = WorkflowRunner(wf(steps), Recorder({"research": research}), tmp_path).run()
    assert result.status == FAILED
    assert result.reason == "step research failed: item 2: exit code 1"
    assert "write" not in result.started_order


def test_fan_out_over_a_non_list_fails_clearly(tmp_path: Path) -> None:
    def plan(req: StepRequest) -> StepOutcome:
        req.output_path.write_text('{"not": "a list"}')
        return StepOutcome(True)

    result = WorkflowRunner(wf(STEPS), Recorder({"plan": plan}), tmp_path).run()
    assert result.status == FAILED
    assert "must output a JSON list, got dict" in result.reason


def test_deadline_cancels_running_steps(tmp_path: Path) -> None:
    def slow(req: StepRequest) -> StepOutcome:
        if req.cancel.wait(30):
            return StepOutcome(False, "stopped", cancelled=True)
        return StepOutcome(True)

    steps = [{"name": "plan"}, {"name": "write", "dependsOn": ["plan"]}]
    runner = WorkflowRunner(wf(steps, deadline="1s"), Recorder({"plan": slow}), tmp_path)
    result = runner.run()
    assert result.status == FAILED
    assert result.reason == "workflow deadline 1s exceeded"


def test_per_attempt_timeout_is_passed_to_the_launcher(tmp_path: Path) -> None:
    launcher = Recorder()
    steps = [{"name": "plan", "timeout": "20m"}]
    WorkflowRunner(wf(steps, deadline="1h"), launcher, tmp_path).run()
    assert 0 < launcher.calls[0].timeout <= 1200


def test_external_cancel(tmp_path: Path) -> None:
    cancel = threading.Event()

    def plan(req: StepRequest) -> StepOutcome:
        cancel.set()
        return StepOutcome(False, "stopped", cancelled=True)

    result = WorkflowRunner(wf(STEPS), Recorder({"plan": plan}), tmp_path, cancel=cancel).run()
    assert result.status == CANCELLED


def test_backoff_grows_and_is_capped() -> None:
    retry = Retry.model_validate({"limit": 4, "backoff": "10s", "factor": 2, "maxBackoff": "30s"})
    assert backoff_delays(retry) == [10.0, 20.0, 30.0, 30.0]
    assert backoff_delays(None) == []


def test_substitute_parameters_and_item() -> None:
    args = ["{{workflow.parameters.topic}}", "{{ item }}", "{{workflow.parameters.missing}}"]
    assert substitute(args, {"topic": "k8s"}, {"q": 1}) == [
        "k8s",
        '{"q": 1}',
        "{{workflow.parameters.missing}}",
    ]


class Spender(Recorder):
    """Steps that spend like the runtime: up to what they were given, then stop."""

    def __init__(self, costs: dict[str, float]) -> None:
        super().__init__()
        self.costs = costs

    def __call__(self, req: StepRequest) -> StepOutcome:
        given = float(req.env["AGENT_RUN_BUDGET_REMAINING_USD"])
        want = self.costs.get(req.step.name, 0.0)
        stopped = want > given
        Path(req.env["AGENT_STEP_SPEND_OUTPUT"]).write_text(
            json.dumps(
                {
                    "costUSD": min(want, given + 0.001),
                    "stoppedBy": "budget_per_run" if stopped else None,
                }
            )
        )
        if stopped:
            with self.lock:
                self.calls.append(req)
            return StepOutcome(False, "exit code 1")
        return super().__call__(req)


def test_steps_get_what_remains_of_the_run_budget(tmp_path: Path) -> None:
    launcher = Spender({"plan": 0.4, "research": 0.1, "write": 0.2})
    result = WorkflowRunner(wf(STEPS), launcher, tmp_path, run_budget_usd=1.0).run()
    assert result.status == SUCCEEDED, result.reason
    given = {
        (c.step.name, c.env.get("AGENT_STEP_ITEM")): float(c.env["AGENT_RUN_BUDGET_REMAINING_USD"])
        for c in launcher.calls
    }
    assert given[("plan", None)] == 1.0
    # the fan-out shares what plan left: 0.6 over 4 items
    assert {v for (n, _), v in given.items() if n == "research"} == {0.15}
    # write gets what research handed back: 1 - 0.4 - 4 x 0.1
    assert round(given[("write", None)], 6) == 0.2
    assert round(result.spent_usd, 6) == 1.0
    assert result.steps["research"].spent_usd == 0.4


def test_a_step_over_what_remains_stops_the_run_without_retrying(tmp_path: Path) -> None:
    launcher = Spender({"plan": 0.4, "research": 0.1, "write": 0.5})
    steps = [*STEPS[:2], {**STEPS[2], "retry": {"limit": 3, "backoff": "1s"}}]
    result = WorkflowRunner(wf(steps), launcher, tmp_path, run_budget_usd=1.0).run()
    assert result.status == FAILED
    assert "step write failed: stopped by guardrail budget_per_run" in result.reason
    assert result.steps["write"].attempts == 1  # another attempt would have nothing to spend
    assert result.spent_usd > 1.0  # the call that crossed the line was paid for: a breach


def test_a_fan_out_item_over_its_share_fails_the_step(tmp_path: Path) -> None:
    launcher = Spender({"plan": 0.0, "research": 0.3})  # 4 x 0.3 > 1.0: each item gets 0.25
    result = WorkflowRunner(wf(STEPS), launcher, tmp_path, run_budget_usd=1.0).run()
    assert result.status == FAILED
    assert "step research failed: item" in result.reason and "budget_per_run" in result.reason
    assert "write" in result.steps and result.steps["write"].status == "skipped"


def test_without_a_budget_no_budget_is_passed(tmp_path: Path) -> None:
    launcher = Recorder()
    result = WorkflowRunner(wf(STEPS), launcher, tmp_path).run()
    assert result.ok and result.spent_usd == 0.0 and result.budget_usd is None
    assert all("AGENT_RUN_BUDGET_REMAINING_USD" not in c.env for c in launcher.calls)


def test_a_spend_report_that_is_missing_or_nonsense_counts_as_nothing(tmp_path: Path) -> None:
    from agentctl.local.workflow import read_spend

    path = tmp_path / "spend.json"
    assert read_spend(path) == (0.0, None)
    for text in ("not json", "[1]", '{"costUSD": -1}', '{"costUSD": true}', '{"costUSD": "2"}'):
        path.write_text(text)
        assert read_spend(path) == (0.0, None), text
    path.write_text('{"costUSD": 0.25, "stoppedBy": "budget_per_run"}')
    assert read_spend(path) == (0.25, "budget_per_run")
