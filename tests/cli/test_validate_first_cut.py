from __future__ import annotations

import json

from tests.cli.helpers import run_cli


def test_examples_are_valid(examples):
    result = run_cli("validate", *(str(p) for p in sorted(examples.iterdir()) if p.is_dir()))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("is valid") == 4


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
