"""``runs``: the recent runs of an agent, and stopping or resubmitting one.

A run is an Argo ``Workflow`` (workflow agents) or a ``Job`` (job agents)
labelled with the agent. Stopping uses server-side apply under its own field
manager, so it never fights deploy over fields: a Workflow gets
``spec.shutdown: Stop`` (Argo runs no new step and runs the exit handlers,
as ``argo stop`` does), a Job ``spec.suspend: true`` (its pods are ended).
Resubmitting creates a new run from the old one's template and arguments,
as ``argo resubmit`` does; the new run is labelled with the one it repeats.

Retrying continues a Failed or Error Workflow in place, as ``argo retry`` does
(without argo-server): the pods of the failed steps are deleted, and one JSON
merge patch, conditional on the Workflow's resourceVersion, drops the failed
step nodes from ``status.nodes``, sets the failed Steps/DAG nodes that held them
back to Running, and the Workflow to Running; Argo's controller then runs the
failed steps again and keeps the succeeded ones. A Job cannot be resumed, so
retrying a failed Job starts a new Job from its template, as resubmit does.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from agentctl.deploy import answers
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
        return answers.text(st.get("startedAt")), answers.text(st.get("finishedAt"))
    started = st.get("startTime") or (obj.get("metadata") or {}).get("creationTimestamp")
    return answers.text(started), answers.text(st.get("completionTime"))


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


# Argo's node types that hold other nodes: a failed one is set running again, not dropped
_CONTAINER_NODES = frozenset({"Steps", "StepGroup", "DAG", "TaskGroup"})
_ENDED_NODES = frozenset({"Succeeded", "Skipped", "Failed", "Error", "Omitted"})
_COMPLETED_LABELS = (
    "workflows.argoproj.io/completed",
    "workflows.argoproj.io/workflow-archiving-status",
)


def retry_plan(obj: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(merge patch, ids of the pod nodes to run again) for retrying a Failed Workflow.

    Succeeded and skipped steps are kept; failed, errored and omitted ones are
    dropped (their Steps/DAG parents set Running again) and so is the exit
    handler, which runs again when the Workflow ends.
    """
    md = obj.get("metadata") or {}
    name = str(md.get("name"))
    st = obj.get("status") or {}
    phase = run_phase(obj)
    if phase not in ("Failed", "Error"):
        raise UsageError(
            f"Workflow {name} is {phase}: only a Failed or Error run can be retried",
            hint=f"start it again from the start with: agentctl runs resubmit {name}",
        )
    nodes = st.get("nodes") or {}
    if st.get("offloadNodeStatusVersion") and not nodes:
        raise UsageError(
            f"Workflow {name} keeps its step status in Argo's database (offloaded), "
            "which only argo-server can read",
            hint=f"retry it with argo retry {name}, or start it again: agentctl runs resubmit {name}",
        )
    on_exit = f"{name}.onExit"
    changes: dict[str, Any] = {}
    pods: list[str] = []
    for node_id, node in sorted(nodes.items()):
        node_phase, node_type = node.get("phase"), node.get("type")
        exit_handler = str(node.get("name", "")).startswith(on_exit)
        if node_phase not in _ENDED_NODES:
            raise UsageError(
                f"Workflow {name} cannot be retried: its step {node.get('displayName') or node_id} "
                f"is still {node_phase or 'pending'}"
            )
        if node_phase in ("Succeeded", "Skipped") and not exit_handler:
            continue
        if (
            node_phase not in ("Succeeded", "Skipped")
            and not exit_handler
            and (node_type in _CONTAINER_NODES)
        ):
            changes[node_id] = {"phase": "Running", "message": None, "finishedAt": None}
            continue
        changes[node_id] = None
        if node_type == "Pod":
            pods.append(node_id)
    spec_patch: dict[str, Any] = {"shutdown": None}
    if (obj.get("spec") or {}).get("activeDeadlineSeconds") == 0:
        spec_patch["activeDeadlineSeconds"] = None  # a terminated run: lift the zero deadline
    patch = {
        "metadata": {
            "resourceVersion": md.get("resourceVersion"),
            "labels": {
                **dict.fromkeys(_COMPLETED_LABELS),
                "workflows.argoproj.io/phase": "Running",
            },
        },
        "spec": spec_patch,
        "status": {
            "phase": "Running",
            "message": None,
            "finishedAt": None,
            "nodes": changes,
        },
    }
    return patch, pods


def retry(client: KubeClient, res: ResourceInfo, obj: dict[str, Any]) -> RunState:
    """Run a failed run's failed steps again (Workflow), or a failed Job again as a new Job."""
    md = obj.get("metadata") or {}
    name, ns = str(md.get("name")), str(md.get("namespace"))
    if obj.get("kind") != "Workflow":
        if run_phase(obj) not in ("Failed", "Error"):
            raise UsageError(
                f"Job {name} is {run_phase(obj)}: only a failed run can be retried",
                hint=f"start it again with: agentctl runs resubmit {name}",
            )
        return resubmit(client, res, obj)
    patch, pod_nodes = retry_plan(obj)
    if pod_nodes:
        pod_res = client.resources.for_kind("", "Pod")
        if pod_res is not None:
            wanted = set(pod_nodes)
            pods, _ = client.list(pod_res, ns, labels=pod_selector("Workflow", name))
            for pod in pods:
                pmd = pod.get("metadata") or {}
                node_id = (pmd.get("annotations") or {}).get("workflows.argoproj.io/node-id")
                if node_id in wanted or pmd.get("name") in wanted:
                    client.delete(pod_res, ns, str(pmd.get("name")))
    updated = client.merge_patch(res, ns, name, patch, manager=CONTROL_MANAGER)
    return _state({**updated, "kind": "Workflow"})


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
