"""A re-deploy of unchanged input, in a fresh process: the kept render, no spec models loaded."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import project, running_fake

from agentctl.usecases import render_cache

LOADED = "loaded: ['agentctl.policy.engine', 'agentctl.spec.models', 'pydantic']"

SCRIPT = """
import sys
from agentctl.cli.app import main
try:
    main()
except SystemExit as exc:
    code = exc.code
heavy = sorted(m for m in ("pydantic", "agentctl.spec.models", "agentctl.policy.engine") if m in sys.modules)
print("loaded:", heavy, file=sys.stderr)
sys.exit(code)
"""


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKube]:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with running_fake(tmp_path, monkeypatch) as fake:
        yield fake


def _deploy(proj: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, "deploy", str(proj)],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def _timeless(text: str) -> str:
    return re.sub(r"\d+\.\d+s", "T", text)


def test_a_re_deploy_uses_the_kept_render(kube: FakeKube, tmp_path: Path) -> None:
    proj = project(tmp_path, "deep-research")
    first = _deploy(proj)
    assert LOADED in first.stderr
    again = _deploy(proj)
    assert "loaded: []" in again.stderr
    assert "No changes: all 15 objects unchanged" in again.stdout
    # the same re-deploy without the kept render says the same
    shutil.rmtree(render_cache.cache_dir())
    uncached = _deploy(proj)
    assert LOADED in uncached.stderr
    assert _timeless(uncached.stdout) == _timeless(again.stdout)
    assert _timeless(uncached.stderr).replace(LOADED, "") == _timeless(again.stderr).replace(
        "loaded: []", ""
    )
    # changed input: loaded and gated again, and the change is applied
    text = (proj / "agent.yaml").read_text()
    (proj / "agent.yaml").write_text(text.replace("version: ", "version: 9", 1))
    changed = _deploy(proj)
    assert LOADED in changed.stderr
    assert "No changes" not in changed.stdout and "configured" in changed.stdout
