"""Declared ``service`` tools: their own hardened Deployment, Service, ServiceAccount and policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentctl.render import pod
from agentctl.render.context import Ctx
from agentctl.render.env import downward_env, otel_data, service_tool_name
from agentctl.render.network import render_tool_policy
from agentctl.render.rbac import service_account
from agentctl.spec import fast

if TYPE_CHECKING:
    from agentctl.spec.models import ServiceTool

TOOL_PORT_NAME = "http"


def _tool_env(ctx: Ctx, tool: ServiceTool, name: str) -> list[dict[str, Any]]:
    """Downward API and OTel variables (service name ``<agent>-<tool>``), then the tool's own env."""
    env = downward_env(ctx, tool.name)
    env.extend({"name": k, "value": v} for k, (v, _) in otel_data(ctx, name).items())
    env.extend({"name": k, "value": v} for k, v in tool.env.items())
    return env


def render_service_tool(ctx: Ctx, index: int, tool: ServiceTool) -> None:
    name = service_tool_name(ctx, tool.name)
    base = ("spec", "tools", index)
    for key in tool.env:
        ctx.check_env_name((*base, "env", key), key)
        if key.startswith("OTEL_") or key.startswith("K8S_"):
            raise ctx.error(
                (*base, "env", key), f"{key} is set by agentctl for tool services; remove it"
            )
    service_account(
        ctx, name, automount=False, origin=base, component="tool", app=tool.name, instance=name
    )
    res = tool.resources or fast.spec_object("Resources", {})
    container: dict[str, Any] = {
        "name": tool.name,
        "image": tool.image,
        "imagePullPolicy": pod.pull_policy(tool.image),
    }
    if tool.command:
        container["command"] = list(tool.command)
    if tool.args:
        container["args"] = list(tool.args)
    container["ports"] = [{"name": TOOL_PORT_NAME, "containerPort": tool.port, "protocol": "TCP"}]
    container["env"] = _tool_env(ctx, tool, name)
    container["resources"] = pod.resources(res, ctx.platform.limits)
    container["securityContext"] = pod.container_security_context()
    container["volumeMounts"] = [pod.tmp_mount()]
    container.update(pod.http_probes(TOOL_PORT_NAME, tool.health_path, tool.health_path))
    spec = pod.pod_spec(
        service_account=name,
        automount=False,
        containers=[container],
        volumes=[pod.tmp_volume(res)],
        runtime_class=tool.sandbox,
    )
    scaling = tool.scaling
    if scaling is not None and scaling.max_replicas > 1:
        spec["topologySpreadConstraints"] = pod.spread(ctx.selector(app=tool.name, instance=name))
    dep_spec: dict[str, Any] = {}
    if scaling is None or scaling.min_replicas == scaling.max_replicas or scaling.min_replicas == 0:
        dep_spec["replicas"] = scaling.min_replicas if scaling is not None else 1
    dep_spec.update(
        {
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": ctx.selector(app=tool.name, instance=name)},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
            },
            "template": {
                "metadata": {"labels": ctx.labels(component="tool", app=tool.name, instance=name)},
                "spec": spec,
            },
        }
    )
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": ctx.meta(name, component="tool", app=tool.name, instance=name),
        "spec": dep_spec,
    }
    prefix = "spec.template.spec.containers[0]"
    ctx.add(
        deployment,
        "workloads",
        base,
        {
            f"{prefix}.image": (*base, "image"),
            f"{prefix}.resources": (*base, "resources"),
            f"{prefix}.env": (*base, "env"),
            f"{prefix}.ports": (*base, "port"),
            "spec.replicas": (*base, "scaling"),
            "spec.template.spec.runtimeClassName": (*base, "sandbox"),
        },
    )
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": ctx.meta(name, component="tool", app=tool.name, instance=name),
        "spec": {
            "type": "ClusterIP",
            "selector": ctx.selector(app=tool.name, instance=name),
            "ports": [
                {
                    "name": TOOL_PORT_NAME,
                    "port": tool.port,
                    "targetPort": TOOL_PORT_NAME,
                    "protocol": "TCP",
                }
            ],
        },
    }
    ctx.add(service, "services", base, {"spec.ports": (*base, "port")})
    if scaling is not None and 0 < scaling.min_replicas < scaling.max_replicas:
        hpa = {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": ctx.meta(name, component="tool", app=tool.name, instance=name),
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
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
        ctx.add(hpa, "workloads", (*base, "scaling"))
    render_tool_policy(ctx, index, tool)
