"""A finding's fix speaks of what was found, not of every case its check covers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli

from agentctl.policy import gate
from agentctl.policy.registry import builtin_checks

ROLE = """apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: tools, namespace: agents}
rules:
  - apiGroups: [""]
    resources: [secrets]
    verbs: [get, list]
  - apiGroups: [""]
    resources: [pods/exec]
    verbs: [create]
  - apiGroups: [""]
    resources: [pods, pods/attach]
    verbs: [create]
  - apiGroups: [rbac.authorization.k8s.io]
    resources: [roles]
    verbs: [bind, escalate, impersonate]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: tools, namespace: agents}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: ServiceAccount, name: tools, namespace: agents}]
"""

POD = """apiVersion: v1
kind: Pod
metadata: {name: web, namespace: agents}
spec:
  hostNetwork: true
  hostPID: true
  hostIPC: true
  securityContext:
    sysctls: [{name: kernel.msgmax, value: "65536"}]
  containers:
    - name: web
      image: ghcr.io/acme/web:1.2.3
      ports: [{containerPort: 8080, hostPort: 8080}]
      securityContext: {privileged: true, procMount: Unmasked}
  volumes:
    - name: tmp
      hostPath: {path: /var/run}
"""


def _findings(tmp_path: Path, text: str, check: str) -> dict[str, str]:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(text)
    report = gate.run(paths=[], manifests=[str(manifest)], include=[check])
    return {f.message: f.remediation for f in report.active}


def _fix_for(found: dict[str, str], fragment: str) -> str:
    [fix] = [fix for message, fix in found.items() if fragment in message]
    return fix


def test_rbac_003_fix_names_the_permission_found(tmp_path: Path) -> None:
    found = _findings(tmp_path, ROLE, "RBAC-003")
    assert len(found) == 8
    secrets = _fix_for(found, "reads secrets (get, list)")
    assert "spec.secrets" in secrets
    for fragment, word in (
        ("uses pods/exec", "pods/exec"),
        ("uses pods/attach", "pods/attach"),
        ("creates pods", "pods create"),
        ("has verb bind", "bind"),
        ("has verb escalate", "escalate"),
        ("has verb impersonate", "impersonate"),
        ("built-in 'edit' ClusterRole", "admin or edit"),
    ):
        fix = _fix_for(found, fragment)
        assert word in fix, (fragment, fix)
        assert "spec.secrets" not in fix and "secret it needs" not in fix, fragment


def test_pss_005_fix_names_the_host_access_found(tmp_path: Path) -> None:
    found = _findings(tmp_path, POD, "PSS-005")
    assert len(found) == 8
    fixes = {
        fragment: _fix_for(found, fragment)
        for fragment in (
            "hostNetwork: true",
            "hostPID: true",
            "hostIPC: true",
            "sysctl kernel.msgmax",
            "binds port 8080 on the node",
            "is privileged",
            "procMount Unmasked",
            "mounts the node's /var/run",
        )
    }
    assert len(set(fixes.values())) == len(fixes)  # one fix per case, none shared
    for fragment in ("is privileged", "hostPID: true", "hostIPC: true", "procMount Unmasked"):
        # advice for ports and volumes is not advice for these
        assert "hostPort" not in fixes[fragment] and "hostPath" not in fixes[fragment], fragment
        assert "Service" not in fixes[fragment] and "PVC" not in fixes[fragment], fragment
    assert "privileged" in fixes["is privileged"] and "hostPID" in fixes["hostPID: true"]
    assert "Service" in fixes["binds port 8080 on the node"]
    assert "emptyDir" in fixes["mounts the node's /var/run"]
    assert "net.ipv4.ping_group_range" in fixes["sysctl kernel.msgmax"]


def test_every_named_fix_is_reachable_and_documented() -> None:
    checks = {c.id: c for c in builtin_checks()}
    for cid in ("RBAC-003", "PSS-005"):
        c = checks[cid]
        assert c.fixes and all(text.endswith(".") for _, text in c.fixes), cid
        assert c.remediation_for("no-such-case") == c.remediation
    page = (Path(__file__).resolve().parents[3] / "docs" / "reference" / "checks.md").read_text()
    for _, text in checks["RBAC-003"].fixes:
        assert text in page


@pytest.mark.parametrize("cid", ["RBAC-003", "PSS-005"])
def test_explain_lists_the_fix_of_each_case(cid: str) -> None:
    check = next(c for c in builtin_checks() if c.id == cid)
    res = run_cli("checks", "explain", cid)
    assert res.exit_code == 0, res.stderr
    for case, text in check.fixes:
        assert f"  {case}: {text}" in res.stdout
    res = run_cli("checks", "explain", cid, "-o", "json")
    assert json.loads(res.stdout)["data"]["fixes"] == dict(check.fixes)


def test_explain_of_an_unknown_huge_id_echoes_a_bounded_line() -> None:
    res = run_cli("checks", "explain", "A" * 10_000)
    assert res.exit_code == 2
    line = next(text for text in res.stderr.splitlines() if text.startswith("error:"))
    assert "no check 'AAAA" in line and len(line) < 120
