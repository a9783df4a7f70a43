"""deploy against the Kubernetes API fake over real HTTP: order, idempotence, prune, faults, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.cli.helpers import run_cli
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import client_for, project

from agentctl.deploy import errors as kerr
from agentctl.deploy.engine import DeployOptions, Events, deploy
from agentctl.deploy.inventory import PART_OF, parent_name
from agentctl.deploy.objects import level_of, levels
from agentctl.deploy.retry import RetryPolicy
from agentctl.deploy.source import from_spec

NS = "agents-search"


NO_WAIT = DeployOptions(wait=False)


def run(fake: FakeKube, proj: Path, opts: DeployOptions = NO_WAIT, **kw: Any):  # type: ignore[no-untyped-def]
    assert fake.kubeconfig is not None
    with client_for(fake.kubeconfig, **kw) as client:
        return deploy(client, from_spec(proj), opts, kw.pop("events", None))


def snapshot(fake: FakeKube) -> dict[tuple[str, str, str], str]:
    out = {}
    with fake._lock:
        for (_, plural, ns, name), s in fake._store.items():
            out[(plural, ns, name)] = s.obj["metadata"]["resourceVersion"]
    return out


def edit(proj: Path, fn: Any) -> None:
    doc = yaml.safe_load((proj / "agent.yaml").read_text())
    fn(doc)
    (proj / "agent.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))


def test_second_deploy_changes_nothing_and_says_so(kube: FakeKube, tmp_path: Path) -> None:
    proj = project(tmp_path)
    first = run(kube, proj)
    assert first.counts()["created"] == len(first.objects) > 10
    before = snapshot(kube)
    second = run(kube, proj)
    assert not second.changed
    assert {o.action for o in second.objects} == {"unchanged"}
    assert snapshot(kube) == before  # not one resourceVersion moved


def test_objects_go_out_level_by_level_namespace_first(kube: FakeKube, tmp_path: Path) -> None:
    kube.latency = 0.02
    run(kube, project(tmp_path))
    kinds = {r.plural: r.kind for r in kube.resources}
    order = []
    for req in kube.api_requests("PATCH"):
        parts = req.path.split("/")
        plural = parts[-2]
        name = parts[-1]
        if name == parent_name("research-assistant"):
            continue  # the inventory is written around the levels
        order.append(level_of(kinds[plural]))
    assert order[0] == 0
    assert order == sorted(order)
    assert kube.max_in_flight > 1  # a level's objects are in flight together


def test_network_policies_exist_before_any_workload(kube: FakeKube, tmp_path: Path) -> None:
    run(kube, project(tmp_path))
    patches = [r.path for r in kube.api_requests("PATCH")]
    last_policy = max(i for i, p in enumerate(patches) if "/networkpolicies/" in p)
    first_workload = min(
        i for i, p in enumerate(patches) if "/statefulsets/" in p or "/deployments/" in p
    )
    assert last_policy < first_workload


def test_interrupted_deploy_completes_on_the_next_run(kube: FakeKube, tmp_path: Path) -> None:
    proj = project(tmp_path)
    kube.drop_connections_after(6, methods={"PATCH"})
    with pytest.raises(kerr.Unreachable) as info:
        run(kube, proj)
    assert "connection was dropped" in info.value.message
    assert info.value.exit_code == 3
    partial = info.value.partial
    assert 0 < len(partial.objects) < 17
    assert kube.get("StatefulSet", NS, "research-assistant") is None
    kube.drop_connections_after(None)
    result = run(kube, proj)
    assert kube.get("StatefulSet", NS, "research-assistant") is not None
    actions = {o.ref.display: o.action for o in result.objects}
    assert actions["StatefulSet/research-assistant"] == "created"
    assert "unchanged" in actions.values()
    assert not [o for o in result.objects if o.action == "pruned"]
    assert not run(kube, proj).changed


def test_objects_of_an_interrupted_deploy_are_pruned_later(kube: FakeKube, tmp_path: Path) -> None:
    """The inventory is widened before applying, so nothing an interrupted run created is lost."""
    proj = project(tmp_path)
    run(kube, proj)

    def swap_tool(doc: dict[str, Any]) -> None:
        doc["spec"]["tools"] = [
            t for t in doc["spec"]["tools"] if t["name"] != "currency-converter"
        ]
        doc["spec"]["tools"].append(
            {
                "name": "summarizer",
                "kind": "service",
                "image": "ghcr.io/acme/summarizer:1.0.0",
                "port": 8080,
            }
        )

    edit(proj, swap_tool)
    first_level = dict(levels(from_spec(proj).render(None).objects))[1]
    # the namespace and the widened inventory, the first level after them, then cut
    kube.drop_connections_after(2 + len(first_level), methods={"PATCH"})
    with pytest.raises(kerr.Unreachable):
        run(kube, proj)
    kube.drop_connections_after(None)
    assert "research-assistant-summarizer" in kube.names("ServiceAccount", NS)

    def drop_tool(doc: dict[str, Any]) -> None:
        doc["spec"]["tools"] = [t for t in doc["spec"]["tools"] if t["name"] != "summarizer"]

    edit(proj, drop_tool)
    result = run(kube, proj)
    pruned = {o.ref.display for o in result.objects if o.action == "pruned"}
    assert "ServiceAccount/research-assistant-summarizer" in pruned
    assert "Deployment/research-assistant-currency-converter" in pruned
    assert not [n for n in kube.names("ServiceAccount", NS) if "summarizer" in n or "currency" in n]


def test_prune_removes_exactly_the_orphans_and_nothing_it_did_not_create(
    kube: FakeKube, tmp_path: Path
) -> None:
    proj = project(tmp_path)
    other = project(tmp_path, "deep-research")
    run(kube, proj)
    run(kube, other)
    set_id = kube.get("ConfigMap", NS, parent_name("research-assistant"))["metadata"]["labels"][
        "applyset.kubernetes.io/id"
    ]
    labels = {"agentctl.dev/agent": "research-assistant"}
    kube.apply_as(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "hand-made", "namespace": NS, "labels": labels},
        },
        "kubectl",
    )
    copied = {**labels, PART_OF: set_id}
    kube.apply_as(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "copied-label", "namespace": NS, "labels": copied},
        },
        "helm",
    )
    everything = {
        k: set(kube.names(k, NS))
        for k in (
            "ConfigMap",
            "ServiceAccount",
            "Deployment",
            "Service",
            "NetworkPolicy",
            "Role",
            "RoleBinding",
        )
    }

    def drop_tools(doc: dict[str, Any]) -> None:
        doc["spec"]["tools"] = [
            t for t in doc["spec"]["tools"] if t["kind"] not in ("service", "kubernetes")
        ]

    edit(proj, drop_tools)
    result = run(kube, proj)
    pruned = {o.ref.display for o in result.objects if o.action == "pruned"}
    assert pruned == {
        "Deployment/research-assistant-currency-converter",
        "Service/research-assistant-currency-converter",
        "ServiceAccount/research-assistant-currency-converter",
        "NetworkPolicy/research-assistant-currency-converter",
        "Role/research-assistant",
        "RoleBinding/research-assistant",
    }
    after = {k: set(kube.names(k, NS)) for k in everything}
    gone = {f"{k}/{n}" for k in everything for n in everything[k] - after[k]}
    assert gone == pruned
    # the namespace-wide default deny is the namespace's: applied, never one agent's member
    assert "agentctl-namespace-default-deny" in after["NetworkPolicy"]
    deny = kube.get("NetworkPolicy", NS, "agentctl-namespace-default-deny")
    assert PART_OF not in deny["metadata"].get("labels", {})
    assert {"hand-made", "copied-label", "deep-research-config"} <= after["ConfigMap"]
    assert kube.get("Namespace", None, NS) is not None
    assert not run(kube, proj).changed


def test_twenty_percent_faults_still_converge(kube: FakeKube, tmp_path: Path) -> None:
    proj = project(tmp_path)
    kube.set_faults(0.2, codes=(429, 500, 503), retry_after=0, seed=7)
    retries: list[str] = []

    class Count(Events):
        def on_retry(self, message: str) -> None:
            retries.append(message)

    assert kube.kubeconfig is not None
    with client_for(kube.kubeconfig) as client:
        result = deploy(client, from_spec(proj), DeployOptions(poll=0.01), Count())
    assert retries
    assert result.counts()["created"] == len(result.objects)
    assert len(kube.list("StatefulSet", NS)) == 1
    with client_for(kube.kubeconfig) as client:
        assert not deploy(client, from_spec(proj), NO_WAIT).changed


def test_dry_run_persists_nothing(kube: FakeKube, tmp_path: Path) -> None:
    proj = project(tmp_path)
    result = run(kube, proj, DeployOptions(dry_run=True))
    assert result.dry_run and result.counts()["created"] == len(result.objects)
    assert snapshot(kube) == {}
    run(kube, proj)
    before = snapshot(kube)
    edit(proj, lambda d: d["spec"]["resources"].update(cpu="750m"))
    result = run(kube, proj, DeployOptions(dry_run=True))
    configured = {o.ref.display for o in result.objects if o.action == "configured"}
    assert "StatefulSet/research-assistant" in configured
    assert snapshot(kube) == before
    assert all(
        r.query.get("dryRun") == "All" for r in kube.api_requests("PATCH")[-len(result.objects) :]
    )


def test_conflict_names_the_field_and_the_other_manager(kube: FakeKube, tmp_path: Path) -> None:
    proj = project(tmp_path)
    run(kube, proj)
    sts = kube.get("StatefulSet", NS, "research-assistant")
    sts["spec"]["template"]["spec"]["containers"][0]["image"] = (
        "ghcr.io/acme/research-assistant:hotfix"
    )
    kube.apply_as(sts, "kubectl-edit", operation="Update")
    with pytest.raises(kerr.Conflict) as info:
        run(kube, proj)
    lines = "\n".join(info.value.lines())
    assert 'managed by "kubectl-edit"' in lines
    assert '.spec.template.spec.containers[name="agent"].image' in lines
    assert "--force-conflicts" in (info.value.hint or "")
    assert info.value.exit_code == 3
    result = run(kube, proj, DeployOptions(wait=False, force_conflicts=True))
    assert {o.ref.display: o.action for o in result.objects}[
        "StatefulSet/research-assistant"
    ] == "configured"
    assert kube.get("StatefulSet", NS, "research-assistant")["spec"]["template"]["spec"][
        "containers"
    ][0]["image"].endswith(":1.4.2")


def test_forbidden_names_verb_resource_and_identity(kube: FakeKube, tmp_path: Path) -> None:
    kube.deny("patch", "rolebindings")
    with pytest.raises(kerr.Forbidden) as info:
        run(kube, project(tmp_path))
    msg = info.value.message
    assert (
        'user "alice@example.com" may not patch rolebindings.rbac.authorization.k8s.io in namespace "agents-search"'
        in msg
    )
    assert "RoleBinding/research-assistant" in msg
    assert "kubectl auth can-i patch rolebindings.rbac.authorization.k8s.io -n agents-search" in (
        info.value.hint or ""
    )


def test_invalid_names_the_field_and_the_server_message(kube: FakeKube, tmp_path: Path) -> None:
    kube.reject(
        "StatefulSet",
        "spec.template.spec.containers[0].resources.limits.memory",
        "must be greater than or equal to memory request",
    )
    with pytest.raises(kerr.Invalid) as info:
        run(kube, project(tmp_path))
    assert info.value.message == (
        "rejected by the API server: StatefulSet/research-assistant in namespace agents-search: "
        "spec.template.spec.containers[0].resources.limits.memory: must be greater than or equal to memory request"
    )
    assert (
        len([r for r in kube.api_requests("PATCH") if "/statefulsets/" in r.path]) == 1
    )  # 4xx is not retried


def test_missing_crds_are_named_with_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeKube(crds=()) as fake:
        fake.write_kubeconfig(tmp_path / "kubeconfig")
        with pytest.raises(kerr.NotServed) as info:
            run(fake, project(tmp_path, "deep-research"))
        assert not fake.api_requests("PATCH")  # nothing sent
    lines = info.value.lines()
    assert "does not serve 3 kinds" in lines[0] and "v1.31.2" in lines[0]
    assert any(
        line.startswith("WorkflowTemplate/deep-research needs argoproj.io/v1alpha1")
        for line in lines
    )
    assert any("ExternalSecret/deep-research-llm-api-key" in line for line in lines)
    assert "Argo Workflows" in (info.value.hint or "") and "External Secrets Operator" in (
        info.value.hint or ""
    )


def test_servers_without_aggregated_discovery(tmp_path: Path) -> None:
    with FakeKube(aggregated_discovery=False) as fake:
        fake.write_kubeconfig(tmp_path / "kubeconfig")
        result = run(fake, project(tmp_path))
        assert result.counts()["created"] == len(result.objects)
        assert any(r.path == "/apis/apps/v1" for r in fake.api_requests("GET"))


def test_retry_after_is_honoured(kube: FakeKube, tmp_path: Path) -> None:
    slept: list[float] = []
    policy = RetryPolicy(attempts=5, base=0.001, cap=0.01, sleep=slept.append)
    kube.fail_next(429, 1, method="PATCH", retry_after=3)
    kube.fail_next(503, 1, method="PATCH", retry_after=None)
    run(kube, project(tmp_path), retry=policy)
    assert slept[0] >= 3.0
    assert slept[1] < 1.0


def test_a_changed_job_is_replaced(kube: FakeKube, tmp_path: Path) -> None:
    proj = project(tmp_path, "daily-report")
    edit(proj, lambda d: d["spec"].pop("schedule"))
    run(kube, proj)
    uid = kube.get("Job", "agents-finance", "daily-report")["metadata"]["uid"]
    edit(proj, lambda d: d["spec"].update(args=["--report", "weekly"]))
    shown = run_cli("diff", str(proj), "-o", "json")
    assert shown.exit_code == 1, shown.stderr
    (plan,) = [o for o in json.loads(shown.stdout)["data"]["objects"] if o["kind"] == "Job"]
    assert plan["note"] == "would be replaced: a Job's template is immutable"
    result = run(kube, proj)
    job = {o.ref.display: o for o in result.objects}["Job/daily-report"]
    assert job.action == "configured" and "replaced" in job.note
    assert kube.get("Job", "agents-finance", "daily-report")["metadata"]["uid"] != uid


def test_a_service_agent_turned_stateful_gets_its_headless_service(
    kube: FakeKube, tmp_path: Path
) -> None:
    """The API server refuses to change an allocated cluster IP to None (a headless
    Service): the Service is replaced, as a changed Job is; a dry run says it would be."""
    proj = project(tmp_path, "currency-converter")
    run(kube, proj)
    ns = kube.get("Service", "agents-payments", "currency-converter")
    assert ns["spec"]["clusterIP"] != "None"

    def stateful(d: dict[str, Any]) -> None:
        d["spec"].update(
            type="stateful",
            memory={"size": "1Gi"},
            scaling={"minReplicas": 1, "maxReplicas": 1},
        )

    edit(proj, stateful)
    shown = run_cli("diff", str(proj), "-o", "json")
    assert shown.exit_code == 1, shown.stderr
    (plan,) = [o for o in json.loads(shown.stdout)["data"]["objects"] if o["kind"] == "Service"]
    assert plan["note"].startswith("would be replaced: a Service's cluster IP")
    assert '+  clusterIP: "None"' in plan["diff"] or "+  clusterIP: None" in plan["diff"]
    dry = run(kube, proj, DeployOptions(wait=False, dry_run=True))
    service = {o.ref.display: o for o in dry.objects}["Service/currency-converter"]
    assert service.action == "configured" and service.note.startswith("would be replaced")
    result = run(kube, proj)
    service = {o.ref.display: o for o in result.objects}["Service/currency-converter"]
    assert service.action == "configured" and "cluster IP" in service.note
    assert (
        kube.get("Service", "agents-payments", "currency-converter")["spec"]["clusterIP"] == "None"
    )


def test_what_no_prune_keeps_stays_recorded_and_is_pruned_later(
    kube: FakeKube, tmp_path: Path
) -> None:
    proj = project(tmp_path)
    run(kube, proj)
    edit(
        proj,
        lambda d: d["spec"].update(tools=[t for t in d["spec"]["tools"] if t["kind"] != "service"]),
    )
    kept = run(kube, proj, DeployOptions(wait=False, prune=False))
    assert not [o for o in kept.objects if o.action == "pruned"]
    assert kube.get("Deployment", NS, "research-assistant-currency-converter") is not None
    later = run(kube, proj)
    assert "Deployment/research-assistant-currency-converter" in {
        o.ref.display for o in later.objects if o.action == "pruned"
    }
    assert kube.get("Deployment", NS, "research-assistant-currency-converter") is None


def test_a_first_deploy_whose_inventory_never_landed_is_still_pruned_later(
    kube: FakeKube, tmp_path: Path
) -> None:
    """In a new namespace the inventory goes out with the RBAC level; if it is lost, listing finds the members."""
    proj = project(tmp_path)
    kube.fail_next(403, 1, method="PATCH", path_contains=parent_name("research-assistant"))
    with pytest.raises(kerr.Forbidden):
        run(kube, proj)
    assert kube.get("ConfigMap", NS, parent_name("research-assistant")) is None
    assert "research-assistant" in kube.names("Role", NS)  # applied in the same round
    assert kube.names("RoleBinding", NS) == []  # the level after it: never sent
    edit(
        proj,
        lambda d: d["spec"].update(
            tools=[t for t in d["spec"]["tools"] if t["kind"] != "kubernetes"]
        ),
    )
    result = run(kube, proj)
    assert {o.ref.display for o in result.objects if o.action == "pruned"} == {
        "Role/research-assistant"
    }
    assert kube.names("Role", NS) == []


@pytest.mark.parametrize("namespace_exists", [False, True])
def test_a_deploy_costs_levels_plus_two_round_trips(
    kube: FakeKube, tmp_path: Path, namespace_exists: bool
) -> None:
    proj = project(tmp_path)
    if namespace_exists:
        run(kube, proj)
    # every request of a round is in flight with the others: long enough that a loaded machine
    # starting a round's requests a little apart does not count as another round trip
    kube.latency = 0.6
    kube.waves = 0
    result = run(kube, proj, DeployOptions(poll=0.01))
    n_levels = len({o.level for o in result.objects})
    assert n_levels == 4
    assert kube.waves == n_levels + 2  # preflight, one per level, one wait poll


def test_a_cluster_newer_than_the_bundled_schemas_still_deploys(tmp_path: Path) -> None:
    with FakeKube(git_version="v1.99.0-gke.1200") as fake:
        fake.write_kubeconfig(tmp_path / "kubeconfig")
        result = run(fake, project(tmp_path))
    assert result.counts()["created"] == len(result.objects)
