"""agentctl deploy: server-side apply of what build renders, in order, with prune and wait."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from agentctl.cli import cluster, common, options
from agentctl.errors import AgentctlError
from agentctl.settings import OutputFormat

app = typer.Typer()


class PartlyDeployed(AgentctlError):
    """A deploy error whose JSON envelope also says what was applied before it."""

    def __init__(self, cause: AgentctlError, applied: dict[str, Any]) -> None:
        super().__init__(cause.message, hint=cause.hint)
        self.exit_code, self.code = cause.exit_code, cause.code
        self.cause, self.applied = cause, applied

    def lines(self) -> list[str]:
        return self.cause.lines()

    def to_dict(self) -> dict[str, object]:
        return {**self.cause.to_dict(), "applied": self.applied}


@cluster.command(app)
def deploy(
    path: options.PathArg = None,
    from_dir: options.FromOpt = None,
    env: options.EnvOpt = None,
    dry_run: Annotated[str | None, typer.Option("--dry-run", help="server: the API server validates and merges everything, nothing is persisted.")] = None,
    force_conflicts: options.ForceOpt = False,
    prune: Annotated[bool, typer.Option("--prune/--no-prune", help="Delete what agentctl deployed before for this agent and no longer renders.")] = True,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Wait for rollouts, jobs, claims and external secrets to be ready.")] = True,
    timeout: Annotated[str, typer.Option("--timeout", help="How long to wait for readiness (e.g. 90s, 5m).")] = "5m",
    target: cluster.Target = cluster.TARGET,
    no_gate: options.NoGateOpt = False,
    output: options.OutputOpt = OutputFormat.text,
) -> None:  # fmt: skip
    """Apply an agent to the cluster with server-side apply: ordered, concurrent, pruned, waited for.

    The policy gate `agentctl validate` runs comes first: exit 1 (nothing
    applied) when it fails. Exit 0 when applied (and ready), 2 on invalid
    input, 3 when the cluster refuses or cannot be reached, 4 when a rollout
    fails or times out.
    """
    from agentctl.bulk import paused
    from agentctl.errors import UsageError

    common.set_kind("DeployResult")
    if dry_run not in (None, "server", "none"):
        raise UsageError(
            f"--dry-run {dry_run!r}: only 'server' is supported (the API server checks, nothing is persisted)"
        )
    # Importing the engine, the spec models, the gate, the renderer and the HTTP client,
    # loading, gating and rendering the agent and reading the kubeconfig build objects that
    # live until the command ends: the cyclic garbage collector would walk them over and
    # over and free nothing. It runs again for the requests and the wait.
    with paused():
        from agentctl.deploy.engine import DeployOptions
        from agentctl.deploy.engine import deploy as run_deploy
        from agentctl.views.deploy import DeployProgress, print_result

        opts = DeployOptions(
            dry_run=dry_run == "server",
            force_conflicts=force_conflicts,
            prune=prune,
            wait=wait,
            timeout=cluster.duration(timeout, "--timeout"),
        )
        # the server's version and discovery are read while the spec is loaded, the agent's
        # namespace, inventory and live objects once it is loaded, while it is gated and
        # rendered; what goes wrong there is reported by preflight, after the spec's own errors
        early = target.connect_ahead()
        try:
            srcs = cluster.sources(
                path,
                from_dir,
                env,
                target.platform,
                gate="deploy",
                no_gate=no_gate,
                on_found=target.read_agent_ahead(early),
            )
            for src in srcs:
                cluster.check_namespace(target.namespace, src)
        except BaseException:
            if early is not None:
                early.close()  # its reads go on, on daemon threads: nothing waits for them
            raise
        client = early if early is not None else target.connect()
    text = output is OutputFormat.text
    err = common.plain_console(stderr=True)
    results: list[Any] = []
    with client:
        for src in srcs:
            progress = DeployProgress(err, live=text and sys.stderr.isatty())
            if text:
                progress.header(
                    src.agent,
                    src.namespace,
                    client.target.context,
                    client.target.server,
                    src.origin,
                    opts.dry_run,
                )
            try:
                result = run_deploy(client, src, opts, progress)
            except AgentctlError as exc:
                progress.close()
                partial = exc.partial
                if (
                    text and partial is not None
                ):  # what was applied, what failed, never "No changes"
                    print_result(common.plain_console(), partial, table=True)
                if not text and partial is not None:
                    raise PartlyDeployed(exc, partial.to_dict()) from exc
                raise
            progress.close()
            results.append(result)
            if text:
                print_result(common.plain_console(), result, table=True)
    if not text:
        data = (
            results[0].to_dict()
            if len(results) == 1
            else {"agents": [r.to_dict() for r in results]}
        )
        common.emit("DeployResult", data, output)
