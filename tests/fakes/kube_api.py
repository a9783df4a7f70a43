"""A fake Kubernetes API server over real HTTP on 127.0.0.1, for testing the deploy commands.

It speaks the protocol the official ``kubernetes`` client speaks: discovery
(``/version``, ``/api``, ``/apis`` including aggregated discovery v2, and the
per-group-version resource lists), server-side apply PATCH
(``application/apply-patch+yaml`` with ``fieldManager``, ``force`` and
``dryRun``) with managed fields and 409 conflicts, create, get, list with label
and field selectors, chunked WATCH streams, delete with propagation, pod logs
(optionally followed) and events. Tests steer it: latency, fault rates
(429/500/503 with ``Retry-After``), targeted failures, dropped connections,
RBAC denials (403 naming the user), expired tokens (401), validation errors
(422), object statuses (to simulate rollouts and failing pods) and raw
answers that no API server gives (a web server or proxy at its address).

Usage::

    with FakeKube() as kube:
        kubeconfig = kube.write_kubeconfig(tmp_path / "kubeconfig")
        ...
"""

from __future__ import annotations

import random
import secrets as _secrets
import sys
import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from tests.fakes import kube_ssa as ssa
from tests.fakes.kube_resources import BUILTINS, Resource, fixture_crds
from tests.fakes.kube_store import (  # noqa: F401 - re-exported for kube_http and tests
    ApiError,
    Fault,
    LogStream,
    RequestRecord,
    Stored,
    StoreMixin,
    _now,
)

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
DEFAULT_TOKEN = "fake-token-" + "0" * 8


class _QuietServer(ThreadingHTTPServer):
    """A client hanging up (as invoke does after a streamed error) is no error of the fake:
    the real API server just closes that connection too."""

    # socketserver's default backlog is 5. A deploy opens a connection per object of its widest
    # round at once; on a busy machine the accept thread falls behind, the kernel drops the SYNs
    # past the backlog and the client sends them again a second later. A real API server listens
    # with the kernel's own limit.
    request_queue_size = 128

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class FakeKube(StoreMixin):
    def __init__(
        self,
        *,
        crds: tuple[str, ...] = ("argo-workflows", "external-secrets"),
        git_version: str = "v1.31.2",
        aggregated_discovery: bool = True,
        auto_ready: bool | set[str] = True,
        latency: float = 0.0,
    ) -> None:
        self.resources: list[Resource] = [*BUILTINS, *fixture_crds(*crds)]
        # group -> discovery answers still to lag: a CRD group just installed is listed in
        # /apis but answers 404 (and is missing from aggregated discovery) for a moment
        self.lagging: dict[str, int] = {}
        self.git_version = git_version
        self.aggregated_discovery = aggregated_discovery
        self.auto_ready = auto_ready
        self.latency = latency
        self.fault_rate = 0.0
        self.fault_codes: tuple[int, ...] = (429, 500, 503)
        self.fault_retry_after: int | None = 0
        self.fault_methods: set[str] | None = None
        self._rng = random.Random(1234)
        self.faults: list[Fault] = []
        self.drop_after: int | None = None
        self.drop_methods: set[str] | None = None
        self.tokens: dict[str, str] = {DEFAULT_TOKEN: "alice@example.com"}
        self.expired: set[str] = set()
        self.denied: list[tuple[str, str, str | None]] = []  # (verb, plural, namespace)
        # users whose rights are only what Roles/ClusterRoles bound to them allow (RBAC is an
        # allow-list, as on a real server); every other user may do anything not ``denied``
        self.rbac_users: set[str] = set()
        self.invalid: list[tuple[str, str | None, str, str]] = []  # (kind, name, field, message)
        self.on_create: dict[str, Callable[[FakeKube, dict[str, Any]], None]] = {}
        # (path prefix, status, content type, body): answered as is, like a web server or proxy
        self.raw_answers: list[tuple[str, int, str, bytes]] = []
        # (namespace, service name) -> http://127.0.0.1:PORT: where the services/proxy
        # subresource sends requests (simulated nodes run no pods: a local process stands in)
        self.service_backends: dict[tuple[str, str], str] = {}
        self.requests: list[RequestRecord] = []
        self._counted = 0
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._rv = 100
        self._store: dict[tuple[str, str, str, str], Stored] = {}
        self._events: list[tuple[int, str, Resource, dict[str, Any]]] = []
        self._logs: dict[tuple[str, str, str, bool], LogStream] = {}
        self._stopping = False
        self._server: ThreadingHTTPServer | None = None
        self.kubeconfig: Path | None = None
        self.port_backends: dict[tuple[str, str, int], Any] = {}  # (ns, pod, port) -> local port
        self.forwards: list[tuple[str, str, int]] = []  # port-forward streams opened
        self.in_flight = 0
        self.max_in_flight = 0
        self.waves = 0  # times a request arrived with none in flight: sequential round trips
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> FakeKube:
        from tests.fakes.kube_http import Handler

        handler = type("BoundHandler", (Handler,), {"fake": self})
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._changed.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeKube:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_kubeconfig(
        self,
        path: Path,
        *,
        token: str = DEFAULT_TOKEN,
        namespace: str | None = None,
        context: str = "fake",
        user: str = "fake-user",
    ) -> Path:
        ctx: dict[str, Any] = {"cluster": "fake-cluster", "user": user}
        if namespace:
            ctx["namespace"] = namespace
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake-cluster", "cluster": {"server": self.url}}],
            "users": [{"name": user, "user": {"token": token}}],
            "contexts": [{"name": context, "context": ctx}],
            "current-context": context,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        self.kubeconfig = path
        return path

    # -- steering ----------------------------------------------------------

    def set_faults(
        self,
        rate: float,
        *,
        codes: tuple[int, ...] = (429, 500, 503),
        retry_after: int | None = 0,
        seed: int = 1234,
        methods: set[str] | None = None,
    ) -> None:
        with self._lock:
            self.fault_rate, self.fault_codes, self.fault_retry_after = rate, codes, retry_after
            self.fault_methods = methods
            self._rng = random.Random(seed)

    def fail_next(self, code: int, count: int = 1, **kw: Any) -> None:
        with self._lock:
            self.faults.append(Fault(code, count, **kw))

    def drop_connections_after(self, n: int | None, methods: set[str] | None = None) -> None:
        """After ``n`` more API requests (of ``methods``), close every connection unanswered."""
        with self._lock:
            self._counted = 0
            self.drop_after = n
            self.drop_methods = methods

    def deny(self, verb: str, plural: str, namespace: str | None = None) -> None:
        self.denied.append((verb, plural, namespace))

    def add_rbac_user(self, user: str, token: str) -> None:
        """A user authenticated by ``token`` whose rights are only what the Roles and
        ClusterRoles bound to it (RoleBinding, ClusterRoleBinding objects in the fake) allow."""
        with self._lock:
            self.tokens[token] = user
            self.rbac_users.add(user)

    def rbac_allows(self, user: str, verb: str, group: str, plural: str, ns: str | None) -> bool:
        """Whether RBAC objects grant ``user`` the verb on the resource, as the RBAC authorizer
        evaluates them: a RoleBinding grants in its namespace, a ClusterRoleBinding everywhere."""

        def bound(binding: dict[str, Any]) -> bool:
            return any(
                s.get("kind") == "User" and s.get("name") == user
                for s in binding.get("subjects") or []
            )

        def grants(role: dict[str, Any] | None) -> bool:
            return any(
                any(v in (verb, "*") for v in rule.get("verbs") or [])
                and any(g in (group, "*") for g in rule.get("apiGroups") or [])
                and any(r in (plural, "*") for r in rule.get("resources") or [])
                for rule in (role or {}).get("rules") or []
            )

        def role_of(binding: dict[str, Any], ns: str | None) -> dict[str, Any] | None:
            ref = binding.get("roleRef") or {}
            if ref.get("kind") == "ClusterRole":
                return self.get("ClusterRole", None, str(ref.get("name")))
            return self.get("Role", ns, str(ref.get("name")))

        with self._lock:
            cluster = [b for b in self.list("ClusterRoleBinding") if bound(b)]
            local = [b for b in self.list("RoleBinding", ns) if bound(b)] if ns else []
            return any(grants(role_of(b, None)) for b in cluster) or any(
                grants(role_of(b, ns)) for b in local
            )

    def answer_raw(
        self,
        status: int,
        body: bytes,
        *,
        content_type: str = "text/html",
        path_prefix: str = "/",
    ) -> None:
        """Answer requests under ``path_prefix`` with this response, as something else than an API server would."""
        with self._lock:
            self.raw_answers.append((path_prefix, status, content_type, body))

    def reject(self, kind: str, field_path: str, message: str, name: str | None = None) -> None:
        self.invalid.append((kind, name, field_path, message))

    def remove_resources(self, group: str) -> None:
        self.resources = [r for r in self.resources if r.group != group]

    def install_crds(self, name: str, *, lag: int = 0) -> None:
        """Install a fixture CRD set (e.g. "external-secrets") the way an operator's install
        does; for the next ``lag`` discovery answers its group is listed but not served yet."""
        added = fixture_crds(name)
        with self._lock:
            self.resources = [*self.resources, *added]
            for r in added:
                if lag:
                    self.lagging[r.group] = lag

    def custom_resource_definitions(self) -> list[dict[str, Any]]:
        """The CRD objects behind the fixture resources (group, names, served versions)."""
        builtin = {id(r) for r in BUILTINS}
        crds: dict[str, dict[str, Any]] = {}
        for r in self.resources:
            if id(r) in builtin:
                continue
            crd = crds.setdefault(
                f"{r.plural}.{r.group}",
                {
                    "apiVersion": "apiextensions.k8s.io/v1",
                    "kind": "CustomResourceDefinition",
                    "metadata": {"name": f"{r.plural}.{r.group}"},
                    "spec": {
                        "group": r.group,
                        "names": {"kind": r.kind, "plural": r.plural},
                        "scope": "Namespaced" if r.namespaced else "Cluster",
                        "versions": [],
                    },
                    "status": {"conditions": [{"type": "Established", "status": "True"}]},
                },
            )
            crd["spec"]["versions"].append({"name": r.version, "served": True})
        return list(crds.values())

    def lags(self, group: str) -> bool:
        """Whether this discovery answer for ``group`` lags (and count it)."""
        with self._lock:
            left = self.lagging.get(group, 0)
            if left <= 0:
                return False
            self.lagging[group] = left - 1
            return True

    # -- direct state access (what a controller or another client would do) --

    def get(self, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        r = self.resource_for(kind)
        with self._lock:
            s = self._store.get((r.group, r.plural, namespace or "", name))
            return ssa.clone(s.obj) if s else None

    def list(self, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
        r = self.resource_for(kind)
        with self._lock:
            return [
                ssa.clone(s.obj)
                for (g, p, ns, _), s in sorted(self._store.items())
                if g == r.group and p == r.plural and (namespace is None or ns == namespace)
            ]

    def names(self, kind: str, namespace: str | None = None) -> list[str]:
        return [o["metadata"]["name"] for o in self.list(kind, namespace)]

    def apply_as(
        self, obj: dict[str, Any], manager: str, *, operation: str = "Apply", force: bool = True
    ) -> dict[str, Any]:
        """Write ``obj`` as another field manager (Apply, or Update like kubectl edit)."""
        r = self._resource_of(obj)
        ns = obj["metadata"].get("namespace", "") if r.namespaced else ""
        with self._lock:
            return self._apply(
                r,
                ns,
                obj["metadata"]["name"],
                obj,
                manager,
                force=force,
                dry_run=False,
                operation=operation,
            )[0]

    def set_status(
        self,
        kind: str,
        namespace: str | None,
        name: str,
        status: dict[str, Any],
        *,
        merge: bool = False,
    ) -> None:
        r = self.resource_for(kind)
        with self._lock:
            s = self._store[(r.group, r.plural, namespace or "", name)]
            new = {**s.obj.get("status", {}), **status} if merge else ssa.clone(status)
            if s.obj.get("status") != new:
                s.obj["status"] = new
                self._touch(s, "MODIFIED")

    def add_pod(
        self,
        namespace: str,
        name: str,
        labels: dict[str, str],
        *,
        phase: str = "Running",
        containers: list[dict[str, Any]] | None = None,
        conditions: list[dict[str, Any]] | None = None,
        owner: dict[str, Any] | None = None,
        annotations: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        statuses = containers or [
            {
                "name": "agent",
                "ready": phase == "Running",
                "restartCount": 0,
                "state": {"running": {}},
            }
        ]
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": dict(labels),
                **({"annotations": dict(annotations)} if annotations else {}),
            },
            "spec": {
                "containers": [
                    {"name": c["name"], "image": c.get("image", "example.invalid/agent:1")}
                    for c in statuses
                ]
            },
        }
        if owner:
            pod["metadata"]["ownerReferences"] = [
                {
                    "apiVersion": owner["apiVersion"],
                    "kind": owner["kind"],
                    "name": owner["metadata"]["name"],
                    "uid": owner["metadata"]["uid"],
                    "controller": True,
                }
            ]
        with self._lock:
            obj = self._create(self.resource_for("Pod"), namespace, pod, "kubelet", admit=False)
            self.set_status(
                "Pod",
                namespace,
                name,
                {"phase": phase, "conditions": conditions or [], "containerStatuses": statuses},
            )
            return obj

    def forward_port(self, namespace: str, pod: str, port: int, local_port: Any) -> None:
        """Port-forwards to ``pod``'s ``port`` reach ``127.0.0.1:local_port``; or, when
        ``local_port`` is a callable, it writes the stream after its two opening frames."""
        self.port_backends[(namespace, pod, port)] = local_port

    def add_event(
        self,
        namespace: str,
        kind: str,
        name: str,
        reason: str,
        message: str,
        *,
        type_: str = "Warning",
    ) -> None:
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{name}.{_secrets.token_hex(6)}", "namespace": namespace},
            "involvedObject": {"kind": kind, "name": name, "namespace": namespace},
            "reason": reason,
            "message": message,
            "type": type_,
            "count": 1,
            "lastTimestamp": _now(),
        }
        with self._lock:
            self._create(self.resource_for("Event"), namespace, event, "kubelet")

    def set_logs(
        self,
        namespace: str,
        pod: str,
        container: str,
        lines: list[str],
        *,
        previous: bool = False,
        closed: bool = True,
    ) -> None:
        with self._lock:
            self._logs[(namespace, pod, container, previous)] = LogStream(list(lines), closed)
            self._changed.notify_all()

    def append_log(
        self, namespace: str, pod: str, container: str, line: str, *, close: bool = False
    ) -> None:
        with self._lock:
            stream = self._logs.setdefault(
                (namespace, pod, container, False), LogStream(closed=False)
            )
            stream.lines.append(line)
            stream.closed = stream.closed or close
            self._changed.notify_all()

    def close_logs(self, namespace: str, pod: str, container: str) -> None:
        with self._lock:
            self._logs.setdefault((namespace, pod, container, False), LogStream()).closed = True
            self._changed.notify_all()

    def api_requests(self, method: str | None = None) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self.requests if method is None or r.method == method]
