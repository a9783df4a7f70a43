"""Template versions: which one a project was made from, and how to get any version back.

``init`` records where a project's template came from and at which version in
``.agentctl-template.json`` (committed with the project); ``upgrade`` needs two
versions of the template on disk — the recorded one and the new one — to
render both with the recorded answers and merge the difference.

A template version is fetched from one of three places:

- a git repository (``git+…``, ``https://…``, ``gh:…``): cloned by cookiecutter's
  own ``determine_repo_dir`` at the recorded commit or at ``--to REF``;
- a local directory inside a git work tree: ``git archive`` of the recorded
  commit (the working tree itself is the newest version);
- agentctl's built-in templates: the installed ones are the newest version; an
  older one comes from agentctl's source repository at the recorded commit, or
  at the tag ``v<version>`` (``AGENTCTL_TEMPLATE_REPOSITORY`` names the
  repository; a development checkout serves itself).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from agentctl import __version__
from agentctl.errors import UsageError
from agentctl.scaffold import catalog

RECORD_FILE = ".agentctl-template.json"
RECORD_SCHEMA = 1
REPOSITORY_ENV = "AGENTCTL_TEMPLATE_REPOSITORY"
_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,199}")
_GIT_TIMEOUT = 120.0


def check_ref(ref: str | None, option: str) -> None:
    if ref is not None and not _REF.fullmatch(ref):
        raise UsageError(f"{option} {ref!r}: not a branch, tag or commit name")


def check_directory(directory: str | None) -> None:
    if directory is None:
        return
    path = PurePosixPath(directory)
    if not directory or path.is_absolute() or ".." in path.parts or "\\" in directory:
        raise UsageError(f"--directory {directory!r}: must be a relative path inside the template")


@dataclass
class Record:
    """What ``.agentctl-template.json`` holds."""

    template: str  # as given to init: a built-in name, a directory, a git URL
    source: str  # builtin | local | git
    answers: dict[str, Any]
    commit: str | None = None  # the template's git commit, when it has one
    checkout: str | None = None  # --checkout given to init (followed by upgrade)
    directory: str | None = None  # --directory given to init
    agentctl: str = __version__
    dirty: bool = False  # rendered from a working tree with uncommitted changes
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": RECORD_SCHEMA,
            "template": self.template,
            "source": self.source,
            "agentctl": self.agentctl,
            "commit": self.commit,
        }
        if self.checkout:
            out["checkout"] = self.checkout
        if self.directory:
            out["directory"] = self.directory
        if self.dirty:
            out["dirty"] = True
        out["answers"] = self.answers
        return out

    def text(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n"

    def version_label(self) -> str:
        if self.commit:
            return self.commit[:12]
        return f"agentctl {self.agentctl}"


def read_record(project: Path) -> Record:
    path = project / RECORD_FILE
    data = catalog.read_json_object(
        path,
        "no template record; this project was not made by `agentctl init` or predates it",
        hint="re-create it with `agentctl init` into a new directory and copy your changes over",
    )

    def field_(key: str, kinds: tuple[type, ...], required: bool = True) -> Any:
        value = data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise UsageError(f"{path}: {key}: missing or of the wrong type")
        return value

    source = field_("source", (str,))
    if source not in ("builtin", "local", "git"):
        raise UsageError(f"{path}: source: must be builtin, local or git, not {source!r}")
    commit = field_("commit", (str,), required=False)
    if commit is not None and not re.fullmatch(r"[0-9a-f]{7,64}", commit):
        raise UsageError(f"{path}: commit: not a git commit id: {commit!r}")
    checkout = field_("checkout", (str,), required=False)
    check_ref(checkout, f"{path}: checkout")
    directory = field_("directory", (str,), required=False)
    check_directory(directory)
    answers = field_("answers", (dict,))
    return Record(
        template=field_("template", (str,)),
        source=source,
        answers=answers,
        commit=commit,
        checkout=checkout,
        directory=directory,
        agentctl=str(data.get("agentctl") or ""),
        dirty=bool(data.get("dirty", False)),
    )


def _git(*args: str, cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except FileNotFoundError:
        raise UsageError("git is not installed; template versions need it") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {args[0]} timed out after {_GIT_TIMEOUT:.0f}s") from None
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise UsageError(f"git {' '.join(args[:2])} failed: {detail}")
    return done.stdout.strip()


@dataclass(frozen=True)
class WorkTree:
    """The git work tree a local directory belongs to."""

    top: Path
    subpath: str  # the directory, relative to top ("" for top itself)
    commit: str
    dirty: bool


def work_tree(directory: Path) -> WorkTree | None:
    """The git work tree holding ``directory``, or None when it is not in one (or has no commit)."""
    try:
        top = _git("rev-parse", "--show-toplevel", cwd=directory)
        commit = _git("rev-parse", "HEAD", cwd=directory)
        status = _git("status", "--porcelain", "--", ".", cwd=directory)
    except UsageError:
        return None
    top_path = Path(top).resolve()
    sub = directory.resolve().relative_to(top_path).as_posix()
    return WorkTree(top_path, "" if sub == "." else sub, commit, bool(status))


def commit_of(clone: Path) -> str | None:
    try:
        return _git("rev-parse", "HEAD", cwd=clone)
    except UsageError:
        return None


def archive(top: Path, ref: str, subpath: str, dest: Path) -> Path:
    """Extract ``subpath`` of ``top`` at ``ref`` into ``dest``; returns dest/subpath."""
    try:
        data = subprocess.run(
            ["git", "archive", "--format=tar", ref, "--", subpath or "."],
            cwd=top,
            capture_output=True,
            timeout=_GIT_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise UsageError(f"git archive {ref} timed out after {_GIT_TIMEOUT:.0f}s") from None
    if data.returncode != 0:
        detail = data.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(
            f"{top}: cannot read the template at {ref}: {detail[-1] if detail else 'git archive failed'}"
        )
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest / subpath if subpath else dest


def clone(url: str, ref: str | None, dest: Path, directory: str | None = None) -> Path:
    """Clone a git template repository with cookiecutter's own resolution (abbreviations
    included); returns the template directory (``directory`` inside the clone)."""
    from cookiecutter.config import get_user_config
    from cookiecutter.repository import determine_repo_dir

    dest.mkdir(parents=True, exist_ok=True)
    config = get_user_config()
    with _bounded_git():
        repo_dir, _ = determine_repo_dir(
            template=url,
            abbreviations=config["abbreviations"],
            clone_to_dir=str(dest),
            checkout=ref,
            no_input=True,
            directory=directory,
        )
    return Path(repo_dir)


# A clone slower than this many bytes a second for this many seconds is given up on (git
# gives no overall timeout, and cookiecutter runs it without one): a server trickling its
# answer would otherwise keep init and upgrade waiting for good.
GIT_LOW_SPEED_LIMIT = 1000
GIT_LOW_SPEED_SECONDS = 30


@contextlib.contextmanager
def _bounded_git() -> Iterator[None]:
    """The environment of the git commands cookiecutter runs: no credential prompt, a slow
    transfer given up on (http), a connection attempt bounded (ssh, unless configured)."""
    bounds = {
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_HTTP_LOW_SPEED_LIMIT": str(GIT_LOW_SPEED_LIMIT),
        "GIT_HTTP_LOW_SPEED_TIME": str(GIT_LOW_SPEED_SECONDS),
    }
    if "GIT_SSH_COMMAND" not in os.environ and "GIT_SSH" not in os.environ:
        bounds["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes -o ConnectTimeout=15"
    saved = {key: os.environ.get(key) for key in bounds}
    os.environ.update(bounds)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass(frozen=True)
class Fetched:
    """One version of a template on disk."""

    template_dir: Path  # the directory holding cookiecutter.json
    shared_root: Path | None  # where `_agentctl.shared` entries come from (None: the installed one)
    commit: str | None
    dirty: bool = False


def _with_directory(root: Path, directory: str | None, what: str) -> Path:
    path = root / directory if directory else root
    if not (path / "cookiecutter.json").is_file():
        where = f" (--directory {directory})" if directory else ""
        raise UsageError(f"{what}{where}: not a template (no cookiecutter.json)")
    return path


def fetch_current(
    source: catalog.TemplateSource, checkout: str | None, directory: str | None, work: Path
) -> Fetched:
    """The version ``init`` uses: the working tree of a directory, a git repository at ``checkout``."""
    if source.kind == "git":
        found = clone(source.ref, checkout, work / "clone", directory)
        return Fetched(found, None, commit_of(found))
    assert source.path is not None
    if source.kind == "builtin":
        tree = work_tree(source.path.parent)
        return Fetched(
            source.path,
            source.path.parent / catalog.SHARED_DIR,
            tree.commit if tree else None,
            tree.dirty if tree else False,
        )
    template_dir = _with_directory(source.path, directory, source.ref)
    if checkout is not None:
        return fetch_at(source, checkout, directory, work)
    tree = work_tree(template_dir)
    return Fetched(template_dir, None, tree.commit if tree else None, tree.dirty if tree else False)


def fetch_at(
    source: catalog.TemplateSource,
    ref: str,
    directory: str | None,
    work: Path,
    *,
    builtin_version: str | None = None,
    repository: str | None = None,
) -> Fetched:
    """A template at a commit, tag or branch ``ref``.

    A built-in at another version comes from ``repository`` (agentctl's source
    repository, ``AGENTCTL_TEMPLATE_REPOSITORY``), else from the git checkout
    agentctl runs from.
    """
    if source.kind == "git":
        found = clone(source.ref, ref, work / "clone", directory)
        return Fetched(found, None, commit_of(found))
    assert source.path is not None
    if source.kind == "local":
        tree = work_tree(source.path)
        if tree is None:
            raise UsageError(
                f"template {source.ref}: not in a git repository, so its other versions cannot be rendered",
                hint="keep templates in git; upgrade renders the version a project was made from",
            )
        root = archive(tree.top, ref, tree.subpath, work / "archive")
        at = _git("rev-parse", f"{ref}^{{commit}}", cwd=tree.top)
        return Fetched(_with_directory(root, directory, source.ref), None, at)
    # a built-in at another version: from agentctl's source repository
    name = source.path.name
    if repository:
        found = clone(repository, ref, work / "clone", f"scaffolds/{name}")
        scaffolds = found.parent
        commit = commit_of(found)
    else:
        tree = work_tree(source.path.parent)
        if tree is None or not _has_commit(tree.top, ref):
            shown = builtin_version or ref
            raise UsageError(
                f"built-in template {name!r} at {shown}: this agentctl cannot render that version",
                hint=f"set {REPOSITORY_ENV} to a git URL of agentctl's source repository (tags v<version>)",
            )
        root = archive(tree.top, ref, tree.subpath, work / "archive")
        scaffolds = root
        commit = _git("rev-parse", f"{ref}^{{commit}}", cwd=tree.top)
    template_dir = _with_directory(scaffolds / name, None, f"built-in template {name!r} at {ref}")
    return Fetched(template_dir, scaffolds / catalog.SHARED_DIR, commit)


def _has_commit(top: Path, ref: str) -> bool:
    try:
        _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=top)
    except UsageError:
        return False
    return True


def source_of(record: Record) -> catalog.TemplateSource:
    """Where the recorded template lives now (a built-in name resolves to the installed one)."""
    if record.source == "builtin":
        source = catalog.resolve(record.template)
        if source.kind != "builtin":
            raise UsageError(f"{RECORD_FILE}: template {record.template!r} is no longer a built-in")
        return source
    if record.source == "local":
        source = catalog.resolve(record.template)
        return source
    return catalog.TemplateSource("git", record.template, None)


def fetch_recorded(record: Record, work: Path, repository: str | None = None) -> Fetched:
    """The version the project was made from (or last upgraded to)."""
    source = source_of(record)
    if record.commit:
        return fetch_at(
            source,
            record.commit,
            record.directory,
            work,
            builtin_version=record.agentctl,
            repository=repository,
        )
    if source.kind == "builtin":
        return fetch_at(
            source,
            f"v{record.agentctl}",
            None,
            work,
            builtin_version=record.agentctl,
            repository=repository,
        )
    raise UsageError(
        f"{RECORD_FILE}: no commit recorded for template {record.template!r}, so the version the project "
        "was made from cannot be rendered",
        hint="keep templates in git; upgrade renders the version a project was made from",
    )


def fetch_new(record: Record, to: str | None, work: Path, repository: str | None = None) -> Fetched:
    """The version to upgrade to: ``--to REF``, else the recorded branch, else the newest."""
    source = source_of(record)
    if source.kind == "git":
        found = clone(source.ref, to or record.checkout, work / "clone", record.directory)
        return Fetched(found, None, commit_of(found))
    ref = to or (record.checkout if source.kind == "local" else None)
    if ref is not None:
        return fetch_at(source, ref, record.directory, work, repository=repository)
    return fetch_current(source, None, record.directory, work)
