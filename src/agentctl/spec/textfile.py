"""Reading a text file a user gives: a regular file, bounded in size, UTF-8.

Apart from :mod:`agentctl.spec.yamlsafe` (which re-exports it for the YAML
readers) so that a reader of another format (a template's cookiecutter.json,
a project's template record) shares the same checks without importing YAML.
"""

from __future__ import annotations

from pathlib import Path

from agentctl.errors import Problem, SpecError, UsageError

MAX_FILE_BYTES = 1024 * 1024  # 1 MiB: an agent.yaml is a few KB

_YAML_FILE = "a YAML file"


def read_text(
    path: Path,
    display: str | None = None,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    expected: str = _YAML_FILE,
) -> str:
    """Read a UTF-8 text file with a size bound.

    A file that cannot be read at all, a directory, a FIFO or a device is a
    UsageError (``expected`` says what should have been there); one that is too
    big or not UTF-8 is a located SpecError.
    """
    name = display or str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise UsageError(f"{name}: no such file or directory") from None
    except OSError as exc:
        raise UsageError(f"{name}: cannot read: {exc.strerror}") from None
    if path.is_dir():
        raise UsageError(f"{name}: is a directory, expected {expected}")
    if not path.is_file():  # a FIFO would block the read until something writes to it
        raise UsageError(
            f"{name}: not a regular file (a FIFO, socket or device); expected {expected}",
            hint="to read standard input, pass - where the command accepts it",
        )
    if size > max_bytes:
        message = f"file is {size} bytes; the limit is {max_bytes} bytes"
        message += " (is this really a spec?)" if expected == _YAML_FILE else ""
        raise SpecError([Problem(name, 1, 1, "", message)])
    try:
        with path.open("rb") as fh:
            # the size stat gave and a byte more, then on up to the bound if there is more
            # (it grew, or /proc): a read of the bound at once allocates all of it first
            raw = fh.read(size + 1)
            if len(raw) > size:
                raw += fh.read(max_bytes + 1 - len(raw))
    except OSError as exc:
        raise UsageError(f"{name}: cannot read: {exc.strerror}") from None
    if len(raw) > max_bytes:  # grew since stat, or a device/pipe reporting size 0
        raise SpecError(
            [Problem(name, 1, 1, "", f"file is larger than the limit of {max_bytes} bytes")]
        )
    return decode(raw, name)


def read_stdin(max_bytes: int, name: str = "<stdin>") -> str:
    """Standard input, with the same size bound and decoding as a file."""
    import sys

    if sys.stdin is None:  # started with standard input closed (`<&-`)
        raise UsageError(f"{name}: standard input is closed")
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        raw = buffer.read(max_bytes + 1)
    else:  # replaced by a text stream (tests, embedding)
        raw = sys.stdin.read(max_bytes + 1).encode("utf-8", "surrogateescape")
    if len(raw) > max_bytes:
        raise SpecError(
            [Problem(name, 1, 1, "", f"input is larger than the limit of {max_bytes} bytes")]
        )
    return decode(raw, name)


def decode(raw: bytes, name: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError(
            [Problem(name, line, col, "", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})")]
        ) from None
    return text.removeprefix("\ufeff")
