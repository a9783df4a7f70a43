"""deploy, diff, status, delete against a real cluster, in a fresh namespace per test.

Runs against the harness's local control plane (``nox -s cluster``) or any cluster named by
AGENTCTL_TEST_KUBECONFIG (e.g. ``kind create cluster``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from tests.cli.helpers import run_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

pytestmark = [pytest.mark.cluster]


@pytest.fixture
def agent(tmp_path: Path, namespace: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The currency-converter example (no CRDs needed), deploying to the test's namespace."""
    proj = tmp_path / "currency-converter"
    proj.mkdir()
    shutil.copy(EXAMPLES / "currency-converter" / "agent.yaml", proj / "agent.yaml")
    (proj / "platform.yaml").write_text(
        yaml.safe_dump(
            {"apiVersion": "agentctl.dev/v1alpha1", "kind": "Platform", "namespace": namespace}
        )
    )
    (proj / ".git").mkdir()
    monkeypatch.chdir(proj)
    return proj


def edit(proj: Path, **spec: object) -> None:
    doc = yaml.safe_load((proj / "agent.yaml").read_text())
    for key, value in spec.items():
        if value is None:
            doc["spec"].pop(key, None)
        else:
            doc["spec"][key] = value
    (proj / "agent.yaml").write_text(yaml.safe_dump(doc))


def test_deploy_twice_changes_nothing_then_prunes(agent: Path) -> None:
    edit(
        agent,
        tools=[
            {"name": "rates", "kind": "service", "image": "ghcr.io/acme/rates:1.0.0", "port": 8080}
        ],
    )
    first = run_cli("deploy", "--no-wait", "-o", "json")
    assert first.exit_code == 0, first.stderr
    assert yaml.safe_load(first.stdout)["data"]["counts"]["created"] > 5
    second = run_cli("deploy", "--no-wait")
    assert second.exit_code == 0, second.stderr
    assert second.stdout.startswith("No changes"), second.stdout
    assert run_cli("diff").exit_code == 0
    edit(agent, tools=None)
    assert run_cli("diff").exit_code == 1
    third = run_cli("deploy", "--no-wait", "-o", "json")
    assert third.exit_code == 0, third.stderr
    pruned = [o for o in yaml.safe_load(third.stdout)["data"]["objects"] if o["action"] == "pruned"]
    assert {(o["kind"], o["name"]) for o in pruned} >= {
        ("Deployment", "currency-converter-rates"),
        ("Service", "currency-converter-rates"),
    }
    assert run_cli("deploy", "--no-wait").stdout.startswith("No changes")


def test_dry_run_persists_nothing(agent: Path, namespace: str) -> None:
    res = run_cli("deploy", "--dry-run=server")
    assert res.exit_code == 0, res.stderr
    status = run_cli("status", "-n", namespace, "-o", "json")
    assert status.exit_code == 0 and yaml.safe_load(status.stdout)["data"]["agents"] == []


def test_wait_reports_why_the_pod_is_not_ready(agent: Path, control_plane: object) -> None:
    if control_plane is not None:
        pytest.skip("simulated nodes (kwok) pull no images: every pod runs whatever its image")
    edit(agent, image="registry.invalid/agentctl/does-not-exist:0.0.1")
    res = run_cli("deploy", "--timeout", "90s")
    assert res.exit_code == 4, res.stdout + res.stderr
    assert "ImagePull" in res.stderr or "ErrImagePull" in res.stderr


def test_status_and_delete(agent: Path, namespace: str) -> None:
    assert run_cli("deploy", "--no-wait").exit_code == 0
    status = yaml.safe_load(run_cli("status", "-o", "json").stdout)["data"]["agents"]
    assert [(a["name"], a["type"]) for a in status] == [("currency-converter", "service")]
    res = run_cli("delete", "currency-converter", "--yes", "-o", "json")
    assert res.exit_code == 0, res.stderr
    assert (
        yaml.safe_load(run_cli("status", "-n", namespace, "-o", "json").stdout)["data"]["agents"]
        == []
    )
