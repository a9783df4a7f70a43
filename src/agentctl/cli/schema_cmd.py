"""agentctl schema: the JSON Schema of agent.yaml and platform.yaml."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer

app = typer.Typer()


Which = StrEnum("Which", "agent platform")


@app.command()
def schema(
    which: Annotated[Which, typer.Argument(help="Which file's schema: agent or platform.")] = Which.agent,
) -> None:  # fmt: skip
    """Print the JSON Schema (Draft 2020-12) of agent.yaml or platform.yaml.

    Save it and point your editor at it for completion and inline errors:
    agentctl schema agent > agent.schema.json, then start agent.yaml with
    # yaml-language-server: $schema=agent.schema.json
    (see "Check agent.yaml in your editor" in the how-to guides).
    """
    from agentctl.spec.jsonschema import schema_for

    sys.stdout.write(json.dumps(schema_for(which.value), indent=2, sort_keys=True) + "\n")
