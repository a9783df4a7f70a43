"""Object operations over the client's transport: discovery, get, list, apply, create, delete, watch, logs.

Mixed into ``KubeClient``; every request goes through ``request`` (retries and
error translation live in ``client.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from agentctl.deploy import answers
from agentctl.deploy import errors as kerr
from agentctl.deploy.discovery import AGGREGATED_ACCEPT, ResourceInfo, ResourceMap, well_known
from agentctl.deploy.objects import FIELD_MANAGER, ObjectRef

if TYPE_CHECKING:
    from agentctl.deploy.client import Response

APPLY_PATCH = "application/apply-patch+yaml"
# What the discovery roots answer on every Kubernetes API server (aggregated or not).
ROOT_KINDS = {
    "/api": ("APIVersions", "APIGroupDiscoveryList"),
    "/apis": ("APIGroupList", "APIGroupDiscoveryList"),
}
T = TypeVar("T")
R = TypeVar("R")
# How long a group/version that is listed but not served yet (a CRD established a moment ago)
# is retried before the error: API servers take a few seconds to serve a new CRD group.
DISCOVERY_LAG_SECONDS = 20.0
DISCOVERY_POLL_SECONDS = 0.5


class ObjectOps:
    resources: ResourceMap
    server_version: str
    target: Any  # client.Target: the server and context, for messages
    discovery_lag: float = DISCOVERY_LAG_SECONDS

    request: Callable[..., Response]  # implemented by KubeClient

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        raise TypeError("ObjectOps is a mixin of KubeClient")

    def stream_lines(self, resp: Any, *, keep_blank: bool = False) -> Iterator[bytes]:
        raise TypeError("ObjectOps is a mixin of KubeClient")

    # -- discovery ------------------------------------------------------------

    def version(self) -> str:
        data = self.request(
            "GET", "/version", info=kerr.RequestInfo("GET", "/version", "get", "version")
        ).data
        version = (data or {}).get("gitVersion")
        if not isinstance(version, str) or not version:
            raise self._not_kubernetes("/version", "a JSON object without gitVersion")
        self.server_version = version
        return self.server_version

    def discovery_root(self, path: str) -> dict[str, Any]:
        """``/api`` or ``/apis`` (aggregated when the server offers it), checked to be discovery."""
        info = kerr.RequestInfo("GET", path, "get", "discovery")
        data = self.request("GET", path, accept=AGGREGATED_ACCEPT, info=info).data or {}
        kind = data.get("kind")
        if kind not in ROOT_KINDS[path]:
            expected = " or ".join(ROOT_KINDS[path])
            raise self._not_kubernetes(
                path, f"a JSON object of kind {kind or '(none)'} rather than {expected}"
            )
        return dict(data)

    def _not_kubernetes(self, path: str, what: str) -> kerr.NotKubernetes:
        return answers.not_kubernetes(self.target, path, f"200 with {what}", status=200)

    def discover(self) -> ResourceMap:
        """Server version plus aggregated discovery of /api and /apis, concurrently.

        Servers without aggregated discovery get one resource-list request per
        served group/version (a second, concurrent round).
        """

        def fetch(path: str) -> Any:
            return self.version() if path == "/version" else self.discovery_root(path)

        _, api, apis = self.map(fetch, ["/version", "/api", "/apis"])
        rmap = ResourceMap(self.server_version)
        self.resources = rmap
        if all(
            isinstance(d, dict) and d.get("kind") == "APIGroupDiscoveryList" for d in (api, apis)
        ):
            rmap.add_aggregated(api)
            rmap.add_aggregated(apis)
            return rmap
        rmap.add_group_list(api, apis)
        for doc in self.map(self.group_version_resources, rmap.group_versions()):
            rmap.add_resource_list(doc)
        return rmap

    def group_version_resources(self, gv: str) -> dict[str, Any]:
        """The resource list of a listed group/version, waiting out discovery lag.

        A CRD group is listed a moment before its resources are served (404): that is
        retried for ``discovery_lag`` seconds; if it persists, the error names the
        group/version rather than blaming the server for not being Kubernetes.
        """
        path = f"/apis/{gv}" if "/" in gv else f"/api/{gv}"
        info = kerr.RequestInfo("GET", path, "get", "discovery")
        deadline = time.monotonic() + self.discovery_lag
        while True:
            try:
                return dict(self.request("GET", path, info=info).data or {})
            except (kerr.NotFound, kerr.NotKubernetes) as err:
                if err.status != 404:
                    raise
                if time.monotonic() >= deadline:
                    raise not_served_yet(gv, self.discovery_lag) from None
            time.sleep(DISCOVERY_POLL_SECONDS)

    def complete_discovery(self, refs: list[ObjectRef]) -> None:
        """Fetch resource lists of served group/versions the map lacks (servers without aggregated discovery)."""
        missing = self.resources.missing_group_versions(refs)
        if not missing:
            return

        for doc in self.map(self.group_version_resources, missing):
            self.resources.add_resource_list(doc)

    def installed_crd_kinds(self, refs: list[ObjectRef]) -> set[tuple[str, str]]:
        """Which of ``refs``' group/kinds have a CustomResourceDefinition (none when CRDs cannot be listed)."""
        wanted = {(r.group, r.kind) for r in refs if r.group}
        if not wanted:
            return set()
        path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
        info = kerr.RequestInfo(
            "GET", path, "list", "customresourcedefinitions.apiextensions.k8s.io"
        )
        try:
            items = (self.request("GET", path, info=info).data or {}).get("items") or []
        except kerr.ApiFailure:
            return set()  # not allowed to list CRDs, or no such API: nothing to wait for
        found = set()
        for crd in items:
            spec = crd.get("spec") or {}
            key = (spec.get("group") or "", (spec.get("names") or {}).get("kind") or "")
            if key in wanted:
                found.add(key)
        return found

    # -- objects --------------------------------------------------------------

    @staticmethod
    def _info(
        res: ResourceInfo,
        verb: str,
        method: str,
        path: str,
        namespace: str | None,
        name: str | None,
    ) -> kerr.RequestInfo:
        return kerr.RequestInfo(
            method, path, verb, res.resource, namespace if res.namespaced else None, name, res.kind
        )

    def get(self, res: ResourceInfo, namespace: str | None, name: str) -> dict[str, Any] | None:
        path = res.path(namespace, name)
        try:
            data = self.request(
                "GET", path, info=self._info(res, "get", "GET", path, namespace, name)
            ).data
        except kerr.NotFound:
            return None
        if data is None:
            raise self._not_kubernetes(path, f"nothing (an empty answer), not a {res.kind}")
        if (
            not isinstance(data, dict)
            or "metadata" not in data
            or data.get("kind", res.kind) != res.kind
        ):
            raise self._not_kubernetes(path, f"a JSON object that is not a {res.kind}")
        obj = self._answered_object(res, path, data)
        problem = _misplaced(obj, res, namespace)
        if problem:
            raise self._not_kubernetes(path, f"a {res.kind} that {problem}")
        return dict(obj)

    def list(
        self,
        res: ResourceInfo,
        namespace: str | None = None,
        *,
        labels: str | None = None,
        fields: str | None = None,
    ) -> tuple[list[dict[str, Any]], str]:
        """Items (with apiVersion and kind filled in) and the list's resourceVersion."""
        path = res.path(namespace)
        info = kerr.RequestInfo(
            "GET", path, "list", res.resource, namespace if res.namespaced else None
        )
        data = (
            self.request(
                "GET", path, query={"labelSelector": labels, "fieldSelector": fields}, info=info
            ).data
            or {}
        )
        if not isinstance(data.get("items", []), list | None) or not isinstance(
            data.get("metadata"), dict
        ):
            raise self._not_kubernetes(path, f"a JSON object that is not a list of {res.plural}")
        items = []
        for i, item in enumerate(data.get("items") or []):
            problem = answers.object_problem(item, res.kind) or _misplaced(item, res, namespace)
            if problem:
                raise self._not_kubernetes(
                    path, f"a list of {res.plural} whose items[{i}] {problem}"
                )
            item["apiVersion"] = item.get("apiVersion") or res.api_version
            item["kind"] = res.kind
            items.append(item)
        return items, str((data.get("metadata") or {}).get("resourceVersion") or "")

    def apply(
        self,
        res: ResourceInfo,
        obj: dict[str, Any],
        *,
        dry_run: bool = False,
        force: bool = False,
        manager: str = FIELD_MANAGER,
    ) -> Response:
        md = obj.get("metadata") or {}
        ns, name = md.get("namespace"), md.get("name")
        path = res.path(ns, name)
        query = {
            "fieldManager": manager,
            "force": "true" if force else None,
            "dryRun": "All" if dry_run else None,
        }
        resp = self.request(
            "PATCH",
            path,
            query=query,
            body=obj,
            content_type=APPLY_PATCH,
            info=self._info(res, "patch", "PATCH", path, ns, name),
        )
        self._answered_object(res, path, resp.data)
        return resp

    def merge_patch(
        self,
        res: ResourceInfo,
        namespace: str | None,
        name: str,
        patch: dict[str, Any],
        *,
        manager: str = FIELD_MANAGER,
    ) -> dict[str, Any]:
        """A JSON merge patch (null removes a key); a ``metadata.resourceVersion`` in
        the patch makes it conditional (409 Conflict when the object has changed)."""
        path = res.path(namespace, name)
        data = self.request(
            "PATCH",
            path,
            query={"fieldManager": manager},
            body=patch,
            content_type="application/merge-patch+json",
            info=self._info(res, "patch", "PATCH", path, namespace, name),
            idempotent=False,
        ).data
        return dict(self._answered_object(res, path, data, required=True))

    def create(
        self, res: ResourceInfo, namespace: str | None, obj: dict[str, Any]
    ) -> dict[str, Any]:
        path = res.path(namespace)
        name = (obj.get("metadata") or {}).get("name") or (obj.get("metadata") or {}).get(
            "generateName"
        )
        info = self._info(res, "create", "POST", path, namespace, name)
        data = self.request(
            "POST",
            path,
            query={"fieldManager": FIELD_MANAGER},
            body=obj,
            info=info,
            idempotent=False,
        ).data
        return dict(self._answered_object(res, path, data, required=True))

    def _answered_object(
        self, res: ResourceInfo, path: str, data: Any, *, required: bool = False
    ) -> Any:
        """``data``, the object the server answered, when it is one (None, an empty
        answer, too unless ``required``); NotKubernetes naming what it is otherwise."""
        if data is None and not required:
            return data
        problem = answers.object_problem(data, res.kind) if data is not None else "is empty"
        if problem:
            raise self._not_kubernetes(path, f"a {res.kind} that {problem}")
        return data

    def delete(
        self,
        res: ResourceInfo,
        namespace: str | None,
        name: str,
        *,
        propagation: str = "Background",
        dry_run: bool = False,
    ) -> bool:
        """Delete; False when it was already gone (or is nothing: no name)."""
        if not name:  # the path without a name is the whole collection's: never sent
            return False
        path = res.path(namespace, name)
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation}
        query = {"dryRun": "All" if dry_run else None}
        try:
            self.request(
                "DELETE",
                path,
                query=query,
                body=body,
                info=self._info(res, "delete", "DELETE", path, namespace, name),
            )
        except kerr.NotFound:
            return False
        return True

    def watch(
        self,
        res: ResourceInfo,
        namespace: str | None = None,
        *,
        labels: str | None = None,
        fields: str | None = None,
        resource_version: str | None = None,
        timeout_seconds: int = 60,
    ) -> Iterator[dict[str, Any]]:
        """Events ({type, object}) of one watch request, until the server ends it."""
        path = res.path(namespace)
        query = {
            "watch": "true",
            "labelSelector": labels,
            "fieldSelector": fields,
            "resourceVersion": resource_version,
            "timeoutSeconds": timeout_seconds,
            "allowWatchBookmarks": "true",
        }
        info = kerr.RequestInfo(
            "GET", path, "watch", res.resource, namespace if res.namespaced else None
        )
        resp = self.request(
            "GET", path, query=query, info=info, stream=True, read_timeout=timeout_seconds + 15
        ).data
        for line in self.stream_lines(resp):
            event, deep = answers.decoded(line)
            problem = f"is {answers.TOO_DEEP}" if deep else answers.event_problem(event, res.kind)
            if not problem and event["type"] not in ("ERROR", "BOOKMARK"):
                # (a bookmark's object says only its kind and a resourceVersion)
                misplaced = _misplaced(event["object"], res, namespace)
                problem = f"has an object that {misplaced}" if misplaced else None
            if problem:
                raise self._not_kubernetes(path, f"a watch event that {problem}")
            obj = event["object"]
            if event["type"] != "ERROR":
                obj["apiVersion"] = obj.get("apiVersion") or res.api_version
                obj["kind"] = obj.get("kind") or res.kind
            yield event

    def pod_logs(
        self,
        namespace: str,
        pod: str,
        *,
        container: str | None = None,
        since_seconds: int | None = None,
        tail_lines: int | None = None,
        previous: bool = False,
        follow: bool = False,
    ) -> Iterator[str]:
        """Log lines of one container (followed until the container or the stream ends)."""
        res = well_known("", "Pod")
        path = res.path(namespace, pod, "log")
        query = {
            "container": container,
            "sinceSeconds": since_seconds,
            "tailLines": tail_lines,
            "previous": "true" if previous else None,
            "follow": "true" if follow else None,
        }
        info = kerr.RequestInfo("GET", path, "get", "pods/log", namespace, pod, "Pod")
        if not follow:
            data = self.request(
                "GET", path, query=query, info=info, raw=True, accept="text/plain, */*"
            ).data
            text = bytes(data or b"").decode("utf-8", errors="replace")
            yield from text.splitlines()
            return
        resp = self.request(
            "GET",
            path,
            query=query,
            info=info,
            stream=True,
            read_timeout=False,
            accept="text/plain, */*",
        ).data
        for line in self.stream_lines(resp):
            yield line.decode("utf-8", errors="replace")


def _misplaced(obj: dict[str, Any], res: ResourceInfo, namespace: str | None) -> str | None:
    """What makes an answered object (checked by :func:`answers.object_problem`) not one
    of those asked for: another kind, or another namespace than the one asked about.

    One that does not say its namespace is in the one asked about, and is given it:
    what is done to it next (logs read, a delete) goes there. Listed across namespaces,
    an object of a namespaced kind must say which it is in."""
    kind = obj.get("kind")
    if kind and kind != res.kind:
        return f"is a {kind}, not a {res.kind}"
    if not res.namespaced:
        return None
    md = obj.get("metadata")
    if md is None:
        md = obj["metadata"] = {}
    placed = md.get("namespace")
    if namespace and placed and placed != namespace:
        return f"is in namespace {placed}, not {namespace}"
    if not namespace and not placed:
        return "has no metadata.namespace"
    md["namespace"] = placed or namespace
    return None


def not_served_yet(gv: str, waited: float) -> kerr.NotServed:
    group = gv.rpartition("/")[0] or "core"
    return kerr.NotServed(
        f"the cluster lists {gv} but does not serve it (404 for {waited:g}s): "
        f"the API group {group} is not served",
        [],
        hint=f"is the CRD for {group} installed and Established? "
        "(`kubectl get crd` lists them; a CRD takes a few seconds to be served)",
    )
