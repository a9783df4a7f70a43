"""Standard output that cannot take the output (/dev/full, a full disk): one line on
stderr and exit 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import run_cli_process
from tests.conftest import REPO_ROOT
from tests.unit.policy.helpers import POLICY_FIXTURES

pytestmark = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")

GOOD = str(POLICY_FIXTURES / "good" / "bundle.yaml")


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "-f", GOOD, "-o", "json"],  # one large write
        ["validate", "-f", GOOD],  # the text report, through the console
        ["validate", "-f", GOOD, "--format", "sarif"],
        ["templates"],
        ["checks"],
    ],
    ids=["json", "text", "sarif", "templates", "checks"],
)
def test_a_full_stdout_is_one_line_and_exit_2(args, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    with open("/dev/full", "w") as full:
        proc = run_cli_process("-m", "agentctl", *args, stdout=full)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    assert "error: cannot write to standard output: No space left on device" in proc.stderr
