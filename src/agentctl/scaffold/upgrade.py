"""Bring a project up to a newer version of its template with a three-way merge.

The recorded version (``.agentctl-template.json``) and the new one are both
rendered with the recorded answers; for every file the template changed, the
change is applied to the project the way ``git merge-file`` does it:

- the project still has the old template's content: it gets the new one;
- the project changed other lines: both changes are kept (a clean merge);
- both changed the same lines: the file gets conflict markers and is listed;
- the project deleted the file: it stays deleted;
- the template removed a file the project did not change: it is removed.

Every result is computed before anything is written; files are replaced one by
one with a rename, and the record moves to the new version only when there is
no conflict (``--mark-resolved`` records it once conflicts are resolved).
"""

from __future__ import annotations

import difflib
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentctl.errors import UsageError
from agentctl.scaffold import catalog, versions
from agentctl.scaffold.generate import (
    HookTrust,
    Rendered,
    cookiecutter_errors,
    render,
    template_hooks,
)

MARKER = "<<<<<<< project"
_GIT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Change:
    path: str
    action: str  # added | updated | merged | removed | conflict | kept-deleted | kept-modified
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {"path": self.path, "action": self.action}
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass
class UpgradeResult:
    project: Path
    template: str
    from_version: str
    to_version: str
    changes: list[Change] = field(default_factory=list)
    applied: bool = False  # files were written (not --dry-run / --diff)
    recorded: bool = False  # the record moved to the new version
    diff: str = ""

    @property
    def conflicts(self) -> list[str]:
        return [c.path for c in self.changes if c.action in ("conflict", "kept-modified")]

    @property
    def up_to_date(self) -> bool:
        return not self.changes

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": str(self.project),
            "template": self.template,
            "from": self.from_version,
            "to": self.to_version,
            "changes": [c.to_dict() for c in self.changes],
            "conflicts": self.conflicts,
            "applied": self.applied,
            "recorded": self.recorded,
        }


def _files(root: Path) -> dict[str, bytes]:
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            rel = path.relative_to(root).as_posix()
            if rel != versions.RECORD_FILE:
                out[rel] = path.read_bytes()
    return out


def _is_text(data: bytes) -> bool:
    if b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def merge3(ours: bytes, base: bytes, theirs: bytes, *, old: str, new: str) -> tuple[bytes, int]:
    """``git merge-file``: the merged content and the number of conflicts (0: clean)."""
    with tempfile.TemporaryDirectory(prefix="agentctl-merge-") as tmp:
        paths = []
        for name, data in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(tmp) / name
            path.write_bytes(data)
            paths.append(str(path))
        try:
            done = subprocess.run(
                [
                    "git",
                    "merge-file",
                    "-p",
                    "-L",
                    "project",
                    "-L",
                    f"template {old}",
                    "-L",
                    f"template {new}",
                    *paths,
                ],
                capture_output=True,
                timeout=_GIT_TIMEOUT,
            )
        except FileNotFoundError:
            raise UsageError("git is not installed; upgrade merges with `git merge-file`") from None
        except subprocess.TimeoutExpired:
            raise UsageError(f"git merge-file timed out after {_GIT_TIMEOUT:.0f}s") from None
    if done.returncode < 0 or done.returncode > 127:
        detail = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
        raise UsageError(f"git merge-file failed: {detail}")
    return done.stdout, done.returncode


def plan(
    project_files: dict[str, bytes],
    old: dict[str, bytes],
    new: dict[str, bytes],
    *,
    old_label: str,
    new_label: str,
) -> tuple[list[Change], dict[str, bytes | None]]:
    """What happens to each file; returns the changes and the new contents (None: delete)."""
    changes: list[Change] = []
    writes: dict[str, bytes | None] = {}
    for path in sorted(set(old) | set(new)):
        o, n, p = old.get(path), new.get(path), project_files.get(path)
        if o == n or p == n:
            continue  # the template did not change it, or the project already has the change
        if n is None:  # the template removed it
            if p is None:
                continue
            if p == o:
                changes.append(Change(path, "removed"))
                writes[path] = None
            else:
                changes.append(
                    Change(path, "kept-modified", "removed from the template, changed here: kept")
                )
            continue
        if p is None:
            if o is None:
                changes.append(Change(path, "added"))
                writes[path] = n
            else:
                changes.append(Change(path, "kept-deleted", "deleted here: stays deleted"))
            continue
        if p == o:
            changes.append(Change(path, "updated"))
            writes[path] = n
            continue
        base = o if o is not None else b""
        if not (_is_text(p) and _is_text(base) and _is_text(n)):
            changes.append(Change(path, "kept-modified", "binary file changed on both sides: kept"))
            continue
        merged, conflicts = merge3(p, base, n, old=old_label, new=new_label)
        if conflicts:
            changes.append(Change(path, "conflict", f"{conflicts} conflict(s) marked"))
        else:
            changes.append(Change(path, "merged"))
        writes[path] = merged
    return changes, writes


def _diff(project: Path, project_files: dict[str, bytes], writes: dict[str, bytes | None]) -> str:
    chunks = []
    for path, data in sorted(writes.items()):
        before = project_files.get(path, b"")
        after = data or b""
        if not (_is_text(before) and _is_text(after)):
            chunks.append(f"Binary file {path} differs\n")
            continue
        chunks.extend(
            difflib.unified_diff(
                before.decode().splitlines(keepends=True),
                after.decode().splitlines(keepends=True),
                fromfile=f"a/{path}" if path in project_files else "/dev/null",
                tofile=f"b/{path}" if data is not None else "/dev/null",
            )
        )
    text = "".join(chunks)
    return text if not text or text.endswith("\n") else text + "\n"


def _write(project: Path, rel: str, data: bytes | None) -> None:
    path = project / rel
    if data is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _render(
    record: versions.Record, fetched: versions.Fetched, out: Path, accept_hooks: bool
) -> Rendered:
    answers = dict(record.answers)
    name = answers.get("name")
    return render(
        fetched,
        record.template,
        out,
        sets=answers,
        name=name if isinstance(name, str) else None,
        interactive=False,
        accept_hooks=accept_hooks,
        strict_sets=False,
        new_project=False,
    )


def _label(fetched: versions.Fetched, record: versions.Record, fallback: str) -> str:
    if fetched.commit:
        return fetched.commit[:12] + (" (uncommitted changes)" if fetched.dirty else "")
    return fallback


def upgrade(
    project: Path,
    *,
    to: str | None = None,
    write: bool = True,
    mark_resolved: bool = False,
    hooks: HookTrust | None = None,
    repository: str | None = None,
) -> UpgradeResult:
    """Merge the template's changes since the recorded version into ``project``.

    ``repository``: agentctl's source repository, where a built-in template's
    other versions come from (``AGENTCTL_TEMPLATE_REPOSITORY``).
    """
    versions.check_ref(to, "--to")
    project = project.expanduser().absolute()
    if not project.is_dir():
        raise UsageError(f"{project}: not a directory")
    record = versions.read_record(project)
    source = versions.source_of(record)
    trust = hooks or HookTrust(search_from=project)
    from agentctl import __version__

    with tempfile.TemporaryDirectory(prefix="agentctl-upgrade-") as tmp:
        work = Path(tmp)
        with cookiecutter_errors(record.template):
            new = versions.fetch_new(record, to, work / "new", repository)
        new_label = _label(new, record, f"agentctl {__version__}")
        accept = _accept(trust, record, source, new)
        rendered_new = _render(record, new, work / "render-new", accept)
        new_record = versions.Record(
            template=record.template,
            source=record.source,
            answers=rendered_new.answers,
            commit=new.commit,
            checkout=record.checkout,
            directory=record.directory,
            dirty=new.dirty,
        )
        result = UpgradeResult(project, record.template, record.version_label(), new_label)
        if mark_resolved:
            _record_resolved(project, record, new_record, _files(rendered_new.project), result)
            return result
        if _same_version(record, new, to, __version__):
            return result
        with cookiecutter_errors(record.template):
            old = versions.fetch_recorded(record, work / "old", repository)
        old_label = _label(old, record, f"agentctl {record.agentctl}")
        result.from_version = old_label
        rendered_old = _render(
            record, old, work / "render-old", _accept(trust, record, source, old)
        )
        project_files = _files(project)
        changes, writes = plan(
            project_files,
            _files(rendered_old.project),
            _files(rendered_new.project),
            old_label=old_label,
            new_label=new_label,
        )
        result.changes = changes
        result.diff = _diff(project, project_files, writes)
        if not write:
            return result
        for rel, data in writes.items():
            _write(project, rel, data)
        result.applied = True
        if not result.conflicts:
            _write(project, versions.RECORD_FILE, new_record.text().encode())
            result.recorded = True
    return result


def _accept(
    trust: HookTrust,
    record: versions.Record,
    source: catalog.TemplateSource,
    fetched: versions.Fetched,
) -> bool:
    return trust.accept(record.template, source, template_hooks(fetched.template_dir))


def _same_version(
    record: versions.Record, new: versions.Fetched, to: str | None, current: str
) -> bool:
    if new.dirty:
        return False
    if record.commit and new.commit:
        return record.commit == new.commit
    return record.source == "builtin" and to is None and record.agentctl == current


def _record_resolved(
    project: Path,
    record: versions.Record,
    new_record: versions.Record,
    template_files: dict[str, bytes],
    result: UpgradeResult,
) -> None:
    """--mark-resolved: record the new version once no conflict marker is left."""
    left = []
    for rel in sorted(template_files):
        path = project / rel
        if path.is_file():
            data = path.read_bytes()
            if _is_text(data) and any(
                line.startswith(MARKER) for line in data.decode().splitlines()
            ):
                left.append(rel)
    if left:
        raise UsageError(
            f"{project}: conflict markers are still in {', '.join(left)}",
            hint="resolve them (keep the lines you want, remove the markers), then run again",
        )
    _write(project, versions.RECORD_FILE, new_record.text().encode())
    result.recorded = True
