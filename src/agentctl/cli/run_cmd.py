"""agentctl run: start a run of a job or workflow agent and optionally watch it to the end."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from agentctl.cli import cluster, common, options
from agentctl.settings import OutputFormat

app = typer.Typer()


@cluster.command(app)
def run(
    name: Annotated[str, typer.Argument(help="The agent to run (a job or workflow agent).")],
    param: options.ParamOpt = None,
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Follow the run node by node until it ends.")] = False,
    log: Annotated[bool, typer.Option("--log", help="With --watch: print the run's logs as they come, prefixed by step.")] = False,
    timeout: Annotated[str | None, typer.Option("--timeout", help="With --watch: give up waiting after this long (e.g. 30m).")] = None,
    target: cluster.Target = cluster.TARGET,
    output: options.OutputOpt = OutputFormat.text,
) -> None:  # fmt: skip
    """Start a Workflow from the agent's WorkflowTemplate, or a Job from its CronJob/Job template.

    With --watch: exit 0 when the run succeeds, 4 when it fails (naming the failing step).
    """
    from agentctl.deploy import runs
    from agentctl.views.deploy_run import RunWatcher

    common.set_kind("Run")
    params = common.parse_params(param)
    limit = cluster.duration(timeout, "--timeout") if timeout else None
    text = output is OutputFormat.text
    if log and not watch:
        from agentctl.errors import UsageError

        raise UsageError("--log follows the run's logs while watching it: add --watch")
    with target.connect() as client:
        deployed = target.find_agent(client, name)
        state = runs.start(client, deployed, params)
        err = common.console(stderr=True)
        if text:
            err.print(f"started {state.kind} [bold]{state.name}[/] in {state.namespace}")
        logs_done = _follow_logs(client, state) if log else None
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
                if logs_done is not None:
                    logs_done()
    if not text:
        common.emit("Run", state.to_dict(), output)
    elif watch:
        common.console().print(f"{state.kind} {state.name}: {state.phase}")
    else:
        common.console().print(state.name)


def _follow_logs(client: Any, state: Any) -> Callable[[], None]:
    """Stream the run's pod logs to stdout from a thread; returns the function that stops it."""
    import threading

    from agentctl.deploy import logs as klogs
    from agentctl.deploy.run_admin import pod_selector

    selector = pod_selector(state.kind, state.name)
    stop = threading.Event()
    lock = threading.Lock()

    def emit(prefix: str, line: str) -> None:
        with lock:
            sys.stdout.write(f"[{prefix}] {line}\n")
            sys.stdout.flush()

    def worker() -> None:
        # a log stream that fails must not end the watch: the run's phase decides
        with contextlib.suppress(Exception):
            klogs.follow(
                client, state.namespace, state.agent, emit, stop=stop, run=selector, rescan=1.0
            )

    thread = threading.Thread(target=worker, daemon=True, name="run-logs")
    thread.start()

    def done() -> None:
        thread.join(timeout=5)  # the pods have ended: let the last lines arrive
        stop.set()
        thread.join(timeout=5)

    return done
