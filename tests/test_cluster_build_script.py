"""hack/cluster/build.sh runs its companion script by an absolute path.

A full build changes into each component's build module (``cd $ROOT/src/kwok``)
before it builds the optional controllers with ``build-controllers.sh``; a
path to that script relative to where build.sh was started then names nothing,
and the controllers silently did not build. Run with a stand-in ``go`` (it
writes the binary it is asked for) and a stand-in controllers script, from
another directory, with one binary missing so that the build does change
directory.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

from tests.conftest import REPO_ROOT

FAKE_GO = """#!/usr/bin/env bash
# go version | go mod tidy | go build ... -o PATH PKG
if [ "$1" = version ]; then echo "go version go0.0 fake"; exit 0; fi
if [ "$1" = build ]; then
  while [ $# -gt 0 ]; do
    if [ "$1" = -o ]; then touch "$2"; chmod +x "$2"; fi
    shift
  done
fi
exit 0
"""

CONTROLLERS = """#!/usr/bin/env bash
echo "controllers script ran" >&2
"""


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_a_full_build_runs_the_controllers_script_from_any_directory(tmp_path: Path) -> None:
    hack = tmp_path / "repo" / "hack" / "cluster"
    hack.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "hack" / "cluster" / "build.sh", hack / "build.sh")
    _executable(hack / "build-controllers.sh", CONTROLLERS)
    _executable(tmp_path / "go", FAKE_GO)
    cache = tmp_path / "cache"
    out = cache / "v1.37.2" / "bin"
    out.mkdir(parents=True)
    for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd", "kubectl"):
        _executable(out / name, "#!/bin/sh\n")  # only kwok is missing: one module is built
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        **os.environ,
        "GO": str(tmp_path / "go"),
        "AGENTCTL_CLUSTER_CACHE": str(cache),
        "AGENTCTL_CLUSTER_CONTROLLERS": "1",
    }
    proc = subprocess.run(
        ["bash", "../repo/hack/cluster/build.sh"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "kwok").exists()
    assert "controllers script ran" in proc.stderr
    assert "did not build" not in proc.stderr
    assert proc.stdout.strip() == str(out)
