"""Helpers shared by commands: output format, consoles, envelopes, errors."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import typer

from agentctl.cli.output import OutputState, output_scope, remember_output, set_kind
from agentctl.errors import AgentctlError
from agentctl.results import envelope, error_envelope
from agentctl.settings import OutputFormat, Settings

if TYPE_CHECKING:
    from rich.console import Console

    from agentctl.scaffold.generate import HookTrust
    from agentctl.views.plain import PlainConsole

__all__ = ["OutputState", "output_scope", "remember_output", "set_kind"]


def warn_gate_skipped(report: Any) -> None:
    """--no-gate was allowed: say so loudly, with what the gate would have refused."""
    err = console(stderr=True)
    failing = report.failing
    err.print(
        f"[bold red]warning: policy gate skipped[/] (--no-gate, allowed by platform.yaml policy.allowNoGate): "
        f"{len(failing)} finding(s) at or above {report.fail_on.name} are NOT enforced"
    )
    for f in failing:
        err.print(
            f"[red]warning:[/] {_escape(f'{f.file}:{f.line}:{f.column}: {f.check} {f.severity.name}: {f.message}')}"
        )


def stdin_is_tty() -> bool:
    """Whether standard input is a terminal to prompt on: closed (``<&-``, no ``sys.stdin``)
    counts as none."""
    return bool(sys.stdin and sys.stdin.isatty())


def platform_path(explicit: Path | None) -> Path | None:
    """--platform, else AGENTCTL_PLATFORM; None leaves the search upwards to the loader."""
    if explicit is not None:
        return explicit
    configured = settings().platform_file
    return Path(configured) if configured else None


def store_path(explicit: Path | None) -> Path:
    """--store, else AGENTCTL_TRACE_STORE, else the store in the user data directory."""
    if explicit is not None:
        return explicit
    configured = settings().trace_store
    if configured:
        return Path(configured).expanduser()
    from agentctl.telemetry.store import default_store_path

    return default_store_path()


def existing_store(explicit: Path | None) -> Path | None:
    """The trace store to read, or None when the default one does not exist yet
    (nothing recorded: not an error); a --store that does not exist is one."""
    path = store_path(explicit)
    if path.exists():
        return path
    if explicit is not None:
        from agentctl.errors import TelemetryError

        raise TelemetryError(
            f"{explicit}: no trace store there",
            hint="check --store, or start `agentctl collector`",
        )
    return None


def crd_dirs(explicit: list[Path] | None) -> list[str]:
    """--crd-dir (each), then the directories AGENTCTL_CRD_DIR names."""
    return [str(d) for d in explicit or []] + list(settings().crd_dirs)


def settings(ctx: typer.Context | None = None) -> Settings:
    from agentctl.cli._click import get_current_context

    current = ctx or get_current_context(silent=True)
    root = current.find_root() if current else None
    obj = root.obj if root else None
    return obj if isinstance(obj, Settings) else Settings.resolve(stdout_isatty=sys.stdout.isatty())


# Text written to a pipe or a file (CI logs, `| grep`, --output-file) has no
# terminal to fit: like kubectl, do not squeeze it into 80 columns. Tables are
# laid out for this width; lines outside tables are never wrapped or cut there.
WIDE_COLUMNS = 240


def text_width(stream: TextIO) -> int | None:
    """Columns to lay text out in: COLUMNS when set, the terminal's own width on
    a TTY (None lets rich ask the terminal), else WIDE_COLUMNS."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None if stream.isatty() else WIDE_COLUMNS


class _TrimmedLines:
    """A text stream that drops the spaces rich pads lines with (table cells
    filled out to the column width) before they reach a pipe or a file."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._partial = ""

    def write(self, text: str) -> int:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        if lines:
            self._stream.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self._partial:
            self._stream.write(self._partial)
            self._partial = ""
        self._stream.flush()

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._stream.fileno()


def console(
    *, stderr: bool = False, ctx: typer.Context | None = None, file: TextIO | None = None
) -> Console:
    """A console for stdout (or stderr, or ``file``): colour on a TTY when
    NO_COLOR/TERM allow it, or anywhere FORCE_COLOR asks for it; off a TTY,
    wide, soft-wrapped and without trailing padding."""
    from agentctl.views.console import SafeConsole

    stream = file if file is not None else sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    current = settings(ctx)
    color = current.color and (tty or current.force_color)
    return SafeConsole(
        file=stream if tty else _TrimmedLines(stream),  # type: ignore[arg-type]
        width=text_width(stream),
        no_color=not color,
        highlight=False,
        soft_wrap=not tty,
        force_terminal=(not tty or None) if color else False,
        emoji=False,
    )


def plain_stream(*, stderr: bool = False) -> TextIO | None:
    """The stream itself when :func:`console` would write plain text to it (off
    a TTY, no colour): text without markup can then skip rich. Else None."""
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty() or (settings().color and settings().force_color):
        return None
    return stream


def plain_console(*, stderr: bool = False) -> Console | PlainConsole:
    """A console that writes plain text without loading rich where :func:`plain_stream` allows
    (rich is loaded only for what it alone can lay out), else :func:`console`."""
    stream = plain_stream(stderr=stderr)
    if stream is None:
        return console(stderr=stderr)
    from agentctl.views.plain import PlainConsole

    width = text_width(stream) or WIDE_COLUMNS
    return PlainConsole(stream, width, lambda: console(stderr=stderr))


def plain_table(headers: list[str], rows: list[list[str]]) -> str | None:
    """A borderless table as rich lays it out off a TTY (columns two spaces apart,
    no trailing spaces), or None when rich must lay it out (wider than the
    width, non-ASCII or markup in a cell, a cell over several lines)."""
    cells = [headers, *rows]
    if any(not c.isascii() or not c.isprintable() or "[" in c for row in cells for c in row):
        return None
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    limit = text_width(sys.stdout) or WIDE_COLUMNS
    if sum(widths) + 2 * (len(widths) - 1) > limit:
        return None
    return "".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip(" ") + "\n"
        for row in cells
    )


def _to_plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_plain(v) for v in value]
    return value


def dump_machine(doc: Any, fmt: OutputFormat) -> str:
    doc = _to_plain(doc)
    if fmt is OutputFormat.json:
        from agentctl.jsontext import dumps  # json.dumps(indent=2)'s text, faster

        return dumps(doc) + "\n"
    import yaml

    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=False)


def emit(kind: str, data: Any, fmt: OutputFormat, *, ok: bool = True) -> None:
    """Write the JSON/YAML envelope of a command's result to stdout."""
    sys.stdout.write(dump_machine(envelope(kind, data, ok=ok), fmt))
    sys.stdout.flush()


def report_error(
    err: AgentctlError, output: OutputState | None = None, *, debug: bool = False
) -> None:
    """The error on stderr; with ``-o json|yaml`` also its envelope on stdout."""
    if output is not None and output.format is not OutputFormat.text:
        sys.stdout.write(dump_machine(error_envelope(output.kind, err.to_dict()), output.format))
    from agentctl.views.plain import one_line

    # One line each, whatever a file name or a value in the message holds (a newline
    # in a directory's name split the line); -o json keeps the true text.
    lines = [one_line(line) for line in err.lines()]
    hint = one_line(err.hint) if err.hint else None
    stream = plain_stream(stderr=True)
    if stream is not None and all(text.isprintable() for text in [*lines, hint or ""]):
        # into a pipe or a file, as rich would write it, without loading rich
        stream.write("".join(f"error: {line.rstrip(' ')}\n" for line in lines))
        if hint:
            stream.write(f"hint: {hint.rstrip(' ')}\n")
        stream.flush()
    else:
        _rich_error(lines, hint)
    if debug:
        import traceback

        traceback.print_exception(err, file=sys.stderr)


def _rich_error(lines: list[str], hint: str | None) -> None:
    err_console = console(stderr=True)
    for line in lines:
        err_console.print(f"[bold red]error:[/] {_escape(line)}")
    if hint:
        err_console.print(f"[yellow]hint:[/] {_escape(hint)}")


def _escape(text: str) -> str:
    from agentctl.views.plain import escape  # markup escaping, without importing rich

    return escape(text)


def parse_params(values: list[str] | None, flag: str = "-p") -> dict[str, str]:
    """KEY=VALUE options (``-p`` of run, invoke and dev, ``--tool``, ``--build-arg``) as a
    dict, later items winning; a usage error naming ``flag`` for an item without '=' or key."""
    from agentctl.errors import UsageError

    out: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{flag} {item!r}: expected KEY=VALUE")
        out[key.strip()] = value
    return out


def hook_trust(
    trust: bool, platform: Path | None, search_from: Path, output: OutputFormat
) -> HookTrust:
    """Hooks of untrusted templates: --trust, else a question on a TTY, else a refusal."""
    from agentctl.scaffold.generate import HookTrust

    def confirm(template: str, hooks: list[str]) -> bool:
        return typer.confirm(
            f"Template {template} runs {', '.join(hooks)} on this machine. Run them?",
            default=False,
            err=True,
        )

    interactive = stdin_is_tty() and sys.stderr.isatty() and output is OutputFormat.text
    platform_file = platform_path(platform)
    return HookTrust(
        trust=trust,
        platform_file=str(platform_file) if platform_file else None,
        search_from=search_from.expanduser().absolute(),
        confirm=confirm if interactive else None,
    )


def check_output_file(flag: str, path: Path) -> None:
    """A usage error naming ``flag`` and ``path`` when no report can ever be written there;
    called before the work, so nothing is done (or written) for a bad name."""
    from agentctl.errors import UsageError
    from agentctl.files import OutputPathError, check_output_path

    try:
        check_output_path(path)
    except OutputPathError as exc:
        raise UsageError(f"{flag} {path}: {exc}") from None


def write_output_file(flag: str, path: Path, text: str) -> None:
    """Write a report to a file the user named (a device or pipe written through, a
    symlink followed); a usage error naming ``flag`` and ``path`` when it cannot be."""
    from agentctl.errors import UsageError
    from agentctl.files import OutputPathError, write_output

    try:
        write_output(path, text)
    except OutputPathError as exc:
        raise UsageError(f"{flag} {path}: cannot write ({exc})") from None
