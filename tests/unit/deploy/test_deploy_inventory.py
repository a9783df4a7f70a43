"""The ApplySet inventory: id, parent object, members, and what counts as an orphan."""

from __future__ import annotations

import re

from agentctl.deploy.inventory import Inventory, applyset_id, mark_member, orphans, parent_name
from agentctl.deploy.objects import ObjectRef


def test_applyset_id_follows_the_kep_format() -> None:
    one = applyset_id("agentctl-inventory-a", "ns")
    assert re.fullmatch(r"applyset-[A-Za-z0-9_-]{43}-v1", one)
    assert one == applyset_id("agentctl-inventory-a", "ns")
    assert one != applyset_id("agentctl-inventory-a", "other")
    assert len(one) <= 63  # a valid label value


def test_parent_round_trip_and_group_kinds() -> None:
    inv = Inventory("a", "ns", "team", "stateful", "1.0.0")
    for ref in (
        ObjectRef("apps", "StatefulSet", "ns", "a"),
        ObjectRef("", "ConfigMap", "ns", "a-config"),
        ObjectRef("", "Namespace", "", "ns"),
    ):
        inv.add(ref)
    cm = inv.to_configmap()
    assert cm["metadata"]["name"] == parent_name("a")
    assert cm["metadata"]["labels"]["applyset.kubernetes.io/id"] == inv.id
    assert (
        cm["metadata"]["annotations"]["applyset.kubernetes.io/contains-group-kinds"]
        == "ConfigMap,StatefulSet.apps"
    )
    back = Inventory.from_configmap(cm)
    assert (
        back.members == inv.members
        and back.type == "stateful"
        and back.version == "1.0.0"
        and back.team == "team"
    )
    assert inv.same_as(back)
    assert (
        "",
        "Namespace",
    ) not in back.listed_group_kinds()  # the shared namespace is never a member


def test_members_are_labelled_but_the_namespace_is_not() -> None:
    dep = mark_member(
        {"kind": "Deployment", "metadata": {"name": "a", "labels": {"x": "1"}}}, "applyset-abc-v1"
    )
    assert dep["metadata"]["labels"] == {
        "x": "1",
        "applyset.kubernetes.io/part-of": "applyset-abc-v1",
    }
    ns = {"kind": "Namespace", "metadata": {"name": "ns"}}
    assert mark_member(ns, "applyset-abc-v1") is ns


def live(kind: str, name: str, manager: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": "ns", "managedFields": [{"manager": manager}]},
    }


def test_orphans_need_to_be_ours_not_just_labelled() -> None:
    old = Inventory("a", "ns")
    old.add(ObjectRef("", "ConfigMap", "ns", "recorded-by-other-tool"))
    found = [
        live("ConfigMap", "still-rendered", "agentctl"),
        live("ConfigMap", "dropped", "agentctl"),
        live("ConfigMap", "copied-label", "helm"),
        live("ConfigMap", "recorded-by-other-tool", "kubectl"),
    ]
    keep = {ObjectRef("", "ConfigMap", "ns", "still-rendered").key}
    assert [r.name for r in orphans(found, keep, old)] == ["dropped", "recorded-by-other-tool"]
    assert [r.name for r in orphans(found, keep, None)] == ["dropped"]
