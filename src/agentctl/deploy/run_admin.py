"""``runs``: the recent runs of an agent, and stopping or resubmitting one.

A run is an Argo ``Workflow`` (workflow agents) or a ``Job`` (job agents)
labelled with the agent. Stopping uses server-side apply under its own field
manager, so it never fights deploy over fields: a Workflow gets
``spec.shutdown: Stop`` (Argo runs no new step and runs the exit handlers,
as ``argo stop`` does), a Job ``spec.suspend: true`` (its pods are ended).
Resubmitting creates a new run from the old one's template and arguments,
as ``argo resubmit`` does; the new run is labelled with the one it repeats.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from agentctl.deploy.objects import AGENT_LABEL, MANAGED_BY, RUN_LABEL
from agentctl.deploy.runs import RunState, _span, from_job, from_workflow
from agentctl.deploy.status import run_phase
from agentctl.errors import UsageError

if TYPE_CHECKING:
    from agentctl.cost.rates import RateCard
    from agentctl.deploy.client import KubeClient
    from agentctl.deploy.discovery import ResourceInfo
    from agentctl.deploy.locate import Deployed

CONTROL_MANAGER = "agentctl-run-control"
RESUBMITTED_FROM = "agentctl.dev/resubmitted-from"
WORKFLOW_LABELS = ("workflows.argoproj.io/workflow-template", "workflows.argoproj.io/cron-workflow")
_JOB_CONTROLLER_LABELS = (
    "controller-uid",
    "job-name",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-name",
)


@dataclass
class RunSummary:
    kind: str
    name: str
    namespace: str
    phase: str
    started: str | None
    finished: str | None
    seconds: float | None
    cost_usd: Decimal | None  # compute, from Argo's resourcesDuration (Workflows only)

    def to_dict(self) -> dict[str, Any]:
        from agentctl.cost.rates import usd

        return {
            "kind": self.kind,
            "name": self.name,
            "namespace": self.namespace,
            "phase": self.phase,
            "startedAt": self.started,
            "finishedAt": self.finished,
            "seconds": self.seconds,
            "computeCostUsd": usd(self.cost_usd),
        }


def run_objects(client: KubeClient, deployed: Deployed) -> list[dict[str, Any]]:
    """Every Workflow and Job of the agent, once each."""
    inv = deployed.inventory
    kinds = {r.kind for r in inv.refs()}
    out: list[dict[str, Any]] = []
    rmap = client.resources
    if kinds & {"WorkflowTemplate", "CronWorkflow"}:
        res = rmap.for_kind("argoproj.io", "Workflow")
        if res is not None:
            for key in (AGENT_LABEL, *WORKFLOW_LABELS):
                out.extend(client.list(res, inv.namespace, labels=f"{key}={inv.agent}")[0])
    if kinds & {"Job", "CronJob"}:
        res = rmap.for_kind("batch", "Job")
        if res is not None:
            out.extend(client.list(res, inv.namespace, labels=f"{AGENT_LABEL}={inv.agent}")[0])
    unique = {(o.get("kind"), (o.get("metadata") or {}).get("name")): o for o in out}
    return list(unique.values())


def _times(obj: dict[str, Any]) -> tuple[str | None, str | None]:
    st = obj.get("status") or {}
    if obj.get("kind") == "Workflow":
        return st.get("startedAt"), st.get("finishedAt")
    return st.get("startTime") or (obj.get("metadata") or {}).get("creationTimestamp"), st.get(
        "completionTime"
    )


def _cost(obj: dict[str, Any], card: RateCard) -> Decimal | None:
    """Argo's resourcesDuration: CPU-seconds of 1 core and memory-seconds of 1 GiB."""
    rd = (obj.get("status") or {}).get("resourcesDuration")
    if not isinstance(rd, dict) or not rd:
        return None
    cpu = Decimal(str(rd.get("cpu") or 0)) / 3600
    mem = Decimal(str(rd.get("memory") or 0)) / 3600
    return cpu * card.cpu_hour + mem * card.memory_gib_hour


def list_runs(
    client: KubeClient, deployed: Deployed, card: RateCard, limit: int = 20
) -> list[RunSummary]:
    """The agent's runs, newest first."""
    rows = []
    for obj in run_objects(client, deployed):
        md = obj.get("metadata") or {}
        started, finished = _times(obj)
        rows.append(
            RunSummary(
                str(obj.get("kind")),
                str(md.get("name")),
                str(md.get("namespace")),
                run_phase(obj),
                started,
                finished,
                _span(started, finished) if started else None,
                _cost(obj, card),
            )
        )
    rows.sort(key=lambda r: (r.started or "", r.name), reverse=True)
    return rows[:limit] if limit else rows


def find_run(client: KubeClient, name: str, namespace: str) -> tuple[ResourceInfo, dict[str, Any]]:
    """The Workflow or Job called ``name`` that agentctl started or deployed."""
    rmap = client.resources
    for group, kind in (("argoproj.io", "Workflow"), ("batch", "Job")):
        res = rmap.for_kind(group, kind)
        if res is None:
            continue
        obj = client.get(res, namespace, name)
        if obj is not None:
            labels = (obj.get("metadata") or {}).get("labels") or {}
            if not labels.get(AGENT_LABEL) and not any(labels.get(k) for k in WORKFLOW_LABELS):
                raise UsageError(f"{kind} {namespace}/{name} is not the run of an agent")
            obj.setdefault("kind", kind)
            return res, obj
    raise UsageError(
        f"no run {name} in namespace {namespace}",
        hint="list an agent's runs with: agentctl runs list NAME",
    )


def _agent_of(obj: dict[str, Any]) -> str:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return str(
        labels.get(AGENT_LABEL) or next((labels[k] for k in WORKFLOW_LABELS if labels.get(k)), "")
    )


def _state(obj: dict[str, Any]) -> RunState:
    agent = _agent_of(obj)
    return from_workflow(obj, agent) if obj.get("kind") == "Workflow" else from_job(obj, [], agent)


def stop(client: KubeClient, res: ResourceInfo, obj: dict[str, Any]) -> RunState:
    md = obj.get("metadata") or {}
    if run_phase(obj) in ("Succeeded", "Failed", "Error"):
        raise UsageError(f"{obj.get('kind')} {md.get('name')} has already ended ({run_phase(obj)})")
    patch: dict[str, Any] = {
        "apiVersion": obj.get("apiVersion") or res.api_version,
        "kind": obj.get("kind"),
        "metadata": {"name": md.get("name"), "namespace": md.get("namespace")},
        "spec": {"shutdown": "Stop"} if obj.get("kind") == "Workflow" else {"suspend": True},
    }
    updated = client.apply(res, patch, manager=CONTROL_MANAGER).data
    return _state(updated if isinstance(updated, dict) else obj)


def resubmit(client: KubeClient, res: ResourceInfo, obj: dict[str, Any]) -> RunState:
    md = obj.get("metadata") or {}
    old = str(md.get("name"))
    agent = _agent_of(obj)
    labels = {
        k: v
        for k, v in (md.get("labels") or {}).items()
        if not k.startswith("workflows.argoproj.io/") and k not in _JOB_CONTROLLER_LABELS
    }
    labels.update({MANAGED_BY: "agentctl", AGENT_LABEL: agent, RUN_LABEL: "manual"})
    labels[RESUBMITTED_FROM] = old
    meta = {"generateName": f"{agent or old}-", "namespace": md.get("namespace"), "labels": labels}
    spec = copy.deepcopy(obj.get("spec") or {})
    if obj.get("kind") == "Workflow":
        spec.pop("shutdown", None)
        spec.pop("suspend", None)
    else:
        meta["generateName"] = f"{agent or old}-run-"
        spec.pop("selector", None)
        spec.pop("manualSelector", None)
        spec.pop("suspend", None)
        tmd = (spec.get("template") or {}).get("metadata") or {}
        for key in _JOB_CONTROLLER_LABELS:
            (tmd.get("labels") or {}).pop(key, None)
    body = {
        "apiVersion": obj.get("apiVersion") or res.api_version,
        "kind": obj.get("kind"),
        "metadata": meta,
        "spec": spec,
    }
    return _state({**client.create(res, str(md.get("namespace")), body), "kind": obj.get("kind")})


def run_selector(client: KubeClient, deployed: Deployed, run: str) -> tuple[str, str]:
    """(run name, label selector of its pods); ``@latest`` is the agent's newest run."""
    from agentctl.cost.rates import RateCard

    if run == "@latest":
        rows = list_runs(client, deployed, RateCard(), limit=1)
        if not rows:
            raise UsageError(
                f"{deployed.agent} has no runs yet",
                hint=f"start one with: agentctl run {deployed.agent}",
            )
        kind, name = rows[0].kind, rows[0].name
    else:
        _, obj = find_run(client, run, deployed.namespace)
        if _agent_of(obj) != deployed.agent:
            raise UsageError(
                f"{run} is a run of {_agent_of(obj) or 'another agent'}, not of {deployed.agent}"
            )
        kind, name = str(obj.get("kind")), run
    return name, pod_selector(kind, name)


def pod_selector(kind: str, name: str) -> str:
    """The label selector of a run's pods (Argo labels a Workflow's; Kubernetes a Job's)."""
    return f"workflows.argoproj.io/workflow={name}" if kind == "Workflow" else f"job-name={name}"
