"""``agentctl delete`` preview: what goes, what stays."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from agentctl.views.plain import escape

if TYPE_CHECKING:
    from agentctl.deploy.delete import DeletePlan


def preview(plan: DeletePlan) -> Table:
    table = Table(
        title=f"delete {escape(plan.agent)} from {escape(plan.namespace)}",
        title_justify="left",
    )
    table.add_column("object", overflow="fold")
    table.add_column("", no_wrap=True)
    for ref in plan.delete:
        table.add_row(escape(ref.display), "[red]delete[/]")
    for ref in plan.keep:
        table.add_row(
            escape(ref.display), "[green]keep[/] [dim](memory; --delete-data removes it)[/]"
        )
    return table
