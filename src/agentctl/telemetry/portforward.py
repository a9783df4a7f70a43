"""Reach an in-cluster trace backend through the Kubernetes API (``--port-forward svc/NAME``).

A loopback listener on ``127.0.0.1:<free port>`` accepts connections and pipes
each one through its own port-forward stream to a running pod behind the
Service (or to the named pod). The ``kubernetes`` package is imported here
only, inside functions; its errors become :class:`ClusterError` (exit 3).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentctl.errors import ClusterError, UsageError

DEFAULT_PORTS = {"tempo": 3200, "jaeger": 16686}


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


def _cluster_error(exc: BaseException, what: str) -> ClusterError:
    status = getattr(exc, "status", None)
    text = str(exc).strip()
    reason = getattr(exc, "reason", None) or (text.splitlines()[0] if text else type(exc).__name__)
    if status == 404:
        return ClusterError(f"{what}: not found", hint="check the name and --namespace")
    if status in (401, 403):
        return ClusterError(
            f"{what}: forbidden ({reason})", hint="your kubeconfig user needs pods/portforward"
        )
    return ClusterError(
        f"{what}: {reason}", hint="check KUBECONFIG and that the cluster is reachable"
    )


class PortForward:
    """Forward ``127.0.0.1:<local_port>`` to a pod port; ``start()`` resolves the target first."""

    def __init__(
        self,
        target: Target,
        namespace: str,
        *,
        default_port: int | None = None,
        context: str | None = None,
    ):
        self.target = target
        self.namespace = namespace
        self.default_port = default_port
        self.context = context
        self.local_port = 0
        self.pod = ""
        self.remote_port = 0
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._api: Any = None
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._conns: set[socket.socket] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.local_port}"

    def start(self) -> str:
        try:
            from kubernetes import client, config
            from kubernetes.client.exceptions import ApiException
            from kubernetes.config.config_exception import ConfigException
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise ClusterError(f"the kubernetes client is not installed: {exc}") from None
        what = f"{self.target.kind}/{self.target.name} in namespace {self.namespace}"
        try:
            self._api = client.CoreV1Api(
                client.ApiClient(_configuration(client, config, self.context))
            )
            self.pod, self.remote_port = self._resolve()
        except ConfigException as exc:
            raise ClusterError(
                f"no usable kubeconfig: {exc}", hint="set KUBECONFIG or run inside a cluster"
            ) from None
        except ApiException as exc:
            raise _cluster_error(exc, what) from None
        except (OSError, ValueError) as exc:
            raise _cluster_error(exc, what) from None
        except (
            Exception
        ) as exc:  # urllib3 errors (connection refused, TLS) have no common base here
            if type(exc).__module__.startswith("urllib3"):
                raise _cluster_error(exc, what) from None
            raise
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

    def _resolve(self) -> tuple[str, int]:
        api = self._api
        port = self.target.port
        if self.target.kind == "pod":
            pod = api.read_namespaced_pod(self.target.name, self.namespace)
            port = port or self.default_port or _first_container_port(pod)
            if not port:
                raise ClusterError(
                    f"pod/{self.target.name}: no port given and none declared; use pod/NAME:PORT"
                )
            return self.target.name, port
        svc = api.read_namespaced_service(self.target.name, self.namespace)
        selector = svc.spec.selector or {}
        if not selector:
            raise ClusterError(
                f"svc/{self.target.name} has no selector; port-forward to a pod instead"
            )
        svc_port = _service_port(svc, port or self.default_port)
        label_selector = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
        pods = api.list_namespaced_pod(self.namespace, label_selector=label_selector).items
        running = [p for p in pods if (p.status and p.status.phase == "Running")]
        if not running:
            raise ClusterError(
                f"svc/{self.target.name}: no running pod behind it ({label_selector})"
            )
        pod = running[0]
        target = svc_port.target_port if svc_port is not None else None
        if isinstance(target, str) and not target.isdigit():
            target = _named_port(pod, target)
        remote = int(target) if target else (svc_port.port if svc_port is not None else port)
        if not remote:
            raise ClusterError(
                f"svc/{self.target.name}: cannot tell which port to forward; use svc/NAME:PORT"
            )
        return pod.metadata.name, int(remote)

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

    def __enter__(self) -> PortForward:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _configuration(client: Any, config: Any, context: str | None) -> Any:
    """A client configuration of its own (the kubernetes package's global one is shared, and
    reads $KUBECONFIG only once, at import): $KUBECONFIG, ~/.kube/config, or in-cluster."""
    cfg = client.Configuration()
    paths = os.environ.get("KUBECONFIG") or str(Path("~/.kube/config").expanduser())
    exists = any(Path(p).is_file() for p in paths.split(os.pathsep) if p)
    if not exists and os.environ.get("KUBERNETES_SERVICE_HOST"):
        config.load_incluster_config(client_configuration=cfg)
    else:
        # The same checks as the deploy commands: a broken kubeconfig is one
        # line naming the file (and line), exit 3, never a parser traceback.
        from agentctl.deploy import kubeconfig

        existing = [p for p in paths.split(os.pathsep) if p and Path(p).is_file()]
        merged = kubeconfig.read(existing)
        if merged is not None:
            merged.context(context)
        config.load_kube_config(
            config_file=paths, context=context, client_configuration=cfg, persist_config=False
        )
    return cfg


def _service_port(svc: Any, wanted: int | None) -> Any:
    ports = list(svc.spec.ports or [])
    if not ports:
        return None
    if wanted:
        return next((p for p in ports if p.port == wanted), None)
    return ports[0]


def _named_port(pod: Any, name: str) -> int | None:
    for c in pod.spec.containers or []:
        for p in c.ports or []:
            if p.name == name:
                return int(p.container_port)
    return None


def _first_container_port(pod: Any) -> int | None:
    for c in pod.spec.containers or []:
        for p in c.ports or []:
            return int(p.container_port)
    return None
