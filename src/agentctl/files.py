"""Writing files the way a user expects (whole or not at all, with normal permissions),
and where agentctl keeps its caches."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def user_cache(*parts: str) -> Path:
    """agentctl's directory under the user's cache directory, joined with ``parts``."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("agentctl"), *parts)


def default_mode() -> int:
    """The mode a plain open() gives a new file under the current umask (0644 under 022)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically.

    The file is readable as any other new file would be (a CI upload step may
    run as another user), never the 0600 a temporary file starts with.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            os.fchmod(fh.fileno(), default_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class OutputPathError(ValueError):
    """A path a report cannot be written to; the message says why (no path in it)."""


def _output_mode(path: Path) -> int:
    """The mode of what ``path`` names (symlinks followed), 0 when nothing is there yet;
    OutputPathError when it can never take a report."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        _check_parents(Path(os.path.realpath(path)))
        return 0
    except OSError as exc:
        raise OutputPathError(exc.strerror or str(exc)) from None
    if stat.S_ISDIR(mode):
        raise OutputPathError("is a directory")
    return mode


def check_output_path(path: Path) -> None:
    """Raise OutputPathError when ``path`` can never take a report.

    Checked before any work is done, so a bad name leaves nothing half written:
    a directory (``.`` too), a name under a regular file or a name too long.
    """
    _output_mode(path)


def _check_parents(target: Path) -> None:
    """The first existing ancestor of a new file must be a directory (the rest are made)."""
    for parent in target.parents:
        try:
            mode = parent.stat().st_mode
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise OutputPathError(exc.strerror or str(exc)) from None
        if not stat.S_ISDIR(mode):
            raise OutputPathError(f"{parent} is not a directory")
        return


def write_output(path: Path, text: str) -> None:
    """Write a report to a file the user named, as ``tee`` or ``kubectl -o`` would.

    A character device or a pipe (/dev/null, /dev/stdout, a FIFO) is opened and
    written: replacing it would swap a device for a regular file. A symlink to a
    file is followed and that file replaced atomically in its own directory, so
    the link stays. A regular or new file is replaced atomically. Raises
    OutputPathError (with the reason) when the path cannot take the report.
    """
    mode = _output_mode(path)
    try:
        if mode and not stat.S_ISREG(mode):
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            return
        write_text_atomic(Path(os.path.realpath(path)), text)
    except BrokenPipeError:
        raise  # /dev/stdout into a reader that went away: not the file's fault
    except OSError as exc:
        raise OutputPathError(exc.strerror or str(exc)) from None
