"""Reach an in-cluster trace backend through the Kubernetes API (``--port-forward svc/NAME``).

A loopback listener on ``127.0.0.1:<free port>`` accepts connections and pipes
each one through its own port-forward stream to a running pod behind the
Service (or to the named pod). The connection is the deploy commands' own
(:func:`agentctl.deploy.client.connect`: the same kubeconfig handling,
``--kubeconfig``/``--context``, retries and errors, exit 3).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from agentctl.deploy import answers
from agentctl.deploy.answers import count, mapping, objects
from agentctl.deploy.client import ConnectOptions, KubeClient, connect
from agentctl.deploy.discovery import well_known
from agentctl.errors import ClusterError, UsageError

DEFAULT_PORTS = {"tempo": 3200, "jaeger": 16686}
# Bytes of one WebSocket frame, and of one message of several frames, read from the API
# server (it sends the pod's bytes in frames of tens of kilobytes); the client's library
# reads whatever length a frame announces.
MAX_FRAME = 16 * 1024 * 1024
MAX_ERROR_TEXT = 64 * 1024  # what the error channel of a stream may say in all
# Bytes a forward holds for a side that does not take them (a local reader that reads
# slowly, an API server that does): past that, it stops reading the other side.
MAX_PENDING = 4 * 1024 * 1024
CHUNK = 256 * 1024  # bytes read from, or handed to, a local end at a time
_OWNER = threading.local()  # the forward whose stream the WebSocket being built carries


@dataclass(frozen=True)
class Target:
    kind: str  # svc | pod
    name: str
    port: int | None


def parse_target(value: str) -> Target:
    """``svc/NAME``, ``service/NAME``, ``pod/NAME``, each optionally ``:PORT``."""
    kind, sep, rest = value.partition("/")
    kind = {"svc": "svc", "service": "svc", "services": "svc", "pod": "pod", "pods": "pod"}.get(
        kind, ""
    )
    if not sep or not kind or not rest:
        raise UsageError(f"--port-forward {value!r}: expected svc/NAME[:PORT] or pod/NAME[:PORT]")
    name, _, port_text = rest.partition(":")
    port = None
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise UsageError(f"--port-forward {value!r}: invalid port {port_text!r}")
        port = int(port_text)
    return Target(kind, name, port)


class PortForward:
    """Forward ``127.0.0.1:<local_port>`` to a pod port; ``start()`` resolves the target first."""

    def __init__(
        self,
        target: Target,
        namespace: str,
        *,
        default_port: int | None = None,
        connect_options: ConnectOptions | None = None,
    ):
        self.target = target
        self.namespace = namespace
        self.default_port = default_port
        self.connect_options = connect_options or ConnectOptions()
        self.local_port = 0
        self.pod = ""
        self.remote_port = 0
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._kube: KubeClient | None = None
        self._api: Any = None
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._conns: set[socket.socket] = set()
        self.failure = ""  # why the API server's stream was given up, if it was

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.local_port}"

    def start(self) -> str:
        from kubernetes import client

        kube = connect(self.connect_options)
        try:
            self.pod, self.remote_port = self._resolve(kube)
        except BaseException:
            kube.close()
            raise
        self._kube = kube
        self._api = client.CoreV1Api(kube.api)
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(0.5)
        self._listener = listener
        self.local_port = listener.getsockname()[1]
        self._spawn(self._accept_loop, listener, name="port-forward")
        return self.url

    def _spawn(self, target: Any, *args: Any, name: str) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _get(self, kube: KubeClient, kind: str) -> dict[str, Any]:
        """The target (a Pod or a Service), read and checked as every answer is
        (:meth:`KubeClient.get`: an answer that is no such object is an error naming
        the endpoint)."""
        obj = kube.get(well_known("", kind), self.namespace, self.target.name)
        if obj is None:
            raise ClusterError(
                f"{self.target.kind}/{self.target.name} in namespace {self.namespace}: not found",
                hint="check the name and --namespace",
            )
        return obj

    def _resolve(self, kube: KubeClient) -> tuple[str, int]:
        port = self.target.port
        if self.target.kind == "pod":
            pod = self._get(kube, "Pod")
            port = port or self.default_port or _first_container_port(pod)
            if not port or not 0 < port < 65536:
                raise ClusterError(
                    f"pod/{self.target.name}: no port given and none declared; use pod/NAME:PORT"
                )
            return self.target.name, port
        svc = self._get(kube, "Service")
        spec = mapping(svc.get("spec"))
        selector = answers.labels(spec.get("selector"))
        if not selector:
            raise ClusterError(
                f"svc/{self.target.name} has no selector; port-forward to a pod instead"
            )
        svc_port = _service_port(spec, port or self.default_port)
        label_selector = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
        pods, _ = kube.list(well_known("", "Pod"), self.namespace, labels=label_selector)
        running = [
            p
            for p in pods
            if mapping(p.get("status")).get("phase") == "Running"
            and answers.name(p)  # no name: no pod to reach
        ]
        if not running:
            raise ClusterError(
                f"svc/{self.target.name}: no running pod behind it ({label_selector})"
            )
        pod = running[0]
        target = svc_port.get("targetPort") if svc_port is not None else None
        if isinstance(target, str) and not target.isdigit():
            named = _named_port(pod, target)
            if named is None:
                raise ClusterError(
                    f"svc/{self.target.name}: its targetPort {target!r} names no port of the "
                    "running pod behind it; use svc/NAME:PORT"
                )
            target = named
        if isinstance(target, str):
            target = count(target)
        remote = count(target or (svc_port.get("port") if svc_port is not None else port))
        if not 0 < remote < 65536:
            raise ClusterError(
                f"svc/{self.target.name}: cannot tell which port to forward; use svc/NAME:PORT"
            )
        return answers.name(pod), remote

    def _accept_loop(self, listener: socket.socket) -> None:
        # The listener is passed in, never read from self: stop() may clear that at any moment.
        while not self._stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                if self._stop.is_set():
                    conn.close()
                    return
                self._conns.add(conn)
            self._spawn(self._pipe, conn, name="port-forward-conn")

    def _pipe(self, conn: socket.socket) -> None:
        try:
            self._forward(conn)
        finally:
            with self._lock:
                self._conns.discard(conn)
            with contextlib.suppress(OSError):
                conn.close()

    def _forward(self, conn: socket.socket) -> None:
        from kubernetes.stream import portforward

        _bound_websocket_frames()
        _OWNER.forward = self
        try:
            pf = portforward(
                self._api.connect_get_namespaced_pod_portforward,
                self.pod,
                self.namespace,
                ports=str(self.remote_port),
            )
            remote = pf.socket(self.remote_port)
        except Exception:
            return  # the client sees its connection closed
        finally:
            _OWNER.forward = None
        done = threading.Event()

        def copy(src: Any, dst: Any) -> None:
            try:
                while not done.is_set():
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                done.set()
                for s in (conn, remote):
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)

        t = threading.Thread(target=copy, args=(remote, conn), daemon=True)
        t.start()
        copy(conn, remote)
        t.join(timeout=5)
        with contextlib.suppress(Exception):
            pf.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop listening, end the connections being piped and wait for their threads."""
        with self._lock:
            self._stop.set()
            listener, self._listener = self._listener, None
            conns = list(self._conns)
            threads = list(self._threads)
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes a blocked accept() on Linux
            listener.close()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))
        kube, self._kube = self._kube, None
        if kube is not None:
            kube.close()
        if self.failure:
            raise ClusterError(self.failure)

    def give_up(self, why: str) -> None:
        """Keep why a stream from the API server was given up (the first reason), for stop()."""
        server = self._kube.target.server if self._kube is not None else "the API server"
        with self._lock:
            if not self.failure:
                self.failure = (
                    f"port-forward to pod/{self.pod} port {self.remote_port} in namespace "
                    f"{self.namespace} through {server}: {why}"
                )

    def __enter__(self) -> PortForward:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _service_port(spec: dict[str, Any], wanted: int | None) -> dict[str, Any] | None:
    ports = objects(spec.get("ports"))
    if not ports:
        return None
    if wanted:
        return next((p for p in ports if p.get("port") == wanted), None)
    return dict(ports[0])


def _containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return objects(mapping(pod.get("spec")).get("containers"))


def _named_port(pod: dict[str, Any], name: str) -> int | None:
    for c in _containers(pod):
        for p in objects(c.get("ports")):
            if p.get("name") == name:
                return count(p.get("containerPort")) or None
    return None


def _first_container_port(pod: dict[str, Any]) -> int | None:
    for c in _containers(pod):
        for p in objects(c.get("ports")):
            return count(p.get("containerPort")) or None
    return None


def _bound_websocket_frames() -> None:
    """Make the port-forward streams' WebSocket refuse what its reader would choke on.

    The ``kubernetes`` client builds a ``websocket.WebSocket``, which reads a frame of
    any announced length and joins the frames of a message without limit, and its
    port-forward thread raises (a traceback on stderr) on a frame not of the
    ``v4.channel.k8s.io`` shape. The WebSocket it builds is replaced by one that
    checks each frame first: one too long, or not of that shape, ends the stream (as
    a closed connection does) and is kept by the forward, which reports it.
    """
    from kubernetes.stream import ws_client
    from websocket import ABNF, WebSocket, WebSocketConnectionClosedException

    if getattr(ws_client.WebSocket, "agentctl_bounded", False):
        return

    class Bounded(WebSocket):
        agentctl_bounded = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.forward: PortForward | None = getattr(_OWNER, "forward", None)
            self.pending = 0  # bytes of the message being received in several frames
            self.opened: set[int] = set()  # channels whose first frame (the port) came
            self.error_text = 0

        def give_up(self, why: str) -> Exception:
            if self.forward is not None:
                self.forward.give_up(why)
            with contextlib.suppress(Exception):
                self.shutdown()
            return WebSocketConnectionClosedException(why)

        def recv_frame(self) -> Any:
            buffer = self.frame_buffer
            with buffer.lock:
                if buffer.needs_header():
                    buffer.recv_header()
                if buffer.header is not None and buffer.needs_length():
                    buffer.recv_length()
                length = buffer.length or 0
            if length > MAX_FRAME or self.pending + length > MAX_FRAME:
                raise self.give_up(
                    f"the API server sent a WebSocket message of more than {MAX_FRAME} bytes "
                    f"(a frame of {length}); at most {MAX_FRAME} are read"
                )
            frame = super().recv_frame()
            self.pending = 0 if frame.fin else self.pending + len(frame.data)
            return frame

        def recv_data_frame(self, control_frame: bool = False) -> Any:
            opcode, frame = super().recv_data_frame(control_frame)
            if opcode in (ABNF.OPCODE_PING, ABNF.OPCODE_PONG, ABNF.OPCODE_CLOSE):
                return opcode, frame
            why = self.malformed(opcode, frame.data)
            if why:
                raise self.give_up(f"the API server sent {why}, not a v4.channel.k8s.io frame")
            return opcode, frame

        def malformed(self, opcode: int, data: Any) -> str:
            if opcode != ABNF.OPCODE_BINARY:
                return f"a WebSocket frame of opcode {opcode}"
            if not isinstance(data, bytes) or not data or data[0] > 1:
                return f"a frame for channel {data[0] if data else 'none'} (one port: 0 and 1)"
            channel = data[0]
            if channel not in self.opened:
                want = self.forward.remote_port if self.forward is not None else None
                if len(data) != 3 or (want is not None and data[1] + data[2] * 256 != want):
                    return f"a first frame on channel {channel} not naming port {want}"
                self.opened.add(channel)
            elif channel == 1:  # the error channel: text, read whole by the client
                self.error_text += len(data) - 1
                if self.error_text > MAX_ERROR_TEXT:
                    return f"more than {MAX_ERROR_TEXT} bytes of error text"
                try:
                    data[1:].decode()
                except UnicodeDecodeError:
                    return "error text that is not UTF-8"
            return ""

    ws_client.WebSocket = Bounded  # type: ignore[misc]

    def quiet_proxy(self: Any) -> None:
        """The client's forwarding thread, bounded (:func:`_proxy`) and ended as a closed
        stream when a send fails (a broken pipe when the API server or the local end went
        away first): it printed a traceback."""
        try:
            _proxy(self.websocket, list(self.local_ports.values()))
        except (OSError, WebSocketConnectionClosedException):
            for port in self.local_ports.values():
                with contextlib.suppress(OSError):
                    port.python.close()
            with contextlib.suppress(Exception):
                self.websocket.close()

    ws_client.PortForward._proxy = quiet_proxy  # type: ignore[method-assign]


def _proxy(ws: Any, ports: list[Any]) -> None:
    """Pipe the bytes of the client's ``PortForward`` ports (``python`` halves of socket
    pairs) and its WebSocket, holding at most about :data:`MAX_PENDING` bytes each way.

    The client's own thread read whatever the WebSocket brought and kept it until the
    local end took it: a reader that reads slowly (or not at all) made it hold the whole
    stream. Here the WebSocket is not read while a port holds that much for its local
    end, nor a port while that much waits to go out: the API server then waits, as TCP
    makes a sender wait."""
    import select
    import ssl

    from websocket import ABNF, WebSocketConnectionClosedException

    channels: dict[int, Any] = {}
    for ix, port in enumerate(ports):
        channels[2 * ix] = channels[2 * ix + 1] = port
        port.data = bytearray()
        port.python.setblocking(False)  # select says when; a send takes what fits
    by_socket = {port.python: port for port in ports}
    opened: set[int] = set()  # channels whose first frame (the port number) came
    outgoing = bytearray()  # frames for the API server

    def room() -> bool:
        return all(len(port.data) < MAX_PENDING for port in ports)

    while True:
        live = [port for port in ports if port.python.fileno() != -1]
        if not ws.connected:  # what the server sent is still handed on, then the port closes
            for port in live:
                if not port.data:
                    port.python.close()
            live = [port for port in live if port.python.fileno() != -1]
        if not live and not (ws.connected and outgoing):
            ws.close()
            return
        read_ws = ws.connected and room()
        rlist = [ws] if read_ws else []
        wlist = [ws] if ws.connected and outgoing else []
        for port in live:
            if ws.connected and len(outgoing) < MAX_PENDING:
                rlist.append(port.python)
            if port.data:
                wlist.append(port.python)
        # bytes TLS has already decrypted are no readable socket to select
        buffered = read_ws and isinstance(ws.sock, ssl.SSLSocket) and ws.sock.pending() > 0
        readable, writable, _ = select.select(rlist, wlist, [], 0 if buffered else None)
        if buffered and ws not in readable:
            readable.append(ws)
        for sock in readable:
            if sock is ws:
                while True:
                    try:
                        opcode, frame = ws.recv_data_frame(True)
                    except WebSocketConnectionClosedException:
                        with contextlib.suppress(Exception):
                            ws.shutdown()  # the loop hands on what came, then closes the ports
                        break
                    if opcode == ABNF.OPCODE_BINARY:  # of the checked shape (Bounded)
                        channel = frame.data[0]
                        port = channels.get(channel)
                        if port is None:
                            raise WebSocketConnectionClosedException(f"channel {channel}")
                        if channel not in opened:
                            opened.add(channel)
                        elif channel % 2:  # the error channel: the port is done
                            port.error = (port.error or "") + frame.data[1:].decode()
                            port.python.close()
                        else:
                            port.data += frame.data[1:]
                    tls = isinstance(ws.sock, ssl.SSLSocket)
                    if not (tls and ws.sock.pending() and room()):
                        break
            else:
                port = by_socket[sock]
                if port.python.fileno() == -1:
                    continue
                try:
                    data = port.python.recv(CHUNK)
                except BlockingIOError:
                    continue
                if data:
                    outgoing += ABNF.create_frame(port.channel + data, ABNF.OPCODE_BINARY).format()
                else:
                    port.python.close()
        for sock in writable:
            if sock is ws:
                if ws.connected:  # not given up while reading, a moment ago
                    del outgoing[: ws.sock.send(outgoing)]
                continue
            port = by_socket[sock]
            if port.python.fileno() != -1:
                with contextlib.suppress(BlockingIOError):
                    del port.data[: port.python.send(port.data[:CHUNK])]
