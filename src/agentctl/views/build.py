"""Rich rendering of ``agentctl build`` results: objects per agent and the cost estimate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from rich.console import Console

    from agentctl.render.bundle import Bundle


def print_build(
    console: Console, bundles: list[Bundle], estimates: dict[str, Any], dirs: dict[str, str]
) -> None:
    from agentctl.render.output import file_name

    for bundle in bundles:
        env = f", env {bundle.loaded.env}" if bundle.loaded.env else ""
        title = (
            f"[bold]{escape(bundle.name)}[/] ({bundle.loaded.agent.spec.type.value}{env}) "
            f"-> namespace {escape(bundle.namespace)}, Kubernetes {bundle.kube_version}"
        )
        table = Table(title=title, title_justify="left", show_lines=False, pad_edge=False)
        table.add_column("file", no_wrap=True, style="dim")
        table.add_column("kind", no_wrap=True)
        table.add_column("name", overflow="fold")
        for obj in bundle.objects:
            table.add_row(file_name(obj.group), obj.kind, escape(obj.name))
        console.print(table)
        where = dirs.get(bundle.name)
        if where:
            console.print(
                f"  wrote {len(bundle.objects)} objects to [bold]{escape(where)}[/] (kubectl apply -k {escape(where)})"
            )
        estimate = estimates.get(bundle.name)
        if estimate is not None:
            console.print(f"  estimate: {escape(estimate.summary())}")
        console.print()
