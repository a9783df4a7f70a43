"""The hardening contract holds for every example and for edge-case specs."""

from __future__ import annotations

from pathlib import Path

import pytest
from render_helpers import WORKFLOW, agent_doc, check_invariants, containers, one

EXAMPLES = sorted((Path(__file__).resolve().parents[3] / "examples").glob("*/agent.yaml"))
PLATFORMS = {
    "default": None,
    "proxy": {
        "egress": {
            "mode": "proxy",
            "proxy": {"service": "squid", "namespace": "egress", "port": 3128},
        }
    },
    "fqdn": {"egress": {"mode": "fqdn"}},
    "cidr": {"egress": {"mode": "cidr"}},
}


@pytest.mark.parametrize("platform", PLATFORMS, ids=list(PLATFORMS))
@pytest.mark.parametrize("example", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
def test_examples_are_hardened_and_schema_valid(example, platform, platform_from, crd_validator):
    from agentctl.render import render_agent
    from agentctl.spec.loader import load_agent

    bundle = render_agent(load_agent(example), platform_from(PLATFORMS[platform]))
    check_invariants(bundle)
    for obj in bundle.objects:
        assert crd_validator.validate(obj.obj) == [], obj.ref


EDGE_SPECS = {
    "workflow-with-everything": agent_doc(
        type="workflow",
        port=None,
        schedule="@daily",
        memory={"size": "1Gi", "accessMode": "ReadWriteMany"},
        workflow=WORKFLOW,
        tools=[
            {
                "name": "k8s",
                "kind": "kubernetes",
                "rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get"]}],
            }
        ],
        secrets=[
            {
                "name": "llm-key",
                "store": "vault",
                "remoteRef": {"key": "a"},
                "mount": "env",
                "env": "OPENAI_API_KEY",
            },
        ],
    ),
    "job-offline-model": agent_doc(
        type="job", port=None, model={"provider": "offline-demo", "name": "demo"}, secrets=[]
    ),
    "no-model-no-secrets": agent_doc(model=None, secrets=[]),
    "in-cluster-model-and-ip-tool": agent_doc(
        model={"provider": "openai", "name": "llama-3", "endpoint": "http://vllm.models:8000/v1"},
        secrets=[],
        tools=[
            {"name": "ip", "kind": "tcp", "host": "10.1.2.3", "port": 6379},
            {
                "name": "cidr",
                "kind": "http",
                "url": "https://api.example.com",
                "cidrs": ["203.0.113.0/24"],
            },
            {"name": "local-svc", "kind": "http", "url": "http://search:9200"},
        ],
    ),
}


@pytest.mark.parametrize("platform", PLATFORMS, ids=list(PLATFORMS))
@pytest.mark.parametrize("name", EDGE_SPECS, ids=list(EDGE_SPECS))
def test_edge_specs_are_hardened_and_schema_valid(name, platform, render, crd_validator):
    bundle = render(EDGE_SPECS[name], platform=PLATFORMS[platform])
    check_invariants(bundle)
    for obj in bundle.objects:
        assert crd_validator.validate(obj.obj) == [], obj.ref


def test_limits_default_from_requests_and_respect_platform_maximums(render):
    doc = agent_doc(resources={"cpu": "3", "memory": "1Gi"})
    res = one(render(doc, platform={"limits": {"maxCPU": "4"}}), "Deployment")["spec"]["template"][
        "spec"
    ]["containers"][0]["resources"]
    assert res["limits"] == {"cpu": "4", "memory": "1Gi", "ephemeral-storage": "1Gi"}, (
        "2x cpu capped at maxCPU; memory = request"
    )
    doc = agent_doc(
        resources={
            "cpu": "250m",
            "memory": "512Mi",
            "cpuLimit": "300m",
            "memoryLimit": "1Gi",
            "ephemeralStorage": "2Gi",
        }
    )
    res = one(render(doc), "Deployment")["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert res["limits"] == {"cpu": "300m", "memory": "1Gi", "ephemeral-storage": "2Gi"}
    assert res["requests"] == {"cpu": "250m", "memory": "512Mi", "ephemeral-storage": "2Gi"}


def test_kubernetes_tool_gets_a_projected_token_never_automount(render):
    doc = EDGE_SPECS["workflow-with-everything"]
    bundle = render(doc)
    wt = one(bundle, "WorkflowTemplate")["spec"]
    assert wt["automountServiceAccountToken"] is False
    assert one(bundle, "ServiceAccount", "demo")["automountServiceAccountToken"] is False
    token = next(v for v in wt["volumes"] if v["name"] == "kube-api-access")
    assert token["projected"]["sources"][0] == {
        "serviceAccountToken": {"path": "token", "expirationSeconds": 3607}
    }
    for c in containers(one(bundle, "WorkflowTemplate")):
        assert {
            "name": "kube-api-access",
            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
            "readOnly": True,
        } in c["volumeMounts"]
    env_names = [e["name"] for c in containers(one(bundle, "WorkflowTemplate")) for e in c["env"]]
    assert "AGENT_MODEL_API_KEY" in env_names and "OPENAI_API_KEY" in env_names
    plain = render(agent_doc(type="workflow", port=None, workflow=WORKFLOW))
    assert "kube-api-access" not in str(one(plain, "WorkflowTemplate"))


def test_user_labels_cannot_override_standard_labels(render):
    from agentctl.errors import RenderError

    doc = agent_doc()
    doc["metadata"]["labels"]["app.kubernetes.io/name"] = "other"
    with pytest.raises(
        RenderError,
        match=r"metadata\.labels\.app\.kubernetes\.io/name: label .* is set by agentctl",
    ):
        render(doc)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/tmp", r"spec\.memory\.mountPath: /tmp is where agentctl mounts volume tmp"),
        ("/tmp/", r"spec\.memory\.mountPath: /tmp/ is where agentctl mounts volume tmp"),
        ("/", r"spec\.memory\.mountPath: / is the container's root file system"),
        ("/a/..", r"spec\.memory\.mountPath: /a/\.\. is the container's root file system"),
    ],
)
def test_memory_cannot_be_mounted_where_agentctl_mounts_a_volume(render, path, expected):
    """The API server answered a 500 for two mounts at /tmp (the volume list's key is
    the path) and a volume at / replaces the root file system."""
    from agentctl.errors import RenderError

    doc = agent_doc(type="stateful", memory={"size": "1Gi", "mountPath": path})
    doc["spec"]["scaling"] = {"minReplicas": 1, "maxReplicas": 1}
    with pytest.raises(RenderError, match=expected):
        render(doc)


def test_memory_may_be_mounted_beside_or_under_agentctl_mounts(render):
    doc = agent_doc(type="stateful", memory={"size": "1Gi", "mountPath": "/tmp/memory"})
    doc["spec"]["scaling"] = {"minReplicas": 1, "maxReplicas": 1}
    mounts = containers(one(render(doc), "StatefulSet"))[0]["volumeMounts"]
    assert {"name": "memory", "mountPath": "/tmp/memory"} in mounts


def _digit_env(where: str) -> dict:
    if where == "spec.env":
        return agent_doc(env={"1ST": "x"})
    if where == "tool":
        tool = {"name": "t1", "kind": "service", "image": "ghcr.io/acme/t:1", "env": {"1ST": "x"}}
        return agent_doc(tools=[tool])
    steps = [{**WORKFLOW["steps"][0], "env": {"1ST": "x"}}, *WORKFLOW["steps"][1:]]
    return agent_doc(type="workflow", port=None, workflow={**WORKFLOW, "steps": steps})


@pytest.mark.parametrize("where", ["spec.env", "tool", "step"])
def test_an_env_name_starting_with_a_digit_needs_kubernetes_1_34(render, where):
    """kube-apiserver 1.34 relaxed the names it takes (RelaxedEnvironmentVariableValidation):
    before it, '1ST' is refused in a container's env, and skipped from a ConfigMap's."""
    from agentctl.errors import RenderError
    from agentctl.render.schemas import default_kube_version

    with pytest.raises(RenderError, match=r"1ST starts with a digit.* from 1\.34 on, not 1\.31"):
        render(_digit_env(where), kube_version="1.31")
    newest = default_kube_version()  # the newest schemas the installed validator bundles
    if tuple(int(p) for p in newest.split(".")) >= (1, 34):
        render(_digit_env(where), kube_version="1.34")
        render(_digit_env(where))
    else:  # without a version asked for, the render targets the newest bundled schemas
        with pytest.raises(RenderError, match=f"from 1\\.34 on, not {newest}"):
            render(_digit_env(where))
