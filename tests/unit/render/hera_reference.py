"""Argo objects of a workflow agent built with Hera, Argo's Python SDK: the reference
``agentctl.render.workflow`` (plain dicts) is compared with.

Hera validates every field against Argo's models and emits each model's fields
in Argo's order; building the same objects through it is an independent check
of the shape, field names, value types and key order agentctl writes.
"""

from __future__ import annotations

import json
from typing import Any

from agentctl.render import pod
from agentctl.render import workflow as wfr
from agentctl.render.context import Ctx
from agentctl.render.workloads import agent_mounts, agent_volumes
from agentctl.spec import units
from agentctl.spec.models import Retry, Step


def _retry(m: Any, retry: Retry) -> Any:
    backoff: dict[str, Any] = {
        "duration": f"{units.parse_duration(retry.backoff)}s",
        "factor": m.IntOrString(retry.factor),
    }
    if retry.max_backoff:
        backoff["cap"] = f"{units.parse_duration(retry.max_backoff)}s"
    return m.RetryStrategy(
        limit=m.IntOrString(retry.limit), retry_policy="Always", backoff=m.Backoff(**backoff)
    )


def _container(ctx: Ctx, index: int, step: Step, m: Any, Container: Any, Parameter: Any) -> Any:
    spec = ctx.spec
    mounts = agent_mounts(ctx)
    inputs = [Parameter(name="inputs")]
    if step.for_each is not None:
        inputs.append(Parameter(name="item"))
    outputs = [
        Parameter(name="result", value_from=m.ValueFrom(path=wfr.STEP_OUTPUT, default="null"))
    ]
    if wfr._budgeted(ctx):
        inputs.append(Parameter(name="budget"))
        outputs.append(
            Parameter(name="spend", value_from=m.ValueFrom(path=wfr.STEP_SPEND, default="null"))
        )
    command = step.command or spec.command
    kwargs: dict[str, Any] = {}
    if step.timeout:
        kwargs["active_deadline_seconds"] = units.parse_duration(step.timeout)
    return Container(
        name=wfr.step_template(step),
        image=ctx.image(step.image or spec.image),
        image_pull_policy=pod.pull_policy(ctx.image(step.image or spec.image)),
        command=list(command) if command else None,
        args=list(step.args) if step.args else [step.name],
        env=[m.EnvVar.model_validate(e) for e in wfr._step_env(ctx, index, step)],
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
    from hera.workflows import DAG, Container, Parameter, Task, WorkflowTemplate
    from hera.workflows import models as m

    wf = ctx.spec.workflow
    assert wf is not None
    volumes = agent_volumes(ctx, claim=True)
    annotations = {**ctx.agent.metadata.annotations, "agentctl.dev/config-hash": cfg_hash}
    sandbox = ctx.sandbox
    patch = json.dumps({"runtimeClassName": sandbox[0]}) if sandbox else None
    budgeted = wfr._budgeted(ctx)

    def arguments(step: Step, **args: str) -> dict[str, str]:
        return {**args, "budget": wfr._budget_json(ctx, step)} if budgeted else args

    with WorkflowTemplate(
        name=ctx.name,
        namespace=ctx.namespace,
        labels=ctx.labels(),
        annotations=ctx.agent.metadata.annotations or None,
        entrypoint="main",
        arguments=[Parameter(name=k, value=v) for k, v in wf.parameters.items()] or None,
        service_account_name=ctx.name,
        automount_service_account_token=False,
        executor=m.ExecutorConfig(service_account_name=wfr.executor_name(ctx)),
        security_context=m.PodSecurityContext.model_validate(pod.pod_security_context()),
        pod_metadata=m.Metadata(labels=ctx.labels(), annotations=annotations),
        active_deadline_seconds=units.parse_duration(wf.deadline),
        parallelism=wf.parallelism,
        pod_gc=m.PodGC(strategy=wfr.POD_GC),
        ttl_strategy=m.TTLStrategy(
            seconds_after_completion=units.parse_duration(wf.ttl_after_finished)
        ),
        volumes=[m.Volume.model_validate(v) for v in volumes],
        pod_spec_patch=patch,
    ) as w:
        with DAG(name="main"):
            for step in wf.steps:
                deps = list(step.depends_on) or None
                inputs = wfr._inputs_json(step)
                if step.for_each is None:
                    Task(
                        name=step.name,
                        template=wfr.step_template(step),
                        dependencies=deps,
                        arguments=arguments(step, inputs=inputs),
                    )
                else:
                    items = f"{{{{tasks.{step.for_each.from_}.outputs.parameters.result}}}}"
                    Task(
                        name=step.name,
                        template=wfr.fanout_template(step),
                        dependencies=deps,
                        arguments=arguments(step, items=items, inputs=inputs),
                    )
        for step in wf.steps:
            if step.for_each is None:
                continue
            passed = ["items", "inputs", *(["budget"] if budgeted else [])]
            aggregated = ["result", *(["spend"] if budgeted else [])]
            with DAG(
                name=wfr.fanout_template(step),
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
                    template=wfr.step_template(step),
                    with_param="{{inputs.parameters.items}}",
                    arguments={
                        "item": "{{item}}",
                        **{p: f"{{{{inputs.parameters.{p}}}}}" for p in passed[1:]},
                    },
                )
        for i, step in enumerate(wf.steps):
            _container(ctx, i, step, m, Container, Parameter)
    return w.build()


def workflow_objects(ctx: Ctx, cfg_hash: str) -> list[dict[str, Any]]:
    """The WorkflowTemplate (and with a schedule the CronWorkflow) as Hera dumps them."""
    from hera.workflows import models as m

    model = _build(ctx, cfg_hash)
    out = [model.model_dump(exclude_none=True, by_alias=True)]
    if ctx.spec.schedule is not None:
        cron = m.CronWorkflow(
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
        out.append(cron.model_dump(exclude_none=True, by_alias=True))
    return out
