"""agentctl run: start a run of a job or workflow agent and optionally watch it to the end."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from agentctl.cli import cluster, common
from agentctl.settings import OutputFormat

app = typer.Typer()


@app.command()
def run(
    name: Annotated[str, typer.Argument(help="The agent to run (a job or workflow agent).")],
    param: Annotated[
        list[str] | None, typer.Option("-p", "--param", help="A parameter key=value (repeatable).")
    ] = None,
    watch: Annotated[
        bool, typer.Option("--watch", "-w", help="Follow the run node by node until it ends.")
    ] = False,
    timeout: Annotated[
        str | None,
        typer.Option("--timeout", help="With --watch: give up waiting after this long (e.g. 30m)."),
    ] = None,
    platform: cluster.PlatformOpt = None,
    kubeconfig: cluster.KubeconfigOpt = None,
    context: cluster.ContextOpt = None,
    namespace: cluster.NamespaceOpt = None,
    request_timeout: cluster.RequestTimeoutOpt = "30s",
    output: common.OutputOpt = OutputFormat.text,
) -> None:
    """Start a Workflow from the agent's WorkflowTemplate, or a Job from its CronJob/Job template.

    With --watch: exit 0 when the run succeeds, 4 when it fails (naming the failing step).
    """
    from agentctl.deploy import runs
    from agentctl.deploy.locate import find_agent, resolve_namespace
    from agentctl.views.deploy_run import RunWatcher

    common.set_kind("Run")
    params = common.parse_params(param)
    limit = cluster.duration(timeout, "--timeout") if timeout else None
    text = output is OutputFormat.text
    with cluster.connect_client(kubeconfig, context, request_timeout) as client:
        ns = resolve_namespace(client, namespace, name, Path.cwd(), cluster.platform_file(platform))
        client.discover()
        deployed = find_agent(client, name, ns)
        state = runs.start(client, deployed, params)
        err = common.console(stderr=True)
        if text:
            err.print(f"started {state.kind} [bold]{state.name}[/] in {state.namespace}")
        if watch:
            watcher = RunWatcher(
                err if text else common.console(stderr=True), live=text and sys.stderr.isatty()
            )
            try:
                state = runs.watch(
                    client, state, on_update=watcher if text else None, timeout=limit
                )
            finally:
                watcher.close()
    if not text:
        common.emit("Run", state.to_dict(), output)
    elif watch:
        common.console().print(f"{state.kind} {state.name}: {state.phase}")
    else:
        common.console().print(state.name)
