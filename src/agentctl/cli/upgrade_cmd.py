"""agentctl upgrade: merge a newer version of a project's template into the project."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from agentctl.cli import common, options
from agentctl.settings import OutputFormat

app = typer.Typer()


@app.command()
def upgrade(
    path: Annotated[Path, typer.Argument(help="The project (holds .agentctl-template.json).")] = Path("."),
    to: Annotated[str | None, typer.Option("--to", help="Template branch, tag or commit to upgrade to (default: the newest; the installed version for built-ins).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would change; write nothing.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print the changes as a unified diff; write nothing.")] = False,
    mark_resolved: Annotated[bool, typer.Option("--mark-resolved", help="After resolving the conflicts of an upgrade: record the new template version.")] = False,
    trust: options.TrustOpt = False,
    platform: options.PlatformOpt = None,
    output: options.OutputOpt = OutputFormat.text,
) -> None:  # fmt: skip
    """Upgrade a project to a newer version of its template (a three-way merge).

    Exit 0 when the changes applied cleanly (or there were none), 1 when files
    were left with conflict markers or kept against the template's change.
    """
    from agentctl.scaffold import upgrade as core

    common.set_kind("UpgradeResult")
    result = core.upgrade(
        path,
        to=to,
        write=not (dry_run or diff),
        mark_resolved=mark_resolved,
        hooks=common.hook_trust(trust, platform, path, output),
        repository=common.settings().template_repository,
    )
    if output is not OutputFormat.text:
        common.emit("UpgradeResult", result.to_dict(), output, ok=not result.conflicts)
    elif diff:
        sys.stdout.write(result.diff)
    else:
        from agentctl.views.upgrade import render

        render(result, common.console(), dry_run=dry_run, mark_resolved=mark_resolved)
    if result.conflicts:
        raise typer.Exit(1)
