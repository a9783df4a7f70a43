"""Root command, lazy command registry and the one error handler.

Commands are registered by module path and imported only when invoked, so
``agentctl --help`` never loads kubernetes, hera, cookiecutter, genai-prices
or pydantic. Listing commands in ``--help`` uses the one-line help kept in
``COMMANDS`` instead of importing the modules.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from agentctl import __version__
from agentctl.errors import EXIT_INTERRUPTED, EXIT_USAGE, AgentctlError
from agentctl.settings import Settings

# name -> (module exposing ``app: typer.Typer``, one-line help, help panel)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "schema": (
        "agentctl.cli.schema_cmd",
        "Print the JSON Schema of agent.yaml or platform.yaml (for editors and CI).",
        "Author",
    ),
    "validate": (
        "agentctl.cli.validate_cmd",
        "Check agent specs against the contract; exit 2 on invalid input.",
        "Author",
    ),
}


class LazyGroup(TyperGroup):
    """A group whose subcommands are imported on first use."""

    _listing: bool = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(n for n in COMMANDS if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, short, panel = entry
        if self._listing:
            return TyperCommand(name=cmd_name, help=short, short_help=short, rich_help_panel=panel)
        module = importlib.import_module(module_name)
        command = typer.main.get_command(module.app)
        command.name = cmd_name
        if getattr(command, "rich_help_panel", None) is None:
            command.rich_help_panel = panel  # type: ignore[attr-defined]
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    cls=LazyGroup,
    name="agentctl",
    help=(
        "The golden path for AI agents on Kubernetes: scaffold, validate, build, "
        "deploy, trace, cost and evaluate from one agent.yaml."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"agentctl {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            callback=_version_callback,
            is_eager=True,
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show tracebacks and debug detail (env: AGENTCTL_DEBUG)."),
    ] = False,
) -> None:
    ctx.obj = Settings.resolve(debug=debug or None, stdout_isatty=sys.stdout.isatty())


def _debug_requested(argv: list[str]) -> bool:
    return "--debug" in argv or os.environ.get("AGENTCTL_DEBUG", "").lower() in {"1", "true", "yes"}


def _report(err: AgentctlError, debug: bool) -> None:
    from agentctl.cli import common

    common.report_error(err, debug=debug)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; never raises for user errors."""
    from agentctl.cli._click import exceptions as click_exc

    args = list(sys.argv[1:] if argv is None else argv)
    debug = _debug_requested(args)
    try:
        rv = app(args=args, prog_name="agentctl", standalone_mode=False)
    except AgentctlError as err:
        _report(err, debug)
        return err.exit_code
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        return EXIT_INTERRUPTED
    except click_exc.ClickException as exc:
        exc.show()
        return exc.exit_code if exc.exit_code else EXIT_USAGE
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Output piped into `head` and the reader went away: not an error.
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    return rv if isinstance(rv, int) else 0


def main() -> None:
    sys.exit(run())
