"""Contract scenarios: the same requests against the API fake and a real kube-apiserver.

Each scenario sets up objects in a fresh namespace with agentctl's own client, then makes the
request under test and returns what the server answered: status, reason and the fields it
named. ``nox -s cluster`` records the real server's answers in ``recorded/`` (committed);
the ordinary suite replays every scenario against the fake and requires the same answer, so
the fake cannot drift from Kubernetes unnoticed.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agentctl.deploy import errors as kerr
from agentctl.deploy.client import KubeClient
from agentctl.deploy.discovery import ResourceInfo, well_known

RECORDED = Path(__file__).resolve().parent / "recorded"
STS = ResourceInfo("apps", "v1", "StatefulSet", "statefulsets", True, frozenset())
JOB = ResourceInfo("batch", "v1", "Job", "jobs", True, frozenset())
CM = well_known("", "ConfigMap")
POD = well_known("", "Pod")
NS = well_known("", "Namespace")

RESTRICTED_CONTAINER = {
    "name": "agent",
    "image": "registry.example/agent:1",
    "securityContext": {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    },
}


def namespace(client: KubeClient, name: str, labels: dict[str, str] | None = None) -> None:
    client.apply(
        NS,
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "labels": labels or {}},
        },
    )


def statefulset(ns: str, *, size: str = "1Gi", service: str = "memory") -> dict[str, Any]:
    labels = {"app": "contract"}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "contract", "namespace": ns},
        "spec": {
            "replicas": 0,
            "serviceName": service,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [RESTRICTED_CONTAINER]},
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "memory"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": size}},
                    },
                }
            ],
        },
    }


def job(ns: str, image: str) -> dict[str, Any]:
    container = {**RESTRICTED_CONTAINER, "image": image}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "contract", "namespace": ns},
        "spec": {
            "suspend": True,
            "template": {"spec": {"restartPolicy": "Never", "containers": [container]}},
        },
    }


def sts_volume_claim_templates(client: KubeClient, ns: str) -> None:
    namespace(client, ns)
    client.apply(STS, statefulset(ns))
    client.apply(STS, statefulset(ns, size="5Gi"))


def sts_service_name(client: KubeClient, ns: str) -> None:
    namespace(client, ns)
    client.apply(STS, statefulset(ns))
    client.apply(STS, statefulset(ns, service="other"))


def job_template(client: KubeClient, ns: str) -> None:
    namespace(client, ns)
    client.apply(JOB, job(ns, "registry.example/agent:1"))
    client.apply(JOB, job(ns, "registry.example/agent:2"))


def pod_security_restricted(client: KubeClient, ns: str) -> None:
    namespace(client, ns, {"pod-security.kubernetes.io/enforce": "restricted"})
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "contract", "namespace": ns},
        "spec": {"containers": [{"name": "agent", "image": "registry.example/agent:1"}]},
    }
    client.create(POD, ns, pod)


def pod_security_restricted_compliant(client: KubeClient, ns: str) -> None:
    namespace(client, ns, {"pod-security.kubernetes.io/enforce": "restricted"})
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "contract", "namespace": ns},
        "spec": {"containers": [copy.deepcopy(RESTRICTED_CONTAINER)]},
    }
    client.create(POD, ns, pod)


def ssa_conflict(client: KubeClient, ns: str) -> None:
    namespace(client, ns)
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "contract", "namespace": ns},
        "data": {"k": "a"},
    }
    client.apply(CM, cm, manager="someone-else")
    client.apply(CM, {**cm, "data": {"k": "b"}})


SCENARIOS: dict[str, Callable[[KubeClient, str], None]] = {
    "sts-volume-claim-templates-immutable": sts_volume_claim_templates,
    "sts-service-name-immutable": sts_service_name,
    "job-template-immutable": job_template,
    "pod-security-restricted-rejects": pod_security_restricted,
    "pod-security-restricted-admits": pod_security_restricted_compliant,
    "ssa-conflict-with-another-manager": ssa_conflict,
}


# What kube-apiserver answers each scenario's last request (its validation and admission code):
# checked against the real server by tests/cluster/test_cluster_contract.py.
EXPECTED: dict[str, tuple[int, str]] = {
    "sts-volume-claim-templates-immutable": (422, "Invalid"),
    "sts-service-name-immutable": (422, "Invalid"),
    "job-template-immutable": (422, "Invalid"),
    "pod-security-restricted-rejects": (403, "Forbidden"),
    "pod-security-restricted-admits": (200, ""),
    "ssa-conflict-with-another-manager": (409, "Conflict"),
}


def recordings() -> list[str]:
    return sorted(p.stem for p in RECORDED.glob("*.json"))


def answer(client: KubeClient, scenario: str, ns: str) -> dict[str, Any]:
    """What the server answered the scenario's last request (status 200 when it succeeded)."""
    try:
        SCENARIOS[scenario](client, ns)
    except kerr.ApiFailure as err:
        return {
            "status": err.status,
            "reason": err.reason,
            "lines": [normalise(line, ns) for line in err.lines()],
        }
    return {"status": 200, "reason": "", "lines": []}


def normalise(message: str, ns: str) -> str:
    """The server's message without what differs per run (namespace, generated names)."""
    text = message.replace(ns, "NAMESPACE")
    text = re.sub(r'[Uu]ser "[^"]*"', 'user "USER"', text)
    text = re.sub(
        r"Invalid value: .*?: field is immutable", "Invalid value: VALUE: field is immutable", text
    )
    return re.sub(r"\s+", " ", text).strip()


def recorded(scenario: str) -> dict[str, Any] | None:
    path = RECORDED / f"{scenario}.json"
    return json.loads(path.read_text()) if path.exists() else None


def record(scenario: str, got: dict[str, Any], server_version: str) -> None:
    RECORDED.mkdir(exist_ok=True)
    doc = {"scenario": scenario, "server": server_version, **got}
    (RECORDED / f"{scenario}.json").write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
