"""agentctl dev: run an agent project on this machine as the cluster would."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Any

import typer

from agentctl.cli import common, options
from agentctl.errors import EXIT_FAILED
from agentctl.settings import OutputFormat

app = typer.Typer()


@app.command()
def dev(
    path: options.PathArg = None,
    invoke: Annotated[str | None, typer.Option("--invoke", "-i", help="Send one task (service/stateful agents; to a running `agentctl dev` when there is one), or run the job or workflow once with it; print the answer, the trace tree and the cost, then stop.")] = None,
    offline_model: Annotated[bool, typer.Option("--offline-model", help="Use the deterministic offline demo model (AGENT_MODEL_PROVIDER=offline-demo): no API key, no network.")] = False,
    tool: Annotated[list[str] | None, typer.Option("--tool", help="Run service tool NAME from its own agentctl project: NAME=DIR (repeatable).")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="Workflow parameter (or, for a job, an entry of AGENT_PARAMS) KEY=VALUE (repeatable).")] = None,
    env: options.EnvOpt = None,
    env_file: options.EnvFileOpt = None,
    python: Annotated[str | None, typer.Option("--python", help="Interpreter for the project's code (default: <project>/.venv, created from the project's pyproject.toml on first use and reused after).")] = None,
    store: options.StoreOpt = None,
    platform_file: options.PlatformOpt = None,
    otlp_port: Annotated[int, typer.Option("--otlp-port", help="Port of the embedded OTLP/HTTP receiver (0: a free port).", min=0, max=65535)] = 0,
    ready_timeout: Annotated[float, typer.Option("--ready-timeout", help="Seconds to wait for the agent and tools to be ready.", min=1)] = 60.0,
    output: options.OutputOpt = OutputFormat.text,
) -> None:  # fmt: skip
    """Run the agent and its service tools locally with the runtime-contract environment.

    Spans go to an embedded trace receiver and the local store. Service and
    stateful agents run until Ctrl-C; job and workflow agents run once.
    """
    from agentctl.local.session import DevOptions
    from agentctl.spec.loader import load_agent

    common.set_kind("DevRun")
    from agentctl.spec.files import project_agent_file

    # run from a subdirectory of a project, the project's agent.yaml (as validate, build)
    loaded = load_agent(path or project_agent_file(Path.cwd()) or Path.cwd(), env=env)
    platform = common.platform_path(platform_file)
    run_options = DevOptions(
        offline_model=offline_model,
        python=python,
        store_path=common.store_path(store),
        env_file=env_file,
        parameters=common.parse_params(param, "--param"),
        ready_timeout=ready_timeout,
        receiver_port=otlp_port,
        platform_file=platform,
        tool_dirs={k: Path(v) for k, v in common.parse_params(tool, "--tool").items()},
    )
    run_dev(loaded, run_options, invoke, output)


def run_dev(loaded: Any, run_options: Any, task: str | None, output: OutputFormat) -> None:
    from agentctl.local import invoke as invokemod
    from agentctl.local.session import DevSession
    from agentctl.local.signals import interrupt_on_sigterm
    from agentctl.local.state import find_running
    from agentctl.spec.models import AgentType
    from agentctl.views.dev import DevView

    agent = loaded.agent
    serves = agent.spec.type in (AgentType.service, AgentType.stateful)
    if serves and run_options.parameters:
        from agentctl.errors import UsageError

        raise UsageError(
            f"--param is for job and workflow agents ({agent.metadata.name} is {agent.spec.type.value})",
            hint="send the input with --invoke instead",
        )
    if task is not None and serves:
        running = find_running(loaded.project_dir.resolve() / ".agentctl", agent.spec.ready_path)
        if running is not None:
            common.console(stderr=True).print(
                f"[dim]sending to the running agentctl dev (pid {running['pid']}) at {running['url']}[/]"
            )
            report_run(invokemod.invoke_running(running, task), agent.metadata.name, output)
            return
    err = common.console(stderr=True)
    from agentctl.cli import envsetup

    run_options.pythons = envsetup.prepare(
        [loaded.project_dir, *envsetup.tool_project_dirs(run_options.tool_dirs)],
        run_options.python,
        err,
    )
    view = DevView(err, live=err.is_terminal and output is OutputFormat.text)
    view.title = f"agentctl dev {agent.metadata.name} ({agent.spec.type.value})"
    session = DevSession(loaded, run_options, on_event=view.handle)
    report = None
    with interrupt_on_sigterm():
        try:
            with view, session:
                session.prepare()
                session.tail_spans(view.add_spans)
                session.start_services()
                if agent.spec.type is AgentType.job:
                    report = invokemod.run_job(session, task)
                elif agent.spec.type is AgentType.workflow:
                    report = invokemod.run_workflow(session, task)
                elif task is not None:
                    report = invokemod.invoke_service(session, task)
                else:
                    # Ready from the moment the state file exists: a Ctrl-C from then on is
                    # the ordinary way to stop, never an interruption of start-up.
                    with contextlib.suppress(KeyboardInterrupt):
                        session.publish_state()
                        view.handle_info(
                            f"{agent.metadata.name} ready at {session.agent_url} (Ctrl-C stops everything)"
                        )
                        session.watch(_never())
                    view.title = f"agentctl dev {agent.metadata.name}: stopped"
        finally:
            left = session.leftover_processes()
            if left:
                err.print(f"[bold red]error:[/] processes still running after stop: {left}")
    if report is None:
        where = session.store.path if session.store is not None else "the trace store"
        err.print(f"stopped {len(session.processes)} process(es); traces are in {where}")
        return
    report_run(report, agent.metadata.name, output)


def _never() -> Any:
    import threading

    return threading.Event()


def report_run(report: Any, agent: str, output: OutputFormat) -> None:
    """Print (or emit) one run's answer, trace and cost; exit 4 when it failed."""
    from agentctl.cost.llm import price_spans

    prices = price_spans(report.spans)
    if output is not OutputFormat.text:
        data = {"agent": agent, **report.to_dict(), "cost": prices.to_dict()}
        common.emit("DevRun", data, output, ok=report.ok)
        if not report.ok:
            raise typer.Exit(EXIT_FAILED)
        return
    from agentctl.views.dev_result import print_run

    print_run(common.console(), report, prices, agent=agent)
    if not report.ok:
        from agentctl.errors import WaitError

        raise WaitError(
            f"{report.kind} of {agent} failed: {report.reason or 'see the log lines above'}"
        )
