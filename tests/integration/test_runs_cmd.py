"""agentctl runs list/stop/resubmit against the API fake (workflow and job agents)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import project, running_fake

NS = "agents-search"


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKube]:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with running_fake(tmp_path, monkeypatch) as fake:
        monkeypatch.chdir(tmp_path)
        yield fake


def _deploy(tmp_path: Path, example: str) -> None:
    res = run_cli("deploy", str(project(tmp_path, example)), "--no-wait")
    assert res.exit_code == 0, res.stderr


def _start(name: str, *params: str) -> str:
    res = run_cli("run", name, *params)
    assert res.exit_code == 0, res.stderr
    return res.stdout.strip()


def test_list_shows_phase_duration_and_compute_cost_newest_first(kube, tmp_path):
    _deploy(tmp_path, "deep-research")
    first = _start("deep-research", "-p", "topic=a")
    second = _start("deep-research", "-p", "topic=b")
    kube.set_status(
        "Workflow",
        NS,
        first,
        {
            "phase": "Succeeded",
            "startedAt": "2026-01-01T00:00:00Z",
            "finishedAt": "2026-01-01T00:02:05Z",
            "resourcesDuration": {"cpu": 3600, "memory": 7200},
        },
    )
    kube.set_status(
        "Workflow", NS, second, {"phase": "Running", "startedAt": "2026-01-02T00:00:00Z"}
    )
    res = run_cli("runs", "list", "deep-research", "-n", NS, "-o", "json")
    assert res.exit_code == 0, res.stderr
    runs = json.loads(res.stdout)["data"]["runs"]
    assert [r["name"] for r in runs] == [second, first]
    done = runs[1]
    assert done["phase"] == "Succeeded" and done["seconds"] == 125.0
    # 1 CPU-hour and 2 GiB-hours at the default card
    assert done["computeCostUsd"] == pytest.approx(0.0445 + 2 * 0.0049225)
    assert runs[0]["phase"] == "Running" and runs[0]["computeCostUsd"] is None
    text = run_cli("runs", "list", "deep-research", "-n", NS)
    assert text.exit_code == 0 and first in text.stdout and "2m5s" in text.stdout.replace(" ", "")


def test_stop_a_running_workflow_sets_shutdown_under_its_own_manager(kube, tmp_path):
    _deploy(tmp_path, "deep-research")
    name = _start("deep-research", "-p", "topic=a")
    kube.set_status("Workflow", NS, name, {"phase": "Running"})
    res = run_cli("runs", "stop", name, "-n", NS)
    assert res.exit_code == 0, res.stderr
    wf = kube.get("Workflow", NS, name)
    assert wf is not None and wf["spec"]["shutdown"] == "Stop"
    assert wf["spec"]["workflowTemplateRef"] == {"name": "deep-research"}  # nothing else touched
    patches = [r for r in kube.requests if r.method == "PATCH" and r.path.endswith(f"/{name}")]
    assert [r.query.get("fieldManager") for r in patches] == ["agentctl-run-control"]
    kube.set_status("Workflow", NS, name, {"phase": "Failed"})
    again = run_cli("runs", "stop", name, "-n", NS)
    assert again.exit_code == 2 and "has already ended (Failed)" in again.stderr


def test_resubmit_starts_a_new_run_with_the_same_arguments(kube, tmp_path):
    _deploy(tmp_path, "deep-research")
    name = _start("deep-research", "-p", "topic=agents")
    kube.set_status("Workflow", NS, name, {"phase": "Failed"})
    res = run_cli("runs", "resubmit", name, "-n", NS)
    assert res.exit_code == 0, res.stderr
    new = res.stdout.strip()
    assert new and new != name
    wf = kube.get("Workflow", NS, new)
    assert wf is not None
    assert wf["spec"]["arguments"] == {"parameters": [{"name": "topic", "value": "agents"}]}
    assert wf["metadata"]["labels"]["agentctl.dev/resubmitted-from"] == name
    assert wf["metadata"]["labels"]["agentctl.dev/agent"] == "deep-research"


def test_job_runs_stop_by_suspending_and_resubmit_as_a_new_job(kube, tmp_path):
    _deploy(tmp_path, "daily-report")
    name = _start("daily-report", "-p", "day=monday")
    ns = kube.list("Job")[0]["metadata"]["namespace"]
    kube.set_status("Job", ns, name, {"active": 1, "startTime": "2026-01-01T00:00:00Z"})
    assert run_cli("runs", "stop", name, "-n", ns).exit_code == 0
    job = kube.get("Job", ns, name)
    assert job is not None and job["spec"]["suspend"] is True
    res = run_cli("runs", "resubmit", name, "-n", ns, "-o", "json")
    assert res.exit_code == 0, res.stderr
    new = json.loads(res.stdout)["data"]["name"]
    fresh = kube.get("Job", ns, new)
    assert fresh is not None and "suspend" not in fresh["spec"]
    env = {
        e["name"]: e.get("value") for e in fresh["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert json.loads(env["AGENT_PARAMS"]) == {"day": "monday"}
    listed = json.loads(run_cli("runs", "list", "daily-report", "-n", ns, "-o", "json").stdout)
    assert {r["name"] for r in listed["data"]["runs"]} == {name, new}


def test_an_unknown_run_is_a_usage_error(kube, tmp_path):
    _deploy(tmp_path, "deep-research")
    res = run_cli("runs", "stop", "nope", "-n", NS)
    assert res.exit_code == 2
    assert "no run nope in namespace agents-search" in res.stderr


def _step_pod(
    kube: FakeKube, wf: str, step: str, lines: list[str], phase: str = "Succeeded"
) -> None:
    pod = f"{wf}-{step.replace('(', '-').replace(')', '')}-1234"
    kube.add_pod(
        NS,
        pod,
        {"agentctl.dev/agent": "deep-research", "workflows.argoproj.io/workflow": wf},
        phase=phase,
        containers=[
            {"name": "main", "ready": False, "restartCount": 0, "state": {"terminated": {}}}
        ],
        annotations={"workflows.argoproj.io/node-name": f"{wf}.{step}"},
    )
    kube.set_logs(NS, pod, "main", lines, closed=True)


def test_logs_of_one_run_by_step_and_of_the_latest(kube, tmp_path):
    _deploy(tmp_path, "deep-research")
    old = _start("deep-research", "-p", "topic=a")
    new = _start("deep-research", "-p", "topic=b")
    kube.set_status(
        "Workflow", NS, old, {"phase": "Succeeded", "startedAt": "2026-01-01T00:00:00Z"}
    )
    kube.set_status("Workflow", NS, new, {"phase": "Running", "startedAt": "2026-01-02T00:00:00Z"})
    _step_pod(kube, old, "plan", ["old plan"])
    _step_pod(kube, new, "plan", ["planned 3 questions"])
    _step_pod(kube, new, "research(0)", ["searched"])
    res = run_cli("logs", "deep-research", "--run", old, "-n", NS)
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines() == ["[plan/main] old plan"]
    latest = run_cli("logs", "deep-research", "--run", "@latest", "-n", NS)
    assert latest.exit_code == 0, latest.stderr
    assert sorted(latest.stdout.splitlines()) == [
        "[plan/main] planned 3 questions",
        "[research(0)/main] searched",
    ]
    other = run_cli("logs", "deep-research", "--run", "nope", "-n", NS)
    assert other.exit_code == 2 and "no run nope" in other.stderr


def test_logs_run_latest_without_runs_says_how_to_start_one(kube, tmp_path):
    _deploy(tmp_path, "deep-research")
    res = run_cli("logs", "deep-research", "--run", "@latest", "-n", NS)
    assert res.exit_code == 2
    assert "has no runs yet" in res.stderr and "agentctl run deep-research" in res.stderr


def test_run_log_requires_watch(kube, tmp_path):
    _deploy(tmp_path, "deep-research")
    res = run_cli("run", "deep-research", "--log")
    assert res.exit_code == 2 and "add --watch" in res.stderr
    assert kube.list("Workflow") == []  # refused before anything started


def test_run_watch_log_prints_the_steps_logs_while_it_runs(kube, tmp_path):
    from tests.integration.test_deploy_runs import script_workflow

    _deploy(tmp_path, "deep-research")
    script_workflow(kube, fail=False)
    scripted = kube.on_create["Workflow"]

    def with_pods(fake: FakeKube, wf: dict) -> None:
        scripted(fake, wf)
        _step_pod(fake, wf["metadata"]["name"], "plan", ["planned 3 questions"])

    kube.on_create["Workflow"] = with_pods
    res = run_cli("run", "deep-research", "-p", "topic=agents", "--watch", "--log")
    assert res.exit_code == 0, res.stderr
    assert "[plan/main] planned 3 questions" in res.stdout.splitlines()
    assert res.stdout.splitlines()[-1].endswith(": Succeeded")
