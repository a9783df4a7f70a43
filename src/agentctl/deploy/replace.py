"""Changes to fields the API server will not update in place: planned, explained, done safely.

A StatefulSet's ``volumeClaimTemplates``, ``selector``, ``serviceName`` and
``podManagementPolicy`` are immutable (the server answers 422). Rather than
send that, deploy plans the change before anything is sent:

* memory that grows: each existing claim is expanded in place (its StorageClass
  must allow expansion), then the StatefulSet is deleted with orphan
  propagation and applied again; the new StatefulSet adopts the same pods and
  claims, so nothing the agent learned is lost and no pod restarts for it;
* the other immutable StatefulSet fields: the same orphaning replace;
* memory that shrinks, changes StorageClass or access mode: refused (exit 2)
  with the reason and what to do, since no claim can be changed that way;
* a memory claim of a job or workflow agent: grows in place; shrinking or
  changing class or access mode is refused the same way.

A Job's pod template is immutable too; deploy replaces a changed Job (a re-run),
see ``engine``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from agentctl.deploy import answers
from agentctl.deploy import errors as kerr
from agentctl.deploy.client import KubeClient
from agentctl.deploy.discovery import ResourceInfo, well_known
from agentctl.deploy.objects import ObjectRef
from agentctl.errors import UsageError
from agentctl.spec.units import memory_bytes

# StatefulSet spec fields the API server refuses to update (the ones agentctl renders).
STS_IMMUTABLE = ("selector", "serviceName", "podManagementPolicy", "volumeClaimTemplates")
REPLACE_WAIT_SECONDS = 60.0


@dataclass
class Expansion:
    claim: str
    current: str
    wanted: str


@dataclass
class Replacement:
    """How one object with changed immutable fields is changed."""

    ref: ObjectRef
    fields: list[str]  # the immutable fields that change ("spec.volumeClaimTemplates", ...)
    replace: bool = True  # delete (orphaning dependents) and apply again
    expand: list[Expansion] = field(default_factory=list)

    def summary(self) -> str:
        parts = []
        if self.replace:
            parts.append(f"replace {self.ref.kind}, keep pods and claims")
        if self.expand:
            sizes = sorted({f"{e.current} -> {e.wanted}" for e in self.expand})
            n = len(self.expand)
            parts.append(f"expand {n} claim{'s' if n != 1 else ''} {', '.join(sizes)}")
        why = f" ({', '.join(self.fields)} cannot change in place)" if self.replace else ""
        return "; ".join(parts) + why


class Refused(UsageError):
    """A change no claim or StatefulSet can take: refused before anything is sent."""


def _size(claim_spec: dict[str, Any]) -> str:
    """The storage a claim spec requests; "" for none, or for what is no quantity."""
    resources = claim_spec.get("resources")
    requests = resources.get("requests") if isinstance(resources, dict) else None
    size = requests.get("storage") if isinstance(requests, dict) else None
    try:
        return size if isinstance(size, str) and memory_bytes(size) >= 0 else ""
    except (ValueError, ArithmeticError):
        return ""


def _templates(sts_spec: dict[str, Any]) -> list[dict[str, Any]]:
    """A StatefulSet spec's claim templates (those that are objects: a live one may hold anything)."""
    return answers.objects(sts_spec.get("volumeClaimTemplates"))


def _spec(obj: dict[str, Any]) -> dict[str, Any]:
    return answers.mapping(obj.get("spec"))


def _bytes(q: str) -> int:
    return memory_bytes(q) if q else 0


def _claim_refusal(what: str, live: dict[str, Any], new: dict[str, Any]) -> str | None:
    """Why the live claim spec cannot become the new one (None when it can)."""
    live_modes = answers.texts(live.get("accessModes"))
    new_modes = answers.texts(new.get("accessModes"))
    if new_modes and live_modes and sorted(live_modes) != sorted(new_modes):
        return (
            f"{what}: the access mode cannot change ({', '.join(live_modes)} -> "
            f"{', '.join(new_modes)}): a claim's access mode is fixed when it is created"
        )
    live_sc, new_sc = live.get("storageClassName"), new.get("storageClassName")
    if new_sc and live_sc and new_sc != live_sc:
        return (
            f"{what}: the storage class cannot change ({live_sc} -> {new_sc}): "
            "a claim stays on the class that provisioned it"
        )
    old_size, new_size = _size(live), _size(new)
    if old_size and new_size and _bytes(new_size) < _bytes(old_size):
        return (
            f"{what}: memory cannot shrink ({old_size} -> {new_size}): "
            "a volume can only grow, and shrinking would lose what the agent stored"
        )
    return None


REMEDY = (
    "keep memory.size, memory.storageClass and memory.accessMode as deployed (memory may only "
    "grow); to start over with new memory, `agentctl delete` the agent, delete its claims "
    "(kubectl delete pvc -l agentctl.dev/agent=NAME; this erases the memory), and deploy again"
)


STATEFULSET = ResourceInfo(
    "apps", "v1", "StatefulSet", "statefulsets", True, frozenset({"get", "patch", "delete"})
)


def live_candidates(agent: str) -> list[tuple[ResourceInfo, str]]:
    """What to read in deploy's first round: the objects that may carry immutable changes."""
    return [(STATEFULSET, agent), (well_known("", "PersistentVolumeClaim"), f"{agent}-memory")]


def plan(
    client: KubeClient, objects: list[dict[str, Any]], live: dict[tuple[str, str], Any]
) -> dict[Any, Replacement]:
    """Replacements keyed by object ref key, from the live objects read in the first round
    (``live``: (kind, name) -> object or None); raises Refused (exit 2) for changes no
    server takes. Reads more (claims, storage classes) only when something must change."""
    out: dict[Any, Replacement] = {}
    for obj in objects:
        ref = ObjectRef.of(obj)
        current = live.get((ref.kind, ref.name))
        if current is None:
            continue
        if ref.kind == "StatefulSet":
            rep = _plan_statefulset(client, ref, obj, current)
        elif ref.kind == "PersistentVolumeClaim":
            rep = _plan_claim(client, ref, obj, current)
        else:
            rep = None
        if rep is not None:
            out[ref.key] = rep
    return out


def _plan_claim(
    client: KubeClient, ref: ObjectRef, obj: dict[str, Any], live: dict[str, Any]
) -> Replacement | None:
    why = _claim_refusal(f"PersistentVolumeClaim {ref.name}", live.get("spec") or {}, obj["spec"])
    if why:
        raise Refused(why, hint=REMEDY)
    cur, new = _size(live.get("spec") or {}), _size(obj["spec"])
    if cur and new and _bytes(new) > _bytes(cur):
        _check_expandable(client, [live])
        return Replacement(ref, [], replace=False, expand=[Expansion(ref.name, cur, new)])
    return None


def _plan_statefulset(
    client: KubeClient, ref: ObjectRef, obj: dict[str, Any], live: dict[str, Any]
) -> Replacement | None:
    lspec, nspec = live.get("spec") or {}, obj.get("spec") or {}
    changed = []
    for f in STS_IMMUTABLE:
        if f == "volumeClaimTemplates":
            if _templates_differ(_templates(lspec), _templates(nspec)):
                changed.append(f"spec.{f}")
        elif f in nspec and nspec[f] != lspec.get(f):
            changed.append(f"spec.{f}")
    if not changed:
        return None
    rep = Replacement(ref, changed)
    live_templates = {answers.name(t): t for t in _templates(lspec)}
    claims: list[dict[str, Any]] = []
    for tmpl in _templates(nspec):
        name = answers.name(tmpl)
        old = live_templates.get(name)
        if old is None:
            continue  # a new template: the new StatefulSet creates its claims
        why = _claim_refusal(
            f"StatefulSet {ref.name} volume {name}", _spec(old), tmpl.get("spec") or {}
        )
        if why:
            raise Refused(why, hint=REMEDY)
        wanted = _size(tmpl.get("spec") or {})
        for claim in _claims_of(client, ref, lspec, name):
            why = _claim_refusal(
                f"PersistentVolumeClaim {answers.name(claim)}", _spec(claim), tmpl.get("spec") or {}
            )
            if why:
                raise Refused(why, hint=REMEDY)
            cur = _size(claim.get("spec") or {})
            if cur and wanted and _bytes(wanted) > _bytes(cur):
                rep.expand.append(Expansion(answers.name(claim), cur, wanted))
                claims.append(claim)
    if claims:
        _check_expandable(client, claims)
    return rep


def _templates_differ(live: list[dict[str, Any]], new: list[dict[str, Any]]) -> bool:
    """Whether the rendered claim templates differ from the live ones in what agentctl renders
    (the server adds defaults such as volumeMode, which are no change)."""

    def key(t: dict[str, Any]) -> tuple[Any, ...]:
        spec = _spec(t)
        sc = spec.get("storageClassName")
        return (
            answers.name(t),
            tuple(sorted(answers.texts(spec.get("accessModes")))),
            sc if isinstance(sc, str) else None,
            _bytes(_size(spec)),
        )

    live_keys = {key(t)[0]: key(t) for t in live}
    for t in new:
        k = key(t)
        old = live_keys.pop(k[0], None)
        if old is None:
            return True
        if k[2] is None:  # no class rendered: the server's default class is no change
            old = (*old[:2], None, old[3])
        if old != k:
            return True
    return bool(live_keys)


def _claims_of(
    client: KubeClient, ref: ObjectRef, lspec: dict[str, Any], template: str
) -> list[dict[str, Any]]:
    """The claims a StatefulSet made from one template: <template>-<statefulset>-<ordinal>."""
    labels = ",".join(
        f"{k}={v}"
        for k, v in sorted(
            answers.labels(answers.mapping(lspec.get("selector")).get("matchLabels")).items()
        )
    )
    items, _ = client.list(
        well_known("", "PersistentVolumeClaim"), ref.namespace, labels=labels or None
    )
    prefix = f"{template}-{ref.name}-"
    return [
        c
        for c in items
        if answers.name(c).startswith(prefix) and answers.name(c)[len(prefix) :].isdigit()
    ]


STORAGE_CLASS = ResourceInfo(
    "storage.k8s.io", "v1", "StorageClass", "storageclasses", False, frozenset({"get", "list"})
)
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


def _check_expandable(client: KubeClient, claims: list[dict[str, Any]]) -> None:
    """Refuse (exit 2) when a claim's StorageClass does not allow expansion."""
    classes: dict[str, dict[str, Any] | None] = {}
    for claim in claims:
        name = _spec(claim).get("storageClassName")
        if not name or not isinstance(name, str):
            raise Refused(
                f"PersistentVolumeClaim {answers.name(claim)} has no storage class: "
                "only a claim provisioned by a StorageClass can grow",
                hint=REMEDY,
            )
        if name not in classes:
            try:
                classes[name] = client.get(STORAGE_CLASS, None, name)
            except kerr.Forbidden:
                classes[name] = {"allowVolumeExpansion": True}  # cannot tell: the server decides
        sc = classes[name]
        if sc is None or not sc.get("allowVolumeExpansion"):
            state = "does not exist" if sc is None else "does not allow volume expansion"
            raise Refused(
                f"PersistentVolumeClaim {answers.name(claim)}: memory cannot grow: "
                f"StorageClass {name} {state}",
                hint="ask the cluster admin to set allowVolumeExpansion: true on the StorageClass, "
                "or " + REMEDY,
            )


def expand_claims(client: KubeClient, namespace: str, rep: Replacement) -> None:
    """Grow each planned claim in place (the storage request only)."""
    res = well_known("", "PersistentVolumeClaim")

    def one(e: Expansion) -> None:
        patch = {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": e.claim, "namespace": namespace},
            "spec": {"resources": {"requests": {"storage": e.wanted}}},
        }
        client.apply(res, patch, force=True)

    client.map(one, rep.expand)


def orphan_delete(client: KubeClient, info: ResourceInfo, ref: ObjectRef) -> None:
    """Delete the object leaving its pods and claims, and wait until it is gone."""
    client.delete(info, ref.namespace or None, ref.name, propagation="Orphan")
    deadline = time.monotonic() + REPLACE_WAIT_SECONDS
    while client.get(info, ref.namespace or None, ref.name) is not None:
        if time.monotonic() >= deadline:
            raise kerr.ApiFailure(
                f"{ref.display} was deleted (orphaning its pods) but still exists after "
                f"{REPLACE_WAIT_SECONDS:g}s",
                hint="check its finalizers (the garbage collector removes 'orphan'); deploy again "
                "once it is gone",
            )
        time.sleep(0.2)


def replaced_because(kind: str, refused: list[str]) -> str | None:
    """Why an object the server refused to change in place is replaced instead (deleted
    and applied again), or None when it is not: a Job's pod template is immutable (a
    changed Job is a re-run), and a Service's cluster IP may not change once set (an
    agent turned from service to stateful gets a headless Service, and back)."""
    if kind == "Job" and any("immutable" in line for line in refused):
        return "a Job's template is immutable"
    if kind == "Service" and any(
        "clusterIP" in line and ("may not change once set" in line or "immutable" in line)
        for line in refused
    ):
        return "a Service's cluster IP may not change once set (headless or not)"
    return None
