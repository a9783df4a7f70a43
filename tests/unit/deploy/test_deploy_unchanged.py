"""Whether a re-apply changed an object, when another writer changed it between deploy's read
and its apply (on a real cluster: a HorizontalPodAutoscaler scaling the new Deployment)."""

from __future__ import annotations

import copy
from typing import Any

from agentctl.deploy.objects import unchanged_by_apply

SENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "agent", "namespace": "ns", "labels": {"app": "agent"}},
    "spec": {"template": {"spec": {"containers": [{"name": "agent", "image": "img:1"}]}}},
}
OWNED = {"f:metadata": {"f:labels": {"f:app": {}}}, "f:spec": {"f:template": {}}}


def live(*, replicas: int = 1, image: str = "img:1", owned: Any = OWNED, rv: str = "1") -> Any:
    obj = copy.deepcopy(SENT)
    obj["metadata"]["resourceVersion"] = rv
    obj["metadata"]["managedFields"] = [
        {"manager": "agentctl", "operation": "Apply", "fieldsV1": owned},
        {"manager": "kube-controller-manager", "operation": "Update", "subresource": "scale"},
    ]
    obj["spec"]["replicas"] = replicas
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = image
    return obj


def test_the_same_object_is_unchanged() -> None:
    assert unchanged_by_apply(live(), live(rv="1"), SENT)


def test_another_writer_between_read_and_apply_is_not_a_change_of_ours() -> None:
    assert unchanged_by_apply(live(replicas=1), live(replicas=2, rv="2"), SENT)


def test_a_value_we_sent_that_changed_is_a_change() -> None:
    sent = copy.deepcopy(SENT)
    sent["spec"]["template"]["spec"]["containers"][0]["image"] = "img:2"
    assert not unchanged_by_apply(live(), live(image="img:2", rv="2"), sent)


def test_fields_we_stopped_sending_are_a_change() -> None:
    before = live(owned={**OWNED, "f:spec": {"f:template": {}, "f:strategy": {}}})
    assert not unchanged_by_apply(before, live(replicas=2, rv="2"), SENT)


def test_an_object_we_did_not_apply_before_is_a_change() -> None:
    before = live()
    before["metadata"]["managedFields"] = before["metadata"]["managedFields"][1:]
    assert not unchanged_by_apply(before, live(replicas=2, rv="2"), SENT)
    assert not unchanged_by_apply(None, live(), SENT)
