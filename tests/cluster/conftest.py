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
