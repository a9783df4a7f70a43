"""The per-agent inventory: an ApplySet parent recording what agentctl applied.

Follows the ApplySet convention (KEP-3659) so ``kubectl`` understands it too:

- the parent is a ConfigMap ``agentctl-inventory-<agent>`` in the agent's
  namespace, labelled ``applyset.kubernetes.io/id=<id>`` with the
  ``applyset.kubernetes.io/contains-group-kinds`` annotation;
- every member carries the label ``applyset.kubernetes.io/part-of=<id>``;
- the parent's ``objects`` data key lists every member (group-kind,
  namespace, name), so prune and delete know exactly what agentctl created.

Before applying, the parent is widened to the union of the previous and the
new members (an interrupted deploy leaves nothing unrecorded); after prune it
is narrowed to exactly the new members.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from agentctl import __version__
from agentctl.deploy import answers
from agentctl.deploy.objects import (
    AGENT_LABEL,
    FIELD_MANAGER,
    MANAGED_BY,
    TEAM_LABEL,
    ObjectRef,
    split_gk,
)
from agentctl.render.bundle import namespace_owned

PART_OF = "applyset.kubernetes.io/part-of"
APPLYSET_ID = "applyset.kubernetes.io/id"
TOOLING = "applyset.kubernetes.io/tooling"
CONTAINS = "applyset.kubernetes.io/contains-group-kinds"
INVENTORY_LABEL = "agentctl.dev/inventory"
NEVER_MEMBERS = {"Namespace"}  # shared by a team's agents: applied, never pruned or deleted


def parent_name(agent: str) -> str:
    return f"agentctl-inventory-{agent}"


def applyset_id(name: str, namespace: str, kind: str = "ConfigMap", group: str = "") -> str:
    """The ApplySet id: applyset-<base64url(sha256(name.namespace.kind.group))>-v1."""
    digest = hashlib.sha256(f"{name}.{namespace}.{kind}.{group}".encode()).digest()
    return "applyset-" + base64.urlsafe_b64encode(digest).decode().rstrip("=") + "-v1"


def is_member_kind(kind: str) -> bool:
    return kind not in NEVER_MEMBERS


def is_member(kind: str, name: str) -> bool:
    """Whether one agent owns the object (so its deploy prunes it and its delete deletes it).

    The Namespace and the namespace-wide default-deny NetworkPolicy belong to
    the namespace a team's agents share: applied, never pruned or deleted.
    """
    return is_member_kind(kind) and not namespace_owned(kind, name)


@dataclass
class Inventory:
    agent: str
    namespace: str
    team: str = ""
    type: str = ""
    version: str = ""
    members: set[tuple[str, str, str, str]] = field(
        default_factory=set
    )  # (group, kind, namespace, name)
    # group-kinds the parent's annotation lists beyond the members (written by another ApplySet tool)
    extra_group_kinds: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return parent_name(self.agent)

    @property
    def id(self) -> str:
        return applyset_id(self.name, self.namespace)

    @property
    def group_kinds(self) -> list[str]:
        return sorted({f"{k}.{g}" if g else k for g, k, _, _ in self.members})

    def refs(self) -> list[ObjectRef]:
        return [ObjectRef(g, k, ns, n) for g, k, ns, n in sorted(self.members)]

    def add(self, ref: ObjectRef) -> None:
        if is_member(ref.kind, ref.name):
            self.members.add((ref.group, ref.kind, ref.namespace, ref.name))

    def union(self, other: Inventory | None) -> Inventory:
        out = Inventory(
            self.agent, self.namespace, self.team, self.type, self.version, set(self.members)
        )
        if other is not None:
            out.members |= other.members
        return out

    def same_as(self, other: Inventory | None) -> bool:
        return other is not None and self.to_configmap() == other.to_configmap()

    def to_configmap(self) -> dict[str, Any]:
        objects = [
            {"group": g, "kind": k, "namespace": ns, "name": n}
            for g, k, ns, n in sorted(self.members)
        ]
        labels = {
            MANAGED_BY: "agentctl",
            AGENT_LABEL: self.agent,
            INVENTORY_LABEL: "true",
            APPLYSET_ID: self.id,
        }
        if self.team:
            labels[TEAM_LABEL] = self.team
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": self.name,
                "namespace": self.namespace,
                "labels": labels,
                "annotations": {
                    TOOLING: f"agentctl/v{__version__}",
                    CONTAINS: ",".join(self.group_kinds),
                },
            },
            "data": {
                "agent": self.agent,
                "type": self.type,
                "version": self.version,
                "objects": json.dumps(objects, indent=1, sort_keys=True),
            },
        }

    @classmethod
    def from_configmap(cls, cm: dict[str, Any]) -> Inventory:
        md = cm.get("metadata") or {}
        labels = md.get("labels") or {}
        data = cm.get("data") or {}
        inv = cls(
            agent=str(data.get("agent") or labels.get(AGENT_LABEL) or ""),
            namespace=str(md.get("namespace") or ""),
            team=str(labels.get(TEAM_LABEL) or ""),
            type=str(data.get("type") or ""),
            version=str(data.get("version") or ""),
        )
        try:
            objects = json.loads(data.get("objects") or "[]")
        except (ValueError, RecursionError):  # RecursionError: nested too deeply
            objects = []
        for o in objects if isinstance(objects, list) else []:
            if isinstance(o, dict) and o.get("kind") and o.get("name"):
                inv.members.add(
                    (
                        str(o.get("group") or ""),
                        str(o["kind"]),
                        str(o.get("namespace") or ""),
                        str(o["name"]),
                    )
                )
        inv.extra_group_kinds = [
            gk for gk in str((md.get("annotations") or {}).get(CONTAINS) or "").split(",") if gk
        ]
        return inv

    def listed_group_kinds(self) -> list[tuple[str, str]]:
        """Every group-kind the parent says it may contain (members and annotation)."""
        gks = set(self.group_kinds) | set(self.extra_group_kinds)
        return sorted(split_gk(gk) for gk in gks)


def mark_member(obj: dict[str, Any], set_id: str) -> dict[str, Any]:
    """The object as it is applied: labelled as a member of the agent's ApplySet."""
    if not is_member(str(obj.get("kind")), str((obj.get("metadata") or {}).get("name"))):
        return obj
    out = dict(obj)
    md = dict(out.get("metadata") or {})
    md["labels"] = {**(md.get("labels") or {}), PART_OF: set_id}
    out["metadata"] = md
    return out


def agent_type_of(kinds: set[str]) -> str:
    """The agent type a bundle implies (for bundles read from dist/ without the spec)."""
    if kinds & {"WorkflowTemplate", "CronWorkflow"}:
        return "workflow"
    if "StatefulSet" in kinds:
        return "stateful"
    if kinds & {"Job", "CronJob"}:
        return "job"
    return "service"


def applied_by_agentctl(obj: dict[str, Any]) -> bool:
    return any(
        mf.get("manager") == FIELD_MANAGER
        for mf in answers.objects((obj.get("metadata") or {}).get("managedFields"))
    )


def orphans(
    live: list[dict[str, Any]], keep: set[tuple[str, str, str, str]], old: Inventory | None
) -> list[ObjectRef]:
    """Members agentctl applied before and no longer renders; never anything it did not create.

    A candidate carries this agent's ApplySet label *and* is either recorded in
    the inventory or was applied by agentctl's field manager: a label copied
    onto someone else's object is not enough.
    """
    recorded = old.members if old is not None else set()
    out = set()
    for obj in live:
        ref = ObjectRef.of(obj)
        if ref.key in keep or not is_member(ref.kind, ref.name):
            continue
        if ref.key in recorded or applied_by_agentctl(obj):
            out.add(ref)
    return sorted(out)
