"""agentctl validate as a user runs it: examples, exit codes, spec errors, formats."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.cli.helpers import run_cli

AGENTS = ["currency-converter", "daily-report", "deep-research", "research-assistant"]


@pytest.mark.parametrize("name", AGENTS)
def test_every_example_passes_with_the_example_platform(examples, name):
    result = run_cli(
        "validate",
        str(examples / name),
        "--platform",
        str(examples / "platform.yaml"),
        "-o",
        "json",
    )
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)["data"]
    assert data["summary"]["failed"] is False
    assert data["platform"]["default"] is False
    assert [f for f in data["findings"] if f["severity"] in ("high", "critical")] == []


# The examples whose daily budget the default ledger cannot hold: currency-converter
# runs up to 10 replicas without shared memory, daily-report is a CronJob without
# spec.memory. GRD-007 (low) says so; the verdict is unchanged.
UNSHARED_DAILY_BUDGET = {"currency-converter", "daily-report"}


def test_the_examples_together_have_no_finding_but_their_unshared_daily_budgets(examples):
    """Nothing else, not even a low one: the example platform's policy has nothing stale in it."""
    result = run_cli(
        "validate",
        *(str(examples / name) for name in AGENTS),
        "--platform",
        str(examples / "platform.yaml"),
        "-o",
        "json",
    )
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)["data"]
    found = sorted((f["check"], f["agent"], f["field"]) for f in data["findings"])
    assert found == [
        ("GRD-007", name, "spec.guardrails.budget.dailyUSD")
        for name in sorted(UNSHARED_DAILY_BUDGET)
    ], data["findings"]
    assert data["summary"]["failed"] is False
    assert data["suppressed"] == []


@pytest.mark.parametrize("name", AGENTS)
def test_every_example_passes_with_builtin_defaults(examples, tmp_path, monkeypatch, name):
    project = tmp_path / name
    shutil.copytree(examples / name, project)
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate", name, "-o", "json")
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)["data"]
    assert data["platform"]["default"] is True
    assert any("built-in platform defaults" in n for n in data["notes"])
    assert [f for f in data["findings"] if f["severity"] in ("high", "critical")] == []
    # no allowlists in the defaults: said as a low finding on the agent's image line
    pol = [f for f in data["findings"] if f["check"] == "POL-004"]
    assert pol and all(f["severity"] == "low" for f in pol)
    assert pol[0]["location"]["file"] == f"{name}/agent.yaml"


def test_invalid_spec_exits_2_with_location(tmp_path):
    bad = tmp_path / "agent.yaml"
    bad.write_text(
        "apiVersion: agentctl.dev/v1alpha1\nkind: Agent\nmetadata: {name: a, team: t}\n"
        "spec:\n  type: service\n  image: ghcr.io/acme/a:1\n  port: 80\n  memroy: {size: 1Gi}\n"
    )
    result = run_cli("validate", str(bad))
    assert result.exit_code == 2
    assert (
        "agent.yaml:8:3: spec.memroy: unknown key 'memroy'; did you mean 'memory'?" in result.stderr
    )


def test_json_envelope_on_error(tmp_path):
    bad = tmp_path / "agent.yaml"
    bad.write_text("- just\n- a list\n")
    result = run_cli("validate", str(bad), "-o", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["ok"] is False and doc["kind"] == "ValidationReport"
    assert doc["errors"][0]["problems"][0]["line"] == 1


def _rel(p):
    from tests.conftest import REPO_ROOT

    return p.relative_to(REPO_ROOT).as_posix()


def test_text_report_groups_by_object_with_counts(monkeypatch):
    from tests.conftest import REPO_ROOT
    from tests.unit.policy.helpers import POLICY_FIXTURES

    monkeypatch.chdir(REPO_ROOT)
    insecure = POLICY_FIXTURES / "insecure"
    result = run_cli("validate", "-f", _rel(insecure))
    assert result.exit_code == 1
    out = result.stdout
    assert f"{_rel(insecure / 'workload.yaml')}: " in out
    assert "Deployment/agents/yolo-agent  " in out and "worst CRITICAL" in out
    assert f"{_rel(insecure / 'rbac.yaml')}:24" in out  # the cluster-admin binding, with its line
    assert "fix: Bind a Role" in out
    assert (
        out.rstrip().splitlines()[-1].startswith(tuple("0123456789"))
        and "FAILED" in out.splitlines()[-1]
    )
    assert "built-in platform defaults" in result.stderr


def test_fail_on_flag_sets_the_gate():
    from tests.unit.policy.helpers import POLICY_FIXTURES

    fixture = str(POLICY_FIXTURES / "checks" / "FS-001" / "fail.yaml")
    assert run_cli("validate", "-f", fixture, "--include", "FS-001").exit_code == 0  # medium < high
    assert (
        run_cli("validate", "-f", fixture, "--include", "FS-001", "--fail-on", "medium").exit_code
        == 1
    )
    assert (
        run_cli("validate", "-f", fixture, "--include", "FS-001", "--fail-on", "critical").exit_code
        == 0
    )


def test_manifests_from_stdin(monkeypatch):
    import io

    from tests.unit.policy.helpers import POLICY_FIXTURES

    text = (POLICY_FIXTURES / "checks" / "IMG-001" / "fail.yaml").read_text()
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    result = run_cli("validate", "-f", "-", "--include", "IMG-001", "-o", "json")
    assert result.exit_code == 1
    files = {f["location"]["file"] for f in json.loads(result.stdout)["data"]["findings"]}
    assert files == {"<stdin>"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("kind: Pod\nmetadata: {name: p\n", "invalid YAML"),
        ("apiVersion: v1\nmetadata: {name: p}\n", "not a Kubernetes object: no kind"),
        ("- a\n- b\n", "a manifest must be a YAML mapping"),
    ],
)
def test_unusable_manifests_exit_2_with_location(tmp_path, content, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    result = run_cli("validate", "-f", str(bad))
    assert result.exit_code == 2
    assert "bad.yaml:" in result.stderr and message in result.stderr
    # the summary does not call an unread input a pass
    assert (
        "passed" not in result.stdout and "INCOMPLETE: an input could not be read" in result.stdout
    )


def test_missing_inputs_exit_2(tmp_path):
    assert run_cli("validate", "-f", str(tmp_path / "nope.yaml")).exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli("validate", str(empty))
    assert result.exit_code == 2 and "no agent.yaml here or below" in result.stderr


def test_a_manifest_given_as_path_suggests_f(tmp_path):
    from tests.unit.policy.helpers import POLICY_FIXTURES

    manifest = tmp_path / "deploy.yaml"
    manifest.write_text((POLICY_FIXTURES / "good" / "bundle.yaml").read_text())
    result = run_cli("validate", str(manifest))
    assert result.exit_code == 2
    assert "not an agent.yaml" in result.stderr and "-f" in result.stderr


def test_a_monorepo_directory_validates_every_agent(examples, tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    for name in AGENTS:
        shutil.copytree(examples / name, repo / "agents" / name)
    shutil.copy(examples / "platform.yaml", repo / "platform.yaml")
    (repo / ".git").mkdir()
    monkeypatch.chdir(repo)
    result = run_cli("validate", "agents", "-o", "json")
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)["data"]
    assert sorted(a["name"] for a in data["agents"] if a["env"] is None) == sorted(AGENTS)
    # every declared environment is gated too
    assert [(a["name"], a["env"]) for a in data["agents"] if a["env"]] == [
        ("research-assistant", "prod")
    ]
    assert data["platform"]["file"] == "platform.yaml"


def test_agents_and_manifests_in_one_run(examples):
    from tests.unit.policy.helpers import POLICY_FIXTURES

    result = run_cli(
        "validate", str(examples / "currency-converter"), "-f", str(POLICY_FIXTURES / "insecure" / "rbac.yaml"),
        "--platform", str(examples / "platform.yaml"), "-o", "json",
    )  # fmt: skip
    assert result.exit_code == 1
    data = json.loads(result.stdout)["data"]
    assert [a["name"] for a in data["agents"]] == ["currency-converter"]
    assert {f["check"] for f in data["findings"]} >= {"RBAC-001", "RBAC-002", "RBAC-003"}


def test_checks_lists_and_explains():
    listed = run_cli("checks")
    assert (
        listed.exit_code == 0 and "NET-003" in listed.stdout and "critical".upper() in listed.stdout
    )
    doc = json.loads(run_cli("checks", "-o", "json").stdout)
    assert doc["kind"] == "CheckCatalogue" and len(doc["data"]["checks"]) >= 39
    explained = run_cli("checks", "explain", "pss-005")
    assert explained.exit_code == 0
    for part in ("Why", "Fix", "Example fix", "hostNetwork: false"):
        assert part in explained.stdout
    unknown = run_cli("checks", "explain", "NET-033")
    assert unknown.exit_code == 2 and "did you mean NET-003?" in unknown.stderr


def test_allowed_kinds_from_the_platform_and_the_flag(tmp_path):
    from tests.unit.policy.helpers import POLICY_FIXTURES

    manifest = tmp_path / "widget.yaml"
    manifest.write_text(
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: agents}\n"
    )
    platform = tmp_path / "platform.yaml"
    platform.write_text((POLICY_FIXTURES / "platform.yaml").read_text())
    args = ("validate", "-f", str(manifest), "--platform", str(platform), "--include", "SCH-001")
    refused = run_cli(*args)
    assert refused.exit_code == 1 and "unknown kind Widget" in refused.stdout
    assert run_cli(*args, "--allow-kind", "example.com/Widget").exit_code == 0
    platform.write_text(platform.read_text() + "policy:\n  allowKinds: [example.com/Widget]\n")
    assert run_cli(*args).exit_code == 0


def test_validate_f_on_a_build_output_skips_the_kustomization(examples, tmp_path):
    # `build` writes kustomization.yaml next to the manifests: kustomize's
    # configuration, not an object for the cluster, so no schema or label finding.
    # A service, a scheduled job and an Argo workflow agent, built side by side.
    dist = tmp_path / "dist"
    for example in ("currency-converter", "daily-report", "deep-research"):
        built = run_cli(
            "build",
            str(examples / example),
            "--platform",
            str(examples / "platform.yaml"),
            "--out",
            str(dist),
        )
        assert built.exit_code == 0, built.stdout
    assert len(list(dist.glob("*/kustomization.yaml"))) == 3
    result = run_cli(
        "validate", "-f", str(dist), "--platform", str(examples / "platform.yaml"), "-o", "json"
    )
    data = json.loads(result.stdout)["data"]
    assert [f for f in data["findings"] if "kustomization" in f["file"]] == []
    assert result.exit_code == 0, [(f["check"], f["file"]) for f in data["findings"]]
    objects = sum(
        1
        for f in dist.glob("*/0*.yaml")
        for line in f.read_text().splitlines()
        if line.startswith("kind:")
    )
    assert data["summary"]["objects"] == objects
