"""`validate` inputs that are not ordinary files: stdin as bounded as files, FIFOs refused, not waited on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentctl.policy.sources import MAX_MANIFEST_BYTES


def agentctl(
    *args: str, cwd: Path | None = None, stdin: bytes = b""
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "agentctl", *args],
        input=stdin.decode("latin-1") if stdin else "",
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,  # a hang fails the test instead of the suite
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
    )
    assert "Traceback" not in proc.stderr
    return proc


def test_stdin_has_the_file_size_limit() -> None:
    big = (
        b"kind: ConfigMap\napiVersion: v1\nmetadata: {name: big}\ndata:\n  blob: '"
        + b"x" * MAX_MANIFEST_BYTES
        + b"'\n"
    )
    res = agentctl("validate", "-f", "-", stdin=big)
    assert res.returncode == 2, res.stderr
    assert (
        f"<stdin>:1:1: input is larger than the limit of {MAX_MANIFEST_BYTES} bytes" in res.stderr
    )


def test_a_big_document_without_aliases_is_not_called_an_alias_bomb() -> None:
    data = "".join(f"  k{i}: v\n" for i in range(101_000))
    doc = f"kind: ConfigMap\napiVersion: v1\nmetadata: {{name: big}}\ndata:\n{data}".encode()
    res = agentctl("validate", "-f", "-", stdin=doc)
    assert res.returncode == 2, res.stderr
    assert "has more than 100000 values" in res.stderr and "alias" not in res.stderr
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [
        f"{c}: &{c} [" + ", ".join([f"*{p}"] * 10) + "]"
        for p, c in zip("abcd", "bcde", strict=True)
    ]
    res = agentctl("validate", "-f", "-", stdin=("\n".join(bomb) + "\n").encode())
    assert res.returncode == 2 and "alias bomb" in res.stderr


@pytest.mark.parametrize("how", ["named", "found-in-project", "manifest"])
def test_a_fifo_named_agent_yaml_is_refused_not_waited_on(tmp_path: Path, how: str) -> None:
    fifo = tmp_path / "agent.yaml"
    os.mkfifo(fifo)
    if how == "named":
        res = agentctl("validate", str(fifo))
    elif how == "manifest":
        res = agentctl("validate", "-f", str(fifo))
    else:
        res = agentctl("validate", cwd=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    # -f inputs that cannot be read are located problems; the others are checked on
    where = "agent.yaml:1:1" if how == "manifest" else "agent.yaml"
    assert f"{where}: not a regular file" in res.stderr


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["validate", "-f", "-"], "<stdin>: standard input is closed"),
        (["init", "-t", "batch-job", "new"], "Created new/"),
    ],
    ids=["validate", "init"],
)
def test_a_closed_standard_input_is_reported_not_a_traceback(
    args: list[str], line: str, tmp_path: Path
) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "agentctl", *args],
        stdin=subprocess.DEVNULL,
        preexec_fn=lambda: os.close(0),  # started with `<&-`: Python's sys.stdin is None
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
    )
    assert "Traceback" not in proc.stderr
    assert line in proc.stdout + proc.stderr
    assert proc.returncode == (2 if args[0] == "validate" else 0)
