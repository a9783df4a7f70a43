"""RBAC: no wildcards, no cluster-admin, no dangerous verbs."""

from __future__ import annotations

from collections.abc import Iterator

from agentctl.policy.model import Hit, Obj, Unit
from agentctl.policy.registry import check
from agentctl.policy.workloads import as_dict, as_list

ROLE_KINDS = ("Role", "ClusterRole")
BINDING_KINDS = ("RoleBinding", "ClusterRoleBinding")
READ_VERBS = {"get", "list", "watch", "*"}
PRIVILEGE_VERBS = {"bind", "escalate", "impersonate"}


def _rules(obj: Obj) -> Iterator[tuple[int, dict[str, object]]]:
    for i, rule in enumerate(as_list(obj.data.get("rules"))):
        if isinstance(rule, dict):
            yield i, rule


def _strs(value: object) -> list[str]:
    return [str(v) for v in as_list(value)]


@check(
    "RBAC-001",
    "No wildcards in RBAC rules",
    "high",
    kinds=ROLE_KINDS,
    description="No Role or ClusterRole rule uses `*` in verbs, resources, apiGroups or nonResourceURLs.",
    rationale="A wildcard grants every current and future verb or resource, including ones added by CRDs after review.",
    remediation="List the exact apiGroups, resources and verbs the agent's `kubernetes` tool needs.",
    example="""
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get, list]
""",
)
def no_wildcards(unit: Unit) -> Iterator[Hit]:
    for obj in unit.of_kind(*ROLE_KINDS):
        for i, rule in _rules(obj):
            for key in ("verbs", "resources", "apiGroups", "nonResourceURLs"):
                values = _strs(rule.get(key))
                for j, value in enumerate(values):
                    if value == "*" or (key == "nonResourceURLs" and value.endswith("*")):
                        yield Hit(f"rule {i} grants {key} {value!r}", obj, ("rules", i, key, j))


def _wildcard_cluster_roles(objects: list[Obj]) -> set[str]:
    out = set()
    for obj in objects:
        if obj.kind == "ClusterRole":
            for _, rule in _rules(obj):
                if any("*" in _strs(rule.get(k)) for k in ("verbs", "resources", "apiGroups")):
                    out.add(obj.name)
    return out


@check(
    "RBAC-002",
    "No binding to cluster-admin",
    "critical",
    kinds=BINDING_KINDS,
    description="No RoleBinding or ClusterRoleBinding refers to cluster-admin or to a ClusterRole with `*` rules.",
    rationale="cluster-admin is every permission on every resource in every namespace: an agent bound to it owns the cluster.",
    remediation="Bind a Role with only the rules the agent's `kubernetes` tool declares.",
    example="""
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: research-assistant-tools
""",
)
def no_cluster_admin(unit: Unit) -> Iterator[Hit]:
    wildcard = _wildcard_cluster_roles(unit.objects)
    for obj in unit.of_kind(*BINDING_KINDS):
        ref = as_dict(obj.data.get("roleRef"))
        if ref.get("kind") != "ClusterRole":
            continue
        name = str(ref.get("name", ""))
        if name == "cluster-admin":
            yield Hit("binds the cluster-admin ClusterRole", obj, ("roleRef", "name"))
        elif name in wildcard:
            yield Hit(f"binds ClusterRole {name!r}, which grants `*`", obj, ("roleRef", "name"))


# What each dangerous permission lets the holder do, and how to do without it.
_SECRETS_FIX = (
    "Drop the secrets rule; give the agent the specific secret it needs through "
    "spec.secrets (an ExternalSecret mounted into its pod) instead."
)
_EXEC_FIX = (
    "Drop {sub}: {how} another pod borrows its identity and its secrets. Expose what the "
    "agent needs from that pod as an API and declare it as a service or http tool."
)
_PRIVILEGE_FIX = (
    "Drop the {verb} verb; list in the agent's `kubernetes` tool exactly the rules it needs, "
    "and have an administrator grant them."
)
RBAC_003_FIXES = {
    "secrets": _SECRETS_FIX,
    "pods": (
        "Drop pods create: a pod the agent creates may run any image as any ServiceAccount of "
        "the namespace. Run extra work as workflow steps (type: workflow) or behind a declared "
        "service tool."
    ),
    "pods/exec": _EXEC_FIX.format(sub="pods/exec", how="running commands in"),
    "pods/attach": _EXEC_FIX.format(sub="pods/attach", how="attaching to the processes of"),
    "bind": _PRIVILEGE_FIX.format(verb="bind"),
    "escalate": _PRIVILEGE_FIX.format(verb="escalate"),
    "impersonate": _PRIVILEGE_FIX.format(verb="impersonate"),
    "admin/edit": (
        "Bind a Role with only the rules the agent's `kubernetes` tool declares, not the "
        "built-in admin or edit ClusterRole."
    ),
}
_PRIVILEGE_WHAT = {
    "bind": "may bind roles it does not hold",
    "escalate": "may grant itself permissions it does not hold",
    "impersonate": "may act as any user, group or ServiceAccount",
}


def _dangerous(rule: dict[str, object]) -> list[tuple[str, str]]:
    """(what the rule allows, the case of RBAC_003_FIXES) for each dangerous permission."""
    verbs = {v.lower() for v in _strs(rule.get("verbs"))}
    resources = set(_strs(rule.get("resources")))
    core = (
        not rule.get("apiGroups")
        or "" in _strs(rule.get("apiGroups"))
        or "*" in _strs(rule.get("apiGroups"))
    )
    out = []
    if core and "secrets" in resources and verbs & READ_VERBS:
        read = ", ".join(sorted(verbs & READ_VERBS))
        out.append((f"reads secrets ({read}): every secret in its scope", "secrets"))
    if core and "pods" in resources and verbs & {"create", "*"}:
        out.append(("creates pods: any image, as any ServiceAccount of the namespace", "pods"))
    if core and "pods/exec" in resources and verbs:
        out.append(("uses pods/exec: runs commands inside other pods", "pods/exec"))
    if core and "pods/attach" in resources and verbs:
        out.append(("uses pods/attach: drives other pods' running processes", "pods/attach"))
    for verb in sorted(verbs & PRIVILEGE_VERBS):
        out.append((f"has verb {verb}: {_PRIVILEGE_WHAT[verb]}", verb))
    return out


@check(
    "RBAC-003",
    "No dangerous RBAC permissions",
    "high",
    kinds=(*ROLE_KINDS, *BINDING_KINDS),
    description=(
        "No rule reads secrets, creates pods, uses pods/exec or pods/attach, or has bind, escalate or impersonate; "
        "no binding to the built-in admin or edit ClusterRoles."
    ),
    rationale=(
        "Each of these is a path to more privilege: reading every secret in the namespace, or running code in "
        "another pod with its identity. An LLM that can be prompt-injected must not hold them."
    ),
    remediation=(
        "Drop the permission: a secret the agent needs comes through spec.secrets (an "
        "ExternalSecret); anything else it needs from the cluster is an exact rule of its "
        "`kubernetes` tool. Each finding names the fix for what it found."
    ),
    fixes=RBAC_003_FIXES,
    example="""
spec:
  # instead of reading secrets: the one secret the agent needs, from the external store
  secrets:
    - name: llm-api-key
      store: gcp-secret-manager
      remoteRef: {key: openai-api-key}
  # instead of pods/exec, pods create or admin: exactly the rules its tool needs
  tools:
    - name: cluster-reader
      kind: kubernetes
      rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
""",
)
def no_dangerous(unit: Unit) -> Iterator[Hit]:
    for obj in unit.of_kind(*ROLE_KINDS):
        for i, rule in _rules(obj):
            for what, case in _dangerous(rule):
                yield Hit(f"rule {i} {what}", obj, ("rules", i), fix=case)
    for obj in unit.of_kind(*BINDING_KINDS):
        ref = as_dict(obj.data.get("roleRef"))
        name = str(ref.get("name", ""))
        if ref.get("kind") == "ClusterRole" and name in ("admin", "edit"):
            yield Hit(
                f"binds the built-in {name!r} ClusterRole (reads secrets, execs into pods)",
                obj,
                ("roleRef", "name"),
                fix="admin/edit",
            )
