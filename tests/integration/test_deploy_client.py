"""The kubernetes-client wrapper over real HTTP: watch streams, logs, deletion, connect timeout."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import client_for, running_fake

from agentctl.deploy import errors as kerr
from agentctl.deploy.client import ConnectOptions, connect
from agentctl.deploy.discovery import well_known

NS = "team"


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKube]:
    with running_fake(tmp_path, monkeypatch) as fake:
        fake.apply_as({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}, "test")
        yield fake


def cm(name: str, value: str, labels: dict[str, str] | None = None) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": NS, "labels": labels or {"app": "x"}},
        "data": {"v": value},
    }


def test_watch_streams_added_modified_deleted_with_resource_versions(kube: FakeKube) -> None:
    assert kube.kubeconfig is not None
    with client_for(kube.kubeconfig) as client:
        client.discover()
        res = well_known("", "ConfigMap")
        client.apply(res, cm("before", "0"))
        _, rv = client.list(res, NS)

        def changes() -> None:
            threading.Event().wait(0.2)
            client.apply(res, cm("a", "1"))
            client.apply(res, cm("other", "1", {"app": "y"}))  # filtered out by the selector
            client.apply(res, cm("a", "2"))
            client.delete(res, NS, "a")

        threading.Thread(target=changes, daemon=True).start()
        events = []
        for event in client.watch(res, NS, labels="app=x", resource_version=rv, timeout_seconds=5):
            events.append(
                (event["type"], event["object"]["metadata"]["name"], event["object"]["data"]["v"])
            )
            if event["type"] == "DELETED":
                break
    assert events == [("ADDED", "a", "1"), ("MODIFIED", "a", "2"), ("DELETED", "a", "2")]


def test_followed_logs_arrive_line_by_line(kube: FakeKube) -> None:
    kube.add_pod(NS, "p", {"app": "x"})
    kube.set_logs(NS, "p", "agent", ["one"], closed=False)
    assert kube.kubeconfig is not None
    with client_for(kube.kubeconfig) as client:
        lines = client.pod_logs(NS, "p", container="agent", follow=True)
        assert next(lines) == "one"
        kube.append_log(NS, "p", "agent", "two", close=True)
        assert list(lines) == ["two"]
        assert list(client.pod_logs(NS, "p", container="agent", tail_lines=1)) == ["two"]


def test_deleting_a_job_in_the_background_removes_its_pods(kube: FakeKube) -> None:
    assert kube.kubeconfig is not None
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j", "namespace": NS},
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "c", "image": "i"}], "restartPolicy": "Never"}
            }
        },
    }
    created = kube.apply_as(job, "test")
    kube.add_pod(NS, "j-abcde", {"job-name": "j"}, owner=created)
    with client_for(kube.kubeconfig) as client:
        client.discover()
        jobs = client.resources.for_kind("batch", "Job")
        assert jobs is not None
        assert client.delete(jobs, NS, "j", propagation="Background") is True
        assert client.delete(jobs, NS, "j") is False  # already gone: not an error
    assert kube.names("Pod", NS) == []


def test_connect_timeout_is_bounded_and_explained(tmp_path: Path) -> None:
    # a listener that never accepts, with its backlog full: SYNs go unanswered
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(4):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        fillers.append(s)
    fake = FakeKube()
    fake._server = type("S", (), {"server_address": ("127.0.0.1", port)})()  # type: ignore[assignment]
    kubeconfig = fake.write_kubeconfig(tmp_path / "kubeconfig")
    fake._server = None
    try:
        with (
            connect(ConnectOptions(kubeconfig=str(kubeconfig), connect_timeout=0.5)) as client,
            pytest.raises(kerr.Unreachable) as info,
        ):
            client.version()
    finally:
        for s in fillers:
            s.close()
        server.close()
    assert info.value.exit_code == 3
    assert (
        info.value.message
        == f"cannot reach the cluster at http://127.0.0.1:{port} (context fake): no connection within 0.5s"
    )
