"""Shared fixtures: every test runs with HOME, XDG dirs and KUBECONFIG in tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests explore random inputs while developing; in CI (CI=true) they
# run derandomized with no example database, so a clean checkout always runs
# the same examples and a red build is reproducible, never a coin toss.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "examples"
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("KUBECONFIG", str(home / ".kube" / "config"))
    monkeypatch.delenv("AGENTCTL_PLATFORM", raising=False)
    monkeypatch.delenv("AGENTCTL_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    for name in list(os.environ):
        if name.startswith("OTEL_"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def shared() -> Path:
    return SHARED
