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
