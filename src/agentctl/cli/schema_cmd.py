"""agentctl schema: the JSON Schema of agent.yaml and platform.yaml."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer

app = typer.Typer()


class Which(StrEnum):
    agent = "agent"
    platform = "platform"


@app.command()
def schema(
    which: Annotated[
        Which, typer.Argument(help="Which file's schema: agent or platform.")
    ] = Which.agent,
) -> None:
    """Print the JSON Schema (Draft 2020-12) of agent.yaml or platform.yaml.

    Point your editor at it (yaml-language-server) for completion and
    inline errors; see docs/how-to/editor-schema.md.
    """
    from agentctl.spec.jsonschema import schema_for

    sys.stdout.write(json.dumps(schema_for(which.value), indent=2, sort_keys=True) + "\n")
