"""Discovery documents into a resource map; a bundle checked against it before anything is sent."""

from __future__ import annotations

import pytest

from agentctl.deploy.discovery import ResourceMap
from agentctl.deploy.errors import NotServed


def aggregated(group: str, version: str, *resources: tuple[str, str, bool]) -> dict:
    return {
        "kind": "APIGroupDiscoveryList",
        "items": [
            {
                "metadata": {"name": group},
                "versions": [
                    {
                        "version": version,
                        "resources": [
                            {
                                "resource": plural,
                                "responseKind": {"group": group, "version": version, "kind": kind},
                                "scope": "Namespaced" if ns else "Cluster",
                                "verbs": ["get", "patch"],
                            }
                            for kind, plural, ns in resources
                        ],
                    }
                ],
            }
        ],
    }


def rmap() -> ResourceMap:
    m = ResourceMap("v1.30.4")
    m.add_aggregated(
        aggregated("", "v1", ("Namespace", "namespaces", False), ("ConfigMap", "configmaps", True))
    )
    m.add_aggregated(aggregated("apps", "v1", ("Deployment", "deployments", True)))
    m.add_aggregated(
        aggregated("external-secrets.io", "v1beta1", ("ExternalSecret", "externalsecrets", True))
    )
    return m


def obj(api_version: str, kind: str, name: str = "x") -> dict:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": "ns"}}


def test_paths_for_core_group_and_cluster_scoped_resources() -> None:
    m = rmap()
    assert (
        m.lookup("apps", "v1", "Deployment").path("ns", "web")
        == "/apis/apps/v1/namespaces/ns/deployments/web"
    )
    assert m.lookup("", "v1", "ConfigMap").path("ns") == "/api/v1/namespaces/ns/configmaps"
    assert m.lookup("", "v1", "Namespace").path("ignored", "ns") == "/api/v1/namespaces/ns"
    assert m.lookup("apps", "v1", "Deployment").resource == "deployments.apps"


def test_check_names_every_object_the_cluster_cannot_take() -> None:
    bundle = [
        obj("v1", "ConfigMap"),
        obj("argoproj.io/v1alpha1", "WorkflowTemplate", "wf"),
        obj("external-secrets.io/v1", "ExternalSecret", "key"),
        obj("apps/v1", "Rollout", "r"),
    ]
    with pytest.raises(NotServed) as info:
        rmap().check(bundle, where=" at https://k8s")
    err = info.value
    assert err.exit_code == 3
    assert (
        err.message
        == "the cluster at https://k8s (v1.30.4) does not serve 3 kinds this agent needs"
    )
    assert err.lines()[1:] == [
        "WorkflowTemplate/wf needs argoproj.io/v1alpha1 WorkflowTemplate: the API group argoproj.io is not served (Argo Workflows is not installed)",
        "ExternalSecret/key needs external-secrets.io/v1 ExternalSecret: external-secrets.io is served only as v1beta1",
        "Rollout/r needs apps/v1 Rollout: apps/v1 has no kind Rollout",
    ]
    assert "install Argo Workflows (https://argo-workflows.readthedocs.io" in (err.hint or "")


def test_group_lists_without_aggregation_need_resource_lists() -> None:
    from agentctl.deploy.objects import ObjectRef

    m = ResourceMap("v1.25.0")
    m.add_group_list(
        {"versions": ["v1"]},
        {
            "groups": [
                {
                    "name": "apps",
                    "versions": [{"version": "v1"}],
                    "preferredVersion": {"version": "v1"},
                }
            ]
        },
    )
    refs = [
        ObjectRef.of(obj("apps/v1", "Deployment")),
        ObjectRef.of(obj("v1", "ConfigMap")),
        ObjectRef.of(obj("batch/v1", "Job")),
    ]
    assert m.missing_group_versions(refs) == ["apps/v1", "v1"]
    m.add_resource_list(
        {
            "groupVersion": "apps/v1",
            "resources": [
                {"name": "deployments", "kind": "Deployment", "namespaced": True},
                {"name": "deployments/status", "kind": "Deployment"},
            ],
        }
    )
    assert m.lookup("apps", "v1", "Deployment").plural == "deployments"
    assert m.missing_group_versions(refs) == ["v1"]


@pytest.mark.parametrize("wrong", [5, "x", None, [1], {"a": 1}, True, ["x"]])
def test_discovery_of_another_shape_serves_only_what_it_says(wrong: object) -> None:
    """Whatever a field of a discovery document is, the map holds what can be read and
    the check names the rest as not served, as for any server that lacks a kind."""
    good = aggregated("apps", "v1", ("Deployment", "deployments", True))
    for where in range(8):
        doc = aggregated("", "v1", ("ConfigMap", "configmaps", True))
        item = doc["items"][0]
        ver = item["versions"][0]
        res = ver["resources"][0]
        holder, key = [
            (doc, "items"),
            (item, "metadata"),
            (item, "versions"),
            (ver, "version"),
            (ver, "resources"),
            (res, "responseKind"),
            (res, "verbs"),
            (res, "resource"),
        ][where]
        holder[key] = wrong
        rmap = ResourceMap("v1.31.0")
        rmap.add_aggregated(doc)
        rmap.add_aggregated(good)
        rmap.add_group_list({"versions": wrong}, {"groups": [wrong, {"name": wrong}]})
        rmap.add_resource_list({"groupVersion": wrong, "resources": wrong})
        rmap.add_resource_list({"groupVersion": "v1", "resources": [wrong, {"name": wrong}]})
        assert rmap.lookup("apps", "v1", "Deployment") is not None
        with pytest.raises(NotServed):
            rmap.check([{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}])
