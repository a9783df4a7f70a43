"""Every built-in scaffold renders to objects that pass the gate."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import run_cli
from tests.conftest import EXAMPLES


def _templates() -> list[str]:
    from agentctl.scaffold.catalog import list_builtin

    return [t.name for t in list_builtin()]


# Scaffolds whose daily budget the default ledger (dailyLedger: memory) cannot hold:
# tool-service runs up to 6 replicas without shared memory (12 in its prod overlay, a
# second finding), workflow-agent's runs have no spec.memory. GRD-007 (low) says so;
# the verdict is unchanged.
UNSHARED_DAILY_BUDGET = {"tool-service": 2, "workflow-agent": 1}


@pytest.mark.slow
@pytest.mark.parametrize("template", _templates())
def test_scaffold_passes_with_zero_findings(template, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = "demo-" + template.split("-")[0]
    created = run_cli("init", name, "-t", template, "--no-input")
    assert created.exit_code == 0, created.stderr
    with_platform = run_cli(
        "validate", name, "--platform", str(EXAMPLES / "platform.yaml"), "-o", "json"
    )
    assert with_platform.exit_code == 0, with_platform.stdout
    data = json.loads(with_platform.stdout)["data"]
    expected = ["GRD-007"] * UNSHARED_DAILY_BUDGET.get(template, 0)
    assert [f["check"] for f in data["findings"]] == expected, data["findings"]
    assert data["summary"]["failed"] is False
    defaults = run_cli("validate", name, "-o", "json")
    assert defaults.exit_code == 0, defaults.stdout
    found = json.loads(defaults.stdout)["data"]["findings"]
    assert [f for f in found if f["severity"] in ("high", "critical")] == []
