"""A command that raises what it is told to: exercises the one error handler in cli.app.run()."""

from __future__ import annotations

from typing import Annotated

import typer

from agentctl import errors
from agentctl.cli import common, options
from agentctl.settings import OutputFormat

app = typer.Typer()

ERRORS = {
    "usage": lambda: errors.UsageError("no such thing", hint="try another thing"),
    "config": lambda: errors.ConfigError("settings file is unusable"),
    "spec": lambda: errors.SpecError(
        [
            errors.Problem("b.yaml", 3, 1, "spec.port", "not a port"),
            errors.Problem("a.yaml", 9, 5, "", "not YAML"),
            errors.Problem("a.yaml", 2, 7, "metadata.name", "not a name"),
        ]
    ),
    "render": lambda: errors.RenderError("name clash"),
    "cluster": lambda: errors.ClusterError("cluster unreachable", hint="check KUBECONFIG"),
    "wait": lambda: errors.WaitError("rollout timed out"),
    "gate": lambda: errors.GateFailed("budget exceeded"),
    "telemetry": lambda: errors.TelemetryError("trace store unreadable"),
    "interrupt": KeyboardInterrupt,
    "abort": typer.Abort,
    "exit3": lambda: typer.Exit(3),
    "bug": lambda: RuntimeError("a bug"),
}


@app.command()
def boom(
    what: Annotated[str, typer.Argument(help="Which error to raise.")],
    output: options.OutputOpt = OutputFormat.text,
) -> None:
    """Raise an error (test helper)."""
    common.set_kind("Boom")
    if what == "ok":
        if output is OutputFormat.text:
            common.console().print("[bold]fine[/]")
        else:
            common.emit("Boom", {"fine": True}, output)
        return
    raise ERRORS[what]()
