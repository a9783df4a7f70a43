"""Bundles from a build directory, and the shared namespace applied without one agent's labels."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agentctl.deploy.source import from_build, shared_namespace
from agentctl.errors import UsageError

LABELS = {"agentctl.dev/agent": "a", "agentctl.dev/team": "t", "app.kubernetes.io/version": "2.0.0"}


def write(d: Path, name: str, *docs: dict) -> None:
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_text(yaml.safe_dump_all(docs))


def test_namespace_keeps_only_team_level_labels() -> None:
    ns = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": "agents-t",
            "labels": {
                **LABELS,
                "app.kubernetes.io/managed-by": "agentctl",
                "pod-security.kubernetes.io/enforce": "restricted",
                "cost-center": "cc",
            },
        },
    }
    assert shared_namespace(ns)["metadata"]["labels"] == {
        "agentctl.dev/team": "t",
        "app.kubernetes.io/managed-by": "agentctl",
        "pod-security.kubernetes.io/enforce": "restricted",
    }
    other = {"kind": "ConfigMap", "metadata": {"labels": LABELS}}
    assert shared_namespace(other) is other


def test_build_directory_per_agent(tmp_path: Path) -> None:
    d = tmp_path / "dist" / "a"
    write(
        d,
        "00-namespace.yaml",
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "agents-t", "labels": LABELS},
        },
    )
    write(
        d,
        "40-workloads.yaml",
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "a", "namespace": "agents-t", "labels": LABELS},
        },
    )
    (d / "kustomization.yaml").write_text("resources: [00-namespace.yaml, 40-workloads.yaml]\n")
    [src] = from_build(tmp_path / "dist")
    bundle = src.render(None)
    assert (src.agent, src.namespace, bundle.type, bundle.version, bundle.team) == (
        "a",
        "agents-t",
        "stateful",
        "2.0.0",
        "t",
    )
    assert [o["kind"] for o in bundle.objects] == ["Namespace", "StatefulSet"]
    assert from_build(d)[0].agent == "a"


def test_build_directory_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such build directory"):
        from_build(tmp_path / "nope")
    write(
        tmp_path / "x",
        "a.yaml",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "n"}},
    )
    with pytest.raises(UsageError, match=r"has no agentctl\.dev/agent label"):
        from_build(tmp_path / "x")
    write(tmp_path / "y", "a.yaml", {"kind": "ConfigMap"})
    with pytest.raises(UsageError, match="not a Kubernetes object"):
        from_build(tmp_path / "y")
