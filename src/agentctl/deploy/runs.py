"""``run``: start a run of a job or workflow agent and follow it node by node.

A workflow agent runs as an Argo ``Workflow`` referencing its
``WorkflowTemplate`` (``spec.workflowTemplateRef``) with ``-p`` values as
arguments; a job agent runs as a ``Job`` made from its CronJob's job template
(as ``kubectl create job --from=cronjob/...`` does) or from its Job's template,
with ``-p`` values in ``AGENT_PARAMS`` (JSON).
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentctl.deploy import answers
from agentctl.deploy import errors as kerr
from agentctl.deploy.client import KubeClient
from agentctl.deploy.diagnose import diagnose
from agentctl.deploy.discovery import ResourceInfo, well_known
from agentctl.deploy.locate import Deployed
from agentctl.deploy.objects import AGENT_LABEL, MANAGED_BY, RUN_LABEL, TEAM_LABEL
from agentctl.deploy.status import run_phase
from agentctl.errors import UsageError, WaitError

DONE = {"Succeeded", "Failed", "Error"}
PARAMS_ENV = "AGENT_PARAMS"
_CONTROLLER_LABELS = (
    "controller-uid",
    "job-name",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-name",
)


@dataclass
class RunNode:
    id: str
    name: str
    type: str
    phase: str
    started: str | None = None
    finished: str | None = None
    message: str = ""
    children: list[str] = field(default_factory=list)

    def seconds(self) -> float | None:
        return _span(self.started, self.finished)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "phase": self.phase,
            "startedAt": self.started,
            "finishedAt": self.finished,
            "message": self.message,
            "children": self.children,
        }


@dataclass
class RunState:
    kind: str  # Workflow | Job
    name: str
    namespace: str
    agent: str
    phase: str = "Pending"
    message: str = ""
    started: str | None = None
    finished: str | None = None
    nodes: dict[str, RunNode] = field(default_factory=dict)
    root: str | None = None
    resource_version: str | None = None

    @property
    def done(self) -> bool:
        return self.phase in DONE

    @property
    def failed(self) -> bool:
        return self.phase in ("Failed", "Error")

    def failing_nodes(self) -> list[RunNode]:
        bad = [
            n
            for n in self.nodes.values()
            if n.phase in ("Failed", "Error") and n.type in ("Pod", "Container")
        ]
        return sorted(bad, key=lambda n: n.finished or "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "namespace": self.namespace,
            "agent": self.agent,
            "phase": self.phase,
            "message": self.message,
            "startedAt": self.started,
            "finishedAt": self.finished,
            "seconds": _span(self.started, self.finished),
            "nodes": [n.to_dict() for n in self.nodes.values()],
        }


class RunFailed(WaitError):
    def __init__(self, message: str, details: list[str], state: RunState) -> None:
        super().__init__(message)
        self.details = details
        self.state = state

    def lines(self) -> list[str]:
        return [self.message, *self.details]

    def to_dict(self) -> dict[str, object]:
        out = super().to_dict()
        out["details"] = self.details
        out["run"] = self.state.to_dict()
        return out


def _span(start: Any, end: Any) -> float | None:
    import datetime as dt

    a = answers.timestamp(start)
    b = answers.timestamp(end) if end else dt.datetime.now(dt.UTC)
    if a is None or b is None:
        return None
    return max(0.0, (b - a).total_seconds())


def from_workflow(obj: dict[str, Any], agent: str) -> RunState:
    md, st = obj.get("metadata") or {}, obj.get("status") or {}
    state = RunState(
        "Workflow",
        str(md.get("name")),
        str(md.get("namespace")),
        agent,
        str(st.get("phase") or "Pending"),
    )
    state.message = str(st.get("message") or "")
    state.started, state.finished = (
        answers.text(st.get("startedAt")),
        answers.text(st.get("finishedAt")),
    )
    state.resource_version = md.get("resourceVersion")
    for nid, n in answers.mapping(st.get("nodes")).items():
        if not isinstance(n, dict):
            continue
        state.nodes[nid] = RunNode(
            nid,
            str(n.get("displayName") or n.get("name") or nid),
            str(n.get("type") or ""),
            str(n.get("phase") or "Pending"),
            answers.text(n.get("startedAt")),
            answers.text(n.get("finishedAt")),
            str(n.get("message") or ""),
            answers.texts(n.get("children")),
        )
    state.root = state.name if state.name in state.nodes else next(iter(state.nodes), None)
    return state


def from_job(job: dict[str, Any], pods: list[dict[str, Any]], agent: str) -> RunState:
    md, st = job.get("metadata") or {}, job.get("status") or {}
    state = RunState("Job", str(md.get("name")), str(md.get("namespace")), agent, run_phase(job))
    state.started = answers.text(st.get("startTime"))
    state.finished = answers.text(st.get("completionTime"))
    state.resource_version = md.get("resourceVersion")
    failed = next(
        (
            c
            for c in answers.objects(st.get("conditions"))
            if c.get("type") == "Failed" and c.get("status") == "True"
        ),
        None,
    )
    if failed:
        state.message = f"{failed.get('reason', '')}: {failed.get('message', '')}".strip(": ")
        state.finished = state.finished or answers.text(failed.get("lastTransitionTime"))
    root = RunNode(
        state.name, state.name, "Job", state.phase, state.started, state.finished, state.message
    )
    state.nodes[root.id], state.root = root, root.id
    for p in sorted(
        pods, key=lambda p: str((p.get("metadata") or {}).get("creationTimestamp") or "")
    ):
        pmd, pst = p.get("metadata") or {}, p.get("status") or {}
        name = str(pmd.get("name"))
        statuses = answers.objects(pst.get("containerStatuses"))
        terminated = [
            answers.mapping(answers.mapping(cs.get("state")).get("terminated")) for cs in statuses
        ]
        ends = [t["finishedAt"] for t in terminated if isinstance(t.get("finishedAt"), str)]
        msg = ""
        for cs in statuses:
            waiting = answers.mapping(answers.mapping(cs.get("state")).get("waiting"))
            term = answers.mapping(answers.mapping(cs.get("state")).get("terminated"))
            if waiting.get("reason"):
                msg = str(waiting["reason"])
            elif term and term.get("exitCode") not in (0, None):
                msg = f"exit code {term.get('exitCode')} ({term.get('reason', 'Error')})"
        phase = str(pst.get("phase") or "Pending")
        state.nodes[name] = RunNode(
            name,
            name,
            "Pod",
            "Failed" if phase == "Failed" else phase,
            answers.text(pst.get("startTime")),
            max(ends) if ends else None,
            msg,
        )
        root.children.append(name)
    return state


def _template_of(
    client: KubeClient, res: ResourceInfo | None, ns: str, name: str
) -> dict[str, Any]:
    if res is None:
        raise kerr.NotServed(
            f"the cluster no longer serves the kind of {name}'s template",
            [],
            hint="install Argo Workflows (https://argo-workflows.readthedocs.io/en/latest/installation/)",
        )
    obj = client.get(res, ns, name)
    if obj is None:
        raise kerr.NotFound(
            f"{res.kind}/{name} in namespace {ns} is gone", hint="deploy the agent again"
        )
    return obj


TASK_PARAMETERS = ("task", "topic", "question", "input")
TASK_ENV = "AGENT_TASK"


def start(
    client: KubeClient, deployed: Deployed, params: dict[str, str], task: str | None = None
) -> RunState:
    """Start a run; ``task`` (agentctl invoke) goes where agentctl dev --invoke puts it.

    A workflow gets it as its first declared task-like parameter (task, topic,
    question, input) unless -p gives that one; a job as AGENT_TASK.
    """
    inv, ns = deployed.inventory, deployed.namespace
    refs = inv.refs()
    rmap = client.resources
    labels = {MANAGED_BY: "agentctl", AGENT_LABEL: inv.agent, RUN_LABEL: "manual"}
    if inv.team:
        labels[TEAM_LABEL] = inv.team
    wt = next((r for r in refs if r.kind == "WorkflowTemplate"), None)
    if wt is not None:
        template = _template_of(
            client, rmap.for_kind("argoproj.io", "WorkflowTemplate"), ns, wt.name
        )
        declared = [
            p.get("name")
            for p in ((template.get("spec") or {}).get("arguments") or {}).get("parameters") or []
        ]
        slot = next((n for n in TASK_PARAMETERS if n in declared), None)
        if task is not None and slot is not None and slot not in params:
            params = {**params, slot: task}
        unknown = sorted(set(params) - set(declared))
        if unknown:
            raise UsageError(
                f"-p {', '.join(unknown)}: not a parameter of {inv.agent} (parameters: {', '.join(str(d) for d in declared) or 'none'})"
            )
        wf: dict[str, Any] = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {"generateName": f"{inv.agent}-", "namespace": ns, "labels": labels},
            # the template's podMetadata labels the pods with the agent (for logs); nothing to add
            "spec": {"workflowTemplateRef": {"name": wt.name}},
        }
        if params:
            wf["spec"]["arguments"] = {
                "parameters": [{"name": k, "value": v} for k, v in params.items()]
            }
        res = rmap.for_kind("argoproj.io", "Workflow")
        if res is None:
            raise kerr.NotServed(
                "the cluster does not serve argoproj.io Workflow", [], hint="install Argo Workflows"
            )
        return from_workflow(client.create(res, ns, wf), inv.agent)
    job_res = rmap.for_kind("batch", "Job") or ResourceInfo("batch", "v1", "Job", "jobs", True)
    cron = next((r for r in refs if r.kind == "CronJob"), None)
    job = next((r for r in refs if r.kind == "Job"), None)
    meta: dict[str, Any] = {"generateName": f"{inv.agent}-run-", "namespace": ns, "labels": labels}
    if cron is not None:
        cj = _template_of(client, rmap.for_kind("batch", "CronJob"), ns, cron.name)
        jt = answers.mapping(answers.mapping(cj.get("spec")).get("jobTemplate"))
        spec = copy.deepcopy(answers.mapping(jt.get("spec")))
        meta["labels"] = {
            **answers.mapping(answers.mapping(jt.get("metadata")).get("labels")),
            **labels,
        }
        meta["annotations"] = {"cronjob.kubernetes.io/instantiate": "manual"}
        cmd = cj.get("metadata") or {}
        meta["ownerReferences"] = [
            {
                "apiVersion": cj.get("apiVersion", "batch/v1"),
                "kind": "CronJob",
                "name": cmd.get("name"),
                "uid": cmd.get("uid"),
                "controller": True,
            }
        ]
    elif job is not None:
        spec = copy.deepcopy(
            answers.mapping(_template_of(client, job_res, ns, job.name).get("spec"))
        )
        spec.pop("selector", None)
        spec.pop("manualSelector", None)
        tmeta = answers.mapping(answers.mapping(spec.get("template")).get("metadata"))
        tlabels = answers.mapping(tmeta.get("labels"))
        for key in _CONTROLLER_LABELS:
            tlabels.pop(key, None)
    else:
        raise UsageError(
            f"{inv.agent} is a {inv.type or 'long-running'} agent: it is not run, it runs",
            hint="`agentctl run` starts job and workflow agents; see `agentctl status` and `agentctl logs` for this one",
        )
    extra = {PARAMS_ENV: json.dumps(params, sort_keys=True)} if params else {}
    if task is not None:
        extra[TASK_ENV] = task
    for c in answers.objects(
        answers.mapping(answers.mapping(spec.get("template")).get("spec")).get("containers")
    ):
        if extra:
            c["env"] = [e for e in answers.objects(c.get("env")) if e.get("name") not in extra] + [
                {"name": k, "value": v} for k, v in extra.items()
            ]
    body = {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": spec}
    return from_job(client.create(job_res, ns, body), [], inv.agent)


def watch(
    client: KubeClient,
    run: RunState,
    *,
    on_update: Callable[[RunState], None] | None = None,
    timeout: float | None = None,
    poll: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> RunState:
    """Follow a run until it ends; RunFailed (exit 4) when it fails, WaitError when it outlives ``timeout``."""
    deadline = None if timeout is None else clock() + timeout
    update = on_update or (lambda _s: None)
    state = run
    update(state)
    if run.kind == "Workflow":
        res = client.resources.for_kind("argoproj.io", "Workflow")
        assert res is not None
        rv = run.resource_version
        while not state.done:
            remaining = None if deadline is None else deadline - clock()
            if remaining is not None and remaining <= 0:
                break
            window = int(min(60, remaining)) if remaining is not None else 60
            for event in client.watch(
                res,
                run.namespace,
                fields=f"metadata.name={run.name}",
                resource_version=rv,
                timeout_seconds=max(1, window),
            ):
                if deadline is not None and clock() >= deadline:
                    break  # a server that keeps the watch going past timeoutSeconds
                obj = event.get("object") or {}
                if event.get("type") == "ERROR":  # e.g. 410 Gone: our resourceVersion is too old
                    rv = None
                    break
                rv = (obj.get("metadata") or {}).get("resourceVersion") or rv
                if event.get("type") == "BOOKMARK":
                    continue
                if event.get("type") == "DELETED":
                    raise RunFailed(f"Workflow {run.name} was deleted while running", [], state)
                state = from_workflow(obj, run.agent)
                update(state)
                if state.done:
                    break
            if not state.done:
                live = client.get(res, run.namespace, run.name)
                if live is None:
                    raise RunFailed(f"Workflow {run.name} was deleted while running", [], state)
                state = from_workflow(live, run.agent)
                rv = state.resource_version
                update(state)
    else:
        job_res = client.resources.for_kind("batch", "Job") or well_known("", "Pod")
        pods_res = well_known("", "Pod")
        while True:

            def fetch(i: int) -> Any:
                if i == 0:
                    return client.get(job_res, run.namespace, run.name)
                return client.list(pods_res, run.namespace, labels=f"job-name={run.name}")[0]

            job, pods = client.map(fetch, [0, 1])
            if job is None:
                raise RunFailed(f"Job {run.name} was deleted while running", [], state)
            state = from_job(job, pods, run.agent)
            update(state)
            if state.done or (deadline is not None and clock() >= deadline):
                break
            sleep(poll if deadline is None else max(0.0, min(poll, deadline - clock())))
        if state.failed:
            raise RunFailed(
                f"Job {run.name} failed: {state.message or 'see the pods below'}",
                diagnose(client, run.namespace, [job], pods),
                state,
            )
    if not state.done:
        raise WaitError(
            f"{run.kind} {run.name} still {state.phase.lower()} after {timeout:g}s",
            hint=(
                f"it keeps running; follow it with `agentctl logs {run.agent} -n {run.namespace}"
                " --follow`"
            ),
        )
    if state.failed:
        bad = state.failing_nodes()
        if bad:
            first = bad[0]
            msg = (
                f"{run.kind} {run.name} failed at step {first.name}: {first.message or first.phase}"
            )
            details = [f"step {n.name}: {n.phase}: {n.message}" for n in bad[1:]]
        else:
            msg, details = (
                f"{run.kind} {run.name} {state.phase.lower()}: {state.message or 'no message'}",
                [],
            )
        if state.message and bad:
            details.append(f"workflow: {state.message}")
        raise RunFailed(msg, details, state)
    return state
