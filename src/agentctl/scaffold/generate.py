"""Render a template into a staging directory, then move the project into place.

Nothing is written outside ``output_dir``, and a failure (bad variable, missing
template, template error, hook failure) leaves no half-written project: the
staging directory lives next to the target and is removed on the way out.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentctl.errors import UsageError
from agentctl.scaffold import catalog, variables
from agentctl.scaffold.shared import apply_shared

_PATH_VAR = re.compile(r"cookiecutter\.(\w+)")


@dataclass(frozen=True)
class InitRequest:
    template: str
    name: str | None = None
    output_dir: Path = Path(".")
    sets: Mapping[str, str] = field(default_factory=dict)
    interactive: bool = False
    force: bool = False
    checkout: str | None = None


@dataclass(frozen=True)
class InitResult:
    name: str
    template: str
    source: str  # builtin | local | git
    path: Path
    files: list[str]
    variables: dict[str, Any]
    overwritten: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "template": self.template,
            "source": self.source,
            "path": str(self.path),
            "files": self.files,
            "variables": self.variables,
            "overwritten": self.overwritten,
        }


def _path_variables(template_dir: Path) -> set[str]:
    """Variables that appear in the template's file and directory names."""
    found: set[str] = set()
    for path in template_dir.rglob("*"):
        rel = path.relative_to(template_dir).as_posix()
        if "cookiecutter." in rel:
            found.update(_PATH_VAR.findall(rel))
    return found


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())[:400]


@contextlib.contextmanager
def _cookiecutter_errors(template: str) -> Iterator[None]:
    import logging
    import subprocess

    from cookiecutter import exceptions as cc
    from jinja2 import TemplateError

    # cookiecutter logs failures itself (tracebacks included); we report one line instead.
    cc_logger = logging.getLogger("cookiecutter")
    saved = cc_logger.propagate, cc_logger.handlers[:]
    cc_logger.propagate, cc_logger.handlers = False, [logging.NullHandler()]
    try:
        yield
    except subprocess.CalledProcessError as exc:
        output = (exc.output or b"").decode("utf-8", "replace").strip().splitlines()
        detail = output[-1] if output else f"exit status {exc.returncode}"
        raise UsageError(
            f"template {template!r} not found: {' '.join(map(str, exc.cmd[:2]))} failed: {detail}"
        ) from None
    except cc.FailedHookException as exc:
        raise UsageError(f"template {template!r}: hook failed: {_one_line(exc)}") from None
    except cc.UndefinedVariableInTemplate as exc:
        raise UsageError(f"template {template!r}: {exc.message}: {_one_line(exc.error)}") from None
    except (cc.RepositoryNotFound, cc.RepositoryCloneFailed, cc.UnknownRepoType) as exc:
        raise UsageError(f"template {template!r} not found: {_one_line(exc)}") from None
    except cc.CookiecutterException as exc:
        raise UsageError(f"template {template!r}: {_one_line(exc)}") from None
    except TemplateError as exc:
        where = f"{getattr(exc, 'filename', None) or ''}:{getattr(exc, 'lineno', '') or ''}".strip(
            ":"
        )
        raise UsageError(
            f"template {template!r}: {where + ': ' if where else ''}{_one_line(exc)}"
        ) from None
    except ValueError as exc:  # cookiecutter reports bad choices for choice variables this way
        raise UsageError(f"template {template!r}: {_one_line(exc)}") from None
    finally:
        cc_logger.propagate, cc_logger.handlers = saved


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def _check_tree(root: Path) -> list[str]:
    """Every generated path stays inside ``root`` (no symlink escapes); returns relative files."""
    files: list[str] = []
    real_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root):
        for entry in (*dirnames, *filenames):
            path = Path(dirpath) / entry
            if path.is_symlink():
                target = path.resolve()
                if target != real_root and real_root not in target.parents:
                    raise UsageError(
                        f"template wrote {path.relative_to(root)}, a link outside the project"
                    )
        files.extend((Path(dirpath) / f).relative_to(root).as_posix() for f in filenames)
    return sorted(files)


def _check_template_links(repo_dir: Path) -> None:
    """Refuse templates with links out of themselves (they would copy host files into the project)."""
    real_root = repo_dir.resolve()
    for dirpath, dirnames, filenames in os.walk(repo_dir):
        for entry in (*dirnames, *filenames):
            path = Path(dirpath) / entry
            if path.is_symlink():
                target = path.resolve()
                if target != real_root and real_root not in target.parents:
                    raise UsageError(
                        f"template {path.relative_to(repo_dir)} links outside the template (to {target}); refusing it"
                    )


def _fetch(source: catalog.TemplateSource, staging: Path, checkout: str | None) -> Path:
    if source.path is not None:
        return source.path
    from cookiecutter.config import BUILTIN_ABBREVIATIONS
    from cookiecutter.repository import determine_repo_dir

    clones = staging / "clone"
    clones.mkdir()
    repo_dir, _ = determine_repo_dir(
        template=source.ref,
        abbreviations=BUILTIN_ABBREVIATIONS,
        clone_to_dir=clones,
        checkout=checkout,
        no_input=True,
    )
    return Path(repo_dir)


def generate(request: InitRequest) -> InitResult:
    """Create a project from a template; see the module docstring for the guarantees."""
    if request.name is not None:
        variables.check_name(request.name)
    for key, value in request.sets.items():
        variables.check_value(key, value, variables.KNOWN_PATTERNS, set())
    if request.checkout is not None and not re.fullmatch(
        r"[A-Za-z0-9][A-Za-z0-9._/-]{0,199}", request.checkout
    ):
        raise UsageError(f"--checkout {request.checkout!r}: not a branch, tag or commit name")
    source = catalog.resolve(request.template)
    output_dir = request.output_dir.expanduser().absolute()
    if output_dir.exists() and not output_dir.is_dir():
        raise UsageError(f"--output-dir {request.output_dir}: not a directory")
    if request.name is not None:
        _check_target(output_dir / request.name, request.force)
    created_output = not output_dir.exists()
    output_dir.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(dir=output_dir, prefix=".agentctl-init-") as tmp:
            return _generate_in(request, source, output_dir, Path(tmp))
    except BaseException:
        if created_output:
            with contextlib.suppress(OSError):
                output_dir.rmdir()  # only if still empty
        raise


def _check_target(target: Path, force: bool) -> None:
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise UsageError(f"{target} exists and is not a directory")
    if target.is_dir() and not _is_empty_dir(target) and not force:
        raise UsageError(
            f"{target} exists and is not empty",
            hint="choose another NAME or --output-dir, or pass --force",
        )


def _generate_in(
    request: InitRequest, source: catalog.TemplateSource, output_dir: Path, staging: Path
) -> InitResult:
    from cookiecutter.generate import generate_context, generate_files
    from cookiecutter.prompt import prompt_for_config

    with _cookiecutter_errors(request.template):
        repo_dir = _fetch(source, staging, request.checkout)
        _check_template_links(repo_dir)
        raw = catalog.read_context(repo_dir)
        meta = catalog.agentctl_meta(raw)
        public = {k for k in raw if not k.startswith("_")}
        unknown = sorted(set(request.sets) - public)
        if unknown:
            raise UsageError(
                f"--set {unknown[0]}: template {request.template!r} has no such variable",
                hint="variables: " + ", ".join(sorted(public)),
            )
        extra = dict(request.sets)
        if request.name is not None and "name" in public:
            extra["name"] = request.name
        context = generate_context(
            context_file=str(repo_dir / "cookiecutter.json"), extra_context=extra
        )
        values = prompt_for_config(context, no_input=not request.interactive)
        patterns = variables.patterns_for(meta)
        template_dirs = [p for p in repo_dir.iterdir() if p.is_dir() and "cookiecutter." in p.name]
        path_vars = set().union(
            *(_path_variables(d) | set(_PATH_VAR.findall(d.name)) for d in template_dirs)
        )
        for entry in meta.get("shared") or []:  # shared files may go to a path made of variables
            if isinstance(entry, dict) and isinstance(entry.get("to"), str):
                path_vars.update(_PATH_VAR.findall(entry["to"]))
        variables.check_context(values, patterns, path_vars)
        name = request.name or str(values.get("name", ""))
        variables.check_name(name)
        target = output_dir / name
        _check_target(target, request.force)
        values["_template"] = request.template
        values["_output_dir"] = str(staging / "out")
        values["_repo_dir"] = str(repo_dir)
        values["_checkout"] = request.checkout
        context["cookiecutter"] = values
        context["_cookiecutter"] = {k: v for k, v in values.items() if not k.startswith("_")}
        (staging / "out").mkdir()
        project = Path(
            generate_files(repo_dir=str(repo_dir), context=context, output_dir=str(staging / "out"))
        )
        apply_shared(project, meta, context)
    files = _check_tree(project)
    overwritten = target.exists() and not _is_empty_dir(target)
    _move_into_place(project, target, staging)
    return InitResult(
        name=name,
        template=request.template,
        source=source.kind,
        path=target,
        files=files,
        variables={k: v for k, v in values.items() if not k.startswith("_")},
        overwritten=overwritten,
    )


def _move_into_place(project: Path, target: Path, staging: Path) -> None:
    if not target.exists():
        os.rename(project, target)
        return
    if _is_empty_dir(target):
        target.rmdir()
        os.rename(project, target)
        return
    # --force on a non-empty directory: merge in the staging area (generated
    # files win, the user's other files stay), then swap whole directories.
    merged = staging / "merged"
    shutil.copytree(target, merged, symlinks=True)
    shutil.copytree(project, merged, symlinks=True, dirs_exist_ok=True)
    previous = staging / "previous"
    os.rename(target, previous)
    try:
        os.rename(merged, target)
    except BaseException:
        os.rename(previous, target)
        raise
