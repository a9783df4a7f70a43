"""ServiceAccounts and RBAC: one identity per workload, permissions only as declared."""

from __future__ import annotations

from typing import Any

from agentctl.render.bundle import SpecPath
from agentctl.render.context import Ctx


def service_account(
    ctx: Ctx,
    name: str,
    *,
    automount: bool,
    origin: SpecPath = ("metadata",),
    component: str = "agent",
    app: str | None = None,
    instance: str | None = None,
    identity: tuple[str, str] | None = None,
) -> None:
    meta = ctx.meta(name, component=component, app=app, instance=instance)
    if identity is not None:
        meta["annotations"] = {**meta.get("annotations", {}), identity[0]: identity[1]}
    obj = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": meta,
        "automountServiceAccountToken": automount,
    }
    ctx.add(obj, "rbac", origin)


def cloud_identity(ctx: Ctx) -> tuple[str, str] | None:
    """The workload-identity annotation of the agent's ServiceAccount (platform.yaml workloadIdentity)."""
    wi = ctx.platform.workload_identity
    if wi is None:
        return None
    return wi.annotation(ctx.agent.metadata.team, ctx.name, ctx.spec.cloud_identity)


def _rule(rule: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"apiGroups": list(rule.api_groups), "resources": list(rule.resources)}
    if rule.resource_names:
        out["resourceNames"] = list(rule.resource_names)
    out["verbs"] = list(rule.verbs)
    return out


def render_tool_rbac(ctx: Ctx) -> None:
    """A Role (and ClusterRole for cluster-scoped tools) with exactly the declared rules."""
    namespaced: list[tuple[dict[str, Any], SpecPath]] = []
    cluster: list[tuple[dict[str, Any], SpecPath]] = []
    for i, tool in enumerate(ctx.spec.tools):
        if tool.kind != "kubernetes":
            continue
        target = cluster if tool.cluster_scoped else namespaced
        for j, rule in enumerate(tool.rules):
            target.append((_rule(rule), ("spec", "tools", i, "rules", j)))
    subject = [{"kind": "ServiceAccount", "name": ctx.name, "namespace": ctx.namespace}]
    if namespaced:
        _role_pair(ctx, "Role", ctx.name, namespaced, subject, namespaced_objects=True)
    if cluster:
        _role_pair(
            ctx,
            "ClusterRole",
            f"agentctl:{ctx.namespace}:{ctx.name}",
            cluster,
            subject,
            namespaced_objects=False,
        )


def render_spend_ledger(ctx: Ctx) -> None:
    """The ConfigMap the runtime keeps the day's spend in, and a Role that lets the agent's
    ServiceAccount read and patch that one object (the runtime never creates or lists)."""
    from agentctl.render.env import spend_ledger_name

    if not ctx.spend_ledger:
        return
    name = spend_ledger_name(ctx)
    origin: SpecPath = ("spec", "guardrails", "budget", "dailyLedger")
    ledger = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": ctx.meta(name)}
    ctx.add(ledger, "config", origin)
    rule = {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": [name],
            "verbs": ["get", "patch"]}  # fmt: skip
    subject = [{"kind": "ServiceAccount", "name": ctx.name, "namespace": ctx.namespace}]
    _role_pair(ctx, "Role", name, [(rule, origin)], subject, namespaced_objects=True)


def _role_pair(
    ctx: Ctx,
    kind: str,
    name: str,
    rules: list[tuple[dict[str, Any], SpecPath]],
    subjects: list[dict[str, Any]],
    *,
    namespaced_objects: bool,
    component: str = "agent",
) -> None:
    origin = rules[0][1][:3]
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": kind,
        "metadata": ctx.meta(name, namespaced=namespaced_objects, component=component),
        "rules": [r for r, _ in rules],
    }
    ctx.add(role, "rbac", origin, {f"rules[{k}]": path for k, (_, path) in enumerate(rules)})
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": f"{kind}Binding",
        "metadata": ctx.meta(name, namespaced=namespaced_objects, component=component),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": name},
        "subjects": subjects,
    }
    ctx.add(binding, "rbac", origin)


def render_executor_rbac(ctx: Ctx, sa_name: str) -> None:
    """Argo's executor (the ``wait`` container) reports step outputs as WorkflowTaskResults."""
    service_account(
        ctx, sa_name, automount=False, origin=("spec", "workflow"), component="workflow-executor"
    )
    rules: list[tuple[dict[str, Any], SpecPath]] = [
        (
            {
                "apiGroups": ["argoproj.io"],
                "resources": ["workflowtaskresults"],
                "verbs": ["create", "patch"],
            },
            ("spec", "workflow"),
        )
    ]
    subjects = [{"kind": "ServiceAccount", "name": sa_name, "namespace": ctx.namespace}]
    _role_pair(
        ctx,
        "Role",
        sa_name,
        rules,
        subjects,
        namespaced_objects=True,
        component="workflow-executor",
    )


def render_executor_token(ctx: Ctx, sa_name: str) -> None:
    """Argo mounts the executor's token from ``<sa>.service-account-token`` when automount is off.

    A token Secret carries no data: the cluster's token controller fills it in.
    """
    meta = ctx.meta(f"{sa_name}.service-account-token", component="workflow-executor")
    meta.setdefault("annotations", {})["kubernetes.io/service-account.name"] = sa_name
    obj = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta,
        "type": "kubernetes.io/service-account-token",
    }
    ctx.add(obj, "rbac", ("spec", "workflow"))
