"""Standard output that cannot take the output (/dev/full, a full disk): one line on
stderr and exit 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
def test_a_full_stdout_is_one_line_and_exit_2(args):
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "agentctl", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO_ROOT,
            env={**os.environ, "NO_COLOR": "1"},
            timeout=120,
            check=False,
        )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    assert "error: cannot write to standard output: No space left on device" in proc.stderr
