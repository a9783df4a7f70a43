"""--output-file and --junit name what the user says: a device or pipe is written
through, a symlink followed, and a name that can never take a report is a usage error;
an empty path is refused alike by every option naming a path to write."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from tests.cli.helpers import run_cli
from tests.conftest import REPO_ROOT
from tests.unit.policy.helpers import POLICY_FIXTURES

GOOD = POLICY_FIXTURES / "good" / "bundle.yaml"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)


def _sarif_to(target: str | Path):
    return run_cli("validate", "-f", str(GOOD), "--format", "sarif", "--output-file", str(target))


def test_a_fifo_is_written_through_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = _sarif_to(fifo)
    reader.join(timeout=30)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert json.loads(got[0])["version"] == "2.1.0"


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a character device needs root")
def test_a_character_device_is_written_through_not_replaced(tmp_path):
    null = tmp_path / "mynull"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    result = _sarif_to(null)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISCHR(null.lstat().st_mode)


def test_a_symlink_is_followed_and_kept(tmp_path):
    (tmp_path / "reports").mkdir()
    real = tmp_path / "reports" / "results.sarif"
    real.write_text("old")
    link = tmp_path / "link.sarif"
    link.symlink_to(Path("reports") / "results.sarif")
    result = _sarif_to(link)
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink()
    assert json.loads(real.read_text())["version"] == "2.1.0"
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["results.sarif"]


def test_a_dangling_symlink_creates_the_file_it_names(tmp_path):
    link = tmp_path / "link.sarif"
    link.symlink_to(tmp_path / "new.sarif")
    assert _sarif_to(link).exit_code == 0
    assert link.is_symlink() and json.loads((tmp_path / "new.sarif").read_text())


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("adir", "is a directory"),
        ("afile/x.sarif", "not a directory"),
        (".", "is a directory"),
        ("x" * 300, "too long"),
        ("loop", "symbolic links"),
    ],
)
def test_a_name_that_cannot_take_a_report_is_one_usage_error(tmp_path, monkeypatch, name, reason):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("keep")
    (tmp_path / "loop").symlink_to("loop")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = _sarif_to(name)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --output-file ")
    assert reason in lines[0].lower()
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (tmp_path / "afile").read_text() == "keep"


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["build", "--out", ""], "--out"),
        (["validate", "--format", "sarif", "--output-file", ""], "--output-file"),
        (["validate", "--format", "sarif", "--output-file", "a.sarif", "--output-file", ""],
         "--output-file"),
        (["eval", "run", "--junit", ""], "--junit"),
        (["init", "demo", "--output-dir", ""], "--output-dir"),
        (["init", "demo", "-d", ""], "--output-dir"),
        (["quickstart", "--dir", ""], "--dir"),
    ],
)  # fmt: skip
def test_an_empty_output_path_is_refused_alike(tmp_path, monkeypatch, args, flag):
    """Read as a path, "" would be the current directory: `build --out "$UNSET"` would
    write there, `init` fill it, `validate` complain of a directory nobody named."""
    project = tmp_path / "proj"
    assert run_cli("init", "proj", "--output-dir", str(project)).exit_code == 0
    monkeypatch.chdir(project)
    before = sorted(str(p.relative_to(project)) for p in project.rglob("*"))
    result = run_cli(*args)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: {flag}: the path is empty (give a file or directory name)"
    ]
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*")) == before
