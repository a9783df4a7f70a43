"""agentctl validate: load and check agent specs (the policy gate builds on this)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agentctl.cli import common
from agentctl.settings import OutputFormat

app = typer.Typer()


def collect_targets(paths: list[Path] | None, files: list[Path] | None) -> list[Path]:
    targets = [*(paths or []), *(files or [])]
    return targets or [Path.cwd()]


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Agent project directories or agent.yaml files (default: the current directory)."
        ),
    ] = None,
    filename: Annotated[
        list[Path] | None, typer.Option("-f", "--filename", help="An agent.yaml file (repeatable).")
    ] = None,
    env: Annotated[
        str | None, typer.Option("--env", help="Apply the spec's environment overlay NAME.")
    ] = None,
    output: common.OutputOpt = OutputFormat.text,
) -> None:
    """Check agent specs; exit 0 when valid, 2 with file:line:col errors when not."""
    from agentctl.errors import SpecError
    from agentctl.spec.loader import load_agent, load_platform

    common.set_kind("ValidationReport")
    loaded = []
    problems = []
    try:
        load_platform(common.settings().platform_file)
    except SpecError as err:
        problems.extend(err.problems)
    for target in collect_targets(paths, filename):
        try:
            loaded.append(load_agent(target, env=env))
        except SpecError as err:
            problems.extend(err.problems)
    if problems:
        raise SpecError(problems)
    data = {
        "agents": [
            {
                "name": a.name,
                "type": a.agent.spec.type.value,
                "file": a.file,
                "env": a.env,
                "valid": True,
            }
            for a in loaded
        ],
        "problems": [],
    }
    if output is not OutputFormat.text:
        common.emit("ValidationReport", data, output)
        return
    out = common.console()
    for a in loaded:
        suffix = f" (env {a.env})" if a.env else ""
        out.print(f"[green]ok[/]  {a.file}: {a.name} ({a.agent.spec.type.value}){suffix} is valid")
