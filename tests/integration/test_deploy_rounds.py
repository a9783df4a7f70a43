"""Deploy's request pattern: connections opened in the first round, levels in dependency order."""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.cluster.latency_proxy import LatencyProxy
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import client_for, project

from agentctl.deploy import errors as kerr
from agentctl.deploy.engine import DeployOptions, Events, deploy
from agentctl.deploy.objects import ObjectRef
from agentctl.deploy.preflight import round_sizes
from agentctl.deploy.source import from_spec

NS = "agents-search"
NO_WAIT = DeployOptions(wait=False)


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
    # 50 ms each way: the margin the test relies on (the preflight's round trips) is then far
    # wider than a busy machine's scheduling delays.
    with LatencyProxy(kube.port, one_way=0.05) as proxy:
        events = LevelStarts()
        with client_for(proxied(kube, proxy, tmp_path)) as client:
            result = deploy(client, src, NO_WAIT, events)
        assert result.counts()["failed"] == 0
        assert proxy.connections == widest
        assert max(proxy.accepted) < events.started[0]


def test_a_failure_to_open_a_connection_early_does_not_fail_the_deploy(
    kube: FakeKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening connections ahead reaches into urllib3's pool: if that breaks (an urllib3
    without those internals), the requests open their own and the deploy goes on."""
    from agentctl.deploy import client as client_mod

    def broken(self: object, timeout: float) -> None:
        raise AttributeError("'HTTPSConnectionPool' object has no attribute '_get_conn'")

    monkeypatch.setattr(client_mod._Direct, "open_connection", broken)
    with client_for(kube.kubeconfig) as client:
        result = deploy(client, from_spec(project(tmp_path)), NO_WAIT)
    assert result.counts()["failed"] == 0
    assert result.counts()["created"] == len(result.objects)


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


class _TlsServer(ThreadingHTTPServer):
    """HTTPS with TLS 1.3 (Python's server sends two session tickets after each handshake)."""

    daemon_threads = True

    def __init__(self, ctx: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Version)
        self.ctx, self.accepted = ctx, 0

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = super().get_request()
        self.accepted += 1
        return self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr


class _Version(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = json.dumps({"gitVersion": "v1.37.2"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_connections_opened_early_stay_open_over_tls(tmp_path: Path) -> None:
    """The session tickets a TLS 1.3 server sends after the handshake are read, so the pool does
    not take the idle connection for a closed one and open another for the next request."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server = _TlsServer(ctx)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    ca = base64.b64encode((tmp_path / "cert.pem").read_bytes()).decode()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {
                    "server": f"https://127.0.0.1:{server.server_address[1]}",
                    "certificate-authority-data": ca}}],
                "users": [{"name": "u", "user": {"token": "fake-" + "t" * 8}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        )
    )  # fmt: skip
    try:
        with client_for(kubeconfig) as client:
            client.map(lambda _: client.open_connection(), range(3))
            assert server.accepted == 3
            for _ in range(2):
                assert client.map(lambda _: client.version(), range(3)) == ["v1.37.2"] * 3
            assert server.accepted == 3
    finally:
        server.shutdown()
        server.server_close()
