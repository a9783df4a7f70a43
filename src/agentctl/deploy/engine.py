"""``deploy``: server-side apply of a rendered agent, in dependency order, with prune and wait.

Round trips, not objects, are what a deploy costs. The sequence:

1. concurrently: server version, aggregated discovery (``/api``, ``/apis``),
   the agent's inventory and its namespace;
2. render for that version; check every kind is served (one clear error
   naming what to install otherwise);
3. concurrently: apply the namespace, list the current members of the
   agent's ApplySet (before-state and prune candidates) and, when the
   namespace exists, widen the inventory to old + new members;
4. one round per level (identity and RBAC; configuration and secrets;
   storage, services and network policies; workloads; workflow templates),
   every object of a level applied concurrently on a bounded pool;
5. delete the orphans (members agentctl applied before and no longer
   renders), narrow the inventory, and wait for rollouts.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentctl.deploy import errors as kerr
from agentctl.deploy import inventory as inv
from agentctl.deploy.client import KubeClient
from agentctl.deploy.discovery import well_known
from agentctl.deploy.objects import LEVEL_NAMES, ObjectRef, levels, same_content
from agentctl.deploy.preflight import preflight
from agentctl.deploy.source import AgentSource
from agentctl.deploy.wait import WaitResult, WaitState, wait_for
from agentctl.errors import AgentctlError


@dataclass(frozen=True)
class DeployOptions:
    dry_run: bool = False
    force_conflicts: bool = False
    prune: bool = True
    wait: bool = True
    timeout: float = 300.0
    poll: float = 1.0


@dataclass
class ObjectResult:
    ref: ObjectRef
    action: str  # created | configured | unchanged | pruned (dry runs: the same, as would-be)
    level: int = -1
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {**self.ref.to_dict(), "action": self.action}
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class DeployPlan:
    agent: str
    namespace: str
    server: str
    context: str | None
    server_version: str
    levels: list[tuple[str, list[ObjectRef]]]
    prune: list[ObjectRef]
    dry_run: bool
    namespace_exists: bool


@dataclass
class DeployResult:
    agent: str
    namespace: str
    dry_run: bool
    objects: list[ObjectResult] = field(default_factory=list)
    wait: WaitResult | None = None
    requests: int = 0
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        out = {"created": 0, "configured": 0, "unchanged": 0, "pruned": 0}
        for o in self.objects:
            out[o.action] = out.get(o.action, 0) + 1
        return out

    @property
    def changed(self) -> bool:
        return any(o.action != "unchanged" for o in self.objects)

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "namespace": self.namespace,
            "dryRun": self.dry_run,
            "changed": self.changed,
            "counts": self.counts(),
            "objects": [o.to_dict() for o in self.objects],
            "wait": self.wait.to_dict() if self.wait else None,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
        }


class Events:
    """Progress callbacks for views (no-ops here). May be called from worker threads."""

    def on_plan(self, plan: DeployPlan) -> None: ...

    def on_level(self, index: int, name: str, refs: list[ObjectRef]) -> None: ...

    def on_object(self, result: ObjectResult) -> None: ...

    def on_retry(self, message: str) -> None: ...

    def on_wait(self, states: list[WaitState]) -> None: ...


def deploy(
    client: KubeClient, source: AgentSource, opts: DeployOptions, events: Events | None = None
) -> DeployResult:
    ev = events or Events()
    t0 = time.monotonic()
    requests0 = client.request_count
    client.on_retry = lambda err, n, delay: ev.on_retry(f"{err.message}: retry {n} in {delay:.1f}s")
    cm_res = well_known("", "ConfigMap")
    pre = preflight(client, source)
    rmap, bundle, refs, old, new = pre.rmap, pre.bundle, pre.refs, pre.old, pre.new
    ns, ns_obj, to_apply = pre.namespace, pre.namespace_obj, pre.objects
    widened = new.union(old)
    need_widen = not opts.dry_run and not (old is not None and new.members <= old.members)
    stored = old
    list_infos = pre.member_kinds()

    result = DeployResult(bundle.agent, ns, opts.dry_run)

    def body() -> None:
        nonlocal stored
        by_level = levels(to_apply)
        before: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        if ns_obj is not None:
            before[ObjectRef.of(ns_obj).key] = ns_obj
        ns_exists = ns_obj is not None

        def apply_one(obj: dict[str, Any], level: int) -> ObjectResult:
            ref = ObjectRef.of(obj)
            if opts.dry_run and not ns_exists and rmap.for_ref(ref).namespaced:
                res = ObjectResult(
                    ref, "created", level, f"not validated: namespace {ns} does not exist yet"
                )
                ev.on_object(res)
                return res
            info = rmap.for_ref(ref)
            note = ""
            try:
                resp = client.apply(info, obj, dry_run=opts.dry_run, force=opts.force_conflicts)
            except kerr.Invalid as err:
                # a Job's pod template is immutable: a changed Job is replaced, as a re-run
                if ref.kind != "Job" or not any("immutable" in line for line in err.lines()):
                    raise
                if opts.dry_run:
                    res = ObjectResult(
                        ref, "configured", level, "would be replaced: a Job's template is immutable"
                    )
                    ev.on_object(res)
                    return res
                client.delete(info, ref.namespace or None, ref.name, propagation="Background")
                resp = client.apply(info, obj, force=opts.force_conflicts)
                note = "replaced: a Job's template is immutable"
            prior = before.get(ref.key)
            if resp.status == 201 and not note:
                action = "created"
            elif prior is not None and same_content(prior, resp.data):
                action = "unchanged"
            else:
                action = "configured"
            res = ObjectResult(ref, action, level, note)
            ev.on_object(res)
            return res

        # round 2: the namespace, the before-state and (namespace permitting) the widened inventory
        first_objs = by_level[0][1] if by_level and by_level[0][0] == 0 else []
        rest_levels = by_level[1:] if first_objs else by_level
        tasks: list[tuple[str, Any]] = [("apply", o) for o in first_objs] + [
            ("list", i) for i in list_infos
        ]
        if need_widen and ns_exists:
            tasks.append(("inventory", widened))

        def round2(task: tuple[str, Any]) -> Any:
            what, arg = task
            if what == "apply":
                return apply_one(arg, 0)
            if what == "list":
                if arg.namespaced and not ns_exists:
                    return []
                return client.list(
                    arg, ns if arg.namespaced else None, labels=f"{inv.PART_OF}={new.id}"
                )[0]
            return client.apply(cm_res, arg.to_configmap())

        if first_objs:
            ev.on_level(0, LEVEL_NAMES[0], [ObjectRef.of(o) for o in first_objs])
        out2 = client.map(round2, tasks)
        result.objects.extend(r for r in out2 if isinstance(r, ObjectResult))
        live_members: list[dict[str, Any]] = [o for r in out2 if isinstance(r, list) for o in r]
        for o in live_members:
            before[ObjectRef.of(o).key] = o
        if need_widen and ns_exists:
            stored = widened
        orphans = inv.orphans(live_members, {r.key for r in refs}, old) if opts.prune else []
        ev.on_plan(
            DeployPlan(
                bundle.agent,
                ns,
                client.target.server,
                client.target.context,
                client.server_version,
                [(LEVEL_NAMES[lvl], [ObjectRef.of(o) for o in objs]) for lvl, objs in by_level],
                orphans,
                opts.dry_run,
                ns_exists,
            )
        )
        if (
            need_widen and not ns_exists and not opts.dry_run
        ):  # round 3, only when the namespace is new
            client.apply(cm_res, widened.to_configmap())
            stored = widened

        for level, objs in rest_levels:
            ev.on_level(level, LEVEL_NAMES[level], [ObjectRef.of(o) for o in objs])
            result.objects.extend(client.map(functools.partial(_swap, apply_one, level), objs))

        if orphans:
            ev.on_level(-1, "prune", orphans)

            def prune_one(ref: ObjectRef) -> ObjectResult:
                res = rmap.for_kind(ref.group, ref.kind)
                assert res is not None
                if not opts.dry_run:
                    client.delete(res, ref.namespace or None, ref.name, propagation="Background")
                out = ObjectResult(ref, "pruned", -1)
                ev.on_object(out)
                return out

            result.objects.extend(client.map(prune_one, orphans))
        if not opts.dry_run and not new.same_as(stored):
            client.apply(cm_res, new.to_configmap())

        if opts.wait and not opts.dry_run:
            result.wait = wait_for(
                client,
                rmap,
                refs,
                ns,
                bundle.agent,
                timeout=opts.timeout,
                poll=opts.poll,
                on_update=ev.on_wait,
            )

    try:
        body()
    except AgentctlError as exc:
        result.requests = client.request_count - requests0
        result.seconds = time.monotonic() - t0
        exc.partial = result  # type: ignore[attr-defined]  # what was applied before the failure
        raise
    result.requests = client.request_count - requests0
    result.seconds = time.monotonic() - t0
    return result


def _swap(
    fn: Callable[[dict[str, Any], int], ObjectResult], level: int, obj: dict[str, Any]
) -> ObjectResult:
    return fn(obj, level)
