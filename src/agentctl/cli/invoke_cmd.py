"""agentctl invoke: one task to a deployed agent (service proxy), or a run of a job/workflow agent."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from agentctl.cli import cluster, common, options
from agentctl.settings import OutputFormat

app = typer.Typer()

MAX_INPUT_BYTES = 1024 * 1024


def _task(text: str | None, file: Path | None) -> str:
    from agentctl.errors import UsageError
    from agentctl.spec.yamlsafe import read_stdin, read_text

    if text is not None and file is not None:
        raise UsageError("give the task once: --input TEXT or -f FILE, not both")
    if file is not None:
        if str(file) == "-":
            return read_stdin(MAX_INPUT_BYTES)
        return read_text(file, max_bytes=MAX_INPUT_BYTES, expected="a text file with the task")
    if text is None:
        raise UsageError("no task: give --input TEXT or -f FILE (- for stdin)")
    return text


@cluster.command(app)
def invoke(
    name: Annotated[str, typer.Argument(help="The deployed agent.")],
    input_text: Annotated[str | None, typer.Option("--input", "-i", help="The task (the request's input).")] = None,
    file: Annotated[Path | None, typer.Option("-f", "--file", metavar="FILE", help="Read the task from FILE (- for stdin), UTF-8, at most 1 MiB.")] = None,
    param: options.ParamOpt = None,
    conversation: Annotated[str | None, typer.Option("--conversation-id", help="Continue this conversation (stateful agents).")] = None,
    target: cluster.Target = cluster.Target(request_timeout="300s"),
    output: options.OutputOpt = OutputFormat.text,
) -> None:  # fmt: skip
    """Send a task to a deployed service or stateful agent and print its answer and trace id.

    The request goes through the API server's service proxy (the runtime
    contract's POST /invoke, as `agentctl dev --invoke`), asking for
    Server-Sent Events: the agent's progress (each model step, each tool call)
    is printed to stderr as it happens, then the answer to stdout; an agent
    that answers with plain JSON is printed when it answers. A job or workflow agent gets a
    run instead, as `agentctl run` starts one (the task as its `task`
    parameter when it declares one).
    """
    from agentctl.deploy import invoke as deploy_invoke

    common.set_kind("Invocation")
    params = common.parse_params(param)
    task = _task(input_text, file)
    text = output is OutputFormat.text
    err = common.console(stderr=True)
    with target.connect() as client:
        deployed = target.find_agent(client, name)
        kinds = {r.kind for r in deployed.inventory.refs()}
        if kinds & {"WorkflowTemplate", "CronWorkflow", "CronJob", "Job"}:
            _start_run(client, deployed, task, params, output)
            return
        if params:
            from agentctl.errors import UsageError

            raise UsageError(
                f"-p: {name} is a service: it takes the task alone (--input)",
            )
        streamed: list[str] = []

        def show(chunk: str) -> None:
            streamed.append(chunk)
            if text:
                sys.stdout.write(chunk)
                sys.stdout.flush()

        def progress(event: str, data: Any) -> None:
            if text:
                err.print(deploy_invoke.describe_event(event, data), markup=False)

        result = deploy_invoke.invoke(
            client, deployed, task, conversation_id=conversation, on_chunk=show, on_event=progress
        )
    if not text:
        common.emit("Invocation", result.to_dict(), output)
        return
    if streamed and not streamed[-1].endswith("\n"):
        sys.stdout.write("\n")
    if result.conversation_id:
        err.print(f"conversation: {result.conversation_id}")
    if result.trace_id:
        err.print(f"trace: {result.trace_id}  (agentctl trace -t {result.trace_id})")


def _start_run(
    client: Any, deployed: Any, task: str, params: dict[str, str], output: OutputFormat
) -> None:
    from agentctl.deploy import runs

    state = runs.start(client, deployed, params, task=task)
    if output is not OutputFormat.text:
        common.emit("Run", state.to_dict(), output)
        return
    common.console(stderr=True).print(
        f"started {state.kind} [bold]{state.name}[/] in {state.namespace}; "
        f"follow it with: agentctl run {deployed.agent} --watch, or agentctl logs {deployed.agent}"
    )
    common.console().print(state.name)
