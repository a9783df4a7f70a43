"""Resource types served by the fake Kubernetes API (built-ins plus CRDs read from the fixtures)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

CRD_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "crds"

ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True
    status_subresource: bool = True
    extra_subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = tuple(ALL_VERBS)
    short_names: tuple[str, ...] = field(default=())

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def qualified(self) -> str:
        """The name used in API messages: plural.group (plural for the core group)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def api_resource(self) -> list[dict[str, object]]:
        out: list[dict[str, object]] = [
            {
                "name": self.plural,
                "singularName": self.singular,
                "namespaced": self.namespaced,
                "kind": self.kind,
                "verbs": list(self.verbs),
                **({"shortNames": list(self.short_names)} if self.short_names else {}),
            }
        ]
        subs = (("status",) if self.status_subresource else ()) + self.extra_subresources
        for sub in subs:
            out.append(
                {
                    "name": f"{self.plural}/{sub}",
                    "singularName": "",
                    "namespaced": self.namespaced,
                    "kind": self.kind if sub == "status" else "Pod" if sub == "log" else self.kind,
                    "verbs": ["get", "patch", "update"] if sub == "status" else ["get"],
                }
            )
        return out

    def discovery_v2(self) -> dict[str, object]:
        subs = (("status",) if self.status_subresource else ()) + self.extra_subresources
        return {
            "resource": self.plural,
            "responseKind": {"group": self.group, "version": self.version, "kind": self.kind},
            "scope": "Namespaced" if self.namespaced else "Cluster",
            "singularResource": self.singular,
            "verbs": list(self.verbs),
            **({"shortNames": list(self.short_names)} if self.short_names else {}),
            "subresources": [
                {
                    "subresource": s,
                    "responseKind": {
                        "group": self.group,
                        "version": self.version,
                        "kind": self.kind,
                    },
                    "verbs": ["get", "patch", "update"] if s == "status" else ["get"],
                }
                for s in subs
            ],
        }


BUILTINS: list[Resource] = [
    Resource("", "v1", "Namespace", "namespaces", namespaced=False, short_names=("ns",)),
    Resource("", "v1", "ConfigMap", "configmaps", status_subresource=False, short_names=("cm",)),
    Resource("", "v1", "Secret", "secrets", status_subresource=False),
    Resource(
        "", "v1", "ServiceAccount", "serviceaccounts", status_subresource=False, short_names=("sa",)
    ),
    Resource("", "v1", "Service", "services", short_names=("svc",)),
    Resource("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", short_names=("pvc",)),
    Resource("", "v1", "Pod", "pods", extra_subresources=("log",), short_names=("po",)),
    Resource("", "v1", "Event", "events", status_subresource=False, short_names=("ev",)),
    Resource("apps", "v1", "Deployment", "deployments", short_names=("deploy",)),
    Resource("apps", "v1", "StatefulSet", "statefulsets", short_names=("sts",)),
    Resource("apps", "v1", "ReplicaSet", "replicasets", short_names=("rs",)),
    Resource("batch", "v1", "Job", "jobs"),
    Resource("batch", "v1", "CronJob", "cronjobs", short_names=("cj",)),
    Resource("rbac.authorization.k8s.io", "v1", "Role", "roles", status_subresource=False),
    Resource(
        "rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", status_subresource=False
    ),
    Resource(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        namespaced=False,
        status_subresource=False,
    ),
    Resource(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        namespaced=False,
        status_subresource=False,
    ),
    Resource(
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        status_subresource=False,
        short_names=("netpol",),
    ),
    Resource("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", short_names=("pdb",)),
    Resource(
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        short_names=("hpa",),
    ),
    Resource(
        "autoscaling",
        "v1",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        short_names=("hpa",),
    ),
]

_LINE = re.compile(r"^(?P<indent> *)(?P<dash>- )?(?P<key>[A-Za-z]+):\s*(?P<value>.*)$")


@functools.cache
def crd_resources(path: Path) -> list[Resource]:
    """Read group/kind/plural/scope/served versions of a CRD file without a full YAML parse.

    The Argo CRDs are megabytes of schema; a line scan of the top-level keys is
    enough for discovery and keeps the fake's start-up instant.
    """
    group = kind = plural = scope = ""
    versions: list[dict[str, object]] = []
    in_versions = False
    pending_subresources = False
    with path.open(encoding="utf-8") as fh:
        for raw in fh:
            m = _LINE.match(raw.rstrip("\n"))
            if not m:
                continue
            indent = len(m.group("indent")) + (2 if m.group("dash") else 0)
            key, value = m.group("key"), m.group("value").strip()
            if indent == 2 and key == "group":
                group = value
            elif indent == 4 and key == "kind" and not in_versions:
                kind = value
            elif indent == 4 and key == "plural" and not in_versions:
                plural = value
            elif indent == 2 and key == "scope":
                scope = value
            elif indent == 2 and key == "versions":
                in_versions = True
            elif in_versions and indent == 4 and key == "name":
                versions.append({"name": value, "served": False, "status": False})
            elif in_versions and indent == 4 and key == "served" and versions:
                versions[-1]["served"] = value == "true"
            elif in_versions and indent == 4 and key == "subresources" and versions:
                pending_subresources = value != "{}"
            elif pending_subresources and indent == 6 and key == "status" and versions:
                versions[-1]["status"] = True
                pending_subresources = False
    return [
        Resource(
            group,
            str(v["name"]),
            kind,
            plural,
            namespaced=scope == "Namespaced",
            status_subresource=bool(v["status"]),
        )
        for v in versions
        if v["served"]
    ]


def fixture_crds(*names: str) -> list[Resource]:
    out: list[Resource] = []
    for name in names:
        for file in sorted((CRD_DIR / name).glob("*.yaml")):
            out.extend(crd_resources(file))
    return out
