"""Objects of valid Kubernetes shape whose deeper fields are of odd types.

The checks where answers come in cover metadata, spec and status being objects;
below them an API server (or a controller writing status) may answer anything,
and status, wait and diagnose read on: a traceback was reachable from each of these.
"""

from __future__ import annotations

from typing import Any

import pytest

from agentctl.deploy.diagnose import pods_of, recent_warnings, view_pod
from agentctl.deploy.objects import ObjectRef
from agentctl.deploy.status import AgentStatus, _age, run_phase
from agentctl.deploy.wait import assess

ODD = [None, "x", "12x", 3.5, True, [], [1, "a"], {}, {"a": 1}, ["not", {"a": "dict"}], -1]


def workload(kind: str, spec: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1" if kind != "Job" else "batch/v1",
        "kind": kind,
        "metadata": {"name": "a", "namespace": "n", "uid": "u1", "generation": 1},
        "spec": spec,
        "status": status,
    }


@pytest.mark.parametrize("odd", ODD, ids=repr)
@pytest.mark.parametrize(
    "kind",
    ["Deployment", "StatefulSet", "DaemonSet", "Job", "PersistentVolumeClaim", "ExternalSecret"],
)
def test_assess_reads_odd_counts_and_conditions(kind: str, odd: Any) -> None:
    status_fields = [
        "readyReplicas",
        "updatedReplicas",
        "availableReplicas",
        "replicas",
        "observedGeneration",
        "desiredNumberScheduled",
        "updatedNumberScheduled",
        "numberAvailable",
        "conditions",
        "phase",
    ]
    obj = workload(
        kind,
        {"replicas": odd, "updateStrategy": {"rollingUpdate": {"partition": odd}}},
        {key: odd for key in status_fields} | {"conditions": odd},
    )
    obj["metadata"]["generation"] = odd
    state = assess(obj, ObjectRef("apps", kind, "n", "a"))
    assert isinstance(state.message, str)
    obj["status"]["conditions"] = [
        odd,
        {"type": "Ready", "status": "False", "reason": odd, "message": odd},
    ]
    assess(obj, ObjectRef("apps", kind, "n", "a"))


@pytest.mark.parametrize("odd", ODD, ids=repr)
def test_pod_views_read_odd_container_statuses(odd: Any) -> None:
    pod = {
        "kind": "Pod",
        "metadata": {"name": "p", "labels": {"app": "a"}, "ownerReferences": odd},
        "status": {
            "phase": "Running",
            "conditions": odd,
            "containerStatuses": [
                odd,
                {
                    "name": odd,
                    "restartCount": odd,
                    "state": {"waiting": {"reason": odd}, "terminated": odd},
                    "lastState": odd,
                },
                {
                    "name": "c",
                    "restartCount": "7",
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                },
            ],
            "initContainerStatuses": odd,
        },
    }
    view = view_pod(pod)
    assert any("restarted 7 times" in p for p in view.problems), view.problems
    assert view.hopeless  # a string count of restarts is still a count
    pod["status"]["containerStatuses"] = odd
    view_pod(pod)
    for owner in (
        workload("Job", {"selector": odd}, {}),
        workload("Deployment", {"selector": {"matchLabels": odd}}, {}),
    ):
        pods_of(owner, [pod])


@pytest.mark.parametrize("odd", ODD, ids=repr)
def test_events_and_runs_of_odd_shape(odd: Any) -> None:
    events = [
        {"kind": "Event", "involvedObject": odd, "reason": odd, "type": "Warning", "count": odd},
        {"kind": "Event", "involvedObject": {"name": odd}, "reason": "BackOff", "message": odd},
        {"kind": "Event", "regarding": {"name": "a"}, "reason": "BackOff", "lastTimestamp": odd},
    ]
    assert [t.strip() for t in recent_warnings(events, {"a"})["a"]] == ["event BackOff:"]
    assert run_phase({"kind": "Job", "status": {"conditions": odd, "active": odd}}) in (
        "Running",
        "Pending",
    )


@pytest.mark.parametrize(
    "stamp", ["2024-01-01T00:00:00", "2024-01-01", "yesterday", 5, ["2024"], {"a": 1}, ""]
)
def test_timestamps_that_are_not_rfc3339(stamp: Any) -> None:
    age = _age(stamp)
    assert age is None or age > 0
    st = AgentStatus("a", "n", "t", "service", "1", created=stamp)
    st.to_dict()


@pytest.mark.parametrize("stamp", ["2024-01-01T00:00:00", "yesterday", 5, ["2024"], {"a": 1}])
def test_runs_with_odd_timestamps(stamp: Any) -> None:
    from agentctl.deploy.runs import from_job, from_workflow

    workflow = {
        "kind": "Workflow",
        "metadata": {"name": "w", "namespace": "n"},
        "status": {
            "phase": "Running",
            "startedAt": stamp,
            "finishedAt": "2024-01-02T00:00:00Z",
            "nodes": {"w": {"startedAt": stamp, "finishedAt": stamp, "children": stamp}},
        },
    }
    job = {
        "kind": "Job",
        "metadata": {"name": "j", "namespace": "n"},
        "status": {"startTime": stamp, "completionTime": stamp, "conditions": stamp},
    }
    pod = {"metadata": {"name": "p", "creationTimestamp": "x"}, "status": {"startTime": stamp}}
    for state in (from_workflow(workflow, "a"), from_job(job, [pod], "a")):
        assert state.started is None or isinstance(state.started, str)
        state.to_dict()
        for node in state.nodes.values():
            node.to_dict()


@pytest.mark.parametrize("odd", ODD, ids=repr)
def test_managed_fields_of_odd_shape_are_not_agentctl_s(odd: Any) -> None:
    from agentctl.deploy.inventory import FIELD_MANAGER, applied_by_agentctl

    assert not applied_by_agentctl({"metadata": {"managedFields": odd}})
    obj = {"metadata": {"managedFields": [odd, {"manager": FIELD_MANAGER}]}}
    assert applied_by_agentctl(obj)
