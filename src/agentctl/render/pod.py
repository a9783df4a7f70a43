"""Hardened pod and container building blocks (restricted Pod Security profile).

Every container runs as uid/gid 10001, non-root, without privilege
escalation or capabilities, with the RuntimeDefault seccomp profile and a
read-only root filesystem; ``/tmp`` is a size-bounded emptyDir.

Resource limits: ``cpuLimit`` defaults to twice the cpu request (bursting for
model-response parsing, capped at the platform's ``limits.maxCPU`` and never
below the request); ``memoryLimit`` defaults to the memory request (memory is
not compressible: a pod that bursts past its request is the first one the
kernel kills, so we make the request the real budget). Ephemeral storage is
requested and limited at ``ephemeralStorage``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from agentctl.render.context import RUN_AS, TMP_DIR
from agentctl.spec import units

if TYPE_CHECKING:
    from agentctl.spec.models import Limits, Resources


def pod_security_context() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": RUN_AS,
        "runAsGroup": RUN_AS,
        "fsGroup": RUN_AS,
        "fsGroupChangePolicy": "OnRootMismatch",
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security_context() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": RUN_AS,
        "runAsGroup": RUN_AS,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def format_cpu(cores: Decimal) -> str:
    milli = int((cores * 1000).to_integral_value())
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def cpu_limit(res: Resources, limits: Limits) -> str:
    if res.cpu_limit is not None:
        return res.cpu_limit
    request = units.parse_quantity(res.cpu)
    cap = units.parse_quantity(limits.max_cpu)
    return format_cpu(max(request, min(request * 2, cap)))


def resources(res: Resources, limits: Limits) -> dict[str, Any]:
    return {
        "requests": {
            "cpu": res.cpu,
            "memory": res.memory,
            "ephemeral-storage": res.ephemeral_storage,
        },
        "limits": {
            "cpu": cpu_limit(res, limits),
            "memory": res.memory_limit or res.memory,
            "ephemeral-storage": res.ephemeral_storage,
        },
    }


API_TOKEN_VOLUME = "kube-api-access"
API_TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


def api_token_volume() -> dict[str, Any]:
    """What token automount would add, as an explicit projected volume for the agent container only.

    ServiceAccounts and pods keep ``automountServiceAccountToken: false``; an
    agent with a ``kubernetes`` tool gets a short-lived, audience-bound token
    at the standard path, which Kubernetes client libraries read as usual.
    """
    return {
        "name": API_TOKEN_VOLUME,
        "projected": {
            "defaultMode": 0o444,
            "sources": [
                {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}},
                {
                    "configMap": {
                        "name": "kube-root-ca.crt",
                        "items": [{"key": "ca.crt", "path": "ca.crt"}],
                    }
                },
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "path": "namespace",
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                            }
                        ]
                    }
                },
            ],
        },
    }


def api_token_mount() -> dict[str, Any]:
    return {"name": API_TOKEN_VOLUME, "mountPath": API_TOKEN_DIR, "readOnly": True}


def tmp_volume(res: Resources) -> dict[str, Any]:
    return {"name": "tmp", "emptyDir": {"sizeLimit": res.ephemeral_storage}}


def tmp_mount() -> dict[str, Any]:
    return {"name": "tmp", "mountPath": TMP_DIR}


def pull_policy(image: str) -> str:
    """Always for a tag (a moved tag is picked up, and the registry checks pull rights); IfNotPresent for a digest."""
    return "IfNotPresent" if "@" in image else "Always"


def spread(selector: dict[str, str]) -> list[dict[str, Any]]:
    """Spread replicas over nodes and zones (only where more than one replica can exist)."""
    return [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": dict(selector)},
        }
        for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
    ]


DEFAULT_GRACE_SECONDS = 30
# Scaffolded servers drain for 5 s (readiness false), then give runs in flight the run
# timeout plus 10 s to finish; 5 s more covers the exit itself.
GRACE_MARGIN_SECONDS = 5 + 10 + 5


def grace_period(timeout_seconds: int | None) -> int:
    """terminationGracePeriodSeconds for an agent whose runs last up to ``timeout_seconds``."""
    if timeout_seconds is None:
        return DEFAULT_GRACE_SECONDS
    return max(DEFAULT_GRACE_SECONDS, timeout_seconds + GRACE_MARGIN_SECONDS)


def pod_spec(
    *,
    service_account: str,
    automount: bool,
    containers: list[dict[str, Any]],
    volumes: list[dict[str, Any]],
    restart_policy: str | None = None,
    runtime_class: str | None = None,
    grace_seconds: int = DEFAULT_GRACE_SECONDS,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "serviceAccountName": service_account,
        "automountServiceAccountToken": automount,
        "enableServiceLinks": False,
        "securityContext": pod_security_context(),
        "terminationGracePeriodSeconds": grace_seconds,
    }
    if restart_policy:
        spec["restartPolicy"] = restart_policy
    if runtime_class:
        spec["runtimeClassName"] = runtime_class
    spec["containers"] = containers
    spec["volumes"] = volumes
    return spec


def http_probes(port_name: str, health_path: str, ready_path: str) -> dict[str, Any]:
    def probe(path: str, **extra: int) -> dict[str, Any]:
        return {"httpGet": {"path": path, "port": port_name}, **extra}

    return {
        "startupProbe": probe(health_path, periodSeconds=2, failureThreshold=60, timeoutSeconds=2),
        "livenessProbe": probe(health_path, periodSeconds=10, failureThreshold=3, timeoutSeconds=2),
        "readinessProbe": probe(ready_path, periodSeconds=5, failureThreshold=3, timeoutSeconds=2),
    }
