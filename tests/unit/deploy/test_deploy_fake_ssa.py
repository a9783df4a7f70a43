"""The API fake's server-side apply model (what the deploy tests rely on)."""

from __future__ import annotations

import pytest
from tests.fakes import kube_ssa as ssa


def dep(image: str, replicas: int | None = None, env: list | None = None) -> dict:
    c: dict = {"name": "app", "image": image}
    if env is not None:
        c["env"] = env
    spec: dict = {"template": {"spec": {"containers": [c]}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": spec}


def test_other_managers_fields_conflict_only_when_values_differ() -> None:
    obj, owners = ssa.apply(None, dep("i:1", 2), "agentctl", {}, force=False)
    obj, owners = ssa.apply(obj, dep("i:1", 2), "ci", owners, force=False)  # same values: shared
    assert "spec" in str(owners["ci"])
    with pytest.raises(ssa.ApplyConflict) as info:
        ssa.apply(obj, dep("i:2", 2), "ci", owners, force=False)
    assert [(m, ssa.format_path(p)) for m, p in info.value.conflicts] == [
        ("agentctl", '.spec.template.spec.containers[name="app"].image')
    ]
    obj, owners = ssa.apply(obj, dep("i:2", 2), "ci", owners, force=True)
    assert obj["spec"]["template"]["spec"]["containers"][0]["image"] == "i:2"
    assert ("spec", "template", "spec", "containers", ("name", "app"), "image") not in owners[
        "agentctl"
    ]


def test_fields_a_manager_stops_applying_are_removed_unless_others_own_them() -> None:
    obj, owners = ssa.apply(
        None,
        dep("i:1", 2, env=[{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]),
        "agentctl",
        {},
        force=False,
    )
    obj, owners = ssa.apply(
        obj, dep("i:1", env=[{"name": "A", "value": "1"}]), "agentctl", owners, force=False
    )
    assert "replicas" not in obj["spec"]
    assert obj["spec"]["template"]["spec"]["containers"][0]["env"] == [{"name": "A", "value": "1"}]


def test_selectors() -> None:
    reqs = ssa.parse_selector("a=1,b!=2,c,!d,e in (x, y),f notin (z)")
    assert ssa.labels_match({"a": "1", "c": "", "e": "x"}, reqs)
    assert not ssa.labels_match({"a": "1", "c": "", "e": "x", "d": "1"}, reqs)
    assert not ssa.labels_match({"a": "1", "c": "", "e": "q"}, reqs)
    assert ssa.fields_match(
        {"metadata": {"name": "n"}, "involvedObject": {"kind": "Pod"}},
        "metadata.name=n,involvedObject.kind!=Job",
    )
