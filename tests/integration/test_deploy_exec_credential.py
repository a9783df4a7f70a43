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


def use_plugin(kube: FakeKube, path: Path, source: str, *args: str) -> None:
    """The kubeconfig's exec plugin runs ``source`` (written to ``path``) with ``args``."""
    path.write_text(source)
    assert kube.kubeconfig is not None
    config = yaml.safe_load(kube.kubeconfig.read_text())
    config["users"][0]["user"]["exec"]["args"] = [str(path), *args]
    kube.kubeconfig.write_text(yaml.safe_dump(config))


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


# Succeeds once with a credential about to expire (the client renews it ahead of its
# expiry, so before the next request), then fails or hangs: a session that ended.
RENEWING_PLUGIN = """\
import datetime, json, os, sys, time
state = sys.argv[1]
if os.path.exists(state) and sys.argv[2] != "renew":
    if sys.argv[2] == "hang":
        time.sleep(60)
    sys.exit("the session ended; log in again")
open(state, "w").close()
expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=60)
print(json.dumps({
    "apiVersion": "client.authentication.k8s.io/v1beta1",
    "kind": "ExecCredential",
    "status": {"token": os.environ["AGENTCTL_ID_TOKEN"],
               "expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ")},
}))
"""


@pytest.mark.parametrize(
    ("then", "says"),
    [
        ("fail", "failed: exec: process returned 1. the session ended; log in again"),
        ("hang", "did not answer within 3 s (the request timeout)"),
    ],
)
@pytest.mark.parametrize("command", [["deploy", "--dry-run=server"], ["status"]])
def test_a_plugin_failing_to_renew_an_expired_credential_is_one_line_naming_it(
    kube: FakeKube,
    proj: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    then: str,
    says: str,
    command: list[str],
) -> None:
    """Not requests going out with the expired credential (a 401 that does not say why),
    nor a wait on a plugin that never answers."""
    import time

    monkeypatch.setenv("AGENTCTL_ID_TOKEN", DEFAULT_TOKEN)
    use_plugin(
        kube, tmp_path / "renewing-plugin.py", RENEWING_PLUGIN, str(tmp_path / "state"), then
    )
    start = time.monotonic()
    result = run_cli(*command, "--request-timeout", "3s")
    assert time.monotonic() - start < 30
    assert result.exit_code == 3, result.stderr
    assert "Traceback" not in result.stderr and "ERROR:root" not in result.stderr
    (line,) = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert line.startswith(f"error: cannot use kubeconfig {kube.kubeconfig} (context fake): "), line
    assert "renewing the expired credential: exec credential plugin " in line, line
    assert says in line, line
    assert kube.api_requests() == [], "a request went out with the expired credential"


def test_a_plugin_renewing_an_expired_credential_is_used_again(
    kube: FakeKube, proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTCTL_ID_TOKEN", DEFAULT_TOKEN)
    use_plugin(
        kube, tmp_path / "renewing-plugin.py", RENEWING_PLUGIN, str(tmp_path / "state"), "renew"
    )
    result = run_cli("deploy", "--dry-run=server")
    assert result.exit_code == 0, result.stderr
    assert kube.api_requests()


# Answers once (a credential about to expire), then writes without end: the first run
# or the renewal, as the argument says.
FLOODING_PLUGIN = """\
import datetime, json, os, sys
state, when, stream = sys.argv[1], sys.argv[2], sys.argv[3]
if when == "first" or os.path.exists(state):
    out = sys.stdout if stream == "stdout" else sys.stderr
    chunk = "y" * 65536
    while True:
        out.write(chunk)
""" + RENEWING_PLUGIN[RENEWING_PLUGIN.index('open(state, "w")') :]


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
@pytest.mark.parametrize("when", ["first", "renewal"])
def test_a_plugin_writing_without_end_is_stopped_and_named(
    kube: FakeKube,
    proj: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    when: str,
    stream: str,
) -> None:
    """Its output was read whole: memory grew as long as the plugin wrote."""
    import time

    monkeypatch.setenv("AGENTCTL_ID_TOKEN", DEFAULT_TOKEN)
    state = str(tmp_path / "state")
    use_plugin(kube, tmp_path / "flooding-plugin.py", FLOODING_PLUGIN, state, when, stream)
    start = time.monotonic()
    result = run_cli("status", "--request-timeout", "20s")
    assert time.monotonic() - start < 20
    assert result.exit_code == 3, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "yyyy" not in result.stderr
    (line,) = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert "exec credential plugin " in line, line
    name = "standard output" if stream == "stdout" else "standard error"
    assert f"wrote more than 1048576 bytes to its {name}" in line, line
    if when == "renewal":
        assert "renewing the expired credential" in line, line
