"""Every built-in scaffold's agent.yaml builds: schema-valid against the real CRDs, byte-stable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import run_cli
from tests.conftest import CRD_DIR as CRDS


def _templates() -> list[str]:
    from agentctl.scaffold.catalog import list_builtin

    return [t.name for t in list_builtin()]


@pytest.mark.slow
@pytest.mark.parametrize("template", _templates())
def test_scaffold_builds(template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENTCTL_CRD_DIR", raising=False)
    name = "demo-" + template.split("-")[0]
    created = run_cli("init", name, "-t", template, "--no-input")
    assert created.exit_code == 0, created.stderr
    first = run_cli("build", name, "--out", "dist", "--crd-dir", str(CRDS), "-o", "json")
    assert first.exit_code == 0, first.stderr
    (agent,) = json.loads(first.stdout)["data"]["agents"]
    kinds = {o["object"]["kind"] for o in agent["objects"]}
    assert {"Namespace", "ServiceAccount", "ConfigMap", "NetworkPolicy"} <= kinds
    assert kinds & {"Deployment", "StatefulSet", "Job", "CronJob", "WorkflowTemplate"}
    written = {p.name: p.read_bytes() for p in (tmp_path / "dist" / agent["name"]).iterdir()}
    again = run_cli("build", name, "--out", "dist2", "--crd-dir", str(CRDS))
    assert again.exit_code == 0, again.stderr
    assert {
        p.name: p.read_bytes() for p in (tmp_path / "dist2" / agent["name"]).iterdir()
    } == written
