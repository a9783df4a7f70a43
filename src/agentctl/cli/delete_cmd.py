"""agentctl delete: remove everything agentctl deployed for an agent (memory kept unless --delete-data)."""

from __future__ import annotations

from typing import Annotated

import typer

from agentctl.cli import cluster, common, options
from agentctl.errors import EXIT_FINDINGS
from agentctl.settings import OutputFormat
from agentctl.views.words import counted

app = typer.Typer()


@cluster.command(app)
def delete(
    name: Annotated[str, typer.Argument(help="The agent to remove.")],
    delete_data: Annotated[bool, typer.Option("--delete-data", help="Also delete the agent's memory (PersistentVolumeClaims).")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (required when not on a terminal).")] = False,
    ignore_not_found: Annotated[bool, typer.Option("--ignore-not-found", help="Exit 0 when the agent is not deployed.")] = False,
    target: cluster.Target = cluster.TARGET,
    output: options.OutputOpt = OutputFormat.text,
) -> None:  # fmt: skip
    """Delete an agent's objects and runs; the shared namespace stays, and so does memory unless --delete-data."""
    from agentctl.deploy import delete as kdelete
    from agentctl.deploy.errors import NotDeployed
    from agentctl.errors import UsageError
    from agentctl.views.deploy_delete import preview

    common.set_kind("DeleteResult")
    text = output is OutputFormat.text
    err = common.console(stderr=True)
    with target.connect() as client:
        try:
            deployed = target.find_agent(client, name)
        except NotDeployed as exc:
            if not ignore_not_found:
                raise
            if text:
                err.print(f"{exc.message}: nothing to delete")
            else:
                common.emit(
                    "DeleteResult",
                    {"agent": name, "deleted": [], "kept": [], "found": False},
                    output,
                )
            return
        plan = kdelete.plan(client, deployed, delete_data=delete_data)
        if text:
            err.print(preview(plan))
        if not yes:
            if not common.stdin_is_tty():
                raise UsageError(
                    "refusing to delete without confirmation when not on a terminal",
                    hint="pass --yes",
                )
            if not typer.confirm(
                f"Delete {counted(len(plan.delete), 'object')} of {name} from {plan.namespace}?",
                default=False,
                err=True,
            ):
                raise typer.Exit(EXIT_FINDINGS)
        gone = kdelete.execute(client, plan)
    if not text:
        common.emit(
            "DeleteResult",
            {**plan.to_dict(), "deleted": [r.to_dict() for r in gone], "found": True},
            output,
        )
        return
    kept = (
        f"; kept {len(plan.keep)} memory claim{'s' if len(plan.keep) != 1 else ''}"
        if plan.keep
        else ""
    )
    common.console().print(
        f"deleted {counted(len(gone), 'object')} of {name} from {plan.namespace}{kept}"
    )
