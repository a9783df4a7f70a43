"""Readiness as kubectl rollout status sees it, and pod problems in plain words."""

from __future__ import annotations

from agentctl.deploy.diagnose import pods_of, view_pod
from agentctl.deploy.objects import ObjectRef
from agentctl.deploy.wait import assess

DEP = ObjectRef("apps", "Deployment", "ns", "web")
STS = ObjectRef("apps", "StatefulSet", "ns", "db")


def dep(gen: int = 2, want: int = 3, **status: object) -> dict:
    return {"metadata": {"generation": gen}, "spec": {"replicas": want}, "status": status}


def test_deployment_rollout_stages() -> None:
    assert (
        assess(dep(observedGeneration=1), DEP).message
        == "waiting for the controller to see the new spec"
    )
    assert (
        assess(dep(observedGeneration=2, updatedReplicas=1, replicas=3), DEP).message
        == "1/3 updated"
    )
    assert (
        assess(dep(observedGeneration=2, updatedReplicas=3, replicas=4), DEP).message
        == "1 old replicas terminating"
    )
    assert (
        assess(
            dep(observedGeneration=2, updatedReplicas=3, replicas=3, availableReplicas=2), DEP
        ).message
        == "2/3 available"
    )
    done = assess(
        dep(observedGeneration=2, updatedReplicas=3, replicas=3, availableReplicas=3), DEP
    )
    assert done.ready and done.message == "3/3 available"
    stuck = dep(
        observedGeneration=2,
        conditions=[
            {
                "type": "Progressing",
                "status": "False",
                "reason": "ProgressDeadlineExceeded",
                "message": "too slow",
            }
        ],
    )
    assert assess(stuck, DEP).failed


def test_statefulset_waits_for_the_update_revision() -> None:
    sts = {
        "metadata": {"generation": 1},
        "spec": {"replicas": 2},
        "status": {
            "observedGeneration": 1,
            "readyReplicas": 2,
            "updatedReplicas": 1,
            "currentRevision": "a",
            "updateRevision": "b",
        },
    }
    assert assess(sts, STS).message == "1/2 updated"
    sts["status"].update(updatedReplicas=2, currentRevision="b")
    assert assess(sts, STS).ready
    sts["spec"]["updateStrategy"] = {"type": "OnDelete"}
    assert assess(sts, STS).ready


def test_jobs_and_claims() -> None:
    job = ObjectRef("batch", "Job", "ns", "j")
    assert assess({"status": {"conditions": [{"type": "Complete", "status": "True"}]}}, job).ready
    failed = assess(
        {
            "status": {
                "conditions": [{"type": "Failed", "status": "True", "reason": "DeadlineExceeded"}]
            }
        },
        job,
    )
    assert failed.failed and "DeadlineExceeded" in failed.message
    pvc = ObjectRef("", "PersistentVolumeClaim", "ns", "c")
    assert assess({"status": {"phase": "Bound"}}, pvc).ready
    assert assess({"status": {"phase": "Lost"}}, pvc).failed
    assert assess(None, pvc).message == "not found"


def test_pod_views_name_the_reason() -> None:
    pod = {
        "metadata": {"name": "db-0", "labels": {"app": "db"}},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "agent",
                    "ready": False,
                    "restartCount": 5,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m"}},
                    "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}},
                }
            ],
        },
    }
    v = view_pod(pod)
    assert not v.ready and v.hopeless and v.crashing == ["agent"]
    assert (
        v.summary
        == "pod db-0: Running (container agent: CrashLoopBackOff: back-off 5m (restarted 5 times); last exit code 137 (OOMKilled))"
    )
    pod["status"]["containerStatuses"][0]["restartCount"] = 1
    assert not view_pod(pod).hopeless  # a first crash may be a slow dependency
    owner = {"kind": "StatefulSet", "spec": {"selector": {"matchLabels": {"app": "db"}}}}
    assert pods_of(owner, [pod, {"metadata": {"name": "x", "labels": {"app": "web"}}}]) == [pod]


ES = ObjectRef("external-secrets.io", "ExternalSecret", "ns", "web-llm-api-key")


def external_secret(gen: int = 2, synced: str = "2-ab12", **ready: str) -> dict:
    conditions = [{"type": "Ready", **ready}] if ready else []
    return {
        "kind": "ExternalSecret",
        "metadata": {"generation": gen},
        "spec": {"target": {"name": "web-llm-api-key"}},
        "status": {"syncedResourceVersion": synced, "conditions": conditions},
    }


def test_external_secret_is_ready_once_the_operator_synced_this_generation() -> None:
    untouched = assess({"metadata": {"generation": 1}, "spec": {}}, ES)
    assert not untouched.ready and not untouched.failed
    assert untouched.message == "not synced yet (is the External Secrets operator running?)"
    refused = assess(
        external_secret(
            status="False", reason="SecretSyncedError", message="could not get secret data"
        ),
        ES,
    )
    # the operator retries: waited out like a slow rollout, its reason kept for the timeout
    assert not refused.ready and not refused.failed
    assert refused.message == "not synced: SecretSyncedError: could not get secret data"
    stale = assess(external_secret(gen=3, status="True", reason="SecretSynced"), ES)
    assert not stale.ready and stale.message == "waiting for the operator to sync the new spec"
    done = assess(external_secret(status="True", reason="SecretSynced"), ES)
    assert done.ready and done.message == "synced"
    # an ExternalSecret has no pods: none of the namespace's are attributed to it
    pod = {"metadata": {"name": "web-0", "labels": {"app": "web"}}}
    assert pods_of(external_secret(), [pod]) == []
