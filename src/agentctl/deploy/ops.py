"""Object operations over the client's transport: discovery, get, list, apply, create, delete, watch, logs.

Mixed into ``KubeClient``; every request goes through ``request`` (retries and
error translation live in ``client.py``).
"""

from __future__ import annotations

import json
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


class ObjectOps:
    resources: ResourceMap
    server_version: str
    target: Any  # client.Target: the server and context, for messages

    request: Callable[..., Response]  # implemented by KubeClient

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        raise TypeError("ObjectOps is a mixin of KubeClient")

    def stream_lines(self, resp: Any) -> Iterator[bytes]:
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
            if path == "/version":
                return self.version()
            if path in ROOT_KINDS:
                return self.discovery_root(path)
            info = kerr.RequestInfo("GET", path, "get", "discovery")
            return self.request("GET", path, accept=AGGREGATED_ACCEPT, info=info).data

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
        paths = [f"/apis/{gv}" if "/" in gv else f"/api/{gv}" for gv in rmap.group_versions()]
        for doc in self.map(lambda p: fetch(p) or {}, paths):
            rmap.add_resource_list(doc)
        return rmap

    def complete_discovery(self, refs: list[ObjectRef]) -> None:
        """Fetch resource lists of served group/versions the map lacks (servers without aggregated discovery)."""
        missing = self.resources.missing_group_versions(refs)
        if not missing:
            return

        def fetch(gv: str) -> dict[str, Any]:
            path = f"/apis/{gv}" if "/" in gv else f"/api/{gv}"
            return dict(
                self.request(
                    "GET", path, info=kerr.RequestInfo("GET", path, "get", "discovery")
                ).data
                or {}
            )

        for doc in self.map(fetch, missing):
            self.resources.add_resource_list(doc)

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
        if (
            not isinstance(data, dict)
            or "metadata" not in data
            or data.get("kind", res.kind) != res.kind
        ):
            raise self._not_kubernetes(path, f"a JSON object that is not a {res.kind}")
        return data

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
        if not isinstance(data.get("items", []), list | None) or "metadata" not in data:
            raise self._not_kubernetes(path, f"a JSON object that is not a list of {res.plural}")
        items = []
        for item in data.get("items") or []:
            item.setdefault("apiVersion", res.api_version)
            item.setdefault("kind", res.kind)
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
        return self.request(
            "PATCH",
            path,
            query=query,
            body=obj,
            content_type=APPLY_PATCH,
            info=self._info(res, "patch", "PATCH", path, ns, name),
        )

    def create(
        self, res: ResourceInfo, namespace: str | None, obj: dict[str, Any]
    ) -> dict[str, Any]:
        path = res.path(namespace)
        name = (obj.get("metadata") or {}).get("name") or (obj.get("metadata") or {}).get(
            "generateName"
        )
        info = self._info(res, "create", "POST", path, namespace, name)
        return dict(
            self.request(
                "POST",
                path,
                query={"fieldManager": FIELD_MANAGER},
                body=obj,
                info=info,
                idempotent=False,
            ).data
        )

    def delete(
        self,
        res: ResourceInfo,
        namespace: str | None,
        name: str,
        *,
        propagation: str = "Background",
        dry_run: bool = False,
    ) -> bool:
        """Delete; False when it was already gone."""
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
            event = json.loads(line)
            obj = event.get("object")
            if isinstance(obj, dict) and event.get("type") != "ERROR":
                obj.setdefault("apiVersion", res.api_version)
                obj.setdefault("kind", res.kind)
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
