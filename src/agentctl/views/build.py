"""Rich rendering of ``agentctl build`` results: objects per agent and the cost estimate.

A few agents get a table of objects each; a monorepo build (more than
``DETAIL_LIMIT`` agents) gets one line per agent, which stays readable and
fast for a thousand agents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table

from agentctl.views.plain import escape
from agentctl.views.words import counted

if TYPE_CHECKING:
    from rich.console import Console

    from agentctl.render.bundle import Bundle

DETAIL_LIMIT = 5


def print_build(
    console: Console, bundles: list[Bundle], estimates: dict[str, Any], dirs: dict[str, str]
) -> None:
    if len(bundles) > DETAIL_LIMIT:
        _summary(console, bundles, estimates, dirs)
        return
    from agentctl.render.output import file_name

    for bundle in bundles:
        env = f", env {bundle.loaded.env}" if bundle.loaded.env else ""
        title = (
            f"[bold]{escape(bundle.name)}[/] ({bundle.loaded.agent.spec.type.value}{env}) "
            f"-> namespace {escape(bundle.namespace)}, Kubernetes {bundle.kube_version}"
        )
        table = Table(title=title, title_justify="left", show_lines=False)
        table.add_column("file", no_wrap=True, style="dim")
        table.add_column("kind", no_wrap=True)
        table.add_column("name", overflow="fold")
        for obj in bundle.objects:
            table.add_row(file_name(obj.group), obj.kind, escape(obj.name))
        console.print(table)
        where = dirs.get(bundle.name)
        if where:
            console.print(
                f"  wrote {counted(len(bundle.objects), 'object')} to [bold]{escape(where)}[/] (kubectl apply -k {escape(where)})"
            )
        estimate = estimates.get(bundle.name)
        if estimate is not None:
            console.print(f"  estimate: {escape(estimate.summary())}")
        console.print()


def _summary(
    console: Console, bundles: list[Bundle], estimates: dict[str, Any], dirs: dict[str, str]
) -> None:
    width = max(len(b.name) for b in bundles)
    lines = []
    for b in bundles:
        where = dirs.get(b.name, "-")
        line = f"{b.name:<{width}}  {b.loaded.agent.spec.type.value:<8}  {b.namespace}  {len(b.objects):>3} objects  {where}"
        estimate = estimates.get(b.name)
        if estimate is not None:
            line += f"  {estimate.summary()}"
        lines.append(line)
    total = sum(len(b.objects) for b in bundles)
    kube = bundles[0].kube_version
    lines.append(
        f"{counted(len(bundles), 'agent')}, {counted(total, 'object')}, valid for Kubernetes {kube}"
    )
    # console.out: no markup, highlighting or wrapping to compute over a thousand lines
    console.out("\n".join(lines), highlight=False)
