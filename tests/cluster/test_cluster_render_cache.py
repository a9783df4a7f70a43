"""Against the real API server: a re-deploy of unchanged input applies the kept render
(nothing changes), and an edit is loaded, gated and applied."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.cli.helpers import run_cli
from tests.cluster.test_cluster_observe import project

pytestmark = [pytest.mark.cluster]


def test_a_kept_render_changes_nothing_and_an_edit_applies(
    cluster_kubeconfig: Path, namespace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentctl.spec import loader

    proj = project(tmp_path, "currency-converter", namespace, monkeypatch)
    first = run_cli("deploy", "--no-wait")
    assert first.exit_code == 0, first.stdout + first.stderr
    loads: list[str] = []
    real = loader.load_agent

    def counting(*args: Any, **kw: Any) -> Any:
        loads.append("agent")
        return real(*args, **kw)

    monkeypatch.setattr(loader, "load_agent", counting)
    again = run_cli("deploy", "--no-wait")
    assert again.exit_code == 0, again.stderr
    assert again.stdout.startswith("No changes"), again.stdout
    assert loads == []  # the kept render, not loaded again
    text = (proj / "agent.yaml").read_text()
    (proj / "agent.yaml").write_text(text.replace("maxReplicas: 10", "maxReplicas: 7"))
    edited = run_cli("deploy", "--no-wait")
    assert edited.exit_code == 0, edited.stderr
    assert loads == ["agent"] and "configured" in edited.stdout, edited.stdout
    assert run_cli("diff").exit_code == 0
