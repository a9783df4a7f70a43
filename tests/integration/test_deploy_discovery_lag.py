"""A CRD group installed a moment ago: listed before it is served. deploy waits it out (bounded)
and, when it persists, names the group/version and asks whether the CRD is installed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import project, running_fake

from agentctl.deploy import ops


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ops, "DISCOVERY_POLL_SECONDS", 0.01)
    monkeypatch.setattr("agentctl.deploy.preflight.DISCOVERY_POLL_SECONDS", 0.01)


@pytest.fixture(params=[True, False], ids=["aggregated", "per-group"])
def kube(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeKube]:
    with running_fake(
        tmp_path, monkeypatch, crds=("argo-workflows",), aggregated_discovery=request.param
    ) as fake:
        yield fake


def test_deploy_right_after_installing_a_crd_waits_until_it_is_served(
    kube: FakeKube, tmp_path: Path
) -> None:
    kube.install_crds("external-secrets", lag=4)
    res = run_cli("deploy", str(project(tmp_path)), "--no-wait")
    assert res.exit_code == 0, res.stderr
    assert kube.names("ExternalSecret", "agents-search") == ["research-assistant-llm-api-key"]
    assert kube.lagging["external-secrets.io"] == 0


def test_a_group_listed_but_never_served_names_it(
    kube: FakeKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ops.ObjectOps, "discovery_lag", 0.2)
    kube.install_crds("external-secrets", lag=10_000)
    res = run_cli("deploy", str(project(tmp_path)), "--no-wait")
    assert res.exit_code == 3, res.stderr
    assert "Kubernetes API server" not in res.stderr
    assert "external-secrets.io" in res.stderr
    assert "CRD" in res.stderr or "External Secrets Operator is not installed" in res.stderr
    assert kube.list("ExternalSecret", "agents-search") == []
