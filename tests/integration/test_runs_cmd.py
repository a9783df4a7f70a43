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


def _node(wf: str, node_id: str, name: str, kind: str, phase: str) -> dict[str, object]:
    node: dict[str, object] = {
        "id": node_id,
        "name": f"{wf}{name}",
        "displayName": name.strip(".") or wf,
        "type": kind,
        "phase": phase,
    }
    if phase not in ("Running", "Pending"):
        node["finishedAt"] = "2026-01-01T00:05:00Z"
        node["message"] = "exit code 1" if phase == "Failed" else ""
    return node


def _failed_workflow(kube: FakeKube, wf: str) -> None:
    """plan and research(0) succeeded, research(1) failed; the exit handler ran."""
    nodes = [
        _node(wf, wf, "", "Steps", "Failed"),
        _node(wf, f"{wf}-1", "[0]", "StepGroup", "Succeeded"),
        _node(wf, f"{wf}-2", ".plan", "Pod", "Succeeded"),
        _node(wf, f"{wf}-3", "[1]", "StepGroup", "Failed"),
        _node(wf, f"{wf}-4", ".research(0)", "Pod", "Succeeded"),
        _node(wf, f"{wf}-5", ".research(1)", "Pod", "Failed"),
        _node(wf, f"{wf}-6", ".onExit", "Pod", "Succeeded"),
    ]
    kube.set_status(
        "Workflow",
        NS,
        wf,
        {
            "phase": "Failed",
            "message": "child 'research(1)' failed",
            "startedAt": "2026-01-01T00:00:00Z",
            "finishedAt": "2026-01-01T00:05:00Z",
            "nodes": {n["id"]: n for n in nodes},
        },
    )
    for node_id, step in ((f"{wf}-2", "plan"), (f"{wf}-5", "research-1"), (f"{wf}-6", "onexit")):
        kube.add_pod(
            NS,
            f"{wf}-{step}-99",
            {"agentctl.dev/agent": "deep-research", "workflows.argoproj.io/workflow": wf},
            phase="Succeeded",
            annotations={"workflows.argoproj.io/node-id": node_id},
        )


def test_retry_runs_the_failed_steps_again_and_keeps_the_succeeded_ones(kube, tmp_path):
    _deploy(tmp_path, "deep-research")
    wf = _start("deep-research", "-p", "topic=a")
    _failed_workflow(kube, wf)
    assert run_cli("runs", "stop", wf, "-n", NS).exit_code == 2  # already ended
    res = run_cli("runs", "retry", wf, "-n", NS)
    assert res.exit_code == 0, res.stderr
    assert res.stdout.strip() == wf and f"retrying the failed steps of {wf}" in res.stderr
    after = kube.get("Workflow", NS, wf)
    assert after is not None
    st = after["status"]
    assert st["phase"] == "Running" and "finishedAt" not in st and "message" not in st
    nodes = st["nodes"]
    # succeeded steps kept as they were; the failed step and the exit handler dropped
    assert sorted(nodes) == [wf, f"{wf}-1", f"{wf}-2", f"{wf}-3", f"{wf}-4"]
    assert nodes[f"{wf}-2"]["phase"] == "Succeeded" and nodes[f"{wf}-2"]["finishedAt"]
    # the groups that held the failed step run again
    for held in (wf, f"{wf}-3"):
        assert nodes[held]["phase"] == "Running"
        assert "finishedAt" not in nodes[held] and "message" not in nodes[held]
    assert after["metadata"]["labels"]["workflows.argoproj.io/phase"] == "Running"
    assert after["spec"]["workflowTemplateRef"] == {"name": "deep-research"}
    # the failed step's pod (and the exit handler's) are gone, the succeeded step's stays
    pods = {p["metadata"]["name"] for p in kube.list("Pod") if wf in p["metadata"]["name"]}
    assert pods == {f"{wf}-plan-99"}
    patches = [r for r in kube.requests if r.method == "PATCH" and r.path.endswith(f"/{wf}")]
    assert [(r.query.get("fieldManager"), r.status) for r in patches] == [
        ("agentctl-run-control", 200)
    ]
    # retried: it is running now, so it cannot be retried again
    again = run_cli("runs", "retry", wf, "-n", NS)
    assert again.exit_code == 2 and "only a Failed or Error run can be retried" in again.stderr


def test_retry_of_a_stopped_workflow_lifts_the_shutdown(kube, tmp_path):
    _deploy(tmp_path, "deep-research")
    wf = _start("deep-research", "-p", "topic=a")
    kube.set_status("Workflow", NS, wf, {"phase": "Running"})
    assert run_cli("runs", "stop", wf, "-n", NS).exit_code == 0
    _failed_workflow(kube, wf)
    res = run_cli("runs", "retry", wf, "-n", NS, "-o", "json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["data"]["name"] == wf
    after = kube.get("Workflow", NS, wf)
    assert after is not None and "shutdown" not in after["spec"]


def test_retry_refuses_a_workflow_with_a_step_still_running_or_offloaded(kube, tmp_path):
    _deploy(tmp_path, "deep-research")
    wf = _start("deep-research", "-p", "topic=a")
    _failed_workflow(kube, wf)
    busy = _node(wf, f"{wf}-7", ".research(2)", "Pod", "Running")
    kube.set_status("Workflow", NS, wf, {"nodes": {f"{wf}-7": busy}}, merge=True)
    res = run_cli("runs", "retry", wf, "-n", NS)
    assert res.exit_code == 2 and "research(2) is still Running" in res.stderr
    kube.set_status("Workflow", NS, wf, {"phase": "Failed", "offloadNodeStatusVersion": "abc"})
    off = run_cli("runs", "retry", wf, "-n", NS)
    assert off.exit_code == 2 and "offloaded" in off.stderr and "Traceback" not in off.stderr
    # nothing was changed by the refusals
    assert not [r for r in kube.requests if r.method in ("PATCH", "DELETE") and wf in r.path]


def test_retry_of_a_failed_job_is_a_new_job_and_a_succeeded_one_is_refused(kube, tmp_path):
    _deploy(tmp_path, "daily-report")
    name = _start("daily-report", "-p", "day=monday")
    ns = kube.list("Job")[0]["metadata"]["namespace"]
    kube.set_status("Job", ns, name, {"conditions": [{"type": "Failed", "status": "True"}]})
    res = run_cli("runs", "retry", name, "-n", ns, "-o", "json")
    assert res.exit_code == 0, res.stderr
    new = json.loads(res.stdout)["data"]["name"]
    assert new != name
    fresh = kube.get("Job", ns, new)
    assert fresh is not None
    assert fresh["metadata"]["labels"]["agentctl.dev/resubmitted-from"] == name
    kube.set_status("Job", ns, new, {"conditions": [{"type": "Complete", "status": "True"}]})
    done = run_cli("runs", "retry", new, "-n", ns)
    assert done.exit_code == 2 and "only a failed run can be retried" in done.stderr


def test_retry_of_a_workflow_changed_meanwhile_is_a_conflict_not_an_overwrite(
    kube, tmp_path, monkeypatch
):
    from agentctl.deploy import run_admin

    _deploy(tmp_path, "deep-research")
    wf = _start("deep-research", "-p", "topic=a")
    _failed_workflow(kube, wf)
    real = run_admin.find_run

    def stale(client, name, namespace):  # type: ignore[no-untyped-def]
        found = real(client, name, namespace)
        kube.set_status("Workflow", NS, wf, {"message": "changed by the controller"}, merge=True)
        return found

    monkeypatch.setattr(run_admin, "find_run", stale)
    res = run_cli("runs", "retry", wf, "-n", NS)
    assert res.exit_code == 3, res.stderr
    assert "conflict" in res.stderr.lower() and "Traceback" not in res.stderr
    after = kube.get("Workflow", NS, wf)
    assert after is not None and after["status"]["phase"] == "Failed"
    assert after["status"]["message"] == "changed by the controller"


MARKUP_NAMES = ["[bold]x[/bold]", "[link=http://x]y", "a\\"]


@pytest.mark.parametrize("colour", [False, True], ids=["plain", "colour"])
def test_list_shows_run_names_that_look_like_markup_as_sent(kube, tmp_path, monkeypatch, colour):
    if colour:
        monkeypatch.setenv("FORCE_COLOR", "1")
        monkeypatch.delenv("NO_COLOR", raising=False)
    _deploy(tmp_path, "deep-research")
    for name in MARKUP_NAMES:
        kube.apply_as(
            {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Workflow",
                "metadata": {
                    "name": name,
                    "namespace": NS,
                    "labels": {"agentctl.dev/agent": "deep-research"},
                },
                "spec": {},
            },
            "argo",
        )
    res = run_cli("runs", "list", "deep-research", "-n", NS)
    assert res.exit_code == 0, res.stderr
    cells = [line.split()[0] for line in res.stdout.splitlines()[2:]]
    if colour:
        cells = [c.replace("\x1b[1m", "").replace("\x1b[0m", "") for c in cells]
    assert sorted(cells) == sorted(name.split()[0] for name in MARKUP_NAMES)
    assert "\x1b]8" not in res.stdout  # no hyperlink
