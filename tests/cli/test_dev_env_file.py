"""agentctl dev: an --env-file that is missing or no regular file, or an --otlp-port that is
taken, is one line naming it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import run_cli


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dev-env")
    made = run_cli("init", "nightly", "-t", "batch-job", "--no-input", "-d", str(root))
    assert made.exit_code == 0, made.stderr
    return root / "nightly"


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "not a regular file"),
        (lambda p: os.mkfifo(p), "not a regular file"),
        (lambda p: p.symlink_to("/dev/zero"), "not a regular file"),
    ],
    ids=["missing", "directory", "fifo", "device"],
)
def test_an_env_file_that_cannot_be_read_is_named(
    project: Path, tmp_path: Path, make: object, said: str
) -> None:
    env_file = tmp_path / "the.env"
    make(env_file)  # type: ignore[operator]
    result = run_cli(
        "dev", str(project), "--env-file", str(env_file), "--offline-model",
        "--python", sys.executable,
    )  # fmt: skip
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == f"error: --env-file {env_file}: {said}"


def test_a_taken_otlp_port_names_the_option_that_picks_it(project: Path, tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(
            "dev", str(project), "--otlp-port", str(port), "--offline-model",
            "--python", sys.executable, "--store", str(tmp_path / "traces.db"),
        )  # fmt: skip
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert f"error: cannot listen on 127.0.0.1:{port}" in lines[-2], lines
    assert lines[-1] == "hint: pick another port with --otlp-port PORT (port 0 picks a free one)"
