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
    path: Path | None, from_dir: Path | None, env: str | None, platform: Path | None
) -> list[AgentSource]:
    from agentctl.deploy.source import from_build, from_spec
    from agentctl.errors import UsageError

    if from_dir is not None:
        if path is not None or env is not None:
            raise UsageError("--from applies a build output: do not pass PATH or --env with it")
        return from_build(from_dir)
    return [from_spec(path or Path.cwd(), env=env, platform_file=platform_file(platform))]


def check_namespace(explicit: str | None, src: AgentSource) -> None:
    from agentctl.errors import UsageError

    if explicit and explicit != src.namespace:
        raise UsageError(
            f"-n {explicit}: {src.agent} deploys to namespace {src.namespace}",
            hint="the namespace comes from platform.yaml (`namespace:`); -n can only confirm it",
        )
