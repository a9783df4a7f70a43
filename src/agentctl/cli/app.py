"""Root command, lazy command registry and the one error handler.

Commands are registered by module path and imported only when invoked, so
``agentctl --help`` never loads kubernetes, hera, cookiecutter, genai-prices
or pydantic. Listing commands in ``--help`` uses the one-line help kept in
``COMMANDS`` instead of importing the modules.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import importlib
import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from agentctl import __version__
from agentctl.cli import _coerce
from agentctl.cli._click import Context, HelpFormatter
from agentctl.cli.output import OutputState, output_scope
from agentctl.errors import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    AgentctlError,
    UsageError,
    echoed,
)
from agentctl.settings import Settings, debug_requested

# name -> (module exposing ``app: typer.Typer``, one-line help, help panel).
# One line per command; panels: "Author", "Ship", "Observe", "Other". After adding a
# command, run `python docs/gen_reference.py` (tests/cli/test_docs.py checks).
# fmt: off
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("agentctl.cli.init_cmd", "Create an agent project from a golden-path template (built-in, directory or git URL).", "Author"),
    "upgrade": ("agentctl.cli.upgrade_cmd", "Merge a newer version of a project's template into the project (three-way).", "Author"),
    "templates": ("agentctl.cli.templates_cmd", "List the built-in golden-path templates with one-line descriptions.", "Author"),
    "schema": ("agentctl.cli.schema_cmd", "Print the JSON Schema of agent.yaml or platform.yaml (for editors and CI).", "Author"),
    "validate": ("agentctl.cli.validate_cmd", "The policy gate: check agents and plain manifests; SARIF, JUnit, GitHub reports.", "Author"),
    "build": ("agentctl.cli.build_cmd", "Render agents into hardened Kubernetes manifests and Argo workflows (dist/<agent>/).", "Ship"),
    "image": ("agentctl.cli.image_cmd", "Build and push an agent's container image; record the pushed digest in image.lock.json.", "Ship"),
    "deploy": ("agentctl.cli.deploy_cmd", "Server-side apply an agent in dependency order; prune what it no longer renders; wait.", "Ship"),
    "diff": ("agentctl.cli.diff_cmd", "Show what deploy would change (server dry run vs live); exit 1 when something would.", "Ship"),
    "status": ("agentctl.cli.status_cmd", "Deployed agents: type, version, ready replicas, last run and result, age.", "Ship"),
    "invoke": ("agentctl.cli.invoke_cmd", "Send a task to a deployed agent (service proxy) and print the answer and trace id.", "Ship"),
    "run": ("agentctl.cli.run_cmd", "Start a run of a job or workflow agent; --watch follows it node by node.", "Ship"),
    "runs": ("agentctl.cli.runs_cmd", "Recent runs of a job or workflow agent (phase, duration, cost); stop or resubmit one.", "Ship"),
    "logs": ("agentctl.cli.logs_cmd", "Logs of all of an agent's pods, prefixed by pod; --follow streams them.", "Ship"),
    "delete": ("agentctl.cli.delete_cmd", "Remove what agentctl deployed for an agent (memory kept unless --delete-data).", "Ship"),
    "checks": ("agentctl.cli.checks_cmd", "List the policy checks validate runs, or explain one (rationale, fix, example).", "Author"),
    "trace": ("agentctl.cli.trace_cmd", "Show agent traces: recent runs, one run as a tree and waterfall, or a live tail.", "Observe"),
    "eval": ("agentctl.cli.eval_cmd", "Quality from traces: task success, tool use, guardrails, hallucination; agent.yaml gates.", "Observe"),
    "cost": ("agentctl.cli.cost_cmd", "LLM and compute spend by agent, model, team, run and day; budget checks; estimates.", "Observe"),
    "collector": ("agentctl.cli.collector_cmd", "Receive OTLP traces on loopback and store them locally (foreground).", "Observe"),
    "dev": ("agentctl.cli.dev_cmd", "Run an agent and its tools locally with the cluster's environment; traces to the local store.", "Author"),
    "completion": ("agentctl.cli.completion_cmd", "Print the shell completion script (bash, zsh, fish, powershell).", "Other"),
    "quickstart": ("agentctl.cli.quickstart_cmd", "See the whole golden path in one offline run: scaffold, validate, build, run, trace, cost.", "Author"),
}
# fmt: on


PANELS = ("Author", "Ship", "Observe", "Other")


class _HelpFormatter(HelpFormatter):
    """click's formatter, with section headings in bold where colour is on."""

    def write_heading(self, heading: str) -> None:
        super().write_heading(_heading(heading))


class _HelpContext(Context):
    formatter_class = _HelpFormatter


class LazyGroup(TyperGroup):
    """The root group: subcommands are imported on first use.

    Its help is formatted plainly from ``COMMANDS`` (grouped by panel), so
    ``agentctl --help`` imports neither the command modules nor rich. Each
    command's own ``--help`` is formatted the same way (click's layout, bold
    headings on a terminal), not with typer's rich panels: one style, and
    ``agentctl COMMAND --help`` does not import rich either.
    """

    context_class = _HelpContext

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(n for n in COMMANDS if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, _short, panel = entry
        module = importlib.import_module(module_name)
        module.app._add_completion = False  # a subcommand, not a program of its own
        command = prepare(typer.main.get_command(evaluated(module.app)))
        command.name = cmd_name
        if getattr(command, "rich_help_panel", None) is None:
            command.rich_help_panel = panel
        self.commands[cmd_name] = command
        return command

    def parse_args(self, ctx: Any, args: list[str]) -> Any:
        _coerce.install(self)  # the root's own options: no pydantic for them either
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        from agentctl.cli._click import exceptions as click_exc

        try:
            return self._click_resolve_command(ctx, args)
        except click_exc.UsageError as exc:
            import difflib

            matches = difflib.get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches:
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {matches[0]!r}?"
            raise

    def short_help_of(self, name: str) -> tuple[str, str]:
        """(one-line help, panel) of a command, without importing it."""
        if name in COMMANDS:
            _module, short, panel = COMMANDS[name]
            return short, panel
        command = self.commands[name]
        return command.get_short_help_str(limit=120), getattr(
            command, "rich_help_panel", None
        ) or "Commands"

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.format_usage(ctx, formatter)
        self.format_help_text(ctx, formatter)
        self.format_options(ctx, formatter)
        self.format_epilog(ctx, formatter)

    def format_options(self, ctx: Any, formatter: Any) -> None:
        rows = [rv for p in self.get_params(ctx) if (rv := p.get_help_record(ctx)) is not None]
        if rows:
            with formatter.section("Options"):
                formatter.write_dl(rows)
        by_panel: dict[str, list[tuple[str, str]]] = {}
        for name in self.list_commands(ctx):
            short, panel = self.short_help_of(name)
            by_panel.setdefault(panel, []).append((name, short))
        order = [*PANELS, *sorted(p for p in by_panel if p not in PANELS)]
        width = max((len(name) for rows in by_panel.values() for name, _ in rows), default=0)
        for panel in order:
            if panel in by_panel:
                with formatter.section(panel):
                    formatter.write_dl(
                        [(name.ljust(width), short) for name, short in by_panel[panel]]
                    )

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        formatter.write_paragraph()
        formatter.write_text("Run 'agentctl COMMAND --help' for a command's options.")


def evaluated(typer_app: Any) -> Any:
    """Evaluate the commands' annotations once, before typer reads them.

    The command modules use ``from __future__ import annotations``, so every
    ``Annotated[..., typer.Option(...)]`` is a string; typer evaluates each of
    them four times per command (two signatures, two ``get_type_hints``),
    which costs more than a trivial command's work. With ``__signature__``
    and ``__annotations__`` already evaluated, it reads them as they are.
    """
    import inspect

    infos = [*typer_app.registered_commands, typer_app.registered_callback]
    for info in infos:
        func = getattr(info, "callback", None)
        if func is None or "__signature__" in getattr(func, "__dict__", {}):
            continue
        sig = inspect.signature(func, eval_str=True)
        func.__signature__ = sig
        func.__annotations__ = {
            name: p.annotation for name, p in sig.parameters.items() if p.annotation is not p.empty
        }
    for group in typer_app.registered_groups:
        evaluated(group.typer_instance)
    return typer_app


def prepare(command: Any) -> Any:
    """A command as agentctl shows and runs it: kubectl-style placeholders, help
    in the root's style, parameters coerced without pydantic."""
    _plain_metavars(command)
    _plain_help(command)
    _coerce.install(command)
    return command


def _plain_help(command: Any) -> None:
    """Help in the root's style: click's layout instead of typer's rich panels."""
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None
    command.context_class = _HelpContext
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)


def _plain_metavars(command: Any) -> None:
    """Placeholders as kubectl and helm show them: ``--since SINCE``,
    ``-o text|json|yaml``, nothing after a flag; never typer's ``<str>``/``<bool>``."""
    for param in getattr(command, "params", []):
        if getattr(param, "hidden", False):
            continue
        if getattr(param, "param_type_name", "") == "argument":
            param.metavar = param.metavar or (param.name or "arg").upper()
            param.display_type_rich = lambda ctx: None  # the name says it; no <str> after it
            param._usage_display_name = functools.partial(_usage_name, param)  # NAME, not {NAME}
        elif param.metavar is not None:
            continue
        elif getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
        elif choices := _choices(param):
            param.metavar = "|".join(str(getattr(c, "value", c)) for c in choices)
        else:
            param.metavar = (param.name or "value").upper()
    help_option = command.get_help_option

    def plain_help_option(ctx: Any) -> Any:
        option = help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = plain_help_option
    for sub in getattr(command, "commands", {}).values():
        _plain_metavars(sub)


def _usage_name(param: Any) -> str:
    """An argument in the usage line as kubectl shows it: NAME required, [NAME] optional."""
    name = param.metavar if param.required else f"[{param.metavar}]"
    return name + ("..." if param.nargs != 1 else "")


def _choices(param: Any) -> Any:
    desc = getattr(param, "type_descriptor", None)  # typer >= 0.2x keeps the type here
    if desc is not None:
        return desc.choices if desc.is_choice else None
    return getattr(getattr(param, "type", None), "choices", None)


def _heading(text: str) -> str:
    if not Settings.resolve(stdout_isatty=sys.stdout.isatty()).color:
        return text
    return f"\x1b[1m{text}\x1b[0m"


app = typer.Typer(
    cls=LazyGroup,
    name="agentctl",
    help=(
        "The golden path for AI agents on Kubernetes: scaffold, validate, build, "
        "deploy, trace, cost and evaluate from one agent.yaml."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"agentctl {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", callback=_version_callback, is_eager=True)] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug detail (env: AGENTCTL_DEBUG).")] = False,
) -> None:  # fmt: skip
    ctx.obj = Settings.resolve(debug=debug or None, stdout_isatty=sys.stdout.isatty())


def _debug_requested(argv: list[str]) -> bool:
    return "--debug" in argv or debug_requested()


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; never raises for user errors."""
    # A bare `agentctl` prints the help and exits 0.
    args = list(sys.argv[1:] if argv is None else argv) or ["--help"]
    undecodable = _not_utf8(args)
    if undecodable:
        typer.echo(f"error: {undecodable}", err=True)
        return EXIT_USAGE
    debug = _debug_requested(args)
    with output_scope() as output:
        return _run(args, output, debug)


def _not_utf8(args: list[str]) -> str | None:
    """Why a command-line value with bytes that are not UTF-8 (passed through as surrogates)
    is refused, naming its option, or None: no file, label or query can hold such a value,
    and printing it fails. Checked before parsing, so every option and argument is covered."""
    for i, arg in enumerate(args):
        if arg.isascii():
            continue
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            option, eq, value = arg.partition("=")
            if not (arg.startswith("--") and eq):
                value = arg
                option = args[i - 1] if i and args[i - 1].startswith("-") else ""
            shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            what = f"value for '{option}'" if option else "argument"
            return f"invalid {what}: {shown} is not valid UTF-8"
    return None


def _run(args: list[str], output: OutputState, debug: bool) -> int:
    from agentctl.cli._click import exceptions as click_exc

    try:
        rv = app(args=args, prog_name="agentctl", standalone_mode=False)
        sys.stdout.flush()  # a full disk shows here, not as a message at interpreter exit
    except AgentctlError as err:
        from agentctl.cli import common

        common.report_error(err, output, debug=debug)
        return err.exit_code
    except typer.Exit as exc:
        return int(exc.exit_code or EXIT_OK)
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        return EXIT_INTERRUPTED
    except click_exc.ClickException as exc:
        exc.show()
        return exc.exit_code if exc.exit_code else EXIT_USAGE
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except FileNotFoundError:
        from agentctl.cli import common, inputs

        if not inputs.working_directory_gone():
            raise
        gone = UsageError("the current directory no longer exists")
        common.report_error(gone, output, debug=debug)
        return gone.exit_code
    except BrokenPipeError:
        # Output piped into `head` and the reader went away: not an error.
        _drop_stdout()
        return EXIT_OK
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG and exc.filename is not None:
            # A path given with a name longer than the file system allows: Path.exists(),
            # is_file() and is_dir() raise for it (they answer False only for a missing file).
            from agentctl.cli import common

            name = os.fsdecode(exc.filename)
            too_long = UsageError(f"{echoed(name, 80)}: file name too long")
            common.report_error(too_long, output, debug=debug)
            return too_long.exit_code
        if not _stdout_failed(exc):
            raise
        # Standard output on a full disk or /dev/full: one line, like any unwritable output.
        _drop_stdout()
        typer.echo(f"error: cannot write to standard output: {exc.strerror}", err=True)
        return EXIT_USAGE
    if rv == EXIT_INTERRUPTED:  # typer turns Ctrl-C inside a command into exit code 130
        typer.echo("Interrupted.", err=True)
    return rv if type(rv) is int else EXIT_OK  # a command may return any value; only ints are codes


# What a write to a stream (no file name) fails with when the output itself cannot take it.
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def _stdout_failed(exc: OSError) -> bool:
    """Whether ``exc`` is a failed write to standard output rather than to a file
    (errors on named files carry the name; the stream's own writes do not)."""
    return exc.filename is None and exc.errno in _WRITE_ERRNOS


def _drop_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush stays quiet."""
    with contextlib.suppress(Exception):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115


def main() -> None:
    sys.exit(run())
