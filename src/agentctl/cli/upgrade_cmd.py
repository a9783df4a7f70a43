"""agentctl upgrade: merge a newer version of a project's template into the project."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agentctl.cli import common, options
from agentctl.settings import OutputFormat

if TYPE_CHECKING:
    from agentctl.scaffold.upgrade import UpgradeResult

app = typer.Typer()

_VERBS = {
    "added": "[green]added[/]",
    "updated": "[green]updated[/]",
    "merged": "[green]merged[/]",
    "removed": "[yellow]removed[/]",
    "conflict": "[red]conflict[/]",
    "kept-deleted": "[dim]kept deleted[/]",
    "kept-modified": "[red]kept[/]",
}


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
        _print(result, dry_run, mark_resolved)
    if result.conflicts:
        raise typer.Exit(1)


def _print(result: UpgradeResult, dry_run: bool, mark_resolved: bool) -> None:
    out = common.console()
    if mark_resolved:
        out.print(
            f"Recorded template version {result.to_version} in {result.project}/.agentctl-template.json",
            markup=False,
        )
        return
    if result.up_to_date:
        out.print(f"Up to date with template {result.template} ({result.to_version})", markup=False)
        return
    head = "Would upgrade" if dry_run else "Upgraded"
    out.print(
        f"{head} {result.project} from {result.from_version} to {result.to_version}", markup=False
    )
    for change in result.changes:
        detail = f"  ({change.detail})" if change.detail else ""
        out.print(f"  {_VERBS.get(change.action, change.action):<14} {change.path}{detail}")
    if result.conflicts:
        what = "would conflict" if dry_run else "need your attention"
        out.print(
            f"\n{len(result.conflicts)} file(s) {what}: {', '.join(result.conflicts)}", markup=False
        )
        if not dry_run:
            out.print(
                "Resolve the marked conflicts, then run `agentctl upgrade --mark-resolved` to record the new version.",
                markup=False,
            )
