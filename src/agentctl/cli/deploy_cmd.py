"""agentctl deploy: server-side apply of what build renders, in order, with prune and wait.

Also home of the cluster options every cluster command shares (``--kubeconfig``,
``--context``, ``-n``) and of the helpers that connect and resolve namespaces.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentctl.cli import common
from agentctl.errors import AgentctlError
from agentctl.settings import OutputFormat

if TYPE_CHECKING:
    from agentctl.deploy.client import KubeClient
    from agentctl.deploy.source import AgentSource

app = typer.Typer()

KubeconfigOpt = Annotated[
    str | None,
    typer.Option(
        "--kubeconfig",
        help="Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then the in-cluster service account).",
        show_default=False,
    ),
]
ContextOpt = Annotated[
    str | None, typer.Option("--context", help="Kubeconfig context (default: the current one).")
]
RequestTimeoutOpt = Annotated[
    str,
    typer.Option(
        "--request-timeout",
        help="Give up on a request to the API server after this long, its retries of "
        "429/5xx answers and dropped connections included (at most 8 attempts).",
    ),
]
NamespaceOpt = Annotated[
    str | None,
    typer.Option(
        "-n",
        "--namespace",
        help="Namespace (default: the agent project's, the context's, or every namespace).",
    ),
]
PlatformOpt = Annotated[
    Path | None,
    typer.Option(
        "--platform",
        help="platform.yaml (default: AGENTCTL_PLATFORM, or platform.yaml found upwards).",
    ),
]
PathArg = Annotated[
    Path | None,
    typer.Argument(help="Agent project directory or agent.yaml (default: the current directory)."),
]
FromOpt = Annotated[
    Path | None,
    typer.Option(
        "--from",
        help="Apply a previous `agentctl build --out DIR` (DIR or DIR/<agent>) instead of rendering.",
    ),
]
EnvOpt = Annotated[
    str | None, typer.Option("--env", help="Apply the spec's environment overlay NAME.")
]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force-conflicts",
        help="Take over fields another field manager owns (server-side apply force).",
    ),
]


def connect_client(
    kubeconfig: str | None, context: str | None, request_timeout: str = "30s"
) -> KubeClient:
    from agentctl.deploy.client import ConnectOptions, connect

    budget = duration(request_timeout, "--request-timeout")
    return connect(ConnectOptions(kubeconfig=kubeconfig, context=context, request_timeout=budget))


def platform_file(explicit: Path | None) -> str | None:
    if explicit:
        return str(explicit)
    s = common.settings()
    return s.platform_file


def sources(
    path: Path | None,
    from_dir: Path | None,
    env: str | None,
    platform: Path | None,
    *,
    gate: str | None = None,
    no_gate: bool = False,
) -> list[AgentSource]:
    """What to apply; with ``gate`` (the command's name), only after the policy gate passed it."""
    from agentctl.deploy.source import from_build, from_spec
    from agentctl.errors import UsageError

    if from_dir is not None:
        if path is not None or env is not None:
            raise UsageError("--from applies a build output: do not pass PATH or --env with it")
        found = from_build(from_dir)
        if gate is not None:
            _gate_build(gate, from_dir, platform, no_gate)
        return found
    if gate is not None:
        _gate_spec(gate, path or Path.cwd(), env, platform, no_gate)
    return [from_spec(path or Path.cwd(), env=env, platform_file=platform_file(platform))]


def _gate_spec(
    command: str, path: Path, env: str | None, platform: Path | None, no_gate: bool
) -> None:
    from agentctl.policy.gate import enforce
    from agentctl.spec.loader import load_agent, load_platform

    loaded = load_agent(path, env=env)
    pf = platform_file(platform)
    lp = load_platform(Path(pf) if pf else None, loaded.project_dir)
    report = enforce(command, [loaded], lp, no_gate=no_gate)
    if no_gate:
        common.warn_gate_skipped(report)


def _gate_build(command: str, from_dir: Path, platform: Path | None, no_gate: bool) -> None:
    """A build output is gated as plain manifests (the object checks; its spec is not at hand)."""
    from agentctl.deploy.source import manifest_files
    from agentctl.policy import gate

    pf = platform_file(platform)
    files = [str(f) for f in manifest_files(from_dir)]
    report = gate.run(paths=[], manifests=files, platform_file=Path(pf) if pf else None)
    if no_gate and not report.units[0].platform.platform.policy.allow_no_gate:
        raise gate.no_gate_refused(command)
    gate.verdict(command, report, no_gate=no_gate)
    if no_gate:
        common.warn_gate_skipped(report)


def check_namespace(explicit: str | None, src: AgentSource) -> None:
    from agentctl.errors import UsageError

    if explicit and explicit != src.namespace:
        raise UsageError(
            f"-n {explicit}: {src.agent} deploys to namespace {src.namespace}",
            hint="the namespace comes from platform.yaml (`namespace:`); -n can only confirm it",
        )


def duration(value: str, flag: str) -> float:
    from agentctl.errors import UsageError
    from agentctl.spec.units import parse_duration

    try:
        return float(parse_duration(value.strip()))
    except ValueError as exc:
        raise UsageError(f"{flag} {value!r}: {exc}") from None


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


@app.command()
def deploy(
    path: PathArg = None,
    from_dir: FromOpt = None,
    env: EnvOpt = None,
    dry_run: Annotated[
        str | None,
        typer.Option(
            "--dry-run",
            help="server: the API server validates and merges everything, nothing is persisted.",
        ),
    ] = None,
    force_conflicts: ForceOpt = False,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune/--no-prune",
            help="Delete what agentctl deployed before for this agent and no longer renders.",
        ),
    ] = True,
    wait: Annotated[
        bool,
        typer.Option("--wait/--no-wait", help="Wait for rollouts, jobs and claims to be ready."),
    ] = True,
    timeout: Annotated[
        str, typer.Option("--timeout", help="How long to wait for readiness (e.g. 90s, 5m).")
    ] = "5m",
    platform: PlatformOpt = None,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    namespace: NamespaceOpt = None,
    request_timeout: RequestTimeoutOpt = "30s",
    no_gate: common.NoGateOpt = False,
    output: common.OutputOpt = OutputFormat.text,
) -> None:
    """Apply an agent to the cluster with server-side apply: ordered, concurrent, pruned, waited for.

    Exit 0 when applied (and ready), 2 on invalid input, 3 when the cluster
    refuses or cannot be reached, 4 when a rollout fails or times out.
    """
    from agentctl.deploy.engine import DeployOptions
    from agentctl.deploy.engine import deploy as run_deploy
    from agentctl.errors import UsageError
    from agentctl.views.deploy import DeployProgress, print_result

    common.set_kind("DeployResult")
    if dry_run not in (None, "server", "none"):
        raise UsageError(
            f"--dry-run {dry_run!r}: only 'server' is supported (the API server checks, nothing is persisted)"
        )
    opts = DeployOptions(
        dry_run=dry_run == "server",
        force_conflicts=force_conflicts,
        prune=prune,
        wait=wait,
        timeout=duration(timeout, "--timeout"),
    )
    srcs = sources(path, from_dir, env, platform, gate="deploy", no_gate=no_gate)
    for src in srcs:
        check_namespace(namespace, src)
    text = output is OutputFormat.text
    err = common.console(stderr=True)
    results: list[Any] = []
    with connect_client(kubeconfig, context, request_timeout) as client:
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
                partial = getattr(exc, "partial", None)
                if (
                    text and partial is not None
                ):  # what was applied, what failed, never "No changes"
                    print_result(common.console(), partial, table=True)
                if not text and partial is not None:
                    raise PartlyDeployed(exc, partial.to_dict()) from exc
                raise
            progress.close()
            results.append(result)
            if text:
                print_result(common.console(), result, table=True)
    if not text:
        data = (
            results[0].to_dict()
            if len(results) == 1
            else {"agents": [r.to_dict() for r in results]}
        )
        common.emit("DeployResult", data, output)
