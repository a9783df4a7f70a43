"""Which transport a kubeconfig gets: urllib3 directly for a server, CA, client
certificate and token; the official client for everything else."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentctl.deploy import client as kc
from agentctl.deploy.client import ConnectOptions, connect
from agentctl.deploy.errors import KubeconfigError

BASE: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Config",
    "clusters": [{"name": "c", "cluster": {"server": "http://127.0.0.1:6443/"}}],
    "users": [{"name": "u", "user": {"token": "fake-" + "t" * 8}}],
    "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u", "namespace": "team"}}],
    "current-context": "x",
}


def client_for(tmp_path: Path, doc: dict[str, Any]) -> kc.KubeClient:
    path = tmp_path / "kc"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return connect(ConnectOptions(kubeconfig=str(path)))


def with_user(**user: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    doc["users"][0]["user"] = user
    return doc


def test_a_server_and_a_token_go_direct(tmp_path: Path) -> None:
    with client_for(tmp_path, BASE) as kube:
        assert isinstance(kube.transport, kc._Direct)
        assert kube.target.server == "http://127.0.0.1:6443"
        assert kube.transport.headers["authorization"] == "Bearer fake-tttttttt"
        assert (kube.target.context, kube.target.user, kube.target.namespace) == ("x", "u", "team")


@pytest.mark.parametrize(
    "user",
    [
        {
            "exec": {
                "apiVersion": "client.authentication.k8s.io/v1",
                "command": "echo",
                "args": [
                    '{"apiVersion": "client.authentication.k8s.io/v1", '
                    '"kind": "ExecCredential", "status": {"token": "fake-exec-token"}}'
                ],
            }
        },
        {"tokenFile": "token"},  # next to the kubeconfig
        {"username": "a", "password": "b"},
    ],
)
def test_other_credentials_go_through_the_client(tmp_path: Path, user: dict[str, Any]) -> None:
    (tmp_path / "token").write_text("fake-token\n", encoding="utf-8")
    with client_for(tmp_path, with_user(**user)) as kube:
        assert isinstance(kube.transport, kc._Official)


def test_auth_providers_are_the_loaders_to_judge(tmp_path: Path) -> None:
    doc = with_user(**{"auth-provider": {"name": "oidc", "config": {}}})
    with pytest.raises(KubeconfigError, match="Expected key id-token"):
        client_for(tmp_path, doc)


def test_proxies_and_cluster_options_go_through_the_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = copy.deepcopy(BASE)
    doc["clusters"][0]["cluster"]["insecure-skip-tls-verify"] = True
    with client_for(tmp_path, doc) as kube:
        assert isinstance(kube.transport, kc._Official)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    with client_for(tmp_path, BASE) as kube:
        assert isinstance(kube.transport, kc._Official)


def test_a_missing_ca_file_is_still_the_loaders_error(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    doc["clusters"][0]["cluster"] = {
        "server": "https://127.0.0.1:6443",
        "certificate-authority": "ca.pem",
    }
    with pytest.raises(KubeconfigError, match=r"ca\.pem"):
        client_for(tmp_path, doc)


def test_the_official_client_is_built_only_when_its_api_classes_are_needed(
    tmp_path: Path,
) -> None:
    with client_for(tmp_path, BASE) as kube:
        assert kube._api is None
        api = kube.api
        assert api.configuration.host == "http://127.0.0.1:6443"
        assert kube.api is api


def test_a_direct_connection_does_not_import_the_kubernetes_client(tmp_path: Path) -> None:
    path = tmp_path / "kc"
    path.write_text(yaml.safe_dump(BASE), encoding="utf-8")
    code = (
        "import sys\n"
        "from agentctl.deploy.client import ConnectOptions, connect\n"
        f"connect(ConnectOptions(kubeconfig={str(path)!r})).close()\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'kubernetes'], 'kubernetes imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_an_endless_answer_without_a_length_is_read_only_up_to_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agentctl.deploy import client

    class Endless:
        status, reason, headers = 200, "OK", {"Transfer-Encoding": "chunked"}
        asked: list[int | None] = []
        closed = False

        def read(self, amt: int | None = None) -> bytes:
            self.asked.append(amt)
            assert amt is not None, "read without a bound"
            return b"[" * amt

        def close(self) -> None:
            self.closed = True

    monkeypatch.setattr(client, "MAX_ANSWER_BYTES", 1000)
    resp = Endless()
    with pytest.raises(client._TooLarge):
        client._Answer(resp).read()
    assert resp.asked == [1001] and resp.closed


@pytest.mark.parametrize(
    ("command", "args", "says"),
    [
        ("false", [], "exec credential plugin 'false' failed: exec: process returned 1"),
        ("/nonexistent-agentctl/plugin", [], "'/nonexistent-agentctl/plugin' failed: No such file"),
        ("echo", ["not json"], "'echo' failed: exec: failed to decode process output"),
        (
            "echo",
            ['{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", '
             '"status": {}}'],
            "'echo' failed: it answered no token and no clientCertificateData",
        ),
    ],
)  # fmt: skip
def test_a_failing_exec_plugin_is_one_error_naming_it(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], command: str, args: list[str], says: str
) -> None:
    """Not a log line of the loader's followed by an unrelated failure without credentials."""
    exec_config = {"apiVersion": "client.authentication.k8s.io/v1", "command": command}
    if args:
        exec_config["args"] = args
    with pytest.raises(KubeconfigError) as info:
        client_for(tmp_path, with_user(exec=exec_config))
    assert says in info.value.message
    assert info.value.exit_code == 3
    assert "ERROR:root" not in capfd.readouterr().err


@pytest.mark.parametrize("provider", ["gcp", "azure"])
def test_auth_providers_the_loader_cannot_use_are_named(tmp_path: Path, provider: str) -> None:
    with pytest.raises(KubeconfigError) as info:
        client_for(tmp_path, with_user(**{"auth-provider": {"name": provider}}))
    assert f"auth-provider {provider!r} is not supported" in info.value.message
    assert "exec credential plugin" in info.value.message
