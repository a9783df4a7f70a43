"""``deploy``: server-side apply of a rendered agent, in dependency order, with prune and wait.

Round trips, not objects, are what a deploy costs. The sequence:

1. render (for the newest bundled schemas: rendering does not wait for the
   server unless its version needs other schemas), then concurrently: server
   version, aggregated discovery (``/api``, ``/apis``), the agent's inventory
   and its namespace, and as many more connections as the widest later round
   needs, so their handshakes overlap this round (``agentctl deploy`` sends
   the version and discovery reads, and opens this round's connections, before
   the spec is loaded, and the agent's reads once it is loaded, while the
   policy gate runs: ``preflight.read_ahead`` and ``read_agent_ahead``);
2. check every kind is served (one clear error naming what to install otherwise);
3. concurrently: apply the namespace, list the current members of the
   agent's ApplySet (before-state and prune candidates) and, when the
   namespace exists, widen the inventory to old + new members;
4. one round per level after it (identity, configuration, storage and network;
   bindings and tokens; workloads), every object of a level applied
   concurrently on a bounded pool, a level only after the one it references
   (see ``objects.LEVEL_NAMES``);
5. delete the orphans (members agentctl applied before and no longer
   renders), narrow the inventory, and wait for rollouts.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentctl.deploy import errors as kerr
from agentctl.deploy import inventory as inv
from agentctl.deploy import replace
from agentctl.deploy.client import KubeClient
from agentctl.deploy.discovery import well_known
from agentctl.deploy.objects import LEVEL_NAMES, ObjectRef, levels, unchanged_by_apply
from agentctl.deploy.preflight import Preflight, preflight
from agentctl.deploy.source import AgentSource
from agentctl.deploy.wait import WaitResult, WaitState, wait_for
from agentctl.errors import AgentctlError, ClusterError


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
    action: str  # created | configured | unchanged | pruned | failed (dry runs: as would-be)
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
    planned: int = 0  # objects rendered to be applied
    failed_at: str | None = (
        None  # where a failed deploy stopped: "step 2/4 (identity, ...)", "prune", "wait"
    )

    def counts(self) -> dict[str, int]:
        out = {"created": 0, "configured": 0, "unchanged": 0, "pruned": 0, "failed": 0}
        for o in self.objects:
            out[o.action] = out.get(o.action, 0) + 1
        return out

    @property
    def changed(self) -> bool:
        return any(o.action in ("created", "configured", "pruned") for o in self.objects)

    @property
    def applied(self) -> list[ObjectResult]:
        """Objects the server accepted (created, configured or unchanged)."""
        return [o for o in self.objects if o.action not in ("pruned", "failed")]

    def to_dict(self) -> dict[str, Any]:
        out = {
            "agent": self.agent,
            "namespace": self.namespace,
            "dryRun": self.dry_run,
            "changed": self.changed,
            "counts": self.counts(),
            "planned": self.planned,
            "objects": [o.to_dict() for o in self.objects],
            "wait": self.wait.to_dict() if self.wait else None,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
        }
        if self.failed_at is not None:
            out["failedAt"] = self.failed_at
        return out


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
    """Deploy one agent.

    On failure the error carries ``partial``: a result listing what was applied
    before it, the objects that failed (action ``failed``, the error as note)
    and ``failed_at``, where the deploy stopped.
    """
    ev = events or Events()
    t0, requests0 = time.monotonic(), client.request_count
    if client.requests_ahead_from is not None:  # preflight's reads sent ahead are this deploy's
        requests0, client.requests_ahead_from = client.requests_ahead_from, None
    client.listen_for_retries(
        lambda err, n, delay: ev.on_retry(f"{err.message}: retry {n} in {delay:.1f}s")
    )
    run = _Deployment(client, preflight(client, source), opts, ev)
    try:
        run.run()
    except AgentctlError as exc:
        run.result.failed_at = run.stage
        exc.partial = run.finish(t0, requests0)
        raise
    return run.finish(t0, requests0)


class _Deployment:
    """One deploy after preflight: the rounds of the module docstring, steps 3 to 5."""

    def __init__(self, client: KubeClient, pre: Preflight, opts: DeployOptions, ev: Events) -> None:
        self.client, self.pre, self.opts, self.ev = client, pre, opts, ev
        self.result = DeployResult(
            pre.bundle.agent, pre.namespace, opts.dry_run, planned=len(pre.objects)
        )
        self.stage = "start"
        self._lock = threading.Lock()
        # results are reported in apply order (levels, then rendering order), pruned last
        self._order = {
            ObjectRef.of(o).key: i
            for i, o in enumerate(o for _, objs in levels(pre.objects) for o in objs)
        }
        self.before: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        # namespace-owned objects are no members (never listed as such): read by name in preflight
        for shared in (pre.namespace_obj, pre.namespace_deny):
            if shared is not None:
                self.before[ObjectRef.of(shared).key] = shared
        # the inventory as the cluster holds it; widened to old + new before anything is applied
        self.stored = pre.old
        self.widened = pre.new.union(pre.old)
        self.cm = well_known("", "ConfigMap")

    def finish(self, t0: float, requests0: int) -> DeployResult:
        last = len(self._order)
        self.result.objects.sort(
            key=lambda r: last + 1 if r.level < 0 else self._order.get(r.ref.key, last)
        )
        self.result.requests = self.client.request_count - requests0
        self.result.seconds = time.monotonic() - t0
        return self.result

    def _need_widen(self) -> bool:
        old = self.pre.old
        return not self.opts.dry_run and not (
            old is not None and self.pre.new.members <= old.members
        )

    def _write_inventory(self, inventory: inv.Inventory) -> None:
        self.client.apply(self.cm, inventory.to_configmap())
        self.stored = inventory

    def run(self) -> None:
        pre, opts, client = self.pre, self.opts, self.client
        by_level = levels(pre.objects)
        first = by_level[0][1] if by_level and by_level[0][0] == 0 else []
        rest = by_level[1:] if first else by_level

        # the namespace, the before-state and (when the namespace exists) the widened inventory
        tasks: list[tuple[str, Any]] = [("apply", o) for o in first]
        tasks += [("list", i) for i in pre.member_kinds()]
        widen_now = self._need_widen() and pre.namespace_exists
        if widen_now:
            tasks.append(("inventory", None))
        steps = len(by_level)
        self.stage = f"step 1/{steps} ({LEVEL_NAMES[0]})" if first else "start"
        if first:
            self.ev.on_level(0, LEVEL_NAMES[0], [ObjectRef.of(o) for o in first])
        out = client.map(functools.partial(_call, self._round2), tasks)
        live = [o for r in out if isinstance(r, list) for o in r]
        for o in live:
            self.before[ObjectRef.of(o).key] = o
        if widen_now:
            self.stored = self.widened
        orphans = inv.orphans(live, {r.key for r in pre.refs}, pre.old) if opts.prune else []
        self.ev.on_plan(self._plan(by_level, orphans))
        # A new namespace can hold the inventory only now: it goes out with the first level
        # after the namespace (a deploy that stops before it lands leaves labelled members,
        # which the next deploy finds by listing every kind agentctl renders; see Preflight).
        inventory_due = self._need_widen() and not pre.namespace_exists
        for i, (level, objs) in enumerate(rest, start=steps - len(rest) + 1):
            self.stage = f"step {i}/{steps} ({LEVEL_NAMES[level]})"
            self.ev.on_level(level, LEVEL_NAMES[level], [ObjectRef.of(o) for o in objs])
            level_tasks: list[Any] = [("apply", o, level) for o in objs]
            if inventory_due:
                level_tasks.append(("inventory", None, level))
                inventory_due = False
            client.map(functools.partial(_call, self._level_task), level_tasks)
        if inventory_due:
            self._write_inventory(self.widened)

        if orphans:
            self.stage = "prune"
            self.ev.on_level(-1, "prune", orphans)
            client.map(self._prune, orphans)
        # narrowed to what is rendered now (what --no-prune kept stays recorded, to be pruned later)
        final = pre.new if opts.prune else self.widened
        if not opts.dry_run and not final.same_as(self.stored):
            self._write_inventory(final)

        if opts.wait and not opts.dry_run:
            self.stage = "wait"
            self.result.wait = wait_for(
                client,
                pre.rmap,
                pre.refs,
                pre.namespace,
                pre.bundle.agent,
                timeout=opts.timeout,
                poll=opts.poll,
                on_update=self.ev.on_wait,
            )

    def _level_task(self, what: str, obj: Any, level: int) -> Any:
        if what == "apply":
            return self._apply(obj, level)
        self._write_inventory(self.widened)
        return None

    def _round2(self, what: str, arg: Any) -> Any:
        if what == "apply":
            return self._apply(arg, 0)
        if what == "list":
            return self.pre.list_members(self.client, arg)
        self._write_inventory(self.widened)
        return None

    def _plan(
        self, by_level: list[tuple[int, list[dict[str, Any]]]], orphans: list[ObjectRef]
    ) -> DeployPlan:
        pre, target = self.pre, self.client.target
        return DeployPlan(
            pre.bundle.agent,
            pre.namespace,
            target.server,
            target.context,
            self.client.server_version,
            [(LEVEL_NAMES[lvl], [ObjectRef.of(o) for o in objs]) for lvl, objs in by_level],
            orphans,
            self.opts.dry_run,
            pre.namespace_exists,
        )

    def _done(self, res: ObjectResult) -> ObjectResult:
        with self._lock:
            self.result.objects.append(res)
        self.ev.on_object(res)
        return res

    def _apply(self, obj: dict[str, Any], level: int) -> ObjectResult:
        try:
            return self._apply_one(obj, level)
        except ClusterError as err:
            self._done(ObjectResult(ObjectRef.of(obj), "failed", level, err.message))
            raise

    def _apply_one(self, obj: dict[str, Any], level: int) -> ObjectResult:
        pre, opts, client = self.pre, self.opts, self.client
        ref = ObjectRef.of(obj)
        info = pre.rmap.for_ref(ref)
        if opts.dry_run and not pre.namespace_exists and info.namespaced:
            return self._done(
                ObjectResult(
                    ref,
                    "created",
                    level,
                    f"not validated: namespace {pre.namespace} does not exist yet",
                )
            )
        note = ""
        rep = pre.replacements.get(ref.key)
        if rep is not None and rep.replace:
            if opts.dry_run:  # the server would refuse the change in place: nothing to validate
                return self._done(ObjectResult(ref, "configured", level, f"would {rep.summary()}"))
            replace.expand_claims(client, pre.namespace, rep)
            replace.orphan_delete(client, info, ref)
            client.apply(info, obj, force=opts.force_conflicts)
            return self._done(ObjectResult(ref, "configured", level, rep.summary()))
        if rep is not None:
            note = ("would " if opts.dry_run else "") + rep.summary()
        try:
            resp = client.apply(info, obj, dry_run=opts.dry_run, force=opts.force_conflicts)
        except kerr.Invalid as err:
            why = replace.replaced_because(ref.kind, err.lines())
            if why is None:
                raise
            if opts.dry_run:
                return self._done(
                    ObjectResult(ref, "configured", level, f"would be replaced: {why}")
                )
            client.delete(info, ref.namespace or None, ref.name, propagation="Background")
            resp = client.apply(info, obj, force=opts.force_conflicts)
            note = f"replaced: {why}"
        prior = self.before.get(ref.key)
        if resp.status == 201 and not note:
            action = "created"
        elif prior is not None and unchanged_by_apply(prior, resp.data, obj):
            action = "unchanged"
        else:
            action = "configured"
        return self._done(ObjectResult(ref, action, level, note))

    def _prune(self, ref: ObjectRef) -> ObjectResult:
        info = self.pre.rmap.for_kind(ref.group, ref.kind)
        if info is not None and not self.opts.dry_run:
            try:
                self.client.delete(info, ref.namespace or None, ref.name, propagation="Background")
            except ClusterError as err:
                self._done(ObjectResult(ref, "failed", -1, f"prune: {err.message}"))
                raise
        return self._done(ObjectResult(ref, "pruned", -1))


def _call(fn: Callable[..., Any], task: tuple[Any, ...]) -> Any:
    return fn(*task)
