"""Serialise bundles: one file per group plus a kustomization, written atomically.

Output is byte-identical for identical input: objects keep their rendered
key order, multi-line strings use block style, nothing depends on time,
randomness or the machine (``fastyaml`` is plain Python, not libyaml).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from agentctl.errors import UsageError
from agentctl.render import fastyaml
from agentctl.render.bundle import GROUPS, Bundle

KUSTOMIZATION = "kustomization.yaml"


def dump_yaml(doc: Any) -> str:
    return fastyaml.dump(doc)


def dump_documents(docs: list[dict[str, Any]]) -> str:
    return fastyaml.dump_all(docs)


def file_name(group: str) -> str:
    return f"{GROUPS.index(group):02d}-{group}.yaml"


def bundle_files(bundle: Bundle) -> dict[str, str]:
    """``file name -> content`` for one agent's directory."""
    files: dict[str, str] = {}
    for group, objects in bundle.by_group().items():
        files[file_name(group)] = dump_documents([o.obj for o in objects])
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "metadata": {"name": bundle.name},
        "resources": list(files),
    }
    files[KUSTOMIZATION] = dump_yaml(kustomization)
    return files


_NEW_FILE = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)


def _write_new(path: str, data: bytes) -> None:
    """Create ``path`` (in the fresh staging directory) holding ``data``: one open, write
    and close, without the buffered text file Path.write_text builds around them (a
    build writes thousands of small files)."""
    fd = os.open(path, _NEW_FILE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def write_tree(out: Path, trees: dict[str, dict[str, str]]) -> list[Path]:
    """Write ``{agent: {file: content}}`` under ``out`` atomically per agent directory.

    Everything is written to a temporary directory inside ``out`` first; only
    when all of it is on disk are the agent directories swapped in (each
    replaced whole, so stale files of an earlier build never linger).
    """
    made: list[Path] = []  # the directories this build created, innermost first
    try:
        _make(out, made)
    except OSError as exc:
        _remove_empty(made)
        raise UsageError(f"--out {out}: cannot create directory ({exc.strerror})") from None
    if not out.is_dir():
        raise UsageError(f"--out {out}: not a directory")
    try:
        staging = Path(tempfile.mkdtemp(prefix=".agentctl-build-", dir=out))
    except OSError as exc:  # a directory nothing can be created in
        _remove_empty(made)
        raise UsageError(f"--out {out}: cannot write ({exc.strerror})") from None
    written: list[Path] = []
    done = False
    try:
        for agent, files in trees.items():
            target = staging / agent
            target.mkdir()
            for name, content in files.items():
                _write_new(f"{target}/{name}", content.encode("utf-8"))
        for agent in trees:
            final = out / agent
            old = None
            if final.exists():
                old = out / f".agentctl-old-{agent}-{os.getpid()}"
                os.replace(final, old)
            os.replace(staging / agent, final)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
            written.append(final)
        done = True
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write ({exc.strerror})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if not done:  # failed or interrupted: no empty --out left where there was none
            _remove_empty(made)
    return written


def _make(path: Path, made: list[Path]) -> None:
    """Create ``path`` and its missing parents (``mkdir -p``), adding to ``made`` each
    directory this call created itself, innermost first: one that another process
    creates meanwhile, or that a path with ``..`` reaches already, is not in it. Each
    prefix of the path as written is created in turn, as the system walks it."""
    missing: list[Path] = []
    parent_there = False  # known once a parent was made or found
    while True:
        try:
            path.mkdir()
        except FileNotFoundError:  # a parent is missing: create it first
            if parent_there or path.parent == path:
                raise  # its parent is there, and still (/proc/sys/x): not creatable
            missing.append(path)
            path = path.parent
            continue
        except FileExistsError:
            if not path.is_dir():
                raise
        else:
            made.insert(0, path)
        if not missing:
            return
        path = missing.pop()
        parent_there = True


def _remove_empty(made: list[Path]) -> None:
    """Remove the directories a build created, innermost first, while they are empty."""
    for directory in made:
        try:
            directory.rmdir()
        except OSError:
            return
