"""``status``: deployed agents with type, version, ready/desired replicas, last run and age."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from agentctl.deploy import errors as kerr
from agentctl.deploy.answers import count, objects, text, timestamp
from agentctl.deploy.client import KubeClient
from agentctl.deploy.locate import Deployed, find_agent, find_inventories
from agentctl.deploy.objects import AGENT_LABEL
from agentctl.deploy.wait import assess

WORKFLOW_TEMPLATE_LABEL = "workflows.argoproj.io/workflow-template"
CRON_WORKFLOW_LABEL = "workflows.argoproj.io/cron-workflow"


@dataclass
class AgentStatus:
    name: str
    namespace: str
    team: str
    type: str
    version: str
    ready: int | None = None
    desired: int | None = None
    rollout: str = ""  # the main workload's state ("1/1 ready", "0/1 ready - ImagePullBackOff")
    healthy: bool | None = None
    last_run: str | None = None  # name of the latest Job/Workflow run
    last_result: str | None = None  # Succeeded | Failed | Running ...
    last_run_at: str | None = None
    created: str | None = None
    objects: int = 0

    def age_seconds(self, now: dt.datetime | None = None) -> float | None:
        return _age(self.created, now)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "namespace": self.namespace,
            "team": self.team,
            "type": self.type,
            "version": self.version,
            "ready": self.ready,
            "desired": self.desired,
            "rollout": self.rollout,
            "healthy": self.healthy,
            "lastRun": {
                "name": self.last_run,
                "result": self.last_result,
                "startedAt": self.last_run_at,
            }
            if self.last_run
            else None,
            "created": self.created,
            "ageSeconds": None if self.age_seconds() is None else int(self.age_seconds() or 0),
            "objects": self.objects,
        }


def _age(ts: Any, now: dt.datetime | None = None) -> float | None:
    """Seconds since an RFC 3339 timestamp of an answer (None for what is none)."""
    when = timestamp(ts)
    if when is None:
        return None
    return ((now or dt.datetime.now(dt.UTC)) - when).total_seconds()


def _latest(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    return max(
        items,
        key=lambda o: str((o.get("metadata") or {}).get("creationTimestamp") or ""),
        default=None,
    )


def _one(client: KubeClient, d: Deployed) -> AgentStatus:
    inv = d.inventory
    cm_md = d.configmap.get("metadata") or {}
    st = AgentStatus(
        inv.agent,
        inv.namespace,
        inv.team,
        inv.type,
        inv.version,
        created=cm_md.get("creationTimestamp"),
    )
    refs = inv.refs()
    st.objects = len(refs)
    rmap = client.resources
    main = next(
        (r for r in refs if r.name == inv.agent and r.kind in ("StatefulSet", "Deployment")), None
    )
    if main is not None:
        res = rmap.for_kind(main.group, main.kind)
        obj = client.get(res, main.namespace, main.name) if res else None
        if obj is not None:
            state = assess(obj, main)
            st.desired = count((obj.get("spec") or {}).get("replicas", 1))
            st.ready = count((obj.get("status") or {}).get("readyReplicas"))
            st.rollout, st.healthy = state.message, state.ready
        else:
            st.rollout, st.healthy = "missing", False
    if (refs and all(r.kind == "PersistentVolumeClaim" for r in refs)) or not refs:
        st.rollout, st.healthy = "deleted, memory kept", None
    runs: list[dict[str, Any]] = []
    kinds = {r.kind for r in refs}
    if kinds & {"WorkflowTemplate", "CronWorkflow"}:
        res = rmap.for_kind("argoproj.io", "Workflow")
        if res is not None:
            for selector in (
                f"{AGENT_LABEL}={inv.agent}",
                f"{WORKFLOW_TEMPLATE_LABEL}={inv.agent}",
                f"{CRON_WORKFLOW_LABEL}={inv.agent}",
            ):
                runs.extend(client.list(res, inv.namespace, labels=selector)[0])
    if kinds & {"Job", "CronJob"}:
        res = rmap.for_kind("batch", "Job")
        if res is not None:
            runs.extend(client.list(res, inv.namespace, labels=f"{AGENT_LABEL}={inv.agent}")[0])
    last = _latest(list({(r.get("metadata") or {}).get("name"): r for r in runs}.values()))
    if last is not None:
        st.last_run = str((last.get("metadata") or {}).get("name"))
        st.last_result = run_phase(last)
        st.last_run_at = text(
            (last.get("status") or {}).get("startedAt")
            or (last.get("status") or {}).get("startTime")
            or (last.get("metadata") or {}).get("creationTimestamp")
        )
        if main is None:
            st.healthy = st.last_result not in ("Failed", "Error")
    return st


def run_phase(obj: dict[str, Any]) -> str:
    """Phase of a Workflow (its own) or a Job (from its conditions)."""
    status = obj.get("status") or {}
    if obj.get("kind") == "Workflow":
        return str(status.get("phase") or "Pending")
    for cond in objects(status.get("conditions")):
        if cond.get("status") == "True" and cond.get("type") in ("Complete", "Failed"):
            return "Succeeded" if cond["type"] == "Complete" else "Failed"
    return "Running" if status.get("active") else "Pending"


def status(client: KubeClient, namespace: str | None, name: str | None = None) -> list[AgentStatus]:
    """Every agentctl-deployed agent in ``namespace`` (all namespaces when None), or the one called ``name``."""
    if not client.server_version:
        client.discover()
    found = (
        [find_agent(client, name, namespace)] if name else find_inventories(client, namespace, None)
    )
    if not found:
        return []
    try:
        return client.map(lambda d: _one(client, d), found)
    except kerr.ManyFailures as err:
        raise err.failures[0] from None
