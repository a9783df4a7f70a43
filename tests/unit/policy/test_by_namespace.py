"""Look-ups by namespace answer what a pass over every item with same_namespace answers."""

from __future__ import annotations

import random

import pytest

from agentctl.policy.checks import network
from agentctl.policy.model import Obj, Unit
from agentctl.policy.workloads import ByNamespace, as_dict, same_namespace, unit_pods

NAMESPACES = ["", "a", "b", "c"]
NAMES = ["x", "y", "z"]


def _items(rng: random.Random, n: int) -> list[tuple[str, str, int]]:
    return [(rng.choice(NAMESPACES), rng.choice(NAMES), i) for i in range(n)]


@pytest.mark.parametrize("seed", range(200))
def test_find_and_contains_match_the_pass_over_every_item(seed: int) -> None:
    rng = random.Random(seed)
    items = _items(rng, rng.randrange(0, 12))
    index = ByNamespace(items)
    for namespace in [*NAMESPACES, "d"]:
        for name in [*NAMES, "w"]:
            expected = [i for ns, n, i in items if n == name and same_namespace(ns, namespace)]
            assert index.find(namespace, name) == expected
            assert ((namespace, name) in index) == bool(expected)


def test_items_added_one_by_one_keep_their_order() -> None:
    index: ByNamespace[str] = ByNamespace()
    index.add("", "x", "first")
    index.add("a", "x", "second")
    index.add("", "x", "third")
    index.add("b", "x", "fourth")
    assert index.find("a", "x") == ["first", "second", "third"]
    assert index.find("", "x") == ["first", "second", "third", "fourth"]
    assert index.find("c", "x") == ["first", "third"]
    assert index.find("a", "y") == []
    assert ("c", "y") not in index


def _obj(data: dict, index: int) -> Obj:
    return Obj(data, "m.yaml", lambda path: ("m.yaml", 1, 1), None, index)


@pytest.mark.parametrize("seed", range(100))
def test_policies_selecting_a_pod_match_the_pass_over_every_policy(seed: int) -> None:
    """NET-001/002/004's selection, indexed by namespace, against every policy tried."""
    rng = random.Random(seed)
    labels = [{}, {"app": "a"}, {"app": "b"}, {"app": "a", "tier": "x"}]
    objects = []
    for i in range(rng.randrange(1, 16)):
        meta: dict = {"name": f"o{i}"}
        ns = rng.choice(NAMESPACES)
        if ns:
            meta["namespace"] = ns
        if rng.random() < 0.5:
            selector = {"matchLabels": rng.choice(labels)} if rng.random() < 0.8 else {}
            data = {"kind": "NetworkPolicy", "metadata": meta, "spec": {"podSelector": selector}}
        else:
            template = {"metadata": {"labels": rng.choice(labels)}, "spec": {"containers": []}}
            data = {"kind": "Deployment", "metadata": meta, "spec": {"template": template}}
        objects.append(_obj(data, i))
    unit = Unit(objects, None)  # type: ignore[arg-type]  # no check here reads the platform
    selection = network._Selection.of(unit)
    for view in unit_pods(unit):
        expected = [
            p
            for p in unit.of_kind("NetworkPolicy")
            if same_namespace(p.namespace, view.obj.namespace)
            and network.selector_matches(
                as_dict(p.data.get("spec")).get("podSelector"), view.labels()
            )
        ]
        assert selection.policies_for(view) == expected
