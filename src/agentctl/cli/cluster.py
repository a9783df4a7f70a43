"""The cluster options every cluster command shares and the one way to connect.

``--kubeconfig``, ``--context``, ``-n/--namespace`` and ``--request-timeout``
are declared once here, so deploy, diff, status, run, logs, delete and
``trace --port-forward`` spell and explain them alike and reach the cluster
through :func:`connect_client` (or :func:`connect_options`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agentctl.cli import common
from agentctl.cli.common import EnvOpt, PlatformOpt
from agentctl.cli.inputs import duration

if TYPE_CHECKING:
    from agentctl.deploy.client import ConnectOptions, KubeClient
    from agentctl.deploy.source import AgentSource

__all__ = ["EnvOpt", "PlatformOpt", "duration"]

KubeconfigOpt = Annotated[
    str | None,
    typer.Option(
        "--kubeconfig",
        metavar="FILE",
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
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force-conflicts",
        help="Take over fields another field manager owns (server-side apply force).",
    ),
]


def connect_options(
    kubeconfig: str | None, context: str | None, request_timeout: str = "30s"
) -> ConnectOptions:
    from agentctl.deploy.client import ConnectOptions

    budget = duration(request_timeout, "--request-timeout")
    return ConnectOptions(kubeconfig=kubeconfig, context=context, request_timeout=budget)


def connect_client(
    kubeconfig: str | None, context: str | None, request_timeout: str = "30s"
) -> KubeClient:
    from agentctl.deploy.client import connect

    return connect(connect_options(kubeconfig, context, request_timeout))


def platform_file(explicit: Path | None) -> str | None:
    """--platform, else AGENTCTL_PLATFORM, as the loaders take it."""
    path = common.platform_path(explicit)
    return str(path) if path is not None else None


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
