"""Wait for what was applied to be ready: rollouts, job completion, bound claims.

Readiness follows ``kubectl rollout status``: the controller observed the
latest generation, every replica is updated, no old replica remains and the
updated ones are available (Deployments) or ready on the update revision
(StatefulSets). A failure (job failed, progress deadline exceeded, an image
that cannot exist, a container crash-looping) ends the wait early; otherwise
it ends at the timeout. Either way the error says why, from the pods.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentctl.deploy.answers import count, mapping, objects
from agentctl.deploy.client import KubeClient
from agentctl.deploy.diagnose import diagnose, pods_of, view_pod
from agentctl.deploy.discovery import ResourceMap, well_known
from agentctl.deploy.objects import AGENT_LABEL, ObjectRef
from agentctl.errors import WaitError

WAITABLE = {
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "PersistentVolumeClaim",
    "ExternalSecret",
}


@dataclass
class WaitState:
    ref: ObjectRef
    ready: bool = False
    message: str = "waiting"
    failed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.ref.to_dict(),
            "ready": self.ready,
            "failed": self.failed,
            "message": self.message,
        }


@dataclass
class WaitResult:
    states: list[WaitState] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"seconds": round(self.seconds, 3), "objects": [s.to_dict() for s in self.states]}


class WaitFailed(WaitError):
    """A rollout, job or claim failed or was not ready in time, with what explains it."""

    def __init__(
        self, message: str, details: list[str], states: list[WaitState], *, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.details = details
        self.states = states

    def lines(self) -> list[str]:
        return [self.message, *self.details]

    def to_dict(self) -> dict[str, object]:
        out = super().to_dict()
        out["details"] = self.details
        out["objects"] = [s.to_dict() for s in self.states]
        return out


def _cond(obj: dict[str, Any], type_: str) -> dict[str, Any]:
    for c in objects((obj.get("status") or {}).get("conditions")):
        if c.get("type") == type_:
            return dict(c)
    return {}


def assess(obj: dict[str, Any] | None, ref: ObjectRef) -> WaitState:
    """Readiness of one object from its live state."""
    state = WaitState(ref)
    if obj is None:
        state.message = "not found"
        return state
    kind = ref.kind
    md, spec, st = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    gen, observed = count(md.get("generation")), count(st.get("observedGeneration"))
    if kind == "PersistentVolumeClaim":
        phase = str(st.get("phase") or "Pending")
        state.ready, state.failed = phase == "Bound", phase == "Lost"
        state.message = "bound" if state.ready else f"claim {phase.lower()}"
        return state
    if kind == "ExternalSecret":
        return _external_secret(obj, state, gen)
    if kind == "Job":
        if _cond(obj, "Complete").get("status") == "True":
            state.ready, state.message = True, "complete"
        elif _cond(obj, "Failed").get("status") == "True":
            c = _cond(obj, "Failed")
            state.failed, state.message = (
                True,
                f"failed: {c.get('reason', '')} {c.get('message', '')}".strip(),
            )
        else:
            state.message = f"{st.get('active', 0)} running, {st.get('succeeded', 0)} succeeded, {st.get('failed', 0)} failed"
        return state
    replicas = count(spec["replicas"]) if spec.get("replicas") is not None else 1
    ready_n = count(st.get("readyReplicas"))
    updated = count(st.get("updatedReplicas"))
    if kind == "DaemonSet":
        want = count(st.get("desiredNumberScheduled"))
        done = (
            observed >= gen
            and count(st.get("updatedNumberScheduled")) >= want
            and count(st.get("numberAvailable")) >= want
        )
        state.ready, state.message = done, f"{st.get('numberAvailable') or 0}/{want} available"
        return state
    if observed < gen or (kind == "StatefulSet" and observed == 0):
        state.message = "waiting for the controller to see the new spec"
        return state
    if kind == "Deployment":
        progressing = _cond(obj, "Progressing")
        if progressing.get("reason") == "ProgressDeadlineExceeded":
            state.failed, state.message = (
                True,
                f"progress deadline exceeded: {progressing.get('message', '')}".rstrip(": "),
            )
            return state
        available = count(st.get("availableReplicas"))
        if updated < replicas:
            state.message = f"{updated}/{replicas} updated"
        elif count(st.get("replicas")) > updated:
            state.message = f"{count(st.get('replicas')) - updated} old replicas terminating"
        elif available < updated:
            state.message = f"{available}/{replicas} available"
        else:
            state.ready, state.message = True, f"{available}/{replicas} available"
        return state
    # StatefulSet
    strategy = mapping(spec.get("updateStrategy"))
    if strategy.get("type") == "OnDelete":
        state.ready, state.message = True, "OnDelete strategy: not waited for"
        return state
    if ready_n < replicas:
        state.message = f"{ready_n}/{replicas} ready"
        return state
    partition = count(mapping(strategy.get("rollingUpdate")).get("partition"))
    if partition:
        if updated < replicas - partition:
            state.message = f"{updated}/{replicas - partition} updated"
            return state
    elif st.get("updateRevision") and st.get("updateRevision") != st.get("currentRevision"):
        state.message = f"{updated}/{replicas} updated"
        return state
    state.ready, state.message = True, f"{ready_n}/{replicas} ready"
    return state


def _external_secret(obj: dict[str, Any], state: WaitState, gen: int) -> WaitState:
    """Synced when the External Secrets operator reports Ready for this generation of the spec
    (its ``status.syncedResourceVersion`` starts with the generation it synced). A Ready=False
    (the store refused, the key is missing) is waited out like a slow rollout: the operator
    retries, and the timeout names its reason."""
    ready = _cond(obj, "Ready")
    synced = str((obj.get("status") or {}).get("syncedResourceVersion") or "")
    if not ready:
        state.message = "not synced yet (is the External Secrets operator running?)"
    elif ready.get("status") != "True":
        why = ": ".join(str(x) for x in (ready.get("reason"), ready.get("message")) if x)
        state.message = f"not synced: {why}" if why else "not synced"
    elif gen and synced and synced.split("-", 1)[0] != str(gen):
        state.message = "waiting for the operator to sync the new spec"
    else:
        state.ready, state.message = True, "synced"
    return state


def wait_for(
    client: KubeClient,
    rmap: ResourceMap,
    refs: list[ObjectRef],
    namespace: str,
    agent: str,
    *,
    timeout: float,
    poll: float = 1.0,
    on_update: Callable[[list[WaitState]], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> WaitResult:
    targets = [r for r in refs if r.kind in WAITABLE]
    start = clock()
    if not targets:
        return WaitResult([], 0.0)
    deadline = start + timeout
    pods_res = well_known("", "Pod")
    selector = f"{AGENT_LABEL}={agent}"

    def fetch(item: ObjectRef | None) -> Any:
        if item is None:
            return client.list(pods_res, namespace, labels=selector)[0]
        res = rmap.for_ref(item)
        return client.get(res, item.namespace or None, item.name)

    while True:
        results = client.map(fetch, [*targets, None])
        objs, pods = results[:-1], results[-1]
        states = [assess(o, r) for o, r in zip(objs, targets, strict=True)]
        _pod_detail(states, objs, pods)
        if on_update is not None:
            on_update(states)
        pending = [(s, o) for s, o in zip(states, objs, strict=True) if not s.ready]
        if not pending:
            return WaitResult(states, clock() - start)
        claims = [s for s, _ in pending if s.ref.kind == "PersistentVolumeClaim" and not s.failed]
        if claims and _first_consumer(client, namespace, claims):
            pending = [(s, o) for s, o in pending if not s.ready]
            if not pending:
                return WaitResult(states, clock() - start)
        failed = [s for s, _ in pending if s.failed]
        hopeless = [
            s
            for s, o in pending
            if o is not None and any(view_pod(p).hopeless for p in pods_of(o, pods))
        ]
        if failed or hopeless or clock() >= deadline:
            bad = failed or hopeless or [s for s, _ in pending]
            names = ", ".join(f"{s.ref.display} ({s.message})" for s in bad)
            what = "failed" if failed or hopeless else f"not ready after {_fmt(timeout)}"
            details = diagnose(
                client,
                namespace,
                [o for s, o in pending if o is not None],
                pods,
                {s.ref.name for s, _ in pending},
            )
            raise WaitFailed(
                f"{names}: {what}",
                details,
                states,
                hint=None
                if failed or hopeless
                else "raise --timeout if the rollout is just slow, or check the pods above",
            )
        sleep(max(0.0, min(poll, deadline - clock())))


def _pod_detail(states: list[WaitState], objs: list[Any], pods: list[dict[str, Any]]) -> None:
    """Add the first pod problem to a not-ready workload's progress message."""
    for s, o in zip(states, objs, strict=True):
        if s.ready or o is None or s.ref.kind == "PersistentVolumeClaim":
            continue
        for p in pods_of(o, pods):
            v = view_pod(p)
            if v.problems:
                s.message += f" - {v.problems[0]}"
                break


def _first_consumer(client: KubeClient, namespace: str, claims: list[WaitState]) -> bool:
    """Mark pending claims of a WaitForFirstConsumer storage class as done (they bind with their pod)."""
    events, _ = client.list(well_known("", "Event"), namespace)
    waiting = {
        str(mapping(e.get("involvedObject")).get("name"))
        for e in events
        if e.get("reason") == "WaitForFirstConsumer"
        and mapping(e.get("involvedObject")).get("kind") == "PersistentVolumeClaim"
    }
    changed = False
    for s in claims:
        if s.ref.name in waiting:
            s.ready, s.message, changed = True, "waits for its first consumer", True
    return changed


def _fmt(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    m, s = divmod(seconds, 60)
    return f"{m}m{s:02d}s" if s else f"{m}m"
