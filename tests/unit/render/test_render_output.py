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
