"""Deploy's request pattern against the real API server: connections opened in the first round
(TLS session tickets read, so the pool keeps them), and RoleBindings after their Roles for a
deployer who may not bind any role."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.cli.helpers import run_cli
from tests.cluster import harness
from tests.cluster.latency_proxy import LatencyProxy
from tests.cluster.test_cluster_real import install_crds, project
from tests.fakes.kube_fixtures import client_for
from tests.integration.test_deploy_rounds import LevelStarts

from agentctl.deploy.discovery import ResourceInfo
from agentctl.deploy.engine import DeployOptions, deploy
from agentctl.deploy.preflight import round_sizes
from agentctl.deploy.source import from_spec

pytestmark = [pytest.mark.cluster]
RBAC = "rbac.authorization.k8s.io"


def test_every_connection_is_opened_in_the_first_round_over_tls(
    cluster_kubeconfig: Path,
    control_plane: harness.ControlPlane | None,
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """kube-apiserver sends TLS 1.3 session tickets after the handshake: unread, an idle
    connection looks closed to the pool, which would open another in the next round."""
    if control_plane is None:
        pytest.skip("needs the harness's API server port to put a proxy in front of")
    install_crds(cluster_kubeconfig, "external-secrets")
    src = from_spec(project(tmp_path, "research-assistant", namespace, monkeypatch))
    widest = max(round_sizes(src.render(None).objects))
    # 50 ms each way: far wider than a busy machine's scheduling delays
    with LatencyProxy(control_plane.api_port, one_way=0.05) as proxy:
        proxied = tmp_path / "proxied-kubeconfig"
        proxied.write_text(
            cluster_kubeconfig.read_text().replace(
                control_plane.server, f"https://127.0.0.1:{proxy.port}"
            )
        )
        for _ in ("first deploy", "re-deploy"):
            before = proxy.connections
            events = LevelStarts()
            with client_for(proxied) as client:
                result = deploy(client, src, DeployOptions(wait=False), events)
            assert result.counts()["failed"] == 0
            assert 8 < proxy.connections - before <= widest
            assert max(proxy.accepted) < events.started[0]


def grant(admin: Path, objs: list[dict[str, Any]]) -> None:
    plural = {"Role": "roles", "RoleBinding": "rolebindings", "ClusterRole": "clusterroles",
              "ClusterRoleBinding": "clusterrolebindings"}  # fmt: skip
    with client_for(admin) as client:
        for obj in objs:
            kind = obj["kind"]
            info = ResourceInfo(RBAC, "v1", kind, plural[kind], not kind.startswith("Cluster"))
            client.apply(info, obj)


def test_a_namespace_admin_who_may_not_bind_any_role_deploys_roles_and_bindings(
    cluster_kubeconfig: Path,
    control_plane: harness.ControlPlane | None,
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the bind and escalate verbs, the API server checks a RoleBinding against the
    Role it names and refuses it while that Role does not exist: the binding must come after."""
    if control_plane is None:
        pytest.skip("needs the harness's limited user (a client certificate it signs)")
    install_crds(cluster_kubeconfig, "external-secrets")
    user = "limited-user"
    verbs = ["get", "list", "watch", "create", "update", "patch", "delete"]
    with client_for(cluster_kubeconfig) as client:
        client.apply(
            ResourceInfo("", "v1", "Namespace", "namespaces", False),
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
        )
    subject = [{"apiGroup": RBAC, "kind": "User", "name": user}]
    cluster_name = f"{namespace}-deployer"
    grant(
        cluster_kubeconfig,
        [
            {"apiVersion": f"{RBAC}/v1", "kind": "Role",
             "metadata": {"name": "deployer", "namespace": namespace},
             "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": verbs}]},
            {"apiVersion": f"{RBAC}/v1", "kind": "RoleBinding",
             "metadata": {"name": "deployer", "namespace": namespace},
             "roleRef": {"apiGroup": RBAC, "kind": "Role", "name": "deployer"},
             "subjects": subject},
            {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRole", "metadata": {"name": cluster_name},
             "rules": [{"apiGroups": [""], "resources": ["namespaces"],
                        "resourceNames": [namespace], "verbs": ["get", "patch"]}]},
            {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRoleBinding",
             "metadata": {"name": cluster_name},
             "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": cluster_name},
             "subjects": subject},
        ],
    )  # fmt: skip
    try:
        project(tmp_path, "research-assistant", namespace, monkeypatch)
        monkeypatch.setenv("KUBECONFIG", str(control_plane.limited_kubeconfig))
        res = run_cli("deploy", "--no-wait", "-o", "json")
        assert res.exit_code == 0, res.stderr
        actions = {o["kind"]: o["action"] for o in json.loads(res.stdout)["data"]["objects"]}
        assert actions["Role"] == actions["RoleBinding"] == "created"
    finally:
        with client_for(cluster_kubeconfig) as client:
            for kind, plural in (("ClusterRoleBinding", "clusterrolebindings"),
                                 ("ClusterRole", "clusterroles")):  # fmt: skip
                client.delete(ResourceInfo(RBAC, "v1", kind, plural, False), None, cluster_name)
