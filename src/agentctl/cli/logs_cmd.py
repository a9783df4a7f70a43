"""agentctl logs: logs of all of an agent's pods, prefixed by pod and container."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from agentctl.cli import cluster, common

app = typer.Typer()


@cluster.command(app)
def logs(
    name: Annotated[str, typer.Argument(help="The agent.")],
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Stream new lines (and new pods) until every pod has finished.")] = False,
    since: Annotated[str | None, typer.Option("--since", help="Only lines newer than this (e.g. 10m, 1h).")] = None,
    tail: Annotated[int | None, typer.Option("--tail", help="Only the last N lines of each container.")] = None,
    container: Annotated[str | None, typer.Option("-c", "--container", help="Only this container.")] = None,
    run: Annotated[str | None, typer.Option("--run", help="Only the pods of this run (a Workflow or Job name, or @latest), prefixed by step.")] = None,
    target: cluster.Target = cluster.TARGET,
) -> None:  # fmt: skip
    """Print the logs of every pod of an agent, each line prefixed with [pod/container]."""
    import threading

    from agentctl.deploy import logs as klogs
    from agentctl.deploy.locate import find_agent

    since_seconds = int(cluster.duration(since, "--since")) if since else None
    out = sys.stdout
    lock = threading.Lock()
    color = common.settings().color and out.isatty()

    def emit(prefix: str, line: str) -> None:
        tag = f"\x1b[36m[{prefix}]\x1b[0m" if color else f"[{prefix}]"
        with lock:
            out.write(f"{tag} {line}\n")
            out.flush()

    with target.connect() as client:
        ns = target.namespace_of(client, name)
        deployed = find_agent(client, name, ns)
        selector = None
        if run is not None:
            from agentctl.deploy.run_admin import run_selector

            client.discover()
            _, selector = run_selector(client, deployed, run)
        which: dict[str, Any] = {
            "since_seconds": since_seconds,
            "tail": tail,
            "container": container,
            "run": selector,
        }
        if not follow:
            n = klogs.read(client, deployed.namespace, name, emit, **which)
            if n == 0:
                common.console(stderr=True).print(f"{name} has no pods in {deployed.namespace}")
            return
        stop = threading.Event()
        try:
            klogs.follow(client, deployed.namespace, name, emit, stop=stop, **which)
        except KeyboardInterrupt:
            stop.set()
