"""Where a cluster command goes and the one way to connect.

``--kubeconfig``, ``--context``, ``-n/--namespace`` and ``--request-timeout``
(declared in :mod:`agentctl.cli.options`) reach the cluster through
:func:`connect_client` (or :func:`connect_options`) in deploy, diff, status,
run, runs, logs, delete, invoke and ``trace --port-forward``. A command
registered with :func:`command` takes them, with ``--platform``, as one
:class:`Target`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import typer

from agentctl.cli import common, options
from agentctl.cli.inputs import duration

if TYPE_CHECKING:
    from agentctl.deploy.client import ConnectOptions, KubeClient
    from agentctl.deploy.locate import Deployed
    from agentctl.deploy.source import AgentSource

__all__ = ["duration"]

R = TypeVar("R")


class Target(options.Group):
    """Where a cluster command goes: the platform file and the connection flags, as given.

    A command declares ``target: cluster.Target = cluster.TARGET`` (or a
    ``Target`` with another ``request_timeout`` default) and is registered with
    :func:`command`, which puts ``--platform``, ``--kubeconfig``, ``--context``,
    ``-n/--namespace`` and ``--request-timeout`` in that parameter's place.
    """

    FIELDS = ("platform", "kubeconfig", "context", "namespace", "request_timeout")
    OPTIONS: ClassVar[dict[str, Any]] = {
        "platform": options.PlatformOpt,
        "kubeconfig": options.KubeconfigOpt,
        "context": options.ContextOpt,
        "namespace": options.NamespaceOpt,
        "request_timeout": options.RequestTimeoutOpt,
    }
    DEFAULTS: ClassVar[dict[str, Any]] = {"request_timeout": "30s"}
    __slots__ = FIELDS
    platform: Path | None
    kubeconfig: str | None
    context: str | None
    namespace: str | None
    request_timeout: str

    def connect(self) -> KubeClient:
        return connect_client(self.kubeconfig, self.context, self.request_timeout)

    def connect_ahead(self) -> KubeClient | None:
        """The client :meth:`connect` builds, with preflight's reads of the server already
        sent (see ``preflight.read_ahead``), when it can be built without a word: a valid
        ``--request-timeout`` and a kubeconfig the direct transport carries. None otherwise;
        :meth:`connect`, called after the command's own checks, then says what is wrong."""
        from agentctl.deploy.client import connect_quietly
        from agentctl.deploy.preflight import read_ahead
        from agentctl.errors import AgentctlError

        try:
            opts = connect_options(self.kubeconfig, self.context, self.request_timeout)
        except AgentctlError:
            return None
        client = connect_quietly(opts)
        if client is not None:
            read_ahead(client)
        return client

    @staticmethod
    def read_agent_ahead(client: KubeClient | None) -> Callable[[str, str], None] | None:
        """What :func:`sources` tells of the agents it finds, for ``client`` (from
        :meth:`connect_ahead`) to send preflight's reads of the first (see
        ``preflight.read_agent_ahead``) while it is gated and rendered."""
        from agentctl.deploy.preflight import read_agent_ahead

        if client is None:
            return None
        first: list[str] = []

        def found(agent: str, namespace: str) -> None:
            if not first:
                first.append(agent)
                read_agent_ahead(client, agent, namespace)

        return found

    def platform_file(self) -> str | None:
        return platform_file(self.platform)

    def namespace_of(
        self, client: KubeClient, agent: str | None, project_dir: Path | None = None
    ) -> str | None:
        """-n, else the namespace of the agent project (``project_dir``, else the one the
        working directory is in), the context's, or None (every namespace)."""
        from agentctl.deploy.locate import resolve_namespace

        where = project_dir or Path.cwd()
        return resolve_namespace(client, self.namespace, agent, where, self.platform_file())

    def find_agent(
        self, client: KubeClient, agent: str, project_dir: Path | None = None
    ) -> Deployed:
        """The deployed agent called ``agent``, looked up in :meth:`namespace_of`'s namespace
        (every namespace when that is None), with the cluster's API discovered for what the
        command does with it next. Raises NotDeployed (exit 2) naming where it looked."""
        from agentctl.deploy.locate import find_agent

        ns = self.namespace_of(client, agent, project_dir)
        client.discover()
        return find_agent(client, agent, ns)


TARGET = Target()


def command(app: typer.Typer, name: str | None = None) -> Callable[[Callable[..., R]], Any]:
    """``@app.command(name)`` for a cluster command: its :class:`Target` becomes the cluster options."""

    def register(func: Callable[..., R]) -> Any:
        return app.command(name)(options.expand(func))

    return register


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
    on_found: Callable[[str, str], None] | None = None,
) -> list[AgentSource]:
    """What to apply; with ``gate`` (the command's name), only after the policy gate passed it.
    ``on_found`` (agent, namespace): told of each agent before the gate decides."""
    from agentctl.usecases.sources import sources as find

    found, report = find(
        path,
        from_dir,
        env,
        platform_file(platform),
        gate=gate,
        no_gate=no_gate,
        crd_dirs=common.crd_dirs(None),
        on_found=on_found,
    )
    if no_gate and report is not None:
        common.warn_gate_skipped(report)
    return found


def check_namespace(explicit: str | None, src: AgentSource) -> None:
    from agentctl.errors import UsageError

    if explicit and explicit != src.namespace:
        raise UsageError(
            f"-n {explicit}: {src.agent} deploys to namespace {src.namespace}",
            hint="the namespace comes from platform.yaml (`namespace:`); -n can only confirm it",
        )
