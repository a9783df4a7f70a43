"""Argo Workflows: identity and runaway protection."""

from __future__ import annotations

from collections.abc import Iterator

from agentctl.policy.model import Hit, Unit
from agentctl.policy.registry import check
from agentctl.policy.workloads import ARGO_KINDS, argo_spec, as_dict, as_list


@check(
    "ARGO-001",
    "Workflow identity is locked down",
    "high",
    kinds=ARGO_KINDS,
    description=(
        "Workflows run as their own ServiceAccount (not default), with automountServiceAccountToken: false, an executor "
        "ServiceAccount (which Argo needs once the token is off) and a pod securityContext with runAsNonRoot: true."
    ),
    rationale="Every step of a workflow is a pod; a default identity with a mounted token in each of hundreds of sub-agent pods multiplies the blast radius.",
    remediation="Set spec.serviceAccountName, spec.automountServiceAccountToken: false, spec.executor.serviceAccountName and spec.securityContext.runAsNonRoot: true.",
    example="""
spec:
  serviceAccountName: deep-research
  automountServiceAccountToken: false
  executor: {serviceAccountName: deep-research-executor}
  securityContext: {runAsNonRoot: true, runAsUser: 10001}
""",
)
def workflow_identity(unit: Unit) -> Iterator[Hit]:
    for obj in unit.of_kind(*ARGO_KINDS):
        base, spec = argo_spec(obj)
        sa = spec.get("serviceAccountName")
        if not sa or sa == "default":
            yield Hit(
                "the workflow runs as the default ServiceAccount",
                obj,
                (*base, "serviceAccountName"),
            )
        automount = spec.get("automountServiceAccountToken")
        if automount is not False:
            yield Hit(
                "the workflow mounts a ServiceAccount token in every step pod",
                obj,
                (*base, "automountServiceAccountToken"),
            )
        elif not as_dict(spec.get("executor")).get("serviceAccountName"):
            yield Hit(
                "token automount is off but spec.executor.serviceAccountName is not set: Argo's executor cannot report results",
                obj,
                (*base, "executor"),
            )
        if as_dict(spec.get("securityContext")).get("runAsNonRoot") is not True:
            yield Hit(
                "the workflow's pod securityContext does not set runAsNonRoot: true",
                obj,
                (*base, "securityContext"),
            )


@check(
    "ARGO-002",
    "Workflows are bounded",
    "medium",
    kinds=ARGO_KINDS,
    description=(
        "activeDeadlineSeconds, ttlStrategy, podGC and parallelism are set, and every retryStrategy has a limit and a backoff."
    ),
    rationale=(
        "A fan-out of sub-agents without parallelism, deadline and bounded retries is the most expensive way an agent can fail; "
        "without ttl and podGC finished pods pile up in etcd."
    ),
    remediation="Set spec.activeDeadlineSeconds, spec.ttlStrategy, spec.podGC and spec.parallelism; give each retryStrategy a limit and a backoff.",
    example="""
spec:
  activeDeadlineSeconds: 21600
  parallelism: 10
  ttlStrategy: {secondsAfterCompletion: 86400}
  podGC: {strategy: OnPodCompletion}
  templates:
    - name: research
      retryStrategy: {limit: "3", backoff: {duration: 30s, factor: "2"}}
""",
    tags=("cost", "reliability"),
)
def bounded(unit: Unit) -> Iterator[Hit]:
    for obj in unit.of_kind(*ARGO_KINDS):
        base, spec = argo_spec(obj)
        for key in ("activeDeadlineSeconds", "ttlStrategy", "podGC", "parallelism"):
            if spec.get(key) in (None, "", {}):
                yield Hit(f"spec.{key} is not set", obj, (*base, key))
        retries = [((*base, "retryStrategy"), spec.get("retryStrategy"))]
        for i, tmpl in enumerate(as_list(spec.get("templates"))):
            retries.append(
                ((*base, "templates", i, "retryStrategy"), as_dict(tmpl).get("retryStrategy"))
            )
        for path, strategy in retries:
            if not isinstance(strategy, dict):
                continue
            if strategy.get("limit") in (None, ""):
                yield Hit("retryStrategy has no limit: it retries forever", obj, path)
            if not as_dict(strategy.get("backoff")).get("duration"):
                yield Hit("retryStrategy has no backoff: retries hammer the model API", obj, path)
