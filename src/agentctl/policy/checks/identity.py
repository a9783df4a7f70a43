"""ServiceAccounts: one per workload, no token unless the API is needed, and present in the bundle."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from agentctl.policy.model import Hit, Obj, PathKey, Unit
from agentctl.policy.registry import check
from agentctl.policy.workloads import (
    WORKLOAD_KINDS,
    ByNamespace,
    PodView,
    agent_of,
    as_dict,
    as_list,
    service_account,
    unit_pods,
)

BINDING_KINDS = ("RoleBinding", "ClusterRoleBinding")


@check(
    "SA-001",
    "Each workload has its own ServiceAccount",
    "high",
    kinds=WORKLOAD_KINDS,
    scope="run",
    description="Workloads do not run as the namespace's default ServiceAccount, and no ServiceAccount is shared between agents.",
    rationale=(
        "The default ServiceAccount collects permissions over time and is shared by everything in the namespace; "
        "a shared identity means one agent's compromise carries every other agent's permissions."
    ),
    remediation="Create a ServiceAccount per agent and set serviceAccountName (agentctl build does this for you).",
    example="""
spec:
  serviceAccountName: research-assistant
""",
)
def own_service_account(units: list[Unit]) -> Iterator[Hit]:
    users: dict[tuple[str, str], list[tuple[str, PodView, PathKey]]] = defaultdict(list)
    for unit in units:
        for view in unit_pods(unit):
            name, path = service_account(view)
            if name == "default":
                yield Hit("runs as the namespace's default ServiceAccount", view.obj, path)
                continue
            users[(view.obj.namespace, name)].append((agent_of(view.obj), view, path))
    for (_, name), entries in users.items():
        agents = sorted({a for a, _, _ in entries})
        if len(agents) < 2:
            continue
        for owner, view, path in entries:
            others = ", ".join(a for a in agents if a != owner)
            yield Hit(f"ServiceAccount {name!r} is shared with {others}", view.obj, path)


def bound_service_accounts(objects: list[Obj]) -> set[tuple[str, str]]:
    """(namespace, name) of ServiceAccounts that a binding in the bundle grants a role to."""
    out: set[tuple[str, str]] = set()
    for obj in objects:
        if obj.kind not in BINDING_KINDS:
            continue
        for subject in as_list(obj.data.get("subjects")):
            s = as_dict(subject)
            if s.get("kind") == "ServiceAccount" and s.get("name"):
                out.add((str(s.get("namespace") or obj.namespace), str(s["name"])))
    return out


def _find_sa(unit: Unit, namespace: str, name: str) -> Obj | None:
    """The first ServiceAccount ``name`` in ``namespace`` (an unset namespace matches any).

    Indexed by namespace and name once per unit: every pod asks, and a large
    manifest set has thousands of objects in many namespaces.
    """
    index: ByNamespace[Obj] | None = unit.cache.get("service-accounts-by-name")
    if index is None:
        index = unit.cache["service-accounts-by-name"] = ByNamespace(
            (obj.namespace, obj.name, obj) for obj in unit.objects if obj.kind == "ServiceAccount"
        )
    found = index.find(namespace, name)
    return found[0] if found else None


@check(
    "SA-002",
    "No API token unless the API is needed",
    "medium",
    kinds=WORKLOAD_KINDS,
    description=(
        "Pods set automountServiceAccountToken: false (on the pod or its ServiceAccount) unless the ServiceAccount is "
        "granted a role in the bundle (an agent with a `kubernetes` tool)."
    ),
    rationale="A mounted token is a credential for the Kubernetes API in every file read a prompt injection can trigger.",
    remediation="Set automountServiceAccountToken: false on the pod spec; declare a `kubernetes` tool if the agent really calls the API.",
    example="""
spec:
  automountServiceAccountToken: false
""",
)
def token_automount(unit: Unit) -> Iterator[Hit]:
    bound = ByNamespace((ns, n, None) for ns, n in bound_service_accounts(unit.objects))
    for view in unit_pods(unit):
        value, path = view.field("automountServiceAccountToken")
        name, _ = service_account(view)
        ns = view.obj.namespace
        if (ns, name) in bound:
            continue
        if value is None:
            sa = _find_sa(unit, ns, name)
            if sa is not None and sa.data.get("automountServiceAccountToken") is False:
                continue
        if value is not False:
            yield Hit(
                f"the ServiceAccount token is mounted but {name!r} is granted no role here",
                view.obj,
                path,
            )


@check(
    "SA-003",
    "The ServiceAccount is in the bundle",
    "medium",
    kinds=WORKLOAD_KINDS,
    description="Every ServiceAccount a workload (or an Argo executor) runs as is defined in the same bundle.",
    rationale="A missing ServiceAccount makes pods fail to start, or silently run with whatever account someone created by hand.",
    remediation="Add the ServiceAccount manifest next to the workload (agentctl build renders one per agent).",
    example="""
apiVersion: v1
kind: ServiceAccount
metadata: {name: research-assistant}
automountServiceAccountToken: false
""",
    tags=("reliability",),
)
def account_exists(unit: Unit) -> Iterator[Hit]:
    seen: set[tuple[str, str]] = set()
    for view in unit_pods(unit):
        refs = [service_account(view)]
        executor, epath = view.field("executor")
        if as_dict(executor).get("serviceAccountName"):
            refs.append((str(executor["serviceAccountName"]), (*epath, "serviceAccountName")))
        for name, path in refs:
            key = (view.obj.ref, name)
            if name == "default" or key in seen:
                continue
            seen.add(key)
            if _find_sa(unit, view.obj.namespace, name) is None:
                yield Hit(f"ServiceAccount {name!r} is not defined in the bundle", view.obj, path)
