"""Run the CLI in-process the way ``main()`` does, capturing stdout/stderr."""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass


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
