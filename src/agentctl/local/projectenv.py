"""The project's own environment: the interpreter ``agentctl dev`` and ``quickstart`` run it with.

agentctl does not carry the agent runtime (openai, the OpenTelemetry SDK, an
ASGI server...): a project declares what its code imports in its
``pyproject.toml``, and runs with those dependencies in ``<project>/.venv``,
the way ``langgraph dev`` runs the user's code with the user's packages.

Which interpreter:

1. ``--python PATH``: that one, as is.
2. ``<project>/.venv`` made by agentctl (it holds ``agentctl-env.json``): reused
   when the stamp's hash of ``pyproject.toml`` still matches, which reads two
   small files and touches no network; reinstalled when ``pyproject.toml``
   changed or the last install did not finish.
3. A ``.venv`` or ``venv`` the user made (no stamp): used as is.
4. A project with a ``pyproject.toml`` and no venv: ``.venv`` is created with
   the interpreter running agentctl and the project's
   ``[project].dependencies`` are installed into it with pip (the project
   itself runs from its directory, so it needs no build); when the
   dependencies are ``dynamic`` the project is installed instead.
5. Otherwise (no ``pyproject.toml``): the interpreter running agentctl.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentctl.errors import UsageError

STAMP = "agentctl-env.json"
MANAGED_BY = "agentctl"
VENV = ".venv"
TAIL_LINES = 15
INSTALL_TIMEOUT = 900.0  # seconds for creating the venv and installing into it

Progress = Callable[[str], None]


class ProjectEnvError(UsageError):
    """The project's environment could not be created; carries pip's last lines."""

    code = "project-env"

    def __init__(self, message: str, tail: list[str], *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.tail = tail

    def lines(self) -> list[str]:
        return [self.message, *(f"  pip | {line}" for line in self.tail)]

    def to_dict(self) -> dict[str, object]:
        out = super().to_dict()
        out["lastLines"] = self.tail
        return out


@dataclass(frozen=True)
class ProjectEnv:
    python: str
    action: str  # explicit | reused | created | updated | user-venv | current


def venv_python(venv: Path) -> Path:
    for rel in ("bin/python", "Scripts/python.exe"):
        if (venv / rel).is_file():
            return venv / rel
    return venv / "bin" / "python"


def pyproject_hash(pyproject: Path) -> str:
    return hashlib.sha256(pyproject.read_bytes()).hexdigest()


def read_stamp(venv: Path) -> dict[str, Any] | None:
    """The stamp agentctl left in a venv it made, or None (not agentctl's, or unreadable)."""
    try:
        data = json.loads((venv / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("managedBy") == MANAGED_BY else None


def _write_stamp(venv: Path, digest: str | None) -> None:
    tmp = venv / (STAMP + ".tmp")
    tmp.write_text(
        json.dumps({"managedBy": MANAGED_BY, "pyprojectSha256": digest}, indent=2) + "\n",
        encoding="utf-8",
    )
    os.replace(tmp, venv / STAMP)


def requirements(pyproject: Path) -> list[str] | None:
    """The project's declared dependencies; None when they are dynamic (install the project)."""
    import tomllib

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{pyproject}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{pyproject}: not valid TOML: {exc}") from None
    project = data.get("project")
    if project is None:
        return []
    if not isinstance(project, dict):
        raise UsageError(f"{pyproject}: [project] must be a table")
    dynamic = project.get("dynamic") or []
    if isinstance(dynamic, list) and "dependencies" in dynamic:
        return None
    deps = project.get("dependencies", [])
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise UsageError(f"{pyproject}: project.dependencies must be a list of strings")
    return list(deps)


def ensure(
    project_dir: Path,
    explicit: str | None = None,
    progress: Progress | None = None,
    *,
    shared_venv: Path | None = None,
) -> ProjectEnv:
    """The interpreter to run the project with, creating or updating ``<project>/.venv`` if needed.

    ``shared_venv``: keep the environment there (``<project>/.venv`` links to it), so
    projects with the same ``pyproject.toml`` share one (``agentctl quickstart``).
    """
    if explicit:
        return ProjectEnv(_check_explicit(explicit), "explicit")
    project_dir = project_dir.resolve()
    pyproject = project_dir / "pyproject.toml"
    venv = project_dir / VENV
    if read_stamp(venv) is not None:
        return _managed(project_dir, venv, pyproject, progress)
    for name in (VENV, "venv"):
        python = venv_python(project_dir / name)
        if python.is_file():
            return ProjectEnv(str(python), "user-venv")
    if not pyproject.is_file():
        return ProjectEnv(sys.executable, "current")
    if shared_venv is None:
        return _managed(project_dir, venv, pyproject, progress)
    env = _managed(project_dir, shared_venv, pyproject, progress)
    if not venv.exists() and not venv.is_symlink():
        venv.symlink_to(shared_venv, target_is_directory=True)
    return ProjectEnv(str(venv_python(venv)), env.action)


def _managed(
    project_dir: Path, venv: Path, pyproject: Path, progress: Progress | None
) -> ProjectEnv:
    """Reuse, update or create the agentctl-made venv at ``venv`` for ``pyproject``."""
    python = venv_python(venv)
    stamp = read_stamp(venv)
    if stamp is not None and python.is_file():
        if not pyproject.is_file():
            return ProjectEnv(str(python), "reused")
        digest = pyproject_hash(pyproject)
        if stamp.get("pyprojectSha256") == digest:
            return ProjectEnv(str(python), "reused")  # two small file reads, no network
        _install(project_dir, venv, pyproject, digest, progress)
        return ProjectEnv(str(python), "updated")
    if not pyproject.is_file():
        return ProjectEnv(sys.executable, "current")
    # none yet, or ours with its base interpreter gone: make it (again)
    digest = pyproject_hash(pyproject)
    requirements(pyproject)  # a pyproject.toml that cannot be read fails before any venv exists
    _create(venv, progress)
    _install(project_dir, venv, pyproject, digest, progress)
    return ProjectEnv(str(venv_python(venv)), "created")


def _check_explicit(explicit: str) -> str:
    import shutil

    found = shutil.which(explicit)
    if found is None:
        raise UsageError(
            f"--python {explicit}: no such executable",
            hint="give the path of an existing Python interpreter",
        )
    return explicit


def _create(venv: Path, progress: Progress | None) -> None:
    import shutil

    if venv.is_symlink() and not venv.exists():
        venv.unlink()  # a link to a shared environment that was removed
    elif venv.is_dir() and not venv.is_symlink() and read_stamp(venv) is not None:
        shutil.rmtree(venv, ignore_errors=True)  # agentctl's own, broken venv
    venv.parent.mkdir(parents=True, exist_ok=True)
    if progress is not None:
        progress(f"creating {venv}")
    _run(
        [sys.executable, "-m", "venv", str(venv)],
        f"creating the project environment {venv} failed",
        progress,
        hint="check that Python's venv module works (on Debian: apt install python3-venv)",
    )
    _write_stamp(venv, None)  # ours, not yet complete


def _install(
    project_dir: Path, venv: Path, pyproject: Path, digest: str, progress: Progress | None
) -> None:
    reqs = requirements(pyproject)
    _write_stamp(venv, None)  # an interrupted install is redone on the next run
    if reqs != []:
        targets = [str(project_dir)] if reqs is None else reqs
        _run(
            [
                str(venv_python(venv)),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--progress-bar",
                "off",
                *targets,
            ],
            f"{pyproject}: installing the project's dependencies into {venv} failed",
            progress,
            hint="fix the dependency or the package index (pip's last lines are above), "
            "or run with --python PATH",
        )
    _write_stamp(venv, digest)


def _run(argv: list[str], failure: str, progress: Progress | None, *, hint: str) -> None:
    """Run one set-up command, streaming its lines to ``progress``; raise with its tail on failure."""
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PIP_NO_INPUT": "1"}
    env.pop("PYTHONPATH", None)
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    except OSError as exc:
        raise ProjectEnvError(f"{failure}: {exc.strerror or exc}", [], hint=hint) from None
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        _signal_group(proc)

    timer = threading.Timer(INSTALL_TIMEOUT, expire)
    timer.daemon = True
    timer.start()
    try:
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            if not line:
                continue
            tail.append(line)
            if progress is not None:
                with contextlib.suppress(Exception):
                    progress(line)
        rc = proc.wait()
    except BaseException:
        _kill(proc)
        raise
    finally:
        timer.cancel()
        if proc.stdout is not None:
            proc.stdout.close()
    if expired.is_set():
        raise ProjectEnvError(
            f"{failure}: still running after {INSTALL_TIMEOUT:.0f}s", list(tail), hint=hint
        )
    if rc != 0:
        last = tail[-1].removeprefix("ERROR: ") if tail else f"exit code {rc}"
        raise ProjectEnvError(f"{failure}: {last}", list(tail), hint=hint)


def _signal_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    _signal_group(proc)
    proc.wait()
