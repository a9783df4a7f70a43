"""``workflow`` agents as an Argo WorkflowTemplate (+ CronWorkflow).

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

The objects are written as plain dicts in the shape Argo's clients emit (Hera
among them: a test renders every variant with Hera too and compares).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from agentctl.render import pod
from agentctl.render.bundle import SpecPath, clone
from agentctl.render.context import Ctx
from agentctl.render.env import downward_env, secret_env
from agentctl.render.workloads import agent_mounts, agent_volumes
from agentctl.spec import fast, units

if TYPE_CHECKING:
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


def _sharers(steps: list[Step]) -> dict[str | None, int]:
    """How many steps depend on each step (``None``: how many depend on none)."""
    counts: dict[str | None, int] = {None: 0}
    for s in steps:
        if not s.depends_on:
            counts[None] += 1
        for d in set(s.depends_on):
            counts[d] = counts.get(d, 0) + 1
    return counts


def _budget_json(ctx: Ctx, step: Step, sharers: dict[str | None, int] | None = None) -> str:
    """A step's ``AGENT_RUN_BUDGET``: what its dependencies hand on and how many steps share each.

    Only simple tags: Argo substitutes each dependency's ``spend`` report as
    it was written, and the runtime adds it up. ``sharers`` (of ``_sharers``) is
    counted once per workflow by the caller: per step, a long chain would be quadratic.
    """
    if sharers is None:
        assert ctx.spec.workflow is not None
        sharers = _sharers(ctx.spec.workflow.steps)
    if step.depends_on:
        parts = [
            f"[{{{{tasks.{d}.outputs.parameters.spend}}}}, {sharers[d]}]"
            for d in dict.fromkeys(step.depends_on)
        ]
    else:
        parts = [f"[{ctx.spec.guardrails.budget.per_run_usd}, {sharers[None]}]"]
    attempts = (step.retry or fast.spec_object("Retry", {})).limit + 1
    items = ""
    if step.for_each is not None:
        items = f', "items": {{{{tasks.{step.for_each.from_}.outputs.parameters.spend}}}}'
    return f'{{"from": [{", ".join(parts)}]{items}, "attempts": {attempts}}}'


def _seconds(value: str) -> str:
    return f"{units.parse_duration(value)}s"


# Fields whose values are maps (keys as written); every other mapping of an Argo
# object is one of its models, whose fields Argo's OpenAPI lists, and so its
# clients (kubectl, Hera, the Argo UI) emit, in alphabetical order.
_MAPS = frozenset({"labels", "annotations", "limits", "requests"})


def _model(value: Any) -> Any:
    """A Kubernetes/Argo model in its canonical shape: fields in alphabetical order,
    unset (None) fields left out, maps (``_MAPS``) as they are. Returns new containers."""
    if isinstance(value, dict):
        return {
            k: (dict(v) if k in _MAPS else _model(v))
            for k, v in sorted(value.items())
            if v is not None
        }
    if isinstance(value, list):
        return [_model(v) for v in value]
    return value


def _params(**values: str) -> dict[str, Any]:
    return {"parameters": [{"name": k, "value": v} for k, v in values.items()]}


def _names(names: list[str]) -> dict[str, Any]:
    return {"parameters": [{"name": n} for n in names]}


def _retry(retry: Retry) -> dict[str, Any]:
    backoff: dict[str, Any] = {}
    if retry.max_backoff:
        backoff["cap"] = _seconds(retry.max_backoff)
    backoff["duration"] = _seconds(retry.backoff)
    backoff["factor"] = retry.factor
    return {"backoff": backoff, "limit": retry.limit, "retryPolicy": "Always"}


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
        path = ("spec", "workflow", "steps", index, "env", key)
        ctx.check_env_name(path, key)
        if key in taken or key in STEP_ENV:
            raise ctx.error(
                path, f"{key} is set by agentctl (runtime contract); remove it from the step's env"
            )
        env.append({"name": key, "value": value})
    return env


def _container_template(ctx: Ctx, index: int, step: Step) -> dict[str, Any]:
    """``step-<name>``: the step's container, its parameters and its retries."""
    spec = ctx.spec
    inputs = ["inputs", *(["item"] if step.for_each is not None else [])]
    outputs = [{"name": "result", "valueFrom": {"default": "null", "path": STEP_OUTPUT}}]
    if _budgeted(ctx):
        inputs.append("budget")
        # a step that reports nothing hands nothing on: the run can only spend less
        outputs.append({"name": "spend", "valueFrom": {"default": "null", "path": STEP_SPEND}})
    command = step.command or spec.command
    image = ctx.image(step.image or spec.image)
    container: dict[str, Any] = {"args": list(step.args) if step.args else [step.name]}
    if command:
        container["command"] = list(command)
    container["env"] = _model(_step_env(ctx, index, step))
    container["envFrom"] = [{"configMapRef": {"name": f"{ctx.name}-config"}}]
    container["image"] = image
    container["imagePullPolicy"] = pod.pull_policy(image)
    container["resources"] = _model(
        pod.resources(step.resources or spec.resources, ctx.platform.limits)
    )
    container["securityContext"] = _model(pod.container_security_context())
    container["volumeMounts"] = _model(agent_mounts(ctx))
    template: dict[str, Any] = {}
    if step.timeout:
        template["activeDeadlineSeconds"] = units.parse_duration(step.timeout)
    template["container"] = container
    template["inputs"] = _names(inputs)
    template["name"] = step_template(step)
    template["outputs"] = {"parameters": outputs}
    template["retryStrategy"] = _retry(step.retry or fast.spec_object("Retry", {}))
    return template


def _dag_templates(ctx: Ctx) -> list[dict[str, Any]]:
    """``main`` (one task per step) and a ``fanout-<name>`` DAG per ``forEach`` step."""
    wf = ctx.spec.workflow
    assert wf is not None
    budgeted = _budgeted(ctx)
    sharers = _sharers(wf.steps)  # counted once: per step, a long chain would be quadratic

    def task(step: Step, template: str, **args: str) -> dict[str, Any]:
        if budgeted:
            args["budget"] = _budget_json(ctx, step, sharers)
        out: dict[str, Any] = {"arguments": _params(**args)}
        if step.depends_on:
            out["dependencies"] = list(step.depends_on)
        out["name"] = step.name
        out["template"] = template
        return out

    tasks = []
    for step in wf.steps:
        if step.for_each is None:
            tasks.append(task(step, step_template(step), inputs=_inputs_json(step)))
        else:
            items = f"{{{{tasks.{step.for_each.from_}.outputs.parameters.result}}}}"
            tasks.append(task(step, fanout_template(step), items=items, inputs=_inputs_json(step)))
    templates: list[dict[str, Any]] = [{"dag": {"tasks": tasks}, "name": "main"}]
    for step in wf.steps:
        if step.for_each is None:
            continue
        passed = ["items", "inputs", *(["budget"] if budgeted else [])]
        aggregated = ["result", *(["spend"] if budgeted else [])]
        each = {
            "arguments": _params(
                item="{{item}}", **{p: f"{{{{inputs.parameters.{p}}}}}" for p in passed[1:]}
            ),
            "name": "each",
            "template": step_template(step),
            "withParam": "{{inputs.parameters.items}}",
        }
        fanout: dict[str, Any] = {
            "dag": {"tasks": [each]},
            "inputs": _names(passed),
            "name": fanout_template(step),
            "outputs": {
                "parameters": [
                    {
                        "name": p,
                        "valueFrom": {"parameter": f"{{{{tasks.each.outputs.parameters.{p}}}}}"},
                    }
                    for p in aggregated
                ]
            },
        }
        if step.for_each.parallelism is not None:
            fanout["parallelism"] = step.for_each.parallelism
        templates.append(fanout)
    return templates


def _workflow_spec(ctx: Ctx, cfg_hash: str) -> dict[str, Any]:
    """The WorkflowTemplate's ``spec`` (also the CronWorkflow's ``workflowSpec``)."""
    wf = ctx.spec.workflow
    assert wf is not None  # the spec model requires spec.workflow for workflow agents
    annotations = {**ctx.agent.metadata.annotations, "agentctl.dev/config-hash": cfg_hash}
    # Argo templates have no runtimeClassName: a function tool's sandbox reaches every step's pod as a patch.
    sandbox = ctx.sandbox
    spec: dict[str, Any] = {"activeDeadlineSeconds": units.parse_duration(wf.deadline)}
    if wf.parameters:
        spec["arguments"] = _params(**wf.parameters)
    spec["automountServiceAccountToken"] = False
    spec["entrypoint"] = "main"
    spec["executor"] = {"serviceAccountName": executor_name(ctx)}
    spec["parallelism"] = wf.parallelism
    spec["podGC"] = {"strategy": POD_GC}
    spec["podMetadata"] = {"annotations": annotations, "labels": ctx.labels()}
    if sandbox:
        spec["podSpecPatch"] = json.dumps({"runtimeClassName": sandbox[0]})
    spec["securityContext"] = _model(pod.pod_security_context())
    spec["serviceAccountName"] = ctx.name
    spec["templates"] = [
        *_dag_templates(ctx),
        *(_container_template(ctx, i, step) for i, step in enumerate(wf.steps)),
    ]
    spec["ttlStrategy"] = {"secondsAfterCompletion": units.parse_duration(wf.ttl_after_finished)}
    spec["volumes"] = _model(agent_volumes(ctx, claim=True))
    return spec


def _metadata(ctx: Ctx) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if ctx.agent.metadata.annotations:
        meta["annotations"] = dict(ctx.agent.metadata.annotations)
    meta["labels"] = ctx.labels()
    meta["name"] = ctx.name
    meta["namespace"] = ctx.namespace
    return meta


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
    """The WorkflowTemplate, and with a schedule a CronWorkflow carrying the same spec inline.

    Both are written as Argo's own API objects (every model's fields in
    alphabetical order, unset fields left out: what Argo's clients emit).
    """
    spec = _workflow_spec(ctx, cfg_hash)
    template = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowTemplate",
        "metadata": _metadata(ctx),
        "spec": spec,
    }
    ctx.add(template, "workflows", ("spec", "workflow"), _field_origins(ctx, "spec."))
    if ctx.spec.schedule is None:
        return
    cron = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": _metadata(ctx),
        "spec": {
            "concurrencyPolicy": "Forbid",
            "failedJobsHistoryLimit": 3,
            "schedules": [ctx.spec.schedule],
            "startingDeadlineSeconds": 600,
            "successfulJobsHistoryLimit": 3,
            "timezone": "Etc/UTC",
            "workflowSpec": clone(spec),
        },
    }
    origins = _field_origins(ctx, "spec.workflowSpec.")
    origins["spec.schedules"] = ("spec", "schedule")
    ctx.add(cron, "workflows", ("spec", "schedule"), origins)
