"""``delete``: remove everything agentctl deployed for an agent, and nothing else.

What goes: the members of the agent's ApplySet (found by label and checked
against the inventory or agentctl's field manager, as prune does), the runs
``agentctl run`` started, then the inventory itself. What stays: the shared
namespace, and the agent's memory (PersistentVolumeClaims, including those a
StatefulSet created) unless ``--delete-data``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentctl.deploy import answers
from agentctl.deploy import inventory as invmod
from agentctl.deploy.client import KubeClient
from agentctl.deploy.discovery import ResourceInfo, well_known
from agentctl.deploy.locate import Deployed
from agentctl.deploy.objects import AGENT_LABEL, MANAGED_BY, RUN_LABEL, ObjectRef, level_of

DATA_KINDS = {"PersistentVolumeClaim"}


@dataclass
class DeletePlan:
    agent: str
    namespace: str
    delete: list[ObjectRef] = field(default_factory=list)
    keep: list[ObjectRef] = field(default_factory=list)  # data kept without --delete-data
    inventory: ObjectRef | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "namespace": self.namespace,
            "delete": [r.to_dict() for r in self.delete],
            "keep": [r.to_dict() for r in self.keep],
        }


def plan(client: KubeClient, deployed: Deployed, *, delete_data: bool) -> DeletePlan:
    inv, ns = deployed.inventory, deployed.namespace
    rmap = client.resources
    infos = [i for i in (rmap.for_kind(g, k) for g, k in inv.listed_group_kinds()) if i is not None]
    runs = [
        i
        for i in (rmap.for_kind("argoproj.io", "Workflow"), rmap.for_kind("batch", "Job"))
        if i is not None
    ]
    pvc = well_known("", "PersistentVolumeClaim")

    def fetch(task: tuple[str, ResourceInfo]) -> list[dict[str, Any]]:
        what, info = task
        where = ns if info.namespaced else None
        if what == "members":
            return client.list(info, where, labels=f"{invmod.PART_OF}={inv.id}")[0]
        if what == "runs":
            return client.list(
                info, ns, labels=f"{AGENT_LABEL}={inv.agent},{RUN_LABEL},{MANAGED_BY}=agentctl"
            )[0]
        return client.list(info, ns, labels=f"{AGENT_LABEL}={inv.agent}")[
            0
        ]  # claims a StatefulSet made

    tasks = [("members", i) for i in infos] + [("runs", i) for i in runs] + [("claims", pvc)]
    found = client.map(fetch, tasks)
    refs: set[ObjectRef] = set()
    claims: set[ObjectRef] = set()
    for (what, info), objs in zip(tasks, found, strict=True):
        if what == "members":
            ours = set(invmod.orphans(objs, set(), inv))
            objs = [o for o in objs if ObjectRef.of(o) in ours]
        (claims if what == "claims" else refs).update(_listed(info, ns, objs))
    out = DeletePlan(inv.agent, ns, inventory=ObjectRef("", "ConfigMap", ns, inv.name))
    for ref in sorted(refs | claims, key=lambda r: (-level_of(r.kind), r.kind, r.name)):
        if ref.kind in DATA_KINDS and not delete_data:
            if ref not in out.keep:
                out.keep.append(ref)
        elif ref not in out.delete:
            out.delete.append(ref)
    return out


def _listed(info: ResourceInfo, namespace: str, objs: list[dict[str, Any]]) -> set[ObjectRef]:
    """The objects of a list of ``info`` in ``namespace``, each as the object of that kind
    at that place (whatever else it says of itself); one without a name is none to
    delete: the path without a name is the whole collection's."""
    where = namespace if info.namespaced else ""
    names = (answers.name(o) for o in objs)
    return {ObjectRef(info.group, info.kind, where, name) for name in names if name}


def execute(client: KubeClient, p: DeletePlan) -> list[ObjectRef]:
    """Delete in reverse apply order, a level at a time; the inventory goes last."""
    rmap = client.resources
    by_level: dict[int, list[ObjectRef]] = {}
    for ref in p.delete:
        by_level.setdefault(level_of(ref.kind), []).append(ref)

    def one(ref: ObjectRef) -> ObjectRef | None:
        info = rmap.for_kind(ref.group, ref.kind)
        if info is None:
            return None
        return (
            ref
            if client.delete(info, ref.namespace or None, ref.name, propagation="Background")
            else None
        )

    gone: list[ObjectRef] = []
    for level in sorted(by_level, reverse=True):
        gone.extend(r for r in client.map(one, by_level[level]) if r is not None)
    if p.inventory is not None and not p.keep:
        client.delete(well_known("", "ConfigMap"), p.namespace, p.inventory.name)
    elif p.inventory is not None:
        # memory kept: the inventory stays, shrunk to the kept claims, so `status` shows the agent's
        # data and a later `delete --delete-data` finds it
        left = invmod.Inventory(p.agent, p.namespace)
        for ref in p.keep:
            left.add(ref)
        cm = client.get(well_known("", "ConfigMap"), p.namespace, p.inventory.name)
        if cm is not None:
            old = invmod.Inventory.from_configmap(cm)
            left.team, left.type, left.version = old.team, old.type, old.version
            left.members = {m for m in left.members if m in old.members}
            client.apply(well_known("", "ConfigMap"), left.to_configmap())
    return gone
