"""Why pods are not ready: phase, waiting reasons, last log lines, unschedulable and mount events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentctl.deploy import answers
from agentctl.deploy.answers import count, mapping, objects
from agentctl.deploy.client import KubeClient
from agentctl.deploy.discovery import well_known
from agentctl.deploy.errors import ApiFailure

# Waiting reasons that will not fix themselves by waiting longer.
HOPELESS = {"InvalidImageName", "ErrImageNeverPull"}
CRASH_LOOP_LIMIT = 3  # restarts after which CrashLoopBackOff fails the wait early
BAD_WAITING = {
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "ErrImageNeverPull",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
}
EVENT_REASONS = {
    "FailedScheduling",
    "FailedMount",
    "FailedAttachVolume",
    "FailedCreate",
    "FailedCreatePodSandBox",
    "ProvisioningFailed",
    "BackOff",
    "Failed",
    "Unhealthy",
    "FailedPostStartHook",
    "FailedPreStopHook",
}
LOG_LINES = 10


@dataclass
class PodView:
    name: str
    phase: str
    ready: bool
    problems: list[str] = field(default_factory=list)
    hopeless: bool = False
    crashing: list[str] = field(default_factory=list)  # containers in CrashLoopBackOff

    @property
    def summary(self) -> str:
        return f"pod {self.name}: {self.phase}" + (
            f" ({'; '.join(self.problems)})" if self.problems else ""
        )


def selector_matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    match = mapping(mapping(selector).get("matchLabels"))
    if not match:
        return False
    return all(labels.get(k) == v for k, v in match.items())


def pods_of(workload: dict[str, Any], pods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kind = workload.get("kind")
    spec = mapping(workload.get("spec"))
    if kind == "Job":
        uid = (workload.get("metadata") or {}).get("uid")
        return [
            p
            for p in pods
            if any(
                r.get("uid") == uid
                for r in objects(mapping(p.get("metadata")).get("ownerReferences"))
            )
            or ((p.get("metadata") or {}).get("labels") or {}).get("job-name")
            == (workload.get("metadata") or {}).get("name")
        ]
    return [
        p
        for p in pods
        if selector_matches(spec.get("selector"), (p.get("metadata") or {}).get("labels") or {})
    ]


def view_pod(pod: dict[str, Any]) -> PodView:
    md, st = pod.get("metadata") or {}, pod.get("status") or {}
    phase = str(st.get("phase") or "Pending")
    conds = {str(c.get("type")): c for c in objects(st.get("conditions"))}
    statuses = objects(st.get("containerStatuses"))
    ready = (conds.get("Ready") or {}).get("status") == "True" or (
        phase == "Running" and all(cs.get("ready") for cs in statuses or [{}])
    )
    view = PodView(str(md.get("name")), phase, ready)
    sched = conds.get("PodScheduled") or {}
    if sched.get("status") == "False":
        view.problems.append(
            f"unschedulable: {sched.get('message') or sched.get('reason') or 'no node fits'}"
        )
    for cs in [*objects(st.get("initContainerStatuses")), *statuses]:
        name = cs.get("name")
        state = mapping(cs.get("state"))
        waiting = mapping(state.get("waiting"))
        reason = answers.text(waiting.get("reason"))
        restarts = count(cs.get("restartCount"))
        if reason in BAD_WAITING:
            msg = f"container {name}: {reason}"
            if waiting.get("message"):
                msg += f": {waiting['message']}"
            if restarts:
                msg += f" (restarted {restarts} times)"
            last = mapping(mapping(cs.get("lastState")).get("terminated"))
            if last:
                msg += f"; last exit code {last.get('exitCode')}" + (
                    f" ({last['reason']})" if last.get("reason") else ""
                )
            view.problems.append(msg)
            if reason in HOPELESS or (
                reason == "CrashLoopBackOff" and restarts >= CRASH_LOOP_LIMIT
            ):
                view.hopeless = True
            if reason == "CrashLoopBackOff":
                view.crashing.append(str(name))
        terminated = mapping(state.get("terminated"))
        if terminated and terminated.get("exitCode") not in (0, None):
            view.problems.append(
                f"container {name}: exited with code {terminated.get('exitCode')}"
                + (f" ({terminated['reason']})" if terminated.get("reason") else "")
            )
    if phase == "Failed" and st.get("reason"):
        view.problems.append(f"{st.get('reason')}: {st.get('message') or ''}".rstrip(": "))
    return view


def recent_warnings(
    events: list[dict[str, Any]], names: set[str], limit: int = 3
) -> dict[str, list[str]]:
    """Latest warning events per involved object name (reason: message)."""
    out: dict[str, list[str]] = {}
    ordered = sorted(
        events,
        key=lambda e: str(
            e.get("lastTimestamp")
            or e.get("eventTime")
            or (e.get("metadata") or {}).get("creationTimestamp")
            or ""
        ),
    )
    for e in reversed(ordered):
        inv = mapping(e.get("involvedObject") or e.get("regarding"))
        name, reason = answers.text(inv.get("name")), answers.text(e.get("reason"))
        if name not in names or (e.get("type") != "Warning" and reason not in EVENT_REASONS):
            continue
        lines = out.setdefault(str(name), [])
        text = f"event {reason}: {str(e.get('message') or e.get('note') or '').strip()}"
        if len(lines) < limit and text not in lines:
            lines.append(text)
    return out


def diagnose(
    client: KubeClient,
    namespace: str,
    workloads: list[dict[str, Any]],
    pods: list[dict[str, Any]],
    extra_names: set[str] | None = None,
) -> list[str]:
    """Lines explaining why ``workloads`` are not ready: pods, their events and crash logs."""
    events_res = well_known("", "Event")
    try:
        events, _ = client.list(events_res, namespace)
    except ApiFailure:
        events = []
    names = {str((w.get("metadata") or {}).get("name")) for w in workloads} | (extra_names or set())
    related: dict[str, list[PodView]] = {}
    for w in workloads:
        views = [view_pod(p) for p in pods_of(w, pods)]
        related[str((w.get("metadata") or {}).get("name"))] = views
        names |= {v.name for v in views}
    warnings = recent_warnings(events, names)
    lines: list[str] = []
    for w in workloads:
        wname = str((w.get("metadata") or {}).get("name"))
        label = f"{w.get('kind')}/{wname}"
        for text in warnings.get(wname, []):
            lines.append(f"{label}: {text}")
        views = related.get(wname, [])
        if not views and w.get("kind") in ("Deployment", "StatefulSet", "Job"):
            lines.append(f"{label}: no pods yet")
        for v in views:
            if v.ready:
                continue
            lines.append(f"{label}: {v.summary}")
            for text in warnings.get(v.name, []):
                lines.append(f"  {text}")
            for container in v.crashing:
                lines.extend(_last_logs(client, namespace, v.name, container))
    for name in sorted(
        (extra_names or set()) - {str((w.get("metadata") or {}).get("name")) for w in workloads}
    ):
        for text in warnings.get(name, []):
            lines.append(f"{name}: {text}")
    return lines


def _last_logs(client: KubeClient, namespace: str, pod: str, container: str) -> list[str]:
    for previous in (True, False):
        try:
            tail = list(
                client.pod_logs(
                    namespace, pod, container=container, tail_lines=LOG_LINES, previous=previous
                )
            )
        except ApiFailure:
            continue
        if tail:
            which = "previous run" if previous else "current run"
            return [
                f"  last {len(tail)} log lines of {pod}/{container} ({which}):",
                *(f"  | {line}" for line in tail),
            ]
    return []
