"""Each agent type renders the workloads the spec contract promises."""

from __future__ import annotations

import pytest
from render_helpers import WORKFLOW, agent_doc, kinds, one


def test_service_agent_gets_deployment_service_hpa_pdb(render):
    bundle = render(
        agent_doc(scaling={"minReplicas": 2, "maxReplicas": 6, "targetCPUUtilization": 60})
    )
    assert kinds(bundle) == [
        "Namespace",
        "ServiceAccount",
        "ConfigMap",
        "ExternalSecret",
        "NetworkPolicy",
        "NetworkPolicy",
        "NetworkPolicy",
        "Service",
        "Deployment",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    ]
    dep = one(bundle, "Deployment")
    assert "replicas" not in dep["spec"], "the HPA owns the replica count"
    hpa = one(bundle, "HorizontalPodAutoscaler")["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 6)
    assert hpa["metrics"][0]["resource"]["target"]["averageUtilization"] == 60
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "demo"}
    svc = one(bundle, "Service")["spec"]
    assert svc["ports"] == [{"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"}]
    assert svc["selector"] == dep["spec"]["selector"]["matchLabels"]
    container = dep["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


@pytest.mark.parametrize(
    ("scaling", "replicas", "hpa"),
    [
        ({"minReplicas": 3, "maxReplicas": 3}, 3, False),
        ({"minReplicas": 0, "maxReplicas": 2}, 0, False),
    ],
)
def test_fixed_or_zero_replicas_have_no_hpa(render, scaling, replicas, hpa):
    bundle = render(agent_doc(scaling=scaling))
    assert one(bundle, "Deployment")["spec"]["replicas"] == replicas
    assert ("HorizontalPodAutoscaler" in kinds(bundle)) is hpa


def test_selector_never_contains_the_version(render):
    dep = one(render(agent_doc()), "Deployment")
    assert "app.kubernetes.io/version" not in dep["spec"]["selector"]["matchLabels"]


def test_stateful_agent_gets_statefulset_with_memory_claims_and_headless_service(render):
    doc = agent_doc(
        type="stateful", memory={"size": "5Gi", "storageClass": "fast", "mountPath": "/mem"}
    )
    bundle = render(doc)
    sts = one(bundle, "StatefulSet")["spec"]
    assert sts["serviceName"] == "demo"
    claim = sts["volumeClaimTemplates"][0]
    assert claim["metadata"]["name"] == "memory"
    assert "app.kubernetes.io/version" not in claim["metadata"]["labels"], (
        "volumeClaimTemplates are immutable"
    )
    assert claim["spec"] == {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": "5Gi"}},
        "storageClassName": "fast",
    }
    mounts = sts["template"]["spec"]["containers"][0]["volumeMounts"]
    assert {"name": "memory", "mountPath": "/mem"} in mounts
    assert one(bundle, "Service")["spec"]["clusterIP"] == "None"
    assert one(bundle, "ConfigMap", "demo-config")["data"]["AGENT_MEMORY_DIR"] == "/mem"
    assert "PodDisruptionBudget" not in kinds(
        bundle
    )  # one replica (ReadWriteOnce memory): nothing to budget


def test_service_agent_with_memory_cannot_render(render):
    from agentctl.errors import RenderError

    with pytest.raises(
        RenderError, match=r"agent\.yaml:\d+:\d+: spec\.memory: type service is stateless"
    ):
        render(agent_doc(memory={"size": "1Gi"}))


def test_job_without_schedule_is_a_job(render):
    bundle = render(agent_doc(type="job", port=None, memory={"size": "1Gi"}))
    job = one(bundle, "Job")["spec"]
    assert job["backoffLimit"] == 2
    assert job["activeDeadlineSeconds"] == 5 * 60 + 60, "guardrails.timeout plus a grace period"
    assert job["ttlSecondsAfterFinished"] == 86400
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    pvc = one(bundle, "PersistentVolumeClaim", "demo-memory")
    assert pvc["spec"]["resources"]["requests"]["storage"] == "1Gi"
    volumes = job["template"]["spec"]["volumes"]
    assert {"name": "memory", "persistentVolumeClaim": {"claimName": "demo-memory"}} in volumes
    assert "Service" not in kinds(bundle)


def test_scheduled_job_is_a_cronjob(render):
    cron = one(render(agent_doc(type="job", port=None, schedule="0 6 * * *")), "CronJob")["spec"]
    assert cron["schedule"] == "0 6 * * *"
    assert cron["concurrencyPolicy"] == "Forbid"
    assert cron["successfulJobsHistoryLimit"] == 3 and cron["failedJobsHistoryLimit"] == 3
    job = cron["jobTemplate"]["spec"]
    assert (
        job["backoffLimit"] == 2
        and job["activeDeadlineSeconds"] == 360
        and job["ttlSecondsAfterFinished"] == 86400
    )


def _workflow_bundle(render, **extra):
    return render(agent_doc(type="workflow", port=None, workflow=WORKFLOW, **extra))


def test_workflow_template_dag_from_steps(render):
    bundle = _workflow_bundle(render)
    assert "CronWorkflow" not in kinds(bundle)
    wt = one(bundle, "WorkflowTemplate")["spec"]
    assert wt["entrypoint"] == "main"
    templates = {t["name"]: t for t in wt["templates"]}
    assert list(templates) == [
        "main",
        "fanout-research",
        "step-plan",
        "step-research",
        "step-write",
    ]
    tasks = {t["name"]: t for t in templates["main"]["dag"]["tasks"]}
    assert "dependencies" not in tasks["plan"]
    assert tasks["research"]["dependencies"] == ["plan"]
    assert tasks["write"]["dependencies"] == ["research", "plan"]
    args = {p["name"]: p["value"] for p in tasks["write"]["arguments"]["parameters"]}
    assert args["inputs"] == (
        '{"research": {{tasks.research.outputs.parameters.result}}, "plan": {{tasks.plan.outputs.parameters.result}}}'
    )
    assert wt["arguments"]["parameters"] == [{"name": "topic", "value": "kubernetes"}]


def test_workflow_fan_out_is_bounded_and_aggregates_results(render):
    wt = one(_workflow_bundle(render), "WorkflowTemplate")["spec"]
    templates = {t["name"]: t for t in wt["templates"]}
    main = {t["name"]: t for t in templates["main"]["dag"]["tasks"]}
    args = {p["name"]: p["value"] for p in main["research"]["arguments"]["parameters"]}
    assert main["research"]["template"] == "fanout-research"
    assert args["items"] == "{{tasks.plan.outputs.parameters.result}}"
    fanout = templates["fanout-research"]
    assert fanout["parallelism"] == 4
    each = fanout["dag"]["tasks"][0]
    assert each["withParam"] == "{{inputs.parameters.items}}"
    assert each["template"] == "step-research"
    assert (
        fanout["outputs"]["parameters"][0]["valueFrom"]["parameter"]
        == "{{tasks.each.outputs.parameters.result}}"
    )


def test_workflow_steps_follow_the_runtime_contract(render):
    wt = one(_workflow_bundle(render), "WorkflowTemplate")["spec"]
    templates = {t["name"]: t for t in wt["templates"]}
    research = templates["step-research"]
    env = {e["name"]: e.get("value") for e in research["container"]["env"]}
    assert env["AGENT_STEP"] == "research"
    assert env["AGENT_STEP_ITEM"] == "{{inputs.parameters.item}}"
    assert env["AGENT_STEP_INPUTS"] == "{{inputs.parameters.inputs}}"
    assert env["AGENT_STEP_OUTPUT"] == "/tmp/outputs/result.json"
    assert research["outputs"]["parameters"][0]["valueFrom"]["path"] == "/tmp/outputs/result.json"
    assert "AGENT_STEP_ITEM" not in {e["name"] for e in templates["step-plan"]["container"]["env"]}
    assert templates["step-plan"]["container"]["args"] == ["plan", "{{workflow.parameters.topic}}"]
    assert templates["step-write"]["container"]["args"] == ["write"], (
        "the step name is the default argument"
    )
    assert research["retryStrategy"] == {
        "backoff": {"cap": "300s", "duration": "30s", "factor": 2},
        "limit": 3,
        "retryPolicy": "Always",
    }
    assert research["activeDeadlineSeconds"] == 1200
    assert templates["step-plan"]["retryStrategy"]["limit"] == 2, "every step retries, bounded"


def test_workflow_run_settings_and_identity(render):
    bundle = _workflow_bundle(render)
    wt = one(bundle, "WorkflowTemplate")["spec"]
    assert wt["activeDeadlineSeconds"] == 6 * 3600
    assert wt["parallelism"] == 10
    assert wt["podGC"] == {"strategy": "OnPodSuccess"}
    assert wt["ttlStrategy"] == {"secondsAfterCompletion": 86400}
    assert wt["serviceAccountName"] == "demo"
    assert wt["automountServiceAccountToken"] is False
    assert wt["executor"] == {"serviceAccountName": "demo-executor"}
    assert wt["securityContext"]["runAsNonRoot"] is True
    assert wt["podMetadata"]["labels"]["agentctl.dev/agent"] == "demo"
    role = one(bundle, "Role", "demo-executor")
    assert role["rules"] == [
        {
            "apiGroups": ["argoproj.io"],
            "resources": ["workflowtaskresults"],
            "verbs": ["create", "patch"],
        }
    ]
    token = one(bundle, "Secret")
    assert token["type"] == "kubernetes.io/service-account-token" and "data" not in token
    assert token["metadata"]["annotations"]["kubernetes.io/service-account.name"] == "demo-executor"


def test_scheduled_workflow_adds_cron_workflow(render):
    bundle = _workflow_bundle(render, schedule="0 */6 * * *")
    cron = one(bundle, "CronWorkflow")["spec"]
    assert cron["schedules"] == ["0 */6 * * *"]
    assert cron["concurrencyPolicy"] == "Forbid"
    template = one(bundle, "WorkflowTemplate")["spec"]
    assert cron["workflowSpec"]["templates"] == template["templates"]
    assert cron["workflowSpec"]["activeDeadlineSeconds"] == template["activeDeadlineSeconds"]


def test_service_tools_render_their_own_hardened_deployment(render):
    tools = [
        {
            "name": "calc",
            "kind": "service",
            "image": "ghcr.io/acme/calc:1.0.0",
            "port": 9000,
            "env": {"MODE": "fast"},
        },
        {
            "name": "sandbox",
            "kind": "service",
            "image": "ghcr.io/acme/sb:1.0.0",
            "executesCode": True,
            "sandbox": "gvisor",
            "reason": "runs generated code",
            "scaling": {"minReplicas": 1, "maxReplicas": 4},
        },
    ]
    bundle = render(agent_doc(tools=tools))
    dep = one(bundle, "Deployment", "demo-calc")
    pod = dep["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "demo-calc"
    assert pod["automountServiceAccountToken"] is False
    env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    assert env["OTEL_SERVICE_NAME"] == "demo-calc"
    assert env["MODE"] == "fast"
    assert "agentctl.tool=calc" in env["OTEL_RESOURCE_ATTRIBUTES"]
    assert one(bundle, "Service", "demo-calc")["spec"]["ports"][0]["port"] == 9000
    sandbox = one(bundle, "Deployment", "demo-sandbox")["spec"]
    assert sandbox["template"]["spec"]["runtimeClassName"] == "gvisor"
    assert "replicas" not in sandbox
    assert one(bundle, "HorizontalPodAutoscaler", "demo-sandbox")["spec"]["maxReplicas"] == 4
    config = one(bundle, "ConfigMap", "demo-config")["data"]
    assert config["AGENT_TOOL_CALC_URL"] == "http://demo-calc:9000"


def test_kubernetes_tool_gets_role_binding_and_token(render):
    tools = [
        {
            "name": "reader",
            "kind": "kubernetes",
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}],
        },
        {
            "name": "nodes",
            "kind": "kubernetes",
            "clusterScoped": True,
            "rules": [
                {
                    "apiGroups": [""],
                    "resources": ["nodes"],
                    "verbs": ["list"],
                    "resourceNames": ["n1"],
                }
            ],
        },
    ]
    bundle = render(agent_doc(tools=tools))
    assert one(bundle, "ServiceAccount", "demo")["automountServiceAccountToken"] is False
    pod = one(bundle, "Deployment")["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert any(v["name"] == "kube-api-access" and "projected" in v for v in pod["volumes"])
    assert {
        "name": "kube-api-access",
        "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
        "readOnly": True,
    } in (pod["containers"][0]["volumeMounts"])
    assert one(bundle, "Role", "demo")["rules"] == [
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}
    ]
    binding = one(bundle, "RoleBinding", "demo")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "demo", "namespace": "agents-search"}
    ]
    cluster_role = one(bundle, "ClusterRole")
    assert cluster_role["metadata"]["name"] == "agentctl:agents-search:demo"
    assert "namespace" not in cluster_role["metadata"]
    assert cluster_role["rules"][0]["resourceNames"] == ["n1"]
    assert one(bundle, "ClusterRoleBinding")["roleRef"]["name"] == "agentctl:agents-search:demo"


def test_no_rbac_without_kubernetes_tools(render):
    bundle = render(agent_doc())
    assert not {"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"} & set(kinds(bundle))
    assert one(bundle, "ServiceAccount")["automountServiceAccountToken"] is False


def test_external_secret_per_secret_references_the_platform_store(render):
    secrets = [
        {
            "name": "llm-key",
            "store": "vault",
            "remoteRef": {"key": "openai", "version": "3", "property": "k"},
        },
        {
            "name": "db",
            "store": "gcp",
            "remoteRef": {"key": "db-pass"},
            "mount": "env",
            "env": "DB_PASSWORD",
            "refreshInterval": "15m",
        },
    ]
    bundle = render(
        agent_doc(secrets=secrets), platform={"secretStores": {"vault": {"kind": "SecretStore"}}}
    )
    first = one(bundle, "ExternalSecret", "demo-llm-key")["spec"]
    assert first["secretStoreRef"] == {"name": "vault", "kind": "SecretStore"}
    assert first["data"] == [
        {"secretKey": "value", "remoteRef": {"key": "openai", "version": "3", "property": "k"}}
    ]
    assert first["target"]["name"] == "demo-llm-key"
    second = one(bundle, "ExternalSecret", "demo-db")["spec"]
    assert second["secretStoreRef"] == {"name": "gcp", "kind": "ClusterSecretStore"}
    assert second["refreshInterval"] == "15m"
    pod = one(bundle, "Deployment")["spec"]["template"]["spec"]
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    assert env["DB_PASSWORD"]["valueFrom"] == {"secretKeyRef": {"name": "demo-db", "key": "value"}}
    assert {
        "name": "secret-llm-key",
        "mountPath": "/var/run/secrets/agentctl/llm-key",
        "readOnly": True,
    } in (pod["containers"][0]["volumeMounts"])
    assert not [o for o in bundle.objects if o.kind == "Secret"]


def test_env_overlay_changes_resources(render):
    doc = agent_doc(environments={"prod": {"resources": {"cpu": "1", "memory": "2Gi"}}})
    res = one(render(doc, env="prod"), "Deployment")["spec"]["template"]["spec"]["containers"][0][
        "resources"
    ]
    assert res["requests"]["cpu"] == "1" and res["requests"]["memory"] == "2Gi"


def test_namespace_from_platform_with_pod_security_labels(render):
    bundle = render(agent_doc(), platform={"namespace": "ai-{team}-{agent}"})
    ns = one(bundle, "Namespace")
    assert ns["metadata"]["name"] == "ai-search-demo"
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert all(
        o.namespace == "ai-search-demo"
        for o in bundle.objects
        if o.kind not in ("Namespace", "ClusterRole")
    )


def _budget_args(spec: dict) -> dict[str, str]:
    main = {t["name"]: t for t in spec["templates"] if t["name"] == "main"}["main"]["dag"]["tasks"]
    return {
        t["name"]: next(p["value"] for p in t["arguments"]["parameters"] if p["name"] == "budget")
        for t in main
    }


def test_workflow_hands_the_run_budget_forward_through_the_dag(render):
    """perRunUSD is the run's: each task is handed its dependencies' spend reports and how many
    steps share each (simple tags only, the runtime does the arithmetic)."""
    wt = one(_workflow_bundle(render), "WorkflowTemplate")["spec"]
    templates = {t["name"]: t for t in wt["templates"]}
    budget = _budget_args(wt)
    assert budget["plan"] == '{"from": [[1, 1]], "attempts": 3}'  # the root; default retry: 2
    spend = "{{tasks.plan.outputs.parameters.spend}}"
    # plan's rest is shared by research and write; research splits its share over plan's items
    assert budget["research"] == f'{{"from": [[{spend}, 2]], "items": {spend}, "attempts": 4}}'
    assert budget["write"] == (
        '{"from": [[{{tasks.research.outputs.parameters.spend}}, 1], '
        f'[{spend}, 2]], "attempts": 3}}'
    )
    assert "{{=" not in str(wt), "no Argo expressions: simple tags only"
    env = {e["name"]: e.get("value") for e in templates["step-research"]["container"]["env"]}
    assert env["AGENT_RUN_BUDGET"] == "{{inputs.parameters.budget}}"
    assert env["AGENT_STEP_RETRY"] == "{{retries}}"
    assert env["AGENT_STEP_SPEND_OUTPUT"] == "/tmp/outputs/spend.json"
    assert env["AGENT_RUN_ID"] == "{{workflow.uid}}"
    outputs = {
        p["name"]: p["valueFrom"] for p in templates["step-research"]["outputs"]["parameters"]
    }
    assert outputs["spend"] == {"path": "/tmp/outputs/spend.json", "default": "null"}
    fanout = templates["fanout-research"]
    assert [p["name"] for p in fanout["inputs"]["parameters"]] == ["items", "inputs", "budget"]
    each = {p["name"]: p["value"] for p in fanout["dag"]["tasks"][0]["arguments"]["parameters"]}
    assert each["budget"] == "{{inputs.parameters.budget}}"
    aggregated = {p["name"]: p["valueFrom"]["parameter"] for p in fanout["outputs"]["parameters"]}
    assert aggregated["spend"] == "{{tasks.each.outputs.parameters.spend}}"


def test_workflow_without_a_run_budget_passes_none(render):
    doc = agent_doc(type="workflow", port=None, workflow=WORKFLOW)
    doc["spec"]["guardrails"]["budget"] = {"dailyUSD": 10}
    wt = one(render(doc), "WorkflowTemplate")["spec"]
    assert "budget" not in str([t.get("inputs") for t in wt["templates"]])
    env = {e["name"] for t in wt["templates"] if "container" in t for e in t["container"]["env"]}
    assert "AGENT_RUN_BUDGET" not in env and "AGENT_RUN_ID" in env


def test_a_cluster_spend_ledger_is_one_configmap_the_agent_may_get_and_patch_alone(render):
    doc = agent_doc()
    doc["spec"]["guardrails"]["budget"]["dailyLedger"] = "cluster"
    bundle = render(doc)
    ledger = one(bundle, "ConfigMap", "demo-spend")
    assert "data" not in ledger  # the runtime's; deploy never resets it
    assert one(bundle, "ConfigMap", "demo-config")["data"]["AGENT_SPEND_CONFIGMAP"] == "demo-spend"
    role = one(bundle, "Role", "demo-spend")
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["demo-spend"],
         "verbs": ["get", "patch"]}
    ]  # fmt: skip
    binding = one(bundle, "RoleBinding", "demo-spend")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "demo", "namespace": "agents-search"}
    ]
    pod = one(bundle, "Deployment")["spec"]["template"]["spec"]
    assert any(v["name"] == "kube-api-access" for v in pod["volumes"])  # a token, for that object
    # without it (the default), no token, no role
    assert "Role" not in kinds(render(agent_doc()))
