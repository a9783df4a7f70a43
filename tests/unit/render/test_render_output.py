"""Writing a build: exact bytes, whole directories swapped in, nothing half-written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentctl.errors import UsageError
from agentctl.render.output import write_tree


def test_files_hold_exactly_the_utf8_of_their_content(tmp_path: Path) -> None:
    content = "a: 'ünïcode \u2028'\nb: |\n  two\n  lines\n" + "x" * 100_000
    written = write_tree(tmp_path, {"agent": {"00-config.yaml": content, "empty.yaml": ""}})
    assert written == [tmp_path / "agent"]
    assert (tmp_path / "agent" / "00-config.yaml").read_bytes() == content.encode("utf-8")
    assert (tmp_path / "agent" / "empty.yaml").read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agent"]  # no staging left behind


def test_new_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_tree(tmp_path, {"agent": {"f.yaml": "a: 1\n"}})
    finally:
        os.umask(old)
    assert (tmp_path / "agent" / "f.yaml").stat().st_mode & 0o777 == 0o640


def test_a_failed_write_leaves_the_previous_build_whole(tmp_path: Path) -> None:
    write_tree(tmp_path, {"agent": {"f.yaml": "old\n"}})
    with pytest.raises(UsageError, match=r"--out .*: cannot write"):
        # a file name longer than any file system accepts: the second agent fails after the first was staged
        write_tree(tmp_path, {"agent": {"f.yaml": "new\n"}, "other": {"n" * 300: "x"}})
    assert (tmp_path / "agent" / "f.yaml").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agent"]


def test_a_failed_write_leaves_no_new_out_directory(tmp_path: Path) -> None:
    out = tmp_path / "new" / "dist"
    with pytest.raises(UsageError, match=r"--out .*: cannot write"):
        write_tree(out, {"agent": {"f.yaml": "a\n"}, "other": {"n" * 300: "x"}})
    assert not (tmp_path / "new").exists()  # both levels it made are gone


def test_an_interrupted_write_leaves_no_new_out_directory(tmp_path: Path, monkeypatch) -> None:
    from agentctl.render import output

    def interrupted(path: str, data: bytes) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(output, "_write_new", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_tree(tmp_path / "dist", {"agent": {"f.yaml": "a\n"}})
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_an_out_directory_that_was_there(tmp_path: Path) -> None:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "README").write_text("mine\n")
    with pytest.raises(UsageError):
        write_tree(tmp_path / "dist", {"other": {"n" * 300: "x"}})
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == ["README"]


def test_a_failed_write_keeps_an_existing_out_reached_through_dot_dot(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dist").mkdir()  # empty, and not this build's
    with pytest.raises(UsageError):
        write_tree(Path("build/../dist"), {"other": {"n" * 300: "x"}})
    assert (tmp_path / "dist").is_dir()
    assert not (tmp_path / "build").exists()  # made on the way, removed


def test_an_out_name_too_long_leaves_no_parent_behind(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot create directory"):
        write_tree(tmp_path / "new" / ("x" * 300), {"agent": {"f.yaml": "a\n"}})
    assert list(tmp_path.iterdir()) == []


def test_a_directory_another_process_made_meanwhile_is_not_removed(
    tmp_path: Path, monkeypatch
) -> None:
    from agentctl.render import output

    made = output._make

    def racing(path: Path, into: list[Path]) -> None:
        (tmp_path / "shared").mkdir()  # made by someone else just before this build's mkdir
        made(path, into)

    monkeypatch.setattr(output, "_make", racing)
    with pytest.raises(UsageError):
        write_tree(tmp_path / "shared" / "dist", {"other": {"n" * 300: "x"}})
    assert (tmp_path / "shared").is_dir()
    assert not (tmp_path / "shared" / "dist").exists()


def test_a_directory_that_cannot_be_made_under_an_existing_parent_is_an_error(
    tmp_path: Path, monkeypatch
) -> None:
    # /proc/sys/x: its parent is there, and mkdir still answers ENOENT (this looped)
    real = Path.mkdir

    def refuse(self: Path, *args, **kwargs) -> None:
        if self.name == "x":
            raise FileNotFoundError(2, "No such file or directory")
        real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(UsageError, match="cannot create directory"):
        write_tree(tmp_path / "new" / "x", {"agent": {"f.yaml": "a\n"}})
    assert list(tmp_path.iterdir()) == []


def test_an_out_nothing_can_be_created_in_is_an_error(tmp_path: Path, monkeypatch) -> None:
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    with pytest.raises(UsageError, match="cannot write \\(Operation not permitted\\)"):
        write_tree(tmp_path / "new", {"agent": {"f.yaml": "a\n"}})
    assert list(tmp_path.iterdir()) == []
