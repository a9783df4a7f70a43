"""Where agent.yaml and platform.yaml are: the one place that finds them.

Cheap to import (no Pydantic), so commands that only need to know whether a
file exists do not pay for the spec models.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from agentctl.errors import ConfigError, UsageError

AGENT_FILENAMES = ("agent.yaml", "agent.yml")
PLATFORM_FILENAMES = ("platform.yaml", "platform.yml")
# Directories never searched for agent.yaml (besides hidden ones): dependencies,
# virtualenvs, caches and build outputs.
SKIP_DIRS = frozenset({"node_modules", "venv", "__pycache__", "dist", "build"})


def display_path(path: Path) -> str:
    """A path as users should see it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _own_agent_file(directory: Path) -> Path | None:
    for name in AGENT_FILENAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
        _refuse_link_loop(candidate)
    return None


def project_agent_file(start: Path) -> Path | None:
    """The agent.yaml of the project ``start`` is in: its own, or the nearest one
    above it, not past a repository root (a ``.git``)."""
    start = start.resolve()
    for directory in (start, *start.parents):
        found = _own_agent_file(directory)
        if found is not None:
            return found
        if (directory / ".git").exists():
            break
    return None


def find_agent_file(target: Path, *, upwards: bool = False) -> Path:
    """The agent.yaml a PATH argument means: the file itself, or the one in a
    directory (with ``upwards``, also the project's a subdirectory is in)."""
    if target.is_dir():
        found = _own_agent_file(target) or (project_agent_file(target) if upwards else None)
        if found is not None:
            return found
        for name in AGENT_FILENAMES:  # there, but a FIFO or device: named, never read
            if (target / name).exists():
                raise _not_regular(target / name, "expected a YAML file")
        raise UsageError(
            f"{display_path(target) or '.'}: no agent.yaml in this directory",
            hint="run in an agent project, pass its directory or agent.yaml, "
            "or create one with `agentctl init`",
        )
    if not target.exists():
        raise UsageError(f"{display_path(target)}: no such file or directory")
    if not target.is_file():  # a FIFO would block the read until something writes to it
        raise _not_regular(target, "expected an agent.yaml or a directory")
    return target


def _not_regular(path: Path, expected: str) -> UsageError:
    return UsageError(
        f"{display_path(path)}: not a regular file (a FIFO, socket or device); {expected}"
    )


def find_agent_files(target: Path, *, hint: str, upwards: bool = False) -> list[Path]:
    """agent.yaml files of a target: the file, the directory's own, or every one
    below it (a monorepo); with ``upwards``, the project's of a subdirectory
    that has none below it."""
    if not target.exists():
        raise UsageError(f"{display_path(target)}: no such file or directory")
    if target.is_file():
        return [target]
    if not target.is_dir():  # a FIFO would block the read until something writes to it
        raise _not_regular(target, "expected an agent.yaml or a directory")
    own = _own_agent_file(target)
    if own is not None:
        return [own]
    found: list[Path] = []
    for root, dirs, files in os.walk(target):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        found.extend(Path(root) / f for f in sorted(files) if f in AGENT_FILENAMES)
    if not found and upwards:
        above = project_agent_file(target)
        if above is not None:
            return [above]
    if not found:
        raise UsageError(f"{display_path(target) or '.'}: no agent.yaml here or below", hint=hint)
    for f in found:
        _refuse_link_loop(f)
    return found


def _refuse_link_loop(path: Path) -> None:
    """A symbolic link that leads back to itself: every later ``resolve()`` of the
    path would fail (RuntimeError before Python 3.13)."""
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UsageError(
                f"{display_path(path)}: cannot be read (a symbolic link loop); expected a YAML file"
            ) from None


def find_platform_file(explicit: str | Path | None, search_from: Path | None = None) -> Path | None:
    """``explicit`` (--platform, or AGENTCTL_PLATFORM as the settings read it),
    else platform.yaml in the directory or its parents, up to a repository root."""
    if explicit:
        return Path(explicit)
    start = (search_from or Path.cwd()).resolve()
    for directory in (start, *start.parents):
        for name in PLATFORM_FILENAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
            if os.path.lexists(candidate):
                # The nearest platform.yaml is there but unusable: falling back to a
                # parent's would silently apply another team's rules.
                raise ConfigError(
                    f"{display_path(candidate)}: cannot be read as the platform file "
                    f"({_unreadable(candidate)}); fix or remove it, or pass --platform"
                )
        if (directory / ".git").exists():
            break
    return None


def _unreadable(path: Path) -> str:
    try:
        if path.is_dir():
            return "a directory"
        path.stat()
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return "not a regular file"
