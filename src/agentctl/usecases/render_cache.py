"""deploy's gated render, kept for a re-deploy of unchanged input.

For an agent.yaml, deploy loads the spec and platform.yaml (pydantic models),
runs the policy gate and renders the agent for the cluster's version. Given the
same input that work gives the same objects every time, and it is most of a
re-deploy's CPU. This cache keeps the objects deploy applied, keyed by
everything they were made from:

- **the key** (names the entry): the cache format, agentctl's version and the
  size and modification time of each of its files, the Python that runs it,
  the command, the agent file PATH names, the platform file (given, or the one
  the search finds), ``--env``, the bytes of every file of the CRD
  directories, the working directory (messages show paths relative to it),
  the date (policy exceptions expire by the day) and the names in the agent's
  and the platform file's directories (a file the loaders look for and may not
  find, such as ``image.lock.json``, appearing);
- **the inputs** (kept in the entry, all checked on every hit): every file
  opened and every directory listed while loading, gating and rendering,
  recorded as it happens (an audit hook) and fingerprinted as it is opened: a
  file by the SHA-256 of its bytes (or its absence), a Python module by its
  source's size and modification time, a directory by its names.

A hit needs the key and every input to match. Anything else is a miss, never
an error: no entry, an unreadable, truncated or foreign one, a changed input.
On a miss the loaders, the gate and the renderer run as without a cache and
the entry is written again, so a deploy never skips the policy gate on changed
input. Only a gate that passed without ``--no-gate``, and no check plug-in
installed (its code is not agentctl's to fingerprint), is kept.

The entry holds what ``agentctl build`` would write (the gate refuses literal
credentials), the paths and digests above and no environment variable. It
lives in the user cache directory (``agentctl/deploy-renders``), at most
``MAX_ENTRIES`` entries of ``MAX_ENTRY_BYTES`` each, the oldest removed first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentctl.deploy.source import AgentBundle, AgentSource

FORMAT = 1
MAX_ENTRIES = 64
MAX_ENTRY_BYTES = 16 * 1024 * 1024
_CODE_SUFFIXES = (".py", ".pyc", ".so", ".pyd")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def cache_dir() -> Path:
    from agentctl.files import user_cache

    return user_cache("deploy-renders")


# -- recording what is read ---------------------------------------------------------------

_recorders: list[Recorder] = []
_hooked = False
_busy = threading.local()  # a fingerprint being taken opens files too


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """The process's audit hook: feeds the active recorders, never raises."""
    if not _recorders or getattr(_busy, "on", False):
        return
    _busy.on = True
    try:
        if event == "open":
            path, mode, flags = args
            if isinstance(path, int) or path is None:
                return
            if mode is not None and any(c in mode for c in "wax+"):
                return
            if mode is None and flags & _WRITE_FLAGS:
                return
            file = os.path.abspath(os.fsdecode(path))
            for rec in _recorders:
                rec.saw(_kind(file), file)
        elif event in ("os.listdir", "os.scandir"):
            path = args[0]
            if isinstance(path, int):
                return
            directory = os.path.abspath(os.fsdecode(path if path is not None else "."))
            for rec in _recorders:
                rec.saw("dir", directory)
    except Exception:  # an audit hook's exception would fail the open it watched
        return
    finally:
        _busy.on = False


class Recorder:
    """The files and directories read while it is active (in any thread), each
    fingerprinted as it is opened: an edit after the read misses next time."""

    def __init__(self, skip: Path | None = None) -> None:
        self.seen: dict[tuple[str, str], str] = {}
        self.plugins: bool | None = None  # whether a check plug-in is installed, once asked
        self._skip = str(skip if skip is not None else cache_dir().parent) + os.sep

    def saw(self, kind: str, path: str) -> None:
        if (kind, path) not in self.seen and not path.startswith(self._skip):
            self.seen[(kind, path)] = _fingerprint(kind, path)

    def __enter__(self) -> Recorder:
        global _hooked
        if not _hooked:
            sys.addaudithook(_audit)
            _hooked = True
        _recorders.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _recorders.remove(self)

    def inputs(self) -> list[list[str]]:
        """[kind, path, digest] of everything read: files, directories, then modules (what
        is edited most is checked first), each in the order it was first read."""
        seen = list(self.seen.items())
        return [
            [kind, path, digest]
            for order in ("file", "dir", "code")
            for (kind, path), digest in seen
            if kind == order
        ]


def _kind(path: str) -> str:
    return "code" if path.endswith(_CODE_SUFFIXES) else "file"


def _file_digest(path: str) -> str:
    """SHA-256 of a regular file's bytes; a FIFO or device is named, never read (a read
    could block, or take what its reader was to get)."""
    h = hashlib.sha256()
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return "directory" if stat.S_ISDIR(st.st_mode) else f"special {st.st_mode:o}"
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except FileNotFoundError:
        return "absent"
    except IsADirectoryError:
        return "directory"
    except OSError as exc:
        return f"unreadable {exc.errno}"
    return h.hexdigest()


def _code_stat(path: str) -> str:
    """A module by its source: a .pyc stands for the .py it was compiled from."""
    if path.endswith(".pyc"):
        import importlib.util

        with contextlib.suppress(ValueError):
            path = importlib.util.source_from_cache(path)
    try:
        st = os.stat(path)
    except OSError:
        return "absent"
    return f"{st.st_size}:{st.st_mtime_ns}"


def _listing(path: str) -> str:
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return "absent"
    return hashlib.sha256("\0".join(names).encode("utf-8", "surrogateescape")).hexdigest()


def _fingerprint(kind: str, path: str) -> str:
    if kind == "code":
        return _code_stat(path)
    if kind == "dir":
        return _listing(path)
    return _file_digest(path)


# -- the key ------------------------------------------------------------------------------


def _today() -> dt.date:
    return dt.date.today()


def _package_fingerprint(root: str | None = None) -> str:
    """Size and modification time of every file of agentctl itself (an edited checkout too)."""
    if root is None:
        import agentctl

        root = os.path.dirname(agentctl.__file__)
    h = hashlib.sha256()
    for top, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            st = os.stat(os.path.join(top, name))
            h.update(f"{top[len(root) :]}/{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _crd_files(crd_dirs: Iterable[str]) -> list[list[str]]:
    out = []
    for d in crd_dirs:
        p = Path(d)
        files = sorted(str(f) for f in p.rglob("*") if f.is_file()) if p.is_dir() else [str(p)]
        out += [[f, _file_digest(f)] for f in files]
    return out


def key(
    command: str,
    agent_file: Path,
    platform_file: Path | None,
    env: str | None,
    crd_dirs: Iterable[str],
) -> str:
    """The name of the entry for one gated render (see the module's docstring)."""
    from agentctl import __version__

    parts = {
        "format": FORMAT,
        "agentctl": __version__,
        "package": _package_fingerprint(),
        "python": [sys.version, sys.executable],
        "command": command,
        "agent": str(agent_file.resolve()),
        "platform": str(platform_file.resolve()) if platform_file else None,
        "env": env,
        "crds": _crd_files(crd_dirs),
        "cwd": os.getcwd(),
        "today": _today().isoformat(),
        "listings": [
            _listing(str(agent_file.resolve().parent)),
            _listing(str(platform_file.resolve().parent)) if platform_file else None,
        ],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


# -- entries ------------------------------------------------------------------------------


def _entry_path(name: str) -> Path:
    return cache_dir() / f"{name}.json"


def lookup(name: str) -> dict[str, Any] | None:
    """The entry ``name`` when it is whole and every input it records is unchanged, else None."""
    path = _entry_path(name)
    try:
        st = path.stat()
        if st.st_size > MAX_ENTRY_BYTES or not _owned(st):
            return None
        entry = json.loads(path.read_bytes())
        if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != name:
            return None
        inputs, source, renders = entry["inputs"], entry["source"], entry["renders"]
        if not (isinstance(source, dict) and isinstance(renders, dict) and renders):
            return None
        for kind, file, digest in inputs:
            if kind not in ("code", "file", "dir") or not isinstance(file, str):
                return None  # a number would be taken for a file descriptor
            if _fingerprint(kind, file) != digest:
                return None
        _source_fields(source)
        for bundle in renders.values():
            _bundle(bundle)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return entry


def _owned(st: os.stat_result) -> bool:
    """Written by this user and writable by no one else: an entry others could write
    would let them choose what deploy applies."""
    getuid = getattr(os, "getuid", None)
    return (getuid is None or st.st_uid == getuid()) and not st.st_mode & 0o022


def _source_fields(data: dict[str, Any]) -> tuple[str, str, str]:
    fields = (data["agent"], data["namespace"], data["origin"])
    if not all(isinstance(f, str) for f in fields):
        raise TypeError("source fields are strings")
    return fields


def _bundle(data: dict[str, Any]) -> AgentBundle:
    from agentctl.deploy.source import AgentBundle

    bundle = AgentBundle(**data)
    if not (isinstance(bundle.objects, list) and all(isinstance(o, dict) for o in bundle.objects)):
        raise TypeError("objects are a list of objects")
    if not all(isinstance(v, str) for k, v in data.items() if k != "objects"):
        raise TypeError("the other fields are strings")
    return bundle


def store(
    name: str, recorder: Recorder, source: AgentSource, renders: dict[str, dict[str, Any]]
) -> None:
    """Write (or replace) the entry; a cache that cannot be written is only slower."""
    if recorder.plugins is None:
        from agentctl.policy.catalogue import ENTRY_POINT_GROUP, declared

        recorder.plugins = declared(ENTRY_POINT_GROUP)
    if recorder.plugins:
        return
    root = cache_dir()
    entry = {
        "format": FORMAT,
        "key": name,
        "inputs": recorder.inputs(),
        "source": {"agent": source.agent, "namespace": source.namespace, "origin": source.origin},
        "renders": renders,
    }
    text = json.dumps(entry, separators=(",", ":"))
    if len(text) > MAX_ENTRY_BYTES:
        return
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = root / f".{name}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, _entry_path(name))
        _prune(root)
    except OSError:
        return


def _prune(root: Path) -> None:
    """Keep the MAX_ENTRIES most recently written entries; drop what an interrupted write
    left behind (a temporary file older than an hour)."""
    entries = []
    stale = time.time_ns() - 3600 * 10**9
    for p in root.iterdir():
        try:
            mtime = p.stat().st_mtime_ns
        except OSError:
            continue
        if p.suffix == ".json" and not p.name.startswith("."):
            entries.append((mtime, p))
        elif p.name.endswith(".tmp") and mtime < stale:
            p.unlink(missing_ok=True)
    for _, p in sorted(entries, reverse=True)[MAX_ENTRIES:]:
        p.unlink(missing_ok=True)


# -- the source deploy applies -------------------------------------------------------------


def cached_source(
    name: str,
    entry: dict[str, Any],
    fresh: Callable[[], tuple[AgentSource, Recorder]],
) -> AgentSource:
    """The agent of a hit: its renders as kept; a cluster version not rendered yet renders
    through ``fresh`` (the loaders, the gate, the renderer) and joins the entry."""
    from agentctl.deploy.source import AgentSource, minor_version

    agent, namespace, origin = _source_fields(entry["source"])
    kept: dict[str, dict[str, Any]] = entry["renders"]

    def render(kube_version: str | None) -> AgentBundle:
        minor = minor_version(kube_version) or ""
        if minor in kept:
            return _bundle(kept[minor])
        src, recorder = fresh()
        return recording(name, src, recorder, kept)(kube_version)

    return AgentSource(agent, namespace, origin, render)


def recording(
    name: str,
    source: AgentSource,
    recorder: Recorder,
    kept: dict[str, dict[str, Any]] | None = None,
) -> Callable[[str | None], AgentBundle]:
    """``source.render``, recorded, its result kept under ``name`` beside ``kept``."""
    from agentctl.deploy.source import minor_version

    renders = dict(kept or {})

    def render(kube_version: str | None) -> AgentBundle:
        with recorder:
            bundle = source.render(kube_version)
        renders[minor_version(kube_version) or ""] = asdict(bundle)
        store(name, recorder, source, renders)
        return bundle

    return render
