"""deploy with a kubeconfig whose user is an exec credential plugin (as CI's OIDC setups write).

GKE's get-gke-credentials, EKS's `aws eks get-token` and GitLab id_tokens
setups all produce a kubeconfig that runs a program for a short-lived token.
Here the program is a small script that turns an OIDC token from the
environment (AGENTCTL_ID_TOKEN, GitLab's id_tokens name in the generated
pipeline) into an ExecCredential.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from tests.cli.helpers import run_cli
from tests.fakes.kube_api import DEFAULT_TOKEN, FakeKube
from tests.fakes.kube_fixtures import project, running_fake

PLUGIN = """\
import json, os, sys
token = os.environ.get("AGENTCTL_ID_TOKEN")
if not token:
    sys.exit("no AGENTCTL_ID_TOKEN in the environment")
print(json.dumps({
    "apiVersion": "client.authentication.k8s.io/v1beta1",
    "kind": "ExecCredential",
    "status": {"token": token},
}))
"""


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKube]:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with running_fake(tmp_path, monkeypatch) as fake:
        plugin = tmp_path / "credential-plugin.py"
        plugin.write_text(PLUGIN)
        config = yaml.safe_load(fake.kubeconfig.read_text())
        config["users"][0]["user"] = {
            "exec": {
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "command": sys.executable,
                "args": [str(plugin)],
                "interactiveMode": "Never",
            }
        }
        fake.kubeconfig.write_text(yaml.safe_dump(config))
        yield fake


@pytest.fixture
def proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    p = project(tmp_path)
    monkeypatch.chdir(p)
    return p


def test_deploy_authenticates_through_the_exec_plugin(kube, proj, monkeypatch):
    monkeypatch.setenv("AGENTCTL_ID_TOKEN", DEFAULT_TOKEN)
    dry = run_cli("deploy", "--dry-run=server")
    assert dry.exit_code == 0, dry.stderr
    real = run_cli("deploy", "--no-wait")
    assert real.exit_code == 0, real.stderr
    assert kube.list("Deployment") or kube.list("StatefulSet")


def test_a_token_the_cluster_refuses_is_exit_3(kube, proj, monkeypatch):
    monkeypatch.setenv("AGENTCTL_ID_TOKEN", "not-a-token-the-cluster-knows")
    result = run_cli("deploy", "--dry-run=server")
    assert result.exit_code == 3
    assert "Traceback" not in result.stderr


def test_a_failing_plugin_is_exit_3_in_one_line(kube, proj, monkeypatch):
    monkeypatch.delenv("AGENTCTL_ID_TOKEN", raising=False)
    result = run_cli("deploy", "--dry-run=server")
    assert result.exit_code == 3, result.stderr
    assert "Traceback" not in result.stderr
    # the plugin's failure, named, not a 401 from going on without a token
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: cannot use kubeconfig "), line
    assert "exec credential plugin " in line and "failed: exec: process returned 1" in line
    assert "no AGENTCTL_ID_TOKEN in the environment" in line and "ERROR:root" not in line
