"""The policy gate holds: probes an attacker or an auditor would try, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli.helpers import run_cli

PLATFORM = {
    "apiVersion": "agentctl.dev/v1alpha1",
    "kind": "Platform",
    "registries": ["ghcr.io/acme/"],
    "models": [{"provider": "openai", "name": "gpt-4.1-*"}],
    "secretStores": {"gcp-secret-manager": {"kind": "ClusterSecretStore"}},
}


def _service(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": "service",
        "image": "ghcr.io/acme/agent:1.0.0",
        "port": 8080,
        "guardrails": {
            "budget": {"perRunUSD": 1, "dailyUSD": 5},
            "maxSteps": 5,
            "maxToolCalls": 5,
            "timeout": "1m",
        },
    }
    base.update(spec)
    return {
        "apiVersion": "agentctl.dev/v1alpha1",
        "kind": "Agent",
        "metadata": {"name": "probe", "team": "search"},
        "spec": base,
    }


def _project(
    tmp_path: Path, agent: dict[str, Any], platform: dict[str, Any] | None = None
) -> tuple[Path, Path]:
    project = tmp_path / "probe"
    project.mkdir(exist_ok=True)
    (project / "agent.yaml").write_text(yaml.safe_dump(agent, sort_keys=False))
    pf = tmp_path / "platform.yaml"
    pf.write_text(yaml.safe_dump(platform or PLATFORM, sort_keys=False))
    return project, pf


def _validate(project: Path, pf: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = run_cli("validate", str(project), "--platform", str(pf), "-o", "json", *extra)
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    return result.exit_code, json.loads(result.stdout)["data"]


def _checks(data: dict[str, Any]) -> list[str]:
    return [f["check"] for f in data["findings"]]


def _secret(store: str = "gcp-secret-manager", key: str = "search-openai-key") -> dict[str, Any]:
    return {"name": "llm-api-key", "store": store, "remoteRef": {"key": key}}


# -- secret stores ---------------------------------------------------------------------------


def test_a_store_the_platform_does_not_list_is_a_high_finding(tmp_path):
    project, pf = _project(tmp_path, _service(secrets=[_secret("other-store")]))
    code, data = _validate(project, pf)
    assert code == 1
    hit = [f for f in data["findings"] if f["check"] == "SEC-005"]
    assert hit and hit[0]["severity"] == "high"
    assert "other-store" in hit[0]["message"]
    lines = (project / "agent.yaml").read_text().splitlines()
    assert "other-store" in lines[hit[0]["location"]["line"] - 1]  # located on the store line


def test_a_store_the_platform_lists_passes(tmp_path):
    project, pf = _project(tmp_path, _service(secrets=[_secret()]))
    _code, data = _validate(project, pf)
    assert "SEC-005" not in _checks(data)


def test_without_a_platform_only_the_default_store_is_allowed(tmp_path, monkeypatch):
    project, _ = _project(tmp_path, _service(secrets=[_secret("team-b-store")]))
    monkeypatch.chdir(project)
    result = run_cli("validate", ".", "-o", "json")
    data = json.loads(result.stdout)["data"]
    assert "SEC-005" in _checks(data)
    assert result.exit_code == 1
    (project / "agent.yaml").write_text(yaml.safe_dump(_service(secrets=[_secret()])))
    data = json.loads(run_cli("validate", ".", "-o", "json").stdout)["data"]
    assert "SEC-005" not in _checks(data)


def test_build_refuses_a_store_the_platform_does_not_list(tmp_path):
    project, pf = _project(tmp_path, _service(secrets=[_secret("other-store")]))
    out = tmp_path / "dist"
    result = run_cli("build", str(project), "--platform", str(pf), "--out", str(out))
    assert result.exit_code == 1, result.stderr
    assert "SEC-005" in result.stderr
    assert not out.exists()


def test_validate_and_build_agree_on_a_store_name_that_is_not_a_dns_label(tmp_path):
    project, pf = _project(tmp_path, _service(secrets=[_secret("Other_Store")]))
    v = run_cli("validate", str(project), "--platform", str(pf))
    b = run_cli("build", str(project), "--platform", str(pf), "--out", str(tmp_path / "d"))
    assert v.exit_code == b.exit_code == 2, (v.stderr, b.stderr)
    assert "spec.secrets[0].store" in v.stderr and "spec.secrets[0].store" in b.stderr
    assert ":" in v.stderr.split("spec.secrets[0].store")[0]  # file:line:col before the field


# -- build and deploy run the gate -----------------------------------------------------------

LEAKS = {
    "OPENAI_API_KEY": "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4",
    "DATABASE_URL": "postgresql://app:" + "Hunter2pw" + "@db.internal:5432/orders",
    "API_TOKEN": "tok-" + "9f8e7d6c5b4a",
}


@pytest.mark.parametrize("key", sorted(LEAKS))
def test_build_refuses_a_literal_credential_and_writes_nothing(tmp_path, key):
    project, pf = _project(tmp_path, _service(env={key: LEAKS[key]}))
    out = tmp_path / "dist"
    for args in (["--out", str(out)], ["-o", "yaml"], ["-o", "json", "--out", str(out)]):
        result = run_cli("build", str(project), "--platform", str(pf), *args)
        assert result.exit_code == 1, (args, result.stderr)
        assert "SEC-001" in result.stderr + result.stdout
        secret = LEAKS[key].split(":")[-1].split("@")[0] if "://" in LEAKS[key] else LEAKS[key]
        assert secret not in result.stdout + result.stderr
        assert not out.exists()


def test_a_connection_string_password_is_sec001_in_validate(tmp_path):
    project, pf = _project(tmp_path, _service(env={"ORDERS_DB": LEAKS["DATABASE_URL"]}))
    code, data = _validate(project, pf)
    assert code == 1
    assert "SEC-001" in _checks(data)
    # a placeholder the runtime fills in is not a password
    project, pf = _project(
        tmp_path, _service(env={"ORDERS_DB": "postgresql://app:$(DB_PASSWORD)@db:5432/o"})
    )
    code, data = _validate(project, pf)
    assert "SEC-001" not in _checks(data)


def test_build_refuses_wildcard_rbac(tmp_path):
    tool = {
        "name": "admin",
        "kind": "kubernetes",
        "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}],
    }
    project, pf = _project(tmp_path, _service(tools=[tool]))
    result = run_cli("build", str(project), "--platform", str(pf), "--out", str(tmp_path / "d"))
    assert result.exit_code == 1
    assert "RBAC-" in result.stderr


def test_build_uses_the_platform_fail_on(tmp_path):
    """A medium finding passes at failOn high and refuses at failOn medium, as validate does."""
    agent = _service(secrets=[{**_secret(), "mount": "env", "env": "LLM_KEY"}])
    platform = {**PLATFORM, "policy": {"failOn": "low"}}
    project, pf = _project(tmp_path, agent, platform)
    v = run_cli("validate", str(project), "--platform", str(pf))
    b = run_cli("build", str(project), "--platform", str(pf), "--out", str(tmp_path / "d"))
    assert v.exit_code == b.exit_code == 1
    project, pf = _project(tmp_path, agent, PLATFORM)
    b = run_cli("build", str(project), "--platform", str(pf), "--out", str(tmp_path / "d"))
    assert b.exit_code == 0, b.stderr


def test_no_gate_needs_the_platform_to_allow_it(tmp_path):
    agent = _service(secrets=[_secret("other-store")])
    project, pf = _project(tmp_path, agent)
    result = run_cli(
        "build", str(project), "--platform", str(pf), "--no-gate", "--out", str(tmp_path / "d")
    )
    assert result.exit_code == 2
    assert "allowNoGate" in result.stderr
    project, pf = _project(tmp_path, agent, {**PLATFORM, "policy": {"allowNoGate": True}})
    result = run_cli(
        "build", str(project), "--platform", str(pf), "--no-gate", "--out", str(tmp_path / "d")
    )
    assert result.exit_code == 0, result.stderr
    assert "gate skipped" in result.stderr.lower()
    assert "SEC-005" in result.stderr


def test_no_gate_never_lets_a_credential_through(tmp_path):
    agent = _service(env={"OPENAI_API_KEY": LEAKS["OPENAI_API_KEY"]})
    project, pf = _project(tmp_path, agent, {**PLATFORM, "policy": {"allowNoGate": True}})
    result = run_cli("build", str(project), "--platform", str(pf), "--no-gate", "-o", "yaml")
    assert result.exit_code == 1
    assert LEAKS["OPENAI_API_KEY"] not in result.stdout + result.stderr


def test_deploy_refuses_before_connecting(tmp_path):
    project, pf = _project(tmp_path, _service(secrets=[_secret("other-store")]))
    # no kubeconfig at all: a refusal by the gate must come first (exit 1, not 3)
    result = run_cli("deploy", str(project), "--platform", str(pf))
    assert result.exit_code == 1, result.stderr
    assert "SEC-005" in result.stderr


# -- overlays --------------------------------------------------------------------------------


def test_every_environment_is_gated_by_default(tmp_path):
    agent = _service(environments={"prod": {"image": "docker.io/evil/miner:latest"}})
    project, pf = _project(tmp_path, agent)
    code, data = _validate(project, pf)
    assert code == 1
    img = [f for f in data["findings"] if f["check"] == "IMG-002"]
    assert img and all("prod" in f["message"] for f in img)
    assert {a["env"] for a in data["agents"]} == {None, "prod"}
    # --env narrows it
    code, data = _validate(project, pf, "--env", "prod")
    assert code == 1
    assert {a["env"] for a in data["agents"]} == {"prod"}


def test_a_finding_of_the_base_spec_is_reported_once(tmp_path):
    agent = _service(
        image="docker.io/evil/miner:1.0.0", environments={"prod": {"resources": {"cpu": "1"}}}
    )
    project, pf = _project(tmp_path, agent)
    _code, data = _validate(project, pf)
    img = [f for f in data["findings"] if f["check"] == "IMG-002"]
    assert len(img) == 1 and "prod" not in img[0]["message"]


# -- quantities and ranges -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"resources": {"cpu": 0}}, "spec.resources.cpu"),
        ({"resources": {"memory": "0"}}, "spec.resources.memory"),
        ({"resources": {"cpu": "0m", "cpuLimit": "0"}}, "spec.resources.cpu"),
        ({"resources": {"memory": "99999999999999Ei"}}, "spec.resources.memory"),
        ({"guardrails": {"timeout": "99999999999999999999d"}}, "spec.guardrails.timeout"),
        ({"guardrails": {"timeout": 10**30}}, "spec.guardrails.timeout"),
    ],
)
def test_zero_and_out_of_range_values_are_spec_errors(tmp_path, patch, field):
    agent = _service()
    for k, v in patch.items():
        agent["spec"][k] = {**agent["spec"].get(k, {}), **v}
    project, pf = _project(tmp_path, agent)
    for cmd in ("validate", "build"):
        result = run_cli(cmd, str(project), "--platform", str(pf), "--out", str(tmp_path / "d"))
        if cmd == "validate":
            result = run_cli(cmd, str(project), "--platform", str(pf))
        assert result.exit_code == 2, (cmd, result.stdout, result.stderr)
        assert field in result.stderr
        assert "agent.yaml:" in result.stderr


def test_a_float_timeout_is_a_spec_error(tmp_path):
    agent = _service()
    agent["spec"]["guardrails"]["timeout"] = 1e30
    project, pf = _project(tmp_path, agent)
    result = run_cli("validate", str(project), "--platform", str(pf))
    assert result.exit_code == 2
    assert "spec.guardrails.timeout" in result.stderr


def test_memory_volume_size_and_workflow_deadline_in_range(tmp_path):
    agent = _service(type="stateful", memory={"size": "99999999999999Ei"})
    project, pf = _project(tmp_path, agent)
    result = run_cli("validate", str(project), "--platform", str(pf))
    assert result.exit_code == 2 and "spec.memory.size" in result.stderr
    agent = _service(type="workflow", port=None)
    del agent["spec"]["port"]
    agent["spec"]["workflow"] = {
        "steps": [{"name": "a"}],
        "deadline": "99999999999999999999d",
    }
    project, pf = _project(tmp_path, agent)
    result = run_cli("validate", str(project), "--platform", str(pf))
    assert result.exit_code == 2 and "spec.workflow.deadline" in result.stderr


# -- pods ------------------------------------------------------------------------------------


def _build_docs(tmp_path: Path, agent: dict[str, Any], platform: dict[str, Any] | None = None):
    project, pf = _project(tmp_path, agent, platform)
    result = run_cli("build", str(project), "--platform", str(pf), "-o", "yaml")
    assert result.exit_code == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def _containers(docs):
    for d in docs:
        if d["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield from d["spec"]["template"]["spec"]["containers"]


def test_pull_policy_always_unless_pinned_by_digest(tmp_path):
    docs = _build_docs(tmp_path, _service())
    assert {c["imagePullPolicy"] for c in _containers(docs)} == {"Always"}
    pinned = "ghcr.io/acme/agent@sha256:" + "a" * 64
    docs = _build_docs(tmp_path, _service(image=pinned))
    assert {c["imagePullPolicy"] for c in _containers(docs)} == {"IfNotPresent"}


def test_capture_content_is_a_finding_unless_the_platform_allows_it(tmp_path):
    agent = _service(observability={"captureContent": True})
    project, pf = _project(tmp_path, agent)
    code, data = _validate(project, pf)
    assert "OBS-002" in _checks(data)
    assert code == 1
    allowed = {**PLATFORM, "telemetry": {"allowCaptureContent": True}}
    project, pf = _project(tmp_path, agent, allowed)
    code, data = _validate(project, pf)
    assert "OBS-002" not in _checks(data)


def test_pdb_and_spread_only_where_more_than_one_replica_can_exist(tmp_path):
    docs = _build_docs(tmp_path, _service(scaling={"minReplicas": 1, "maxReplicas": 1}))
    kinds = [d["kind"] for d in docs]
    assert "PodDisruptionBudget" not in kinds
    dep = next(d for d in docs if d["kind"] == "Deployment")
    assert "topologySpreadConstraints" not in dep["spec"]["template"]["spec"]
    docs = _build_docs(tmp_path, _service(scaling={"minReplicas": 2, "maxReplicas": 4}))
    assert "PodDisruptionBudget" in [d["kind"] for d in docs]
    dep = next(d for d in docs if d["kind"] == "Deployment")
    spread = dep["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert {s["topologyKey"] for s in spread} >= {"kubernetes.io/hostname"}
    assert all(s["labelSelector"]["matchLabels"] for s in spread)


# -- network ---------------------------------------------------------------------------------


def _policies(docs):
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == "NetworkPolicy"}


def test_ingress_only_from_the_namespace_declared_callers_and_platform_namespaces(tmp_path):
    agent = _service(callers=[{"namespace": "web", "agent": "frontend"}, {"namespace": "batch"}])
    platform = {**PLATFORM, "network": {"ingressNamespaces": ["gateway"]}}
    docs = _build_docs(tmp_path, agent, platform)
    (rule,) = _policies(docs)["probe"]["spec"]["ingress"]
    ns = "kubernetes.io/metadata.name"
    assert rule["from"] == [
        {"podSelector": {}},
        {
            "namespaceSelector": {"matchLabels": {ns: "web"}},
            "podSelector": {"matchLabels": {"agentctl.dev/agent": "frontend"}},
        },
        {"namespaceSelector": {"matchLabels": {ns: "batch"}}, "podSelector": {}},
        {"namespaceSelector": {"matchLabels": {ns: "gateway"}}},
    ]
    assert all(p.get("namespaceSelector") != {} for p in rule["from"])


def test_ingress_from_every_namespace_is_net006(tmp_path):
    manifest = tmp_path / "np.yaml"
    manifest.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": "open", "namespace": "agents-x", "labels": {"team": "x"}},
                "spec": {
                    "podSelector": {},
                    "policyTypes": ["Ingress"],
                    "ingress": [{"from": [{"namespaceSelector": {}}]}],
                },
            }
        )
    )
    result = run_cli("validate", "-f", str(manifest), "-o", "json", "--include", "NET-006")
    assert result.exit_code == 1
    assert _checks(json.loads(result.stdout)["data"]) == ["NET-006"]


def test_a_namespace_wide_default_deny_is_rendered(tmp_path):
    deny = _policies(_build_docs(tmp_path, _service()))["agentctl-namespace-default-deny"]
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


TCP = {"name": "orders-db", "kind": "tcp", "host": "orders.db.internal", "port": 5432}
KUBE = {
    "name": "reader",
    "kind": "kubernetes",
    "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}],
}


@pytest.mark.parametrize(
    ("tool", "severity"), [(TCP, "high"), (KUBE, "medium")], ids=["tcp", "kubernetes"]
)
def test_a_tool_without_an_exact_destination_is_net005(tmp_path, tool, severity):
    project, pf = _project(tmp_path, _service(tools=[tool]))
    code, data = _validate(project, pf)
    assert code == (1 if severity == "high" else 0)
    hits = [f for f in data["findings"] if f["check"] == "NET-005"]
    assert hits and "10.0.0.0/8" in hits[0]["message"]
    assert {f["severity"] for f in hits} == {severity}
    # a platform that gates on medium refuses the API server's whole ranges too
    platform = {**PLATFORM, "policy": {"failOn": "medium"}}
    project, pf = _project(tmp_path, _service(tools=[tool]), platform)
    result = run_cli("build", str(project), "--platform", str(pf), "--out", str(tmp_path / "d"))
    assert result.exit_code == 1 and "NET-005" in result.stderr


def test_exact_destinations_pass_net005(tmp_path):
    tools = [
        {**TCP, "host": "orders-db.data.svc.cluster.local"},
        {**TCP, "name": "warehouse", "cidrs": ["10.20.0.15/32"]},
        KUBE,
    ]
    platform = {
        **PLATFORM,
        "network": {"allowedCidrs": ["10.20.0.0/24"], "apiServerCidrs": ["172.16.0.2/32"]},
    }
    project, pf = _project(tmp_path, _service(tools=tools), platform)
    _, data = _validate(project, pf)
    assert "NET-005" not in _checks(data)
    # a cidr outside what the platform allows is not exact enough
    tools[1]["cidrs"] = ["10.0.0.0/9"]
    project, pf = _project(tmp_path, _service(tools=tools), platform)
    code, data = _validate(project, pf)
    assert code == 1 and "NET-005" in _checks(data)


# -- identity and secret scoping -------------------------------------------------------------


def _service_account(docs):
    return next(
        d for d in docs if d["kind"] == "ServiceAccount" and d["metadata"]["name"] == "probe"
    )


@pytest.mark.parametrize(
    ("identity", "key", "value"),
    [
        (
            {"provider": "gke", "projectId": "acme-agents"},
            "iam.gke.io/gcp-service-account",
            "probe@acme-agents.iam.gserviceaccount.com",
        ),
        (
            {"provider": "eks", "roleArn": "arn:aws:iam::123456789012:role/agents-{team}-{agent}"},
            "eks.amazonaws.com/role-arn",
            "arn:aws:iam::123456789012:role/agents-search-probe",
        ),
        (
            {"provider": "azure", "clientId": "00000000-1111-2222-3333-444444444444"},
            "azure.workload.identity/client-id",
            "00000000-1111-2222-3333-444444444444",
        ),
    ],
    ids=["gke", "eks", "azure"],
)
def test_workload_identity_annotates_the_service_account(tmp_path, identity, key, value):
    docs = _build_docs(tmp_path, _service(), {**PLATFORM, "workloadIdentity": identity})
    assert _service_account(docs)["metadata"]["annotations"][key] == value
    pod = next(d for d in docs if d["kind"] == "Deployment")["spec"]["template"]["metadata"]
    assert (pod["labels"].get("azure.workload.identity/use") == "true") == (
        identity["provider"] == "azure"
    )


def test_the_spec_can_name_its_cloud_identity(tmp_path):
    platform = {**PLATFORM, "workloadIdentity": {"provider": "gke", "projectId": "acme-agents"}}
    agent = _service(cloudIdentity="search-bot@acme-agents.iam.gserviceaccount.com")
    docs = _build_docs(tmp_path, agent, platform)
    annotations = _service_account(docs)["metadata"]["annotations"]
    assert annotations["iam.gke.io/gcp-service-account"].startswith("search-bot@")


def test_an_incomplete_workload_identity_is_a_platform_error(tmp_path):
    project, pf = _project(
        tmp_path, _service(), {**PLATFORM, "workloadIdentity": {"provider": "gke"}}
    )
    result = run_cli("validate", str(project), "--platform", str(pf))
    assert result.exit_code == 2
    assert "workloadIdentity" in result.stderr and "projectId" in result.stderr


def test_an_agent_cannot_name_another_teams_key(tmp_path):
    platform = {
        **PLATFORM,
        "secretStores": {
            "gcp-secret-manager": {"kind": "ClusterSecretStore", "keyPrefix": "{team}-"}
        },
    }
    project, pf = _project(
        tmp_path, _service(secrets=[_secret(key="billing-db-password")]), platform
    )
    code, data = _validate(project, pf)
    assert code == 1
    hit = next(f for f in data["findings"] if f["check"] == "SEC-006")
    assert "billing-db-password" in hit["message"] and "'search-'" in hit["message"]
    build = run_cli("build", str(project), "--platform", str(pf), "--out", str(tmp_path / "d"))
    assert build.exit_code == 1 and "SEC-006" in build.stderr
    project, pf = _project(tmp_path, _service(secrets=[_secret(key="search-openai-key")]), platform)
    _, data = _validate(project, pf)
    assert "SEC-006" not in _checks(data)
