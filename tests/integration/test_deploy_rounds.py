"""Deploy's request pattern: connections opened in the first round, levels in dependency order."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.cluster.latency_proxy import LatencyProxy
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import client_for, project, running_fake

from agentctl.deploy import errors as kerr
from agentctl.deploy.engine import DeployOptions, Events, deploy
from agentctl.deploy.objects import ObjectRef
from agentctl.deploy.preflight import round_sizes
from agentctl.deploy.source import from_spec

NS = "agents-search"
NO_WAIT = DeployOptions(wait=False)


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKube]:
    with running_fake(tmp_path, monkeypatch) as fake:
        yield fake


class LevelStarts(Events):
    def __init__(self) -> None:
        self.started: list[float] = []

    def on_level(self, index: int, name: str, refs: list[ObjectRef]) -> None:
        self.started.append(time.monotonic())


def proxied(kube: FakeKube, proxy: LatencyProxy, tmp_path: Path) -> Path:
    text = kube.kubeconfig.read_text()  # type: ignore[union-attr]
    path = tmp_path / "proxied-kubeconfig"
    path.write_text(text.replace(kube.url, f"http://127.0.0.1:{proxy.port}"))
    return path


@pytest.mark.parametrize("again", [False, True])
def test_every_connection_is_opened_in_the_first_round(
    kube: FakeKube, tmp_path: Path, again: bool
) -> None:
    """No later round waits for a handshake: all connections are accepted before the namespace
    level starts, as many as the widest round needs (research-assistant: 14 > 8 preflight reads)."""
    proj = project(tmp_path)
    src = from_spec(proj)
    if again:
        with client_for(kube.kubeconfig) as client:
            deploy(client, src, NO_WAIT)
    widest = max(round_sizes(src.render(None).objects))
    assert widest > 8
    with LatencyProxy(kube.port, one_way=0.01) as proxy:
        events = LevelStarts()
        with client_for(proxied(kube, proxy, tmp_path)) as client:
            result = deploy(client, src, NO_WAIT, events)
        assert result.counts()["failed"] == 0
        assert proxy.connections == widest
        assert max(proxy.accepted) < events.started[0]


def test_the_connections_opened_early_are_bounded_by_the_pool(
    kube: FakeKube, tmp_path: Path
) -> None:
    with LatencyProxy(kube.port, one_way=0.01) as proxy:
        with client_for(proxied(kube, proxy, tmp_path), workers=4) as client:
            result = deploy(client, from_spec(project(tmp_path)), NO_WAIT)
        assert result.counts()["created"] == len(result.objects)
        assert proxy.connections <= 4


def test_a_refused_role_stops_the_deploy_before_its_binding_and_the_workloads(
    kube: FakeKube, tmp_path: Path
) -> None:
    kube.deny("patch", "roles", NS)
    with (
        client_for(kube.kubeconfig) as client,
        pytest.raises(kerr.Forbidden) as info,
    ):
        deploy(client, from_spec(project(tmp_path)), NO_WAIT)
    partial: Any = info.value.partial
    assert partial.failed_at == "step 2/4 (identity, configuration, storage and network)"
    assert [o.ref.display for o in partial.objects if o.action == "failed"] == [
        "Role/research-assistant"
    ]
    assert info.value.exit_code == 3 and "Role/research-assistant" in " ".join(info.value.lines())
    sent = {r.path.split("/")[-2] for r in kube.api_requests("PATCH")}
    assert "roles" in sent and "configmaps" in sent  # the level went out together
    assert not sent & {"rolebindings", "statefulsets", "deployments"}  # nothing after it


def test_a_binding_is_applied_only_after_its_role_landed(kube: FakeKube, tmp_path: Path) -> None:
    kube.latency = 0.02
    with client_for(kube.kubeconfig) as client:
        deploy(client, from_spec(project(tmp_path)), NO_WAIT)
    patches = [r.path for r in kube.api_requests("PATCH")]
    role = max(i for i, p in enumerate(patches) if "/roles/" in p)
    binding = min(i for i, p in enumerate(patches) if "/rolebindings/" in p)
    first_workload = min(i for i, p in enumerate(patches) if "/statefulsets/" in p)
    assert role < binding < first_workload
