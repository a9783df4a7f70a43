"""Find the pods and containers inside any workload kind (core, batch, Argo).

A :class:`PodView` is one pod template with its containers. For Argo each
container-running template is a pod whose pod-level fields come from the
template first and the workflow spec second, as Argo merges them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from agentctl.policy.model import Obj, PathKey, Unit

T = TypeVar("T")

POD_TEMPLATE_PATHS: dict[str, PathKey] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
ARGO_KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")
WORKLOAD_KINDS = (*POD_TEMPLATE_PATHS, *ARGO_KINDS)


def get(data: Any, path: PathKey) -> Any:
    cur = data
    for part in path:
        if isinstance(part, int):
            if not isinstance(cur, list) or part >= len(cur):
                return None
            cur = cur[part]
        else:
            if not isinstance(cur, dict):
                return None
            cur = cur.get(part)
    return cur


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass
class Container:
    name: str
    path: PathKey
    data: dict[str, Any]
    init: bool = False

    def sc(self) -> dict[str, Any]:
        return as_dict(self.data.get("securityContext"))

    @property
    def sc_path(self) -> PathKey:
        return (*self.path, "securityContext")


@dataclass
class PodView:
    obj: Obj
    layers: list[tuple[PathKey, dict[str, Any]]]  # most specific first; the last is where fixes go
    containers: list[Container]
    labels_paths: tuple[PathKey, ...] = ()  # pod template labels, merged in order (for selectors)
    merged: dict[str, str] | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def path(self) -> PathKey:
        return self.layers[-1][0]

    def field(self, name: str) -> tuple[Any, PathKey]:
        """Effective pod-level field and where it is set (or where it belongs)."""
        for path, data in self.layers:
            if name in data and data[name] is not None:
                return data[name], (*path, name)
        return None, (*self.layers[-1][0], name)

    def pod_sc(self, name: str) -> tuple[Any, PathKey]:
        """An effective field of the pod-level securityContext."""
        for path, data in self.layers:
            sc = as_dict(data.get("securityContext"))
            if name in sc and sc[name] is not None:
                return sc[name], (*path, "securityContext", name)
        return None, (*self.layers[-1][0], "securityContext", name)

    def volumes(self) -> Iterator[tuple[PathKey, dict[str, Any]]]:
        for path, data in self.layers:
            for i, vol in enumerate(as_list(data.get("volumes"))):
                if isinstance(vol, dict):
                    yield (*path, "volumes", i), vol

    def labels(self) -> dict[str, str]:
        """The pod's labels (the template's, merged in order); worked out once per view,
        as the selector and label checks each ask (not to be changed by the caller)."""
        if not self.labels_paths:
            return self.obj.labels
        out = self.merged
        if out is None:
            out = {}
            for path in self.labels_paths:
                out.update({str(k): str(v) for k, v in as_dict(get(self.obj.data, path)).items()})
            self.merged = out
        return out


def _containers(spec: dict[str, Any], base: PathKey) -> list[Container]:
    out = []
    for key, init in (
        ("initContainers", True),
        ("containers", False),
        ("ephemeralContainers", False),
    ):
        for i, c in enumerate(as_list(spec.get(key))):
            if isinstance(c, dict):
                out.append(Container(str(c.get("name") or f"{key}[{i}]"), (*base, key, i), c, init))
    return out


def _argo_spec(obj: Obj) -> tuple[PathKey, dict[str, Any]]:
    if obj.kind == "CronWorkflow":
        return ("spec", "workflowSpec"), as_dict(get(obj.data, ("spec", "workflowSpec")))
    return ("spec",), as_dict(obj.data.get("spec"))


def argo_spec(obj: Obj) -> tuple[PathKey, dict[str, Any]]:
    """The workflow spec of an Argo object (CronWorkflow: spec.workflowSpec)."""
    return _argo_spec(obj)


def _argo_pods(obj: Obj) -> Iterator[PodView]:
    wf_path, wf = _argo_spec(obj)
    for t, tmpl in enumerate(as_list(wf.get("templates"))):
        if not isinstance(tmpl, dict):
            continue
        tpath: PathKey = (*wf_path, "templates", t)
        containers: list[Container] = []
        name = str(tmpl.get("name") or f"templates[{t}]")
        for key in ("container", "script"):
            if isinstance(tmpl.get(key), dict):
                containers.append(
                    Container(str(tmpl[key].get("name") or name), (*tpath, key), tmpl[key])
                )
        cset = as_dict(tmpl.get("containerSet"))
        for i, c in enumerate(as_list(cset.get("containers"))):
            if isinstance(c, dict):
                containers.append(
                    Container(
                        str(c.get("name") or f"{name}[{i}]"),
                        (*tpath, "containerSet", "containers", i),
                        c,
                    )
                )
        for key, init in (("initContainers", True), ("sidecars", False)):
            for i, c in enumerate(as_list(tmpl.get(key))):
                if isinstance(c, dict):
                    containers.append(
                        Container(str(c.get("name") or f"{key}[{i}]"), (*tpath, key, i), c, init)
                    )
        if containers:
            labels = ((*wf_path, "podMetadata", "labels"), (*tpath, "metadata", "labels"))
            yield PodView(obj, [(tpath, tmpl), (wf_path, wf)], containers, labels)


def pods(obj: Obj) -> list[PodView]:
    """Every pod template in an object (empty for non-workloads); computed once per object."""
    cached = obj.cache.get("pods")
    if cached is None:
        cached = obj.cache["pods"] = _pods(obj)
    return cached


def _pods(obj: Obj) -> list[PodView]:
    kind = obj.kind
    if kind in POD_TEMPLATE_PATHS:
        path = POD_TEMPLATE_PATHS[kind]
        spec = get(obj.data, path)
        if not isinstance(spec, dict):
            return []
        labels = ((*path[:-1], "metadata", "labels"),) if kind != "Pod" else ()
        return [PodView(obj, [(path, spec)], _containers(spec, path), labels)]
    if kind in ARGO_KINDS:
        return list(_argo_pods(obj))
    return []


def all_pods(objects: Iterable[Obj]) -> Iterator[PodView]:
    for obj in objects:
        yield from pods(obj)


def unit_pods(unit: Unit) -> list[PodView]:
    """Every pod template of a unit's objects, in order; worked out once per unit."""
    key = (id(unit.objects), len(unit.objects))
    cached = unit.cache.get("pods")
    if cached is None or cached[0] != key:
        cached = unit.cache["pods"] = (key, list(all_pods(unit.objects)))
    return cached[1]


AGENT_LABELS = ("agentctl.dev/agent", "app.kubernetes.io/instance", "app.kubernetes.io/name", "app")


def agent_of(obj: Obj) -> str:
    """Which agent (or application) an object belongs to, for 'not shared between agents'."""
    if obj.agent:
        return obj.agent
    for key in AGENT_LABELS:
        value = obj.labels.get(key)
        if value:
            return str(value)
    return obj.ref


def service_account(view: PodView) -> tuple[str, PathKey]:
    """The ServiceAccount a pod runs as ('default' when unset) and where it is set."""
    value, path = view.field("serviceAccountName")
    if not value:
        legacy, lpath = view.field("serviceAccount")
        if legacy:
            return str(legacy), lpath
    return (str(value) if value else "default"), path


def same_namespace(a: str, b: str) -> bool:
    """Namespaces match; an unset namespace (a manifest applied with -n) matches any."""
    return not a or not b or a == b


class ByNamespace(Generic[T]):
    """Items filed under a namespace and a name, found as :func:`same_namespace` matches
    (in the namespace asked, or in none; asked with none, in any), in the order they
    were added: a look-up per reference instead of a pass over every item, which is
    quadratic in a manifest set of many namespaces."""

    def __init__(self, items: Iterable[tuple[str, str, T]] = ()) -> None:
        self._names: dict[str, dict[str, list[tuple[int, T]]]] = {}
        self._count = 0
        for namespace, name, item in items:
            self.add(namespace, name, item)

    def add(self, namespace: str, name: str, item: T) -> None:
        self._names.setdefault(name, {}).setdefault(namespace, []).append((self._count, item))
        self._count += 1

    def find(self, namespace: str, name: str) -> list[T]:
        """Every item named ``name`` in a namespace matching ``namespace``, in order."""
        spaces = self._names.get(name)
        if not spaces:
            return []
        if namespace:
            parts = [p for p in (spaces.get(namespace), spaces.get("")) if p]
        else:
            parts = list(spaces.values())
        if len(parts) == 1:
            return [item for _, item in parts[0]]
        return [item for _, item in sorted((e for p in parts for e in p), key=_first)]

    def __contains__(self, where: tuple[str, str]) -> bool:
        """``(namespace, name)``: an item matches."""
        namespace, name = where
        spaces = self._names.get(name)
        if not spaces:
            return False
        return not namespace or namespace in spaces or "" in spaces


def _first(entry: tuple[int, Any]) -> int:
    return entry[0]
