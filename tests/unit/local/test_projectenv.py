"""The project's own environment for dev and quickstart: created once, reused offline, clear failures."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli

from agentctl.errors import EXIT_USAGE, UsageError
from agentctl.local import projectenv

PYPROJECT = """\
[project]
name = "env-demo"
version = "0.1.0"
dependencies = [{deps}]
"""

JOB = """\
apiVersion: agentctl.dev/v1alpha1
kind: Agent
metadata: {name: env-demo, team: demo}
spec:
  type: job
  image: ghcr.io/acme/env-demo:0.1.0
  command: [python, job.py]
  guardrails: {timeout: 1m}
"""

JOB_CODE = """\
import json, sys
import envdemo_dep
print(json.dumps({"dep": envdemo_dep.VALUE, "python": sys.executable}))
"""


def _project(tmp_path: Path, deps: str = "") -> Path:
    project = tmp_path / "env-demo"
    project.mkdir()
    (project / "pyproject.toml").write_text(PYPROJECT.format(deps=deps))
    (project / "agent.yaml").write_text(JOB)
    (project / "job.py").write_text(JOB_CODE)
    return project


def _fake_venv(venv: Path, digest: str | None, managed: bool = True) -> Path:
    python = venv / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    if managed:
        (venv / projectenv.STAMP).write_text(
            json.dumps({"managedBy": "agentctl", "pyprojectSha256": digest})
        )
    return python


def _no_subprocess(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"no process may run: {args}")

    monkeypatch.setattr(projectenv.subprocess, "Popen", refuse)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _offline_env(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    """Every way pip or anything else could reach a network leads to a closed loopback port."""
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.setenv(var, f"http://127.0.0.1:{port}")
    monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{port}/simple")
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    monkeypatch.delenv("PIP_NO_INDEX", raising=False)
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_TIMEOUT", "2")


def test_explicit_python_is_used_as_is(tmp_path: Path) -> None:
    project = _project(tmp_path, '"something-not-installed"')
    env = projectenv.ensure(project, sys.executable)
    assert env == projectenv.ProjectEnv(sys.executable, "explicit")
    assert not (project / ".venv").exists()
    with pytest.raises(UsageError, match=r"--python /no/such/python: no such executable"):
        projectenv.ensure(project, "/no/such/python")


def test_a_project_without_pyproject_runs_with_this_interpreter(tmp_path: Path) -> None:
    project = tmp_path / "bare"
    project.mkdir()
    assert projectenv.ensure(project) == projectenv.ProjectEnv(sys.executable, "current")


@pytest.mark.parametrize("name", [".venv", "venv"])
def test_a_venv_the_user_made_is_used_as_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    project = _project(tmp_path, '"x"')
    python = _fake_venv(project / name, None, managed=False)
    _no_subprocess(monkeypatch)
    assert projectenv.ensure(project) == projectenv.ProjectEnv(str(python), "user-venv")


def test_reuse_reads_the_stamp_and_runs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, '"x"')
    digest = hashlib.sha256((project / "pyproject.toml").read_bytes()).hexdigest()
    python = _fake_venv(project / ".venv", digest)
    _no_subprocess(monkeypatch)
    _offline_env(monkeypatch, _closed_port())
    assert projectenv.ensure(project) == projectenv.ProjectEnv(str(python), "reused")


def test_a_changed_pyproject_reinstalls_and_an_unfinished_install_is_redone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, '"a>=1", "b[extra]<2"')
    python = _fake_venv(project / ".venv", "0" * 64)
    calls: list[list[str]] = []
    monkeypatch.setattr(projectenv, "_run", lambda argv, *a, **k: calls.append(argv))
    assert projectenv.ensure(project).action == "updated"
    assert calls[0][:4] == [str(python), "-m", "pip", "install"]
    assert calls[0][-2:] == ["a>=1", "b[extra]<2"]
    assert projectenv.ensure(project).action == "reused"
    assert len(calls) == 1
    projectenv._write_stamp(project / ".venv", None)  # as an interrupted install leaves it
    assert projectenv.ensure(project).action == "updated"
    assert len(calls) == 2


def test_dynamic_dependencies_install_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "dyn"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "dyn"\nversion = "1"\ndynamic = ["dependencies"]\n'
    )
    _fake_venv(project / ".venv", "0" * 64)
    calls: list[list[str]] = []
    monkeypatch.setattr(projectenv, "_run", lambda argv, *a, **k: calls.append(argv))
    projectenv.ensure(project)
    assert calls[0][-1] == str(project.resolve())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[project]\nname = "x"\ndependencies = ["a" "b"]\nversion = "1"\n',
            r"pyproject.toml: not valid TOML: .*line 3",
        ),
        ('[project]\nname = "x"\ndependencies = "a"\n', "project.dependencies must be a list"),
        ('project = "x"\n', r"\[project\] must be a table"),
    ],
)
def test_a_bad_pyproject_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    project = tmp_path / "bad"
    project.mkdir()
    (project / "pyproject.toml").write_text(text)
    _fake_venv(project / ".venv", "0" * 64)
    _no_subprocess(monkeypatch)
    with pytest.raises(UsageError, match=message) as err:
        projectenv.ensure(project)
    assert str(project / "pyproject.toml") in err.value.message


def _wheel(directory: Path, name: str = "envdemo_dep", version: str = "1.0") -> Path:
    """A minimal pure-Python wheel, built by hand (no build backend, no index)."""
    dist = f"{name}-{version}"
    files = {
        f"{name}.py": b"VALUE = 'from the project environment'\n",
        f"{dist}.dist-info/METADATA": (
            f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: {version}\n"
        ).encode(),
        f"{dist}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = ("\n".join(record) + "\n").encode()
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    return wheel


def _dev_job(project: Path, tmp_path: Path) -> tuple[int, dict, str]:
    result = run_cli("dev", str(project), "--store", str(tmp_path / "t.db"), "-o", "json")
    data = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, data, result.stderr


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_first_run_creates_the_venv_and_a_second_run_needs_no_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, '"envdemo-dep==1.0"')
    wheels = tmp_path / "wheels"
    _wheel(wheels)
    # The first run installs from a local wheel directory only (tests reach no index).
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    code, data, stderr = _dev_job(project, tmp_path)
    assert code == 0, stderr[-3000:]
    venv_python = str(project.resolve() / ".venv" / "bin" / "python")
    answer = data["data"]["answer"]
    assert answer == {"dep": "from the project environment", "python": venv_python}
    assert "setting up the project environment" in stderr
    stamp = json.loads((project / ".venv" / projectenv.STAMP).read_text())
    digest = hashlib.sha256((project / "pyproject.toml").read_bytes()).hexdigest()
    assert stamp == {"managedBy": "agentctl", "pyprojectSha256": digest}
    # agentctl itself is not in the project's environment: the project carries its own deps.
    check = subprocess.run(
        [venv_python, "-c", "import agentctl"], capture_output=True, text=True, check=False
    )
    assert check.returncode != 0

    # Second run: no wheels, every proxy and index on a closed port; nothing is installed.
    for wheel in wheels.iterdir():
        wheel.unlink()
    _offline_env(monkeypatch, _closed_port())
    before = (project / ".venv" / projectenv.STAMP).stat().st_mtime_ns
    code, data, stderr = _dev_job(project, tmp_path)
    assert code == 0, stderr[-3000:]
    assert data["data"]["answer"] == {"dep": "from the project environment", "python": venv_python}
    assert "setting up the project environment" not in stderr
    assert (project / ".venv" / projectenv.STAMP).stat().st_mtime_ns == before


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_failing_install_is_one_line_with_pips_last_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, '"envdemo-missing==9.9"')
    empty = tmp_path / "no-wheels"
    empty.mkdir()
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(empty))
    code, data, stderr = _dev_job(project, tmp_path)
    assert code == EXIT_USAGE
    (error,) = data["errors"]
    assert error["code"] == "project-env"
    first = error["message"]
    assert "\n" not in first
    assert first.startswith(f"{project.resolve() / 'pyproject.toml'}: installing the project's")
    assert first.endswith("failed: No matching distribution found for envdemo-missing==9.9")
    assert any("Could not find a version" in line for line in error["lastLines"])
    assert "Traceback" not in stderr
    # the venv is agentctl's but unfinished: the next run installs again instead of using it
    assert projectenv.read_stamp(project / ".venv") == {
        "managedBy": "agentctl",
        "pyprojectSha256": None,
    }
    assert os.environ.get("PIP_NO_INDEX") == "1"


def test_a_link_to_a_removed_shared_environment_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, '"x"')
    shared = tmp_path / "cache" / "quickstart-venv"
    (project / ".venv").symlink_to(shared, target_is_directory=True)  # shared one removed
    made: list[Path] = []

    def create(venv: Path, progress: object) -> None:
        made.append(venv)
        _fake_venv(venv, None)

    monkeypatch.setattr(projectenv, "_run", lambda argv, *a, **k: None)
    monkeypatch.setattr(projectenv, "_create", create)
    env = projectenv.ensure(project, shared_venv=shared)
    assert made == [shared] and env.action == "created"
    assert (project / ".venv").resolve() == shared.resolve()
    assert projectenv.ensure(project, shared_venv=shared).action == "reused"


def test_a_bad_pyproject_leaves_no_venv_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "bad"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project\n")
    _no_subprocess(monkeypatch)
    with pytest.raises(UsageError, match="not valid TOML"):
        projectenv.ensure(project)
    assert not (project / ".venv").exists()
