"""The first round trip of deploy and diff, and the checks made before anything is sent.

Concurrently: the server version, aggregated discovery of ``/api`` and
``/apis``, the agent's inventory and its namespace. Then the agent is rendered
for that version and every apiVersion/kind is checked against discovery.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Any

from agentctl.deploy import errors as kerr
from agentctl.deploy import inventory as inv
from agentctl.deploy.client import KubeClient
from agentctl.deploy.discovery import ResourceInfo, ResourceMap, well_known
from agentctl.deploy.objects import ObjectRef, levels
from agentctl.deploy.ops import DISCOVERY_POLL_SECONDS
from agentctl.deploy.replace import Replacement, live_candidates
from agentctl.deploy.replace import plan as plan_replacements
from agentctl.deploy.source import AgentBundle, AgentSource
from agentctl.errors import ConfigError, UsageError
from agentctl.render.bundle import NAMESPACE_DENY

# Every kind agentctl renders (group, kind), listed when there is no inventory to say which.
RENDERED_KINDS = [
    ("", "ServiceAccount"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
    ("", "ConfigMap"),
    ("", "Secret"),
    ("external-secrets.io", "ExternalSecret"),
    ("", "PersistentVolumeClaim"),
    ("", "Service"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("cilium.io", "CiliumNetworkPolicy"),
    ("networking.gke.io", "FQDNNetworkPolicy"),
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("batch", "Job"),
    ("batch", "CronJob"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("policy", "PodDisruptionBudget"),
    ("argoproj.io", "WorkflowTemplate"),
    ("argoproj.io", "CronWorkflow"),
]


@dataclass
class Preflight:
    rmap: ResourceMap
    bundle: AgentBundle
    refs: list[ObjectRef]
    old: inv.Inventory | None  # what the cluster records from the last deploy
    new: inv.Inventory  # what this deploy renders
    namespace_obj: dict[str, Any] | None
    objects: list[dict[str, Any]]  # as applied: labelled as ApplySet members
    namespace_deny: dict[str, Any] | None = None  # the namespace's own default deny, as live
    # objects whose immutable fields change, and how (see replace.py), keyed by ref key
    replacements: dict[Any, Replacement] = field(default_factory=dict)

    @property
    def namespace(self) -> str:
        return self.bundle.namespace

    @property
    def namespace_exists(self) -> bool:
        return self.namespace_obj is not None

    def member_kinds(self) -> list[ResourceInfo]:
        """Kinds to list for members: what is rendered now plus what the inventory says was rendered before.

        Without an inventory (a first deploy, or one that stopped before its
        inventory landed) every kind agentctl renders is listed, so labelled
        members of an interrupted first deploy are found all the same.
        """
        gks = {(r.group, r.kind) for r in self.refs if inv.is_member_kind(r.kind)}
        if self.old is not None:
            gks |= set(self.old.listed_group_kinds())
        elif self.namespace_exists:
            gks |= {(g, k) for g, k in RENDERED_KINDS if self.rmap.for_kind(g, k) is not None}
        return [i for i in (self.rmap.for_kind(g, k) for g, k in sorted(gks)) if i is not None]

    def list_members(self, client: KubeClient, info: ResourceInfo) -> list[dict[str, Any]]:
        if info.namespaced and not self.namespace_exists:
            return []
        ns = self.namespace if info.namespaced else None
        try:
            return client.list(info, ns, labels=f"{inv.PART_OF}={self.new.id}")[0]
        except (kerr.Forbidden, kerr.NotFound):
            if self._expected(info):
                raise
            return []  # a kind listed only in case: not being allowed to list it is no error

    def _expected(self, info: ResourceInfo) -> bool:
        """Rendered now or recorded before (as opposed to listed only in case)."""
        rendered = {(r.group, r.kind) for r in self.refs}
        recorded = set(self.old.listed_group_kinds()) if self.old is not None else set()
        return (info.group, info.kind) in rendered | recorded


def render(source: AgentSource, version: str) -> AgentBundle:
    try:
        return source.render(version)
    except ConfigError:
        # the cluster is newer (or older) than the schemas bundled for rendering:
        # render for the newest bundled version rather than refuse to deploy
        return source.render(None)


def render_for(source: AgentSource, early: AgentBundle, version: str) -> AgentBundle:
    """The bundle for the server's ``version``: ``early`` (rendered for the newest bundled
    schemas before the server answered) when the server's version resolves to the same."""
    from agentctl.render.schemas import resolve_kube_version

    try:
        same = resolve_kube_version(version) == early.kube_version
    except ConfigError:
        same = True  # outside the bundled versions: rendered for the newest, as ``early`` is
    return early if same else render(source, version)


def round_sizes(objects: list[dict[str, Any]]) -> list[int]:
    """Requests each round after the first sends at most (before prune): the namespace
    level with one list per member kind, then each level with the inventory beside it."""
    by_level = levels(objects)
    member_kinds = {(r.group, r.kind) for r in map(ObjectRef.of, objects)} - {("", "Namespace")}
    return [1 + len(member_kinds)] + [len(objs) + 1 for _, objs in by_level]


def resource_map(client: KubeClient, version: str, api_doc: Any, apis_doc: Any) -> ResourceMap:
    rmap = ResourceMap(version)
    docs = [d for d in (api_doc, apis_doc) if isinstance(d, dict)]
    if len(docs) == 2 and all(d.get("kind") == "APIGroupDiscoveryList" for d in docs):
        for d in docs:
            rmap.add_aggregated(d)
    else:
        rmap.add_group_list(api_doc, apis_doc)
    client.resources = rmap
    return rmap


def await_new_crds(
    client: KubeClient, version: str, rmap: ResourceMap, objects: list[dict[str, Any]]
) -> ResourceMap:
    """Wait (bounded) for kinds whose CRD is installed but not served yet to be served.

    A CRD is served a few seconds after it is created; deploying right after installing
    an operator would otherwise be told the operator is missing.
    """
    unserved = rmap.unserved(objects)
    if not unserved:
        return rmap
    pending = client.installed_crd_kinds(unserved)
    deadline = time.monotonic() + client.discovery_lag
    while pending and time.monotonic() < deadline:
        time.sleep(DISCOVERY_POLL_SECONDS)
        api_doc, apis_doc = client.map(client.discovery_root, ["/api", "/apis"])
        rmap = resource_map(client, version, api_doc, apis_doc)
        unserved_now = rmap.unserved(objects)
        client.complete_discovery(unserved_now)
        unserved_now = rmap.unserved(objects)
        pending = {(r.group, r.kind) for r in unserved_now} & pending
    return rmap


def check_namespaces(bundle: AgentBundle, rmap: ResourceMap) -> None:
    for obj in bundle.objects:
        ref = ObjectRef.of(obj)
        if ref.kind == "Namespace":
            continue
        info = rmap.for_ref(ref)
        if info.namespaced and ref.namespace != bundle.namespace:
            raise UsageError(
                f"{ref.display} is in namespace {ref.namespace or '(none)'}, the agent in {bundle.namespace}"
            )
        if not info.namespaced and ref.namespace:
            raise UsageError(f"{ref.display} is cluster-scoped but names namespace {ref.namespace}")


# The first round's reads that need nothing of the agent: :func:`read_ahead` can send them early.
AHEAD = (("version", ""), ("discovery", "/api"), ("discovery", "/apis"))


def agent_tasks(agent: str, namespace: str) -> list[tuple[str, str]]:
    """The first round's reads of the agent: its inventory, its namespace, the namespace's
    default deny and the live candidates (:func:`read_agent_ahead` can send them early)."""
    live = (("live", str(i)) for i in range(len(live_candidates(agent))))
    return [("inventory", ""), ("namespace", namespace), ("deny", ""), *live]


def read(client: KubeClient, agent: str, namespace: str, task: tuple[str, str]) -> Any:
    """The answer to one of the first round's reads (``AHEAD`` or :func:`agent_tasks`)."""
    what, arg = task
    if what == "version":
        return client.version()
    if what == "discovery":
        return client.discovery_root(arg)
    if what == "inventory":
        return client.get(well_known("", "ConfigMap"), namespace, inv.parent_name(agent))
    if what == "deny":
        np_res = well_known("networking.k8s.io", "NetworkPolicy")
        return client.get(np_res, namespace, NAMESPACE_DENY)
    if what == "live":
        res, name = live_candidates(agent)[int(arg)]
        try:
            return client.get(res, namespace, name)
        except kerr.Forbidden:
            return None  # not allowed to read it: the server judges the apply
    return client.get(well_known("", "Namespace"), None, arg)


def read_ahead(client: KubeClient) -> None:
    """Send preflight's reads of the server (its version, discovery) now, each on a thread
    of its own, and open as many connections as preflight's first round takes.

    For deploy, while the spec is loaded, gated and rendered: the connections' handshakes
    and the answers then overlap CPU the command spends anyway. Read-only; nothing is
    printed or raised here: :func:`preflight` takes the answers (or the errors) in their
    place in its first round."""
    for task in AHEAD:
        client.ahead(task, functools.partial(read, client, "", "", task))
    # the first round's width, the same for every agent: these reads and the agent's
    # (read_agent_ahead sends those on the connections opened here, once the spec is
    # loaded). Wider later rounds open the rest in the first round, once the render says
    # how many.
    width = min(client.opts.max_workers, len(AHEAD) + len(agent_tasks("", "")))
    client.open_connections(width - len(AHEAD))
    client.opened_ahead = width


def read_agent_ahead(client: KubeClient, agent: str, namespace: str) -> None:
    """Send preflight's reads of ``agent`` in ``namespace`` now (:func:`agent_tasks`), each
    on a thread of its own, for :func:`preflight` to take in their place.

    For deploy, once the spec is loaded (its name and namespace known) and while it is
    gated and rendered. Read-only, as :func:`read_ahead`: a spec the gate refuses has had
    its namespace, inventory and live objects read, never anything written. Only for the
    first agent a command deploys: a later one's could change before its turn."""
    for task in agent_tasks(agent, namespace):
        client.ahead(
            (agent, namespace, task), functools.partial(read, client, agent, namespace, task)
        )


def preflight(client: KubeClient, source: AgentSource) -> Preflight:
    cm_res, ns_res = well_known("", "ConfigMap"), well_known("", "Namespace")
    np_res = well_known("networking.k8s.io", "NetworkPolicy")

    def first(task: tuple[str, str]) -> Any:
        if task[0] == "connect":  # started after this round's reads, on threads of their own
            return client.open_connections(1)
        # sent by read_ahead or read_agent_ahead
        early = client.take_ahead(task if task in AHEAD else (agent, namespace, task))
        if early is not None:
            return early.result()
        return read(client, agent, namespace, task)

    # rendered before the server's version is known (rendering does not depend on it unless
    # the bundled schemas differ, see render_for), so the first round can open as many
    # connections as the widest later round needs: their handshakes overlap this round
    early = source.render(None)
    agent, namespace = source.agent, source.namespace
    candidates = live_candidates(agent)
    tasks = [*AHEAD, *agent_tasks(agent, namespace)]
    widest = min(client.opts.max_workers, max(round_sizes(early.objects)))
    tasks += [("connect", "")] * max(0, widest - max(len(tasks), client.opened_ahead))
    version, api_doc, apis_doc, inv_cm, ns_obj, deny, *live_objs = client.map(first, tasks)
    live_objs, opening = live_objs[: len(candidates)], live_objs[len(candidates) :]
    if not client.opened_ahead:
        # this round took its round trips: the next rounds find the connections open (one
        # whose reads went ahead may take none, a handshake two: the next rounds meet them)
        for thread in (t for threads in opening for t in threads):
            thread.join()
    rmap = resource_map(client, version, api_doc, apis_doc)
    bundle = render_for(source, early, version)
    if bundle.namespace != source.namespace:  # the renderer decided otherwise: look again
        inv_cm = client.get(cm_res, bundle.namespace, inv.parent_name(bundle.agent))
        ns_obj = client.get(ns_res, None, bundle.namespace)
        deny = client.get(np_res, bundle.namespace, NAMESPACE_DENY)
    refs = [ObjectRef.of(o) for o in bundle.objects]
    client.complete_discovery(refs)
    rmap = await_new_crds(client, version, rmap, bundle.objects)
    rmap.check(bundle.objects, where=f" at {client.target.server}")
    check_namespaces(bundle, rmap)
    old = inv.Inventory.from_configmap(inv_cm) if inv_cm else None
    new = inv.Inventory(bundle.agent, bundle.namespace, bundle.team, bundle.type, bundle.version)
    for ref in refs:
        new.add(ref)
    objects = [inv.mark_member(o, new.id) for o in bundle.objects]
    rendered_deny = any(r.kind == "NetworkPolicy" and r.name == NAMESPACE_DENY for r in refs)
    live = {}
    if bundle.namespace == source.namespace:
        live = {(res.kind, name): o for (res, name), o in zip(candidates, live_objs, strict=True)}
    replacements = plan_replacements(client, objects, live)
    return Preflight(
        rmap, bundle, refs, old, new, ns_obj, objects,
        deny if rendered_deny else None, replacements,
    )  # fmt: skip
