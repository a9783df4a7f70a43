"""The cluster options every cluster command shares and the one way to connect.

``--kubeconfig``, ``--context``, ``-n/--namespace`` and ``--request-timeout``
are declared once here, so deploy, diff, status, run, runs, logs, delete,
invoke and ``trace --port-forward`` spell and explain them alike and reach the
cluster through :func:`connect_client` (or :func:`connect_options`). A command
registered with :func:`command` takes them all as one :class:`Target`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from agentctl.cli import common
from agentctl.cli.inputs import duration
from agentctl.cli.options import (
    ContextOpt,
    KubeconfigOpt,
    NamespaceOpt,
    PlatformOpt,
    RequestTimeoutOpt,
)

if TYPE_CHECKING:
    from agentctl.deploy.client import ConnectOptions, KubeClient
    from agentctl.deploy.source import AgentSource

__all__ = ["duration"]

R = TypeVar("R")


class Target:
    """Where a cluster command goes: the platform file and the connection flags, as given.

    A command declares ``target: cluster.Target = cluster.TARGET`` (or a
    ``Target`` with another ``request_timeout`` default) and is decorated with
    :func:`options`, which puts ``--platform``, ``--kubeconfig``, ``--context``,
    ``-n/--namespace`` and ``--request-timeout`` in that parameter's place.
    (A plain class: generating a dataclass costs more than ``status --help``.)
    """

    FIELDS = ("platform", "kubeconfig", "context", "namespace", "request_timeout")
    __slots__ = FIELDS

    def __init__(
        self,
        platform: Path | None = None,
        kubeconfig: str | None = None,
        context: str | None = None,
        namespace: str | None = None,
        request_timeout: str = "30s",
    ) -> None:
        self.platform = platform
        self.kubeconfig = kubeconfig
        self.context = context
        self.namespace = namespace
        self.request_timeout = request_timeout

    def connect(self) -> KubeClient:
        return connect_client(self.kubeconfig, self.context, self.request_timeout)

    def platform_file(self) -> str | None:
        return platform_file(self.platform)

    def namespace_of(self, client: KubeClient, agent: str | None) -> str | None:
        """-n, else the agent project's namespace, the context's, or None (every namespace)."""
        from agentctl.deploy.locate import resolve_namespace

        return resolve_namespace(client, self.namespace, agent, Path.cwd(), self.platform_file())


TARGET = Target()

_TARGET_OPTS: dict[str, Any] = {
    "platform": PlatformOpt,
    "kubeconfig": KubeconfigOpt,
    "context": ContextOpt,
    "namespace": NamespaceOpt,
    "request_timeout": RequestTimeoutOpt,
}


def options(func: Callable[..., R]) -> Callable[..., R]:
    """Replace ``func``'s :class:`Target` parameter by the five cluster options (same order, same help)."""
    sig = inspect.signature(func, eval_str=True)
    name = next(n for n, p in sig.parameters.items() if isinstance(p.default, Target))
    default: Target = sig.parameters[name].default
    params: list[inspect.Parameter] = []
    for p in sig.parameters.values():
        if p.name != name:
            params.append(p)
            continue
        for field in Target.FIELDS:
            params.append(
                inspect.Parameter(
                    field,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=getattr(default, field),
                    annotation=_TARGET_OPTS[field],
                )
            )
    new_sig = sig.replace(
        parameters=[p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params]
    )

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> R:
        kwargs[name] = Target(**{field: kwargs.pop(field) for field in Target.FIELDS})
        return func(**kwargs)

    del wrapper.__wrapped__  # typer reads the signature below, not func's
    wrapper.__signature__ = new_sig  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in new_sig.parameters.values()}
    return wrapper


def command(app: typer.Typer, name: str | None = None) -> Callable[[Callable[..., R]], Any]:
    """``@app.command(name)`` for a cluster command: its :class:`Target` becomes the cluster options."""

    def register(func: Callable[..., R]) -> Any:
        return app.command(name)(options(func))

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
) -> list[AgentSource]:
    """What to apply; with ``gate`` (the command's name), only after the policy gate passed it."""
    from agentctl.usecases.sources import sources as find

    found, report = find(
        path,
        from_dir,
        env,
        platform_file(platform),
        gate=gate,
        no_gate=no_gate,
        crd_dirs=common.crd_dirs(None),
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
