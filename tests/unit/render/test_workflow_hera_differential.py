"""Workflow agents' Argo objects, as agentctl writes them, against the same objects built with Hera.

agentctl writes the WorkflowTemplate and CronWorkflow as plain dicts; Hera
(Argo's Python SDK, ``hera_reference``) builds them through Argo's models. For
every variant of a workflow agent the two must be equal, key order included
(the files written are compared byte for byte by the golden tests).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hera_reference import workflow_objects
from render_helpers import WORKFLOW, agent_doc

from agentctl.render import workloads
from agentctl.render.context import Ctx

KUBE_TOOL = {
    "name": "pods",
    "kind": "kubernetes",
    "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
}
SANDBOXED = {
    "name": "run_python",
    "kind": "function",
    "executesCode": True,
    "sandbox": "gvisor",
    "reason": "runs analyst snippets",
}


def _workflow(**changes: Any) -> dict[str, Any]:
    wf = copy.deepcopy(WORKFLOW)
    wf.update(changes)
    return wf


def _steps(*steps: dict[str, Any]) -> dict[str, Any]:
    return _workflow(steps=list(steps))


VARIANTS: dict[str, dict[str, Any]] = {
    "budgeted, fan-out, retries with a cap": {},
    "scheduled": {"schedule": "0 */6 * * *"},
    "no per-run budget": {
        "guardrails": {"budget": {"dailyUSD": 10}, "maxSteps": 5, "timeout": "5m"}
    },
    "no budget at all, no parameters": {
        "guardrails": {"maxSteps": 5, "timeout": "5m"},
        "workflow": _workflow(parameters={}),
    },
    "daily spend ledger in the cluster (API token)": {
        "guardrails": {"budget": {"perRunUSD": 1, "dailyUSD": 10, "dailyLedger": "cluster"}}
    },
    "kubernetes tool (API token)": {"tools": [KUBE_TOOL]},
    "sandboxed function tool (pod spec patch)": {"tools": [SANDBOXED]},
    "memory volume": {
        "memory": {"size": "2Gi", "mountPath": "/data", "accessMode": "ReadWriteMany"}
    },
    "secrets as files and env": {
        "secrets": [
            {"name": "llm-key", "store": "vault", "remoteRef": {"key": "openai"}},
            {"name": "cert", "store": "vault", "remoteRef": {"key": "tls"}, "mount": "file"},
            {
                "name": "db",
                "store": "vault",
                "remoteRef": {"key": "db"},
                "mount": "env",
                "env": "DB_PASSWORD",
            },
        ]
    },
    "steps with their own image, command, resources, env and timeouts": {
        "command": ["python", "-m", "agent"],
        "workflow": _steps(
            {
                "name": "fetch",
                "image": "ghcr.io/acme/fetch@sha256:" + "a" * 64,
                "command": ["fetch"],
                "args": ["--all"],
                "env": {"MODE": "fast", "LEVEL": "2"},
                "resources": {"cpu": "1", "memory": "1Gi", "memoryLimit": "2Gi"},
                "timeout": "1h",
            },
            {"name": "sum", "dependsOn": ["fetch"], "retry": {"limit": 0}},
            {
                "name": "each",
                "dependsOn": ["fetch", "sum"],
                "forEach": {"from": "fetch"},
                "retry": {"limit": 5, "backoff": "1m", "factor": 3, "maxBackoff": "10m"},
            },
            {"name": "last", "dependsOn": ["each", "sum"]},
        ),
    },
    "two roots, deadline, parallelism and TTL": {
        "workflow": _workflow(
            steps=[
                {"name": "a"},
                {"name": "b"},
                {"name": "c", "dependsOn": ["a", "b"], "forEach": {"from": "a", "parallelism": 2}},
            ],
            deadline="30m",
            parallelism=3,
            ttlAfterFinished="2h",
        )
    },
}


def _both(bundle: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The bundle's workflow objects, and Hera's for the same agent and config hash."""
    ours = [o.obj for o in bundle.objects if o.group == "workflows"]
    config = bundle.find("ConfigMap", f"{bundle.name}-config")[0].obj
    ctx = Ctx(bundle.loaded, bundle.platform, bundle.namespace, bundle.kube_version)
    return ours, workflow_objects(ctx, workloads.config_hash(config["data"]))


def _annotated(doc: dict[str, Any]) -> dict[str, Any]:
    doc["metadata"]["annotations"] = {"owner": "search-team", "a.example.com/z": "1"}
    return doc


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("annotated", [False, True], ids=["plain", "annotated"])
def test_workflow_objects_equal_heras(render, variant: str, annotated: bool) -> None:
    spec = {"type": "workflow", "port": None, "workflow": WORKFLOW, **VARIANTS[variant]}
    doc = agent_doc("wf", **spec)
    if annotated:
        doc = _annotated(doc)
    ours, theirs = _both(render(doc))
    assert [o["kind"] for o in ours] == [o["kind"] for o in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert a == b
        assert json.dumps(a) == json.dumps(b)  # the same key order, so the same YAML


def test_the_example_workflow_agent_equals_heras(tmp_path) -> None:
    from pathlib import Path

    from agentctl.render import render_agent
    from agentctl.spec.loader import load_agent, load_platform

    examples = Path(__file__).resolve().parents[3] / "examples"
    bundle = render_agent(
        load_agent(examples / "deep-research"), load_platform(examples / "platform.yaml")
    )
    ours, theirs = _both(bundle)
    assert json.dumps(ours) == json.dumps(theirs)


def test_the_cron_workflow_does_not_share_containers_with_the_template(render) -> None:
    bundle = render(
        agent_doc("wf", type="workflow", port=None, workflow=WORKFLOW, schedule="@daily")
    )
    template, cron = (o.obj for o in bundle.objects if o.group == "workflows")
    assert template["spec"] == cron["spec"]["workflowSpec"]
    template["spec"]["templates"][0]["name"] = "changed"
    assert cron["spec"]["workflowSpec"]["templates"][0]["name"] == "main"
