"""Spec builders and small assertions shared by the render tests."""

from __future__ import annotations

import copy
import ipaddress
from pathlib import Path
from typing import Any

CRD_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "crds"

BASE_AGENT: dict[str, Any] = {
    "apiVersion": "agentctl.dev/v1alpha1",
    "kind": "Agent",
    "metadata": {
        "name": "demo",
        "team": "search",
        "version": "1.0.0",
        "labels": {"cost-center": "cc-1"},
    },
    "spec": {
        "type": "service",
        "image": "ghcr.io/acme/demo:1.0.0",
        "port": 8080,
        "model": {
            "provider": "openai",
            "name": "gpt-4.1-mini-2025-04-14",
            "apiKeySecret": "llm-key",
        },
        "secrets": [{"name": "llm-key", "store": "vault", "remoteRef": {"key": "openai"}}],
        "guardrails": {
            "budget": {"perRunUSD": 1, "dailyUSD": 10},
            "maxSteps": 10,
            "maxToolCalls": 20,
            "timeout": "5m",
        },
    },
}

WORKFLOW = {
    "steps": [
        {"name": "plan", "args": ["plan", "{{workflow.parameters.topic}}"]},
        {
            "name": "research",
            "dependsOn": ["plan"],
            "forEach": {"from": "plan", "parallelism": 4},
            "retry": {"limit": 3, "backoff": "30s", "maxBackoff": "5m"},
            "timeout": "20m",
        },
        {"name": "write", "dependsOn": ["research", "plan"], "timeout": "30m"},
    ],
    "parameters": {"topic": "kubernetes"},
    "deadline": "6h",
}


def agent_doc(name: str = "demo", **spec: Any) -> dict[str, Any]:
    """The base agent with spec keys replaced (None removes a key)."""
    doc = copy.deepcopy(BASE_AGENT)
    doc["metadata"]["name"] = name
    for key, value in spec.items():
        if value is None:
            doc["spec"].pop(key, None)
        else:
            doc["spec"][key] = value
    return doc


def kinds(bundle: Any) -> list[str]:
    return [o.kind for o in bundle.objects]


def one(bundle: Any, kind: str, name: str | None = None) -> dict[str, Any]:
    found = bundle.find(kind, name)
    assert len(found) == 1, f"expected one {kind} {name or ''}, got {[o.name for o in found]}"
    return found[0].obj


def pod_specs(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """Every pod spec inside a workload object (Argo templates excluded)."""
    kind = obj["kind"]
    spec = obj.get("spec", {})
    if kind in ("Deployment", "StatefulSet", "Job"):
        return [spec["template"]["spec"]]
    if kind == "CronJob":
        return [spec["jobTemplate"]["spec"]["template"]["spec"]]
    return []


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """Every container of a workload, Argo step containers included."""
    out = [c for p in pod_specs(obj) for c in p["containers"]]
    if obj["kind"] in ("WorkflowTemplate", "CronWorkflow"):
        spec = obj["spec"].get("workflowSpec", obj["spec"])
        out.extend(t["container"] for t in spec["templates"] if "container" in t)
    return out


STANDARD_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
    "agentctl.dev/agent",
    "agentctl.dev/team",
)
RESTRICTED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
    "image",
}


def _pods(obj: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]]:
    """(pod-level securityContext, pod labels, containers) of every pod an object creates."""
    out = []
    for spec in pod_specs(obj):
        tmpl = obj["spec"].get("template") or obj["spec"]["jobTemplate"]["spec"]["template"]
        out.append((spec, tmpl["metadata"]["labels"], spec["containers"]))
    if obj["kind"] in ("WorkflowTemplate", "CronWorkflow"):
        spec = obj["spec"].get("workflowSpec", obj["spec"])
        out.append(
            (
                spec,
                spec["podMetadata"]["labels"],
                [t["container"] for t in spec["templates"] if "container" in t],
            )
        )
    return out


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def check_invariants(bundle: Any) -> None:
    """What every rendered bundle must satisfy, whatever the spec (the hardening contract)."""
    agent = bundle.loaded.agent
    policies = [o.obj for o in bundle.objects if o.kind == "NetworkPolicy"]
    sa_names = {o.name for o in bundle.objects if o.kind == "ServiceAccount"}
    assert any(
        p["spec"]["podSelector"] == {"matchLabels": {"agentctl.dev/agent": agent.metadata.name}}
        and "ingress" not in p["spec"]
        and "egress" not in p["spec"]
        for p in policies
    ), "a default-deny policy for the agent's pods"
    for o in bundle.objects:
        labels = o.obj["metadata"]["labels"]
        for key in (*STANDARD_LABELS, *agent.metadata.labels):
            assert key in labels, f"{o.ref} lacks label {key}"
        assert labels["agentctl.dev/agent"] == agent.metadata.name
        if o.kind not in ("Namespace", "ClusterRole", "ClusterRoleBinding"):
            assert o.namespace == bundle.namespace, o.ref
        if o.kind == "Secret":
            assert "data" not in o.obj and "stringData" not in o.obj, (
                "no secret values in manifests"
            )
        for pod, pod_labels, ctrs in _pods(o.obj):
            ctx = pod["securityContext"]
            assert ctx["runAsNonRoot"] is True and ctx["runAsUser"] != 0 and ctx["runAsGroup"] != 0
            assert ctx["seccompProfile"] == {"type": "RuntimeDefault"}
            assert (
                pod["serviceAccountName"] not in ("", "default")
                and pod["serviceAccountName"] in sa_names
            )
            for key in ("hostNetwork", "hostPID", "hostIPC"):
                assert not pod.get(key)
            for vol in pod.get("volumes", []):
                assert set(vol) - {"name"} <= RESTRICTED_VOLUMES, vol
            for c in ctrs:
                sc = c["securityContext"]
                assert sc["allowPrivilegeEscalation"] is False
                assert sc["capabilities"] == {"drop": ["ALL"]}
                assert sc["readOnlyRootFilesystem"] is True and sc["runAsNonRoot"] is True
                assert sc.get("privileged") is False
                for part in ("requests", "limits"):
                    assert {"cpu", "memory", "ephemeral-storage"} <= set(c["resources"][part]), c[
                        "name"
                    ]
                assert any(m["mountPath"] == "/tmp" for m in c["volumeMounts"])
            covering = [
                p
                for p in policies
                if _selects(p["spec"]["podSelector"].get("matchLabels", {}), pod_labels)
                and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
            ]
            assert covering, f"pods of {o.ref} are not covered by a NetworkPolicy"
    for p in policies:
        for rule in p["spec"].get("egress", []):
            assert rule.get("to"), f"{p['metadata']['name']}: egress rule without `to`"
            assert rule.get("ports"), f"{p['metadata']['name']}: egress rule on every port"
            for peer in rule["to"]:
                block = peer.get("ipBlock")
                if block and block["cidr"] in ("0.0.0.0/0", "::/0"):
                    assert "169.254.169.254/32" in block.get(
                        "except", []
                    ) or "169.254.0.0/16" in block.get("except", [])
                if block:
                    assert not block["cidr"].startswith("169.254."), "never the metadata address"
            if any(port["port"] == 53 for port in rule["ports"]):
                # DNS only to kube-dns (NET-003): another rule on port 53 reaches one exact
                # destination (selectors, an IP literal, cidrs no broader than a /16), never
                # the internet or a private range.
                for peer in rule["to"]:
                    block = peer.get("ipBlock")
                    assert block is None or (
                        ipaddress.ip_network(block["cidr"]).prefixlen >= 16
                        and not block.get("except")
                    ), f"{p['metadata']['name']}: DNS only to kube-dns, not {block}"
    secrets = {o.name for o in bundle.objects if o.kind == "ExternalSecret"}
    assert secrets == {f"{agent.metadata.name}-{s.name}" for s in agent.spec.secrets}
