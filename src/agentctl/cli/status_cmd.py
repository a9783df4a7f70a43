"""agentctl status: deployed agents with type, version, ready/desired, last run and age."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agentctl.cli import cluster, common
from agentctl.settings import OutputFormat

app = typer.Typer()


@app.command()
def status(
    name: Annotated[
        str | None, typer.Argument(help="An agent (default: every agent in the namespace).")
    ] = None,
    all_namespaces: Annotated[
        bool, typer.Option("-A", "--all-namespaces", help="Agents in every namespace.")
    ] = False,
    platform: cluster.PlatformOpt = None,
    kubeconfig: cluster.KubeconfigOpt = None,
    context: cluster.ContextOpt = None,
    namespace: cluster.NamespaceOpt = None,
    request_timeout: cluster.RequestTimeoutOpt = "30s",
    output: common.OutputOpt = OutputFormat.text,
) -> None:
    """Show agents agentctl deployed: type, version, ready/desired replicas, last run and result, age."""
    from agentctl.deploy.locate import resolve_namespace
    from agentctl.deploy.status import status as run_status
    from agentctl.errors import UsageError
    from agentctl.views.deploy_status import status_table

    common.set_kind("AgentStatusList")
    if all_namespaces and namespace:
        raise UsageError("-A and -n exclude each other")
    with cluster.connect_client(kubeconfig, context, request_timeout) as client:
        ns = (
            None
            if all_namespaces
            else resolve_namespace(
                client, namespace, name, Path.cwd(), cluster.platform_file(platform)
            )
        )
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
