"""The cluster tests' control plane: the harness's (built by hack/cluster/build.sh), or any
cluster named by AGENTCTL_TEST_KUBECONFIG. Skipped, saying why, when there is neither."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.cluster import harness

EXTERNAL = os.environ.get("AGENTCTL_TEST_KUBECONFIG", "")


@pytest.fixture(scope="session")
def control_plane() -> Iterator[harness.ControlPlane | None]:
    """The harness's control plane for the session (None when an external cluster is used)."""
    if EXTERNAL:
        yield None
        return
    if not harness.built():
        pytest.skip(
            f"no control plane built in {harness.BIN_DIR}: run hack/cluster/build.sh "
            "(or `nox -s cluster`), or set AGENTCTL_TEST_KUBECONFIG"
        )
    with harness.ControlPlane() as cp:
        yield cp


@pytest.fixture(scope="session")
def cluster_kubeconfig(control_plane: harness.ControlPlane | None) -> Path:
    return Path(os.path.expanduser(EXTERNAL)) if control_plane is None else control_plane.kubeconfig


@pytest.fixture
def namespace(cluster_kubeconfig: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh namespace name; the namespace (and all in it) is deleted afterwards."""
    monkeypatch.setenv("KUBECONFIG", str(cluster_kubeconfig))
    ns = f"agentctl-it-{secrets.token_hex(4)}"
    yield ns
    from agentctl.deploy.client import ConnectOptions, connect
    from agentctl.deploy.discovery import well_known

    with connect(ConnectOptions(kubeconfig=str(cluster_kubeconfig))) as client:
        client.delete(well_known("", "Namespace"), None, ns)


@pytest.fixture(scope="session")
def external_secrets(control_plane: harness.ControlPlane | None) -> Iterator[None]:
    """The External Secrets operator for the session, beside the harness's control plane
    (an external cluster brings its own). Skipped, saying why, when it is not built."""
    from tests.cluster import controllers

    if control_plane is None:
        yield
        return
    why = controllers.not_built(controllers.ESO, control_plane.bin_dir)
    if why:
        pytest.skip(f"{why}; deploy waits for ExternalSecrets to be synced")
    controllers.start_external_secrets(control_plane)
    try:
        yield
    finally:
        control_plane.stop_process(controllers.ESO)


@pytest.fixture
def secret_store(external_secrets: None, cluster_kubeconfig: Path) -> dict[str, str]:
    """The examples' store (platform.yaml's `gcp-secret-manager`) as a ClusterSecretStore of the
    External Secrets `fake` provider, serving a fresh random value for every key the examples
    read. Returns those values (tests check they land in Secrets and nowhere else)."""
    from kubernetes.client.exceptions import ApiException
    from tests.cluster import controllers

    values = {key: f"test-{secrets.token_hex(12)}" for key in controllers.EXAMPLE_KEYS}
    try:
        controllers.fake_secret_store(cluster_kubeconfig, controllers.EXAMPLE_STORE, values)
    except ApiException as exc:
        if exc.status != 404:
            raise
        pytest.skip("the cluster serves no ClusterSecretStores: install External Secrets")
    return values
