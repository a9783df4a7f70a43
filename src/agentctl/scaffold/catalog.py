"""Where templates come from: agentctl's built-ins, a local directory or a git repository."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentctl.errors import SpecError, UsageError
from agentctl.spec.textfile import read_text

SHARED_DIR = "_shared"
_GIT_RE = re.compile(r"^(?:gh:|gl:|bb:|git\+|git@|https?://|ssh://)|\.git/?$")


def builtin_root(package_dir: Path | None = None) -> Path:
    """The built-in scaffolds: ``agentctl/_scaffolds`` in a wheel, ``scaffolds/`` in a checkout."""
    package_dir = package_dir or Path(__file__).resolve().parents[1]
    for candidate in (package_dir / "_scaffolds", package_dir.parents[1] / "scaffolds"):
        if (candidate / SHARED_DIR).is_dir():
            return candidate
    raise UsageError(
        "the built-in templates are missing from this agentctl installation",
        hint="reinstall agentctl; a wheel carries them as agentctl/_scaffolds",
    )


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    type: str
    description: str
    path: Path

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "type": self.type, "description": self.description}


MAX_JSON_BYTES = 1 << 20  # a template's cookiecutter.json, a project's template record


def read_json_object(path: Path, missing: str, hint: str | None = None) -> dict[str, Any]:
    """A JSON object from ``path``; every failure is one usage error naming the file (and line).

    Read as every input file is (:func:`agentctl.spec.textfile.read_text`): only a regular
    file of at most MAX_JSON_BYTES of UTF-8 (a FIFO would block, a device never end); JSON
    nested too deeply is refused like any other invalid JSON."""
    try:
        path.stat()
    except FileNotFoundError:
        raise UsageError(f"{path}: {missing}", hint=hint) from None
    except OSError:
        pass  # a link loop, no permission: read_text says so
    try:
        text = read_text(path, max_bytes=MAX_JSON_BYTES, expected="a JSON file")
    except (UsageError, SpecError) as exc:
        # agentctl reads this file, the user did not name it: no hint about standard input
        raise UsageError(exc.message) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise UsageError(f"{path}: invalid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: must be a JSON object")
    return data


def read_context(template_dir: Path) -> dict[str, Any]:
    path = template_dir / "cookiecutter.json"
    data = read_json_object(path, "not a template (no cookiecutter.json)")
    return data


def agentctl_meta(context: dict[str, Any]) -> dict[str, Any]:
    meta = context.get("_agentctl")
    return meta if isinstance(meta, dict) else {}


def list_builtin() -> list[TemplateInfo]:
    root = builtin_root()
    out = []
    for child in sorted(root.iterdir()):
        if child.name.startswith(("_", ".")) or not (child / "cookiecutter.json").is_file():
            continue
        meta = agentctl_meta(read_context(child))
        out.append(
            TemplateInfo(
                name=child.name,
                type=str(meta.get("type", "")),
                description=str(meta.get("description", "")),
                path=child,
            )
        )
    return out


@dataclass(frozen=True)
class TemplateSource:
    kind: str  # builtin | local | git
    ref: str  # as given
    path: Path | None  # builtin/local: the template directory


def resolve(template: str) -> TemplateSource:
    """Classify ``--template``: a built-in name, a local directory, or a git URL."""
    if not template.strip():
        raise UsageError("--template must not be empty")
    builtins = {t.name: t for t in list_builtin()}
    if template in builtins:
        return TemplateSource("builtin", template, builtins[template].path)
    if template.lower().startswith("file:"):
        return _file_url(template)
    local = Path(template).expanduser()
    if local.is_dir():
        if not (local / "cookiecutter.json").is_file():
            raise UsageError(f"{template}: not a template directory (no cookiecutter.json)")
        return TemplateSource("local", template, local.resolve())
    if _GIT_RE.search(template):
        return TemplateSource("git", template, None)
    names = ", ".join(sorted(builtins))
    raise UsageError(
        f"unknown template {template!r}",
        hint=f"use a built-in ({names}), a template directory or a git URL; `agentctl templates` lists the built-ins",
    )


def _file_url(template: str) -> TemplateSource:
    """``file://`` names a local template directory (``git+file://`` names a git repository)."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(template)
    if parts.netloc not in ("", "localhost") or not parts.path:
        raise UsageError(
            f"--template {template}: a file:// URL must name a local directory, as file:///path/to/template"
        )
    local = Path(unquote(parts.path))
    if not local.is_dir():
        raise UsageError(f"--template {template}: {local} is not a directory")
    if not (local / "cookiecutter.json").is_file():
        hint = None
        if (local / "HEAD").is_file() or (local / ".git").exists():
            hint = f"for a git repository use git+{template}"
        raise UsageError(
            f"--template {template}: {local} is not a template directory (no cookiecutter.json)",
            hint=hint,
        )
    return TemplateSource("local", template, local.resolve())
