"""`trace --port-forward` against an API server whose port-forward stream is hostile.

The stream is a WebSocket; its library reads a frame of any announced length and
joins a message's frames without limit, and the client's forwarding thread raised
(a traceback on stderr) on a frame not of the v4.channel.k8s.io shape.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.cli.helpers import run_cli
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import tempo_service

MAX_FRAME = 16 * 1024 * 1024


def frame(data: bytes, *, opcode: int = 2, fin: bool = True, length: int | None = None) -> bytes:
    n = len(data) if length is None else length
    first = (0x80 if fin else 0) | opcode
    if n < 126:
        return struct.pack(">BB", first, n) + data
    if n < 1 << 16:
        return struct.pack(">BBH", first, 126, n) + data
    return struct.pack(">BBQ", first, 127, n) + data


def huge_frame(out: Any) -> None:
    """Announces a terabyte, then sends zeros (for at most a few seconds)."""
    out.write(frame(b"\x00", length=1 << 40))
    zeros, deadline = bytes(1 << 20), time.monotonic() + 5
    while time.monotonic() < deadline:
        out.write(zeros)


def endless_message(out: Any) -> None:
    """A message of 1 MiB frames that never ends (for at most a few seconds)."""
    chunk, deadline = b"\x00" + bytes(1 << 20), time.monotonic() + 5
    out.write(frame(chunk, fin=False))
    while time.monotonic() < deadline:
        out.write(frame(chunk, opcode=0, fin=False))


def writes(data: bytes) -> Callable[[Any], None]:
    def write(out: Any) -> None:
        out.write(data)
        out.flush()
        time.sleep(3)  # the stream stays open: the client is the one to end it

    return write


@pytest.mark.parametrize(
    ("stream", "says"),
    [
        (huge_frame, f"more than {MAX_FRAME} bytes (a frame of {1 << 40})"),
        (endless_message, f"more than {MAX_FRAME} bytes"),
        (writes(frame(b"\x07data")), "a frame for channel 7 (one port: 0 and 1)"),
        (writes(frame(b"\x01\xff\xfe")), "error text that is not UTF-8"),
        (writes(frame(b"\x00text", opcode=1)), "a WebSocket frame of opcode 1"),
    ],
    ids=["huge-frame", "endless-message", "bad-channel", "error-not-utf8", "text-frame"],
)
def test_a_hostile_port_forward_stream_is_one_line_naming_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stream: Callable[[Any], None],
    says: str,
) -> None:
    with FakeKube() as kube:
        tempo_service(kube, {"selector": {"app": "tempo"}, "ports": [{"port": 3200}]})
        kube.add_pod("observability", "tempo-0", {"app": "tempo"})
        kube.forward_port("observability", "tempo-0", 3200, stream)
        monkeypatch.setenv("KUBECONFIG", str(kube.write_kubeconfig(tmp_path / "kubeconfig")))
        start = time.monotonic()
        res = run_cli("trace", "--source", "tempo", "--port-forward", "svc/tempo")
        assert time.monotonic() - start < 60
        assert res.exit_code == 3, res.stderr
        assert "Traceback" not in res.stderr and "Exception in thread" not in res.stderr
        (line,) = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
        assert line.startswith(
            "error: port-forward to pod/tempo-0 port 3200 in namespace observability "
            "through http://127.0.0.1:"
        ), line
        assert says in line, line
        assert [t.name for t in threading.enumerate() if t.name.startswith("port-forward")] == []


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ({"selector": {"app": "tempo"}, "ports": ["x", {"port": 3200, "targetPort": ["odd"]}]},
         "cannot tell which port to forward"),
        ({"selector": ["app"], "ports": [{"port": 3200}]}, "has no selector"),
        ({"selector": {"app": "tempo"}, "ports": {"port": 3200}},
         "cannot tell which port to forward"),
        ({"selector": {"app": "tempo"}, "ports": [{"port": 3200, "targetPort": "http"}]},
         "its targetPort 'http' names no port of the running pod behind it"),
    ],
    ids=["target-port-list", "selector-list", "ports-object", "named-port-odd-containers"],
)  # fmt: skip
def test_a_service_of_odd_shape_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: dict[str, Any], says: str
) -> None:
    with FakeKube() as kube:
        tempo_service(kube, spec)
        kube.apply_as(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "tempo-0", "namespace": "observability",
                             "labels": {"app": "tempo"}},
                "spec": {"containers": ["odd", {"ports": [{"name": "http", "containerPort": "x"}]}]},
            },
            "test",
        )  # fmt: skip
        kube.set_status("Pod", "observability", "tempo-0", {"phase": "Running"})
        monkeypatch.setenv("KUBECONFIG", str(kube.write_kubeconfig(tmp_path / "kubeconfig")))
        res = run_cli("trace", "--source", "tempo", "--port-forward", "svc/tempo")
        assert res.exit_code == 3, res.stderr
        assert "Traceback" not in res.stderr
        (line,) = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
        assert line.startswith("error: svc/tempo") and says in line, line


def test_a_send_to_an_api_server_gone_away_ends_the_forwarding_thread_quietly() -> None:
    """The client's forwarding thread may still hold bytes from the local end when the API
    server has ended the stream (it closes it after the backend's end): the send fails
    with a broken pipe, which ends the stream as a closed connection does instead of
    raising in the thread (an unhandled exception with a traceback on stderr)."""
    import socket
    from types import SimpleNamespace

    from kubernetes.stream import ws_client

    from agentctl.deploy.portforward import _bound_websocket_frames

    class GoneAway:  # what a socket whose peer closed answers a send
        def send(self, data: bytes) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    _bound_websocket_frames()
    ws_end, api_end = socket.socketpair()  # writable, never readable: the send is tried
    local, client = socket.socketpair()
    closed: list[bool] = []
    websocket = SimpleNamespace(
        connected=True,
        sock=GoneAway(),
        fileno=ws_end.fileno,
        close=lambda: closed.append(True),
    )
    port = SimpleNamespace(python=local, data=b"", channel=b"\x00", error=None)
    forward = SimpleNamespace(local_ports={3200: port}, websocket=websocket)
    try:
        client.sendall(b"GET /api/traces HTTP/1.1\r\n\r\n")  # bytes for the API server
        client.settimeout(10)
        ran = threading.Thread(target=ws_client.PortForward._proxy, args=(forward,))
        ran.start()
        ran.join(10)
        assert not ran.is_alive()
        assert client.recv(100) == b""  # the local end sees the stream closed
        assert closed
    finally:
        for s in (ws_end, api_end, local, client):
            s.close()


PODS = "/api/v1/namespaces/observability/pods"
SERVICE = "/api/v1/namespaces/observability/services/tempo"
NOT_KUBE = "this does not look like a Kubernetes API server"


@pytest.mark.parametrize(
    ("target", "path", "answer", "says"),
    [
        ("pod/tempo-0", f"{PODS}/tempo-0", [1], 'answered 200 OK (application/json: "[1]"), not a JSON object'),
        ("pod/tempo-0", f"{PODS}/tempo-0", {"kind": "Pod", "metadata": [1]},
         "answered 200 with a Pod that has metadata a list, not an object"),
        ("pod/tempo-0", f"{PODS}/tempo-0", {"kind": "Service", "metadata": {"name": "tempo-0"}},
         "answered 200 with a JSON object that is not a Pod"),
        ("pod/tempo-0", f"{PODS}/tempo-0", None, "answered 200 with nothing (an empty answer), not a Pod"),
        ("svc/tempo", SERVICE, {"kind": "Service", "metadata": {"name": "tempo"}, "spec": [1]},
         "answered 200 with a Service that has spec a list, not an object"),
        ("svc/tempo", SERVICE, None, "answered 200 with nothing (an empty answer), not a Service"),
        ("svc/tempo", f"{PODS}?", {"kind": "PodList", "metadata": {}, "items": "x"},
         "answered 200 with a JSON object that is not a list of pods"),
        ("svc/tempo", f"{PODS}?", {"kind": "PodList", "metadata": {}, "items": [[1]]},
         "answered 200 with a list of pods whose items[0] is a list, not an object"),
        ("svc/tempo", f"{PODS}?", {"kind": "PodList", "metadata": {},
                                   "items": [{"metadata": {"name": 5}, "status": {"phase": "Running"}}]},
         "answered 200 with a list of pods whose items[0] has metadata.name a number, not a string"),
    ],
    ids=["pod-list", "pod-metadata-list", "pod-of-other-kind", "pod-empty", "service-spec-list",
         "service-empty", "pods-items-string", "pods-item-list", "pods-item-name-number"],
)  # fmt: skip
def test_a_target_answered_in_no_kubernetes_shape_is_one_line_naming_the_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str, path: str, answer: Any, says: str
) -> None:
    with FakeKube() as kube:
        tempo_service(kube, {"selector": {"app": "tempo"}, "ports": [{"port": 3200}]})
        kube.add_pod("observability", "tempo-0", {"app": "tempo"})
        body = b"" if answer is None else json.dumps(answer).encode()
        kube.answer_raw(200, body, content_type="application/json", path_prefix=path)
        monkeypatch.setenv("KUBECONFIG", str(kube.write_kubeconfig(tmp_path / "kubeconfig")))
        res = run_cli("trace", "--source", "tempo", "--port-forward", target)
        assert res.exit_code == 3, res.stderr
        assert "Traceback" not in res.stderr
        (line,) = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
        endpoint = f"error: {kube.url}{path.rstrip('?')} (context fake) {says}: {NOT_KUBE}"
        assert line == endpoint, line
        assert not kube.forwards  # nothing was forwarded on an answer that is no object


def test_running_pods_without_a_name_are_none_to_forward_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeKube() as kube:
        tempo_service(kube, {"selector": {"app": "tempo"}, "ports": [{"port": 3200}]})
        pods = {"kind": "PodList", "metadata": {},
                "items": [{"metadata": {"name": None}, "status": {"phase": "Running"}}]}  # fmt: skip
        kube.answer_raw(200, json.dumps(pods).encode(), content_type="application/json",
                        path_prefix=f"{PODS}?")  # fmt: skip
        monkeypatch.setenv("KUBECONFIG", str(kube.write_kubeconfig(tmp_path / "kubeconfig")))
        res = run_cli("trace", "--source", "tempo", "--port-forward", "svc/tempo")
        assert res.exit_code == 3, res.stderr
        (line,) = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
        assert line == "error: svc/tempo: no running pod behind it (app=tempo)", line


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"containers": "x"},
        {"containers": [None, {"ports": "8080"}]},
        {"containers": [{"ports": [{"containerPort": "80x"}]}]},
        {"containers": [{"ports": [{"containerPort": 70000}]}]},
        {"containers": [{"ports": [{"containerPort": [8080]}]}]},
    ],
    ids=["no-containers", "containers-string", "ports-string", "port-text", "port-too-big",
         "port-list"],
)  # fmt: skip
def test_a_pod_whose_ports_are_of_odd_shape_declares_none(
    tmp_path: Path, spec: dict[str, Any]
) -> None:
    from agentctl.deploy.client import ConnectOptions
    from agentctl.deploy.portforward import PortForward, parse_target
    from agentctl.errors import ClusterError

    with FakeKube() as kube:
        tempo_service(kube, {"selector": {"app": "tempo"}, "ports": [{"port": 3200}]})
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "tempo-0", "namespace": "observability"}, "spec": spec}  # fmt: skip
        kube.answer_raw(200, json.dumps(pod).encode(), content_type="application/json",
                        path_prefix=f"{PODS}/tempo-0")  # fmt: skip
        kubeconfig = kube.write_kubeconfig(tmp_path / "kubeconfig")
        fwd = PortForward(
            parse_target("pod/tempo-0"),
            "observability",
            connect_options=ConnectOptions(kubeconfig=str(kubeconfig)),
        )
        with pytest.raises(ClusterError) as err:
            fwd.start()
        assert err.value.message == (
            "pod/tempo-0: no port given and none declared; use pod/NAME:PORT"
        )


BLOCK = 64 * 1024


def expected(pos: int, n: int) -> bytes:
    """The ``n`` bytes of the stream below from ``pos``: block i is 64 KiB of byte i % 256."""
    out = bytearray()
    while n:
        block, offset = divmod(pos, BLOCK)
        take = min(n, BLOCK - offset)
        out += bytes([block % 256]) * take
        pos, n = pos + take, n - take
    return bytes(out)


def test_a_local_reader_that_does_not_read_holds_the_api_server_back(tmp_path: Path) -> None:
    """The forward holds a bounded amount for a local end that does not read: the API
    server's writes wait (as TCP makes a sender wait) rather than the forward holding the
    whole stream; once the reader reads, every byte comes, in order."""
    from agentctl.deploy.client import ConnectOptions
    from agentctl.deploy.portforward import PortForward, parse_target

    blocks = 48 * 1024 * 1024 // BLOCK
    sent = [0]
    done = threading.Event()

    def stream(out: Any) -> None:
        for i in range(blocks):
            out.write(frame(b"\x00" + bytes([i % 256]) * BLOCK))
            sent[0] += BLOCK
        out.flush()
        done.set()

    with FakeKube() as kube:
        tempo_service(kube, {"selector": {"app": "tempo"}, "ports": [{"port": 3200}]})
        kube.add_pod("observability", "tempo-0", {"app": "tempo"})
        kube.forward_port("observability", "tempo-0", 3200, stream)
        kubeconfig = kube.write_kubeconfig(tmp_path / "kubeconfig")
        fwd = PortForward(
            parse_target("svc/tempo"),
            "observability",
            connect_options=ConnectOptions(kubeconfig=str(kubeconfig)),
        )
        fwd.start()
        try:
            with socket.create_connection(("127.0.0.1", fwd.local_port)) as conn:
                # nothing read: wait until the server's writes stop going out (or all went)
                last, still, deadline = -1, 0, time.monotonic() + 60
                while not done.is_set() and still < 20 and time.monotonic() < deadline:
                    time.sleep(0.1)
                    still, last = (still + 1 if sent[0] == last else 0), sent[0]
                assert not done.is_set() and sent[0] < blocks * BLOCK
                conn.settimeout(30)
                got = 0
                while data := conn.recv(1 << 20):
                    assert data == expected(got, len(data)), got
                    got += len(data)
                assert got == blocks * BLOCK
        finally:
            fwd.stop()
