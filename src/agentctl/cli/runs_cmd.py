"""agentctl runs: an agent's recent runs; stop, retry or resubmit one (as Argo CLI users expect)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from agentctl.cli import cluster, common, options
from agentctl.settings import OutputFormat

app = typer.Typer(no_args_is_help=True)

RunArg = Annotated[
    str, typer.Argument(help="The run: a Workflow or Job name (agentctl runs list).")
]


def _namespace(client: Any, target: cluster.Target) -> str:
    from agentctl.errors import UsageError

    ns = target.namespace_of(client, None)
    if not ns:
        raise UsageError("which namespace is the run in? give -n NAMESPACE")
    return ns


@cluster.command(app, "list")
def list_runs(
    name: Annotated[str, typer.Argument(help="The agent (a job or workflow agent).")],
    limit: Annotated[int, typer.Option("--limit", min=0, help="At most this many (0: all).")] = 20,
    target: cluster.Target = cluster.TARGET,
    output: options.OutputOpt = OutputFormat.text,
) -> None:
    """Recent runs of an agent, newest first: phase, duration and compute cost."""
    from rich.text import Text

    from agentctl.cost.rates import RateCard, fmt_usd
    from agentctl.deploy import run_admin
    from agentctl.spec.units import format_duration
    from agentctl.views.tables import titled_table

    common.set_kind("RunList")
    card = RateCard()
    with target.connect() as client:
        deployed = target.find_agent(client, name)
        rows = run_admin.list_runs(client, deployed, card, limit)
    if output is not OutputFormat.text:
        common.emit("RunList", {"agent": name, "runs": [r.to_dict() for r in rows]}, output)
        return
    if not rows:
        common.console(stderr=True).print(
            f"no runs of {name} yet: start one with agentctl run {name}"
        )
        return
    table = titled_table(f"runs of {name}", "RUN", "KIND", "PHASE", "STARTED", "DURATION", "COST")
    for r in rows:
        table.add_row(  # names and phases from the cluster: shown as sent, never markup
            Text(r.name),
            Text(r.kind),
            Text(r.phase),
            r.started or "-",
            format_duration(int(r.seconds)) if r.seconds is not None else "-",
            fmt_usd(r.cost_usd) if r.cost_usd is not None else "-",
        )
    common.console().print(table)


def _act(
    action: str,
    run: str,
    target: cluster.Target,
    output: OutputFormat,
) -> None:
    from agentctl.deploy import run_admin

    common.set_kind("Run")
    with target.connect() as client:
        ns = _namespace(client, target)
        client.discover()
        res, obj = run_admin.find_run(client, run, ns)
        fn = {"stop": run_admin.stop, "retry": run_admin.retry}.get(action, run_admin.resubmit)
        state = fn(client, res, obj)
    if output is not OutputFormat.text:
        common.emit("Run", state.to_dict(), output)
        return
    if action == "stop":
        common.console().print(f"{state.kind} {run}: stopping")
    elif action == "retry" and state.name == run:
        common.console(stderr=True).print(
            f"retrying the failed steps of {run}; "
            f"follow it with: agentctl runs list {state.agent}, agentctl logs {state.agent} --run {run}"
        )
        common.console().print(state.name)
    else:
        common.console(stderr=True).print(
            f"resubmitted {run} as {state.kind} [bold]{state.name}[/]; "
            f"follow it with: agentctl logs {state.agent} --follow"
        )
        common.console().print(state.name)


def _command(action: str, doc: str) -> Any:
    """stop, retry and resubmit take the same options: one signature, three commands."""

    def command(
        run: RunArg,
        target: cluster.Target = cluster.TARGET,
        output: options.OutputOpt = OutputFormat.text,
    ) -> None:
        _act(action, run, target, output)

    command.__doc__ = doc
    command.__name__ = action
    return options.expand(command)


app.command("stop")(
    _command(
        "stop",
        "Stop a running run: a Workflow runs no new step (its exit handlers still run); a Job is suspended.",
    )
)
app.command("retry")(
    _command(
        "retry",
        "Run a Failed or Error Workflow's failed steps again, keeping the ones that "
        "succeeded (as argo retry). A Job cannot be resumed: retrying a failed Job starts "
        "a new Job from its template, as resubmit does.",
    )
)
app.command("resubmit")(
    _command(
        "resubmit",
        "Start a new run with the same template and arguments as RUN (labelled with the run it repeats).",
    )
)
