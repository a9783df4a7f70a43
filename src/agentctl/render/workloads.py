"""The agent's own workload: Deployment, StatefulSet, Job or CronJob, and what goes with it.

Replicas: when ``minReplicas < maxReplicas`` a HorizontalPodAutoscaler owns
the replica count and the workload leaves ``replicas`` unset (so re-applying
never fights the autoscaler); with ``minReplicas == maxReplicas`` the count is
fixed and there is no HPA; ``minReplicas: 0`` renders a scaled-to-zero
workload without HPA (HPA cannot scale to zero without an alpha feature gate).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from typing import TYPE_CHECKING, Any

from agentctl.render import pod
from agentctl.render.bundle import SpecPath
from agentctl.render.context import Ctx
from agentctl.render.env import downward_env, secret_env, secret_volumes
from agentctl.spec import units
from agentctl.spec.shapes import AgentType

if TYPE_CHECKING:
    from agentctl.spec.models import Scaling

CONTAINER = "agent"
PORT_NAME = "http"
JOB_BACKOFF_LIMIT = 2
JOB_TTL_SECONDS = 86400
DEFAULT_RUN_SECONDS = 3600
DEADLINE_GRACE_SECONDS = 60
MEMORY_VOLUME = "memory"


def config_hash(data: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def memory_claim_name(ctx: Ctx) -> str:
    return f"{ctx.name}-memory"


def agent_container(
    ctx: Ctx, *, config_name: str, args: list[str] | None = None
) -> tuple[dict[str, Any], dict[str, SpecPath]]:
    spec = ctx.spec
    origins: dict[str, SpecPath] = {"image": ("spec", "image")}
    c: dict[str, Any] = {
        "name": CONTAINER,
        "image": ctx.image(spec.image),
        "imagePullPolicy": pod.pull_policy(ctx.image(spec.image)),
    }
    if spec.command:
        c["command"] = list(spec.command)
        origins["command"] = ("spec", "command")
    final_args = args if args is not None else spec.args
    if final_args:
        c["args"] = list(final_args)
        origins["args"] = ("spec", "args")
    if spec.port is not None and ctx.type in (AgentType.service, AgentType.stateful):
        c["ports"] = [{"name": PORT_NAME, "containerPort": spec.port, "protocol": "TCP"}]
        origins["ports"] = ("spec", "port")
    c["envFrom"] = [{"configMapRef": {"name": config_name}}]
    c["env"] = [*downward_env(ctx), *secret_env(ctx)]
    origins["env"] = ("spec", "secrets")
    c["resources"] = pod.resources(spec.resources, ctx.platform.limits)
    origins["resources"] = ("spec", "resources")
    c["securityContext"] = pod.container_security_context()
    c["volumeMounts"] = agent_mounts(ctx)
    if spec.memory is not None:
        origins["volumeMounts"] = ("spec", "memory")
    if "ports" in c:
        c.update(pod.http_probes(PORT_NAME, spec.health_path, spec.ready_path))
        origins["livenessProbe"] = ("spec", "healthPath")
        origins["startupProbe"] = ("spec", "healthPath")
        origins["readinessProbe"] = ("spec", "readyPath")
    return c, origins


def agent_mounts(ctx: Ctx) -> list[dict[str, Any]]:
    """The agent container's mounts (a Deployment's, a Job's, every workflow step's)."""
    mounts = [pod.tmp_mount(), *secret_volumes(ctx)[1]]
    if ctx.needs_api:
        mounts.append(pod.api_token_mount())
    if ctx.spec.memory is not None:
        path = ctx.spec.memory.mount_path
        where = posixpath.normpath(path)
        taken = {posixpath.normpath(m["mountPath"]): m["name"] for m in mounts}
        if where == "/":
            problem = f"{path} is the container's root file system, not a place for a volume"
        elif where in taken:
            problem = (
                f"{path} is where agentctl mounts volume {taken[where]} (the API server "
                "refuses two mounts at one path)"
            )
        else:
            problem = None
        if problem:
            raise ctx.error(
                ("spec", "memory", "mountPath"),
                problem,
                hint="mount the memory elsewhere, e.g. /data",
            )
        mounts.append({"name": MEMORY_VOLUME, "mountPath": path})
    return mounts


def agent_volumes(ctx: Ctx, *, claim: bool) -> list[dict[str, Any]]:
    volumes = [pod.tmp_volume(ctx.spec.resources), *secret_volumes(ctx)[0]]
    if ctx.needs_api:
        volumes.append(pod.api_token_volume())
    if claim and ctx.spec.memory is not None:
        volumes.append(
            {"name": MEMORY_VOLUME, "persistentVolumeClaim": {"claimName": memory_claim_name(ctx)}}
        )
    return volumes


def _timeout_seconds(ctx: Ctx) -> int | None:
    timeout = ctx.spec.guardrails.timeout
    return None if timeout is None else int(units.parse_duration(timeout))


def pod_template(
    ctx: Ctx, cfg_hash: str, *, restart_policy: str | None, claim: bool
) -> tuple[dict[str, Any], dict[str, SpecPath]]:
    container, c_origins = agent_container(ctx, config_name=f"{ctx.name}-config")
    sandbox = ctx.sandbox
    spec = pod.pod_spec(
        service_account=ctx.name,
        automount=False,
        containers=[container],
        volumes=agent_volumes(ctx, claim=claim),
        restart_policy=restart_policy,
        runtime_class=sandbox[0] if sandbox else None,
        grace_seconds=pod.grace_period(_timeout_seconds(ctx)),
    )
    labels = ctx.labels()
    wi = ctx.platform.workload_identity
    if wi is not None and wi.provider == "azure":  # the Entra Workload ID webhook injects tokens
        labels["azure.workload.identity/use"] = "true"
    template = {
        "metadata": {
            "labels": labels,
            "annotations": {**ctx.agent.metadata.annotations, "agentctl.dev/config-hash": cfg_hash},
        },
        "spec": spec,
    }
    origins = {f"spec.containers[0].{k}": v for k, v in c_origins.items()}
    if ctx.needs_api:
        origins["spec.volumes"] = api_tool_origin(ctx)
    if sandbox:
        origins["spec.runtimeClassName"] = sandbox[1]
    return template, origins


def spread_replicas(template: dict[str, Any], scaling: Scaling, selector: dict[str, str]) -> None:
    """Spread the pods over zones and nodes when more than one replica can exist."""
    if scaling.max_replicas > 1:
        template["spec"]["topologySpreadConstraints"] = pod.spread(selector)


def _prefixed(prefix: str, origins: dict[str, SpecPath]) -> dict[str, SpecPath]:
    return {f"{prefix}.{k}": v for k, v in origins.items()}


def scaling_of(ctx: Ctx) -> Scaling:
    return ctx.spec.effective_scaling()


def _replicas_fields(scaling: Scaling) -> dict[str, Any]:
    if scaling.min_replicas == 0:
        return {"replicas": 0}
    if scaling.min_replicas == scaling.max_replicas:
        return {"replicas": scaling.min_replicas}
    return {}


def render_service(ctx: Ctx, cfg_hash: str) -> None:
    template, origins = pod_template(ctx, cfg_hash, restart_policy=None, claim=False)
    scaling = scaling_of(ctx)
    spread_replicas(template, scaling, ctx.selector())
    spec: dict[str, Any] = {
        **_replicas_fields(scaling),
        "revisionHistoryLimit": 5,
        "selector": {"matchLabels": ctx.selector()},
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
        },
        "template": template,
    }
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": ctx.meta(ctx.name),
        "spec": spec,
    }
    field_origins = {
        **_prefixed("spec.template", origins),
        "spec.replicas": ("spec", "scaling", "minReplicas"),
    }
    ctx.add(obj, "workloads", ("spec", "type"), field_origins)
    render_service_object(ctx, headless=False)
    render_autoscaling(ctx, "Deployment", scaling)


def render_stateful(ctx: Ctx, cfg_hash: str) -> None:
    memory = ctx.spec.memory
    assert memory is not None  # the spec model requires memory for stateful agents
    # shared memory (ReadWriteMany): every replica mounts the one claim; otherwise one
    # replica and its claim from the template
    template, origins = pod_template(ctx, cfg_hash, restart_policy=None, claim=memory.shared)
    scaling = scaling_of(ctx)
    spread_replicas(template, scaling, ctx.selector())
    claim_spec: dict[str, Any] = {
        "accessModes": [memory.access_mode],
        "resources": {"requests": {"storage": memory.size}},
    }
    if memory.storage_class:
        claim_spec["storageClassName"] = memory.storage_class
    claim = {"metadata": {"name": MEMORY_VOLUME, "labels": ctx.stable_labels()}, "spec": claim_spec}
    spec: dict[str, Any] = {
        **_replicas_fields(scaling),
        "serviceName": ctx.name,
        "podManagementPolicy": "OrderedReady",
        "revisionHistoryLimit": 5,
        "selector": {"matchLabels": ctx.selector()},
        "updateStrategy": {"type": "RollingUpdate"},
        "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
        "template": template,
    }
    if not memory.shared:
        spec["volumeClaimTemplates"] = [claim]
    obj = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": ctx.meta(ctx.name),
        "spec": spec,
    }
    field_origins = {
        **_prefixed("spec.template", origins),
        "spec.replicas": ("spec", "scaling", "minReplicas"),
    }
    if not memory.shared:
        field_origins["spec.volumeClaimTemplates"] = ("spec", "memory")
    ctx.add(obj, "workloads", ("spec", "type"), field_origins)
    render_service_object(ctx, headless=True)
    render_autoscaling(ctx, "StatefulSet", scaling)


def render_service_object(ctx: Ctx, *, headless: bool) -> None:
    port = ctx.spec.port
    assert port is not None  # service and stateful agents declare a port (spec model)
    spec: dict[str, Any] = {"type": "ClusterIP"}
    if headless:
        spec["clusterIP"] = "None"
    spec["selector"] = ctx.selector()
    spec["ports"] = [{"name": PORT_NAME, "port": port, "targetPort": PORT_NAME, "protocol": "TCP"}]
    obj = {"apiVersion": "v1", "kind": "Service", "metadata": ctx.meta(ctx.name), "spec": spec}
    ctx.add(obj, "services", ("spec", "port"), {"spec.ports": ("spec", "port")})


def render_autoscaling(ctx: Ctx, kind: str, scaling: Scaling) -> None:
    origin: SpecPath = ("spec", "scaling") if ctx.spec.scaling is not None else ("spec", "type")
    if 0 < scaling.min_replicas < scaling.max_replicas:
        hpa = {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": ctx.meta(ctx.name),
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": ctx.name},
                "minReplicas": scaling.min_replicas,
                "maxReplicas": scaling.max_replicas,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {
                                "type": "Utilization",
                                "averageUtilization": scaling.target_cpu_utilization,
                            },
                        },
                    }
                ],
            },
        }
        ctx.add(hpa, "workloads", origin)
    if scaling.max_replicas > 1:  # with one replica a PDB only blocks node drains
        pdb = {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": ctx.meta(ctx.name),
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": ctx.selector()}},
        }
        ctx.add(pdb, "workloads", origin)


def run_deadline_seconds(ctx: Ctx) -> int:
    timeout = ctx.spec.guardrails.timeout
    return (
        units.parse_duration(timeout) if timeout else DEFAULT_RUN_SECONDS
    ) + DEADLINE_GRACE_SECONDS


def render_memory_claim(ctx: Ctx) -> None:
    memory = ctx.spec.memory
    if memory is None:
        return
    spec: dict[str, Any] = {
        "accessModes": [memory.access_mode],
        "resources": {"requests": {"storage": memory.size}},
    }
    if memory.storage_class:
        spec["storageClassName"] = memory.storage_class
    obj = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": ctx.meta(memory_claim_name(ctx)),
        "spec": spec,
    }
    ctx.add(obj, "storage", ("spec", "memory"), {"spec.resources": ("spec", "memory", "size")})


def render_job(ctx: Ctx, cfg_hash: str) -> None:
    template, origins = pod_template(ctx, cfg_hash, restart_policy="Never", claim=True)
    job_spec: dict[str, Any] = {
        "backoffLimit": JOB_BACKOFF_LIMIT,
        "activeDeadlineSeconds": run_deadline_seconds(ctx),
        "ttlSecondsAfterFinished": JOB_TTL_SECONDS,
        "template": template,
    }
    deadline_origin: SpecPath = ("spec", "guardrails", "timeout")
    if ctx.spec.schedule is None:
        obj = {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": ctx.meta(ctx.name),
            "spec": job_spec,
        }
        field_origins = {
            **_prefixed("spec.template", origins),
            "spec.activeDeadlineSeconds": deadline_origin,
        }
        ctx.add(obj, "workloads", ("spec", "type"), field_origins)
        return
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": ctx.meta(ctx.name),
        "spec": {
            "schedule": ctx.spec.schedule,
            "timeZone": "Etc/UTC",
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": 600,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {"metadata": {"labels": ctx.labels()}, "spec": job_spec},
        },
    }
    field_origins = {
        **_prefixed("spec.jobTemplate.spec.template", origins),
        "spec.schedule": ("spec", "schedule"),
        "spec.jobTemplate.spec.activeDeadlineSeconds": deadline_origin,
    }
    ctx.add(cron, "workloads", ("spec", "schedule"), field_origins)


def api_tool_origin(ctx: Ctx) -> SpecPath:
    """The first ``kubernetes`` tool: why the agent container gets an API token."""
    return next(
        (("spec", "tools", i) for i, t in enumerate(ctx.spec.tools) if t.kind == "kubernetes"),
        ("spec", "tools"),
    )
