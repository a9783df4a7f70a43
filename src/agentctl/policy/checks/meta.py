"""Labels, tracing, and the platform's own completeness."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from agentctl.policy.model import Hit, Obj, Unit
from agentctl.policy.registry import check
from agentctl.policy.workloads import (
    WORKLOAD_KINDS,
    ByNamespace,
    as_dict,
    as_list,
    get,
    pods,
    unit_pods,
)

TEAM_LABELS = ("agentctl.dev/team", "team", "owner")
AGENT_LABELS = ("agentctl.dev/agent", "app.kubernetes.io/name", "app")
OTEL_VARS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES")


@check(
    "META-001",
    "Ownership and platform labels",
    "low",
    kinds=("*",),
    description=(
        "Every object carries a team label (agentctl.dev/team, team or owner), an agent label (agentctl.dev/agent, "
        "app.kubernetes.io/name or app) and every label platform.yaml `requiredLabels` names; pod templates carry the required labels too."
    ),
    rationale="Labels are how cost is allocated, alerts are routed and an orphaned object is traced back to a team.",
    remediation="Set metadata.team and metadata.labels in agent.yaml (agentctl build puts them on every object and pod).",
    example="""
metadata:
  name: research-assistant
  team: search
  labels: {cost-center: cc-1234}
""",
    tags=("cost", "operations"),
)
def labels(unit: Unit) -> Iterator[Hit]:
    required = list(unit.platform.platform.required_labels)
    if unit.agent is not None:
        spec_labels = unit.agent.agent.metadata.labels
        absent = [k for k in required if k not in spec_labels]
        if absent:
            yield Hit(
                f"agent labels lack {', '.join(absent)} (required by the platform)",
                path=("metadata", "labels"),
            )
            required = [k for k in required if k in spec_labels]
    for obj in unit.objects:  # plain loops: this runs for every object of the input
        present = obj.labels
        missing = []
        for k in TEAM_LABELS:
            if present.get(k):
                break
        else:
            missing.append("a team label")
        for k in AGENT_LABELS:
            if present.get(k):
                break
        else:
            missing.append("an agent label")
        for k in required:
            if not present.get(k):
                missing.append(k)
        if missing:
            yield Hit(f"missing {', '.join(missing)}", obj, ("metadata", "labels"))
        for view in pods(obj):
            if not view.labels_paths:
                continue
            pod_labels = view.labels()
            absent = [k for k in required if not pod_labels.get(k)]
            if absent:
                yield Hit(f"pod template lacks {', '.join(absent)}", obj, view.labels_paths[-1])


def _config_env(unit: Unit, obj: Obj, container: dict[str, Any]) -> dict[str, str]:
    """Variables a container gets from ConfigMaps in the bundle (envFrom)."""
    out: dict[str, str] = {}
    index = unit.cache.get("config-maps-by-name")
    if index is None:  # indexed once per unit: every container of every workload asks
        index = unit.cache["config-maps-by-name"] = ByNamespace(
            (cm.namespace, cm.name, cm) for cm in unit.of_kind("ConfigMap")
        )
    # a ConfigMap's variables under a prefix, as text: made once per unit (every
    # container of the agent reads the same ConfigMap; the unit keeps it alive)
    converted = unit.cache.setdefault("config-map-env", {})
    for src in as_list(container.get("envFrom")):
        name = as_dict(as_dict(src).get("configMapRef")).get("name")
        prefix = str(as_dict(src).get("prefix") or "")
        for cm in index.find(obj.namespace, name) if isinstance(name, str) else []:
            variables = converted.get((id(cm), prefix))
            if variables is None:
                variables = converted[(id(cm), prefix)] = {
                    prefix + str(k): str(v) for k, v in as_dict(cm.data.get("data")).items()
                }
            out.update(variables)
    return out


@check(
    "OBS-001",
    "Tracing is configured",
    "medium",
    kinds=WORKLOAD_KINDS,
    description=(
        "Every container gets OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (with "
        "gen_ai.agent.name), directly or from a ConfigMap in the bundle."
    ),
    rationale="Without traces there is no `agentctl trace`, no cost per run and no evaluation: an agent you cannot observe you cannot gate.",
    remediation="Let agentctl build render the OTel environment, or set the three variables (see docs/reference/runtime-contract.md).",
    example="""
env:
  - {name: OTEL_EXPORTER_OTLP_ENDPOINT, value: "http://otel-collector.observability:4318"}
  - {name: OTEL_SERVICE_NAME, value: research-assistant}
  - {name: OTEL_RESOURCE_ATTRIBUTES, value: "gen_ai.agent.name=research-assistant,gen_ai.agent.version=1.4.2"}
""",
    tags=("observability",),
)
def tracing(unit: Unit) -> Iterator[Hit]:
    for view in unit_pods(unit):
        for c in view.containers:
            if c.init:
                continue
            env = _config_env(unit, view.obj, c.data)
            for e in as_list(c.data.get("env")):
                e = as_dict(e)
                env[str(e.get("name"))] = str(
                    e.get("value") or ("<from>" if e.get("valueFrom") else "")
                )
            missing = [v for v in OTEL_VARS if not env.get(v)]
            path = (*c.path, "env")
            if missing:
                yield Hit(
                    f"container {c.name!r} has no {', '.join(missing)}",
                    view.obj,
                    path,
                    container=c.name,
                )
            elif (
                "gen_ai.agent.name=" not in env["OTEL_RESOURCE_ATTRIBUTES"]
                and env["OTEL_RESOURCE_ATTRIBUTES"] != "<from>"
            ):
                yield Hit(
                    f"container {c.name!r}: OTEL_RESOURCE_ATTRIBUTES lacks gen_ai.agent.name",
                    view.obj,
                    path,
                    container=c.name,
                )


@check(
    "OBS-002",
    "Prompts and outputs stay out of traces",
    "high",
    description=(
        "spec.observability.captureContent is false unless platform.yaml sets telemetry.allowCaptureContent: true."
    ),
    rationale=(
        "With captureContent the runtime puts every prompt, tool argument and model output in span attributes: "
        "personal data and secrets users paste then live in the trace backend (and `agentctl trace`'s local store) "
        "for as long as it keeps spans, readable by everyone who can read traces."
    ),
    remediation=(
        "Set observability.captureContent: false, or have the platform team allow it "
        "(telemetry.allowCaptureContent) once the trace backend's retention and access fit the data."
    ),
    example="""
observability:
  sampleRatio: 1.0
  captureContent: false
""",
    tags=("privacy", "observability"),
)
def content_capture(unit: Unit) -> Iterator[Hit]:
    if unit.agent is None or not unit.agent.agent.spec.observability.capture_content:
        return
    if unit.platform.platform.telemetry.allow_capture_content:
        return
    source = (
        "the built-in platform defaults do" if unit.platform.is_default else "platform.yaml does"
    )
    yield Hit(
        f"captureContent puts prompts and outputs in spans; {source} not allow it (telemetry.allowCaptureContent)",
        path=("spec", "observability", "captureContent"),
    )


@check(
    "POL-004",
    "The platform defines allowlists",
    "low",
    description="platform.yaml lists allowed registries (`registries`) and, for agents with a model, allowed models (`models`).",
    rationale="Without allowlists IMG-002 and GRD-001 accept anything; agentctl's built-in defaults deliberately have none.",
    remediation="Write a platform.yaml with `registries` and `models` (see docs/reference/platform-yaml.md) and pass it with --platform.",
    example="""
registries: [ghcr.io/acme/]
models:
  - {provider: openai, name: "gpt-4.1-*"}
""",
    tags=("governance",),
)
def allowlists(unit: Unit) -> Iterator[Hit]:
    platform = unit.platform.platform
    source = (
        "the built-in platform defaults have" if unit.platform.is_default else "platform.yaml has"
    )
    anchor = _anchor(unit)
    if not platform.registries and anchor is not None:
        yield Hit(
            f"{source} no registry allowlist: images from any registry pass IMG-002", **anchor
        )
    if unit.agent is not None and unit.agent.agent.spec.model is not None and not platform.models:
        yield Hit(
            f"{source} no model allowlist: any model passes GRD-001", path=("spec", "model", "name")
        )


def _anchor(unit: Unit) -> dict[str, Any] | None:
    """Where the hit goes: spec.image, or a manifest set's first image (None: no images)."""
    if unit.agent is not None:
        return {"path": ("spec", "image")}
    for view in unit_pods(unit):
        for c in view.containers:
            if get(c.data, ("image",)):
                return {"obj": view.obj, "path": (*c.path, "image")}
    return None
