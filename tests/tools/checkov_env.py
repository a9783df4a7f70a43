"""Checkov, the independent scanner, in its own cached virtual environment.

Checkov is heavy (hundreds of dependencies) and no part of agentctl: it is
installed from PyPI once into ``$AGENTCTL_TEST_CACHE/tools/checkov`` (default ``~/.cache/agentctl-tests``) (pinned to VERSION) in the
checkout, never into the package's or the dev environment. The scan runs
offline (``--skip-download``): nothing but PyPI at install time is contacted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

VERSION = "3.3.30"
# Outside the checkout (CI tests a fresh clone each time), so one install serves every run.
CACHE = (
    Path(os.environ.get("AGENTCTL_TEST_CACHE") or Path.home() / ".cache" / "agentctl-tests")
    / "tools"
)
INSTALL_TIMEOUT_S = 1200


class Unavailable(RuntimeError):
    """Checkov cannot be installed here; the reason is the message."""


def executable() -> Path:
    """The checkov command, installing checkov==VERSION into the cache first when needed."""
    venv = CACHE / "checkov"
    done_marker = venv / f".installed-{VERSION}"
    exe = venv / "bin" / "checkov"
    if done_marker.is_file() and exe.is_file():
        return exe
    shutil.rmtree(venv, ignore_errors=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    done = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", f"checkov=={VERSION}"],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
    )
    if done.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        raise Unavailable(f"pip install checkov=={VERSION} failed: {done.stderr.strip()[-500:]}")
    done_marker.write_text(VERSION + "\n")
    return exe


def scan(directory: Path) -> list[dict[str, Any]]:
    """Failed checks of ``checkov --framework kubernetes argo_workflows`` over ``directory``."""
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    done = subprocess.run(
        [
            str(executable()),
            "--directory",
            str(directory),
            "--framework",
            "kubernetes",
            "argo_workflows",
            "--skip-download",
            "--quiet",
            "--compact",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    if done.returncode not in (0, 1) or not done.stdout.strip():
        raise AssertionError(f"checkov did not run: exit {done.returncode}: {done.stderr[-2000:]}")
    reports = json.loads(done.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed: list[dict[str, Any]] = []
    for report in reports:
        summary = report.get("summary", {})
        if summary.get("parsing_errors"):
            raise AssertionError(f"checkov could not parse {summary['parsing_errors']} file(s)")
        failed.extend(report.get("results", {}).get("failed_checks", []))
    return failed
