"""Durable memory survives change: growing memory.size expands the claims in place and replaces
the StatefulSet orphaning its pods and claims; changes no claim can take are refused before
anything is sent. Against the API fake, which refuses what kube-apiserver refuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.cli.helpers import run_cli
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import project

NS = "agents-search"
AGENT = "research-assistant"
SELECTOR = {"app.kubernetes.io/name": AGENT, "app.kubernetes.io/instance": AGENT}


def storage_class(kube: FakeKube, *, expandable: bool) -> None:
    kube.apply_as(
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {
                "name": "standard",
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
            },
            "provisioner": "example.com/test",
            "allowVolumeExpansion": expandable,
        },
        "admin",
    )


def edit_memory(proj: Path, **memory: Any) -> None:
    doc = yaml.safe_load((proj / "agent.yaml").read_text())
    doc["spec"]["memory"].update(memory)
    (proj / "agent.yaml").write_text(yaml.safe_dump(doc))


def deployed_with_replicas(kube: FakeKube, tmp_path: Path, replicas: int = 2) -> Path:
    """The stateful example deployed, with what its controller would have made: pods and one
    claim per replica (the StatefulSet controller's names and labels)."""
    proj = project(tmp_path, AGENT)
    edit_memory(proj, accessMode="ReadWriteOnce")
    doc = yaml.safe_load((proj / "agent.yaml").read_text())
    doc["spec"]["scaling"] = {"minReplicas": 1, "maxReplicas": 1}
    doc["spec"].pop("environments", None)
    (proj / "agent.yaml").write_text(yaml.safe_dump(doc))
    res = run_cli("deploy", str(proj), "--no-wait")
    assert res.exit_code == 0, res.stderr
    sts = kube.get("StatefulSet", NS, AGENT)
    assert sts is not None
    for i in range(replicas):
        kube.apply_as(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": f"memory-{AGENT}-{i}", "namespace": NS, "labels": SELECTOR},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "storageClassName": "standard",
                    "resources": {"requests": {"storage": "5Gi"}},
                },
            },
            "kube-controller-manager",
            operation="Update",
        )
        kube.add_pod(NS, f"{AGENT}-{i}", SELECTOR, owner=sts)
    return proj


def uids(kube: FakeKube, kind: str) -> dict[str, str]:
    return {o["metadata"]["name"]: o["metadata"]["uid"] for o in kube.list(kind, NS)}


def test_growing_memory_expands_claims_and_keeps_pods(kube: FakeKube, tmp_path: Path) -> None:
    storage_class(kube, expandable=True)
    proj = deployed_with_replicas(kube, tmp_path)
    pods, claims = uids(kube, "Pod"), uids(kube, "PersistentVolumeClaim")
    sts_uid = kube.get("StatefulSet", NS, AGENT)["metadata"]["uid"]  # type: ignore[index]
    edit_memory(proj, size="20Gi")

    diff = run_cli("diff", str(proj), "-o", "json")
    assert diff.exit_code == 1, diff.stderr
    plan = [o for o in json.loads(diff.stdout)["data"]["objects"] if o["kind"] == "StatefulSet"]
    assert plan[0]["note"].startswith(
        "replace StatefulSet, keep pods and claims; expand 2 claims 5Gi -> 20Gi"
    )
    assert "storage: 20Gi" in plan[0]["diff"]

    dry = run_cli("deploy", str(proj), "--dry-run=server", "--no-wait")
    assert dry.exit_code == 0, dry.stderr
    assert kube.get("StatefulSet", NS, AGENT)["metadata"]["uid"] == sts_uid  # type: ignore[index]

    res = run_cli("deploy", str(proj), "--no-wait", "-o", "json")
    assert res.exit_code == 0, res.stderr
    sts = kube.get("StatefulSet", NS, AGENT)
    assert sts is not None and sts["metadata"]["uid"] != sts_uid  # replaced
    vct = sts["spec"]["volumeClaimTemplates"][0]
    assert vct["spec"]["resources"]["requests"]["storage"] == "20Gi"
    for claim in kube.list("PersistentVolumeClaim", NS):
        assert claim["spec"]["resources"]["requests"]["storage"] == "20Gi"
    assert uids(kube, "Pod") == pods and uids(kube, "PersistentVolumeClaim") == claims
    for pod in kube.list("Pod", NS):  # orphaned, to be adopted by the new StatefulSet
        assert "ownerReferences" not in pod["metadata"]
    again = run_cli("deploy", str(proj), "--no-wait")
    assert again.exit_code == 0 and again.stdout.startswith("No changes"), again.stdout


@pytest.mark.parametrize(
    ("change", "expect"),
    [
        ({"size": "1Gi"}, "memory cannot shrink (5Gi -> 1Gi)"),
        ({"accessMode": "ReadWriteOncePod"}, "the access mode cannot change"),
        ({"storageClass": "fast"}, "the storage class cannot change"),
    ],
)
def test_changes_no_claim_can_take_are_refused_before_sending(
    kube: FakeKube, tmp_path: Path, change: dict[str, str], expect: str
) -> None:
    storage_class(kube, expandable=True)
    proj = deployed_with_replicas(kube, tmp_path)
    before = len(kube.api_requests())
    edit_memory(proj, **change)
    res = run_cli("deploy", str(proj), "--no-wait")
    assert res.exit_code == 2, res.stdout + res.stderr
    assert expect in res.stderr
    assert "hint:" in res.stderr and "memory may only grow" in res.stderr
    sent = [r for r in kube.api_requests()[before:] if r.method not in ("GET",)]
    assert sent == []
    assert run_cli("diff", str(proj)).exit_code == 2


def test_memory_cannot_grow_on_a_class_without_expansion(kube: FakeKube, tmp_path: Path) -> None:
    storage_class(kube, expandable=False)
    proj = deployed_with_replicas(kube, tmp_path)
    edit_memory(proj, size="20Gi")
    res = run_cli("deploy", str(proj), "--no-wait")
    assert res.exit_code == 2
    assert "StorageClass standard does not allow volume expansion" in res.stderr
    assert (
        kube.get("PersistentVolumeClaim", NS, f"memory-{AGENT}-0")["spec"]["resources"][  # type: ignore[index]
            "requests"
        ]["storage"]
        == "5Gi"
    )


def test_the_fake_refuses_what_the_api_server_refuses(kube: FakeKube, tmp_path: Path) -> None:
    """Without the plan, the fake answers as kube-apiserver does: 422 on immutable fields."""
    storage_class(kube, expandable=True)
    deployed_with_replicas(kube, tmp_path, replicas=1)
    sts = kube.get("StatefulSet", NS, AGENT)
    assert sts is not None
    sts["spec"]["serviceName"] = "other"
    with pytest.raises(
        Exception, match=r'spec\.serviceName: Invalid value: "other": field is immutable'
    ):
        kube.apply_as(sts, "someone")
    claim = kube.get("PersistentVolumeClaim", NS, f"memory-{AGENT}-0")
    assert claim is not None
    claim["spec"]["resources"]["requests"]["storage"] = "1Gi"
    with pytest.raises(Exception, match="can not be less than"):
        kube.apply_as(claim, "someone")
