"""The apply levels: each object after what it references, nothing that references another of its own level."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentctl.deploy.objects import LEVEL_NAMES, SERVICE_ACCOUNT_TOKEN, levels, object_level
from agentctl.deploy.preflight import render_for, round_sizes
from agentctl.deploy.source import AgentBundle, AgentSource, from_spec

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def obj(kind: str, name: str = "x", **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": kind, "metadata": {"name": name}, **extra}


def level_by_kind(objects: list[dict[str, Any]]) -> dict[str, int]:
    return {o["kind"]: lvl for lvl, objs in levels(objects) for o in objs}


def test_each_kind_comes_after_what_it_references() -> None:
    kinds = [
        "Deployment", "RoleBinding", "Role", "ServiceAccount", "ConfigMap", "Secret",
        "ExternalSecret", "PersistentVolumeClaim", "Service", "NetworkPolicy", "Namespace",
        "StatefulSet", "WorkflowTemplate", "CronWorkflow", "HorizontalPodAutoscaler",
        "PodDisruptionBudget", "ClusterRoleBinding", "ClusterRole", "SomethingNew",
    ]  # fmt: skip
    at = level_by_kind([obj(k) for k in kinds])
    assert at["Namespace"] == 0
    assert at["RoleBinding"] > at["Role"] and at["ClusterRoleBinding"] > at["ClusterRole"]
    for workload in ("Deployment", "StatefulSet", "WorkflowTemplate", "CronWorkflow"):
        for used in ("ServiceAccount", "RoleBinding", "ConfigMap", "Secret", "ExternalSecret",
                     "PersistentVolumeClaim", "NetworkPolicy"):  # fmt: skip
            assert at[workload] > at[used], (workload, used)
    assert at["SomethingNew"] == at["Deployment"]  # unknown kinds wait with the workloads
    assert max(at.values()) == len(LEVEL_NAMES) - 1


def test_a_token_secret_waits_for_its_service_account_and_other_secrets_do_not() -> None:
    token = obj("Secret", "sa-token", type=SERVICE_ACCOUNT_TOKEN)
    plain = obj("Secret", "plain", type="Opaque")
    sa = obj("ServiceAccount", "sa")
    assert object_level(token) > object_level(sa)
    assert object_level(plain) == object_level(sa)
    order = [o["metadata"]["name"] for _, objs in levels([token, plain, sa]) for o in objs]
    assert order == ["plain", "sa", "sa-token"]  # bundle order kept inside a level


@pytest.mark.parametrize(
    ("example", "expected"),
    [("currency-converter", [0, 1, 3]), ("deep-research", [0, 1, 2, 3]),
     ("research-assistant", [0, 1, 2, 3])],
)  # fmt: skip
def test_the_examples_need_three_or_four_levels(example: str, expected: list[int]) -> None:
    src = from_spec(EXAMPLES / example, platform_file=str(EXAMPLES / "platform.yaml"))
    assert [lvl for lvl, _ in levels(src.render(None).objects)] == expected


def test_round_sizes_count_the_lists_and_the_inventory() -> None:
    objects = [obj("Namespace"), obj("ServiceAccount"), obj("ConfigMap", "a"),
               obj("ConfigMap", "b"), obj("Deployment")]  # fmt: skip
    # namespace + 3 member kinds listed; then each level with the inventory beside it
    assert round_sizes(objects) == [4, 2, 4, 2]


class Counting:
    def __init__(self, kube_version: str) -> None:
        self.kube_version, self.calls = kube_version, []

    def __call__(self, version: str | None) -> AgentBundle:
        self.calls.append(version)
        return AgentBundle("a", "t", "ns", "service", "1", [], "agent.yaml", self.kube_version)


def test_the_early_render_is_kept_when_the_server_needs_the_same_schemas() -> None:
    render = Counting("1.37")
    src = AgentSource("a", "ns", "agent.yaml", render)
    early = src.render(None)
    assert render_for(src, early, "v1.37.2") is early
    assert render_for(src, early, "v1.99.0-gke.1") is early  # newer than bundled: newest
    assert render.calls == [None]
    older = render_for(src, early, "v1.30.4")
    assert older is not early and render.calls == [None, "v1.30.4"]
