"""agentctl completion: the shell completion script, as kubectl and helm print it."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

app = typer.Typer()

PROG = "agentctl"
COMPLETE_VAR = "_AGENTCTL_COMPLETE"


Shell = StrEnum("Shell", "bash zsh fish powershell")


@app.command()
def completion(
    shell: Annotated[Shell, typer.Argument(help="The shell to complete in.")],
) -> None:
    """Print the completion script for SHELL.

    Load it for this session with `source <(agentctl completion bash)` (zsh the
    same; fish: `agentctl completion fish | source`), or add that line to your
    shell's start-up file. `agentctl --install-completion` installs it for the
    current shell.
    """
    from typer._completion_shared import get_completion_script

    script = get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell.value)
    typer.echo(script.rstrip("\n"))
