"""deploy into a pipe: the text rich would write, without loading rich."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli, run_cli_fresh
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import project, running_fake

from agentctl.cli import common

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKube]:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)
    with running_fake(tmp_path, monkeypatch) as fake:
        yield fake


def _timeless(text: str) -> str:
    return re.sub(r"\d+\.\d+s", "T", text)


@pytest.mark.parametrize("example", ["research-assistant", "deep-research"])
def test_deploy_output_is_what_rich_writes(
    kube: FakeKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, example: str
) -> None:
    monkeypatch.chdir(project(tmp_path, example))
    args = ("deploy", "--dry-run", "server")  # the same answer every time
    plain = run_cli(*args)
    with monkeypatch.context() as m:
        m.setattr(common, "plain_stream", lambda **_: None)  # rich lays it out
        rich = run_cli(*args)
    assert plain.exit_code == rich.exit_code == 0, plain.stderr
    assert _timeless(plain.stdout) == _timeless(rich.stdout)
    assert _timeless(plain.stderr) == _timeless(rich.stderr)
    assert "┏" in plain.stdout and "Checking (server dry run)" in plain.stderr


def test_a_deploy_into_a_pipe_loads_no_rich_or_kubernetes(kube: FakeKube, tmp_path: Path) -> None:
    proj = project(tmp_path, "deep-research")
    proc = run_cli_fresh("deploy", str(proj), watch=("rich", "kubernetes"))
    assert "loaded: []" in proc.stderr
    assert "deep-research in " in proc.stdout
