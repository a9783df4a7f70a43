"""agentctl status: deployed agents with type, version, ready/desired, last run and age."""

from __future__ import annotations

from typing import Annotated

import typer

from agentctl.cli import cluster, common, options
from agentctl.settings import OutputFormat

app = typer.Typer()


@cluster.command(app)
def status(
    name: Annotated[str | None, typer.Argument(help="An agent (default: every agent in the namespace).")] = None,
    all_namespaces: Annotated[bool, typer.Option("-A", "--all-namespaces", help="Agents in every namespace.")] = False,
    target: cluster.Target = cluster.TARGET,
    output: options.OutputOpt = OutputFormat.text,
) -> None:  # fmt: skip
    """Show agents agentctl deployed: type, version, ready/desired replicas, last run and result, age."""
    from agentctl.deploy.status import status as run_status
    from agentctl.errors import UsageError
    from agentctl.views.deploy_status import status_table

    common.set_kind("AgentStatusList")
    if all_namespaces and target.namespace:
        raise UsageError("-A and -n exclude each other")
    with target.connect() as client:
        ns = None if all_namespaces else target.namespace_of(client, name)
        rows = run_status(client, ns, name)
    if output is not OutputFormat.text:
        common.emit(
            "AgentStatusList", {"namespace": ns, "agents": [r.to_dict() for r in rows]}, output
        )
        return
    if not rows:
        where = f"namespace {ns}" if ns else "any namespace"
        common.console(stderr=True).print(f"no agents deployed by agentctl in {where}")
        return
    common.console().print(
        status_table(rows, show_namespace=ns is None or len({r.namespace for r in rows}) > 1)
    )
