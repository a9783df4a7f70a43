"""run, logs and delete end to end against the API fake (in-process CLI)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.cli.helpers import run_cli
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import project, running_fake

NS = "agents-search"


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKube]:
    with running_fake(tmp_path, monkeypatch) as fake:
        monkeypatch.chdir(tmp_path)
        yield fake


def deployed(tmp_path: Path, example: str) -> Path:
    proj = project(tmp_path, example)
    res = run_cli("deploy", str(proj), "--no-wait")
    assert res.exit_code == 0, res.stderr
    return proj


def node(
    name: str, type_: str, phase: str, children: list[str] | None = None, message: str = ""
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": name,
        "name": name,
        "displayName": name.split(".")[-1],
        "type": type_,
        "phase": phase,
        "startedAt": "2026-01-01T00:00:00Z",
        "children": children or [],
    }
    if phase in ("Succeeded", "Failed", "Error"):
        out["finishedAt"] = "2026-01-01T00:00:07Z"
    if message:
        out["message"] = message
    return out


def script_workflow(fake: FakeKube, *, fail: bool) -> None:
    """Play an Argo controller: the workflow created by `run` goes Running, then ends."""

    def progress(wf: dict[str, Any]) -> None:
        name = wf["metadata"]["name"]
        steps = [
            {
                "phase": "Running",
                "nodes": {
                    name: node(name, "DAG", "Running", [f"{name}.plan"]),
                    f"{name}.plan": node(f"{name}.plan", "Pod", "Running"),
                },
            },
            {
                "phase": "Running",
                "nodes": {
                    name: node(name, "DAG", "Running", [f"{name}.plan"]),
                    f"{name}.plan": node(f"{name}.plan", "Pod", "Succeeded", [f"{name}.research"]),
                    f"{name}.research": node(
                        f"{name}.research", "TaskGroup", "Running", [f"{name}.research(0)"]
                    ),
                    f"{name}.research(0)": node(f"{name}.research(0)", "Pod", "Running"),
                },
            },
        ]
        end = "Failed" if fail else "Succeeded"
        research = node(
            f"{name}.research(0)",
            "Pod",
            end,
            message="Error (exit code 1): budget exceeded" if fail else "",
        )
        final_nodes = {
            name: node(name, "DAG", end, [f"{name}.plan"]),
            f"{name}.plan": node(f"{name}.plan", "Pod", "Succeeded", [f"{name}.research"]),
            f"{name}.research": node(f"{name}.research", "TaskGroup", end, [f"{name}.research(0)"]),
            f"{name}.research(0)": research,
        }
        if not fail:
            final_nodes[f"{name}.research"]["children"] = [f"{name}.research(0)"]
            final_nodes[f"{name}.research(0)"]["children"] = [f"{name}.write"]
            final_nodes[f"{name}.write"] = node(f"{name}.write", "Pod", "Succeeded")
        steps.append(
            {
                "phase": end,
                "startedAt": "2026-01-01T00:00:00Z",
                "finishedAt": "2026-01-01T00:00:09Z",
                "nodes": final_nodes,
                **({"message": "child 'research(0)' failed"} if fail else {}),
            }
        )

        def play() -> None:
            for status in steps:
                threading.Event().wait(0.1)
                fake.set_status("Workflow", NS, name, status)

        threading.Thread(target=play, daemon=True).start()

    fake.on_create["Workflow"] = lambda _fake, wf: progress(wf)


def test_run_watch_follows_a_workflow_to_success(kube: FakeKube, tmp_path: Path) -> None:
    deployed(tmp_path, "deep-research")
    script_workflow(kube, fail=False)
    res = run_cli("run", "deep-research", "-p", "topic=agents", "--watch")
    assert res.exit_code == 0, res.stderr
    wf = kube.list("Workflow", NS)[0]
    assert wf["spec"]["workflowTemplateRef"] == {"name": "deep-research"}
    assert wf["spec"]["arguments"]["parameters"] == [{"name": "topic", "value": "agents"}]
    assert wf["metadata"]["labels"]["agentctl.dev/agent"] == "deep-research"
    for step in ("plan: Succeeded", "research(0): Running", "write: Succeeded"):
        assert step in res.stderr
    assert res.stdout.strip().endswith(": Succeeded")


def test_run_watch_exits_4_with_the_failing_step(kube: FakeKube, tmp_path: Path) -> None:
    deployed(tmp_path, "deep-research")
    script_workflow(kube, fail=True)
    res = run_cli("run", "deep-research", "--watch", "-o", "json")
    assert res.exit_code == 4
    assert "failed at step research(0): Error (exit code 1): budget exceeded" in res.stderr
    doc = json.loads(res.stdout)
    assert doc["ok"] is False and doc["errors"][0]["run"]["phase"] == "Failed"


def test_run_rejects_unknown_parameters(kube: FakeKube, tmp_path: Path) -> None:
    deployed(tmp_path, "deep-research")
    res = run_cli("run", "deep-research", "-p", "topicc=x")
    assert res.exit_code == 2
    assert "-p topicc: not a parameter of deep-research (parameters: topic)" in res.stderr
    assert run_cli("run", "deep-research", "-p", "novalue").exit_code == 2
    assert kube.list("Workflow", NS) == []


def test_run_a_job_agent_from_its_cronjob(kube: FakeKube, tmp_path: Path) -> None:
    deployed(tmp_path, "daily-report")
    res = run_cli("run", "daily-report", "-p", "day=monday", "--watch")
    assert res.exit_code == 0, res.stderr
    jobs = kube.list("Job", "agents-finance")
    assert len(jobs) == 1
    job = jobs[0]
    assert job["metadata"]["name"].startswith("daily-report-run-")
    assert job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    assert job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    env = {
        e["name"]: e.get("value") for e in job["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert json.loads(env["AGENT_PARAMS"]) == {"day": "monday"}
    status = json.loads(run_cli("status", "daily-report", "-o", "json").stdout)["data"]["agents"][0]
    assert (
        status["lastRun"]["name"] == job["metadata"]["name"]
        and status["lastRun"]["result"] == "Succeeded"
    )


def test_run_watch_timing_out_suggests_a_command_that_works(kube: FakeKube, tmp_path: Path) -> None:
    deployed(tmp_path, "daily-report")
    kube.auto_ready = {
        "Deployment",
        "StatefulSet",
        "PersistentVolumeClaim",
    }  # the Job keeps running
    res = run_cli("run", "daily-report", "--watch", "--timeout", "1s")
    assert res.exit_code == 4, res.stderr
    assert "still pending after 1s" in res.stderr or "still running after 1s" in res.stderr
    assert "`agentctl logs daily-report -n agents-finance --follow`" in res.stderr


def test_run_refuses_long_running_agents(kube: FakeKube, tmp_path: Path) -> None:
    deployed(tmp_path, "research-assistant")
    res = run_cli("run", "research-assistant")
    assert res.exit_code == 2
    assert "research-assistant is a stateful agent: it is not run, it runs" in res.stderr


def add_agent_pod(
    fake: FakeKube, name: str, lines: list[str], *, closed: bool = True, container: str = "agent"
) -> None:
    labels = {
        "agentctl.dev/agent": "research-assistant",
        "app.kubernetes.io/name": "research-assistant",
    }
    fake.add_pod(
        NS,
        name,
        labels,
        containers=[
            {"name": container, "ready": True, "restartCount": 0, "state": {"running": {}}}
        ],
    )
    fake.set_logs(NS, name, container, lines, closed=closed)


def test_logs_prefix_every_line_with_pod_and_container(kube: FakeKube, tmp_path: Path) -> None:
    deployed(tmp_path, "research-assistant")
    add_agent_pod(kube, "research-assistant-0", ["ready on :8080", "answered 3 questions"])
    add_agent_pod(kube, "research-assistant-1", ["ready on :8080"])
    res = run_cli("logs", "research-assistant", "--since", "10m", "--tail", "50")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines() == [
        "[research-assistant-0/agent] ready on :8080",
        "[research-assistant-0/agent] answered 3 questions",
        "[research-assistant-1/agent] ready on :8080",
    ]
    queries = [r.query for r in kube.api_requests("GET") if r.path.endswith("/log")]
    assert all(q.get("sinceSeconds") == "600" and q.get("tailLines") == "50" for q in queries)


def test_logs_follow_streams_until_the_pods_finish(kube: FakeKube, tmp_path: Path) -> None:
    deployed(tmp_path, "research-assistant")
    add_agent_pod(kube, "research-assistant-0", ["first"], closed=False)

    def later() -> None:
        threading.Event().wait(0.3)
        kube.append_log(NS, "research-assistant-0", "agent", "second")
        kube.append_log(NS, "research-assistant-0", "agent", "done", close=True)
        kube.set_status("Pod", NS, "research-assistant-0", {"phase": "Succeeded"}, merge=True)

    threading.Thread(target=later, daemon=True).start()
    res = run_cli("logs", "research-assistant", "--follow")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines() == [
        "[research-assistant-0/agent] first",
        "[research-assistant-0/agent] second",
        "[research-assistant-0/agent] done",
    ]


def test_delete_needs_yes_off_a_terminal_and_keeps_memory(kube: FakeKube, tmp_path: Path) -> None:
    deployed(tmp_path, "research-assistant")
    deployed(tmp_path, "deep-research")
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": "memory-research-assistant-0",
            "namespace": NS,
            "labels": {"agentctl.dev/agent": "research-assistant"},
        },
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}},
    }
    kube.apply_as(claim, "kube-controller-manager")
    refused = run_cli("delete", "research-assistant")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert kube.get("StatefulSet", NS, "research-assistant") is not None
    res = run_cli("delete", "research-assistant", "--yes")
    assert res.exit_code == 0, res.stderr
    assert (
        "deleted 16 objects of research-assistant from agents-search; kept 2 memory claims"
        in res.stdout
    )
    assert kube.get("StatefulSet", NS, "research-assistant") is None
    assert kube.names("PersistentVolumeClaim", NS) == [
        "deep-research-memory",
        "memory-research-assistant-0",
        "research-assistant-memory",  # its shared (ReadWriteMany) memory
    ]
    assert kube.get("Namespace", None, NS) is not None
    # the namespace's default deny belongs to the namespace, not to one agent
    deny = kube.get("NetworkPolicy", NS, "agentctl-namespace-default-deny")
    assert deny is not None and deny["spec"]["podSelector"] == {}
    assert "agentctl.dev/agent" not in deny["metadata"].get("labels", {})
    assert "deep-research-config" in kube.names("ConfigMap", NS)  # the other agent is untouched
    again = run_cli("delete", "research-assistant", "--yes", "--delete-data", "-o", "json")
    assert again.exit_code == 0, again.stderr
    assert sorted(d["name"] for d in json.loads(again.stdout)["data"]["deleted"]) == [
        "memory-research-assistant-0",
        "research-assistant-memory",
    ]
    assert kube.names("PersistentVolumeClaim", NS) == ["deep-research-memory"]
    gone = run_cli("delete", "research-assistant", "--yes")
    assert gone.exit_code == 2 and "no agent research-assistant deployed by agentctl" in gone.stderr
    assert run_cli("delete", "research-assistant", "--yes", "--ignore-not-found").exit_code == 0


def test_delete_with_standard_input_closed_is_refused_as_off_a_terminal(
    kube: FakeKube, tmp_path: Path
) -> None:
    """The installed command started with `<&-`: Python has no sys.stdin at all."""
    import os
    import subprocess
    import sys

    deployed(tmp_path, "research-assistant")
    proc = subprocess.run(
        ["sh", "-c", 'exec "$0" -m agentctl delete research-assistant <&-', sys.executable],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[-2:] == [
        "error: refusing to delete without confirmation when not on a terminal",
        "hint: pass --yes",
    ]
    assert kube.get("StatefulSet", NS, "research-assistant") is not None


def test_run_hands_each_agent_run_its_per_run_budget(kube: FakeKube, tmp_path: Path) -> None:
    """perRunUSD on a cluster run: a job's pod is one agent run and reads perRunUSD from the
    agent's config; a workflow run is the template's, whose steps hand the budget forward."""
    from agentctl.deploy.runs import PARAMS_ENV, TASK_ENV

    deployed(tmp_path, "daily-report")
    assert run_cli("run", "daily-report", "-p", "day=monday").exit_code == 0
    (job,) = kube.list("Job", "agents-finance")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    (source,) = [e["configMapRef"]["name"] for e in container["envFrom"]]
    config = kube.get("ConfigMap", "agents-finance", source)
    assert config is not None and float(config["data"]["AGENT_BUDGET_PER_RUN_USD"]) == 1.0
    names = {e["name"] for e in container["env"]}
    assert PARAMS_ENV in names and TASK_ENV not in names
    assert not names & {"AGENT_RUN_BUDGET", "AGENT_RUN_BUDGET_REMAINING_USD"}, (
        "a job pod is a whole run: it gets all of perRunUSD"
    )

    deployed(tmp_path, "deep-research")
    assert run_cli("run", "deep-research", "-p", "topic=agents").exit_code == 0
    (wf,) = kube.list("Workflow", NS)
    template = kube.get("WorkflowTemplate", NS, wf["spec"]["workflowTemplateRef"]["name"])
    assert template is not None
    (main,) = [t for t in template["spec"]["templates"] if t["name"] == "main"]
    budgets = {
        t["name"]: {p["name"]: p["value"] for p in t["arguments"]["parameters"]}["budget"]
        for t in main["dag"]["tasks"]
    }
    assert budgets["plan"].startswith('{"from": [[5, 1]]')  # the run's perRunUSD, at the root
    assert "{{tasks.plan.outputs.parameters.spend}}" in budgets["research"]


def test_run_watch_times_out_on_a_watch_that_never_ends(
    kube: FakeKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that keeps the watch going past its timeoutSeconds (bookmarks only) does
    not keep `run --watch --timeout` going."""
    import time

    from tests.fakes import kube_http

    def bookmarks(self: Any, r: Any, ns: str | None, query: dict[str, str]) -> None:
        self._record(200)
        self._start_chunked("application/json")
        self.fake._lock.release()
        try:
            event = {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "1"}}}
            for _ in range(600):  # a minute at most, so that a failing test ends
                if not self._chunk(json.dumps(event).encode() + b"\n"):
                    return
                time.sleep(0.1)
        finally:
            self.fake._lock.acquire()

    deployed(tmp_path, "deep-research")
    monkeypatch.setattr(kube_http.Handler, "_watch", bookmarks)
    done: list[Any] = []
    thread = threading.Thread(
        target=lambda: done.append(run_cli("run", "deep-research", "--watch", "--timeout", "2s")),
        daemon=True,
    )
    thread.start()
    thread.join(30)
    assert done, "run --watch --timeout 2s still watching after 30s"
    assert done[0].exit_code == 4, done[0].stderr
    assert "after 2s" in done[0].stderr


@pytest.mark.parametrize(
    "job_template",
    ["x", {"spec": 5.0}, {"spec": {"template": "x"}, "metadata": []}],
)
def test_run_reads_a_cronjob_of_another_shape_without_a_traceback(
    kube: FakeKube, tmp_path: Path, job_template: Any
) -> None:
    deployed(tmp_path, "daily-report")
    ns = "agents-finance"
    cronjob = kube.get("CronJob", ns, "daily-report")
    assert cronjob is not None
    cronjob["spec"]["jobTemplate"] = job_template
    kube.answer_raw(
        200,
        json.dumps(cronjob).encode(),
        content_type="application/json",
        path_prefix=f"/apis/batch/v1/namespaces/{ns}/cronjobs/daily-report",
    )
    res = run_cli("run", "daily-report", "-p", "day=monday")
    assert "Traceback" not in res.stderr
    assert res.exit_code in (0, 3), res.stderr  # what the server makes of the Job it is sent


def test_run_watch_reads_workflow_nodes_of_another_shape(kube: FakeKube, tmp_path: Path) -> None:
    deployed(tmp_path, "deep-research")

    def progress(wf: dict[str, Any]) -> None:
        name = wf["metadata"]["name"]

        def play() -> None:
            for status in (
                {"phase": "Running", "nodes": [name]},
                {"phase": "Running", "nodes": {name: 5, "x": {"children": 7}}},
                {"phase": "Succeeded", "nodes": {name: {"children": [3, {"a": 1}]}}},
            ):
                threading.Event().wait(0.1)
                kube.set_status("Workflow", NS, name, status)

        threading.Thread(target=play, daemon=True).start()

    kube.on_create["Workflow"] = lambda _fake, wf: progress(wf)
    res = run_cli("run", "deep-research", "--watch", "--timeout", "20s")
    assert "Traceback" not in res.stderr
    assert res.exit_code == 0, res.stderr


def test_logs_read_pods_of_another_shape_without_a_traceback(
    kube: FakeKube, tmp_path: Path
) -> None:
    """Pods without a name are passed over, containers that are no objects or have no
    name too; a phase or container states of other types are read as what they say."""
    from agentctl.deploy.logs import _started

    deployed(tmp_path, "research-assistant")
    add_agent_pod(kube, "research-assistant-0", ["ready on :8080"])
    good = kube.list("Pod", NS)[0]
    odd = [
        {"metadata": {"labels": good["metadata"]["labels"]}, "spec": good["spec"]},
        {
            "metadata": {"name": "odd-1"},
            "spec": {"containers": [5, {"name": ["x"]}], "initContainers": "x"},
            "status": {"phase": ["Running"], "containerStatuses": [{"state": 5}, 7]},
        },
    ]
    doc = {"kind": "PodList", "metadata": {}, "items": [good, *odd]}
    kube.answer_raw(
        200,
        json.dumps(doc).encode(),
        content_type="application/json",
        path_prefix=f"/api/v1/namespaces/{NS}/pods?",
    )
    res = run_cli("logs", "research-assistant")
    assert "Traceback" not in res.stderr
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines() == ["[research-assistant-0/agent] ready on :8080"]
    assert _started(odd[1]) is False  # what --follow asks of a pod before reading it
