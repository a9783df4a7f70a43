"""The kubernetes-client wrapper over real HTTP: watch streams, logs, deletion, connect timeout."""

from __future__ import annotations

import random
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
from agentctl.deploy.retry import RetryPolicy

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

        changer = threading.Thread(target=changes, daemon=True)
        changer.start()
        events = []
        # the watch outlasts the changes however slowly the machine runs them (it ends at DELETED)
        for event in client.watch(res, NS, labels="app=x", resource_version=rv, timeout_seconds=60):
            events.append(
                (event["type"], event["object"]["metadata"]["name"], event["object"]["data"]["v"])
            )
            if event["type"] == "DELETED":
                break
        changer.join(timeout=60)  # its last call may still be reading its answer: not after close
        assert not changer.is_alive()
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


class FakeClock:
    """A clock that only moves when the client sleeps between retries."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def test_retries_stop_at_the_request_timeout_before_the_attempts_run_out(
    kube: FakeKube,
) -> None:
    assert kube.kubeconfig is not None
    clock = FakeClock()
    policy = RetryPolicy(
        attempts=8, base=1.0, cap=8.0, rng=random.Random(3), sleep=clock.sleep, clock=clock.now
    )
    kube.set_faults(1.0, codes=(503,))
    opts = ConnectOptions(kubeconfig=str(kube.kubeconfig), retry=policy, request_timeout=6.0)
    with connect(opts) as client, pytest.raises(kerr.ServerError) as info:
        client.version()
    attempts = len(kube.api_requests("GET"))
    assert 1 < attempts < 8  # the deadline, not the attempt count, ended it
    assert sum(clock.slept) < 6.0  # no retry was started past the deadline
    err = info.value
    assert err.gave_up is not None and err.gave_up.attempts == (attempts,)
    assert err.message.endswith(f"(gave up after {attempts} attempts in {sum(clock.slept):.1f}s)")
    assert "--request-timeout (now 6s)" in (err.hint or "")


def test_a_retry_after_past_the_request_timeout_gives_up_at_once(kube: FakeKube) -> None:
    assert kube.kubeconfig is not None
    kube.fail_next(429, 1, retry_after=60)
    with (
        client_for(kube.kubeconfig) as client,  # fast retries, 30 s per request
        pytest.raises(kerr.Throttled) as info,
    ):
        client.version()
    assert len(kube.api_requests("GET")) == 1
    assert "(gave up after 1 attempt in 0.0s; the server asked to wait 60s more)" in (
        info.value.message
    )
    assert (info.value.hint or "").startswith("the API server is rate-limiting requests")


def test_requests_that_each_gave_up_are_one_error(kube: FakeKube) -> None:
    assert kube.kubeconfig is not None
    kube.set_faults(1.0, codes=(500, 503))
    retry = RetryPolicy(attempts=3, base=0.001, cap=0.002)
    with (
        client_for(kube.kubeconfig, retry=retry) as client,
        pytest.raises(kerr.ServerError) as info,
    ):
        client.discover()
    err = info.value
    assert not isinstance(err, kerr.ManyFailures)
    assert err.message.startswith(
        "the API server kept failing: gave up on 3 requests (GET /version, GET /api, GET /apis) "
        "after 3 attempts each in "
    )
    assert "; last answer: 50" in err.message and "\n" not in err.message
    assert len(kube.api_requests("GET")) == 9
