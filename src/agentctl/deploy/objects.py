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


# The apply order: each level holds what the next ones reference, and nothing that
# references another object of its own level, so a level's objects go out together.
# The CRD check happens before level 0 (see discovery).
# - A RoleBinding comes after its Role: unless the deployer may bind any role, the
#   server checks the Role's rules when the binding is created, and refuses one
#   whose Role does not exist yet.
# - A service-account token Secret comes after its ServiceAccount: the token
#   controller deletes a token whose account it cannot find.
# - Workloads come after everything they use: accounts and bindings, configuration,
#   secrets, claims, and the network policies that restrict them, so no pod ever
#   runs without its policy and none starts against a missing reference.
LEVEL_NAMES = [
    "namespace",
    "identity, configuration, storage and network",
    "bindings and tokens",
    "workloads",
]
_LEVELS: dict[str, int] = {
    "Namespace": 0,
    "ServiceAccount": 1,
    "Role": 1,
    "ClusterRole": 1,
    "ConfigMap": 1,
    "Secret": 1,
    "ExternalSecret": 1,
    "SecretStore": 1,
    "PersistentVolumeClaim": 1,
    "Service": 1,
    "NetworkPolicy": 1,
    "CiliumNetworkPolicy": 1,
    "FQDNNetworkPolicy": 1,
    "RoleBinding": 2,
    "ClusterRoleBinding": 2,
}
BINDING_LEVEL = 2
WORKLOAD_LEVEL = 3
SERVICE_ACCOUNT_TOKEN = "kubernetes.io/service-account-token"


def level_of(kind: str) -> int:
    """Apply level of a kind; anything not listed (workloads, workflow templates,
    autoscalers, disruption budgets, unknown kinds) goes with the workloads."""
    return _LEVELS.get(kind, WORKLOAD_LEVEL)


def object_level(obj: dict[str, Any]) -> int:
    """Apply level of one object: its kind's, except a token Secret, which waits for its account."""
    kind = str(obj.get("kind"))
    if kind == "Secret" and obj.get("type") == SERVICE_ACCOUNT_TOKEN:
        return BINDING_LEVEL
    return level_of(kind)


def levels(objects: list[dict[str, Any]]) -> list[tuple[int, list[dict[str, Any]]]]:
    """Objects grouped by level, in apply order, keeping bundle order inside a level."""
    by: dict[int, list[dict[str, Any]]] = {}
    for obj in objects:
        by.setdefault(object_level(obj), []).append(obj)
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
