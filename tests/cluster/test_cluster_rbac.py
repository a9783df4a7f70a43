"""An RBAC-limited user (the harness's client certificate CN=limited-user) against the real
API server: status works, deploy and delete stop with one line naming verb and resource,
exit 3. The answers are recorded for the fake's replay when AGENTCTL_RECORD_CONTRACTS=1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.cluster import harness
from tests.contract import rbac
from tests.fakes.kube_fixtures import client_for

pytestmark = [pytest.mark.cluster]


def test_a_read_only_user_gets_one_line_403s(
    control_plane: harness.ControlPlane | None,
    cluster_kubeconfig: Path,
    namespace: str,
    tmp_path: Path,
) -> None:
    if control_plane is None:
        pytest.skip("needs the harness's limited user (a client certificate it signs)")
    proj = rbac.project(tmp_path, namespace)
    answers = rbac.run(
        proj,
        namespace,
        cluster_kubeconfig,
        control_plane.limited_kubeconfig,
        rbac.grant_as(cluster_kubeconfig),
    )
    rbac.check(answers)
    if os.environ.get("AGENTCTL_RECORD_CONTRACTS") == "1":
        with client_for(cluster_kubeconfig) as client:
            rbac.record(answers, client.version())
    real = rbac.recorded()
    if real is not None:
        assert answers == real["steps"]
