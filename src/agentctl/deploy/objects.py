"""Identities of Kubernetes objects, the apply order, and comparison without server noise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentctl.render.bundle import clone

MANAGED_BY = "app.kubernetes.io/managed-by"
AGENT_LABEL = "agentctl.dev/agent"
TEAM_LABEL = "agentctl.dev/team"
RUN_LABEL = "agentctl.dev/run"
FIELD_MANAGER = "agentctl"


@dataclass(frozen=True, order=True)
class ObjectRef:
    group: str
    kind: str
    namespace: str
    name: str
    version: str = ""

    @classmethod
    def of(cls, obj: dict[str, Any], default_namespace: str = "") -> ObjectRef:
        api_version = str(obj.get("apiVersion") or "")
        group, _, version = api_version.rpartition("/")
        md = obj.get("metadata") or {}
        return cls(
            group,
            str(obj.get("kind") or ""),
            str(md.get("namespace") or default_namespace),
            str(md.get("name") or ""),
            version,
        )

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def gk(self) -> str:
        """Group-kind as ApplySet writes it: Kind.group, or Kind for the core group."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.group, self.kind, self.namespace, self.name)

    @property
    def display(self) -> str:
        return f"{self.kind}/{self.name}"

    def to_dict(self) -> dict[str, str]:
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
        }


def split_gk(gk: str) -> tuple[str, str]:
    """'Deployment.apps' -> ('apps', 'Deployment'); 'ConfigMap' -> ('', 'ConfigMap')."""
    kind, _, group = gk.partition(".")
    return group, kind


# The apply order. The CRD check happens before level 0 (see discovery).
# Network policies go with storage and services, before any workload: no pod
# ever runs without the policy that restricts it (and it saves a round trip).
LEVEL_NAMES = [
    "namespace",
    "identity and RBAC",
    "configuration and secrets",
    "storage, services and network policies",
    "workloads",
    "workflow templates",
]
_LEVELS: dict[str, int] = {
    "Namespace": 0,
    "ServiceAccount": 1,
    "Role": 1,
    "RoleBinding": 1,
    "ClusterRole": 1,
    "ClusterRoleBinding": 1,
    "ConfigMap": 2,
    "Secret": 2,
    "ExternalSecret": 2,
    "SecretStore": 2,
    "PersistentVolumeClaim": 3,
    "Service": 3,
    "NetworkPolicy": 3,
    "CiliumNetworkPolicy": 3,
    "FQDNNetworkPolicy": 3,
    "Deployment": 4,
    "StatefulSet": 4,
    "DaemonSet": 4,
    "Job": 4,
    "CronJob": 4,
    "HorizontalPodAutoscaler": 4,
    "PodDisruptionBudget": 4,
    "WorkflowTemplate": 5,
    "CronWorkflow": 5,
    "ClusterWorkflowTemplate": 5,
}
WORKLOAD_LEVEL = 4


def level_of(kind: str) -> int:
    """Apply level of a kind; anything unknown goes with the workloads."""
    return _LEVELS.get(kind, WORKLOAD_LEVEL)


def levels(objects: list[dict[str, Any]]) -> list[tuple[int, list[dict[str, Any]]]]:
    """Objects grouped by level, in apply order, keeping bundle order inside a level."""
    by: dict[int, list[dict[str, Any]]] = {}
    for obj in objects:
        by.setdefault(level_of(str(obj.get("kind"))), []).append(obj)
    return sorted(by.items())


# Fields the server owns or that change without anyone changing the object.
_NOISE_META = (
    "managedFields",
    "resourceVersion",
    "generation",
    "uid",
    "creationTimestamp",
    "selfLink",
)


def strip_server_fields(obj: dict[str, Any] | None, *, keep_status: bool = False) -> dict[str, Any]:
    """A copy without managed fields and server bookkeeping (what diff and compare look at)."""
    if not obj:
        return {}
    out = clone(obj)
    md = out.get("metadata") or {}
    for key in _NOISE_META:
        md.pop(key, None)
    annotations = md.get("annotations")
    if isinstance(annotations, dict):
        annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
        annotations.pop("deployment.kubernetes.io/revision", None)
        if not annotations:
            md.pop("annotations", None)
    if not keep_status:
        out.pop("status", None)
    return out


def same_content(before: dict[str, Any] | None, after: dict[str, Any] | None) -> bool:
    """True when two versions of an object differ only in server bookkeeping or status."""
    a, b = strip_server_fields(before), strip_server_fields(after)
    for doc in (a, b):
        doc.pop("apiVersion", None)
        doc.pop("kind", None)
    return a == b


def _applied_fields(obj: dict[str, Any], manager: str) -> Any:
    """The fields ``manager`` owns by server-side apply (its managedFields entry), or None."""
    for entry in (obj.get("metadata") or {}).get("managedFields") or []:
        if (
            entry.get("manager") == manager
            and entry.get("operation") == "Apply"
            and not entry.get("subresource")
        ):
            return entry.get("fieldsV1")
    return None


def _project(live: Any, sent: Any) -> Any:
    """``live`` cut down to the keys of ``sent`` (maps recursively; lists and values whole)."""
    if isinstance(sent, dict):
        live = live if isinstance(live, dict) else {}
        return {k: _project(live.get(k), v) for k, v in sent.items()}
    return live


def unchanged_by_apply(
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    sent: dict[str, Any],
    manager: str = FIELD_MANAGER,
) -> bool:
    """True when applying ``sent`` changed nothing of what ``before`` showed.

    Either the object is the same, or another writer (a controller, an autoscaler) changed it
    between the read and the apply while the apply itself kept the same owned fields with the
    same values.
    """
    if same_content(before, after):
        return True
    if before is None or after is None:
        return False
    owned = _applied_fields(before, manager)
    return (
        owned is not None
        and owned == _applied_fields(after, manager)
        and _project(before, sent) == _project(after, sent)
    )
