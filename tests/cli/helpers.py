"""Run the CLI in-process the way ``main()`` does, capturing stdout/stderr."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from typing import Any


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> Result:
    from agentctl.cli.app import run

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        saved = sys.stdin
        try:
            code = run(list(args))
        finally:
            sys.stdin = saved
    return Result(code, out.getvalue(), err.getvalue())


_FRESH = """
import sys
from agentctl.cli.app import main
watched = sys.argv.pop(1).split(",")
try:
    main()
except SystemExit as exc:
    code = exc.code
print("loaded:", sorted(m for m in watched if m in sys.modules), file=sys.stderr)
sys.exit(code)
"""


def run_cli_fresh(*args: str, watch: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    """``agentctl ARGS`` in a fresh interpreter, as an installed command runs (exit 0 asserted);
    its stderr ends with ``loaded: [...]``: the modules of ``watch`` it had imported."""
    proc = run_cli_process("-c", _FRESH, ",".join(watch), *args)
    assert proc.returncode == 0, proc.stderr
    return proc


def run_cli_process(*args: str, stdout: Any = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    """The Python interpreter with ``args`` (``-m agentctl ...``) in a child process, output captured
    (or ``stdout`` where given), without colour."""
    return subprocess.run(
        [sys.executable, *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
        check=False,
    )
