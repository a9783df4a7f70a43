"""A read-only user's deploy, status and delete answer on the fake as on kube-apiserver: the
fake's RBAC evaluates the same Role and RoleBinding, and the commands print the lines recorded
from a real server (tests/contract/recorded/cli/cli-rbac-namespace-user.json)."""

from __future__ import annotations

from pathlib import Path

from tests.contract import rbac
from tests.fakes.kube_api import FakeKube


def test_a_read_only_user_on_the_fake_answers_as_on_kubernetes(tmp_path: Path) -> None:
    ns = "rbac-contract"
    with FakeKube() as fake:
        admin = fake.write_kubeconfig(tmp_path / "admin.kubeconfig")
        fake.add_rbac_user(rbac.USER, "limited-token")
        limited = fake.write_kubeconfig(
            tmp_path / "limited.kubeconfig", token="limited-token", user=rbac.USER
        )
        proj = rbac.project(tmp_path / "project", ns)
        answers = rbac.run(proj, ns, admin, limited, rbac.grant_as(admin))
    rbac.check(answers)
    real = rbac.recorded()
    assert real is not None, "record it with nox -s cluster"
    assert answers == real["steps"]
