"""Organisation checks without forking: the agentctl.checks entry point and declarative platform rules."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli
from tests.unit.policy.helpers import POLICY_FIXTURES

GOOD = POLICY_FIXTURES / "good" / "bundle.yaml"

PLUGIN = """
from agentctl.policy import Check, Hit, Severity


def _no_debug(unit):
    for obj in unit.objects:
        if obj.labels.get("debug") == "true":
            yield Hit("debug label on a production object", obj, ("metadata", "labels", "debug"))


CHECKS = [
    Check(
        id="ACME-101",
        title="No debug labels",
        severity=Severity.high,
        description="Objects never carry debug: true.",
        rationale="Debug builds log prompts.",
        remediation="Remove the label.",
        example="labels: {}",
        fn=_no_debug,
        kinds=("*",),
    )
]
"""


def _install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str, module: str = PLUGIN
) -> None:
    """A tiny installed distribution: a dist-info with the entry point, and its module, on sys.path."""
    name = f"acme_checks_{uuid.uuid4().hex[:8]}"  # a fresh module per test (sys.modules caches imports)
    target = target.replace("acme_checks", name)
    site = tmp_path / "site"
    dist = site / "acme_checks-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-checks\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[agentctl.checks]\nacme = {target}\n")
    (site / f"{name}.py").write_text(module)
    monkeypatch.syspath_prepend(str(site))


def _manifest(tmp_path: Path) -> Path:
    text = GOOD.read_text().replace(
        "labels: {agentctl.dev/team: search, agentctl.dev/agent: web, cost-center: cc-1}\nautomount",
        'labels: {agentctl.dev/team: search, agentctl.dev/agent: web, cost-center: cc-1, debug: "true"}\nautomount',
    )
    path = tmp_path / "bundle.yaml"
    path.write_text(text)
    return path


def test_entry_point_checks_are_listed_and_run(tmp_path, monkeypatch):
    _install(tmp_path, monkeypatch, "acme_checks:CHECKS")
    listed = json.loads(run_cli("checks", "-o", "json").stdout)["data"]["checks"]
    acme = next(c for c in listed if c["id"] == "ACME-101")
    assert acme["source"] == "plugin:acme" and acme["severity"] == "high"
    result = run_cli(
        "validate",
        "-f",
        str(_manifest(tmp_path)),
        "--platform",
        str(POLICY_FIXTURES / "platform.yaml"),
        "-o",
        "json",
    )
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)["data"]["findings"]
    assert finding["check"] == "ACME-101" and finding["location"]["line"] == 7
    explained = run_cli("checks", "explain", "acme-101")
    assert "Debug builds log prompts." in explained.stdout


@pytest.mark.parametrize(
    ("target", "module", "message"),
    [
        ("acme_checks:MISSING", PLUGIN, "cannot load check plug-in entry point acme"),
        ("acme_checks:VALUE", "VALUE = 42\n", "expected an agentctl.policy.Check"),
        (
            "acme_checks:CHECKS",
            PLUGIN.replace("ACME-101", "SEC-001"),
            "clashes with built-in check SEC-001",
        ),
    ],
)
def test_broken_plugins_are_configuration_errors(tmp_path, monkeypatch, target, module, message):
    _install(tmp_path, monkeypatch, target, module)
    result = run_cli("validate", "-f", str(GOOD))
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_failing_plugin_check_is_a_configuration_error(tmp_path, monkeypatch):
    _install(
        tmp_path,
        monkeypatch,
        "acme_checks:CHECKS",
        PLUGIN.replace('yield Hit("debug', 'raise RuntimeError("boom"); yield Hit("debug'),
    )
    result = run_cli("validate", "-f", str(_manifest(tmp_path)))
    assert result.exit_code == 2
    assert "check ACME-101 (plugin:acme) failed: RuntimeError: boom" in result.stderr


RULES = """\
policy:
  checks:
    - id: ORG-001
      kinds: [Deployment]
      path: spec.template.spec.containers[*].imagePullPolicy
      exists: true
      severity: high
      message: containers must set imagePullPolicy
      remediation: set imagePullPolicy to IfNotPresent
    - id: ORG-002
      kinds: [Deployment, StatefulSet]
      path: spec.template.spec.containers[*].image
      match: 'ghcr\\.io/acme/[a-z-]+@sha256:[0-9a-f]{64}'
    - id: ORG-003
      kinds: ["*"]
      path: metadata.labels.environment
      notMatch: '^(dev|test)$'
      severity: low
    - id: ORG-004
      kinds: [ServiceAccount]
      path: automountServiceAccountToken
      exists: false
"""


def test_declarative_platform_checks(tmp_path):
    platform = tmp_path / "platform.yaml"
    platform.write_text((POLICY_FIXTURES / "platform.yaml").read_text() + RULES)
    manifest = tmp_path / "bundle.yaml"
    manifest.write_text(
        GOOD.read_text().replace(
            "namespace: agents\n  labels: {agentctl.dev/team: search, agentctl.dev/agent: web, cost-center: cc-1}\nspec:\n  replicas",
            "namespace: agents\n  labels: {agentctl.dev/team: search, agentctl.dev/agent: web, cost-center: cc-1, environment: dev}\nspec:\n  replicas",
        )
    )
    result = run_cli(
        "validate",
        "-f",
        str(manifest),
        "--platform",
        str(platform),
        "-o",
        "json",
        "--include",
        "ORG-*",
    )
    assert result.exit_code == 1
    found = {
        (f["check"], f["location"]["line"], f["severity"])
        for f in json.loads(result.stdout)["data"]["findings"]
    }
    text = manifest.read_text().splitlines()
    line = {
        key: next(n for n, t in enumerate(text, 1) if key in t)
        for key in (
            "- name: web",
            "image: ghcr",
            "environment: dev",
            "automountServiceAccountToken: false",
        )
    }
    assert found == {
        ("ORG-001", line["- name: web"], "high"),
        ("ORG-002", line["image: ghcr"], "medium"),
        ("ORG-003", line["environment: dev"], "low"),
        ("ORG-004", line["automountServiceAccountToken: false"], "medium"),
    }
    listed = json.loads(run_cli("checks", "--platform", str(platform), "-o", "json").stdout)[
        "data"
    ]["checks"]
    assert {c["id"]: c["source"] for c in listed if c["id"].startswith("ORG")} == dict.fromkeys(
        ["ORG-001", "ORG-002", "ORG-003", "ORG-004"], "platform"
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            "    - {id: ORG-001, kinds: [Pod], path: spec.x}\n",
            "a check needs match, notMatch or exists",
        ),
        (
            "    - {id: ORG-001, kinds: [Pod], path: spec.x, match: '('}\n",
            "invalid regular expression",
        ),
        (
            "    - {id: SEC-001, kinds: [Pod], path: spec.x, exists: true}\n",
            "clashes with built-in check SEC-001",
        ),
    ],
)
def test_bad_declarative_checks_exit_2(tmp_path, rule, message):
    platform = tmp_path / "platform.yaml"
    platform.write_text(
        (POLICY_FIXTURES / "platform.yaml").read_text() + "policy:\n  checks:\n" + rule
    )
    result = run_cli("validate", "-f", str(GOOD), "--platform", str(platform))
    assert result.exit_code == 2
    assert message in result.stderr


def test_plugin_search_reads_entry_points_files_before_importing_metadata(tmp_path, monkeypatch):
    """No distribution names the group: no plug-ins, and importlib.metadata is not needed."""
    from agentctl.policy.catalogue import ENTRY_POINT_GROUP, declared

    other = tmp_path / "other"
    (other / "tool-1.0.dist-info").mkdir(parents=True)
    (other / "tool-1.0.dist-info" / "entry_points.txt").write_text("[console_scripts]\nt = t:m\n")
    monkeypatch.setattr("sys.path", [str(other), str(tmp_path / "missing")])
    assert not declared(ENTRY_POINT_GROUP)
    (other / "acme-1.0.dist-info").mkdir()
    (other / "acme-1.0.dist-info" / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nacme = acme:CHECKS\n"
    )
    assert declared(ENTRY_POINT_GROUP)
    zipped = tmp_path / "plugins.zip"
    zipped.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    monkeypatch.setattr("sys.path", [str(zipped)])
    assert declared(ENTRY_POINT_GROUP)  # a zip on the path: importlib.metadata decides


def test_the_catalogue_file_lists_what_the_check_modules_define():
    """`agentctl checks` lists catalogue.json: the same summaries the modules give."""
    from agentctl.policy.catalogue import catalogue
    from agentctl.policy.registry import all_checks

    assert catalogue() == [c.summary() for c in all_checks()]
