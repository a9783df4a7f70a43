"""``workflow`` agents as an Argo WorkflowTemplate (+ CronWorkflow), built with Hera.

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

Hera is imported only here, and only when a workflow agent is rendered.
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


def _retry(m: Any, retry: Retry) -> Any:
    backoff: dict[str, Any] = {
        "duration": _seconds(retry.backoff),
        "factor": m.IntOrString(retry.factor),
    }
    if retry.max_backoff:
        backoff["cap"] = _seconds(retry.max_backoff)
    return m.RetryStrategy(
        limit=m.IntOrString(retry.limit), retry_policy="Always", backoff=m.Backoff(**backoff)
    )


def _step_env(ctx: Ctx, index: int, step: Step, m: Any) -> list[Any]:
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
    return [m.EnvVar.model_validate(e) for e in env]


def _container(ctx: Ctx, index: int, step: Step, m: Any, Container: Any, Parameter: Any) -> Any:
    spec = ctx.spec
    mounts = [pod.tmp_mount(), *secret_volumes(ctx)[1]]
    if ctx.needs_api:
        mounts.append(pod.api_token_mount())
    if spec.memory is not None:
        mounts.append({"name": MEMORY_VOLUME, "mountPath": spec.memory.mount_path})
    inputs = [Parameter(name="inputs")]
    if step.for_each is not None:
        inputs.append(Parameter(name="item"))
    outputs = [Parameter(name="result", value_from=m.ValueFrom(path=STEP_OUTPUT, default="null"))]
    if _budgeted(ctx):
        inputs.append(Parameter(name="budget"))
        # a step that reports nothing hands nothing on: the run can only spend less
        outputs.append(
            Parameter(name="spend", value_from=m.ValueFrom(path=STEP_SPEND, default="null"))
        )
    command = step.command or spec.command
    kwargs: dict[str, Any] = {}
    if step.timeout:
        kwargs["active_deadline_seconds"] = units.parse_duration(step.timeout)
    return Container(
        name=step_template(step),
        image=ctx.image(step.image or spec.image),
        image_pull_policy=pod.pull_policy(ctx.image(step.image or spec.image)),
        command=list(command) if command else None,
        args=list(step.args) if step.args else [step.name],
        env=_step_env(ctx, index, step, m),
        env_from=[m.EnvFromSource(config_map_ref=m.ConfigMapEnvSource(name=f"{ctx.name}-config"))],
        resources=m.ResourceRequirements.model_validate(
            pod.resources(step.resources or spec.resources, ctx.platform.limits)
        ),
        security_context=m.SecurityContext.model_validate(pod.container_security_context()),
        volume_mounts=[m.VolumeMount.model_validate(v) for v in mounts],
        inputs=inputs,
        outputs=outputs,
        retry_strategy=_retry(m, step.retry or Retry.model_validate({})),
        **kwargs,
    )


def _build(ctx: Ctx, cfg_hash: str) -> Any:
    """The WorkflowTemplate as Hera's model (``hera.workflows.models.WorkflowTemplate``)."""
    from hera.workflows import DAG, Container, Parameter, Task, WorkflowTemplate
    from hera.workflows import models as m

    wf = ctx.spec.workflow
    assert wf is not None  # the spec model requires spec.workflow for workflow agents
    volumes = [pod.tmp_volume(ctx.spec.resources), *secret_volumes(ctx)[0]]
    if ctx.needs_api:
        volumes.append(pod.api_token_volume())
    if ctx.spec.memory is not None:
        volumes.append(
            {"name": MEMORY_VOLUME, "persistentVolumeClaim": {"claimName": memory_claim_name(ctx)}}
        )
    annotations = {**ctx.agent.metadata.annotations, "agentctl.dev/config-hash": cfg_hash}
    # Argo templates have no runtimeClassName: a function tool's sandbox reaches every step's pod as a patch.
    sandbox = ctx.sandbox
    patch = json.dumps({"runtimeClassName": sandbox[0]}) if sandbox else None
    budgeted = _budgeted(ctx)

    def arguments(step: Step, **args: str) -> dict[str, str]:
        return {**args, "budget": _budget_json(ctx, step)} if budgeted else args

    with WorkflowTemplate(
        name=ctx.name,
        namespace=ctx.namespace,
        labels=ctx.labels(),
        annotations=ctx.agent.metadata.annotations or None,
        entrypoint="main",
        arguments=[Parameter(name=k, value=v) for k, v in wf.parameters.items()] or None,
        service_account_name=ctx.name,
        automount_service_account_token=False,
        executor=m.ExecutorConfig(service_account_name=executor_name(ctx)),
        security_context=m.PodSecurityContext.model_validate(pod.pod_security_context()),
        pod_metadata=m.Metadata(labels=ctx.labels(), annotations=annotations),
        active_deadline_seconds=units.parse_duration(wf.deadline),
        parallelism=wf.parallelism,
        pod_gc=m.PodGC(strategy=POD_GC),
        ttl_strategy=m.TTLStrategy(
            seconds_after_completion=units.parse_duration(wf.ttl_after_finished)
        ),
        volumes=[m.Volume.model_validate(v) for v in volumes],
        pod_spec_patch=patch,
    ) as w:
        with DAG(name="main"):
            for step in wf.steps:
                deps = list(step.depends_on) or None
                if step.for_each is None:
                    Task(
                        name=step.name,
                        template=step_template(step),
                        dependencies=deps,
                        arguments=arguments(step, inputs=_inputs_json(step)),
                    )
                else:
                    items = f"{{{{tasks.{step.for_each.from_}.outputs.parameters.result}}}}"
                    Task(
                        name=step.name,
                        template=fanout_template(step),
                        dependencies=deps,
                        arguments=arguments(step, items=items, inputs=_inputs_json(step)),
                    )
        for step in wf.steps:
            if step.for_each is None:
                continue
            passed = ["items", "inputs", *(["budget"] if budgeted else [])]
            aggregated = ["result", *(["spend"] if budgeted else [])]
            with DAG(
                name=fanout_template(step),
                inputs=[Parameter(name=p) for p in passed],
                parallelism=step.for_each.parallelism,
                outputs=[
                    Parameter(
                        name=p,
                        value_from=m.ValueFrom(
                            parameter=f"{{{{tasks.each.outputs.parameters.{p}}}}}"
                        ),
                    )
                    for p in aggregated
                ],
            ):
                Task(
                    name="each",
                    template=step_template(step),
                    with_param="{{inputs.parameters.items}}",
                    arguments={
                        "item": "{{item}}",
                        **{p: f"{{{{inputs.parameters.{p}}}}}" for p in passed[1:]},
                    },
                )
        for i, step in enumerate(wf.steps):
            _container(ctx, i, step, m, Container, Parameter)
    return w.build()


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

    Hera builds the template once; the CronWorkflow wraps that built spec in
    Hera's CronWorkflow model (building the whole DAG twice would double the
    cost of every scheduled workflow agent).
    """
    from hera.workflows import models as m

    model = _build(ctx, cfg_hash)
    template = model.model_dump(exclude_none=True, by_alias=True)
    ctx.add(template, "workflows", ("spec", "workflow"), _field_origins(ctx, "spec."))
    if ctx.spec.schedule is None:
        return
    cron_model = m.CronWorkflow(
        api_version="argoproj.io/v1alpha1",
        kind="CronWorkflow",
        metadata=model.metadata,
        spec=m.CronWorkflowSpec(
            schedules=[ctx.spec.schedule],
            timezone="Etc/UTC",
            concurrency_policy="Forbid",
            starting_deadline_seconds=600,
            successful_jobs_history_limit=3,
            failed_jobs_history_limit=3,
            workflow_spec=model.spec,
        ),
    )
    cron = cron_model.model_dump(exclude_none=True, by_alias=True)
    origins = _field_origins(ctx, "spec.workflowSpec.")
    origins["spec.schedules"] = ("spec", "schedule")
    ctx.add(cron, "workflows", ("spec", "schedule"), origins)
