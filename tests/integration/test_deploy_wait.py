"""Waiting for rollouts against the API fake: progress, and failures explained from the pods."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import client_for, project, running_fake

from agentctl.deploy.engine import DeployOptions, Events, deploy
from agentctl.deploy.source import from_spec
from agentctl.deploy.wait import WaitFailed, WaitState

NS = "agents-search"
STS = "research-assistant"
POD_LABELS = {
    "app.kubernetes.io/name": STS,
    "app.kubernetes.io/instance": STS,
    "agentctl.dev/agent": STS,
}


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKube]:
    # Deployments roll out and ExternalSecrets sync by themselves; the StatefulSet is up to each test
    with running_fake(
        tmp_path,
        monkeypatch,
        auto_ready={"Deployment", "Job", "PersistentVolumeClaim", "ExternalSecret"},
    ) as fake:
        yield fake


def deploy_and_wait(
    fake: FakeKube, proj: Path, *, timeout: float = 1.0, events: Events | None = None
) -> Any:
    assert fake.kubeconfig is not None
    with client_for(fake.kubeconfig) as client:
        return deploy(client, from_spec(proj), DeployOptions(timeout=timeout, poll=0.05), events)


def waiting(reason: str, message: str = "", restarts: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "name": "agent",
        "ready": False,
        "restartCount": restarts,
        "state": {"waiting": {"reason": reason, "message": message}},
        **extra,
    }


def on_apply(fake: FakeKube, kind: str, fn: Any, ns: str = NS) -> None:
    """Run ``fn`` the moment ``kind`` is created in ``ns``, as a controller reacting to the apply.

    It runs inside the fake's request, so the deploy never sees the object without it: a
    thread polling for the object could act after a short wait had already ended.
    """

    def created(_fake: FakeKube, obj: dict[str, Any]) -> None:
        if obj["metadata"].get("namespace") == ns:
            fn(obj)

    fake.on_create[kind] = created


def test_rollout_that_finishes_is_waited_for(kube: FakeKube, tmp_path: Path) -> None:
    seen: list[str] = []

    class Record(Events):
        def on_wait(self, states: list[WaitState]) -> None:
            seen.extend(f"{s.ref.display}: {s.message}" for s in states)

    def roll_out(sts: dict[str, Any]) -> None:
        def later() -> None:  # the rollout takes a moment: the deploy waits for it
            threading.Event().wait(0.2)
            rev = "research-assistant-1"
            kube.set_status(
                "StatefulSet",
                NS,
                STS,
                {
                    "observedGeneration": 1,
                    "replicas": 1,
                    "readyReplicas": 1,
                    "updatedReplicas": 1,
                    "currentRevision": rev,
                    "updateRevision": rev,
                },
            )

        threading.Thread(target=later, daemon=True).start()

    on_apply(kube, "StatefulSet", roll_out)
    result = deploy_and_wait(kube, project(tmp_path), timeout=10, events=Record())
    assert {s.ref.display: s.ready for s in result.wait.states} == {
        "PersistentVolumeClaim/research-assistant-memory": True,
        "Deployment/research-assistant-currency-converter": True,
        "StatefulSet/research-assistant": True,
        "ExternalSecret/research-assistant-llm-api-key": True,
    }
    assert any(
        "waiting for the controller" in s or "0/1" in s for s in seen if s.startswith("StatefulSet")
    )


def test_image_pull_backoff_is_reported_with_the_pod(kube: FakeKube, tmp_path: Path) -> None:
    def failing_pod(sts: dict[str, Any]) -> None:
        kube.set_status(
            "StatefulSet", NS, STS, {"observedGeneration": 1, "replicas": 1, "readyReplicas": 0}
        )
        kube.add_pod(
            NS,
            "research-assistant-0",
            POD_LABELS,
            phase="Pending",
            containers=[
                waiting(
                    "ImagePullBackOff",
                    'Back-off pulling image "ghcr.io/acme/research-assistant:1.4.2"',
                )
            ],
        )
        kube.add_event(
            NS, "Pod", "research-assistant-0", "Failed", "Failed to pull image: manifest unknown"
        )

    on_apply(kube, "StatefulSet", failing_pod)
    with pytest.raises(WaitFailed) as info:
        deploy_and_wait(kube, project(tmp_path))
    err = info.value
    assert err.exit_code == 4
    assert err.message.startswith("StatefulSet/research-assistant (0/1 ready")
    assert "not ready after 1s" in err.message
    text = "\n".join(err.lines())
    assert (
        "pod research-assistant-0: Pending (container agent: ImagePullBackOff: Back-off pulling image"
        in text
    )
    assert "event Failed: Failed to pull image: manifest unknown" in text


def test_crash_loop_fails_early_with_the_last_log_lines(kube: FakeKube, tmp_path: Path) -> None:
    def crashing(sts: dict[str, Any]) -> None:
        kube.set_status(
            "StatefulSet", NS, STS, {"observedGeneration": 1, "replicas": 1, "readyReplicas": 0}
        )
        last = {"lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}
        kube.add_pod(
            NS,
            "research-assistant-0",
            POD_LABELS,
            containers=[waiting("CrashLoopBackOff", "back-off 40s", 4, **last)],
        )
        kube.set_logs(
            NS,
            "research-assistant-0",
            "agent",
            ["starting", "KeyError: 'AGENT_MODEL_NAME'"],
            previous=True,
        )

    on_apply(kube, "StatefulSet", crashing)
    with pytest.raises(WaitFailed) as info:
        deploy_and_wait(kube, project(tmp_path), timeout=30)
    text = "\n".join(info.value.lines())
    assert info.value.message.endswith(": failed")  # it did not wait for the timeout
    assert "CrashLoopBackOff: back-off 40s (restarted 4 times); last exit code 1 (Error)" in text
    assert "| KeyError: 'AGENT_MODEL_NAME'" in text


def test_unschedulable_and_failed_mount_are_reported(kube: FakeKube, tmp_path: Path) -> None:
    def stuck(sts: dict[str, Any]) -> None:
        kube.set_status(
            "StatefulSet", NS, STS, {"observedGeneration": 1, "replicas": 1, "readyReplicas": 0}
        )
        cond = [
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": "0/3 nodes are available: 3 Insufficient memory.",
            }
        ]
        kube.add_pod(
            NS,
            "research-assistant-0",
            POD_LABELS,
            phase="Pending",
            containers=[waiting("ContainerCreating")],
            conditions=cond,
        )
        kube.add_event(
            NS,
            "Pod",
            "research-assistant-0",
            "FailedScheduling",
            "0/3 nodes are available: 3 Insufficient memory.",
        )
        kube.add_event(
            NS,
            "Pod",
            "research-assistant-0",
            "FailedMount",
            'MountVolume.SetUp failed for volume "secret-llm-api-key"',
        )

    on_apply(kube, "StatefulSet", stuck)
    with pytest.raises(WaitFailed) as info:
        deploy_and_wait(kube, project(tmp_path), timeout=0.5)
    text = "\n".join(info.value.lines())
    assert "unschedulable: 0/3 nodes are available: 3 Insufficient memory." in text
    assert 'event FailedMount: MountVolume.SetUp failed for volume "secret-llm-api-key"' in text
    assert "event FailedScheduling" in text


def test_failed_job_fails_the_wait(kube: FakeKube, tmp_path: Path) -> None:
    import yaml

    proj = project(tmp_path, "daily-report")
    doc = yaml.safe_load((proj / "agent.yaml").read_text())
    doc["spec"].pop("schedule")
    (proj / "agent.yaml").write_text(yaml.safe_dump(doc))
    kube.auto_ready = {"PersistentVolumeClaim"}

    def fail(job: dict[str, Any]) -> None:
        kube.set_status(
            "Job",
            "agents-finance",
            "daily-report",
            {
                "failed": 3,
                "conditions": [
                    {
                        "type": "Failed",
                        "status": "True",
                        "reason": "BackoffLimitExceeded",
                        "message": "Job has reached the specified backoff limit",
                    }
                ],
            },
        )

    on_apply(kube, "Job", fail, ns="agents-finance")
    with pytest.raises(WaitFailed) as info:
        deploy_and_wait(kube, proj, timeout=30)
    assert (
        info.value.message
        == "Job/daily-report (failed: BackoffLimitExceeded Job has reached the specified backoff limit): failed"
    )


def test_claims_waiting_for_their_first_consumer_count_as_ready(
    kube: FakeKube, tmp_path: Path
) -> None:
    kube.auto_ready = {"Deployment", "ExternalSecret"}
    proj = project(tmp_path, "deep-research")

    def first_consumer(pvc: dict[str, Any]) -> None:
        kube.add_event(
            NS,
            "PersistentVolumeClaim",
            "deep-research-memory",
            "WaitForFirstConsumer",
            "waiting for first consumer to be created before binding",
            type_="Normal",
        )

    on_apply(kube, "PersistentVolumeClaim", first_consumer)
    result = deploy_and_wait(kube, proj, timeout=10)
    assert [(s.ref.display, s.message) for s in result.wait.states] == [
        ("ExternalSecret/deep-research-llm-api-key", "synced"),
        ("PersistentVolumeClaim/deep-research-memory", "waits for its first consumer"),
    ]
