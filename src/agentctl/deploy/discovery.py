"""What the cluster serves: resource names and scopes per group/version/kind.

Built from aggregated discovery (``apidiscovery.k8s.io/v2``, one request for
``/api`` and one for ``/apis``) or, on servers without it, from the group list
plus one resource list per group/version the bundle needs. Checking a bundle
against it before sending anything gives one clear error naming the objects,
what the cluster serves instead and what to install.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from agentctl.deploy import answers
from agentctl.deploy.errors import NotServed
from agentctl.deploy.objects import ObjectRef

AGGREGATED_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
)

# Groups that come from add-ons, and what to install to get them.
PROVIDERS: dict[str, tuple[str, str]] = {
    "argoproj.io": (
        "Argo Workflows",
        "https://argo-workflows.readthedocs.io/en/latest/installation/",
    ),
    "external-secrets.io": (
        "External Secrets Operator",
        "https://external-secrets.io/latest/introduction/getting-started/",
    ),
    "cilium.io": (
        "Cilium (for CiliumNetworkPolicy)",
        "https://docs.cilium.io/en/stable/gettingstarted/",
    ),
    "networking.gke.io": (
        "GKE FQDN network policies",
        "https://cloud.google.com/kubernetes-engine/docs/how-to/fqdn-network-policies",
    ),
}

# Kinds every agent may need without knowing their plural in advance.
WELL_KNOWN: dict[tuple[str, str], tuple[str, str, bool]] = {
    ("", "Namespace"): ("v1", "namespaces", False),
    ("", "ConfigMap"): ("v1", "configmaps", True),
    ("", "Pod"): ("v1", "pods", True),
    ("", "Service"): ("v1", "services", True),
    ("", "Event"): ("v1", "events", True),
    ("", "PersistentVolumeClaim"): ("v1", "persistentvolumeclaims", True),
    ("networking.k8s.io", "NetworkPolicy"): ("v1", "networkpolicies", True),
}


@dataclass(frozen=True)
class ResourceInfo:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: frozenset[str] = field(default_factory=frozenset)

    @property
    def resource(self) -> str:
        """The name RBAC and messages use: plural.group (plural alone for the core group)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(
        self, namespace: str | None = None, name: str | None = None, sub: str | None = None
    ) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{quote(namespace, safe='')}"
        base += f"/{self.plural}"
        if name:
            base += f"/{quote(name, safe='')}"
        if sub:
            base += f"/{sub}"
        return base


def well_known(group: str, kind: str) -> ResourceInfo:
    version, plural, namespaced = WELL_KNOWN[(group, kind)]
    return ResourceInfo(
        group,
        version,
        kind,
        plural,
        namespaced,
        frozenset({"get", "list", "watch", "patch", "create", "delete"}),
    )


class ResourceMap:
    def __init__(self, server_version: str = "") -> None:
        self.server_version = server_version
        self._by_gvk: dict[tuple[str, str, str], ResourceInfo] = {}
        self._versions: dict[str, list[str]] = {}  # group -> served versions, preferred first
        self.complete: set[str] = set()  # group/versions whose resources are known

    # -- building -----------------------------------------------------------

    # A discovery document of another shape (an entry that is no object, a name that is no
    # string) is read for what it holds: what is not readable is not served, and a kind
    # the bundle needs then fails the check by name.

    def add_aggregated(self, doc: dict[str, Any]) -> None:
        for item in answers.objects(doc.get("items")):
            group = _text(answers.mapping(item.get("metadata")).get("name"))
            for ver in answers.objects(item.get("versions")):
                version = _text(ver.get("version"))
                self._versions.setdefault(group, []).append(version)
                self.complete.add(f"{group}/{version}" if group else version)
                for res in answers.objects(ver.get("resources")):
                    kind = _text(answers.mapping(res.get("responseKind")).get("kind"))
                    info = ResourceInfo(
                        group,
                        version,
                        kind,
                        _text(res.get("resource")),
                        res.get("scope") == "Namespaced",
                        frozenset(answers.texts(res.get("verbs"))),
                    )
                    self._by_gvk.setdefault((group, version, kind), info)

    def add_group_list(
        self, api_versions: dict[str, Any] | None, group_list: dict[str, Any] | None
    ) -> None:
        for version in answers.texts((api_versions or {}).get("versions")):
            self._versions.setdefault("", []).append(version)
        for g in answers.objects((group_list or {}).get("groups")):
            name = _text(g.get("name"))
            preferred = _text(answers.mapping(g.get("preferredVersion")).get("version"))
            versions = [_text(v.get("version")) for v in answers.objects(g.get("versions"))]
            versions = [v for v in versions if v]
            if preferred in versions:
                versions.remove(preferred)
                versions.insert(0, preferred)
            self._versions.setdefault(name, []).extend(versions)

    def add_resource_list(self, doc: dict[str, Any]) -> None:
        gv = _text(doc.get("groupVersion"))
        group, _, version = gv.rpartition("/")
        self.complete.add(gv)
        for res in answers.objects(doc.get("resources")):
            name = _text(res.get("name"))
            if "/" in name:
                continue  # subresource
            info = ResourceInfo(
                group,
                version,
                _text(res.get("kind")),
                name,
                res.get("namespaced") is True,
                frozenset(answers.texts(res.get("verbs"))),
            )
            self._by_gvk.setdefault((group, version, info.kind), info)

    # -- queries --------------------------------------------------------------

    def group_versions(self) -> list[str]:
        return [
            f"{g}/{v}" if g else v
            for g, versions in sorted(self._versions.items())
            for v in versions
        ]

    def serves_group_version(self, group: str, version: str) -> bool:
        return version in self._versions.get(group, [])

    def missing_group_versions(self, refs: list[ObjectRef]) -> list[str]:
        """Served group/versions of the bundle whose resource lists are not loaded yet."""
        out = []
        for ref in refs:
            gv = ref.api_version
            if (
                self.serves_group_version(ref.group, ref.version)
                and gv not in self.complete
                and gv not in out
            ):
                out.append(gv)
        return out

    def lookup(self, group: str, version: str, kind: str) -> ResourceInfo | None:
        return self._by_gvk.get((group, version, kind))

    def for_ref(self, ref: ObjectRef) -> ResourceInfo:
        info = self.lookup(ref.group, ref.version, ref.kind) or self.for_kind(ref.group, ref.kind)
        if info is None:
            raise NotServed(f"the cluster does not serve {ref.gk}", [])
        return info

    def for_kind(self, group: str, kind: str) -> ResourceInfo | None:
        """The preferred served version of a group-kind (for prune and status lookups)."""
        for version in self._versions.get(group, []):
            info = self._by_gvk.get((group, version, kind))
            if info is not None:
                return info
        for (g, _, k), info in self._by_gvk.items():
            if g == group and k == kind:
                return info
        if (group, kind) in WELL_KNOWN:
            return well_known(group, kind)
        return None

    def unserved(self, objects: list[dict[str, Any]]) -> list[ObjectRef]:
        """The objects whose apiVersion/kind the map does not serve."""
        refs = [ObjectRef.of(obj) for obj in objects]
        return [r for r in refs if self.lookup(r.group, r.version, r.kind) is None]

    def check(self, objects: list[dict[str, Any]], *, where: str = "") -> None:
        """Raise NotServed naming every object whose apiVersion/kind the cluster does not serve."""
        problems: list[str] = []
        installs: dict[str, tuple[str, str]] = {}
        version = f" ({self.server_version})" if self.server_version else ""
        for obj in objects:
            ref = ObjectRef.of(obj)
            if self.lookup(ref.group, ref.version, ref.kind) is not None:
                continue
            served = self._versions.get(ref.group)
            if not served:
                detail = f"the API group {ref.group or 'core'} is not served"
                if ref.group in PROVIDERS:
                    installs[ref.group] = PROVIDERS[ref.group]
                    detail += f" ({PROVIDERS[ref.group][0]} is not installed)"
                elif ref.group:
                    detail += " (is its CRD installed?)"
            elif ref.version not in served:
                detail = f"{ref.group or 'core'} is served only as {', '.join(served)}"
            else:
                detail = f"{ref.api_version} has no kind {ref.kind}"
            problems.append(f"{ref.display} needs {ref.api_version} {ref.kind}: {detail}")
        if not problems:
            return
        n = len(problems)
        hint = None
        if installs:
            hint = (
                "install "
                + " and ".join(f"{name} ({url})" for name, url in installs.values())
                + ", then deploy again"
            )
        raise NotServed(
            f"the cluster{where}{version} does not serve {n} kind{'s' if n != 1 else ''} this agent needs",
            problems,
            hint=hint or "upgrade the cluster or render for its version",
        )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
