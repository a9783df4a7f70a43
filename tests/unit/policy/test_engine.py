"""Severity overrides, fail-on, exceptions, inline suppressions and check selection."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from tests.unit.policy.helpers import POLICY_FIXTURES

from agentctl.errors import ConfigError
from agentctl.policy import gate

INSECURE = POLICY_FIXTURES / "insecure" / "workload.yaml"
AGENT = textwrap.dedent(
    """\
    apiVersion: agentctl.dev/v1alpha1
    kind: Agent
    metadata: {name: chat, team: search, labels: {cost-center: cc-1}}
    spec:
      type: service
      image: ghcr.io/acme/chat:1.0.0
      port: 8080
      secrets:
        - {name: key, store: gcp-secret-manager, remoteRef: {key: k}, mount: env, env: API_KEY}
      guardrails:
        budget: {perRunUSD: 1, dailyUSD: 10}
        maxSteps: 10
        maxToolCalls: 10
        timeout: 5m
    """
)


def _platform(tmp_path: Path, policy: str = "", extra: str = "") -> Path:
    base = (POLICY_FIXTURES / "platform.yaml").read_text() + extra
    if policy:
        base += "policy:\n" + textwrap.indent(textwrap.dedent(policy), "  ")
    path = tmp_path / "platform.yaml"
    path.write_text(base)
    return path


def _agent(tmp_path: Path, suppressions: str = "", name: str = "chat") -> Path:
    d = tmp_path / name
    d.mkdir()
    text = AGENT.replace("name: chat", f"name: {name}")
    if suppressions:
        text += "  suppressions:\n" + textwrap.indent(textwrap.dedent(suppressions), "    ")
    (d / "agent.yaml").write_text(text)
    return d


def _checks(report, check=None):
    return [(f.check, f.message) for f in report.active if check is None or f.check == check]


def test_severity_override_and_fail_on_from_platform(tmp_path):
    platform = _platform(tmp_path, "failOn: critical\nseverity: {IMG-001: low, FS-001: critical}\n")
    report = gate.run(paths=[], manifests=[str(INSECURE)], platform_file=platform)
    sev = {f.check: f.severity.name for f in report.active}
    assert sev["IMG-001"] == "low" and sev["FS-001"] == "critical"
    assert report.fail_on.name == "critical" and report.failed
    flag = gate.run(paths=[], manifests=[str(INSECURE)], platform_file=platform, fail_on="low")
    assert flag.fail_on.name == "low"


def test_fail_on_defaults_to_high_and_only_counts_active_findings(tmp_path):
    report = gate.run(
        paths=[], manifests=[str(INSECURE)], platform_file=_platform(tmp_path), include=["FS-001"]
    )
    assert report.fail_on.name == "high"
    assert _checks(report) and not report.failed  # FS-001 is medium


def test_platform_exception_scoped_by_agent_object_and_container(tmp_path):
    platform = _platform(
        tmp_path,
        """\
        exceptions:
          - {check: SEC-003, agent: "ch*", object: "Deployment/chat", container: agent, reason: "SDK reads env only"}
          - {check: SEC-003, agent: other, reason: "not in this run: never reported unused"}
        """,
    )
    report = gate.run(
        paths=[_agent(tmp_path)], manifests=[], platform_file=platform, include=["SEC-003", "POL-*"]
    )
    assert _checks(report) == []
    (f,) = report.suppressed
    assert (
        f.check == "SEC-003"
        and f.suppressed.kind == "platform"
        and f.suppressed.reason == "SDK reads env only"
    )
    assert f.suppressed.file.endswith("platform.yaml") and f.suppressed.line > 1


@pytest.mark.parametrize(
    ("scope", "suppressed"),
    [
        ("agent: nope", False),
        ('object: "StatefulSet/*"', False),
        ("container: sidecar", False),
        ('object: "chat"', True),
    ],
)
def test_exception_scope_must_match(tmp_path, scope, suppressed):
    platform = _platform(
        tmp_path, f'exceptions:\n  - {{check: SEC-003, {scope}, reason: "scoped"}}\n'
    )
    report = gate.run(
        paths=[_agent(tmp_path)], manifests=[], platform_file=platform, include=["SEC-003"]
    )
    assert bool(report.suppressed) is suppressed


def test_expired_and_unused_exceptions_are_findings(tmp_path):
    platform = _platform(
        tmp_path,
        """\
        exceptions:
          - {check: SEC-003, agent: chat, reason: "was accepted", expires: 2020-01-31}
          - {check: FS-001, reason: "nothing to suppress", expires: 2999-01-01}
        """,
    )
    report = gate.run(paths=[_agent(tmp_path)], manifests=[], platform_file=platform)
    assert [m for c, m in _checks(report, "SEC-003")]  # no longer suppressed
    (expired,) = _checks(report, "POL-001")
    assert "expired on 2020-01-31" in expired[1]
    (unused,) = _checks(report, "POL-002")
    assert "policy.exceptions[1] for FS-001 matched no finding" in unused[1]
    pol = next(f for f in report.active if f.check == "POL-001")
    line = next(
        n for n, text in enumerate(platform.read_text().splitlines(), 1) if "2020-01-31" in text
    )
    assert (
        pol.object.startswith("Platform/")
        and pol.file.endswith("platform.yaml")
        and pol.line == line
    )


def test_unused_exception_is_not_reported_when_its_check_did_not_run(tmp_path):
    platform = _platform(tmp_path, 'exceptions:\n  - {check: FS-001, reason: "not run"}\n')
    report = gate.run(
        paths=[_agent(tmp_path)], manifests=[], platform_file=platform, exclude=["FS-001"]
    )
    assert _checks(report, "POL-002") == []


def test_inline_suppression_with_expiry(tmp_path):
    agent = _agent(
        tmp_path, '- {check: SEC-003, reason: "SDK reads env only", expires: 2027-01-01}\n'
    )
    platform = _platform(tmp_path)
    live = gate.run(
        paths=[agent], manifests=[], platform_file=platform, today=dt.date(2026, 12, 31)
    )
    assert _checks(live, "SEC-003") == [] and live.suppressed[0].suppressed.kind == "inline"
    later = gate.run(paths=[agent], manifests=[], platform_file=platform, today=dt.date(2027, 1, 2))
    assert _checks(later, "SEC-003") and _checks(later, "POL-001")


def test_inline_suppressions_can_be_forbidden(tmp_path):
    agent = _agent(tmp_path, '- {check: SEC-003, reason: "SDK reads env only"}\n')
    report = gate.run(
        paths=[agent], manifests=[], platform_file=_platform(tmp_path), inline_allowed=False
    )
    assert _checks(report, "SEC-003")
    (ignored,) = _checks(report, "POL-003")
    assert "--no-inline-suppressions" in ignored[1]
    by_platform = gate.run(
        paths=[agent],
        manifests=[],
        platform_file=_platform(tmp_path, "allowInlineSuppressions: false\n"),
    )
    assert "allowInlineSuppressions: false" in _checks(by_platform, "POL-003")[0][1]


def test_inline_suppression_applies_to_its_own_agent_only(tmp_path):
    a = _agent(tmp_path, '- {check: SEC-003, reason: "SDK reads env only"}\n', name="chat")
    b = _agent(tmp_path, name="other")
    report = gate.run(
        paths=[a, b], manifests=[], platform_file=_platform(tmp_path), include=["SEC-003"]
    )
    assert [f.agent for f in report.active] == ["other"]
    assert [f.agent for f in report.suppressed] == ["chat"]


def test_include_and_exclude_take_ids_and_globs(tmp_path):
    report = gate.run(
        paths=[],
        manifests=[str(INSECURE)],
        platform_file=_platform(tmp_path),
        include=["PSS-*", "fs-001"],
        exclude=["PSS-005"],
    )
    assert {c.id for c in report.checks} == {
        "PSS-001",
        "PSS-002",
        "PSS-003",
        "PSS-004",
        "PSS-006",
        "FS-001",
    }
    assert {f.check for f in report.active} <= {c.id for c in report.checks}
    with pytest.raises(ConfigError, match="no check matches 'NOPE-\\*'"):
        gate.run(paths=[], manifests=[str(INSECURE)], include=["NOPE-*"])


def test_builtin_defaults_are_said_and_allowlists_reported_low(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    agent = _agent(tmp_path)
    report = gate.run(paths=[agent], manifests=[])
    assert report.platform_file is None and report.notes
    assert [f.severity.name for f in report.active if f.check == "POL-004"] == ["low"]
