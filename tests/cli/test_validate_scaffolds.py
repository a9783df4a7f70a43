"""Every built-in scaffold renders to objects that pass the gate."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import run_cli
from tests.conftest import EXAMPLES


def _templates() -> list[str]:
    from agentctl.scaffold.catalog import list_builtin

    return [t.name for t in list_builtin()]


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
    assert [(f["check"], f["message"]) for f in data["findings"]] == []
    defaults = run_cli("validate", name, "-o", "json")
    assert defaults.exit_code == 0, defaults.stdout
    found = json.loads(defaults.stdout)["data"]["findings"]
    assert [f for f in found if f["severity"] in ("high", "critical")] == []
