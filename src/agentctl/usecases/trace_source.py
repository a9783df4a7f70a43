"""Where ``agentctl trace`` reads traces: the local store, a Jaeger/Tempo URL, or
an in-cluster backend through a port-forward, from the flags and platform.yaml.

Order: ``--store`` (a local store, alone); ``--source URL``; ``--source
jaeger|tempo`` with ``--port-forward``; ``telemetry.traces`` of platform.yaml
when it names a backend; else the local store. No store yet is not an error
(there is nothing to show): the answer is then no source at all, found
without opening anything.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentctl.deploy.client import ConnectOptions
    from agentctl.telemetry.sources import TraceSource


def _usage(message: str) -> None:
    from agentctl.errors import UsageError

    raise UsageError(message)


def platform_traces(platform_file: Path | None) -> tuple[str, str | None, str] | None:
    """(source kind, url, collector namespace) from platform.yaml, when one is configured."""
    from agentctl.spec.files import find_platform_file

    path = find_platform_file(platform_file)
    if path is None:
        return None
    from agentctl.spec.platform_fields import read_platform_fields

    fields = read_platform_fields(path)  # no spec models: these few fields only
    return fields.traces_source, fields.traces_url, fields.collector_namespace


def resolve(
    *,
    store: Path | None,
    store_path: Path,
    source: str | None,
    port_forward: str | None,
    namespace: str | None,
    platform_file: Path | None,
    connect: ConnectOptions | None = None,
    auth: Any = None,
    on_forward: Callable[[str], None] | None = None,
) -> tuple[TraceSource | None, Any]:
    """(the source, the port-forward to stop when done, or None).

    ``store`` is --store as given, ``store_path`` the store it means (the
    default one without it); ``on_forward`` hears the local URL a
    port-forward listens on.
    """
    kind: str | None = None
    url: str | None = None
    ns = namespace
    if store is not None and (source not in (None, "local") or port_forward):
        _usage("--store reads a local store; it does not go with --source or --port-forward")
    if source in (None, "platform") and store is None:
        platform = platform_traces(platform_file)
        if platform is not None and platform[0] != "local":
            kind, url, ns = platform[0], platform[1], namespace or platform[2]
        elif source == "platform":
            _usage("--source platform: no platform.yaml with telemetry.traces.source jaeger|tempo")
    elif source in ("jaeger", "tempo"):
        kind = source
    elif source not in (None, "local"):
        url = source
    if port_forward:
        from agentctl.deploy.portforward import DEFAULT_PORTS, PortForward, parse_target

        if kind is None and url is None:
            _usage("--port-forward needs the backend kind: add --source jaeger or --source tempo")
        fwd = PortForward(
            parse_target(port_forward),
            ns or "observability",
            default_port=DEFAULT_PORTS.get(kind or ""),
            connect_options=connect,
        )
        base = fwd.start()
        if on_forward is not None:
            on_forward(base)
        from agentctl.telemetry.sources import remote_source

        return remote_source(base, kind, auth=auth), fwd
    if url is not None:
        from agentctl.telemetry.sources import remote_source

        return remote_source(url, kind, auth=auth), None
    if kind is not None:
        _usage(
            f"--source {kind} needs a URL (e.g. {kind}+http://127.0.0.1:PORT) or --port-forward svc/NAME"
        )
    if not store_path.exists():
        if store is None:
            return None, None  # no store yet: nothing to open (nor sqlite to load)
        from agentctl.errors import TelemetryError

        raise TelemetryError(
            f"{store}: no trace store there", hint="check --store, or start `agentctl collector`"
        )
    from agentctl.telemetry.sources import LocalSource
    from agentctl.telemetry.store import TraceStore

    return LocalSource(TraceStore(store_path)), None
