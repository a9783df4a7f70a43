"""The cluster commands end to end (in-process CLI, fake API over HTTP): output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.cli.helpers import run_cli
from tests.fakes.kube_api import DEFAULT_TOKEN, FakeKube
from tests.fakes.kube_fixtures import project
from tests.fakes.ports import refused_port

NS = "agents-search"


@pytest.fixture
def proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    p = project(tmp_path)
    monkeypatch.chdir(p)
    return p


def envelope(out: str) -> dict[str, Any]:
    doc = json.loads(out)
    assert doc["apiVersion"] == "agentctl.dev/v1"
    return doc


def test_deploy_prints_a_summary_and_a_second_run_says_nothing_changed(
    kube: FakeKube, proj: Path
) -> None:
    first = run_cli("deploy")
    assert first.exit_code == 0, first.stderr
    assert "19 objects: 19 created" in first.stdout
    assert "StatefulSet/research-assistant" in first.stdout
    assert (
        "Deploying research-assistant" in first.stderr
        and "plan: 19 objects in 4 steps" in first.stderr
    )
    second = run_cli("deploy")
    assert second.exit_code == 0
    assert second.stdout.startswith("No changes: all 19 objects unchanged")


def test_deploy_json_envelope(kube: FakeKube, proj: Path) -> None:
    res = run_cli("deploy", "-o", "json", "--no-wait")
    assert res.exit_code == 0, res.stderr
    doc = envelope(res.stdout)
    assert doc["kind"] == "DeployResult" and doc["ok"] is True
    assert doc["data"]["counts"] == {
        "created": 19,
        "configured": 0,
        "unchanged": 0,
        "pruned": 0,
        "failed": 0,
    }
    assert doc["data"]["planned"] == 19 and "failedAt" not in doc["data"]
    assert doc["data"]["wait"] is None
    assert {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "namespace": NS,
        "name": "research-assistant",
        "action": "created",
    } in doc["data"]["objects"]


def test_dry_run_server_persists_nothing(kube: FakeKube, proj: Path) -> None:
    res = run_cli("deploy", "--dry-run=server")
    assert res.exit_code == 0, res.stderr
    assert "server dry run" in res.stdout
    assert kube.list("Namespace") == []
    assert run_cli("deploy", "--dry-run=client").exit_code == 2


def test_namespace_flag_can_only_confirm(kube: FakeKube, proj: Path) -> None:
    res = run_cli("deploy", "-n", "elsewhere")
    assert res.exit_code == 2
    assert "research-assistant deploys to namespace agents-search" in res.stderr


def test_conflict_exits_3_and_names_the_manager(kube: FakeKube, proj: Path) -> None:
    assert run_cli("deploy", "--no-wait").exit_code == 0
    cm = kube.get("ConfigMap", NS, "research-assistant-config")
    key = sorted(cm["data"])[0]
    cm["data"][key] = "changed by hand"
    kube.apply_as(cm, "kubectl-edit", operation="Update")
    res = run_cli("deploy", "--no-wait")
    assert res.exit_code == 3
    assert (
        f'error: ConfigMap/research-assistant-config in namespace agents-search: field .data.{key} is managed by "kubectl-edit"'
        in res.stderr
    )
    assert "--force-conflicts" in res.stderr
    as_json = run_cli("deploy", "--no-wait", "-o", "json")
    assert as_json.exit_code == 3
    error = envelope(as_json.stdout)["errors"][0]
    assert error["code"] == "conflict" and error["status"] == 409
    assert error["applied"]["counts"]["unchanged"] >= 3  # the levels before the conflicting one
    assert run_cli("deploy", "--no-wait", "--force-conflicts").exit_code == 0


def test_wait_failure_exits_4_with_the_reason(kube: FakeKube, proj: Path) -> None:
    kube.auto_ready = {"Deployment"}
    labels = {
        "app.kubernetes.io/name": "research-assistant",
        "app.kubernetes.io/instance": "research-assistant",
        "agentctl.dev/agent": "research-assistant",
    }

    def on_sts(fake: FakeKube, sts: dict[str, Any]) -> None:
        # The pod appears with its StatefulSet (as a controller would make it), not whenever a
        # polling thread gets to it: on a busy machine that could be after the 1 s wait ended.
        fake.add_pod(
            NS,
            "research-assistant-0",
            labels,
            phase="Pending",
            containers=[
                {
                    "name": "agent",
                    "ready": False,
                    "restartCount": 0,
                    "state": {"waiting": {"reason": "ErrImagePull", "message": "not found"}},
                }
            ],
        )

    kube.on_create["StatefulSet"] = on_sts
    res = run_cli("deploy", "--timeout", "1s")
    assert res.exit_code == 4
    assert "StatefulSet/research-assistant" in res.stderr and "not ready after 1s" in res.stderr
    assert "container agent: ErrImagePull: not found" in res.stderr
    # what was applied is still reported, as a failure
    assert (
        "Deploy failed while waiting for readiness: 19 of 19 objects applied (19 created) but not all ready."
        in res.stdout
    )
    assert "No changes" not in res.stdout


def test_no_kubeconfig_is_one_line_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, proj: Path
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    res = run_cli("status")
    assert res.exit_code == 3
    assert res.stderr.splitlines()[0].startswith(
        f"error: no kubeconfig: {tmp_path / 'missing'} (KUBECONFIG) does not exist"
    )


def test_unreachable_cluster_is_one_line_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, proj: Path
) -> None:
    with refused_port() as port:
        fake = FakeKube()
        fake._server = type("S", (), {"server_address": ("127.0.0.1", port)})()  # type: ignore[assignment]
        kc = fake.write_kubeconfig(tmp_path / "dead")
        fake._server = None
        monkeypatch.setenv("KUBECONFIG", str(kc))
        res = run_cli("deploy")
    assert res.exit_code == 3
    assert (
        f"cannot reach the cluster at http://127.0.0.1:{port} (context fake): connection refused"
        in res.stderr
    )


def test_expired_credentials_exit_3(kube: FakeKube, proj: Path) -> None:
    kube.expired.add(DEFAULT_TOKEN)
    res = run_cli("status", "-o", "json")
    assert res.exit_code == 3
    doc = envelope(res.stdout)
    assert doc["ok"] is False and doc["errors"][0]["code"] == "unauthorized"
    assert "401 Unauthorized" in res.stderr and "expired" in res.stderr


def test_unknown_context_exit_3(kube: FakeKube, proj: Path) -> None:
    res = run_cli("status", "--context", "nope")
    assert res.exit_code == 3
    assert "no context 'nope' in kubeconfig" in res.stderr


def test_diff_exit_codes_and_coloured_hunks(kube: FakeKube, proj: Path) -> None:
    before = run_cli("diff")
    assert before.exit_code == 1  # nothing deployed yet: everything is new
    assert "+++ agentctl/StatefulSet/research-assistant" in before.stdout
    assert run_cli("deploy", "--no-wait").exit_code == 0
    same = run_cli("diff")
    assert same.exit_code == 0, same.stdout + same.stderr
    assert "no changes" in same.stderr and same.stdout == ""
    doc = yaml.safe_load((proj / "agent.yaml").read_text())
    doc["spec"]["resources"]["cpu"] = "750m"
    doc["spec"]["tools"] = [t for t in doc["spec"]["tools"] if t["kind"] != "kubernetes"]
    (proj / "agent.yaml").write_text(yaml.safe_dump(doc))
    changed = run_cli("diff")
    assert changed.exit_code == 1
    assert "--- live/StatefulSet/research-assistant" in changed.stdout
    assert any(
        line.startswith("+") and line.strip().endswith("cpu: 750m")
        for line in changed.stdout.splitlines()
    )
    assert "managedFields" not in changed.stdout
    assert "--- live/Role/research-assistant" in changed.stdout  # what prune would delete
    data = envelope(run_cli("diff", "-o", "json").stdout)["data"]
    actions = {(o["kind"], o["name"]): o["action"] for o in data["objects"]}
    assert actions[("StatefulSet", "research-assistant")] == "update"
    assert actions[("Role", "research-assistant")] == "delete"
    assert data["changed"] is True


def test_status_lists_agents_with_type_version_and_readiness(
    kube: FakeKube, proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli("deploy").exit_code == 0
    assert run_cli("deploy", str(project(tmp_path, "deep-research"))).exit_code == 0
    text = run_cli("status")
    assert text.exit_code == 0
    assert (
        "research-assistant" in text.stdout
        and "deep-research" in text.stdout
        and "1/1" in text.stdout
    )
    monkeypatch.chdir(tmp_path)  # outside any project: search every namespace
    doc = envelope(run_cli("status", "-o", "json").stdout)
    agents = {a["name"]: a for a in doc["data"]["agents"]}
    assert (
        agents["research-assistant"]["type"] == "stateful"
        and agents["research-assistant"]["version"] == "1.4.2"
    )
    assert (agents["research-assistant"]["ready"], agents["research-assistant"]["desired"]) == (
        1,
        1,
    )
    assert (
        agents["deep-research"]["type"] == "workflow" and agents["deep-research"]["lastRun"] is None
    )
    one = envelope(run_cli("status", "deep-research", "-o", "json").stdout)["data"]
    assert [a["name"] for a in one["agents"]] == ["deep-research"]


def test_deploy_from_a_build_matches_deploying_the_spec(
    kube: FakeKube, proj: Path, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    built = run_cli("build", str(proj), "--out", str(dist), "--kube-version", "1.31")
    assert built.exit_code == 0, built.stderr
    res = run_cli("deploy", "--from", str(dist), "--no-wait")
    assert res.exit_code == 0, res.stderr
    assert "19 objects: 19 created" in res.stdout
    again = run_cli("deploy", "--no-wait")
    assert again.stdout.startswith("No changes"), again.stdout
    assert run_cli("deploy", str(proj), "--from", str(dist)).exit_code == 2
