"""``workflow`` agents as an Argo WorkflowTemplate (+ CronWorkflow), written as plain objects.

The objects are laid out as Argo's generated models lay them out (see
:func:`argo_object`), which is what Hera built here before: the test suite
renders workflows both ways and requires identical objects, key order
included. Not importing Hera saves a workflow agent's deploy about 0.4 s of CPU.

Shape of the rendered workflow:

- ``main``: a DAG with one task per step, ``dependencies`` from ``dependsOn``.
- ``step-<name>``: a container template per step (the agent's image and
  hardening), writing its JSON output to ``AGENT_STEP_OUTPUT``, read back as
  the output parameter ``result``.
- ``fanout-<name>`` for ``forEach`` steps: a DAG template with
  ``parallelism`` running ``step-<name>`` once per item of the upstream
  step's ``result`` (``withParam``); its own ``result`` is Argo's aggregate of
  the items' results (a JSON list).

Every step gets ``AGENT_STEP_INPUTS``: a JSON object of its direct
dependencies' results, assembled by Argo from task output parameters, and
``AGENT_RUN_ID`` (the workflow's uid), from which the runtime makes every step
one trace of the run.

With ``perRunUSD`` set, the run's budget is handed forward through the DAG:
each step's input parameter ``budget`` (``AGENT_RUN_BUDGET``) carries the
``spend`` reports of its dependencies (``AGENT_STEP_SPEND_OUTPUT``, read back
as the output parameter ``spend``) and how many steps share each one; a step
without dependencies gets ``perRunUSD`` shared by all such steps; a fan-out
passes its ``budget`` to every item, with the source step's report to split
it by. The runtime does the arithmetic (simple tags only, no Argo
expressions): see the runtime contract.

The executor (Argo's ``wait`` container) runs as ``<agent>-executor``, whose
token Argo mounts from ``<agent>-executor.service-account-token``; the
agent's own token is not mounted unless a ``kubernetes`` tool needs it.
"""

from __future__ import annotations

import json
from typing import Any

from agentctl.render import pod
from agentctl.render.bundle import SpecPath
from agentctl.render.context import Ctx
from agentctl.render.env import downward_env, secret_env, secret_volumes
from agentctl.render.workloads import MEMORY_VOLUME, memory_claim_name
from agentctl.spec import units
from agentctl.spec.models import Retry, Step

STEP_OUTPUT = "/tmp/outputs/result.json"
POD_GC = "OnPodSuccess"
STEP_SPEND = "/tmp/outputs/spend.json"
STEP_ENV = (
    "AGENT_STEP",
    "AGENT_STEP_ITEM",
    "AGENT_STEP_INPUTS",
    "AGENT_STEP_OUTPUT",
    "AGENT_RUN_ID",
    "AGENT_RUN_BUDGET",
    "AGENT_STEP_RETRY",
    "AGENT_STEP_SPEND_OUTPUT",
)


def executor_name(ctx: Ctx) -> str:
    return f"{ctx.name}-executor"


def step_template(step: Step) -> str:
    return f"step-{step.name}"


def fanout_template(step: Step) -> str:
    return f"fanout-{step.name}"


def _inputs_json(step: Step) -> str:
    parts = [f'"{d}": {{{{tasks.{d}.outputs.parameters.result}}}}' for d in step.depends_on]
    return "{" + ", ".join(parts) + "}"


def _budgeted(ctx: Ctx) -> bool:
    return ctx.spec.guardrails.budget.per_run_usd is not None


def _budget_json(ctx: Ctx, step: Step) -> str:
    """A step's ``AGENT_RUN_BUDGET``: what its dependencies hand on and how many steps share each.

    Only simple tags: Argo substitutes each dependency's ``spend`` report as
    it was written, and the runtime adds it up.
    """
    wf = ctx.spec.workflow
    assert wf is not None
    if step.depends_on:
        sharers = {d: sum(d in s.depends_on for s in wf.steps) for d in step.depends_on}
        parts = [f"[{{{{tasks.{d}.outputs.parameters.spend}}}}, {n}]" for d, n in sharers.items()]
    else:
        roots = sum(not s.depends_on for s in wf.steps)
        parts = [f"[{ctx.spec.guardrails.budget.per_run_usd}, {roots}]"]
    attempts = (step.retry or Retry.model_validate({})).limit + 1
    items = ""
    if step.for_each is not None:
        items = f', "items": {{{{tasks.{step.for_each.from_}.outputs.parameters.spend}}}}'
    return f'{{"from": [{", ".join(parts)}]{items}, "attempts": {attempts}}}'


def _seconds(value: str) -> str:
    return f"{units.parse_duration(value)}s"


def volumes(ctx: Ctx) -> list[dict[str, Any]]:
    """The volumes of every step's pod: /tmp, file secrets, the API token, the memory claim."""
    out = [pod.tmp_volume(ctx.spec.resources), *secret_volumes(ctx)[0]]
    if ctx.needs_api:
        out.append(pod.api_token_volume())
    if ctx.spec.memory is not None:
        out.append(
            {"name": MEMORY_VOLUME, "persistentVolumeClaim": {"claimName": memory_claim_name(ctx)}}
        )
    return out


def step_mounts(ctx: Ctx) -> list[dict[str, Any]]:
    """Where a step's container mounts :func:`volumes`."""
    mounts = [pod.tmp_mount(), *secret_volumes(ctx)[1]]
    if ctx.needs_api:
        mounts.append(pod.api_token_mount())
    if ctx.spec.memory is not None:
        mounts.append({"name": MEMORY_VOLUME, "mountPath": ctx.spec.memory.mount_path})
    return mounts


def pod_spec_patch(ctx: Ctx) -> str | None:
    """Argo templates have no runtimeClassName: a function tool's sandbox reaches every step's pod as a patch."""
    sandbox = ctx.sandbox
    return json.dumps({"runtimeClassName": sandbox[0]}) if sandbox else None


def _retry(retry: Retry) -> dict[str, Any]:
    backoff: dict[str, Any] = {"duration": _seconds(retry.backoff), "factor": retry.factor}
    if retry.max_backoff:
        backoff["cap"] = _seconds(retry.max_backoff)
    return {"limit": retry.limit, "retryPolicy": "Always", "backoff": backoff}


def _step_env(ctx: Ctx, index: int, step: Step) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [*downward_env(ctx), *secret_env(ctx)]
    env.append({"name": "AGENT_STEP", "value": step.name})
    if step.for_each is not None:
        env.append({"name": "AGENT_STEP_ITEM", "value": "{{inputs.parameters.item}}"})
    env.append({"name": "AGENT_STEP_INPUTS", "value": "{{inputs.parameters.inputs}}"})
    env.append({"name": "AGENT_STEP_OUTPUT", "value": STEP_OUTPUT})
    env.append({"name": "AGENT_RUN_ID", "value": "{{workflow.uid}}"})
    if _budgeted(ctx):
        env.append({"name": "AGENT_RUN_BUDGET", "value": "{{inputs.parameters.budget}}"})
        env.append({"name": "AGENT_STEP_RETRY", "value": "{{retries}}"})
        env.append({"name": "AGENT_STEP_SPEND_OUTPUT", "value": STEP_SPEND})
    taken = {e["name"] for e in env}
    for key, value in step.env.items():
        if key in taken or key in STEP_ENV:
            path = ("spec", "workflow", "steps", index, "env", key)
            raise ctx.error(
                path, f"{key} is set by agentctl (runtime contract); remove it from the step's env"
            )
        env.append({"name": key, "value": value})
    return env


def _params(*names: str) -> dict[str, Any]:
    return {"parameters": [{"name": n} for n in names]}


def _arguments(args: dict[str, str]) -> dict[str, Any]:
    return {"parameters": [{"name": k, "value": v} for k, v in args.items()]}


def _container(ctx: Ctx, index: int, step: Step) -> dict[str, Any]:
    """The container template ``step-<name>`` of one step."""
    spec = ctx.spec
    inputs = ["inputs"]
    if step.for_each is not None:
        inputs.append("item")
    outputs = [{"name": "result", "valueFrom": {"path": STEP_OUTPUT, "default": "null"}}]
    if _budgeted(ctx):
        inputs.append("budget")
        # a step that reports nothing hands nothing on: the run can only spend less
        outputs.append({"name": "spend", "valueFrom": {"path": STEP_SPEND, "default": "null"}})
    command = step.command or spec.command
    image = ctx.image(step.image or spec.image)
    return {
        "name": step_template(step),
        "container": {
            "image": image,
            "imagePullPolicy": pod.pull_policy(image),
            "command": list(command) if command else None,
            "args": list(step.args) if step.args else [step.name],
            "env": _step_env(ctx, index, step),
            "envFrom": [{"configMapRef": {"name": f"{ctx.name}-config"}}],
            "resources": pod.resources(step.resources or spec.resources, ctx.platform.limits),
            "securityContext": pod.container_security_context(),
            "volumeMounts": step_mounts(ctx),
        },
        "inputs": _params(*inputs),
        "outputs": {"parameters": outputs},
        "retryStrategy": _retry(step.retry or Retry.model_validate({})),
        "activeDeadlineSeconds": units.parse_duration(step.timeout) if step.timeout else None,
    }


def _fanout(step: Step, budgeted: bool) -> dict[str, Any]:
    """The DAG template ``fanout-<name>``: ``step-<name>`` once per item, results aggregated."""
    assert step.for_each is not None
    passed = ["items", "inputs", *(["budget"] if budgeted else [])]
    aggregated = ["result", *(["spend"] if budgeted else [])]
    each = {
        "name": "each",
        "template": step_template(step),
        "withParam": "{{inputs.parameters.items}}",
        "arguments": _arguments(
            {"item": "{{item}}", **{p: f"{{{{inputs.parameters.{p}}}}}" for p in passed[1:]}}
        ),
    }
    return {
        "name": fanout_template(step),
        "inputs": _params(*passed),
        "parallelism": step.for_each.parallelism,
        "outputs": {
            "parameters": [
                {
                    "name": p,
                    "valueFrom": {"parameter": f"{{{{tasks.each.outputs.parameters.{p}}}}}"},
                }
                for p in aggregated
            ]
        },
        "dag": {"tasks": [each]},
    }


def _build(ctx: Ctx, cfg_hash: str) -> dict[str, Any]:
    """The WorkflowTemplate: the DAG ``main``, then the fan-outs, then one container per step."""
    wf = ctx.spec.workflow
    assert wf is not None  # the spec model requires spec.workflow for workflow agents
    annotations = {**ctx.agent.metadata.annotations, "agentctl.dev/config-hash": cfg_hash}
    budgeted = _budgeted(ctx)

    def arguments(step: Step, **args: str) -> dict[str, Any]:
        return _arguments({**args, "budget": _budget_json(ctx, step)} if budgeted else args)

    tasks = []
    for step in wf.steps:
        task: dict[str, Any] = {"name": step.name, "dependencies": list(step.depends_on) or None}
        if step.for_each is None:
            task["template"] = step_template(step)
            task["arguments"] = arguments(step, inputs=_inputs_json(step))
        else:
            items = f"{{{{tasks.{step.for_each.from_}.outputs.parameters.result}}}}"
            task["template"] = fanout_template(step)
            task["arguments"] = arguments(step, items=items, inputs=_inputs_json(step))
        tasks.append(task)
    templates = [
        {"name": "main", "dag": {"tasks": tasks}},
        *(_fanout(s, budgeted) for s in wf.steps if s.for_each is not None),
        *(_container(ctx, i, s) for i, s in enumerate(wf.steps)),
    ]
    parameters = [{"name": k, "value": v} for k, v in wf.parameters.items()]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowTemplate",
        "metadata": {
            "name": ctx.name,
            "namespace": ctx.namespace,
            "labels": ctx.labels(),
            "annotations": ctx.agent.metadata.annotations or None,
        },
        "spec": {
            "entrypoint": "main",
            "arguments": {"parameters": parameters} if parameters else None,
            "serviceAccountName": ctx.name,
            "automountServiceAccountToken": False,
            "executor": {"serviceAccountName": executor_name(ctx)},
            "securityContext": pod.pod_security_context(),
            "podMetadata": {"labels": ctx.labels(), "annotations": annotations},
            "activeDeadlineSeconds": units.parse_duration(wf.deadline),
            "parallelism": wf.parallelism,
            "podGC": {"strategy": POD_GC},
            "ttlStrategy": {"secondsAfterCompletion": units.parse_duration(wf.ttl_after_finished)},
            "volumes": volumes(ctx),
            "podSpecPatch": pod_spec_patch(ctx),
            "templates": templates,
        },
    }


# Maps of user data (names to values): their keys keep the order they were written in.
_FREE_MAPS = frozenset({"labels", "annotations", "limits", "requests"})


def argo_object(value: Any) -> Any:
    """``value`` laid out as Argo's API objects are: fields in name order, unset (None) fields left out.

    This is the layout of the generated Argo models (Hera's, the Go types'
    OpenAPI): every object's fields sorted by name; maps of user data
    (labels, annotations, resource amounts) keep their own order.
    """
    if isinstance(value, dict):
        return {
            k: dict(value[k]) if k in _FREE_MAPS else argo_object(value[k])
            for k in sorted(value)
            if value[k] is not None
        }
    if isinstance(value, list):
        return [argo_object(v) for v in value]
    return value


def _field_origins(ctx: Ctx, prefix: str) -> dict[str, SpecPath]:
    wf = ctx.spec.workflow
    assert wf is not None
    base: SpecPath = ("spec", "workflow")
    out: dict[str, SpecPath] = {
        f"{prefix}activeDeadlineSeconds": (*base, "deadline"),
        f"{prefix}parallelism": (*base, "parallelism"),
        f"{prefix}ttlStrategy": (*base, "ttlAfterFinished"),
        f"{prefix}arguments": (*base, "parameters"),
    }
    fanouts = [s for s in wf.steps if s.for_each is not None]
    for k, step in enumerate(fanouts):
        i = wf.steps.index(step)
        out[f"{prefix}templates[{1 + k}]"] = (*base, "steps", i, "forEach")
    first = 1 + len(fanouts)
    for i, step in enumerate(wf.steps):
        t = f"{prefix}templates[{first + i}]"
        s: SpecPath = (*base, "steps", i)
        out[t] = s
        out[f"{t}.container.image"] = (*s, "image") if step.image else ("spec", "image")
        out[f"{t}.container.resources"] = (
            (*s, "resources") if step.resources else ("spec", "resources")
        )
        out[f"{t}.container.env"] = (*s, "env")
        out[f"{t}.container.args"] = (*s, "args")
        out[f"{t}.retryStrategy"] = (*s, "retry")
        out[f"{t}.activeDeadlineSeconds"] = (*s, "timeout")
    sandbox = ctx.sandbox
    if sandbox:
        out[f"{prefix}podSpecPatch"] = sandbox[1]
    return out


def render_workflow(ctx: Ctx, cfg_hash: str) -> None:
    """The WorkflowTemplate, and with a schedule a CronWorkflow carrying the same spec inline."""
    template = argo_object(_build(ctx, cfg_hash))
    ctx.add(template, "workflows", ("spec", "workflow"), _field_origins(ctx, "spec."))
    if ctx.spec.schedule is None:
        return
    cron = argo_object(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "CronWorkflow",
            "metadata": template["metadata"],
            "spec": {
                "schedules": [ctx.spec.schedule],
                "timezone": "Etc/UTC",
                "concurrencyPolicy": "Forbid",
                "startingDeadlineSeconds": 600,
                "successfulJobsHistoryLimit": 3,
                "failedJobsHistoryLimit": 3,
                "workflowSpec": template["spec"],
            },
        }
    )
    origins = _field_origins(ctx, "spec.workflowSpec.")
    origins["spec.schedules"] = ("spec", "schedule")
    ctx.add(cron, "workflows", ("spec", "schedule"), origins)
