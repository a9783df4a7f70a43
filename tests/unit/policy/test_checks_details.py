"""Check details not covered by the fixtures: Argo pods, selectors, credential shapes, allowlists."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import EXAMPLES
from tests.unit.policy.helpers import POLICY_FIXTURES

from agentctl.policy import gate
from agentctl.policy.checks.network import selector_matches
from agentctl.policy.checks.secrets import CREDENTIAL_SHAPES, SHAPE_NEEDLES, credential_shape
from agentctl.policy.engine import run
from agentctl.policy.model import RunOptions
from agentctl.policy.registry import builtin_checks
from agentctl.policy.sources import agent_unit
from agentctl.spec.loader import load_agent, load_platform


def test_selectors():
    labels = {"app": "web", "tier": "agent"}
    assert selector_matches({}, labels)
    assert selector_matches({"matchLabels": {"app": "web"}}, labels)
    assert not selector_matches({"matchLabels": {"app": "db"}}, labels)
    assert selector_matches(
        {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["agent"]}]}, labels
    )
    assert not selector_matches(
        {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["agent"]}]}, labels
    )
    assert selector_matches(
        {"matchExpressions": [{"key": "zone", "operator": "DoesNotExist"}]}, labels
    )
    assert not selector_matches(
        {"matchExpressions": [{"key": "zone", "operator": "Exists"}]}, labels
    )


def test_credential_shapes_built_at_runtime():
    fake = {
        "an OpenAI-style API key": "sk-" + "x" * 24,
        "an Anthropic API key": "sk-ant-" + "x" * 24,
        "a Google API key": "AIza" + "x" * 35,
        "a Hugging Face token": "hf_" + "x" * 34,
        "a GitHub token": "ghp_" + "x" * 36,
        "an AWS access key id": "AKIA" + "X" * 16,
    }
    for what, value in fake.items():
        assert credential_shape(f"Bearer {value}") == what
    assert credential_shape("sk-short") is None and credential_shape("/var/run/secrets/key") is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_every_credential_shape_holds_one_of_the_needles_searched_first(data) -> None:
    """The fast literal search never rules out a value one of the shapes matches."""
    for _, pattern in CREDENTIAL_SHAPES:
        value = data.draw(st.from_regex(pattern))
        assert SHAPE_NEEDLES.search(value), (pattern.pattern, value)
        assert credential_shape(value) is not None


def test_credential_by_shape_in_args(tmp_path):
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec:\n  containers:\n"
        f"    - name: c\n      image: ghcr.io/acme/c:1.0.0\n      args: [--key, {'sk-' + 'x' * 24}]\n"
    )
    report = gate.run(paths=[], manifests=[str(manifest)], include=["SEC-001"])
    assert [(f.line, f.field) for f in report.active] == [(8, "spec.containers[0].args[1]")]


def test_argo_templates_are_pods(tmp_path):
    wf = tmp_path / "wf.yaml"
    wf.write_text(
        """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: wf, namespace: a}
spec:
  entrypoint: main
  securityContext: {runAsNonRoot: true}
  templates:
    - name: main
      steps: [[{name: s, template: work}]]
    - name: work
      container:
        image: ghcr.io/acme/w:1.0.0
        securityContext:
          privileged: true
"""
    )
    report = gate.run(paths=[], manifests=[str(wf)], include=["PSS-001", "PSS-005"])
    assert [(f.check, f.line, f.container) for f in report.active] == [("PSS-005", 14, "work")]


def test_unused_proxy_allowlist_entry_is_reported():
    platform = load_platform(EXAMPLES / "platform.yaml")
    options = RunOptions()
    unit = agent_unit(load_agent(EXAMPLES / "research-assistant"), platform, options)
    allowlist = next(
        o for o in unit.objects if o.labels.get("agentctl.dev/egress-allowlist") == "true"
    )
    allowlist.data["data"]["hosts.txt"] += "paste.example.net:443\n"
    check = next(c for c in builtin_checks() if c.id == "GRD-004")
    report = run([unit], [check])
    assert [f.message for f in report.active] == [
        "egress allowlist entry paste.example.net:443 is not used by the model or any tool"
    ]
    assert report.active[0].file == "examples/research-assistant/agent.yaml" or report.active[
        0
    ].file.endswith("agent.yaml")


def test_findings_from_rendered_objects_point_at_agent_yaml(tmp_path):
    agent = tmp_path / "agent.yaml"
    agent.write_text(
        (POLICY_FIXTURES / "checks" / "GRD-003" / "pass" / "agent.yaml")
        .read_text()
        .replace("port: 8080", 'port: 8080\n  resources: {cpu: "3", memory: 512Mi}')
    )
    report = gate.run(
        paths=[agent],
        manifests=[],
        platform_file=POLICY_FIXTURES / "platform.yaml",
        include=["RES-002"],
    )
    lines = {f.line for f in report.active}
    cpu_line = next(n for n, t in enumerate(agent.read_text().splitlines(), 1) if 'cpu: "3"' in t)
    assert lines == {cpu_line}
    assert all(f.object.startswith("Deployment/agents-search/") for f in report.active)


def test_manifest_units_locate_list_items(tmp_path):
    manifest = tmp_path / "list.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: p}\n    spec:\n"
        "      containers:\n        - {name: c, image: 'nginx'}\n"
    )
    report = gate.run(paths=[], manifests=[str(manifest)], include=["IMG-001"])
    assert [(f.object, f.line) for f in report.active] == [("Pod/p", 9)]


def test_fqdn_mode_allowlist_matches_the_spec(tmp_path):
    platform = tmp_path / "platform.yaml"
    text = (EXAMPLES / "platform.yaml").read_text()
    text = text.replace(
        "mode: proxy\n  proxy: {service: egress-proxy, namespace: platform, port: 3128}",
        "mode: fqdn",
    )
    assert "mode: fqdn" in text
    platform.write_text(text)
    report = gate.run(
        paths=[EXAMPLES / "research-assistant"],
        manifests=[],
        platform_file=platform,
        include=["GRD-004", "NET-003"],
    )
    assert [f.message for f in report.active] == []
    assert any(o.kind == "CiliumNetworkPolicy" for u in report.units for o in u.objects)


DAILY_AGENT = """apiVersion: agentctl.dev/v1alpha1
kind: Agent
metadata: {name: chat, team: search, labels: {cost-center: cc-1}}
spec:
  image: ghcr.io/acme/chat:1.0.0
  guardrails:
    budget: {perRunUSD: 1, BUDGET}
    maxSteps: 10
    maxToolCalls: 10
    timeout: 5m
"""
ONE_STEP = "  workflow:\n    steps: [{name: a}]\n"
TWO_PARALLEL = "  workflow:\n    steps: [{name: a}, {name: b}]\n"
RWO = "  memory: {size: 1Gi}\n"
RWX = "  memory: {size: 1Gi, accessMode: ReadWriteMany}\n"


def _daily_findings(tmp_path, body: str, budget: str = "dailyUSD: 10") -> list[tuple[int, str]]:
    agent = tmp_path / "agent.yaml"
    agent.write_text(DAILY_AGENT.replace("BUDGET", budget) + body)
    report = gate.run(
        paths=[agent],
        manifests=[],
        platform_file=POLICY_FIXTURES / "platform.yaml",
        include=["GRD-007"],
    )
    assert not report.failed  # low: never changes the verdict at the default fail-on
    return [(f.line, f.message, f.remediation) for f in report.active]


@pytest.mark.parametrize(
    ("body", "why", "fix"),
    [
        ("  type: service\n  port: 8080\n", "each of up to 3 replicas", "one ConfigMap"),
        (
            "  type: service\n  port: 8080\n  scaling: {minReplicas: 2, maxReplicas: 6}\n",
            "may spend 6 times dailyUSD",
            "one ConfigMap",
        ),
        (
            "  type: service\n  port: 8080\n  scaling: {minReplicas: 1, maxReplicas: 1}\n",
            "a restart (deploy, eviction, crash) resets it",
            "outlives the pod",
        ),
        ("  type: job\n", "each run is a fresh pod", "every run mounts the same volume"),
        ("  type: job\n  schedule: '0 6 * * *'\n", "each run is a fresh pod", "spec.memory"),
        ("  type: workflow\n" + TWO_PARALLEL, "each step of each run", "spec.memory"),
    ],
)
def test_daily_budget_not_shared_is_reported(tmp_path, body, why, fix):
    [(line, message, remediation)] = _daily_findings(tmp_path, body)
    assert line == 7  # spec.guardrails.budget.dailyUSD
    assert message.startswith("dailyUSD 10 does not hold with dailyLedger memory: ")
    assert why in message and message.endswith("set dailyLedger: cluster")
    assert fix in remediation and "dailyLedger: cluster" in remediation


@pytest.mark.parametrize(
    ("body", "budget"),
    [
        # the cluster ledger: every replica, restart and run reads one ConfigMap
        ("  type: service\n  port: 8080\n", "dailyUSD: 10, dailyLedger: cluster"),
        ("  type: job\n", "dailyUSD: 10, dailyLedger: cluster"),
        ("  type: workflow\n" + TWO_PARALLEL, "dailyUSD: 10, dailyLedger: cluster"),
        # no daily budget: nothing to hold
        ("  type: service\n  port: 8080\n", "dailyLedger: memory"),
        ("  type: workflow\n" + TWO_PARALLEL, "dailyLedger: memory"),
        # memory every process mounts: one replica on its volume, ReadWriteMany, one claim per run
        ("  type: stateful\n  port: 8080\n" + RWO, "dailyUSD: 10"),
        (
            "  type: stateful\n  port: 8080\n  scaling: {minReplicas: 1, maxReplicas: 4}\n" + RWX,
            "dailyUSD: 10",
        ),
        ("  type: job\n" + RWO, "dailyUSD: 10"),
        ("  type: workflow\n" + ONE_STEP + RWO, "dailyUSD: 10"),
        ("  type: workflow\n" + TWO_PARALLEL + RWX, "dailyUSD: 10"),
    ],
)
def test_daily_budget_shared_or_unset_is_not_reported(tmp_path, body, budget):
    assert _daily_findings(tmp_path, body, budget) == []


def _pod_and_accounts(tmp_path, accounts: str):
    fixture = (POLICY_FIXTURES / "checks" / "SA-003" / "fail.yaml").read_text()
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        fixture.replace("      automountServiceAccountToken: false\n", "") + accounts
    )
    report = gate.run(
        paths=[],
        manifests=[str(manifest)],
        platform_file=POLICY_FIXTURES / "platform.yaml",
        include=["SA-002", "SA-003"],
    )
    return sorted(f.check for f in report.active)


def test_service_account_lookup_honours_namespaces(tmp_path):
    # The pod runs as "web" in namespace "agents" and leaves the token to its account.
    sa = "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: web{ns}}}\n{mount}"
    off = "automountServiceAccountToken: false\n"
    assert _pod_and_accounts(tmp_path, "") == ["SA-002", "SA-003"]
    # an account of that name in another namespace is not the pod's
    assert _pod_and_accounts(tmp_path, sa.format(ns=", namespace: other", mount=off)) == [
        "SA-002",
        "SA-003",
    ]
    # the pod's own namespace, or none (applied with -n), is; its automount setting counts
    assert _pod_and_accounts(tmp_path, sa.format(ns=", namespace: agents", mount=off)) == []
    assert _pod_and_accounts(tmp_path, sa.format(ns="", mount=off)) == []
    assert _pod_and_accounts(tmp_path, sa.format(ns="", mount="")) == ["SA-002"]
    # the first account that matches decides, as before the lookup was indexed
    both = sa.format(ns=", namespace: other", mount="") + sa.format(ns="", mount=off)
    assert _pod_and_accounts(tmp_path, both) == []


def test_network_coverage_is_the_union_of_the_policies_selecting_a_pod(tmp_path):
    def deployment(name: str, app: str) -> str:
        return (
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: a}}\n"
            f"spec:\n  selector: {{matchLabels: {{app: {app}}}}}\n  template:\n"
            f"    metadata: {{labels: {{app: {app}}}}}\n"
            f"    spec: {{containers: [{{name: c, image: 'r/i:1'}}]}}\n"
        )

    def policy(name: str, selector: str, types: str) -> str:
        return (
            f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            f"metadata: {{name: {name}, namespace: a}}\n"
            f"spec: {{podSelector: {selector}, policyTypes: [{types}]}}\n"
        )

    docs = [
        deployment("w1", "w"),
        deployment("w2", "w"),  # the same labels: the answer is shared
        deployment("z", "z"),
        policy("in-w", "{matchLabels: {app: w}}", "Ingress"),
        policy("out-all", "{}", "Egress"),
    ]
    manifest = tmp_path / "m.yaml"
    manifest.write_text("---\n".join(docs))
    report = gate.run(
        paths=[],
        manifests=[str(manifest)],
        platform_file=POLICY_FIXTURES / "platform.yaml",
        include=["NET-001"],
    )
    assert [(f.name, f.message) for f in report.active] == [
        ("z", "no NetworkPolicy restricts Ingress for these pods")
    ]
