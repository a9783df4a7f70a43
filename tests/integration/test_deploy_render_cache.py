"""A re-deploy of unchanged input, in a fresh process: the kept render, no spec loaded.
Any deploy loads the spec without pydantic or the spec models (spec/compiled.py), where
the installed pydantic-core is the one the compiled schemas were written for."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.cli.helpers import run_cli_fresh
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import project

from agentctl.spec import fast
from agentctl.usecases import render_cache

WATCHED = ("pydantic", "agentctl.spec.models", "agentctl.spec.loader", "agentctl.policy.engine")
LOADED = (
    "loaded: ['agentctl.policy.engine', 'agentctl.spec.loader']"
    if fast.available()
    else "loaded: ['agentctl.policy.engine', 'agentctl.spec.loader', 'agentctl.spec.models', 'pydantic']"
)


def _deploy(proj: Path) -> subprocess.CompletedProcess[str]:
    return run_cli_fresh("deploy", str(proj), watch=WATCHED)


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
