"""deploy pauses the cyclic garbage collector while it sets up, and only then."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from tests.cli.helpers import run_cli
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import project

from agentctl.deploy import engine
from agentctl.spec import loader


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """Whether the collector was on when the spec was loaded and when the deploy ran."""
    found: dict[str, bool] = {}
    load_agent, deploy = loader.load_agent, engine.deploy

    def loading(*args: Any, **kwargs: Any) -> Any:
        found["load"] = gc.isenabled()
        return load_agent(*args, **kwargs)

    def deploying(*args: Any, **kwargs: Any) -> Any:
        found["deploy"] = gc.isenabled()
        return deploy(*args, **kwargs)

    monkeypatch.setattr(loader, "load_agent", loading)
    monkeypatch.setattr(engine, "deploy", deploying)
    return found


def test_off_while_loading_on_for_the_requests_and_after(
    kube: FakeKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seen: dict[str, bool]
) -> None:
    monkeypatch.chdir(project(tmp_path))
    assert gc.isenabled()
    res = run_cli("deploy")
    assert res.exit_code == 0, res.stderr
    assert seen == {"load": False, "deploy": True}
    assert gc.isenabled()


def test_on_again_after_invalid_input(
    kube: FakeKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seen: dict[str, bool]
) -> None:
    proj = project(tmp_path)
    text = (proj / "agent.yaml").read_text()
    (proj / "agent.yaml").write_text(text.replace("kind: Agent", "kind: Agnet", 1))
    monkeypatch.chdir(proj)
    res = run_cli("deploy")
    assert res.exit_code == 2, res.stdout + res.stderr
    assert seen == {"load": False}
    assert gc.isenabled()
