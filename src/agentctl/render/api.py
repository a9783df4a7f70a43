"""``render_agent``: one agent spec in, every object it needs out (plain dicts, no I/O)."""

from __future__ import annotations

from agentctl.render import names, network, rbac, secrets, tools, workloads
from agentctl.render.bundle import GROUPS, Bundle
from agentctl.render.context import Ctx
from agentctl.render.env import config_data, proxy_env, secret_env_names
from agentctl.render.schemas import resolve_kube_version
from agentctl.spec.loader import LoadedAgent, LoadedPlatform
from agentctl.spec.shapes import AgentType

PSA_LABELS = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
}
# A namespace is shared by the agents of a team: never prune it with one of them.
SHARED_ANNOTATIONS = {
    "agentctl.dev/shared": "true",
    "argocd.argoproj.io/sync-options": "Prune=false",
    "kustomize.toolkit.fluxcd.io/prune": "disabled",
}


def render_agent(
    loaded: LoadedAgent, platform: LoadedPlatform, *, kube_version: str | None = None
) -> Bundle:
    ctx = Ctx(
        loaded,
        platform,
        platform.platform.namespace_for(loaded.agent),
        resolve_kube_version(kube_version),
        target_version=kube_version,
    )
    spec = ctx.spec
    if spec.memory is not None and spec.type is AgentType.service:
        raise ctx.error(
            ("spec", "memory"),
            "type service is stateless: use type stateful for an agent with memory",
        )

    _namespace(ctx)
    rbac.service_account(ctx, ctx.name, automount=False, identity=rbac.cloud_identity(ctx))
    rbac.render_tool_rbac(ctx)
    rbac.render_spend_ledger(ctx)
    if spec.type is AgentType.workflow:
        from agentctl.render.workflow import executor_name

        rbac.render_executor_rbac(ctx, executor_name(ctx))
        rbac.render_executor_token(ctx, executor_name(ctx))

    plan = network.EgressPlan(ctx)
    data = config_data(ctx, proxy_env(ctx, plan.no_proxy) if plan.uses_proxy else {})
    for i, secret in enumerate(spec.secrets):
        if secret.mount == "env" and secret.env in data:
            raise ctx.error(
                ("spec", "secrets", i, "env"),
                f"{secret.env} is already set by agentctl or spec.env",
            )
    env_names = secret_env_names(ctx)
    if len(env_names) != len(set(env_names)):
        raise ctx.error(("spec", "secrets"), "two secrets use the same env variable name")
    plain = {k: v for k, (v, _) in data.items()}
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": ctx.meta(f"{ctx.name}-config"),
        "data": plain,
    }
    ctx.add(
        config, "config", ("metadata",), {f"data.{k}": origin for k, (_, origin) in data.items()}
    )
    network.render_allowlist(ctx, plan)
    secrets.render_external_secrets(ctx)
    shared_memory = spec.memory is not None and spec.memory.shared
    if spec.type in (AgentType.job, AgentType.workflow) or shared_memory:
        workloads.render_memory_claim(ctx)

    network.render_default_deny(ctx)
    serves = spec.type in (AgentType.service, AgentType.stateful)
    network.render_agent_policy(
        ctx, plan, needs_api=ctx.needs_api or spec.type is AgentType.workflow, serves=serves
    )
    network.render_fqdn_policy(ctx, plan)

    for i, tool in enumerate(spec.tools):
        if tool.kind == "service":
            tools.render_service_tool(ctx, i, tool)

    cfg_hash = workloads.config_hash(plain)
    if spec.type is AgentType.service:
        workloads.render_service(ctx, cfg_hash)
    elif spec.type is AgentType.stateful:
        workloads.render_stateful(ctx, cfg_hash)
    elif spec.type is AgentType.job:
        workloads.render_job(ctx, cfg_hash)
    else:
        from agentctl.render.workflow import render_workflow

        render_workflow(ctx, cfg_hash)

    names.check_objects(ctx)
    order = {g: i for i, g in enumerate(GROUPS)}
    objects = sorted(ctx.objects, key=lambda o: order[o.group])
    return Bundle(loaded, platform, ctx.namespace, ctx.kube_version, objects)


def _namespace(ctx: Ctx) -> None:
    meta = ctx.meta(
        ctx.namespace, namespaced=False, component="namespace", annotations=SHARED_ANNOTATIONS
    )
    meta["labels"].update(PSA_LABELS)
    ctx.add(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": meta},
        "namespace",
        ("metadata", "team"),
    )
