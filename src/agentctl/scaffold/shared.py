"""Files shared by several templates, kept once under ``scaffolds/_shared``.

A template lists what it takes in ``cookiecutter.json``::

    "_agentctl": {"shared": [
        {"from": "runtime", "to": "src/{{ cookiecutter.__package }}/_runtime"},  # copied as is
        {"from": "project", "to": ".", "render": true}      # rendered with the template's variables
    ]}

``to`` may use the template's variables (the runtime goes inside the project's
own package); it must stay inside the project once rendered. Files the
template itself produced win over shared ones, so a template can replace any
shared file by shipping its own.
"""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath
from typing import Any

from agentctl.errors import UsageError
from agentctl.scaffold.catalog import SHARED_DIR, builtin_root

_SKIP_DIRS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"}


def _relative(value: Any, what: str) -> PurePosixPath:
    if not isinstance(value, str) or not value:
        raise UsageError(f"_agentctl.shared: {what} must be a relative path")
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or "\\" in value:
        raise UsageError(f"_agentctl.shared: {what} {value!r} must stay inside its directory")
    return path


def _files(root: Path) -> list[Path]:
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in _SKIP_DIRS for part in rel.parts) or path.suffix in (".pyc", ".pyo"):
            continue
        if path.is_symlink():
            raise UsageError(
                f"shared file {rel} is a symbolic link; shared files must be regular files"
            )
        if path.is_file():
            out.append(rel)
    return out


def apply_shared(
    project: Path, meta: dict[str, Any], context: dict[str, Any], root: Path | None = None
) -> None:
    """Copy (or render) the shared files a template lists; ``root`` defaults to the installed ones."""
    entries = meta.get("shared") or []
    if not isinstance(entries, list):
        raise UsageError("_agentctl.shared must be a list of {from, to, render}")
    if not entries:
        return
    root = root or builtin_root() / SHARED_DIR
    env: Any = None

    def environment() -> Any:
        nonlocal env
        if env is None:
            from cookiecutter.environment import StrictEnvironment

            env = StrictEnvironment(context=context, keep_trailing_newline=True)
        return env

    for entry in entries:
        if not isinstance(entry, dict):
            raise UsageError("_agentctl.shared entries must be objects {from, to, render}")
        src = root / _relative(entry.get("from"), "from")
        to = entry.get("to")
        if isinstance(to, str) and ("{{" in to or "{%" in to):
            try:
                to = environment().from_string(to).render(**context)
            except Exception as exc:
                raise UsageError(f"_agentctl.shared: to {entry.get('to')!r}: {exc}") from None
        dest = project / _relative(to, "to") if to not in (None, ".") else project
        if not src.is_dir():
            raise UsageError(
                f"_agentctl.shared: agentctl has no shared directory {entry.get('from')!r}"
            )
        render = bool(entry.get("render", False))
        if render:
            environment()
        for rel in _files(src):
            out = dest / rel
            if out.exists():
                continue  # the template's own file wins
            out.parent.mkdir(parents=True, exist_ok=True)
            if render:
                assert env is not None
                text = (src / rel).read_text(encoding="utf-8")
                try:
                    rendered = env.from_string(text).render(**context)
                except Exception as exc:
                    raise UsageError(
                        f"shared file {entry.get('from')}/{rel.as_posix()}: {exc}"
                    ) from None
                out.write_text(rendered, encoding="utf-8")
                shutil.copymode(src / rel, out)
            else:
                shutil.copy2(src / rel, out)
