"""A tiny Kubernetes API fake that port-forwards for real, on 127.0.0.1.

It answers what ``agentctl trace --port-forward svc/NAME`` asks, the way the
official ``kubernetes`` client asks it:

- ``GET /api/v1/namespaces/{ns}/services/{name}`` and
  ``GET /api/v1/namespaces/{ns}/pods?labelSelector=...`` for the services
  and pods it was given (404 otherwise);
- ``GET /api/v1/namespaces/{ns}/pods/{pod}/portforward?ports=P`` upgraded to
  a WebSocket speaking ``v4.channel.k8s.io``: the two initial channel frames
  (data and error channel, each carrying the port little-endian), then bytes
  on channel 0 both ways, piped to a real TCP port on 127.0.0.1 that stands
  for the pod's port.

Usage::

    with FakePortForwardKube() as kube:
        kube.add_service("observability", "tempo", selector={"app": "tempo"}, port=3200,
                         pod="tempo-0", backend_port=tempo.port)
        kube.write_kubeconfig(tmp_path / "kubeconfig")
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _frame(opcode: int, data: bytes) -> bytes:
    n = len(data)
    if n < 126:
        head = struct.pack(">BB", 0x80 | opcode, n)
    elif n < 1 << 16:
        head = struct.pack(">BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack(">BBQ", 0x80 | opcode, 127, n)
    return head + data


def _read_frame(rfile: Any) -> tuple[int, bytes] | None:
    head = rfile.read(2)
    if len(head) < 2:
        return None
    opcode, n, masked = head[0] & 0x0F, head[1] & 0x7F, head[1] & 0x80
    if n == 126:
        n = struct.unpack(">H", rfile.read(2))[0]
    elif n == 127:
        n = struct.unpack(">Q", rfile.read(8))[0]
    mask = rfile.read(4) if masked else b""
    data = rfile.read(n)
    if masked:
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    return opcode, data


class FakePortForwardKube:
    def __init__(self) -> None:
        self.services: dict[tuple[str, str], dict[str, Any]] = {}
        self.pods: dict[tuple[str, str], dict[str, Any]] = {}
        self.backends: dict[tuple[str, str, int], int] = {}  # (ns, pod, port) -> 127.0.0.1 port
        self.forwards: list[tuple[str, str, int]] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add_service(
        self,
        namespace: str,
        name: str,
        *,
        selector: dict[str, str],
        port: int,
        pod: str,
        backend_port: int,
    ) -> None:
        self.services[(namespace, name)] = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "selector": selector,
                "ports": [{"name": "http", "port": port, "targetPort": port, "protocol": "TCP"}],
            },
        }
        self.pods[(namespace, pod)] = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": pod, "namespace": namespace, "labels": dict(selector)},
            "spec": {
                "containers": [
                    {
                        "name": "main",
                        "image": "example.invalid/x:1",
                        "ports": [{"containerPort": port, "name": "http"}],
                    }
                ]
            },
            "status": {"phase": "Running"},
        }
        self.backends[(namespace, pod, port)] = backend_port

    def write_kubeconfig(self, path: Path) -> Path:
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "pf", "cluster": {"server": self.url}}],
            "users": [{"name": "pf", "user": {"token": "pf-token"}}],
            "contexts": [{"name": "pf", "context": {"cluster": "pf", "user": "pf"}}],
            "current-context": "pf",
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        return path

    def start(self) -> FakePortForwardKube:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _json(self, status: int, doc: Any) -> None:
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _not_found(self, what: str) -> None:
                self._json(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                                 "message": f"{what} not found", "code": 404})  # fmt: skip

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                seg = parts.path.strip("/").split("/")
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if seg[:3] != ["api", "v1", "namespaces"] or len(seg) < 5:
                    self._not_found(parts.path)
                    return
                ns, kind = seg[3], seg[4]
                if kind == "services" and len(seg) == 6:
                    svc = fake.services.get((ns, seg[5]))
                    self._json(200, svc) if svc else self._not_found(f'services "{seg[5]}"')
                elif kind == "pods" and len(seg) == 5:
                    want = dict(
                        p.split("=", 1) for p in query.get("labelSelector", "").split(",") if p
                    )
                    items = [p for (pns, _), p in fake.pods.items()
                             if pns == ns and want.items() <= p["metadata"]["labels"].items()]  # fmt: skip
                    self._json(
                        200, {"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": items}
                    )
                elif kind == "pods" and len(seg) == 6:
                    pod = fake.pods.get((ns, seg[5]))
                    self._json(200, pod) if pod else self._not_found(f'pods "{seg[5]}"')
                elif kind == "pods" and len(seg) == 7 and seg[6] == "portforward":
                    self._portforward(ns, seg[5], int(query.get("ports", "0")))
                else:
                    self._not_found(parts.path)

            def _portforward(self, ns: str, pod: str, port: int) -> None:
                backend = fake.backends.get((ns, pod, port))
                key = self.headers.get("Sec-WebSocket-Key")
                if backend is None or not key:
                    self._not_found(f"pod {pod} port {port}")
                    return
                fake.forwards.append((ns, pod, port))
                accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
                self.send_response(101, "Switching Protocols")
                self.send_header("Upgrade", "websocket")
                self.send_header("Connection", "Upgrade")
                self.send_header("Sec-WebSocket-Accept", accept)
                self.send_header("Sec-WebSocket-Protocol", "v4.channel.k8s.io")
                self.end_headers()
                self.close_connection = True
                lock = threading.Lock()

                def send(opcode: int, data: bytes) -> None:
                    with lock:
                        self.wfile.write(_frame(opcode, data))
                        self.wfile.flush()

                port_le = struct.pack("<H", port)
                send(2, b"\x00" + port_le)
                send(2, b"\x01" + port_le)
                upstream = socket.create_connection(("127.0.0.1", backend))

                def pump() -> None:
                    try:
                        while data := upstream.recv(65536):
                            send(2, b"\x00" + data)
                        send(8, struct.pack(">H", 1000))
                    except OSError:
                        pass

                pumping = threading.Thread(target=pump, daemon=True)
                pumping.start()
                try:
                    while (frame := _read_frame(self.rfile)) is not None:
                        opcode, data = frame
                        if opcode == 8:
                            break
                        if opcode == 9:
                            send(10, data)
                        elif opcode == 2 and data[:1] == b"\x00" and len(data) > 1:
                            upstream.sendall(data[1:])
                finally:
                    # The pump writes to this handler's wfile, which is closed once we return:
                    # wake it (shutdown ends a blocked recv) and wait for it first.
                    with contextlib.suppress(OSError):
                        upstream.shutdown(socket.SHUT_RDWR)
                    pumping.join()
                    upstream.close()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakePortForwardKube:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
