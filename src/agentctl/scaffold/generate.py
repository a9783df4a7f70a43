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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentctl.errors import UsageError
from agentctl.scaffold import catalog, variables, versions
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
    directory: str | None = None
    overwrite: bool = False  # with force: replace files that differ from the template
    hooks: HookTrust | None = None
    output_option: str = "--output-dir"  # how errors name output_dir


@dataclass(frozen=True)
class InitResult:
    name: str
    template: str
    source: str  # builtin | local | git
    path: Path
    files: list[str]
    variables: dict[str, Any]
    overwritten: bool
    replaced: list[str] = field(default_factory=list)
    version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "template": self.template,
            "source": self.source,
            "path": str(self.path),
            "files": self.files,
            "variables": self.variables,
            "overwritten": self.overwritten,
            "replaced": self.replaced,
            "version": self.version,
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
def cookiecutter_errors(template: str) -> Iterator[None]:
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


def template_hooks(template_dir: Path) -> list[str]:
    """The cookiecutter hooks a template would run (``hooks/pre_prompt.py`` and friends)."""
    hooks_dir = template_dir / "hooks"
    if not hooks_dir.is_dir():
        return []
    names = {"pre_prompt", "pre_gen_project", "post_gen_project"}
    return sorted(f"hooks/{p.name}" for p in hooks_dir.iterdir() if p.is_file() and p.stem in names)


@dataclass(frozen=True)
class HookTrust:
    """Whether a template's hooks may run: built-ins and trusted templates yes, others when accepted."""

    trust: bool = False  # --trust
    platform_file: str | None = None
    search_from: Path | None = None
    confirm: Callable[[str, list[str]], bool] | None = None  # asks on a TTY

    def trusted_by_platform(self, template: str, source: catalog.TemplateSource) -> bool:
        from agentctl.spec.loader import load_platform

        allowed = load_platform(self.platform_file, self.search_from).platform.trusted_templates
        candidates = {template}
        if source.path is not None:
            candidates.add(str(source.path))
        return any(c == a or c.startswith(a.rstrip("/") + "/") for c in candidates for a in allowed)

    def accept(self, template: str, source: catalog.TemplateSource, hooks: list[str]) -> bool:
        if not hooks or source.kind == "builtin" or self.trust:
            return True
        if self.trusted_by_platform(template, source):
            return True
        if self.confirm is not None:
            if self.confirm(template, hooks):
                return True
            raise UsageError(f"template {template!r}: its hooks were not accepted; nothing written")
        raise UsageError(
            f"template {template!r} runs hooks ({', '.join(hooks)}) and is not in platform.yaml trustedTemplates",
            hint="review the hooks, then pass --trust (or list the template under trustedTemplates)",
        )


@dataclass(frozen=True)
class Rendered:
    project: Path
    values: dict[str, Any]  # every cookiecutter variable, private ones included

    @property
    def answers(self) -> dict[str, Any]:
        return {k: v for k, v in self.values.items() if not k.startswith("_")}


def render(
    fetched: versions.Fetched,
    template: str,
    out: Path,
    *,
    sets: Mapping[str, Any],
    name: str | None,
    interactive: bool,
    accept_hooks: bool,
    strict_sets: bool = True,
    new_project: bool = True,
) -> Rendered:
    """Render one template version into ``out`` through cookiecutter's public entry point.

    The answers are resolved first (template defaults < ``~/.cookiecutterrc``
    default context < ``sets``, then prompts on a TTY) and checked, so a bad value
    never reaches a file name; cookiecutter then renders with them, running the
    template's hooks when ``accept_hooks`` and writing its replay file.
    ``new_project`` also holds the name to what a new project needs
    (:func:`variables.check_project_name`); an upgrade re-renders an existing one.
    """
    from cookiecutter.config import get_user_config
    from cookiecutter.generate import generate_context
    from cookiecutter.main import cookiecutter
    from cookiecutter.prompt import prompt_for_config

    with cookiecutter_errors(template):
        repo_dir = fetched.template_dir
        _check_template_links(repo_dir)
        raw = catalog.read_context(repo_dir)
        meta = catalog.agentctl_meta(raw)
        public = {k for k in raw if not k.startswith("_")}
        unknown = sorted(set(sets) - public)
        if unknown and strict_sets:
            raise UsageError(
                f"--set {unknown[0]}: template {template!r} has no such variable",
                hint="variables: " + ", ".join(sorted(public)),
            )
        extra = {k: v for k, v in sets.items() if k in public}
        if name is not None and "name" in public:
            extra["name"] = name
        config = get_user_config()
        context = generate_context(
            context_file=str(repo_dir / "cookiecutter.json"),
            default_context=config.get("default_context") or {},
            extra_context=extra,
        )
        values = prompt_for_config(context, no_input=not interactive)
        patterns = variables.patterns_for(meta)
        template_dirs = [p for p in repo_dir.iterdir() if p.is_dir() and "cookiecutter." in p.name]
        path_vars = set().union(
            *(_path_variables(d) | set(_PATH_VAR.findall(d.name)) for d in template_dirs)
        )
        for entry in meta.get("shared") or []:  # shared files may go to a path made of variables
            if isinstance(entry, dict) and isinstance(entry.get("to"), str):
                path_vars.update(_PATH_VAR.findall(entry["to"]))
        variables.check_context(values, patterns, path_vars)
        variables.check_name(name or str(values.get("name", "")))
        if new_project:  # an existing project keeps the name it has
            variables.check_project_name(values, meta)
            if repo_dir.parent == catalog.builtin_root():
                variables.check_yaml_text(values)
        out.mkdir(parents=True, exist_ok=True)
        project = Path(
            cookiecutter(
                str(repo_dir),
                no_input=True,
                extra_context={k: v for k, v in values.items() if k in public},
                output_dir=str(out),
                accept_hooks=accept_hooks,
            )
        )
        context["cookiecutter"] = {**values, "_template": template, "_output_dir": str(out)}
        context["_cookiecutter"] = {k: v for k, v in values.items() if not k.startswith("_")}
        apply_shared(project, meta, context, fetched.shared_root)
    return Rendered(project, values)


def generate(request: InitRequest) -> InitResult:
    """Create a project from a template; see the module docstring for the guarantees."""
    if request.name is not None:
        variables.check_name(request.name)
    for key, value in request.sets.items():
        variables.check_value(key, value, variables.KNOWN_PATTERNS, set())
    versions.check_ref(request.checkout, "--checkout")
    versions.check_directory(request.directory)
    source = catalog.resolve(request.template)
    if source.kind == "builtin" and (request.directory or request.checkout):
        raise UsageError(
            f"--directory and --checkout apply to a template directory or repository, not the built-in {request.template!r}"
        )
    output_dir = request.output_dir.expanduser().absolute()
    if output_dir.exists() and not output_dir.is_dir():
        raise UsageError(f"{request.output_option} {request.output_dir}: not a directory")
    if request.name is not None:
        _check_target(output_dir / request.name, request.force)
    created_output = not output_dir.exists()
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        staging = tempfile.TemporaryDirectory(dir=output_dir, prefix=".agentctl-init-")
    except OSError as exc:
        raise UsageError(
            f"{request.output_option} {request.output_dir}: cannot create the project there: "
            f"{exc.strerror or exc}"
        ) from None
    try:
        with staging as tmp:
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
            hint="choose another NAME or --output-dir, or pass --force; `agentctl upgrade` merges template changes into a project",
        )


def _recorded_template(request: InitRequest, source: catalog.TemplateSource) -> str:
    """How the record names the template: a local directory as an absolute path."""
    if source.kind == "local" and not request.template.lower().startswith("file:"):
        assert source.path is not None
        return str(source.path)
    return request.template


def _modified(target: Path, project: Path, files: list[str]) -> list[str]:
    """Files in ``target`` that the generated project would replace with different content."""
    changed = []
    for rel in files:
        if rel == versions.RECORD_FILE:
            continue
        existing = target / rel
        if _link_on_path(target, rel) or (  # a link is replaced, whatever it points at
            existing.is_file() and existing.read_bytes() != (project / rel).read_bytes()
        ):
            changed.append(rel)
    return changed


def _link_on_path(root: Path, rel: str) -> bool:
    """Whether ``root/rel`` or a directory on the way to it is a symbolic link."""
    path = root
    for part in Path(rel).parts:
        path = path / part
        if path.is_symlink():
            return True
    return False


def _unlink_shadowing_links(project: Path, merged: Path) -> None:
    """Remove the links in ``merged`` where the project puts a file or directory.

    The merge then replaces the link itself, as ``build --out`` does, and never
    writes through it into the file or directory it points at (which may be
    anywhere on the machine).
    """
    for dirpath, dirnames, filenames in os.walk(project):
        rel = Path(dirpath).relative_to(project)
        for entry in (*dirnames, *filenames):
            existing = merged / rel / entry
            if existing.is_symlink():
                existing.unlink()


def _generate_in(
    request: InitRequest, source: catalog.TemplateSource, output_dir: Path, staging: Path
) -> InitResult:
    with cookiecutter_errors(request.template):
        fetched = versions.fetch_current(source, request.checkout, request.directory, staging)
    trust = request.hooks or HookTrust(search_from=output_dir)
    accept = trust.accept(request.template, source, template_hooks(fetched.template_dir))
    rendered = render(
        fetched,
        request.template,
        staging / "out",
        sets=request.sets,
        name=request.name,
        interactive=request.interactive,
        accept_hooks=accept,
    )
    project = rendered.project
    name = project.name
    target = output_dir / name
    _check_target(target, request.force)
    record = versions.Record(
        template=_recorded_template(request, source),
        source=source.kind,
        answers=rendered.answers,
        commit=fetched.commit,
        checkout=request.checkout,
        directory=request.directory,
        dirty=fetched.dirty,
    )
    (project / versions.RECORD_FILE).write_text(record.text(), encoding="utf-8")
    files = _check_tree(project)
    overwritten = target.exists() and not _is_empty_dir(target)
    replaced = _modified(target, project, files) if overwritten else []
    if replaced and not request.overwrite:
        shown = ", ".join(replaced[:5]) + (
            f" and {len(replaced) - 5} more" if len(replaced) > 5 else ""
        )
        raise UsageError(
            f"{target}: --force would overwrite {len(replaced)} file(s) that differ from the template: {shown}",
            hint="`agentctl upgrade` merges template changes into your edits; --overwrite replaces these files",
        )
    _move_into_place(project, target, staging)
    return InitResult(
        name=name,
        template=request.template,
        source=source.kind,
        path=target,
        files=files,
        variables=rendered.answers,
        overwritten=overwritten,
        replaced=replaced,
        version=record.version_label(),
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
    _unlink_shadowing_links(project, merged)
    shutil.copytree(project, merged, symlinks=True, dirs_exist_ok=True)
    previous = staging / "previous"
    os.rename(target, previous)
    try:
        os.rename(merged, target)
    except BaseException:
        os.rename(previous, target)
        raise
