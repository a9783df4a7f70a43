"""Requests, limits and platform maximums."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

from agentctl.policy.model import Hit, Unit
from agentctl.policy.registry import check
from agentctl.policy.workloads import WORKLOAD_KINDS, as_dict, get, unit_pods
from agentctl.spec import units


@check(
    "RES-001",
    "CPU and memory requests and limits",
    "medium",
    kinds=WORKLOAD_KINDS,
    description="Every container sets cpu and memory requests and limits.",
    rationale=(
        "Without requests the scheduler cannot place the pod fairly and cost allocation has nothing to go on; "
        "without limits one runaway agent loop starves its neighbours."
    ),
    remediation="Set resources.requests and resources.limits for cpu and memory (agent.yaml: spec.resources).",
    example="""
resources:
  requests: {cpu: 250m, memory: 512Mi}
  limits: {cpu: "1", memory: 512Mi}
""",
    tags=("reliability", "cost"),
)
def requests_limits(unit: Unit) -> Iterator[Hit]:
    for view in unit_pods(unit):
        for c in view.containers:
            res = as_dict(c.data.get("resources"))
            missing = [
                f"{section}.{name}"
                for section in ("requests", "limits")
                for name in ("cpu", "memory")
                if as_dict(res.get(section)).get(name) in (None, "")
            ]
            if missing:
                section = missing[0].split(".")[0]
                path = (*c.path, "resources", section) if res else (*c.path, "resources")
                yield Hit(
                    f"container {c.name!r} has no {', '.join(missing)}",
                    view.obj,
                    path,
                    container=c.name,
                )


def _over(value: object, maximum: str, convert: Callable[[str], float | int]) -> bool:
    text = str(value)
    if len(text) > 64:  # no quantity: not kept
        return _over_text.__wrapped__(text, maximum, convert)
    return _over_text(text, maximum, convert)


@functools.lru_cache(maxsize=4096)
def _over_text(text: str, maximum: str, convert: Callable[[str], float | int]) -> bool:
    """Worked out once per value: the containers of a manifest set repeat their limits."""
    try:
        return convert(text) > convert(maximum)
    except (ValueError, TypeError):
        return False


@check(
    "RES-002",
    "Resources within platform maximums",
    "medium",
    kinds=(*WORKLOAD_KINDS, "HorizontalPodAutoscaler"),
    description=(
        "CPU and memory limits are within the platform's maxCPU/maxMemory, replicas within maxReplicas, "
        "and every container bounds its ephemeral storage."
    ),
    rationale="Platform maximums keep one agent from claiming a node; unbounded ephemeral storage lets a log or cache loop evict neighbours.",
    remediation="Lower the limits (agent.yaml: spec.resources) or ask the platform team to raise limits in platform.yaml; set limits.ephemeral-storage.",
    example="""
resources:
  limits: {cpu: "2", memory: 4Gi, ephemeral-storage: 1Gi}
""",
    tags=("reliability", "cost"),
)
def platform_maximums(unit: Unit) -> Iterator[Hit]:
    limits = unit.platform.platform.limits
    for view in unit_pods(unit):
        for c in view.containers:
            lim = as_dict(as_dict(c.data.get("resources")).get("limits"))
            base = (*c.path, "resources", "limits")
            if "cpu" in lim and _over(lim["cpu"], limits.max_cpu, units.cpu_cores):
                msg = f"container {c.name!r} cpu limit {lim['cpu']} exceeds the platform maximum {limits.max_cpu}"
                yield Hit(msg, view.obj, (*base, "cpu"), container=c.name)
            if "memory" in lim and _over(lim["memory"], limits.max_memory, units.memory_bytes):
                msg = f"container {c.name!r} memory limit {lim['memory']} exceeds the platform maximum {limits.max_memory}"
                yield Hit(msg, view.obj, (*base, "memory"), container=c.name)
            if lim.get("ephemeral-storage") in (None, ""):
                yield Hit(
                    f"container {c.name!r} does not bound ephemeral storage",
                    view.obj,
                    base,
                    container=c.name,
                )
    for obj in unit.of_kind("Deployment", "StatefulSet", "ReplicaSet"):
        replicas = get(obj.data, ("spec", "replicas"))
        if isinstance(replicas, int) and replicas > limits.max_replicas:
            yield Hit(
                f"{replicas} replicas exceed the platform maximum {limits.max_replicas}",
                obj,
                ("spec", "replicas"),
            )
    for obj in unit.of_kind("HorizontalPodAutoscaler"):
        replicas = get(obj.data, ("spec", "maxReplicas"))
        if isinstance(replicas, int) and replicas > limits.max_replicas:
            yield Hit(
                f"maxReplicas {replicas} exceeds the platform maximum {limits.max_replicas}",
                obj,
                ("spec", "maxReplicas"),
            )
